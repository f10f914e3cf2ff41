/** Bulk: one change, one note or a timesheet over many records: previewed, confirmed, sent at Autotask's thread bound, a result for every record. */

import * as z from "zod";
import {
  type AutotaskRecord,
  childRoute,
  type FieldInfo,
  type Filter,
  parentIdField,
  supportsRoot,
} from "../lib/autotask/mod.ts";
import { isoSeconds, parseInstant } from "../lib/dates.ts";
import {
  type BatchRun,
  canonicalJson,
  changesSchema,
  checkBudget,
  checkChanges,
  cleanText,
  defineTool,
  enrich,
  failureOf,
  fillRequiredDefaults,
  fitResult,
  groupIds,
  idRanges,
  idSchema,
  InputError,
  labelKey,
  nameKey,
  normalizeFilter,
  PREVIEW_TTL_MS,
  previewsOf,
  readByIds,
  readsFor,
  requireEntityArg,
  resolvePicklists,
  runBatch,
  type ToolContext,
  type ToolModule,
  type ToolOutput,
  withAssignmentRole,
  type WriteOutcome,
} from "../lib/mcp/mod.ts";
import { TICKET_NOTES } from "./notes.ts";
import { ticketNoteRecord, ticketNoteShape } from "./tickets.ts";
import { type PreparedTimeEntry, prepareTimeEntry, timeEntryInput } from "./time_entries.ts";

/** Most records one bulk call covers (also the most ids one `in` query takes). */
const MAX_RECORDS = 500;
/** Most entries of one bulk timesheet. */
const MAX_ENTRIES = 100;
/** Records a preview shows with each change as before -> after. */
const SAMPLE_SIZE = 10;
/** Fields that name a record for people, tried in turn when the entity has no descriptor. */
const NAME_FIELDS = [
  "name",
  "title",
  "companyName",
  "projectName",
  "contractName",
  "referenceTitle",
  "firstName",
  "lastName",
];

const confirmSchema = z.string().trim().min(1).max(100).optional().describe(
  "The token a preview returned: applies exactly that preview",
);

/** Every id once, or a message naming the first repeated one. */
function uniqueIds(ids: readonly number[], what: string): number[] {
  const seen = new Set<number>();
  for (const id of ids) {
    if (seen.has(id)) throw new InputError(`${what} lists ${id} twice: give each record once`);
    seen.add(id);
  }
  return [...seen];
}

/** One text per record for the report: `{id, text}` pairs. */
interface Said {
  id: number;
  text: string;
}

/** A batch's outcomes by record key: written (with the new record's id), failed, never sent. */
interface SortedOutcomes {
  written: { key: number; id: number }[];
  failures: { id: number; outcome: WriteOutcome }[];
  notSent: number[];
}

/** Sorts `run`'s outcomes, in the order of `keys` (what was given to runBatch). */
function sortOutcomes(keys: readonly number[], run: BatchRun): SortedOutcomes {
  const sorted: SortedOutcomes = { written: [], failures: [], notSent: [] };
  keys.forEach((key, i) => {
    const outcome = run.outcomes[i];
    if (!outcome) sorted.notSent.push(key);
    else if (outcome.ok) sorted.written.push({ key, id: outcome.id });
    else sorted.failures.push({ id: key, outcome });
  });
  return sorted;
}

/** Failures grouped by message and by whether they may have been applied. */
function failedGroups(failures: readonly { id: number; outcome: WriteOutcome }[]): ToolOutput[] {
  const groups = new Map<string, { error: string; mayHaveHappened: boolean; ids: number[] }>();
  for (const { id, outcome } of failures) {
    if (outcome.ok) continue;
    const failure = failureOf(outcome.error);
    const key = `${failure.mayHaveHappened}\u0000${failure.error}`;
    const group = groups.get(key) ?? { ...failure, ids: [] };
    group.ids.push(id);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => ({
    ids: idRanges(g.ids),
    count: g.ids.length,
    error: g.error,
    mayHaveHappened: g.mayHaveHappened,
  }));
}

/** Why writes were not sent, in the report's words. */
function notSentReason(run: { stopped?: string; cancelled: boolean }): string | undefined {
  if (run.stopped) return `stopped at once: ${run.stopped}`;
  if (run.cancelled) return "cancelled: no further write was started";
  return undefined;
}

/**
 * The tool's preview, or the user's answer to it: a preview is kept under a confirm token; when
 * the client can show a confirmation form, the user is asked right away and a yes applies it
 * in the same call (a no discards it). The token path works whatever the client.
 */
async function offer<T>(
  ctx: ToolContext,
  tool: string,
  options: {
    fingerprint: string;
    data: T;
    preview: ToolOutput;
    /** The question for the confirmation form. */
    question: string;
    apply(data: T): Promise<ToolOutput>;
  },
): Promise<ToolOutput> {
  const store = previewsOf(ctx.client);
  const entry = store.issue(tool, {
    user: ctx.caller.user,
    fingerprint: options.fingerprint,
    data: options.data,
    now: ctx.now(),
  });
  const preview = options.preview;
  if (ctx.confirmWithUser) {
    const answer = await ctx.confirmWithUser(options.question);
    if (answer === "confirmed") {
      const report = await confirmed(ctx, tool, {
        token: entry.token,
        fingerprint: options.fingerprint,
        apply: options.apply,
      });
      return { ...report, confirmedBy: "the user, in the client's confirmation form" };
    }
    if (answer === "declined") {
      store.discard(entry.token);
      preview.note = "The user declined this batch in the confirmation form: nothing was sent";
      return preview;
    }
  }
  preview.confirm = entry.token;
  preview.expiresAt = isoSeconds(entry.expiresAt);
  preview.note = [
    preview.note,
    `Nothing was sent. To apply exactly this, call ${tool} again with the same arguments and ` +
    `confirm: "${entry.token}" within ${PREVIEW_TTL_MS / 60_000} minutes (show the user the ` +
    "totals and sample first)",
  ].filter(Boolean).join("; ");
  return preview;
}

/**
 * Applies the preview `token` confirms, once: a repeated confirm answers the first apply's report
 * and sends nothing. `apply` throws only before its first write (the preview is then kept for
 * another try); after that every outcome is in its report.
 */
async function confirmed<T>(
  ctx: ToolContext,
  tool: string,
  options: { token: string; fingerprint: string; apply(data: T): Promise<ToolOutput> },
): Promise<ToolOutput> {
  const store = previewsOf(ctx.client);
  const claimed = store.claim<T>(options.token, {
    tool,
    user: ctx.caller.user,
    fingerprint: options.fingerprint,
    now: ctx.now(),
  });
  if ("report" in claimed) {
    return {
      ...claimed.report,
      note: [
        claimed.report.note,
        "this batch was already applied with this token: that report again, nothing was sent now",
      ].filter(Boolean).join("; "),
    };
  }
  let report: ToolOutput;
  try {
    report = await options.apply(claimed.data);
  } catch (error) {
    store.release(claimed);
    throw error;
  }
  const fitted = fitResult(report, ctx.maxResultChars - 2_000);
  store.finish(claimed, fitted, ctx.now());
  return fitted;
}

/** Progress per record, never holding a write back (a notification is not awaited). */
function progressOf(ctx: ToolContext, verb: string): (done: number, total: number) => void {
  return (done, total) => void ctx.progress(done, total, `${done} of ${total} ${verb}`);
}

// ---- bulk_update ----

/** What a bulk update sends and how it reads its records. */
interface UpdatePlan {
  entity: string;
  /** The PATCH body every record gets (a new assignee's role included). */
  changes: AutotaskRecord;
  /** Fields the caller changes (not the role added for an assignee), without UDFs. */
  fields: string[];
  /** User-defined fields the caller changes, by name. */
  udfs: string[];
  /** The entity's change stamp, when it has one and the tenant lists it. */
  watermark?: string;
  /** The parent field of an entity updated under its parent (`companyID` for Contacts). */
  parentField?: string;
  notes: string[];
}

/** A bulk update's preview, kept under its token. */
interface UpdatePreview {
  plan: UpdatePlan;
  ids: number[];
  /** Per id: what "unchanged" means (the stamp, and the changed fields' values) at preview. */
  snapshots: Map<number, Map<string, string>>;
  parents: Map<number, number>;
}

function sameValue(current: unknown, wanted: unknown, field: FieldInfo | undefined): boolean {
  const empty = (v: unknown) => v === null || v === undefined || v === "";
  if (empty(wanted) || empty(current)) return empty(wanted) && empty(current);
  if (
    typeof current === "string" && typeof wanted === "string" &&
    /date/i.test(field?.dataType ?? "")
  ) {
    return parseInstant(current) === parseInstant(wanted);
  }
  if (typeof wanted === "number") return Number(current) === wanted;
  if (typeof wanted === "boolean") return current === wanted || current === (wanted ? 1 : 0);
  return current === wanted;
}

/** The value of user-defined field `name` on a record (as Autotask lists it), or null. */
function udfValue(record: AutotaskRecord, name: string): unknown {
  const list = Array.isArray(record.userDefinedFields) ? record.userDefinedFields : [];
  const found = (list as { name?: unknown; value?: unknown }[]).find((u) =>
    typeof u?.name === "string" && u.name.toLowerCase() === name.toLowerCase()
  );
  return found?.value ?? null;
}

/** The changes' UDF values by name. */
function wantedUdfs(changes: AutotaskRecord): Map<string, unknown> {
  const list = (changes.userDefinedFields ?? []) as { name: string; value: unknown }[];
  return new Map(list.map((u) => [u.name, u.value]));
}

/** True when the record already holds every value the plan sets. */
function inTarget(record: AutotaskRecord, plan: UpdatePlan, meta: Map<string, FieldInfo>): boolean {
  const udfs = wantedUdfs(plan.changes);
  return plan.fields.every((f) => sameValue(record[f], plan.changes[f], meta.get(f))) &&
    plan.udfs.every((name) => sameValue(udfValue(record, name), udfs.get(name), undefined));
}

/**
 * What "unchanged since the preview" is checked by, for one record: the entity's change stamp
 * when it has one, and always the current values of the fields being changed (a stamp alone can
 * miss a change within its resolution, or one Autotask does not track).
 */
function snapshotOf(record: AutotaskRecord, plan: UpdatePlan): Map<string, string> {
  const values = new Map<string, string>();
  if (plan.watermark) values.set(plan.watermark, canonicalJson(record[plan.watermark] ?? null));
  for (const f of plan.fields) values.set(f, canonicalJson(record[f] ?? null));
  for (const name of plan.udfs) {
    values.set(`userDefinedFields.${name}`, canonicalJson(udfValue(record, name)));
  }
  return values;
}

/** The snapshot's keys whose values differ now: empty when the record is unchanged. */
function changedSince(before: Map<string, string>, now: Map<string, string>): string[] {
  return [...before].filter(([key, value]) => now.get(key) !== value).map(([key]) => key);
}

/** The fields a bulk update reads: to name, classify and re-check its records. UDFs need them whole. */
function readFields(plan: UpdatePlan, extra: string[]): string[] | undefined {
  if (plan.udfs.length > 0) return undefined;
  return [
    ...new Set(
      ["id", plan.parentField, plan.watermark, ...plan.fields, ...extra].filter((f): f is string =>
        typeof f === "string"
      ),
    ),
  ];
}

/** The checked request: entity, the records' selection, the changes; nothing sent yet. */
async function planUpdate(
  ctx: ToolContext,
  args: { entity: string; changes: Record<string, unknown> },
): Promise<{ plan: UpdatePlan; checked: AutotaskRecord; meta: Map<string, FieldInfo> }> {
  const entry = requireEntityArg(args.entity);
  const entity = entry.name;
  const child = supportsRoot(entry, "update") ? undefined : childRoute(entry, "update");
  if (!supportsRoot(entry, "update") && !child) {
    throw new InputError(
      `${entity} cannot be updated through the Autotask API: bulk_update takes entities that ` +
        "allow update (Tickets, Tasks, Projects, Companies, Contacts, ConfigurationItems, ...)",
    );
  }
  const descriptor = ctx.resources.find(entity);
  const parentField = child ? parentIdField(child.parent) : undefined;
  const fixed: Record<string, string> = { ...descriptor?.bulkFixed };
  if (parentField) fixed[parentField] = `it ties each record to its parent in ${child!.parent}`;
  const checked = await checkChanges(ctx, args.changes, {
    entity,
    fixed: Object.keys(fixed).length > 0 ? fixed : undefined,
  });
  const meta = new Map(
    (await ctx.client.fields(entity, { signal: ctx.signal })).map((f) => [f.name, f]),
  );
  const watermark = descriptor?.watermark && meta.has(descriptor.watermark)
    ? descriptor.watermark
    : undefined;
  const plan: UpdatePlan = {
    entity,
    changes: { ...checked },
    fields: Object.keys(checked).filter((k) => k !== "userDefinedFields"),
    udfs: [...wantedUdfs(checked).keys()],
    watermark,
    parentField,
    notes: [],
  };
  return { plan, checked, meta };
}

/** The fields that name a record of `entity`, as the tenant lists them. */
function nameFieldsOf(ctx: ToolContext, entity: string, meta: Map<string, FieldInfo>): string[] {
  const named = ctx.resources.find(entity)?.nameFields ?? NAME_FIELDS;
  return named.filter((f) => meta.has(f));
}

/** A record's name for people ("T20261124.0012 Printer offline"), cleaned. */
function nameOf(record: AutotaskRecord, fields: string[]): string | undefined {
  const text = fields.map((f) => record[f]).filter((v) => typeof v === "string" && v !== "")
    .join(" ");
  return text ? cleanText(text).slice(0, 120) : undefined;
}

/** `Complete (5)`, `Sam Ortiz (29683)`, `"new text"`, `(empty)`: a value as people read it. */
function shown(value: unknown, label: unknown): string {
  if (value === null || value === undefined || value === "") return "(empty)";
  if (typeof label === "string" && label !== "") return `${cleanText(label)} (${value})`;
  const text = typeof value === "string" ? cleanText(value) : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Each changed field of `records` shown with its picklist label or reference name. */
async function shownValues(
  ctx: ToolContext,
  plan: UpdatePlan,
  records: AutotaskRecord[],
): Promise<Record<string, string>[]> {
  const picked = records.map((r) => Object.fromEntries(plan.fields.map((f) => [f, r[f]])));
  const enriched = await enrich(ctx, picked, { entity: plan.entity });
  return picked.map((record, i) => {
    const out: Record<string, string> = {};
    for (const field of plan.fields) {
      const extra = enriched[i];
      out[field] = shown(record[field], extra[labelKey(field)] ?? extra[nameKey(field, record)]);
    }
    for (const name of plan.udfs) {
      out[`userDefinedFields.${name}`] = shown(udfValue(records[i], name), undefined);
    }
    return out;
  });
}

/** The records a bulk update covers: by ids (one `in` query) or by filter (at most 500). */
async function selectRecords(
  ctx: ToolContext,
  plan: UpdatePlan,
  options: { ids?: number[]; filter?: Filter[]; fields?: string[] },
): Promise<{ records: AutotaskRecord[]; missing: number[] }> {
  if (options.ids) {
    const found = await readByIds(ctx, plan.entity, { ids: options.ids, fields: options.fields });
    return {
      records: options.ids.map((id) => found.get(id)).filter((r): r is AutotaskRecord => !!r),
      missing: options.ids.filter((id) => !found.has(id)),
    };
  }
  const filter = options.filter ?? [];
  const { items } = await ctx.client.queryAll(plan.entity, {
    filter,
    includeFields: options.fields,
    cap: MAX_RECORDS + 1,
    signal: ctx.signal,
  });
  if (items.length > MAX_RECORDS) {
    const count = await ctx.client.count(plan.entity, { filter, signal: ctx.signal });
    throw new InputError(
      `The filter matches ${count.toLocaleString("en-US")} ${plan.entity}; one bulk call covers ` +
        `at most ${MAX_RECORDS}. Nothing was sent: narrow the filter (a company, a date range, a ` +
        "status) or split the work into batches",
    );
  }
  return { records: items, missing: [] };
}

async function previewUpdate(
  ctx: ToolContext,
  args: { ids?: number[]; filter?: Filter[]; fingerprint: string },
  planned: { plan: UpdatePlan; meta: Map<string, FieldInfo> },
): Promise<ToolOutput> {
  const { plan, meta } = planned;
  // Autotask takes an assignee only with a role: chosen once, the same for every record.
  if (meta.has("assignedResourceRoleID")) {
    const note = await withAssignmentRole(ctx, plan.changes);
    if (note) plan.notes.push(note);
  }
  const names = nameFieldsOf(ctx, plan.entity, meta);
  const { records, missing } = await selectRecords(ctx, plan, {
    ids: args.ids,
    filter: args.filter,
    fields: readFields(plan, names),
  });
  const skipped: Said[] = missing.map((id) => ({ id, text: "not found in Autotask" }));
  const toUpdate: AutotaskRecord[] = [];
  for (const record of records) {
    const id = record.id as number;
    if (plan.parentField && typeof record[plan.parentField] !== "number") {
      skipped.push({
        id,
        text: `has no ${plan.parentField}: Autotask updates ${plan.entity} only under their parent`,
      });
    } else if (inTarget(record, plan, meta)) {
      skipped.push({ id, text: "already in the target state" });
    } else {
      toUpdate.push(record);
    }
  }
  const [after] = await shownValues(ctx, plan, [plan.changes]);
  const preview: ToolOutput = {
    applied: false,
    entity: plan.entity,
    totals: {
      matched: records.length + missing.length,
      toUpdate: toUpdate.length,
      skipped: skipped.length,
    },
    changes: after,
  };
  if (plan.notes.length > 0) preview.note = plan.notes.join("; ");
  if (skipped.length > 0) preview.skipped = groupIds(skipped, "reason");
  if (toUpdate.length === 0) {
    preview.note = [
      preview.note,
      records.length + missing.length === 0
        ? `no ${plan.entity} match: nothing to update`
        : "nothing to update: every matched record is skipped",
    ].filter(Boolean).join("; ");
    return preview;
  }
  const writes = toUpdate.length;
  checkBudget(ctx, { records: writes, requests: writes + 2 * readsFor(writes), what: "updates" });
  const sampled = toUpdate.slice(0, SAMPLE_SIZE);
  const before = await shownValues(ctx, plan, sampled);
  preview.sample = sampled.map((record, i) => {
    const changes: Record<string, string> = {};
    for (const [field, value] of Object.entries(after)) {
      changes[field] = `${before[i][field]} -> ${value}`;
    }
    const name = nameOf(record, names);
    return name ? { id: record.id, name, changes } : { id: record.id, changes };
  });
  if (names.some((f) => (ctx.resources.find(plan.entity)?.untrusted ?? []).includes(f))) {
    preview.untrustedFields = ["sample.name"];
  }
  preview.requests = writes + 2 * readsFor(writes);
  const data: UpdatePreview = {
    plan,
    ids: toUpdate.map((r) => r.id as number),
    snapshots: new Map(toUpdate.map((r) => [r.id as number, snapshotOf(r, plan)])),
    parents: new Map(
      plan.parentField ? toUpdate.map((r) => [r.id as number, r[plan.parentField!] as number]) : [],
    ),
  };
  const changeText = Object.entries(after).map(([f, v]) => `${f} → ${v}`).join(", ");
  return await offer(ctx, "bulk_update", {
    fingerprint: args.fingerprint,
    data,
    preview,
    question: `Update ${writes} ${plan.entity}: ${changeText}.${
      skipped.length > 0 ? ` ${skipped.length} skipped.` : ""
    } Apply now?`,
    apply: (kept) => applyUpdate(ctx, kept),
  });
}

async function applyUpdate(ctx: ToolContext, preview: UpdatePreview): Promise<ToolOutput> {
  const { plan, ids } = preview;
  // One batched re-read: a record someone changed since the preview is not overwritten.
  const current = await readByIds(ctx, plan.entity, { ids, fields: readFields(plan, []) });
  const skipped: Said[] = [];
  const toSend: number[] = [];
  for (const id of ids) {
    const record = current.get(id);
    if (!record) {
      skipped.push({ id, text: "deleted since the preview" });
      continue;
    }
    const changed = changedSince(preview.snapshots.get(id)!, snapshotOf(record, plan));
    if (changed.length > 0) {
      skipped.push({
        id,
        text: `changed in Autotask since the preview (${
          changed.join(", ")
        }): not overwritten; preview again to include it`,
      });
    } else toSend.push(id);
  }
  const run = await runBatch(toSend, {
    send: (id) =>
      ctx.client.update(plan.entity, id, plan.changes, { parentId: preview.parents.get(id) }),
    signal: ctx.signal,
    settled: progressOf(ctx, `${plan.entity} updates sent`),
  });
  const { written, failures, notSent } = sortOutcomes(toSend, run);
  const updated = written.map((w) => w.key);
  const report: ToolOutput = {
    applied: true,
    entity: plan.entity,
    totals: {
      updated: updated.length,
      skipped: skipped.length,
      failed: failures.length,
      notSent: notSent.length,
    },
    updated: idRanges(updated),
  };
  if (skipped.length > 0) report.skipped = groupIds(skipped, "reason");
  if (failures.length > 0) report.failed = failedGroups(failures);
  if (notSent.length > 0) {
    report.notSent = idRanges(notSent);
    report.notSentReason = notSentReason(run);
  }
  const notes = [...plan.notes];
  if (updated.length > 0 && !ctx.signal.aborted) {
    // One batched read-back: what Autotask holds now, not one read per record.
    try {
      const meta = new Map(
        (await ctx.client.fields(plan.entity, { signal: ctx.signal })).map((f) => [f.name, f]),
      );
      const back = await readByIds(ctx, plan.entity, {
        ids: updated,
        fields: readFields(plan, []),
      });
      const differ = updated.filter((id) => {
        const record = back.get(id);
        return !record || !inTarget(record, plan, meta);
      });
      if (differ.length > 0) {
        notes.push(
          `read back, ${differ.length} updated record(s) do not hold the new values (changed ` +
            `again since, or Autotask ignored a field): ${idRanges(differ)}`,
        );
      } else notes.push(`read back: all ${updated.length} hold the new values`);
    } catch (error) {
      notes.push(`the updates were sent but reading them back failed: ${failureOf(error).error}`);
    }
  }
  if (run.cancelled) {
    notes.push(`cancelled after ${run.outcomes.filter(Boolean).length} of ${toSend.length} writes`);
  }
  if (notes.length > 0) report.note = notes.join("; ");
  return report;
}

const bulkUpdate = defineTool({
  name: "bulk_update",
  title: "Update many records",
  description: "Set the same changes on up to 500 records of one entity, chosen by ids or by a " +
    "query_entities filter. Without confirm: a preview (counts, sample before -> after, skips, " +
    "a confirm token); with it: applies that preview, one result per record.",
  kind: "update",
  toolset: "bulk",
  openWorld: true,
  input: z.object({
    entity: z.string().trim().min(1).max(100),
    ids: z.array(idSchema).min(1).max(MAX_RECORDS).optional(),
    filter: z.array(z.record(z.string(), z.unknown())).min(1).max(100).optional().describe(
      "As in query_entities",
    ),
    changes: changesSchema,
    confirm: confirmSchema,
  }),
  output: z.looseObject({ applied: z.boolean(), totals: z.record(z.string(), z.number()) }),
  handler: async (args, ctx) => {
    if ((args.ids === undefined) === (args.filter === undefined)) {
      throw new InputError(
        "Choose the records either with ids (at most 500) or with filter (as in " +
          'query_entities, e.g. [{"op":"eq","field":"status","value":"Waiting Customer"}]), not ' +
          `${args.ids === undefined ? "neither" : "both"}`,
      );
    }
    const ids = args.ids ? uniqueIds(args.ids, "ids") : undefined;
    const planned = await planUpdate(ctx, args);
    const filter = args.filter
      ? await normalizeFilter(ctx, args.filter, { entity: planned.plan.entity })
      : undefined;
    const fingerprint = canonicalJson({
      entity: planned.plan.entity,
      ids: ids ? [...ids].sort((a, b) => a - b) : undefined,
      filter,
      changes: planned.checked,
    });
    if (args.confirm) {
      return await confirmed<UpdatePreview>(ctx, "bulk_update", {
        token: args.confirm,
        fingerprint,
        apply: (kept) => applyUpdate(ctx, kept),
      });
    }
    return fitResult(
      await previewUpdate(ctx, { ids, filter, fingerprint }, planned),
      ctx.maxResultChars - 2_000,
    );
  },
});

// ---- bulk_add_ticket_notes ----

/** A bulk note's preview, kept under its token. */
interface NotesPreview {
  note: AutotaskRecord;
  ticketIDs: number[];
}

async function applyNotes(ctx: ToolContext, preview: NotesPreview): Promise<ToolOutput> {
  const exist = await readByIds(ctx, "Tickets", { ids: preview.ticketIDs, fields: ["id"] });
  const skipped: Said[] = preview.ticketIDs.filter((id) => !exist.has(id))
    .map((id) => ({ id, text: "ticket deleted since the preview" }));
  const toSend = preview.ticketIDs.filter((id) => exist.has(id));
  const run = await runBatch(toSend, {
    send: (ticketID) =>
      ctx.client.create(TICKET_NOTES.entity, { ...preview.note, ticketID }, { parentId: ticketID }),
    signal: ctx.signal,
    settled: progressOf(ctx, "notes sent"),
  });
  const { written, failures, notSent } = sortOutcomes(toSend, run);
  const created: Record<string, number> = Object.fromEntries(written.map((w) => [w.key, w.id]));
  const report: ToolOutput = {
    applied: true,
    entity: TICKET_NOTES.entity,
    totals: {
      created: Object.keys(created).length,
      skipped: skipped.length,
      failed: failures.length,
      notSent: notSent.length,
    },
    created,
  };
  if (skipped.length > 0) report.skipped = groupIds(skipped, "reason");
  if (failures.length > 0) report.failed = failedGroups(failures);
  if (notSent.length > 0) {
    report.notSent = idRanges(notSent);
    report.notSentReason = notSentReason(run);
  }
  const notes: string[] = ["created maps each ticket id to its new note's id"];
  const noteIds = Object.values(created);
  if (noteIds.length > 0 && !ctx.signal.aborted) {
    try {
      const back = await readByIds(ctx, TICKET_NOTES.entity, { ids: noteIds, fields: ["id"] });
      const unread = noteIds.filter((id) => !back.has(id));
      notes.push(
        unread.length === 0
          ? `read back: all ${noteIds.length} notes are stored`
          : `created; Autotask has not made ${unread.length} of them readable yet: notes ${
            idRanges(unread)
          }`,
      );
    } catch (error) {
      notes.push(`the notes were created but reading them back failed: ${failureOf(error).error}`);
    }
  }
  if (run.cancelled) {
    notes.push(`cancelled after ${run.outcomes.filter(Boolean).length} of ${toSend.length} notes`);
  }
  report.note = notes.join("; ");
  return report;
}

const bulkAddTicketNotes = defineTool({
  name: "bulk_add_ticket_notes",
  title: "Add a note to many tickets",
  description:
    "Add the same note to up to 500 tickets, internal unless publish says otherwise. Without " +
    "confirm: a preview and a confirm token; with it: one note per ticket, a result for each.",
  kind: "create",
  toolset: "bulk",
  openWorld: true,
  input: z.object({
    ticketIDs: z.array(idSchema).min(1).max(MAX_RECORDS),
    ...ticketNoteShape,
    confirm: confirmSchema,
  }),
  output: z.looseObject({ applied: z.boolean(), totals: z.record(z.string(), z.number()) }),
  handler: async (args, ctx) => {
    const ticketIDs = uniqueIds(args.ticketIDs, "ticketIDs");
    const given = {
      description: args.description,
      title: args.title,
      noteType: args.noteType,
      publish: args.publish,
    };
    const note = await resolvePicklists(ctx, await ticketNoteRecord(ctx, given), {
      entity: TICKET_NOTES.entity,
    });
    const assumed = await fillRequiredDefaults(ctx, note, { entity: TICKET_NOTES.entity });
    const fingerprint = canonicalJson({ ticketIDs: [...ticketIDs].sort((a, b) => a - b), note });
    if (args.confirm) {
      return await confirmed<NotesPreview>(ctx, "bulk_add_ticket_notes", {
        token: args.confirm,
        fingerprint,
        apply: (kept) => applyNotes(ctx, kept),
      });
    }
    const tickets = await readByIds(ctx, "Tickets", {
      ids: ticketIDs,
      fields: ["id", "ticketNumber", "title", "companyID"],
    });
    const skipped: Said[] = ticketIDs.filter((id) => !tickets.has(id))
      .map((id) => ({ id, text: "ticket not found in Autotask" }));
    const toNote = ticketIDs.filter((id) => tickets.has(id));
    const [shownNote] = await enrich(ctx, [{
      title: note.title,
      noteType: note.noteType,
      publish: note.publish,
    }], { entity: TICKET_NOTES.entity });
    const description = String(note.description);
    const preview: ToolOutput = {
      applied: false,
      entity: TICKET_NOTES.entity,
      totals: { tickets: ticketIDs.length, toNote: toNote.length, skipped: skipped.length },
      noteToAdd: {
        ...shownNote,
        description: description.length > 300 ? `${description.slice(0, 300)}...` : description,
      },
    };
    if (skipped.length > 0) preview.skipped = groupIds(skipped, "reason");
    if (assumed.length > 0) preview.note = assumed.join("; ");
    if (toNote.length === 0) {
      preview.note = [preview.note, "no ticket to note: nothing to send"].filter(Boolean)
        .join("; ");
      return preview;
    }
    const writes = toNote.length;
    checkBudget(ctx, { records: writes, requests: writes + 2 * readsFor(writes), what: "notes" });
    preview.sample = await enrich(
      ctx,
      toNote.slice(0, SAMPLE_SIZE).map((id) => tickets.get(id)!),
      { entity: "Tickets" },
    );
    preview.untrustedFields = ["sample.title"];
    preview.requests = writes + 2 * readsFor(writes);
    const visible = shownNote.publishLabel ?? shownNote.publish;
    return fitResult(
      await offer(ctx, "bulk_add_ticket_notes", {
        fingerprint,
        data: { note, ticketIDs: toNote },
        preview,
        question: `Add this note (${visible}) to ${writes} tickets: "${
          description.slice(0, 200)
        }"? Apply now?`,
        apply: (kept) => applyNotes(ctx, kept),
      }),
      ctx.maxResultChars - 2_000,
    );
  },
});

// ---- bulk_create_time_entries ----

/** A bulk timesheet's preview, kept under its token. */
interface TimesheetPreview {
  entries: PreparedTimeEntry[];
}

async function applyTimesheet(ctx: ToolContext, preview: TimesheetPreview): Promise<ToolOutput> {
  // The tickets and tasks the time goes on must still exist: one batched read per entity.
  const idsOf = (field: "ticketID" | "taskID") =>
    preview.entries.map((e) => e.record[field]).filter((v): v is number => typeof v === "number");
  const tickets = await readByIds(ctx, "Tickets", { ids: idsOf("ticketID"), fields: ["id"] });
  const tasks = await readByIds(ctx, "Tasks", { ids: idsOf("taskID"), fields: ["id"] });
  const skipped: Said[] = [];
  const toSend: number[] = [];
  preview.entries.forEach((entry, index) => {
    const { ticketID, taskID } = entry.record;
    if (typeof ticketID === "number" && !tickets.has(ticketID)) {
      skipped.push({ id: index, text: `ticket ${ticketID} deleted since the preview` });
    } else if (typeof taskID === "number" && !tasks.has(taskID)) {
      skipped.push({ id: index, text: `task ${taskID} deleted since the preview` });
    } else toSend.push(index);
  });
  const run = await runBatch(toSend, {
    send: (index) => ctx.client.create("TimeEntries", preview.entries[index].record),
    signal: ctx.signal,
    settled: progressOf(ctx, "time entries sent"),
  });
  const { written, failures, notSent } = sortOutcomes(toSend, run);
  const created: Record<string, number> = Object.fromEntries(written.map((w) => [w.key, w.id]));
  const report: ToolOutput = {
    applied: true,
    entity: "TimeEntries",
    totals: {
      created: Object.keys(created).length,
      skipped: skipped.length,
      failed: failures.length,
      notSent: notSent.length,
    },
    created,
  };
  const byEntry = (groups: ToolOutput[]) =>
    groups.map(({ ids, ...rest }) => ({ entries: ids, ...rest }));
  if (skipped.length > 0) report.skipped = byEntry(groupIds(skipped, "reason"));
  if (failures.length > 0) report.failed = byEntry(failedGroups(failures));
  if (notSent.length > 0) {
    report.notSentEntries = idRanges(notSent);
    report.notSentReason = notSentReason(run);
  }
  const notes = [
    "created maps each entry's position in entries (from 0) to its new time entry's id",
  ];
  const entryIds = Object.values(created);
  if (entryIds.length > 0 && !ctx.signal.aborted) {
    try {
      const back = await readByIds(ctx, "TimeEntries", { ids: entryIds, fields: ["id"] });
      const unread = entryIds.filter((id) => !back.has(id));
      notes.push(
        unread.length === 0
          ? `read back: all ${entryIds.length} time entries are stored`
          : `created; Autotask has not made ${unread.length} of them readable yet: ${
            idRanges(unread)
          }`,
      );
    } catch (error) {
      notes.push(
        `the entries were created but reading them back failed: ${failureOf(error).error}`,
      );
    }
  }
  if (run.cancelled) {
    notes.push(
      `cancelled after ${run.outcomes.filter(Boolean).length} of ${toSend.length} entries`,
    );
  }
  report.note = notes.join("; ");
  return report;
}

const bulkCreateTimeEntries = defineTool({
  name: "bulk_create_time_entries",
  title: "Log a timesheet",
  description:
    "Log many time entries at once (e.g. a day's timesheet), each as create_time_entry " +
    "takes it; every entry is checked (role chosen, local dates) before any is sent. Without " +
    "confirm: a preview and a confirm token; with it: the entries, a result for each.",
  kind: "create",
  toolset: "bulk",
  openWorld: false,
  input: z.object({
    entries: z.array(timeEntryInput).min(1).max(MAX_ENTRIES),
    confirm: confirmSchema,
  }),
  output: z.looseObject({ applied: z.boolean(), totals: z.record(z.string(), z.number()) }),
  handler: async (args, ctx) => {
    const fingerprint = canonicalJson({ entries: args.entries });
    if (args.confirm) {
      return await confirmed<TimesheetPreview>(ctx, "bulk_create_time_entries", {
        token: args.confirm,
        fingerprint,
        apply: (kept) => applyTimesheet(ctx, kept),
      });
    }
    // Every entry is checked before anything is sent; a ticket shared by entries is read once.
    const workItems = new Map<string, Promise<AutotaskRecord>>();
    const problems: string[] = [];
    const prepared: PreparedTimeEntry[] = [];
    for (const [index, entry] of args.entries.entries()) {
      try {
        const ready = await prepareTimeEntry(ctx, entry, { workItems });
        ready.notes.push(
          ...await fillRequiredDefaults(ctx, ready.record, { entity: "TimeEntries" }),
        );
        prepared.push(ready);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        problems.push(`entries[${index}]: ${error.message}`);
      }
    }
    if (problems.length > 0) {
      throw new InputError(
        `Nothing was sent: ${problems.length} of ${args.entries.length} entries need fixing. ` +
          problems.join("; "),
      );
    }
    const writes = prepared.length;
    checkBudget(ctx, { records: writes, requests: writes + 3, what: "time entries" });
    const listed = await enrich(
      ctx,
      prepared.slice(0, SAMPLE_SIZE).map((p) => {
        const { summaryNotes: _s, internalNotes: _i, ...rest } = p.record;
        return rest;
      }),
      { entity: "TimeEntries" },
    );
    const hours = prepared.reduce((sum, p) => sum + Number(p.record.hoursWorked), 0);
    const preview: ToolOutput = {
      applied: false,
      entity: "TimeEntries",
      totals: { entries: writes, hours: Math.round(hours * 100) / 100 },
      sample: listed.map((item, i) => ({
        entry: i,
        ...item,
        ...(prepared[i].notes.length > 0 ? { note: prepared[i].notes.join("; ") } : {}),
      })),
      requests: writes + 3,
    };
    return fitResult(
      await offer(ctx, "bulk_create_time_entries", {
        fingerprint,
        data: { entries: prepared },
        preview,
        question: `Log ${writes} time entries (${
          Math.round(hours * 100) / 100
        } hours in all)? Apply now?`,
        apply: (kept) => applyTimesheet(ctx, kept),
      }),
      ctx.maxResultChars - 2_000,
    );
  },
});

/** The bulk toolset: opt-in, every tool a write (read-only mode removes them all). */
export const bulk: ToolModule = {
  resources: [],
  toolsets: {
    bulk: "many records in one call, previewed then confirmed: bulk_update, " +
      "bulk_add_ticket_notes, bulk_create_time_entries",
  },
  // No instruction line: each tool's description already says preview first, then confirm, and
  // the server instructions of every toolset together must stay under 2 KB.
  tools: [bulkUpdate, bulkAddTicketNotes, bulkCreateTimeEntries],
};
