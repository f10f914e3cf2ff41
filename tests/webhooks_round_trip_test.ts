// End to end over real HTTP: the server spawned in HTTP mode with the production flags plus loopback,
// the simulated tenant on another port calling it back. A webhook created through the tools makes the
// tenant post signed callouts to the server; recent_changes lists them with names and labels; a
// subscribed 2026-07-28 client is told; replays, tampered bodies and wrong secrets are handled; the
// server's own writes echo only when the API user is not excluded; no secret reaches any output.

import assert from "node:assert/strict";
import { SANDBOX_CREDENTIALS, type ServedSandbox } from "../lib/sandbox/mod.ts";
import type { Client } from "./deps.ts";
import { callOk, startTenant, tenantEnv } from "./harness.ts";
import { connectHttp, startHttpServer } from "./http_harness.ts";
import { postCallout, sign, WEBHOOK_SECRET } from "./webhooks_harness.ts";

type Rec = Record<string, unknown>;

const TOKEN = "e2e-mcp-token-0123456789abcdef";
const TECHNICIAN = 29682887;
/** What .NET escapes, and characters outside ASCII and the BMP. */
const HOSTILE = `Printer & <scanner> 'down' + "again" \u2014 Gr\u00fc\u00dfe \u{1F5A8}`;

function asTechnician(tenant: ServedSandbox) {
  return async (method: string, path: string, body: Rec): Promise<Rec> => {
    const response = await fetch(`${tenant.restBase}V1.0/${path}`, {
      method,
      headers: {
        ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
        UserName: SANDBOX_CREDENTIALS.username,
        Secret: SANDBOX_CREDENTIALS.secret,
        ImpersonationResourceId: String(TECHNICIAN),
        "Content-Type": "application/json",
      },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    assert.equal(response.status, 200, JSON.stringify(json));
    return json;
  };
}

/** Waits (bounded) until `condition` holds, polling. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function changes(client: Client, args: Rec = {}): Promise<Rec> {
  return await callOk(client, "recent_changes", args);
}

Deno.test({
  name:
    "webhooks end to end: created through the tools, called back by the tenant, listed with names, subscribers told",
  async fn() {
    const tenant = await startTenant({ webhooks: { allowHttpLoopback: true, retryDelayMs: 5 } });
    const server = await startHttpServer({
      env: {
        ...tenantEnv(tenant),
        AUTOTASK_WEBHOOK_SECRET: WEBHOOK_SECRET,
        AUTOTASK_TOOLSETS: "default,webhooks",
        MCP_AUTH_TOKEN: TOKEN,
      },
    });
    const client = await connectHttp(server.origin, { era: "modern", token: TOKEN });
    const outputs: string[] = [];
    const call = async (name: string, args: Rec) => {
      const out = await callOk(client, name, args);
      outputs.push(JSON.stringify(out));
      return out;
    };
    try {
      assert.match(
        server.stderr(),
        /accepting Autotask's signed webhook callouts at http:\/\/127\.0\.0\.1:\d+\/webhooks\/autotask/,
      );
      const url = `${server.origin}/webhooks/autotask`;
      await call("create_webhook", {
        entity: "Tickets",
        name: "Ticket changes",
        url,
        events: ["update"],
        fields: ["title", "status"],
      });
      await call("create_webhook", {
        entity: "TicketNotes",
        name: "Replies",
        url,
        events: ["create"],
        fields: ["description"],
      });
      const ticket = tenant.sandbox.records("Tickets").find((t) => t.status !== 5) as Rec;
      const uri = `autotask://tickets/${ticket.id}`;
      const heard: string[] = [];
      client.setNotificationHandler("notifications/resources/updated", (n) => {
        heard.push(n.params.uri);
      });
      const subscription = await client.listen({ resourceSubscriptions: [uri] });

      const technician = asTechnician(tenant);
      const status = tenant.sandbox.records("Tickets").map((t) => t.status).find((s) =>
        s !== ticket.status && s !== 5
      );
      await technician("PATCH", "Tickets", { id: ticket.id, title: HOSTILE, status });
      await technician("POST", `Tickets/${ticket.id}/Notes`, {
        title: "Customer reply",
        description: `Thanks & <regards> + \u00e9`,
        noteType: 1,
        publish: 1,
      });
      await until(() => heard.length >= 2, "two notifications");
      assert.deepEqual(heard, [uri, uri], "the ticket's update and the note on it");

      // The callouts arrived signed over .NET-escaped bytes and verified. The two are delivered
      // concurrently, as Autotask does: either may arrive first.
      // The server answers 200 before it works a callout through, so the tenant may record its
      // delivery a moment after the subscriber heard of it.
      const events = () => tenant.sandbox.webhooks.callouts.filter((c) => c.kind === "event");
      await until(() => events().length >= 2, "both deliveries recorded by the tenant");
      const sent = events();
      assert.equal(sent.length, 2);
      assert.ok(sent.every((c) => c.status === 200), "the server answered 200");
      const ticketSent = sent.find((c) => c.text.includes('"EntityType":"Ticket"'))!;
      assert.ok(ticketSent, "the ticket's callout was sent");
      assert.match(ticketSent.text, /\\u0026 \\u003Cscanner\\u003E \\u0027down\\u0027 \\u002B/);

      const listed = await changes(client);
      outputs.push(JSON.stringify(listed));
      const listedChanges = listed.changes as Rec[];
      assert.equal(listedChanges.length, 2);
      const update = listedChanges.find((c) => c.entity === "Tickets")!;
      const note = listedChanges.find((c) => c.entity === "TicketNotes")!;
      assert.deepEqual([update.action, update.entity, update.id, update.uri], [
        "Update",
        "Tickets",
        ticket.id,
        uri,
      ]);
      const fields = update.fields as Rec;
      assert.equal(fields.title, HOSTILE, "decoded whole");
      assert.equal(fields.status, status);
      assert.equal(typeof fields.statusLabel, "string", "the label of the changed picklist");
      const record = update.record as Rec;
      assert.equal(record.title, HOSTILE, "the record as it is now");
      assert.equal(typeof record.companyName, "string", "names inline");
      assert.equal(typeof record.statusLabel, "string");
      assert.equal(update.changedByResourceID, TECHNICIAN);
      assert.equal(typeof update.changedByName, "string");
      assert.deepEqual([note.action, note.entity, note.ticketID], [
        "Create",
        "TicketNotes",
        ticket.id,
      ]);
      assert.equal((note.record as Rec).title, "Customer reply");
      assert.ok((listed.untrustedFields as string[]).includes("record"));

      // Filters: the ticket and its notes, its company, another company; a cursor sees only what is new.
      assert.equal(((await changes(client, { ticketID: ticket.id })).changes as Rec[]).length, 2);
      assert.equal(
        ((await changes(client, { companyID: ticket.companyID })).changes as Rec[]).length,
        2,
      );
      assert.equal(((await changes(client, { companyID: 987654 })).changes as Rec[]).length, 0);
      assert.equal(((await changes(client, { entity: "TicketNotes" })).changes as Rec[]).length, 1);
      assert.equal(((await changes(client, { action: "update" })).changes as Rec[]).length, 1);
      const after = await changes(client, { cursor: listed.cursor });
      assert.deepEqual(after.changes, []);

      // A replay of the tenant's own delivery: 200, not listed twice.
      const replay = await postCallout(server.origin, ticketSent.body, ticketSent.signature);
      assert.equal(replay.status, 200);
      // Tampered, and signed with another secret: 401.
      const tampered = new TextEncoder().encode(
        ticketSent.text.replace(`"Id":${ticket.id}`, '"Id":1'),
      );
      assert.equal((await postCallout(server.origin, tampered, ticketSent.signature)).status, 401);
      const wrong = await sign("not-the-shared-secret-000", ticketSent.body);
      assert.equal((await postCallout(server.origin, ticketSent.body, wrong)).status, 401);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual((await changes(client, { cursor: listed.cursor })).changes, []);
      assert.match(server.stderr(), /repeated delivery of Tickets \d+ Update/);
      assert.match(server.stderr(), /http POST \/webhooks\/autotask 401 .*refused=signature/);

      // The server's own write: excluded (the API user) by default, so nothing echoes...
      await call("update_ticket", { id: ticket.id, changes: { title: "Through the server" } });
      await tenant.sandbox.webhooks.idle();
      assert.deepEqual((await changes(client, { cursor: listed.cursor })).changes, []);
      // ...until a webhook that does not exclude the API user is made.
      await call("create_webhook", {
        entity: "Tickets",
        name: "Echo",
        url: `${url}?echo`,
        events: ["update"],
        fields: ["title"],
        excludeApiUser: false,
      });
      await call("update_ticket", { id: ticket.id, changes: { title: "Echoed" } });
      await until(
        async () =>
          ((await changes(client, { cursor: listed.cursor })).changes as Rec[]).length === 1,
        "the echo",
      );
      const echo = ((await changes(client, { cursor: listed.cursor })).changes as Rec[])[0];
      assert.equal((echo.fields as Rec).title, "Echoed");
      await subscription.close();

      // A 2025-11-25 client calls the same tools (statelessly).
      const legacy = await connectHttp(server.origin, { token: TOKEN });
      try {
        const seen = await callOk(legacy, "recent_changes", { entity: "Tickets" });
        assert.equal((seen.changes as Rec[]).length, 2);
      } finally {
        await legacy.close();
      }
    } finally {
      await client.close();
      const { code, stderr } = await server.stop();
      await tenant.close();
      assert.equal(code, 0);
      const all = [...outputs, stderr].join("\n");
      for (const secret of [WEBHOOK_SECRET, TOKEN, SANDBOX_CREDENTIALS.secret]) {
        assert.ok(!all.includes(secret), "no secret in any result or log line");
      }
    }
  },
});
