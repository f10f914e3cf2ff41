// The webhook management tools through the official MCP client over stdio (the server spawned with
// the production flags plus loopback), against the simulated tenant served on 127.0.0.1: create with
// fields by name and UDFs and the API user excluded, partial failures that say how to finish,
// permissions, update, delete, failed deliveries, read-only mode, and no secret in any output.

import assert from "node:assert/strict";
import { SANDBOX_CREDENTIALS, type ServedSandbox, WELL_KNOWN } from "../lib/sandbox/mod.ts";
import {
  callError,
  callOk,
  connectStdio,
  productionFlags,
  runToExit,
  startTenant,
  type StdioSession,
  tenantEnv,
} from "./harness.ts";
import { WEBHOOK_SECRET } from "./webhooks_harness.ts";

type Rec = Record<string, unknown>;

/** Another active resource of the seeded tenant: changes made as this one fire webhooks. */
const TECHNICIAN = 29682887;
const URL_BASE = "https://hooks.example.com/webhooks/autotask";

/** Every text the server sent back, to look for the secret at the end of each test. */
function texts(result: unknown): string {
  return JSON.stringify(result);
}

/** A tenant whose callouts go to an in-test fetch (recorded), and the server over stdio. */
async function setup(
  options: { env?: Record<string, string>; answer?: number; maxAttempts?: number } = {},
): Promise<
  { tenant: ServedSandbox; session: StdioSession; sent: { url: string; body: string }[] }
> {
  const sent: { url: string; body: string }[] = [];
  const tenant = await startTenant({
    webhooks: {
      fetch: (url, init) => {
        sent.push({ url, body: new TextDecoder().decode(init.body as Uint8Array) });
        return Promise.resolve(new Response(null, { status: options.answer ?? 200 }));
      },
      retryDelayMs: 1,
      maxAttempts: options.maxAttempts,
    },
  });
  const session = await connectStdio({
    env: {
      ...tenantEnv(tenant),
      AUTOTASK_TOOLSETS: "webhooks,query",
      AUTOTASK_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ...options.env,
    },
  });
  return { tenant, session, sent };
}

async function teardown(tenant: ServedSandbox, session: StdioSession, seen: string[]) {
  await session.close();
  await tenant.close();
  const all = [...seen, session.stderr()].join("\n");
  assert.ok(!all.includes(WEBHOOK_SECRET), "the webhook secret appears in no result or log");
}

/** A change made in Autotask by a person (not the API user), straight to the tenant. */
async function changeAsTechnician(tenant: ServedSandbox, entity: string, body: Rec) {
  const response = await fetch(`${tenant.restBase}V1.0/${entity}`, {
    method: "PATCH",
    headers: {
      ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
      UserName: SANDBOX_CREDENTIALS.username,
      Secret: SANDBOX_CREDENTIALS.secret,
      ImpersonationResourceId: String(TECHNICIAN),
      "Content-Type": "application/json",
    },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.text());
}

Deno.test({
  name: "create_webhook: fields by name (any case), UDFs, the API user excluded, switched on last",
  async fn() {
    const { tenant, session } = await setup();
    const seen: string[] = [];
    try {
      tenant.sandbox.resetStats();
      const created = await callOk(session.client, "create_webhook", {
        entity: "Tickets",
        name: "Ticket changes",
        url: `${URL_BASE}/`,
        events: ["update", "create"],
        fields: ["status", "TITLE"],
        alwaysShownFields: ["ticketNumber"],
        udfFields: ["Customer PO"],
      });
      seen.push(texts(created));
      const item = created.item as Rec;
      assert.equal(created.entity, "TicketWebhooks");
      assert.deepEqual(item.subscribedFields, ["status", "title"]);
      assert.deepEqual(item.alwaysShownFields, ["ticketNumber"]);
      assert.deepEqual(item.subscribedUdfFields, ["Customer PO"]);
      assert.deepEqual(item.events, ["create", "update"]);
      assert.equal(item.webhookUrl, URL_BASE, "trailing slash dropped");
      assert.equal(item.deactivationUrl, `${URL_BASE}/deactivated`);
      assert.deepEqual([item.isActive, item.isReady], [true, true]);
      assert.deepEqual(item.excludedResources, [{
        resourceID: WELL_KNOWN.apiUserResourceId,
        resourceName: "Sandbox Integration",
      }]);
      assert.match(String(created.note), /API user \(resource 29682885\).*excluded/);

      // In Autotask: the shared secret, created inactive, fields, then switched on.
      const stored = tenant.sandbox.record("TicketWebhooks", created.id as number) as Rec;
      assert.equal(stored.secretKey, WEBHOOK_SECRET);
      const writes = tenant.sandbox.log
        .filter((e) => e.method !== "GET" && !/\/query/.test(e.path))
        .map((e) => `${e.method} ${e.path.replace(/\/\d+\//, "/N/")}`);
      assert.deepEqual(writes, [
        "POST /ATServicesRest/V1.0/TicketWebhooks",
        "POST /ATServicesRest/V1.0/TicketWebhooks/N/Fields",
        "POST /ATServicesRest/V1.0/TicketWebhooks/N/Fields",
        "POST /ATServicesRest/V1.0/TicketWebhooks/N/Fields",
        "POST /ATServicesRest/V1.0/TicketWebhooks/N/UdfFields",
        "POST /ATServicesRest/V1.0/TicketWebhooks/N/ExcludedResources",
        "PATCH /ATServicesRest/V1.0/TicketWebhooks",
      ]);
      const first = tenant.sandbox.log.find((e) =>
        e.method === "POST" && /TicketWebhooks$/.test(e.path)
      );
      assert.equal((first?.body as Rec).isActive, false, "inactive until its fields are there");

      const listed = await callOk(session.client, "list_webhooks", {});
      seen.push(texts(listed));
      assert.deepEqual((listed.webhooks as Rec[]).map((w) => [w.webhookEntity, w.id, w.name]), [
        ["TicketWebhooks", created.id, "Ticket changes"],
      ]);

      // A ticket-note webhook always shows ticketID, so its events name their ticket.
      const notes = await callOk(session.client, "create_webhook", {
        entity: "TicketNotes",
        name: "Replies",
        url: URL_BASE,
        events: ["create"],
        fields: ["description"],
        excludeApiUser: false,
      });
      seen.push(texts(notes));
      assert.deepEqual((notes.item as Rec).alwaysShownFields, ["ticketID"]);
      assert.deepEqual((notes.item as Rec).excludedResources, []);

      // Nowhere else does the secret come out either: not in a full read, not through a filter.
      const full = await callOk(session.client, "get_entity", {
        entity: "TicketWebhooks",
        id: created.id,
        detail: "full",
      });
      seen.push(texts(full));
      assert.ok(!("secretKey" in (full.item as Rec)));
      const picked = await callOk(session.client, "query_entities", {
        entity: "TicketWebhooks",
        fields: ["name", "secretKey"],
      });
      seen.push(texts(picked));
      assert.ok((picked.items as Rec[]).every((r) => !("secretKey" in r)));
      const probe = await callError(session.client, "count_entities", {
        entity: "TicketWebhooks",
        filter: [{ op: "beginsWith", field: "secretKey", value: "w" }],
      });
      assert.match(probe, /secretKey is a secret: it is never compared/);
    } finally {
      await teardown(tenant, session, seen);
    }
  },
});

Deno.test({
  name: "create_webhook checks names before sending anything; without the secret it refuses",
  async fn() {
    const { tenant, session } = await setup();
    try {
      tenant.sandbox.resetStats();
      const typo = await callError(session.client, "create_webhook", {
        entity: "Tickets",
        name: "Typo",
        url: URL_BASE,
        events: ["update"],
        fields: ["stauts"],
      });
      assert.match(typo, /Unknown Tickets field: "stauts" \(did you mean status/);
      const noUdfs = await callError(session.client, "create_webhook", {
        entity: "TicketNotes",
        name: "No UDFs",
        url: URL_BASE,
        events: ["update"],
        fields: ["title"],
        udfFields: ["Customer PO"],
      });
      assert.match(noUdfs, /TicketNotes have no user-defined fields/);
      const nothing = await callError(session.client, "create_webhook", {
        entity: "Contacts",
        name: "Nothing",
        url: URL_BASE,
        events: ["update"],
        fields: [],
      });
      assert.match(nothing, /at least one field/);
      for (
        const url of [
          "http://hooks.example.com/webhooks/autotask",
          `https://hooks.example.com:8443/x`,
        ]
      ) {
        const refused = await callError(session.client, "create_webhook", {
          entity: "Tickets",
          name: "Not https",
          url,
          events: ["update"],
          fields: ["status"],
        });
        assert.match(refused, /https on port 443 only: give an https:\/\/ URL/, url);
      }
      assert.deepEqual(
        tenant.sandbox.log.filter((e) => e.method !== "GET" && !/\/query/.test(e.path)),
        [],
        "nothing was sent",
      );
    } finally {
      await teardown(tenant, session, []);
    }
    const bare = await setup({ env: { AUTOTASK_WEBHOOK_SECRET: "" } });
    try {
      const refused = await callError(bare.session.client, "create_webhook", {
        entity: "Tickets",
        name: "No secret",
        url: URL_BASE,
        events: ["update"],
        fields: ["status"],
      });
      assert.match(refused, /needs AUTOTASK_WEBHOOK_SECRET: set it/);
      assert.deepEqual(bare.tenant.sandbox.records("TicketWebhooks"), []);
    } finally {
      await teardown(bare.tenant, bare.session, []);
    }
  },
});

Deno.test({
  name: "a refusal for want of rights names the security level's webhook settings",
  async fn() {
    const { tenant, session } = await setup();
    try {
      tenant.sandbox.denyRight({ entity: "TicketWebhooks", verb: "create" });
      const denied = await callError(session.client, "create_webhook", {
        entity: "Tickets",
        name: "Denied",
        url: URL_BASE,
        events: ["update"],
        fields: ["status"],
      });
      assert.match(denied, /Security Levels/);
      assert.match(denied, /"Can create WebHooks" turned on, and a webhook limit of at least 1/);
      tenant.sandbox.clearDeniedRights();
      // Autotask's generic wording (rights on the watched entity) gets the same hint.
      tenant.sandbox.denyRight({ entity: "Tickets", verb: "query" });
      const generic = await callError(session.client, "create_webhook", {
        entity: "Tickets",
        name: "Denied",
        url: URL_BASE,
        events: ["update"],
        fields: ["status"],
      });
      assert.match(generic, /adequate permissions to query/);
      assert.match(generic, /"Can create WebHooks"/);
      assert.deepEqual(tenant.sandbox.records("TicketWebhooks"), []);
    } finally {
      await teardown(tenant, session, []);
    }
  },
});

Deno.test({
  name:
    "a child that fails: the result says what exists and how to finish or remove it; finishing works",
  async fn() {
    const { tenant, session } = await setup();
    const seen: string[] = [];
    try {
      tenant.sandbox.inject({
        match: { method: "POST", pathIncludes: "/UdfFields" },
        kind: "status",
        status: 500,
        body: { errors: ["Simulated failure of the UDF field."] },
      });
      const message = await callError(session.client, "create_webhook", {
        entity: "Tickets",
        name: "Half done",
        url: URL_BASE,
        events: ["update"],
        fields: ["status"],
        udfFields: ["Customer PO"],
      });
      seen.push(message);
      const [hook] = tenant.sandbox.records("TicketWebhooks");
      assert.ok(hook, "the webhook exists");
      assert.equal(hook.isActive, false, "left inactive");
      assert.match(
        message,
        new RegExp(`TicketWebhooks ${hook.id} "Half done" exists in Autotask \\(inactive\\)`),
      );
      assert.match(
        message,
        /adding user-defined field Customer PO \(subscribed\) failed: .*Simulated failure/,
      );
      assert.match(
        message,
        /It has now: field status \(subscribed\); missing: user-defined field Customer PO \(subscribed\), excluded resource 29682885/,
      );
      const finish = /call update_webhook (\{.*?\}); to remove it, call delete_webhook (\{.*?\})$/
        .exec(message);
      assert.ok(finish, message);
      assert.deepEqual(JSON.parse(finish[2]), { entity: "Tickets", id: hook.id });
      // The call the message gives finishes the job.
      const done = await callOk(session.client, "update_webhook", JSON.parse(finish[1]));
      seen.push(texts(done));
      const item = done.item as Rec;
      assert.deepEqual(item.subscribedUdfFields, ["Customer PO"]);
      assert.deepEqual((item.excludedResources as Rec[]).map((r) => r.resourceID), [
        WELL_KNOWN.apiUserResourceId,
      ]);
      assert.deepEqual([item.isActive, item.isReady], [true, true]);
    } finally {
      await teardown(tenant, session, seen);
    }
  },
});

Deno.test({
  name: "update_webhook switches off and on and replaces events; delete_webhook removes it",
  async fn() {
    const { tenant, session, sent } = await setup();
    const seen: string[] = [];
    try {
      const { id } = await callOk(session.client, "create_webhook", {
        entity: "Companies",
        name: "Phones",
        url: URL_BASE,
        events: ["update"],
        fields: ["phone"],
      });
      const off = await callOk(session.client, "update_webhook", {
        entity: "Companies",
        id,
        isActive: false,
        events: ["create", "delete"],
      });
      seen.push(texts(off));
      assert.deepEqual([(off.item as Rec).isActive, (off.item as Rec).events], [false, [
        "create",
        "delete",
      ]]);
      await tenant.sandbox.webhooks.idle();
      assert.ok(
        sent.some((s) => s.url === `${URL_BASE}/deactivated`),
        "Autotask told the deactivation URL",
      );
      const on = await callOk(session.client, "update_webhook", {
        entity: "Companies",
        id,
        isActive: true,
      });
      assert.equal((on.item as Rec).isActive, true);
      const empty = await callError(session.client, "update_webhook", { entity: "Companies", id });
      assert.match(empty, /Nothing to change/);
      const missing = await callError(session.client, "update_webhook", {
        entity: "Contacts",
        id,
        isActive: true,
      });
      assert.match(missing, /ContactWebhooks \d+ was not found in Autotask: list_webhooks shows/);
      const gone = await callOk(session.client, "delete_webhook", { entity: "Companies", id });
      seen.push(texts(gone));
      assert.deepEqual(gone.deleted, {
        name: "Phones",
        webhookUrl: URL_BASE,
        events: ["create", "delete"],
      });
      assert.deepEqual(tenant.sandbox.records("CompanyWebhooks"), []);
      assert.deepEqual(tenant.sandbox.records("CompanyWebhookFields"), []);
    } finally {
      await teardown(tenant, session, seen);
    }
  },
});

Deno.test({
  name: "list_webhook_errors shows the deliveries Autotask gave up on, with the event they carried",
  async fn() {
    const { tenant, session } = await setup({ answer: 503, maxAttempts: 2 });
    const seen: string[] = [];
    try {
      const company = await callOk(session.client, "create_webhook", {
        entity: "Companies",
        name: "Down",
        url: URL_BASE,
        events: ["update"],
        fields: ["phone"],
      });
      const ticket = await callOk(session.client, "create_webhook", {
        entity: "Tickets",
        name: "Down too",
        url: URL_BASE,
        events: ["update"],
        fields: ["title"],
      });
      const [someCompany] = tenant.sandbox.records("Companies").filter((c) => c.id !== 0);
      const [someTicket] = tenant.sandbox.records("Tickets");
      await changeAsTechnician(tenant, "Companies", { id: someCompany.id, phone: "+1 555 0199" });
      await changeAsTechnician(tenant, "Tickets", { id: someTicket.id, title: "Caf\u00e9 & <co>" });
      await tenant.sandbox.webhooks.idle();

      const byCompany = await callOk(session.client, "list_webhook_errors", {
        entity: "Companies",
        webhookID: company.id,
      });
      seen.push(texts(byCompany));
      const [failed] = byCompany.items as Rec[];
      assert.equal((byCompany.items as Rec[]).length, 1);
      assert.match(String(failed.errorMessage), /\(503\)/);
      assert.equal(failed.accountWebhookID, company.id);
      const event = failed.event as Rec;
      assert.deepEqual([event.action, event.entity, event.id], [
        "Update",
        "Companies",
        someCompany.id,
      ]);
      assert.deepEqual(event.fields, { Phone: "+1 555 0199" });
      assert.equal(event.personId, TECHNICIAN);

      // Ticket webhooks have no id column in the log: their rows are told apart by GUID.
      const byTicket = await callOk(session.client, "list_webhook_errors", {
        entity: "Tickets",
        webhookID: ticket.id,
      });
      seen.push(texts(byTicket));
      assert.deepEqual((byTicket.items as Rec[]).map((r) => (r.event as Rec).fields), [
        { Title: "Caf\u00e9 & <co>" },
      ]);
      assert.deepEqual(byTicket.untrustedFields, ["event.fields"]);
      const all = await callOk(session.client, "list_webhook_errors", { since: "2020-01-01" });
      assert.equal((all.items as Rec[]).length, 2);
    } finally {
      await teardown(tenant, session, seen);
    }
  },
});

Deno.test({
  name:
    "read-only mode lists only the reading webhook tools; recent_changes over stdio points to HTTP mode",
  async fn() {
    const { tenant, session } = await setup({ env: { AUTOTASK_READ_ONLY: "true" } });
    try {
      const names = (await session.client.listTools()).tools.map((t) => t.name).filter((n) =>
        /webhook|recent_changes/.test(n)
      ).sort();
      assert.deepEqual(names, ["list_webhook_errors", "list_webhooks", "recent_changes"]);
      const text = await callError(session.client, "recent_changes", {});
      assert.match(text, /no events over stdio/);
      assert.match(text, /HTTP mode/);
      assert.match(text, /see Webhooks in the README/);
      // Records are still resources to read (no subscription: nothing arrives over stdio).
      const caps = session.client.getServerCapabilities();
      assert.notEqual(caps?.resources?.subscribe, true);
      const [ticket] = tenant.sandbox.records("Tickets");
      const read = await session.client.readResource({ uri: `autotask://tickets/${ticket.id}` });
      const item = JSON.parse((read.contents[0] as { text: string }).text).item as Rec;
      assert.equal(item.id, ticket.id);
      assert.ok(typeof item.statusLabel === "string", "labels inline");
      await assert.rejects(
        session.client.readResource({ uri: "autotask://tickets/999999999" }),
        /not found/i,
      );
    } finally {
      await teardown(tenant, session, []);
    }
  },
});

Deno.test({
  name:
    "the webhook secret is redacted even where Autotask echoes it; a bad one stops the server without showing it",
  async fn() {
    const { tenant, session } = await setup();
    try {
      tenant.sandbox.inject({
        match: { method: "POST", pathEndsWith: "/TicketWebhooks" },
        kind: "status",
        status: 500,
        body: { errors: [`secretKey ${WEBHOOK_SECRET} is not accepted here.`] },
      });
      const text = await callError(session.client, "create_webhook", {
        entity: "Tickets",
        name: "Echoing tenant",
        url: URL_BASE,
        events: ["update"],
        fields: ["status"],
      });
      assert.match(text, /secretKey \[redacted\] is not accepted here/);
      assert.ok(!text.includes(WEBHOOK_SECRET));
    } finally {
      await teardown(tenant, session, []);
    }
    const short = "short-one";
    const { code, stderr } = await runToExit(await productionFlags(), {
      AUTOTASK_SANDBOX: "1",
      AUTOTASK_WEBHOOK_SECRET: short,
    });
    assert.equal(code, 2);
    assert.match(stderr, /AUTOTASK_WEBHOOK_SECRET must be 10 to 64 visible ASCII characters/);
    assert.ok(!stderr.includes(short), "the message never holds the value");
  },
});
