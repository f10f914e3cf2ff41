// Spec test of the simulated tenant's webhooks over real HTTP (autotask-api.md section 8): the
// routes and their children, field metadata and picklists, validation, the webhook permission, and
// signed, .NET-escaped callouts caught by a real listener on 127.0.0.1, with retries, the error log
// and deactivation. Signatures are checked here with crypto.subtle, independently of the tenant.

import assert from "node:assert/strict";
import {
  SANDBOX_CREDENTIALS,
  type SandboxOptions,
  type ServedSandbox,
  serveSandbox,
  WELL_KNOWN,
} from "../lib/sandbox/mod.ts";

type Rec = Record<string, unknown>;

interface Reply {
  status: number;
  json: unknown;
}

const HEADERS: Record<string, string> = {
  ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
  UserName: SANDBOX_CREDENTIALS.username,
  Secret: SANDBOX_CREDENTIALS.secret,
  "Content-Type": "application/json",
};

/** Another active resource of the seeded tenant, to act as through impersonation. */
const TECHNICIAN = 29682887;
const AS_TECHNICIAN = { ...HEADERS, ImpersonationResourceId: String(TECHNICIAN) };
const SECRET = "receiver-shared-secret-0123";
const KINDS = ["Company", "Contact", "ConfigurationItem", "Ticket", "TicketNote"];
const SOURCES: Record<string, string> = {
  Company: "Companies",
  Contact: "Contacts",
  ConfigurationItem: "ConfigurationItems",
  Ticket: "Tickets",
  TicketNote: "TicketNotes",
};
/** Required webhook fields and their lengths (autotask-api.md section 8). */
const REQUIRED_LENGTHS: Record<string, number> = {
  name: 50,
  webhookUrl: 500,
  deactivationUrl: 500,
};
/** Text that .NET escapes: HTML-sensitive characters, `+`, non-ASCII inside and outside the BMP. */
const HOSTILE = `Caf\u00e9 & <b>B\u00e4r</b> 'quoted' + "double" \\ \u2603 \u{1F600}`;

function api(s: ServedSandbox) {
  async function raw(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = HEADERS,
  ): Promise<Reply> {
    const res = await fetch(`${s.restBase}V1.0/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text === "" ? null : JSON.parse(text) };
  }
  async function ok(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Rec> {
    const r = await raw(method, path, body, headers);
    assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.json)}`);
    return r.json as Rec;
  }
  return {
    raw,
    ok,
    async create(path: string, body: Rec, headers?: Record<string, string>): Promise<number> {
      const id = (await ok("POST", path, body, headers)).itemId;
      assert.equal(typeof id, "number");
      return id as number;
    },
    async get(entity: string, id: number): Promise<Rec | null> {
      return (await ok("GET", `${entity}/${id}`)).item as Rec | null;
    },
    async query(entity: string, filter: unknown[]): Promise<Rec[]> {
      return (await ok("POST", `${entity}/query`, { filter })).items as Rec[];
    },
    async fields(entity: string): Promise<Map<string, Rec>> {
      const fields = (await ok("GET", `${entity}/entityInformation/fields`)).fields as Rec[];
      return new Map(fields.map((f) => [f.name as string, f]));
    },
  };
}

type Api = ReturnType<typeof api>;

function errorsOf(reply: Reply): string {
  return ((reply.json as { errors?: string[] } | null)?.errors ?? []).join(" | ");
}

function assertFails(reply: Reply, pattern: RegExp): void {
  assert.equal(reply.status, 500, JSON.stringify(reply.json));
  assert.match(errorsOf(reply), pattern);
}

/** One request the receiver got, with the raw bytes exactly as they arrived. */
interface Delivery {
  path: string;
  bytes: Uint8Array<ArrayBuffer>;
  text: string;
  signature: string | null;
  contentType: string | null;
}

/** A tiny webhook endpoint on 127.0.0.1 that records what arrives and answers as told. */
interface Receiver {
  url(path: string): string;
  deliveries: Delivery[];
  at(path: string): Delivery[];
  /** The status to answer (may wait); 200 by default. */
  answer: (d: Delivery) => number | Promise<number>;
  /** Resolves with the next delivery to arrive. */
  next(): Promise<Delivery>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const waiters: ((d: Delivery) => void)[] = [];
  // Closing answers every request still waiting, so a failed test cannot hang on shutdown.
  const closing = Promise.withResolvers<number>();
  const receiver: Receiver = {
    url: () => "",
    deliveries: [],
    at: (path) => receiver.deliveries.filter((d) => d.path === path),
    answer: () => 200,
    next: () => new Promise((resolve) => waiters.push(resolve)),
    close: () => Promise.resolve(),
  };
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: (addr) => listening.resolve(addr),
  }, async (request) => {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const delivery: Delivery = {
      path: new URL(request.url).pathname,
      bytes,
      text: new TextDecoder().decode(bytes),
      signature: request.headers.get("X-Hook-Signature"),
      contentType: request.headers.get("Content-Type"),
    };
    receiver.deliveries.push(delivery);
    for (const wake of waiters.splice(0)) wake(delivery);
    const status = await Promise.race([receiver.answer(delivery), closing.promise]);
    return new Response(null, { status });
  });
  const origin = `http://127.0.0.1:${(await listening.promise).port}`;
  receiver.url = (path) => `${origin}${path}`;
  receiver.close = () => {
    closing.resolve(503);
    return server.shutdown();
  };
  return receiver;
}

/** Checks `sha1=<base64 HMAC-SHA1>` over the raw bytes, in constant time (crypto.subtle.verify). */
async function verifies(
  secret: string,
  bytes: Uint8Array<ArrayBuffer>,
  header: string | null,
): Promise<boolean> {
  if (header === null || !header.startsWith("sha1=")) return false;
  const mac = Uint8Array.from(atob(header.slice(5)), (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["verify"],
  );
  return await crypto.subtle.verify("HMAC", key, mac, bytes);
}

async function assertSigned(d: Delivery, secret = SECRET): Promise<Rec> {
  assert.ok(await verifies(secret, d.bytes, d.signature), `signature of ${d.text}`);
  return JSON.parse(d.text) as Rec;
}

interface Ctx {
  s: ServedSandbox;
  c: Api;
  r: Receiver;
}

async function withTenant(
  fn: (ctx: Ctx) => Promise<void>,
  options: SandboxOptions = {},
): Promise<void> {
  const r = await startReceiver();
  const s = await serveSandbox({
    ...options,
    webhooks: { allowHttpLoopback: true, retryDelayMs: 5, ...options.webhooks },
  });
  try {
    await fn({ s, c: api(s), r });
  } finally {
    await s.close();
    await r.close();
  }
}

/** Waits until the tenant's deliveries are done, failing (not hanging) after 10 s. */
async function settled(s: ServedSandbox): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("webhook deliveries did not finish")), 10_000);
  });
  try {
    await Promise.race([s.sandbox.webhooks.idle(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls a condition the tenant reaches on its own timers (bounded; fails with `what`). */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(condition(), `timed out waiting for ${what}`);
}

/** label -> id of the `fieldID` (or `udfFieldID`) picklist of a webhook kind. */
async function picklistIds(c: Api, entity: string, field: string): Promise<Map<string, number>> {
  const def = (await c.fields(entity)).get(field);
  assert.ok(def, `${entity} has ${field}`);
  const values = def.picklistValues as { value: string; label: string }[];
  return new Map(values.map((v) => [v.label, Number(v.value)]));
}

interface HookSpec {
  path: string;
  subscribe?: string[];
  always?: string[];
  udfs?: string[];
  create?: boolean;
  update?: boolean;
  delete?: boolean;
  isActive?: boolean;
}

/** Creates a webhook, then its fields by name (resolved through the fieldID picklist). */
async function makeHook(ctx: Ctx, kind: string, spec: HookSpec): Promise<Rec> {
  const { c, r } = ctx;
  const id = await c.create(`${kind}Webhooks`, {
    name: `${kind} hook ${spec.path}`,
    webhookUrl: r.url(spec.path),
    deactivationUrl: r.url(`${spec.path}/deactivated`),
    secretKey: SECRET,
    isActive: spec.isActive ?? true,
    isSubscribedToCreateEvents: spec.create ?? false,
    isSubscribedToUpdateEvents: spec.update ?? true,
    isSubscribedToDeleteEvents: spec.delete ?? false,
  });
  const ids = await picklistIds(c, `${kind}WebhookFields`, "fieldID");
  for (const name of spec.subscribe ?? []) {
    await c.create(`${kind}Webhooks/${id}/Fields`, {
      fieldID: ids.get(name),
      isSubscribedField: true,
    });
  }
  for (const name of spec.always ?? []) {
    await c.create(`${kind}Webhooks/${id}/Fields`, {
      fieldID: ids.get(name),
      isDisplayAlwaysField: true,
    });
  }
  if (spec.udfs) {
    const udfIds = await picklistIds(c, `${kind}WebhookUdfFields`, "udfFieldID");
    for (const name of spec.udfs) {
      await c.create(`${kind}Webhooks/${id}/UdfFields`, {
        udfFieldID: udfIds.get(name),
        isSubscribedField: true,
      });
    }
  }
  return (await c.get(`${kind}Webhooks`, id)) as Rec;
}

async function someCompany(c: Api): Promise<Rec> {
  const [company] = await c.query("Companies", [
    { op: "contains", field: "companyName", value: "Contoso" },
  ]);
  return company;
}

async function newTicket(c: Api, title: string, headers?: Record<string, string>): Promise<number> {
  const company = await someCompany(c);
  return await c.create("Tickets", {
    companyID: company.id,
    title,
    status: 1,
    priority: 1,
    queueID: 29682833,
    dueDateTime: new Date(Date.now() + 86_400_000).toISOString(),
  }, headers);
}

async function anyTicket(c: Api): Promise<Rec> {
  return (await c.query("Tickets", [{ op: "noteq", field: "status", value: 5 }]))[0];
}

Deno.test("webhook entities describe their fields; the fieldID picklist names every field", async () => {
  await withTenant(async ({ c }) => {
    for (const kind of KINDS) {
      const source = SOURCES[kind];
      const hook = await c.fields(`${kind}Webhooks`);
      for (const [name, length] of Object.entries(REQUIRED_LENGTHS)) {
        assert.equal(hook.get(name)?.isRequired, true, `${kind}Webhooks.${name}`);
        assert.equal(hook.get(name)?.length, length, `${kind}Webhooks.${name}`);
      }
      assert.equal(hook.get("secretKey")?.isRequired, true);
      for (const name of ["ownerResourceID", "isReady", "webhookGUID"]) {
        assert.equal(hook.get(name)?.isReadOnly, true, `${kind}Webhooks.${name} is read-only`);
      }
      for (const name of ["isActive", "isSubscribedToCreateEvents", "notificationEmailAddress"]) {
        assert.equal(hook.get(name)?.isReadOnly, false, `${kind}Webhooks.${name} is writable`);
      }

      // value = the field's id as a string, label = the entity field's name: every field but id.
      const fieldID = (await c.fields(`${kind}WebhookFields`)).get("fieldID") as Rec;
      assert.equal(fieldID.isRequired, true);
      assert.equal(fieldID.isPickList, true);
      const values = fieldID.picklistValues as { value: unknown; label: string }[];
      assert.ok(values.every((v) => typeof v.value === "string" && /^\d+$/.test(v.value)));
      assert.equal(new Set(values.map((v) => v.value)).size, values.length, "ids are unique");
      const sourceFields = [...(await c.fields(source)).keys()].filter((n) => n !== "id");
      assert.deepEqual(values.map((v) => v.label).sort(), sourceFields.sort());

      const info = (await c.ok("GET", `${source}/entityInformation`)).info as Rec;
      assert.equal(info.supportsWebhookCallouts, true, `${source} supports webhooks`);
      for (const [name, f] of await c.fields(source)) {
        assert.equal(f.isSupportedWebhookField, name !== "id", `${source}.${name}`);
      }
    }
    const projects = (await c.ok("GET", "Projects/entityInformation")).info as Rec;
    assert.equal(projects.supportsWebhookCallouts, false);

    // UDF subscriptions name the entity's user-defined fields; ticket notes have none.
    const udfIds = await picklistIds(c, "TicketWebhookUdfFields", "udfFieldID");
    const udfs = (await c.ok("GET", "Tickets/entityInformation/userDefinedFields")).fields as Rec[];
    assert.deepEqual([...udfIds.keys()].sort(), udfs.map((u) => u.name as string).sort());
    assert.equal((await c.raw("GET", "TicketNoteWebhooks/1/UdfFields")).status, 404);

    const log = await c.fields("WebhookEventErrorLogs");
    assert.ok([...log.values()].every((f) => f.isReadOnly === true), "the error log is read-only");
    assert.equal(log.get("payload")?.length, 8000);
  });
});

Deno.test("webhook routes: create, read, query, count, PATCH, PUT, children and delete", async () => {
  await withTenant(async (ctx) => {
    const { c, r } = ctx;
    const id = await c.create("TicketWebhooks", {
      name: "Status changes",
      webhookUrl: r.url("/routes"),
      deactivationUrl: r.url("/routes/off"),
      secretKey: SECRET,
      isActive: true,
      isSubscribedToUpdateEvents: true,
      ownerResourceID: 1,
      webhookGUID: "mine",
      isReady: true,
    });
    const hook = (await c.get("TicketWebhooks", id)) as Rec;
    assert.equal(hook.isActive, true);
    assert.equal(hook.isReady, false, "not ready without a subscribed field");
    assert.equal(hook.isSubscribedToCreateEvents, false, "unset flags read false");
    assert.equal(hook.ownerResourceID, WELL_KNOWN.apiUserResourceId, "read-only fields ignored");
    assert.match(hook.webhookGUID as string, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-/);

    const ids = await picklistIds(c, "TicketWebhookFields", "fieldID");
    const always = await c.create(`TicketWebhooks/${id}/Fields`, {
      fieldID: ids.get("ticketNumber"),
      isDisplayAlwaysField: true,
    });
    assert.equal((await c.get("TicketWebhooks", id))?.isReady, false, "display-only: not ready");
    const status = await c.create(`TicketWebhooks/${id}/Fields`, {
      fieldID: ids.get("status"),
      isSubscribedField: true,
    });
    assert.equal((await c.get("TicketWebhooks", id))?.isReady, true, "a subscribed field: ready");

    const listed = (await c.ok("GET", `TicketWebhooks/${id}/Fields`)).items as Rec[];
    assert.deepEqual(listed.map((f) => f.id), [always, status]);
    assert.ok(listed.every((f) => f.webhookID === id));
    assert.equal(
      ((await c.ok("GET", `TicketWebhooks/${id}/Fields/${status}`)).item as Rec).id,
      status,
    );
    const byQuery = await c.query("TicketWebhookFields", [{
      op: "eq",
      field: "webhookID",
      value: id,
    }]);
    assert.equal(byQuery.length, 2);
    assert.deepEqual(
      await c.ok("POST", "TicketWebhookFields/query/count", {
        filter: [{ op: "eq", field: "webhookID", value: id }],
      }),
      { queryCount: 2 },
    );
    await c.ok("PATCH", `TicketWebhooks/${id}/Fields`, { id: status, isSubscribedField: false });
    assert.equal((await c.get("TicketWebhooks", id))?.isReady, false, "unsubscribed: not ready");
    await c.ok("PUT", `TicketWebhooks/${id}/Fields`, {
      id: status,
      fieldID: ids.get("status"),
      isSubscribedField: true,
    });
    assert.equal((await c.get("TicketWebhooks", id))?.isReady, true);

    const excluded = await c.create(`TicketWebhooks/${id}/ExcludedResources`, {
      resourceID: TECHNICIAN,
    });
    assert.equal(
      ((await c.ok("GET", `TicketWebhooks/${id}/ExcludedResources`)).items as Rec[])[0].resourceID,
      TECHNICIAN,
    );
    await c.ok("DELETE", `TicketWebhooks/${id}/ExcludedResources/${excluded}`);
    assert.equal(
      ((await c.ok("GET", `TicketWebhooks/${id}/ExcludedResources`)).items as Rec[]).length,
      0,
    );
    const udfIds = await picklistIds(c, "TicketWebhookUdfFields", "udfFieldID");
    await c.create(`TicketWebhooks/${id}/UdfFields`, {
      udfFieldID: udfIds.get("Customer PO"),
      isDisplayAlwaysField: true,
    });

    // PATCH names the id in the body; read-only fields stay.
    assert.equal((await c.raw("PATCH", `TicketWebhooks/${id}`, { name: "x" })).status, 405);
    await c.ok("PATCH", "TicketWebhooks", { id, name: "Renamed", webhookGUID: "other" });
    const renamed = (await c.get("TicketWebhooks", id)) as Rec;
    assert.equal(renamed.name, "Renamed");
    assert.equal(renamed.webhookGUID, hook.webhookGUID);
    assert.equal(renamed.isReady, true);
    assert.equal(
      (await c.query("TicketWebhooks", [{ op: "eq", field: "name", value: "renamed" }]))[0].id,
      id,
    );
    assert.deepEqual(
      await c.ok("POST", "TicketWebhooks/query/count", {
        filter: [{ op: "gte", field: "id", value: 0 }],
      }),
      { queryCount: 1 },
    );

    // PUT replaces: isActive left out reads false.
    await c.ok("PUT", "TicketWebhooks", {
      id,
      name: "Replaced",
      webhookUrl: r.url("/routes"),
      deactivationUrl: r.url("/routes/off"),
      secretKey: SECRET,
      isSubscribedToUpdateEvents: true,
    });
    const replaced = (await c.get("TicketWebhooks", id)) as Rec;
    assert.equal(replaced.isActive, false);
    assert.equal(replaced.ownerResourceID, WELL_KNOWN.apiUserResourceId);

    // Deleting a webhook deletes its configuration.
    assert.deepEqual(await c.ok("DELETE", `TicketWebhooks/${id}`), { itemId: id });
    assert.equal(await c.get("TicketWebhooks", id), null);
    for (const child of ["TicketWebhookFields", "TicketWebhookUdfFields"]) {
      assert.deepEqual(await c.query(child, [{ op: "eq", field: "webhookID", value: id }]), []);
    }
    assertFails(await c.raw("DELETE", `TicketWebhooks/${id}`), /No matching records found/);

    // Every kind has the same routes.
    for (const kind of KINDS) {
      const hookId = await c.create(`${kind}Webhooks`, {
        name: `${kind} probe`,
        webhookUrl: r.url(`/probe/${kind}`),
        deactivationUrl: r.url("/probe/off"),
        secretKey: SECRET,
        isSubscribedToCreateEvents: true,
      });
      const fieldIds = await picklistIds(c, `${kind}WebhookFields`, "fieldID");
      await c.create(`${kind}Webhooks/${hookId}/Fields`, {
        fieldID: [...fieldIds.values()][0],
        isSubscribedField: true,
      });
      await c.create(`${kind}Webhooks/${hookId}/ExcludedResources`, { resourceID: TECHNICIAN });
      assert.equal((await c.get(`${kind}Webhooks`, hookId))?.isReady, true, kind);
      assert.equal(
        (await c.query(`${kind}Webhooks`, [{ op: "gte", field: "id", value: 0 }])).length,
        1,
      );
      await c.ok("DELETE", `${kind}Webhooks/${hookId}`);
      assert.deepEqual(
        await c.query(`${kind}WebhookExcludedResources`, [{ op: "gte", field: "id", value: 0 }]),
        [],
      );
    }
  });
});

Deno.test("webhook validation: https on 443, unique entity + URL + event, secret, lengths, children", async () => {
  // By default only https on port 443, like Autotask.
  const strict = await serveSandbox({});
  try {
    const c = api(strict);
    const base = {
      name: "Strict",
      deactivationUrl: "https://hooks.example.com/off",
      secretKey: SECRET,
      isSubscribedToUpdateEvents: true,
    };
    assertFails(
      await c.raw("POST", "TicketWebhooks", { ...base, webhookUrl: "http://127.0.0.1:9/hook" }),
      /webhookUrl must use https on port 443/,
    );
    assertFails(
      await c.raw("POST", "TicketWebhooks", {
        ...base,
        webhookUrl: "https://hooks.example.com:8443/hook",
      }),
      /webhookUrl must use https on port 443/,
    );
    assertFails(
      await c.raw("POST", "TicketWebhooks", { ...base, webhookUrl: "hooks.example.com/hook" }),
      /webhookUrl must be an absolute https URL/,
    );
    assertFails(
      await c.raw("POST", "TicketWebhooks", {
        ...base,
        webhookUrl: "https://hooks.example.com/hook",
        deactivationUrl: "http://hooks.example.com/off",
      }),
      /deactivationUrl must use https/,
    );
    await c.create("TicketWebhooks", { ...base, webhookUrl: "https://hooks.example.com:443/hook" });
  } finally {
    await strict.close();
  }

  await withTenant(async (ctx) => {
    const { c, r } = ctx;
    const base = {
      name: "Checked",
      webhookUrl: r.url("/checked"),
      deactivationUrl: r.url("/checked/off"),
      secretKey: SECRET,
      isSubscribedToUpdateEvents: true,
    };
    // The loopback option allows http on 127.0.0.1 only.
    assertFails(
      await c.raw("POST", "TicketWebhooks", { ...base, webhookUrl: "http://10.1.2.3/hook" }),
      /webhookUrl must use https on port 443/,
    );
    const short = await c.raw("POST", "TicketWebhooks", { ...base, secretKey: "nine-char" });
    assertFails(short, /secretKey must be at least 10 characters/);
    assert.ok(!JSON.stringify(short.json).includes("nine-char"), "the secret is not echoed");
    assertFails(
      await c.raw("POST", "TicketWebhooks", { ...base, name: "n".repeat(51) }),
      /name exceeds the maximum length of 50/,
    );
    const { webhookUrl: _url, ...noUrl } = base;
    assertFails(await c.raw("POST", "TicketWebhooks", noUrl), /webhookUrl is required/);
    assertFails(
      await c.raw("POST", "TicketWebhooks", { ...base, isActive: "yes" }),
      /Error converting value "yes" to type 'System.Boolean'/,
    );

    // Entity + URL + event is unique; another event or another entity on the same URL is fine.
    const first = await c.create("TicketWebhooks", base);
    assertFails(
      await c.raw("POST", "TicketWebhooks", { ...base, name: "Twin" }),
      new RegExp(`TicketWebhooks ${first} already sends Update events to this webhookUrl`),
    );
    const createOnly = await c.create("TicketWebhooks", {
      ...base,
      name: "Creates",
      isSubscribedToUpdateEvents: false,
      isSubscribedToCreateEvents: true,
    });
    assertFails(
      await c.raw("PATCH", "TicketWebhooks", { id: createOnly, isSubscribedToUpdateEvents: true }),
      /already sends Update events/,
    );
    await c.create("CompanyWebhooks", base);
    assert.equal(
      (await c.query("TicketWebhooks", [{ op: "gte", field: "id", value: 0 }])).length,
      2,
    );

    // Children: picklist membership, one row per field or resource, an existing parent.
    assertFails(
      await c.raw("POST", `TicketWebhooks/${first}/Fields`, {
        fieldID: 1,
        isSubscribedField: true,
      }),
      /Value 1 is not a valid picklist value for fieldID/,
    );
    assertFails(
      await c.raw("POST", `TicketWebhooks/${first}/Fields`, { isSubscribedField: true }),
      /fieldID is required/,
    );
    const ids = await picklistIds(c, "TicketWebhookFields", "fieldID");
    await c.create(`TicketWebhooks/${first}/Fields`, {
      fieldID: ids.get("status"),
      isSubscribedField: true,
    });
    assertFails(
      await c.raw("POST", `TicketWebhooks/${first}/Fields`, {
        fieldID: ids.get("status"),
        isDisplayAlwaysField: true,
      }),
      /fieldID \d+ is already on TicketWebhooks/,
    );
    await c.create(`TicketWebhooks/${createOnly}/Fields`, {
      fieldID: ids.get("status"),
      isSubscribedField: true,
    });
    assertFails(
      await c.raw("POST", `TicketWebhooks/${first}/ExcludedResources`, { resourceID: 1 }),
      /Value does not reference an existing entity for resourceID/,
    );
    await c.create(`TicketWebhooks/${first}/ExcludedResources`, { resourceID: TECHNICIAN });
    assertFails(
      await c.raw("POST", `TicketWebhooks/${first}/ExcludedResources`, { resourceID: TECHNICIAN }),
      /resourceID 29682887 is already on TicketWebhooks/,
    );
    assertFails(
      await c.raw("POST", "TicketWebhooks/999999/Fields", {
        fieldID: ids.get("status"),
        isSubscribedField: true,
      }),
      /parent TicketWebhooks/,
    );
    assert.equal((await c.raw("POST", "TicketWebhooks/1/UdfFields", {})).status, 500);
  });
});

Deno.test("creating webhooks needs the security level's webhook permission", async () => {
  await withTenant(async ({ s, c, r }) => {
    const body = {
      name: "Denied",
      webhookUrl: r.url("/denied"),
      deactivationUrl: r.url("/denied/off"),
      secretKey: SECRET,
      isSubscribedToUpdateEvents: true,
    };
    s.sandbox.denyRight({ entity: "TicketWebhooks", verb: "create" });
    const refused = await c.raw("POST", "TicketWebhooks", body);
    assertFails(refused, /permissions to create webhooks/);
    assert.match(errorsOf(refused), /Security Levels/);
    assert.match(errorsOf(refused), /Can create WebHooks/);
    assert.deepEqual(await c.query("TicketWebhooks", [{ op: "gte", field: "id", value: 0 }]), []);
    // The right is per kind here; other kinds still work.
    await c.create("CompanyWebhooks", body);
    s.sandbox.clearDeniedRights();

    // The owner must also be able to read the watched entity.
    s.sandbox.denyRight({ entity: "Tickets", verb: "query" });
    assertFails(
      await c.raw("POST", "TicketWebhooks", body),
      /does not have the adequate permissions to query this entity type/,
    );
    s.sandbox.clearDeniedRights();
    await c.create("TicketWebhooks", body);
  });
});

Deno.test("callouts are signed over .NET-escaped bytes that a receiver verifies raw", async () => {
  await withTenant(async (ctx) => {
    const { s, c, r } = ctx;
    const hook = await makeHook(ctx, "Ticket", {
      path: "/tickets",
      subscribe: ["title", "status"],
      always: ["companyID", "ticketNumber"],
      create: true,
    });

    const id = await newTicket(c, HOSTILE);
    await settled(s);
    const [created] = r.at("/tickets");
    assert.ok(created, "a create fires a callout");
    assert.match(created.contentType ?? "", /^application\/json/);
    const body = await assertSigned(created);
    assert.equal(await verifies("another-secret-value", created.bytes, created.signature), false);
    const tampered = created.bytes.slice();
    tampered[tampered.length - 2] ^= 1;
    assert.equal(await verifies(SECRET, tampered, created.signature), false);

    // .NET escaping: pure ASCII, HTML-sensitive characters and + as \uXXXX, uppercase hex.
    assert.ok(created.bytes.every((b) => b < 0x80), "the body is ASCII");
    for (const escape of ["\\u0026", "\\u003C", "\\u003E", "\\u0027", "\\u002B", "\\u00E9"]) {
      assert.ok(created.text.includes(escape), `${escape} in ${created.text}`);
    }
    assert.ok(created.text.includes("\\u2603") && created.text.includes("\\uD83D\\uDE00"));
    assert.ok(!/[&<>'+]/.test(created.text), "no raw & < > ' + in the bytes");
    assert.notEqual(JSON.stringify(body), created.text, "re-serializing would break the signature");

    const ticket = (await c.get("Tickets", id)) as Rec;
    assert.deepEqual(Object.keys(body), [
      "Action",
      "Guid",
      "EntityType",
      "Id",
      "Fields",
      "EventTime",
      "SequenceNumber",
      "PersonID",
    ]);
    assert.equal(body.Action, "Create");
    assert.equal(body.Guid, hook.webhookGUID);
    assert.equal(body.EntityType, "Ticket");
    assert.equal(body.Id, id);
    assert.equal(body.SequenceNumber, 1);
    assert.equal(body.PersonID, WELL_KNOWN.apiUserResourceId);
    assert.match(body.EventTime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(body.Fields, {
      Title: HOSTILE,
      Status: "1",
      CompanyID: String(ticket.companyID),
      TicketNumber: ticket.ticketNumber,
    });

    // An update carries the changed subscribed fields and the display-always ones.
    await c.ok("PATCH", "Tickets", { id, status: 8 });
    // A change to a field nobody subscribed to fires nothing.
    await c.ok("PATCH", "Tickets", { id, description: "Not watched" });
    // The acting resource is the impersonated one.
    await c.ok("PATCH", "Tickets", { id, title: "Plain" }, AS_TECHNICIAN);
    await settled(s);
    const all = r.at("/tickets");
    assert.equal(all.length, 3);
    const update = await assertSigned(all[1]);
    assert.equal(update.Action, "Update");
    assert.equal(update.SequenceNumber, 2);
    assert.deepEqual(update.Fields, {
      Status: "8",
      CompanyID: String(ticket.companyID),
      TicketNumber: ticket.ticketNumber,
    });
    const impersonated = await assertSigned(all[2]);
    assert.equal(impersonated.PersonID, TECHNICIAN);
    assert.equal(impersonated.SequenceNumber, 3);
    assert.deepEqual(Object.keys(impersonated.Fields as Rec), [
      "Title",
      "CompanyID",
      "TicketNumber",
    ]);

    // The tenant's own log has what was sent, byte for byte.
    const log = s.sandbox.webhooks.callouts;
    assert.deepEqual(log.map((e) => [e.kind, e.status, e.error, e.attempt]), [
      ["event", 200, null, 1],
      ["event", 200, null, 1],
      ["event", 200, null, 1],
    ]);
    assert.deepEqual(log[0].body, created.bytes);
    assert.equal(log[0].signature, created.signature);
    assert.equal(log[0].url, r.url("/tickets"));
  });
});

Deno.test("the write answers before its callout is delivered", async () => {
  await withTenant(async (ctx) => {
    const { s, c, r } = ctx;
    await makeHook(ctx, "Ticket", { path: "/slow", subscribe: ["title"] });
    const ticket = await anyTicket(c);
    const gate = Promise.withResolvers<number>();
    r.answer = () => gate.promise;
    const arrived = r.next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the PATCH waited for its callout")), 5_000);
    });
    try {
      await Promise.race([
        c.ok("PATCH", "Tickets", { id: ticket.id, title: "Fast answer" }),
        stuck,
      ]);
    } catch (error) {
      gate.resolve(200);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    assert.equal((await arrived).path, "/slow");
    assert.equal(s.sandbox.webhooks.callouts.length, 0, "the callout is still in flight");
    gate.resolve(200);
    await settled(s);
    assert.equal(s.sandbox.webhooks.callouts[0].status, 200);
  });
});

Deno.test("every kind fires, with Autotask's old entity type names; deletes and UDFs too", async () => {
  await withTenant(async (ctx) => {
    const { s, c, r } = ctx;
    await makeHook(ctx, "Company", { path: "/companies", subscribe: ["phone"] });
    await makeHook(ctx, "ConfigurationItem", { path: "/cis", subscribe: ["serialNumber"] });
    await makeHook(ctx, "Contact", {
      path: "/contacts",
      subscribe: ["firstName"],
      always: ["lastName"],
      create: true,
      update: false,
      delete: true,
    });
    await makeHook(ctx, "TicketNote", { path: "/notes", subscribe: ["description"], create: true });
    await makeHook(ctx, "Ticket", { path: "/udfs", udfs: ["Customer PO"] });

    const company = await someCompany(c);
    await c.ok("PATCH", "Companies", { id: company.id, phone: "+1 555 0100" });
    const ci = (await c.query("ConfigurationItems", [{ op: "gte", field: "id", value: 0 }]))[0];
    await c.ok("PATCH", "ConfigurationItems", { id: ci.id, serialNumber: "SN-\u00c5-42" });
    const contact = await c.create(`Companies/${company.id}/Contacts`, {
      firstName: "Zo\u00eb",
      lastName: "O'Brien",
      isActive: 1,
    });
    await c.ok("DELETE", `Companies/${company.id}/Contacts/${contact}`);
    const ticket = await anyTicket(c);
    const note = await c.create(`Tickets/${ticket.id}/Notes`, {
      title: "Reply",
      description: "Customer says <thanks> & +1",
      noteType: 3,
      publish: 2,
    });
    await c.ok("PATCH", "Tickets", {
      id: ticket.id,
      userDefinedFields: [{ name: "Customer PO", value: "PO-4711" }],
    });
    await settled(s);

    const one = async (path: string): Promise<Rec> => {
      const got = r.at(path);
      assert.equal(got.length, 1, `one callout at ${path}`);
      return await assertSigned(got[0]);
    };
    const account = await one("/companies");
    assert.equal(account.EntityType, "Account");
    assert.deepEqual(account.Fields, { Phone: "+1 555 0100" });
    const installed = await one("/cis");
    assert.equal(installed.EntityType, "InstalledProduct");
    assert.deepEqual(installed.Fields, { SerialNumber: "SN-\u00c5-42" });
    const contacts = r.at("/contacts");
    assert.equal(contacts.length, 2);
    const [born, gone] = [await assertSigned(contacts[0]), await assertSigned(contacts[1])];
    assert.equal(born.EntityType, "Contact");
    assert.deepEqual([born.Action, born.Id, born.Fields], [
      "Create",
      contact,
      { FirstName: "Zo\u00eb", LastName: "O'Brien" },
    ]);
    assert.deepEqual([gone.Action, gone.Id, gone.SequenceNumber], ["Delete", contact, 2]);
    assert.equal((gone.Fields as Rec).LastName, "O'Brien");
    const noteBody = await one("/notes");
    assert.deepEqual([noteBody.EntityType, noteBody.Action, noteBody.Id], [
      "TicketNote",
      "Create",
      note,
    ]);
    assert.deepEqual(noteBody.Fields, { Description: "Customer says <thanks> & +1" });
    const udf = await one("/udfs");
    assert.deepEqual(udf.Fields, { "Customer PO": "PO-4711" });
  });
});

Deno.test("excluded resources, inactive or unready webhooks and unsubscribed events fire nothing", async () => {
  await withTenant(async (ctx) => {
    const { s, c, r } = ctx;
    const excluding = await makeHook(ctx, "Ticket", { path: "/excluding", subscribe: ["title"] });
    await c.create(`TicketWebhooks/${excluding.id}/ExcludedResources`, {
      resourceID: WELL_KNOWN.apiUserResourceId,
    });
    await makeHook(ctx, "Ticket", {
      path: "/inactive",
      subscribe: ["title"],
      create: true,
      isActive: false,
    });
    // Not ready: a display-always field only, so not even a create fires it.
    await makeHook(ctx, "Ticket", { path: "/unready", always: ["title"], create: true });
    await makeHook(ctx, "Ticket", {
      path: "/creates",
      subscribe: ["title"],
      create: true,
      update: false,
    });
    const ticket = await anyTicket(c);

    await c.ok("PATCH", "Tickets", { id: ticket.id, title: "By the API user" });
    await settled(s);
    assert.deepEqual(r.deliveries.map((d) => d.path), [], "nothing fires");

    // Another resource's change does fire, until that resource is excluded too.
    await c.ok("PATCH", "Tickets", { id: ticket.id, title: "By a technician" }, AS_TECHNICIAN);
    await settled(s);
    assert.deepEqual(r.deliveries.map((d) => d.path), ["/excluding"]);
    assert.equal((await assertSigned(r.deliveries[0])).PersonID, TECHNICIAN);
    await c.create(`TicketWebhooks/${excluding.id}/ExcludedResources`, { resourceID: TECHNICIAN });
    await c.ok("PATCH", "Tickets", { id: ticket.id, title: "Again" }, AS_TECHNICIAN);
    await settled(s);
    assert.equal(r.deliveries.length, 1);

    // A create reaches only the active, ready webhook subscribed to creates.
    await newTicket(c, "Brand new");
    await settled(s);
    assert.deepEqual(r.deliveries.map((d) => d.path), ["/excluding", "/creates"]);
    assert.equal(s.sandbox.webhooks.callouts.length, 2);
  });
});

Deno.test("a failing receiver gets the same event five times, then WebhookEventErrorLogs keeps it 30 days", async () => {
  let clock = Date.parse("2026-03-02T09:00:00Z");
  await withTenant(async (ctx) => {
    const { s, c, r } = ctx;
    r.answer = () => 503;
    const hook = await makeHook(ctx, "Company", { path: "/down", subscribe: ["phone"] });
    const company = await someCompany(c);
    await c.ok("PATCH", "Companies", { id: company.id, phone: "555-0199" });

    // The first attempt failed: the retry waits (30 s by default, 60 s here).
    await waitFor(() => s.sandbox.webhooks.pendingRetries().length === 1, "the first retry");
    const [pending] = s.sandbox.webhooks.pendingRetries();
    assert.deepEqual(
      [pending.webhookEntity, pending.webhookId, pending.sequenceNumber, pending.nextAttempt],
      ["CompanyWebhooks", hook.id, 1, 2],
    );
    assert.ok(pending.dueAt.getTime() > Date.now() + 50_000);
    while (s.sandbox.webhooks.callouts.length < 5) {
      const made = s.sandbox.webhooks.callouts.length;
      await waitFor(
        () => s.sandbox.webhooks.pendingRetries().length === 1,
        `retry after attempt ${made}`,
      );
      s.sandbox.webhooks.retryNow();
      await waitFor(() => s.sandbox.webhooks.callouts.length > made, `attempt ${made + 1}`);
    }
    await settled(s);
    assert.deepEqual(s.sandbox.webhooks.pendingRetries(), []);

    const tries = r.at("/down");
    assert.equal(tries.length, 5, "five attempts, then no more");
    for (const attempt of tries) {
      assert.deepEqual(attempt.bytes, tries[0].bytes, "the same event each time");
      assert.equal(attempt.signature, tries[0].signature);
    }
    assert.equal((await assertSigned(tries[0])).SequenceNumber, 1);
    assert.deepEqual(s.sandbox.webhooks.callouts.map((e) => e.attempt), [1, 2, 3, 4, 5]);
    assert.match(s.sandbox.webhooks.callouts[4].error ?? "", /\(503\)/);

    const [logged] = await c.query("WebhookEventErrorLogs", [{ op: "gte", field: "id", value: 0 }]);
    assert.equal(logged.accountWebhookID, hook.id, "company webhooks are account webhooks");
    assert.equal(logged.contactWebhookID, null);
    assert.equal(logged.payload, tries[0].text);
    assert.equal(logged.sequenceNumber, 1);
    assert.match(logged.errorMessage as string, /The remote server returned an error: \(503\)/);
    assert.equal(logged.createDateTime, new Date(clock).toISOString());
    assert.equal(
      (await c.get("WebhookEventErrorLogs", logged.id as number))?.payload,
      logged.payload,
    );
    assert.equal((await c.raw("POST", "WebhookEventErrorLogs", { payload: "x" })).status, 404);

    // A second failure is logged too; deleting one entry leaves the other; 30 days later, none.
    await c.ok("PATCH", "Companies", { id: company.id, phone: "555-0198" });
    await waitFor(() => s.sandbox.webhooks.callouts.length === 6, "the next event");
    for (let i = 0; i < 4; i++) {
      await waitFor(() => s.sandbox.webhooks.pendingRetries().length === 1, "a retry");
      s.sandbox.webhooks.retryNow();
    }
    await settled(s);
    const both = await c.query("WebhookEventErrorLogs", [{ op: "gte", field: "id", value: 0 }]);
    assert.deepEqual(both.map((e) => e.sequenceNumber), [1, 2]);
    await c.ok("DELETE", `WebhookEventErrorLogs/${logged.id}`);
    assert.equal(
      (await c.query("WebhookEventErrorLogs", [{ op: "gte", field: "id", value: 0 }])).length,
      1,
    );
    clock += 29 * 86_400_000;
    assert.equal(
      (await c.query("WebhookEventErrorLogs", [{ op: "gte", field: "id", value: 0 }])).length,
      1,
    );
    clock += 2 * 86_400_000;
    assert.deepEqual(
      await c.query("WebhookEventErrorLogs", [{ op: "gte", field: "id", value: 0 }]),
      [],
    );
  }, { now: () => new Date(clock), webhooks: { retryDelayMs: 60_000 } });
});

Deno.test("events wait in order behind a retried one; a late success logs nothing", async () => {
  await withTenant(async (ctx) => {
    const { s, c, r } = ctx;
    let failures = 3;
    r.answer = () => (failures-- > 0 ? 500 : 200);
    await makeHook(ctx, "Ticket", { path: "/flaky", subscribe: ["title"] });
    const ticket = await anyTicket(c);
    await c.ok("PATCH", "Tickets", { id: ticket.id, title: "First" });
    await c.ok("PATCH", "Tickets", { id: ticket.id, title: "Second" });
    await settled(s);
    const order = await Promise.all(
      r.at("/flaky").map(async (d) => (await assertSigned(d)).SequenceNumber),
    );
    assert.deepEqual(order, [1, 1, 1, 1, 2]);
    assert.deepEqual(
      await c.query("WebhookEventErrorLogs", [{ op: "gte", field: "id", value: 0 }]),
      [],
    );
  });
});

Deno.test("a receiver that does not answer within the timeout fails the attempt", async () => {
  await withTenant(async (ctx) => {
    const { s, c, r } = ctx;
    const release = Promise.withResolvers<number>();
    r.answer = () => release.promise;
    await makeHook(ctx, "Ticket", { path: "/silent", subscribe: ["title"] });
    const ticket = await anyTicket(c);
    await c.ok("PATCH", "Tickets", { id: ticket.id, title: "Anyone there?" });
    await settled(s);
    release.resolve(200);
    const [attempt] = s.sandbox.webhooks.callouts;
    assert.deepEqual([attempt.status, attempt.error], [0, "The operation has timed out."]);
    const [logged] = await c.query("WebhookEventErrorLogs", [{ op: "gte", field: "id", value: 0 }]);
    assert.equal(logged.errorMessage, "The operation has timed out.");
    assert.equal(logged.accountWebhookID, null, "ticket webhooks have no id field in the log");
  }, { webhooks: { timeoutMs: 100, maxAttempts: 1 } });
});

Deno.test("25 failed attempts in a row deactivate the webhook and call its deactivation URL", async () => {
  await withTenant(async (ctx) => {
    const { s, c, r } = ctx;
    r.answer = (d) => (d.path === "/broken" ? 500 : 200);
    const hook = await makeHook(ctx, "Ticket", { path: "/broken", subscribe: ["title"] });
    const ticket = await anyTicket(c);
    for (let i = 1; i <= 6; i++) {
      await c.ok("PATCH", "Tickets", { id: ticket.id, title: `Try ${i}` });
    }
    await settled(s);

    assert.equal(r.at("/broken").length, 25, "five events, five attempts each");
    const logged = await c.query("WebhookEventErrorLogs", [{ op: "gte", field: "id", value: 0 }]);
    assert.deepEqual(logged.map((e) => e.sequenceNumber), [1, 2, 3, 4, 5]);
    const after = (await c.get("TicketWebhooks", hook.id as number)) as Rec;
    assert.equal(after.isActive, false, "deactivated");
    const [notice] = r.at("/broken/deactivated");
    assert.ok(notice, "the deactivation URL was called");
    assert.equal(notice.signature, null, "deactivation calls are not signed");
    const info = JSON.parse(notice.text) as Rec;
    assert.deepEqual([info.Guid, info.WebhookID], [hook.webhookGUID, hook.id]);

    // Inactive now: changes fire nothing, until it is switched back on (and the count restarts).
    await c.ok("PATCH", "Tickets", { id: ticket.id, title: "While off" });
    await settled(s);
    assert.equal(r.at("/broken").length, 25);
    r.answer = () => 200;
    await c.ok("PATCH", "TicketWebhooks", { id: hook.id, isActive: true });
    await c.ok("PATCH", "Tickets", { id: ticket.id, title: "Back on" });
    await settled(s);
    const last = await assertSigned(r.at("/broken")[25]);
    assert.deepEqual(last.Fields, { Title: "Back on" });
  }, { webhooks: { retryDelayMs: 1 } });
});

Deno.test("deactivating or deleting a webhook through the API calls its deactivation URL", async () => {
  await withTenant(async (ctx) => {
    const { s, c, r } = ctx;
    const hook = await makeHook(ctx, "Contact", { path: "/people", subscribe: ["lastName"] });
    await c.ok("PATCH", "ContactWebhooks", { id: hook.id, isActive: false });
    await c.ok("PATCH", "ContactWebhooks", { id: hook.id, name: "Still off" });
    await c.ok("DELETE", `ContactWebhooks/${hook.id}`);
    await settled(s);
    const calls = r.at("/people/deactivated").map((d) => JSON.parse(d.text) as Rec);
    assert.deepEqual(calls.map((b) => [b.Action, b.WebhookID, b.Guid]), [
      ["Deactivated", hook.id, hook.webhookGUID],
      ["Deleted", hook.id, hook.webhookGUID],
    ]);
    assert.ok(r.at("/people/deactivated").every((d) => d.signature === null));
    assert.deepEqual(
      s.sandbox.webhooks.callouts.map((e) => e.kind),
      ["deactivation", "deactivation"],
    );
  });
});

Deno.test("callouts go through the injected fetch", async () => {
  const sent: { url: string; signature: string | null; body: string }[] = [];
  const s = await serveSandbox({
    webhooks: {
      fetch: (url, init) => {
        const headers = new Headers(init.headers);
        sent.push({
          url,
          signature: headers.get("X-Hook-Signature"),
          body: new TextDecoder().decode(init.body as Uint8Array),
        });
        return Promise.resolve(new Response(null, { status: 204 }));
      },
    },
  });
  try {
    const c = api(s);
    const id = await c.create("TicketWebhooks", {
      name: "Injected",
      webhookUrl: "https://hooks.example.com/autotask",
      deactivationUrl: "https://hooks.example.com/off",
      secretKey: SECRET,
      isActive: true,
      isSubscribedToUpdateEvents: true,
    });
    const ids = await picklistIds(c, "TicketWebhookFields", "fieldID");
    await c.create(`TicketWebhooks/${id}/Fields`, {
      fieldID: ids.get("title"),
      isSubscribedField: true,
    });
    const ticket = await anyTicket(c);
    await c.ok("PATCH", "Tickets", { id: ticket.id, title: "Injected" });
    await settled(s);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].url, "https://hooks.example.com/autotask");
    const bytes = new TextEncoder().encode(sent[0].body);
    assert.ok(await verifies(SECRET, bytes, sent[0].signature));
    assert.equal(s.sandbox.webhooks.callouts[0].status, 204);
  } finally {
    await s.close();
  }
});
