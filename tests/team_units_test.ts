/** Team server parts one by one: MCP_USERS, token new, the authenticator, policies, the audit line, impersonation in the client and the tenant. */

import assert from "node:assert/strict";
import {
  AutotaskClient,
  AutotaskError,
  honoursImpersonation,
  ResourceDirectory,
  type WriteEvent,
} from "../lib/autotask/mod.ts";
import {
  Authenticator,
  loadAuthSettings,
  parseUsers,
  sha256Hex,
  tokenMain,
} from "../lib/http/mod.ts";
import { AuditLog, type Identity, narrowTools, policyKey } from "../lib/mcp/mod.ts";
import { SANDBOX_CREDENTIALS } from "../lib/sandbox/mod.ts";
import { attachmentWindow } from "../tools/attachments.ts";
import { allTools } from "../tools/mod.ts";
import { startTenant, tenantClient } from "./harness.ts";

const HASH = "a".repeat(64);
const ALEX = 29682886;
const PRIYA = 29682887;
const API_USER = 29682885;
const reader = (env: Record<string, string>) => (name: string) => env[name];

Deno.test("MCP_USERS: entries, options, and errors that never echo a token", () => {
  const users = parseUsers(
    `alice@msp.example token=sha256:${HASH} resource=29682886; bob@msp.example read-only ` +
      "toolsets=tickets,Time\ncarol@msp.example",
  );
  assert.deepEqual(users, [
    { user: "alice@msp.example", tokenHash: HASH, resourceId: ALEX, readOnly: false },
    { user: "bob@msp.example", readOnly: true, toolsets: ["tickets", "time"] },
    { user: "carol@msp.example", readOnly: false },
  ]);
  const pasted = "atm_THIS-IS-THE-RAW-TOKEN-NOT-A-HASH-0123456789abcdefgh";
  assert.throws(() => parseUsers(`alice@msp.example token=${pasted}`), (error: Error) => {
    assert.match(error.message, /store only the hash/);
    assert.ok(!error.message.includes(pasted), "the raw token is not echoed");
    return true;
  });
  assert.throws(() => parseUsers("a@x.example; A@x.example"), /appears twice/);
  assert.throws(
    () => parseUsers(`a@x.example token=sha256:${HASH}; b@x.example token=sha256:${HASH}`),
    /same token as another user/,
  );
  assert.throws(() => parseUsers("a@x.example resource=abc"), /resource id/);
  assert.throws(() => parseUsers("a@x.example admin"), /unknown option "admin"/);
});

Deno.test("OAuth settings: https issuer, and the resource URL is required off loopback", () => {
  const listen = { host: "127.0.0.1", port: 8050 };
  assert.deepEqual(
    loadAuthSettings(reader({ MCP_OAUTH_ISSUER: "https://login.example.com/realms/msp" }), listen)
      .oauth,
    { issuer: "https://login.example.com/realms/msp", resourceUrl: "http://127.0.0.1:8050/mcp" },
  );
  assert.throws(
    () => loadAuthSettings(reader({ MCP_OAUTH_ISSUER: "http://login.example.com" }), listen),
    /MCP_OAUTH_ISSUER must use https/,
  );
  assert.throws(
    () =>
      loadAuthSettings(reader({ MCP_OAUTH_ISSUER: "https://login.example.com" }), {
        host: "0.0.0.0",
        port: 8050,
      }),
    /needs MCP_RESOURCE_URL/,
  );
  assert.throws(
    () => loadAuthSettings(reader({ MCP_RESOURCE_URL: "https://mcp.example.com/mcp" }), listen),
    /only used with MCP_OAUTH_ISSUER/,
  );
});

Deno.test("token new: prints the token once and an entry holding only its SHA-256", async () => {
  const lines: string[] = [];
  const code = await tokenMain(["new", "--user", "alice@msp.example"], {
    print: (l) => lines.push(l),
  });
  assert.equal(code, 0);
  const text = lines.join("\n");
  const token = /^\s+(atm_[\w-]{43})$/m.exec(text)![1];
  const entry = /^\s+(alice@msp\.example token=sha256:[0-9a-f]{64})$/m.exec(text)![1];
  assert.equal(entry, `alice@msp.example token=sha256:${await sha256Hex(token)}`);
  assert.equal(text.split(token).length, 2, "the token appears once");
  assert.deepEqual(parseUsers(entry)[0].tokenHash, await sha256Hex(token));
  const errors: string[] = [];
  assert.equal(await tokenMain(["new"], { printError: (l) => errors.push(l) }), 2);
  assert.match(errors[0], /needs --user/);
});

Deno.test("authenticator: operator, per-user token by hash, refusals; policy narrows tools", async () => {
  const token = "atm_alice-token-for-unit-tests-0123456789abcdefghij";
  const auth = new Authenticator({
    operatorToken: "operator-token-0123456789",
    users: [{
      user: "alice@msp.example",
      tokenHash: await sha256Hex(token),
      readOnly: true,
      toolsets: ["tickets"],
    }],
    realm: "autotask-mcp",
  });
  const alice = await auth.authenticate(`Bearer ${token}`);
  assert.ok(alice.ok);
  assert.deepEqual(alice.identity, {
    user: "alice@msp.example",
    kind: "token",
    impersonate: true,
    email: "alice@msp.example",
    resourceId: undefined,
    scopes: ["autotask.read"],
    readOnly: true,
    toolsets: ["tickets"],
  });
  assert.equal(alice.authInfo!.token, "[not kept]", "the credential is not passed on");
  const operator = await auth.authenticate("Bearer operator-token-0123456789");
  assert.ok(operator.ok && operator.identity?.kind === "operator");
  assert.equal(operator.identity.impersonate, false);
  for (const header of [null, "Bearer wrong-token", "Basic abc"]) {
    const refused = await auth.authenticate(header);
    assert.ok(!refused.ok);
    assert.equal(refused.response.status, 401, String(header));
  }
  assert.equal(await auth.isOperator(`Bearer ${token}`), false);

  const tools = allTools();
  const narrowed = narrowTools(tools, alice.identity);
  assert.ok(narrowed.length > 0);
  assert.ok(narrowed.every((t) => t.kind === "read"), "read-only");
  assert.ok(narrowed.every((t) => t.toolset === "tickets" || t.toolset === "core"));
  assert.ok(narrowed.some((t) => t.toolset === "tickets"));
  assert.deepEqual(narrowTools(tools, undefined), tools);
  const writer: Identity = { ...alice.identity!, readOnly: false, toolsets: undefined };
  assert.equal(narrowTools(tools, writer).length, tools.length);
  assert.notEqual(policyKey(alice.identity), policyKey(writer));
  assert.equal(policyKey({ ...writer, user: "someone else" }), policyKey(writer));
});

Deno.test("audit line: who, as which resource, tool, entity, record, outcome; no field values", () => {
  const lines: string[] = [];
  const audit = new AuditLog({ write: (l) => lines.push(l), now: () => Date.UTC(2026, 10, 30) });
  const ended = audit.call("alice@msp.example");
  audit.write({
    user: "alice@msp.example",
    resourceId: ALEX,
    tool: "add_ticket_note",
    entity: "TicketNotes",
    operation: "create",
    id: 42,
    outcome: "ok",
  });
  ended(true);
  assert.deepEqual(JSON.parse(lines[0]), {
    audit: "write",
    time: "2026-11-30T00:00:00.000Z",
    user: "alice@msp.example",
    resourceId: ALEX,
    tool: "add_ticket_note",
    entity: "TicketNotes",
    operation: "create",
    recordId: 42,
    outcome: "ok",
  });
  assert.deepEqual(audit.counts()["alice@msp.example"], {
    calls: 1,
    failedCalls: 0,
    writes: 1,
    failedWrites: 0,
    unknownWrites: 0,
    lastCall: "2026-11-30T00:00:00.000Z",
  });
});

Deno.test({
  name: "client: a caller's view sends ImpersonationResourceId only where the entity honours it",
  async fn() {
    assert.equal(honoursImpersonation("TicketNotes"), true);
    assert.equal(honoursImpersonation("TimeEntries"), true);
    assert.equal(honoursImpersonation("Resources"), false);
    const tenant = await startTenant();
    try {
      const events: WriteEvent[] = [];
      const client = tenantClient(tenant);
      const alex = client.forCaller({
        user: "alex@msp.example",
        impersonationResourceId: ALEX,
        onWrite: (e) => events.push(e),
      });
      const ticket = tenant.sandbox.records("Tickets")[0];
      const from = tenant.sandbox.log.length;
      await alex.query("Resources", { maxRecords: 1 });
      const id = await alex.create("TicketNotes", {
        ticketID: ticket.id,
        title: "t",
        description: "d",
        noteType: 1,
        publish: 2,
      });
      await client.get("Tickets", ticket.id as number);
      const log = tenant.sandbox.log.slice(from).filter((e) => e.entity !== "ThresholdInformation");
      assert.deepEqual(log.map((e) => [e.entity, e.impersonationResourceId]), [
        ["Resources", undefined],
        ["TicketNotes", ALEX],
        ["Tickets", undefined],
      ]);
      assert.equal(tenant.sandbox.record("TicketNotes", id)!.creatorResourceID, ALEX);
      assert.deepEqual(events, [{ operation: "create", entity: "TicketNotes", id, outcome: "ok" }]);

      // The tenant's refusals, explained: a security level that forbids impersonation, and an
      // API-only user, each refused unprocessed; the failed write is reported too.
      tenant.sandbox.setImpersonationAllowed(ALEX, false);
      const note = { ticketID: ticket.id, title: "t", description: "d", noteType: 1, publish: 2 };
      await assert.rejects(alex.create("TicketNotes", note), (error: AutotaskError) => {
        assert.equal(error.category, "permission");
        assert.match(error.message, /refused to act as resource 29682886 \(alex@msp\.example\)/);
        assert.match(error.message, /security level does not allow impersonation/);
        return true;
      });
      assert.deepEqual(events.at(-1), {
        operation: "create",
        entity: "TicketNotes",
        id: undefined,
        outcome: "failed",
      });
      const bot = client.forCaller({ user: "bot", impersonationResourceId: API_USER });
      await assert.rejects(bot.create("TicketNotes", note), /API-only resources \(licenseType 7\)/);
      const refused = tenant.sandbox.log.slice(-2);
      assert.deepEqual(refused.map((e) => [e.status, e.impersonationResourceId]), [
        [500, ALEX],
        [500, API_USER],
      ]);
      assert.equal(
        tenant.sandbox.records("TicketNotes").filter((n) => n.id === id + 1).length,
        0,
        "nothing was created",
      );
    } finally {
      await tenant.close();
    }
  },
});

Deno.test({
  name: "resource directory: e-mail lookup, explicit ids, and why a user cannot act",
  async fn() {
    const tenant = await startTenant();
    try {
      const directory = new ResourceDirectory(tenantClient(tenant));
      assert.equal(
        await directory.resolve({ user: "a", email: "Alex.Morgan@northwind-it.example" }),
        ALEX,
      );
      assert.equal(await directory.resolve({ user: "p", resourceId: PRIYA }), PRIYA);
      const requests = tenant.sandbox.log.length;
      await directory.resolve({ user: "a", email: "Alex.Morgan@northwind-it.example" });
      assert.equal(tenant.sandbox.log.length, requests, "cached");
      const cases: [Parameters<ResourceDirectory["resolve"]>[0], RegExp][] = [
        [{ user: "nobody@x.example", email: "nobody@x.example" }, /not an Autotask resource/],
        [{ user: "bot", resourceId: API_USER }, /API-only user \(licenseType 7\)/],
        [{ user: "gone", resourceId: 29682895 }, /inactive/],
        [{ user: "opaque-subject" }, /no e-mail address/],
      ];
      for (const [mapping, reason] of cases) {
        await assert.rejects(directory.resolve(mapping), (error: AutotaskError) => {
          assert.equal(error.category, "permission");
          assert.match(error.message, reason);
          assert.match(error.message, /nothing is done under the API user's name/);
          return true;
        });
      }
    } finally {
      await tenant.close();
    }
  },
});

Deno.test({
  name: "simulated tenant: logs the impersonation of each request and refuses API-only users",
  async fn() {
    const tenant = await startTenant({ impersonationDenied: [PRIYA] });
    try {
      const url = `${tenant.restBase}V1.0/Resources/${ALEX}`;
      const headers = {
        ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
        UserName: SANDBOX_CREDENTIALS.username,
        Secret: SANDBOX_CREDENTIALS.secret,
      };
      const as = async (id: string | undefined) => {
        const response = await fetch(url, {
          headers: id === undefined ? headers : { ...headers, ImpersonationResourceId: id },
        });
        return { status: response.status, body: await response.json() };
      };
      assert.equal((await as(undefined)).status, 200);
      assert.equal((await as(String(ALEX))).status, 200);
      const apiOnly = await as(String(API_USER));
      assert.equal(apiOnly.status, 500);
      assert.match(apiOnly.body.errors[0], /API-only resources cannot be impersonated/);
      const denied = await as(String(PRIYA));
      assert.equal(denied.status, 500);
      assert.match(denied.body.errors[0], /security level does not allow impersonation/);
      assert.deepEqual(tenant.sandbox.log.slice(-4).map((e) => e.impersonationResourceId), [
        undefined,
        ALEX,
        API_USER,
        PRIYA,
      ]);
      // A refusal is not processed: it does not count toward the hour.
      assert.ok(tenant.sandbox.log.slice(-2).every((e) => e.status === 500));
    } finally {
      await tenant.close();
    }
  },
});

Deno.test("client views share one pipeline: the same counters, the caller kept apart", () => {
  const client = new AutotaskClient({
    credentials: SANDBOX_CREDENTIALS,
    baseUrl: "https://sandbox.autotask.invalid/ATServicesRest/V1.0/",
    timeoutMs: 1000,
  });
  const view = client.forCaller({ user: "alice", impersonationResourceId: ALEX });
  assert.equal(client.caller, undefined);
  assert.deepEqual(view.caller, { user: "alice", impersonationResourceId: ALEX });
  assert.deepEqual(view.stats(), client.stats());
  // Per-tenant limits kept beside the client hold across every user's view of it: Autotask's
  // attachment window is the integration's, not one request's.
  const other = client.forCaller({ user: "bob", impersonationResourceId: PRIYA });
  assert.equal(view.root, client);
  assert.equal(attachmentWindow({ client: view }), attachmentWindow({ client }));
  assert.equal(attachmentWindow({ client: other }), attachmentWindow({ client }));
});
