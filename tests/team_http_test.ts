/** End to end, a team server: a real authorization server's users and per-user tokens, each acting in the simulated tenant as themselves. */

import assert from "node:assert/strict";
import { generateKeyPair, SignJWT } from "jose";
import { honoursImpersonation } from "../lib/autotask/mod.ts";
import { SANDBOX_CREDENTIALS } from "../lib/sandbox/mod.ts";
import type { RequestLogEntry } from "../lib/sandbox/types.ts";
import type { Client } from "./deps.ts";
import {
  callError,
  callOk,
  productionFlags,
  productionFlagsPlusLoopback,
  runToExit,
  startTenant,
  tenantEnv,
} from "./harness.ts";
import { connectHttp, startHttpServer } from "./http_harness.ts";
import { freePort, startIssuer } from "./team_oidc.ts";

type Rec = Record<string, unknown>;

const OPERATOR_TOKEN = "operator-token-0123456789abcdef";
/** Seeded resources of the simulated tenant (e-mail first.last@northwind-it.example). */
const ALEX = { login: "alex.morgan", id: 29682886 };
const PRIYA = { login: "priya.nair", id: 29682887 };
const API_USER_RESOURCE = 29682885;
const NOTE_TEXT = "Replaced the failing PSU; customer confirmed power is stable";
const SUMMARY_TEXT = "Bench test of the replacement PSU";

/** `autotask-mcp token new --user ...` run with the production flags: the token and the entry. */
async function newUserToken(user: string): Promise<{ token: string; entry: string }> {
  const out = await runToExit(await productionFlags(), {}, ["token", "new", "--user", user]);
  assert.equal(out.code, 0, out.stderr);
  const token = /^\s+(atm_[\w-]{43})$/m.exec(out.stdout)?.[1];
  const entry = /^\s+(\S+ token=sha256:[0-9a-f]{64})$/m.exec(out.stdout)?.[1];
  assert.ok(token && entry, out.stdout);
  return { token, entry };
}

/** Requests the tenant received after `from` that wrote something. */
function writesSince(log: RequestLogEntry[], from: number): RequestLogEntry[] {
  return log.slice(from).filter((e) => e.method !== "GET" && !/\/query/.test(e.path));
}

/** One user's note and time entry on `ticketId`, through their own MCP session. */
async function noteAndTime(client: Client, ticketId: number, resourceID: number) {
  const note = await callOk(client, "add_ticket_note", {
    ticketID: ticketId,
    description: NOTE_TEXT,
  });
  const time = await callOk(client, "create_time_entry", {
    resourceID,
    ticketID: ticketId,
    hoursWorked: 0.5,
    summaryNotes: SUMMARY_TEXT,
  });
  return { noteId: note.id as number, timeId: time.id as number };
}

Deno.test({
  name: "team server: OAuth users and per-user tokens act as themselves; scopes, refusals and 401s",
  async fn() {
    const tenant = await startTenant();
    const issuer = await startIssuer();
    const sam = await newUserToken("sam@msp.example");
    const bot = await newUserToken("bot@msp.example");
    const port = freePort();
    const origin = `http://127.0.0.1:${port}`;
    const resource = `${origin}/mcp`;
    const server = await startHttpServer({
      env: {
        ...tenantEnv(tenant),
        PORT: String(port),
        MCP_AUTH_TOKEN: OPERATOR_TOKEN,
        // The webhooks toolset brings record resources (autotask://tickets/{id}, ...).
        AUTOTASK_TOOLSETS: "default,webhooks",
        MCP_OAUTH_ISSUER: issuer.issuer,
        MCP_RESOURCE_URL: resource,
        // Sam has a static token and acts as Priya's resource; the bot is mapped to the API
        // user, which Autotask never impersonates.
        MCP_USERS: `${sam.entry} resource=${PRIYA.id}; ${bot.entry} resource=${API_USER_RESOURCE}`,
      },
      flags: await productionFlagsPlusLoopback(),
    });
    const clients: Client[] = [];
    const connect = async (token: string, era?: "legacy" | "modern") => {
      const client = await connectHttp(server.origin, { token, era });
      clients.push(client);
      return client;
    };
    const secrets: string[] = [];
    let passed = false;
    try {
      assert.equal(server.origin, origin);
      const ticketId = tenant.sandbox.records("Tickets")[0].id as number;

      // The protected-resource metadata names the authorization server (RFC 9728).
      for (
        const path of [
          "/.well-known/oauth-protected-resource",
          "/.well-known/oauth-protected-resource/mcp",
        ]
      ) {
        const prm = await (await fetch(`${origin}${path}`)).json();
        assert.equal(prm.resource, resource, path);
        assert.deepEqual(prm.authorization_servers, [issuer.issuer], path);
        assert.deepEqual(prm.scopes_supported, ["autotask.read", "autotask.write"], path);
      }

      // Two people sign in at the authorization server; each writes as themselves.
      const alexToken = await issuer.signIn(ALEX.login, {
        scope: "autotask.read autotask.write",
        resource,
      });
      const priyaToken = await issuer.signIn(PRIYA.login, {
        scope: "autotask.read autotask.write",
        resource,
      });
      secrets.push(alexToken, priyaToken, sam.token, bot.token);
      const alex = await connect(alexToken, "modern");
      const priya = await connect(priyaToken, "legacy");
      for (const [who, client] of [[ALEX, alex], [PRIYA, priya]] as const) {
        const from = tenant.sandbox.log.length;
        const { noteId, timeId } = await noteAndTime(client, ticketId, who.id);
        const writes = writesSince(tenant.sandbox.log, from);
        assert.deepEqual(
          writes.map((w) => [w.method, w.path.replace(/\d+/g, "N"), w.impersonationResourceId]),
          [
            ["POST", "/ATServicesRest/VN.N/Tickets/N/Notes", who.id],
            ["POST", "/ATServicesRest/VN.N/TimeEntries", who.id],
          ],
          `${who.login}'s writes carry their impersonation header`,
        );
        const note = tenant.sandbox.record("TicketNotes", noteId)!;
        assert.equal(note.creatorResourceID, who.id, "the note is the person's");
        assert.equal(note.impersonatorCreatorResourceID, API_USER_RESOURCE);
        assert.equal(tenant.sandbox.record("TimeEntries", timeId)!.resourceID, who.id);
      }

      // A read-scoped token lists no write tool and cannot run one.
      const readToken = await issuer.signIn(ALEX.login, { scope: "autotask.read", resource });
      secrets.push(readToken);
      const reader = await connect(readToken);
      const { tools } = await reader.listTools();
      assert.ok(tools.some((t) => t.name === "get_ticket"));
      const writers = tools.filter((t) => t.annotations?.readOnlyHint !== true);
      assert.deepEqual(writers.map((t) => t.name), [], "no write tool is listed");
      const before = tenant.sandbox.log.length;
      const attempt = await reader.callTool({
        name: "add_ticket_note",
        arguments: { ticketID: ticketId, description: NOTE_TEXT },
      }).catch((error: Error) => ({ isError: true, content: [{ text: error.message }] }));
      assert.equal(attempt.isError, true, "a write tool named anyway is refused");
      assert.deepEqual(writesSince(tenant.sandbox.log, before), [], "nothing was written");
      await callOk(reader, "get_ticket", { id: ticketId });

      // A toolset scope narrows the token to those toolsets (core always): the rest is neither
      // listed nor run.
      const iat = Math.floor(Date.now() / 1000);
      const ticketsOnly = await issuer.mint({
        iss: issuer.issuer,
        aud: resource,
        sub: ALEX.login,
        email: `${ALEX.login}@northwind-it.example`,
        scope: "autotask.read autotask.write autotask.toolset.tickets",
        iat,
        exp: iat + 600,
      });
      secrets.push(ticketsOnly);
      const narrow = await connect(ticketsOnly);
      const listed = (await narrow.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(listed, [
        "add_ticket_note",
        "create_ticket",
        "describe_entity",
        "get_ticket",
        "list_field_values",
        "search_tickets",
        "update_ticket",
      ]);
      const outside = tenant.sandbox.log.length;
      const outOfSet = await narrow.callTool({
        name: "create_time_entry",
        arguments: {
          resourceID: ALEX.id,
          ticketID: ticketId,
          hoursWorked: 0.5,
          summaryNotes: SUMMARY_TEXT,
        },
      }).catch((error: Error) => ({ isError: true, content: [{ text: error.message }] }));
      assert.equal(outOfSet.isError, true, "a tool outside the toolsets named anyway is refused");
      assert.deepEqual(writesSince(tenant.sandbox.log, outside), [], "nothing was written");

      // An e-mail claim the issuer has not verified does not make anyone that person.
      const unverified = await issuer.mint({
        iss: issuer.issuer,
        aud: resource,
        sub: "mallory",
        email: `${PRIYA.login}@northwind-it.example`,
        email_verified: false,
        scope: "autotask.read autotask.write",
        iat,
        exp: iat + 600,
      });
      secrets.push(unverified);
      const mallory = await connect(unverified);
      const posing = tenant.sandbox.log.length;
      assert.match(
        await callError(mallory, "add_ticket_note", { ticketID: ticketId, description: NOTE_TEXT }),
        /mallory has no e-mail address to find their Autotask resource by/,
      );
      assert.deepEqual(writesSince(tenant.sandbox.log, posing), [], "nothing was written");

      // A static per-user token works the same way: Sam acts as the mapped resource.
      const samClient = await connect(sam.token);
      const from = tenant.sandbox.log.length;
      await noteAndTime(samClient, ticketId, PRIYA.id);
      assert.deepEqual(
        writesSince(tenant.sandbox.log, from).map((w) => w.impersonationResourceId),
        [PRIYA.id, PRIYA.id],
      );

      // Record resources are read as the API user: users who act as themselves get none.
      assert.equal(samClient.getServerCapabilities()?.resources, undefined);
      const operator = await connect(OPERATOR_TOKEN);
      assert.ok(operator.getServerCapabilities()?.resources, "the operator still gets them");

      // Where Autotask refuses the impersonation, the error says why and nothing is done as
      // the API user instead.
      tenant.sandbox.setImpersonationAllowed(PRIYA.id, false);
      const refusedFrom = tenant.sandbox.log.length;
      const refused = await callError(priya, "add_ticket_note", {
        ticketID: ticketId,
        description: NOTE_TEXT,
      });
      assert.match(
        refused,
        /refused to act as resource 29682887 \(priya\.nair@northwind-it\.example\)/,
      );
      assert.match(refused, /security level does not allow impersonation/);
      assert.match(refused, /Nothing was done/);
      const tried = tenant.sandbox.log.slice(refusedFrom);
      assert.ok(tried.some((e) => e.impersonationResourceId === PRIYA.id && e.status === 500));
      assert.deepEqual(
        tried.filter((e) => honoursImpersonation(e.entity ?? undefined))
          .filter((e) => e.impersonationResourceId !== PRIYA.id),
        [],
        "nothing was sent under the API user's name instead",
      );
      assert.deepEqual(writesSince(tenant.sandbox.log, refusedFrom), []);
      tenant.sandbox.setImpersonationAllowed(PRIYA.id, true);
      // Acting as Priya, her own rights apply: a right her security level lacks is hers.
      tenant.sandbox.denyRight({ entity: "TicketNotes", verb: "create", resourceId: PRIYA.id });
      const denied = await callError(priya, "add_ticket_note", {
        ticketID: ticketId,
        description: NOTE_TEXT,
      });
      assert.match(
        denied,
        /security level of resource 29682887 .* does not allow the create of TicketNotes/,
      );
      tenant.sandbox.clearDeniedRights();
      // An API-only resource is never impersonated: refused before anything is sent.
      const botFrom = tenant.sandbox.log.length;
      const botError = await callError(await connect(bot.token), "add_ticket_note", {
        ticketID: ticketId,
        description: NOTE_TEXT,
      });
      assert.match(botError, /API-only user \(licenseType 7\)/);
      assert.deepEqual(writesSince(tenant.sandbox.log, botFrom), []);

      // Expired, wrong-audience and wrongly signed tokens: 401 naming the metadata.
      const now = Math.floor(Date.now() / 1000);
      const base = { iss: issuer.issuer, sub: ALEX.login, aud: resource, scope: "autotask.read" };
      const otherKey = (await generateKeyPair("RS256")).privateKey;
      const wrongAudience = await issuer.signIn(ALEX.login, {
        scope: "autotask.read",
        resource: "http://127.0.0.1:9/other-mcp",
      });
      const bad: Record<string, string> = {
        expired: await issuer.mint({ ...base, iat: now - 7200, exp: now - 3600 }),
        "wrong audience": wrongAudience,
        "wrongly signed": await new SignJWT({ ...base, iat: now, exp: now + 600 })
          .setProtectedHeader({ alg: "RS256", kid: "test-key-1" }).sign(otherKey),
        missing: "",
      };
      secrets.push(bad.expired, wrongAudience, bad["wrongly signed"]);
      for (const [what, token] of Object.entries(bad)) {
        const response = await fetch(`${origin}/mcp`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
        });
        await response.body?.cancel();
        assert.equal(response.status, 401, what);
        assert.match(
          response.headers.get("www-authenticate") ?? "",
          new RegExp(`resource_metadata="${origin}/\\.well-known/oauth-protected-resource/mcp"`),
          what,
        );
      }

      // The operator sees per-user counts at /health; nobody else does.
      const open = await (await fetch(`${origin}/health`)).json();
      assert.equal(open.users, undefined);
      const asUser = await (await fetch(`${origin}/health`, {
        headers: { authorization: `Bearer ${sam.token}` },
      })).json();
      assert.equal(asUser.users, undefined);
      const health = await (await fetch(`${origin}/health`, {
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      })).json();
      const users = health.users as Record<string, Rec>;
      assert.equal(users["alex.morgan@northwind-it.example"].writes, 2);
      assert.equal(users["priya.nair@northwind-it.example"].writes, 2);
      assert.equal(users["priya.nair@northwind-it.example"].failedWrites, 1);
      assert.equal(users["priya.nair@northwind-it.example"].failedCalls, 2);
      assert.equal(users["sam@msp.example"].writes, 2);
      passed = true;
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      const { stderr } = await server.stop();
      await issuer.close();
      await tenant.close();
      // Only after the checks above passed: a failure there must not be masked here.
      if (passed) {
        // The audit log: one JSON line per write, who, as which resource, what, which record.
        const audit = stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
        const alexLines = audit.filter((a) => a.user === "alex.morgan@northwind-it.example");
        assert.deepEqual(
          alexLines.map((a) => [a.tool, a.entity, a.operation, a.resourceId, a.outcome]),
          [
            ["add_ticket_note", "TicketNotes", "create", ALEX.id, "ok"],
            ["create_time_entry", "TimeEntries", "create", ALEX.id, "ok"],
          ],
        );
        assert.ok(alexLines.every((a) => typeof a.recordId === "number" && /Z$/.test(a.time)));
        assert.ok(
          audit.some((a) => a.user === "priya.nair@northwind-it.example" && a.outcome === "failed"),
        );
        // No token, secret or field value in any line the server wrote.
        for (
          const secret of [
            ...secrets,
            OPERATOR_TOKEN,
            SANDBOX_CREDENTIALS.secret,
            SANDBOX_CREDENTIALS.integrationCode,
            NOTE_TEXT,
            SUMMARY_TEXT,
          ]
        ) {
          assert.ok(!stderr.includes(secret), `the log holds ${secret.slice(0, 12)}...`);
        }
        assert.match(stderr, /user=alex\.morgan@northwind-it\.example rpc=tools\/call/);
      }
    }
  },
});

Deno.test({
  name: "team server: without the network permission for the issuer, the server refuses to start",
  async fn() {
    const issuer = await startIssuer();
    try {
      const port = freePort();
      const issuerHost = new URL(issuer.issuer).host;
      // The binaries' set: Autotask and the listen address, not the issuer.
      const flags = (await productionFlags()).map((flag) =>
        flag.startsWith("--allow-net=") ? `${flag},127.0.0.1:${port}` : flag
      );
      const out = await runToExit(flags, {
        PORT: String(port),
        MCP_OAUTH_ISSUER: issuer.issuer,
        MCP_RESOURCE_URL: `http://127.0.0.1:${port}/mcp`,
      }, ["--sandbox", "--http"]);
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, new RegExp(`needs network access to ${issuerHost}`));
      assert.match(
        out.stderr,
        new RegExp(`--allow-net=\\*\\.autotask\\.net:443,127\\.0\\.0\\.1:8050,${issuerHost}`),
      );
      assert.doesNotMatch(out.stderr, /serving MCP/);
    } finally {
      await issuer.close();
    }
  },
});
