// The inbound webhook endpoint over real HTTP (the server's listener on 127.0.0.1, the tenant on
// another port): the signature over the raw bytes, 401 with nothing recorded, replays, the body cap,
// the rate limit, no MCP token, off without the secret, case-insensitive keys, the deactivation
// notice confirmed by a read, and resource subscribers told. Signatures are made here with
// crypto.subtle over bodies written with .NET's escaping, independently of the server's code.

import assert from "node:assert/strict";
import { SANDBOX_CREDENTIALS } from "../lib/sandbox/mod.ts";
import { Client, StreamableHTTPClientTransport } from "./deps.ts";
import { serveInProcess } from "./http_harness.ts";
import {
  calloutBytes,
  postCallout,
  serveWebhooksInProcess,
  sign,
  WEBHOOK_SECRET,
} from "./webhooks_harness.ts";

type Rec = Record<string, unknown>;

/** Text .NET escapes: `& < > ' +`, a double quote, non-ASCII inside and outside the BMP. */
const HOSTILE = `Caf\u00e9 & <b>B\u00e4r</b> 'quoted' + "double" \u2603 \u{1F600}`;

const TENANT_HEADERS: Record<string, string> = {
  ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
  UserName: SANDBOX_CREDENTIALS.username,
  Secret: SANDBOX_CREDENTIALS.secret,
  "Content-Type": "application/json",
};

Deno.test("a signed callout with & < > ' + and non-ASCII verifies over its raw bytes; a replay is taken once", async () => {
  const server = await serveWebhooksInProcess();
  try {
    const bytes = calloutBytes({ id: 4711, fields: { Title: HOSTILE, Status: "8" } });
    const text = new TextDecoder().decode(bytes);
    assert.match(text, /\\u0026 \\u003Cb\\u003E/, "the body carries .NET's escapes");
    assert.ok(!/[^\x20-\x7e]/.test(text), "pure ASCII on the wire");
    const signature = await sign(WEBHOOK_SECRET, bytes);
    const first = await postCallout(server.origin, bytes, signature);
    assert.equal(first.status, 200, first.body);
    assert.deepEqual(JSON.parse(first.body), { status: "accepted" });
    await server.settled();
    const [event] = server.serving.feed.log.after(0);
    assert.equal(event.entity, "Tickets");
    assert.equal(event.id, 4711);
    assert.equal(event.fields.Title, HOSTILE, "the text decoded whole");

    // Autotask retries the same bytes: answered 200 (so it stops), recorded once.
    for (let i = 0; i < 3; i++) {
      assert.equal((await postCallout(server.origin, bytes, signature)).status, 200);
    }
    await server.settled();
    assert.equal(server.serving.feed.log.size, 1, "a replayed delivery is not recorded again");
    assert.ok(server.lines.some((l) => /repeated delivery of Tickets 4711 Update/.test(l)));

    // The next event of the same webhook (another SequenceNumber) is a new event.
    const next = calloutBytes({ id: 4711, sequenceNumber: 2, fields: { Status: "5" } });
    assert.equal(
      (await postCallout(server.origin, next, await sign(WEBHOOK_SECRET, next))).status,
      200,
    );
    await server.settled();
    assert.deepEqual(server.serving.feed.log.after(0).map((e) => e.sequenceNumber), [1, 2]);
  } finally {
    await server.close();
  }
});

Deno.test("a tampered body, a wrong secret, a re-serialised body, a missing or malformed signature: 401, nothing recorded", async () => {
  const server = await serveWebhooksInProcess();
  try {
    const bytes = calloutBytes({ id: 42, fields: { Title: HOSTILE } });
    const good = await sign(WEBHOOK_SECRET, bytes);
    const tampered = new TextEncoder().encode(
      new TextDecoder().decode(bytes).replace('"Id":42', '"Id":43'),
    );
    // What a receiver that parses then re-serialises would verify: JSON.stringify's escaping.
    const reserialised = new TextEncoder().encode(
      JSON.stringify(JSON.parse(new TextDecoder().decode(bytes))),
    );
    assert.notDeepEqual(reserialised, bytes);
    const cases: [string, Uint8Array<ArrayBuffer>, string | null][] = [
      ["tampered body", tampered, good],
      ["wrong secret", bytes, await sign("another-secret-0123456789", bytes)],
      ["re-serialised body", reserialised, good],
      ["no signature", bytes, null],
      ["no sha1= prefix", bytes, good.slice(5)],
      ["truncated MAC", bytes, good.slice(0, 20)],
      ["not base64", bytes, "sha1=!!!!"],
    ];
    for (const [what, body, signature] of cases) {
      const reply = await postCallout(server.origin, body, signature);
      assert.equal(reply.status, 401, what);
      assert.match(reply.body, /X-Hook-Signature is missing or does not sign this body/, what);
    }
    await server.settled();
    assert.equal(server.serving.feed.log.size, 0, "nothing recorded");
    const refused = server.lines.filter((l) =>
      /http POST \/webhooks\/autotask 401 .*refused=signature/.test(l)
    );
    assert.equal(refused.length, cases.length);
    // The signed original still goes through.
    assert.equal((await postCallout(server.origin, bytes, good)).status, 200);
    await server.settled();
    assert.equal(server.serving.feed.log.size, 1);
    assert.ok(!server.lines.some((l) => l.includes(WEBHOOK_SECRET)), "the secret is never logged");
  } finally {
    await server.close();
  }
});

Deno.test("keys are read case-insensitively: PersonId, old entity names, numbers as text", async () => {
  const server = await serveWebhooksInProcess();
  try {
    const bodies = [
      // Autotask's old names for companies and configuration items, and PersonId.
      `{"action":"create","guid":"A-1","entitytype":"Account","id":"174","fields":{"Phone":"555"},"sequencenumber":"3","PersonId":29682887}`,
      `{"Action":"Delete","Guid":"A-2","EntityType":"InstalledProduct","Id":9,"Fields":{},"SequenceNumber":1,"PersonID":"29682886"}`,
      `{"ACTION":"Update","GUID":"A-3","ENTITYTYPE":"TicketNote","ID":77,"FIELDS":{"TicketID":"4711"},"SEQUENCENUMBER":1}`,
    ];
    for (const text of bodies) {
      const bytes = new TextEncoder().encode(text);
      assert.equal(
        (await postCallout(server.origin, bytes, await sign(WEBHOOK_SECRET, bytes))).status,
        200,
      );
    }
    // Signed but no callout: answered 200 (it is Autotask's), logged, not recorded.
    const odd = new TextEncoder().encode(
      `{"Action":"Update","Guid":"x","EntityType":"Project","Id":1,"SequenceNumber":1}`,
    );
    assert.equal(
      (await postCallout(server.origin, odd, await sign(WEBHOOK_SECRET, odd))).status,
      200,
    );
    await server.settled();
    const events = server.serving.feed.log.after(0);
    assert.deepEqual(
      events.map((e) => [e.action, e.entity, e.id, e.sequenceNumber, e.personId ?? null]),
      [
        ["Create", "Companies", 174, 3, 29682887],
        ["Delete", "ConfigurationItems", 9, 1, 29682886],
        ["Update", "TicketNotes", 77, 1, null],
      ],
    );
    assert.equal(events[2].ticketId, 4711, "a note names its ticket");
    assert.ok(server.lines.some((l) => /signed callout ignored: EntityType "Project"/.test(l)));
  } finally {
    await server.close();
  }
});

Deno.test("no MCP token is needed, but the body cap and the rate limit apply; without the secret: 404", async () => {
  const token = "mcp-token-0123456789abcdef";
  const server = await serveWebhooksInProcess({
    env: { MCP_AUTH_TOKEN: token, MCP_RATE_LIMIT: "6" },
  });
  try {
    const mcp = await fetch(`${server.origin}/mcp`, { method: "POST", body: "{}" });
    await mcp.body?.cancel();
    assert.equal(mcp.status, 401, "MCP needs the token");
    const bytes = calloutBytes({ id: 1 });
    assert.equal(
      (await postCallout(server.origin, bytes, await sign(WEBHOOK_SECRET, bytes))).status,
      200,
    );
    const big = new Uint8Array(1024 * 1024 + 10).fill(0x20);
    assert.equal(
      (await postCallout(server.origin, big, await sign(WEBHOOK_SECRET, big))).status,
      413,
    );
    const get = await fetch(`${server.origin}/webhooks/autotask`);
    await get.body?.cancel();
    assert.equal(get.status, 405);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await postCallout(server.origin, bytes, null)).status);
    }
    assert.deepEqual(statuses, [401, 401, 429, 429], "the per-address limit counts these too");
  } finally {
    await server.close();
  }
  const off = await serveInProcess({});
  try {
    const bytes = calloutBytes({ id: 1 });
    const reply = await postCallout(off.origin, bytes, await sign(WEBHOOK_SECRET, bytes));
    assert.equal(reply.status, 404, "off unless AUTOTASK_WEBHOOK_SECRET is set");
  } finally {
    await off.close();
  }
});

Deno.test("a deactivation notice is believed only once a read of the webhook confirms it", async () => {
  const server = await serveWebhooksInProcess({
    tenant: { webhooks: { allowHttpLoopback: true } },
  });
  try {
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${server.tenant.restBase}V1.0/${path}`, {
        method,
        headers: TENANT_HEADERS,
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then((r) => r.json());
    const { itemId: id } = await api("POST", "TicketWebhooks", {
      name: "Confirm me",
      webhookUrl: `${server.origin}/webhooks/autotask`,
      deactivationUrl: `${server.origin}/webhooks/autotask/deactivated`,
      secretKey: WEBHOOK_SECRET,
      isActive: true,
      isSubscribedToUpdateEvents: true,
    });
    const hook = (await api("GET", `TicketWebhooks/${id}`)).item as Rec;
    const notice = (body: unknown) =>
      postCallout(
        server.origin,
        new TextEncoder().encode(JSON.stringify(body)),
        null,
        "/webhooks/autotask/deactivated",
      );

    // Forged while the webhook is active: answered, read, not believed.
    const forged = await notice({
      Action: "Deactivated",
      Guid: hook.webhookGUID,
      EntityType: "Ticket",
      WebhookID: id,
    });
    assert.equal(forged.status, 200);
    await server.settled();
    assert.deepEqual(server.serving.feed.deactivations(), []);
    assert.ok(server.lines.some((l) => /deactivation notice not confirmed by Autotask/.test(l)));
    assert.equal((await notice({ Action: "Deactivated" })).status, 200);
    await server.settled();
    assert.ok(server.lines.some((l) => /names no webhook: ignored/.test(l)));

    // Really deactivated: the tenant calls the deactivation URL itself, unsigned.
    await api("PATCH", "TicketWebhooks", { id, isActive: false });
    await server.tenant.sandbox.webhooks.idle();
    await server.settled();
    const [confirmed] = server.serving.feed.deactivations();
    assert.deepEqual(
      [confirmed?.webhookEntity, confirmed?.webhookId, confirmed?.state, confirmed?.name],
      ["TicketWebhooks", id, "deactivated", "Confirm me"],
    );
    assert.ok(server.lines.some((l) => /Autotask deactivated TicketWebhooks \d+/.test(l)));
    // A notice with a GUID that is not the webhook's is not believed either.
    await notice({ Guid: "not-the-guid", EntityType: "Ticket", WebhookID: id });
    await server.settled();
    assert.equal(server.serving.feed.deactivations().length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("a 2026-07-28 client subscribed to a record hears of its callouts, and only of those", async () => {
  const server = await serveWebhooksInProcess();
  const client = new Client(
    { name: "webhook-tests", version: "0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`)));
    assert.equal(client.getServerCapabilities()?.resources?.subscribe, true);
    const heard: string[] = [];
    const arrived = Promise.withResolvers<void>();
    client.setNotificationHandler("notifications/resources/updated", (n) => {
      heard.push(n.params.uri);
      if (heard.length === 2) arrived.resolve();
    });
    const subscription = await client.listen({
      resourceSubscriptions: ["autotask://tickets/4711", "autotask://companies/174"],
    });
    assert.deepEqual(subscription.honoredFilter.resourceSubscriptions, [
      "autotask://tickets/4711",
      "autotask://companies/174",
    ]);
    const send = async (spec: Parameters<typeof calloutBytes>[0]) => {
      const bytes = calloutBytes(spec);
      assert.equal(
        (await postCallout(server.origin, bytes, await sign(WEBHOOK_SECRET, bytes))).status,
        200,
      );
    };
    await send({ id: 999, guid: "g-other" }); // another ticket: not this subscriber's
    // A note on 4711 tells the ticket's subscribers.
    await send({ id: 5, entityType: "TicketNote", fields: { TicketID: "4711" }, guid: "g-note" });
    await send({ id: 174, entityType: "Account", fields: { Phone: "1" }, guid: "g-co" });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      arrived.promise,
      new Promise((_, reject) =>
        timer = setTimeout(() => reject(new Error(`heard ${heard}`)), 10_000)
      ),
    ]);
    clearTimeout(timer);
    assert.deepEqual(heard, ["autotask://tickets/4711", "autotask://companies/174"]);
    await subscription.close();

    // The resource itself is readable: the record now, labels and names inline.
    const company = server.tenant.sandbox.records("Companies")[1];
    const read = await client.readResource({ uri: `autotask://companies/${company.id}` });
    const content = read.contents[0] as { text: string; mimeType?: string };
    assert.equal(content.mimeType, "application/json");
    assert.equal((JSON.parse(content.text).item as Rec).companyName, company.companyName);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("2025-11-25 clients over HTTP are served statelessly: no subscribe capability is offered", async () => {
  const server = await serveWebhooksInProcess();
  const client = new Client({ name: "webhook-tests", version: "0" });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`)));
    assert.equal(client.getNegotiatedProtocolVersion(), "2025-11-25");
    const resources = client.getServerCapabilities()?.resources;
    assert.ok(resources, "resources are served");
    assert.notEqual(resources.subscribe, true, "no stream to deliver an update on");
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate).sort(), [
      "autotask://companies/{id}",
      "autotask://configuration-items/{id}",
      "autotask://contacts/{id}",
      "autotask://ticket-notes/{id}",
      "autotask://tickets/{id}",
    ]);
  } finally {
    await client.close();
    await server.close();
  }
});
