/** End to end over HTTP: concurrent requests of different users share the server's tool registration but never an identity, a policy or a cancellation. */

import assert from "node:assert/strict";
import { newToken, userEntryFor } from "../lib/http/auth_tokens.ts";
import type { Client } from "./deps.ts";
import { callOk, productionFlagsPlusLoopback, startTenant, tenantEnv } from "./harness.ts";
import { connectHttp, startHttpServer } from "./http_harness.ts";

/** Seeded resources of the simulated tenant. */
const ALEX = 29682886;
const PRIYA = 29682887;
const SAM = 29682889;
/** Calls in flight per user at once. */
const PARALLEL = 6;
/** What `toolsets=tickets` lists (core always). */
const TICKETS_TOOLS = [
  "add_ticket_note",
  "create_ticket",
  "describe_entity",
  "get_ticket",
  "list_field_values",
  "search_tickets",
  "update_ticket",
];

function text(result: { content?: unknown }): string {
  return ((result.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("\n");
}

Deno.test({
  name: "HTTP: concurrent calls of several users each run under their own identity and policy; " +
    "a cancelled call cancels no other",
  async fn() {
    // Every tenant request holds its thread for a while, so the users' calls overlap.
    const tenant = await startTenant({ latencyMs: 40 });
    const tokens = { alex: newToken(), sam: newToken(), priya: newToken(), reader: newToken() };
    const server = await startHttpServer({
      env: {
        ...tenantEnv(tenant),
        MCP_RATE_LIMIT: "0",
        // Alex and Sam share a policy (and so one registration of the tools), each acting as
        // their own resource; Priya is narrowed to the tickets toolset; the reader writes nothing.
        MCP_USERS: [
          `${await userEntryFor("alex@msp.example", tokens.alex)} resource=${ALEX}`,
          `${await userEntryFor("sam@msp.example", tokens.sam)} resource=${SAM}`,
          `${await userEntryFor("priya@msp.example", tokens.priya)} resource=${PRIYA} ` +
          "toolsets=tickets",
          `${await userEntryFor("reader@msp.example", tokens.reader)} read-only`,
        ].join("; "),
      },
      flags: await productionFlagsPlusLoopback(),
    });
    const clients: Client[] = [];
    try {
      // Two protocol eras: the modern one writes the caller into each request's server.
      const alex = await connectHttp(server.origin, { token: tokens.alex, era: "modern" });
      const sam = await connectHttp(server.origin, { token: tokens.sam, era: "legacy" });
      const priya = await connectHttp(server.origin, { token: tokens.priya, era: "legacy" });
      const reader = await connectHttp(server.origin, { token: tokens.reader, era: "modern" });
      clients.push(alex, sam, priya, reader);
      const ticketId = tenant.sandbox.records("Tickets")[0].id as number;
      const allTools = (await alex.listTools()).tools.map((t) => t.name);
      assert.ok(allTools.includes("create_time_entry"), `Alex sees the default tools: ${allTools}`);

      // All at once: notes by Alex, Sam and Priya, tool lists, refused writes by the reader.
      const from = tenant.sandbox.log.length;
      const note = (client: Client, who: string, i: number) =>
        callOk(client, "add_ticket_note", {
          ticketID: ticketId,
          description: `isolation ${who} ${i}`,
        });
      const work = await Promise.all([
        ...Array.from({ length: PARALLEL }, (_, i) => note(alex, "alex", i)),
        ...Array.from({ length: PARALLEL }, (_, i) => note(priya, "priya", i)),
        ...Array.from({ length: PARALLEL }, (_, i) => note(sam, "sam", i)),
        ...Array.from({ length: PARALLEL }, async () => (await alex.listTools()).tools),
        ...Array.from({ length: PARALLEL }, async () => (await priya.listTools()).tools),
        ...Array.from({ length: PARALLEL }, async () => (await reader.listTools()).tools),
        ...Array.from({ length: PARALLEL }, (_, i) =>
          reader.callTool({
            name: "add_ticket_note",
            arguments: { ticketID: ticketId, description: `isolation reader ${i}` },
          }).catch((error: Error) => ({ isError: true, content: [{ text: error.message }] }))),
      ]);

      // Each note carries its author's impersonation header and nobody else's.
      const notes = tenant.sandbox.log.slice(from).filter((e) =>
        e.method === "POST" && /\/Tickets\/\d+\/Notes$/.test(e.path)
      );
      const authors = notes.map((e) => {
        const description = String((e.body as { description?: unknown }).description);
        return [/isolation (\w+)/.exec(description)?.[1], e.impersonationResourceId];
      }).sort();
      assert.deepEqual(authors, [
        ...Array(PARALLEL).fill(["alex", ALEX]),
        ...Array(PARALLEL).fill(["priya", PRIYA]),
        ...Array(PARALLEL).fill(["sam", SAM]),
      ]);

      // Each tool list is its caller's policy, whoever listed at the same moment.
      const lists = work.slice(3 * PARALLEL, 6 * PARALLEL) as { name: string }[][];
      const names = (tools: { name: string }[]) => tools.map((t) => t.name).sort();
      for (const tools of lists.slice(0, PARALLEL)) {
        assert.deepEqual(tools.map((t) => t.name), allTools, "Alex: every tool");
      }
      for (const tools of lists.slice(PARALLEL, 2 * PARALLEL)) {
        assert.deepEqual(names(tools), TICKETS_TOOLS, "Priya: the tickets toolset");
      }
      for (const tools of lists.slice(2 * PARALLEL)) {
        const writers = tools.filter((t) =>
          (t as { annotations?: { readOnlyHint?: boolean } }).annotations?.readOnlyHint !== true
        );
        assert.deepEqual(writers.map((t) => t.name), [], "the reader: no write tool");
        assert.ok(tools.length > 10);
      }
      for (
        const refused of work.slice(6 * PARALLEL) as { isError?: boolean; content?: unknown }[]
      ) {
        // Not on the reader's server at all (or refused at dispatch if it were).
        assert.equal(refused.isError, true, "the reader's write is refused");
        assert.match(text(refused), /add_ticket_note (not found|changes Autotask data)/);
      }

      // Priya's policy still refuses a tool outside her toolsets, after Alex ran it.
      const outside = await priya.callTool({
        name: "create_time_entry",
        arguments: { resourceID: PRIYA, ticketID: ticketId, hoursWorked: 0.5, summaryNotes: "x" },
      }).catch((error: Error) => ({ isError: true, content: [{ text: error.message }] }));
      assert.equal(outside.isError, true, text(outside));

      // Alex abandons a call (the connection of its POST closes, which aborts it in the server)
      // while Sam's (same policy) and Priya's run alongside: theirs finish. Each user's resource
      // is resolved first, so the abort lands in the Autotask request of the tool itself.
      for (const client of [alex, sam, priya]) await callOk(client, "get_ticket", { id: ticketId });
      const abort = new AbortController();
      const cancelled = fetch(`${server.origin}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-11-25",
          authorization: `Bearer ${tokens.alex}`,
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "search_tickets", arguments: { limit: 5 } },
        }),
        signal: abort.signal,
      }).then((response) => response.text());
      const alongside = [sam, priya].map((client) =>
        callOk(client, "search_tickets", { limit: 5 })
      );
      await new Promise((resolve) => setTimeout(resolve, 15));
      abort.abort();
      await assert.rejects(cancelled);
      for (const survived of await Promise.all(alongside)) {
        assert.ok(Array.isArray(survived.items) && survived.items.length > 0, "an answer");
      }
      // And Alex's next call runs normally.
      await callOk(alex, "get_ticket", { id: ticketId });
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      const { code, stderr } = await server.stop();
      await tenant.close();
      assert.equal(code, 0, stderr);
    }
  },
});
