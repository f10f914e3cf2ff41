/** Update tools: sparse changes to core records, validated against the tenant's field metadata; delete time entries. */

import * as z from "zod";
import { isoSeconds, parseInstant, utcDate, utcMidnight } from "../lib/dates.ts";
import { childRoute, requireEntity, supportsRoot } from "../lib/autotask/catalog.ts";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { parentIdField } from "../lib/autotask/routes.ts";
import { changesSchema, checkChanges } from "../lib/mcp/changes.ts";
import { getRecord, idSchema, writeOutput } from "../lib/mcp/common.ts";
import { enrich } from "../lib/mcp/shape.ts";
import { defineTool, InputError, type ToolContext, type ToolDef } from "../lib/mcp/tool.ts";

/** `{ id, changes }`: the one input shape of every update tool (the instructions explain changes). */
const updateInput = z.object({ id: idSchema, changes: changesSchema });

/** The result's item: the changed fields with labels and names, cleared fields kept as null. */
async function changedItem(
  ctx: ToolContext,
  entity: string,
  id: number,
  record: AutotaskRecord,
): Promise<Record<string, unknown>> {
  const shown: AutotaskRecord = { ...record };
  delete shown.userDefinedFields;
  const [item] = await enrich(ctx, entity, [{ id, ...shown }]);
  for (const [key, value] of Object.entries(record)) {
    if (value === null || value === "") item[key] = null;
  }
  if (record.userDefinedFields) item.userDefinedFields = record.userDefinedFields;
  return item;
}

/** The parent route of a child-only entity (Contacts under Companies, Tasks under Projects). */
function parentOf(entity: string): { field: string; parent: string } | undefined {
  const entry = requireEntity(entity);
  if (supportsRoot(entry, "update")) return undefined;
  const child = childRoute(entry, "update");
  return child ? { field: parentIdField(child.parent), parent: child.parent } : undefined;
}

/** Everything that differs between the generic update tools. */
interface UpdateSpec {
  name: string;
  title: string;
  description: string;
  entity: string;
  label: string;
}

/**
 * An `update_*` tool: `{ id, changes }`, validated, then a sparse PATCH of
 * only those fields (through the parent's route for child-only entities).
 */
function updateTool(spec: UpdateSpec): ToolDef {
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    kind: "update",
    toolset: "updates",
    openWorld: false,
    entity: spec.entity,
    input: updateInput,
    output: writeOutput,
    handler: async ({ id, changes }, ctx) => {
      const parent = parentOf(spec.entity);
      const fixed = parent
        ? { [parent.field]: `it ties the record to its parent in ${parent.parent}` }
        : undefined;
      const record = await checkChanges(ctx, spec.entity, changes, { fixed });
      let parentId: number | undefined;
      if (parent) {
        // Child-only entities are written under their parent: its id comes from the record.
        const existing = await getRecord(ctx, spec.entity, id, spec.label);
        parentId = existing[parent.field] as number | undefined;
      }
      await ctx.client.update(spec.entity, id, record, { parentId, signal: ctx.signal });
      return { id, entity: spec.entity, item: await changedItem(ctx, spec.entity, id, record) };
    },
  });
}

const HOUR_MS = 3_600_000;

/** Hours between two instants, to the hundredth (Autotask's precision). */
function hoursBetween(start: number, end: number): number {
  return Math.round((end - start) / 36_000) / 100;
}

/**
 * Keeps startDateTime, endDateTime and hoursWorked of a time entry consistent:
 * new hours move the end (or the start, when the end is given too), a new
 * start keeps the duration, a new end changes the hours, and dateWorked
 * follows a start moved to another day. Returns notes on what was adjusted.
 */
function alignTimes(existing: AutotaskRecord, record: AutotaskRecord): string[] {
  const notes: string[] = [];
  const has = (key: string) => key in record && record[key] !== null;
  const cleared = (key: string) => key in record && record[key] === null;
  const time = (value: unknown) => typeof value === "string" ? parseInstant(value) : undefined;
  if (cleared("hoursWorked")) {
    throw new InputError(
      "hoursWorked cannot be cleared: give the new hours (more than 0, at most 24)",
    );
  }
  if (cleared("startDateTime") !== cleared("endDateTime")) {
    throw new InputError("Clear startDateTime and endDateTime together, or neither");
  }
  const inRange = (hours: unknown) => typeof hours === "number" && hours > 0 && hours <= 24;
  if (has("hoursWorked") && !inRange(record.hoursWorked)) {
    throw new InputError(
      `hoursWorked must be more than 0 and at most 24 (given ${record.hoursWorked})`,
    );
  }
  const start = time(has("startDateTime") ? record.startDateTime : existing.startDateTime);
  if (cleared("startDateTime") || start === undefined) return notes; // no times to keep in step
  let end = time(has("endDateTime") ? record.endDateTime : existing.endDateTime);
  const [h, s, e] = [has("hoursWorked"), has("startDateTime"), has("endDateTime")];
  let newStart = start;
  if (h && s && e) {
    if (
      end !== undefined && Math.abs(hoursBetween(start, end) - Number(record.hoursWorked)) > 0.01
    ) {
      throw new InputError(
        `startDateTime to endDateTime is ${hoursBetween(start, end)} hours but hoursWorked is ` +
          `${record.hoursWorked}: give two of the three and the third follows`,
      );
    }
  } else if (h && e && end !== undefined) {
    newStart = end - Number(record.hoursWorked) * HOUR_MS;
    record.startDateTime = isoSeconds(newStart);
    notes.push(`startDateTime moved to ${record.startDateTime} to match hoursWorked`);
  } else if (h) {
    end = start + Number(record.hoursWorked) * HOUR_MS;
    record.endDateTime = isoSeconds(end);
    notes.push(`endDateTime moved to ${record.endDateTime} to match hoursWorked`);
  } else if (s && e && end !== undefined) {
    record.hoursWorked = hoursBetween(start, end);
    notes.push(`hoursWorked set to ${record.hoursWorked} from the new start and end`);
  } else if (s && typeof existing.hoursWorked === "number") {
    end = start + existing.hoursWorked * HOUR_MS;
    record.endDateTime = isoSeconds(end);
    notes.push(`endDateTime moved to ${record.endDateTime} to keep ${existing.hoursWorked} hours`);
  } else if (e && end !== undefined) {
    record.hoursWorked = hoursBetween(start, end);
    notes.push(`hoursWorked set to ${record.hoursWorked} from the new end`);
  }
  if (end !== undefined && end <= newStart) {
    throw new InputError("endDateTime must be after startDateTime");
  }
  if ("hoursWorked" in record && !inRange(record.hoursWorked)) {
    throw new InputError(
      `The new times give ${record.hoursWorked} hours: a time entry is more than 0 and at most 24 hours`,
    );
  }
  if ("startDateTime" in record && !("dateWorked" in record)) {
    const day = utcDate(newStart);
    const current = typeof existing.dateWorked === "string" ? existing.dateWorked.slice(0, 10) : "";
    if (day !== current) {
      record.dateWorked = utcMidnight(day);
      notes.push(`dateWorked moved to ${day} with the start`);
    }
  }
  return notes;
}

/** The update toolset. */
export const updateTools: ToolDef[] = [
  updateTool({
    name: "update_company",
    title: "Update company",
    description: "Change fields of a company.",
    entity: "Companies",
    label: "Company",
  }),
  updateTool({
    name: "update_contact",
    title: "Update contact",
    description: "Change fields of a contact (isActive is 1 or 0).",
    entity: "Contacts",
    label: "Contact",
  }),
  updateTool({
    name: "update_project",
    title: "Update project",
    description: "Change fields of a project.",
    entity: "Projects",
    label: "Project",
  }),
  updateTool({
    name: "update_task",
    title: "Update task",
    description: "Change fields of a project task.",
    entity: "Tasks",
    label: "Task",
  }),
  updateTool({
    name: "update_configuration_item",
    title: "Update configuration item",
    description: "Change fields of a configuration item.",
    entity: "ConfigurationItems",
    label: "Configuration item",
  }),
  updateTool({
    name: "update_opportunity",
    title: "Update opportunity",
    description: "Change fields of an opportunity.",
    entity: "Opportunities",
    label: "Opportunity",
  }),
  updateTool({
    name: "update_contract",
    title: "Update contract",
    description: "Change fields of a contract.",
    entity: "Contracts",
    label: "Contract",
  }),
  defineTool({
    name: "update_time_entry",
    title: "Update time entry",
    description: "Change a time entry. hoursWorked, startDateTime and endDateTime stay " +
      "consistent (new hours move the end); hoursToBill is Autotask's to compute.",
    kind: "update",
    toolset: "updates",
    openWorld: false,
    entity: "TimeEntries",
    input: updateInput,
    output: writeOutput,
    handler: async ({ id, changes }, ctx) => {
      const fixed = {
        hoursToBill: "Autotask computes it from hoursWorked (and offsetHours)",
      };
      const record = await checkChanges(ctx, "TimeEntries", changes, { fixed });
      const existing = await getRecord(ctx, "TimeEntries", id, "Time entry");
      const notes = alignTimes(existing, record);
      await ctx.client.update("TimeEntries", id, record, { signal: ctx.signal });
      const result: Record<string, unknown> = {
        id,
        entity: "TimeEntries",
        item: await changedItem(ctx, "TimeEntries", id, record),
      };
      if (notes.length > 0) result.note = notes.join("; ");
      return result;
    },
  }),
  defineTool({
    name: "delete_time_entry",
    title: "Delete time entry",
    description: "Delete a time entry for good; the result shows what was deleted.",
    kind: "delete",
    toolset: "updates",
    openWorld: false,
    input: z.object({ id: idSchema }),
    output: writeOutput,
    handler: async ({ id }, ctx) => {
      const existing = await getRecord(ctx, "TimeEntries", id, "Time entry");
      await ctx.client.delete("TimeEntries", id, { signal: ctx.signal });
      const kept = [
        "resourceID",
        "ticketID",
        "taskID",
        "dateWorked",
        "hoursWorked",
        "roleID",
      ];
      const summary: AutotaskRecord = { id };
      for (const key of kept) if (existing[key] != null) summary[key] = existing[key];
      const [item] = await enrich(ctx, "TimeEntries", [summary]);
      return { id, entity: "TimeEntries", deleted: true, item };
    },
  }),
];
