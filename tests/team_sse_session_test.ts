/** End to end, TRANSPORT=sse on a team server: a legacy session belongs to the user who opened it. */

import assert from "node:assert/strict";
import { McpServer } from "@modelcontextprotocol/server";
import { LegacySseEndpoints } from "../lib/http/sse.ts";
import { authInfoFor, type Identity } from "../lib/mcp/caller.ts";
import { writesIn } from "./bulk_fixtures.ts";
import { callOk, startTenant, tenantEnv } from "./harness.ts";
import { ALEX, connectHttp, SAM, startTeamServer } from "./http_harness.ts";

type Rec = Record<string, unknown>;

/** A `GET /sse` stream read raw: its endpoint, and the JSON-RPC messages it delivers by id. */
async function openStream(origin: string, token: string) {
  const response = await fetch(`${origin}/sse`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const messages: Rec[] = [];
  const waiting = new Map<unknown, (message: Rec) => void>();
  const endpoint = Promise.withResolvers<string>();
  const pump = (async () => {
    while (true) {
      const { value, done } = await reader.read().catch(() => ({ value: "", done: true }));
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (\w+)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event === "endpoint" && data) endpoint.resolve(data);
        if (event === "message" && data) {
          const message = JSON.parse(data) as Rec;
          messages.push(message);
          waiting.get(message.id)?.(message);
        }
      }
    }
  })();
  return {
    endpoint: await endpoint.promise,
    messages,
    /** The message answering request `id` (waits for it). */
    answer(id: number): Promise<Rec> {
      const seen = messages.find((m) => m.id === id);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiting.set(id, resolve));
    },
    async close(): Promise<void> {
      await reader.cancel().catch(() => {});
      await pump;
    },
  };
}

/** POSTs one JSON-RPC message to `path` as the holder of `token`: the status and the body. */
async function post(
  origin: string,
  path: string,
  options: { token: string; message: Rec },
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${options.token}` },
    body: JSON.stringify({ jsonrpc: "2.0", ...options.message }),
  });
  return { status: response.status, body: await response.text() };
}

Deno.test({
  name: "TRANSPORT=sse, team server: another user's post to a session is refused as an unknown " +
    "session and runs nothing; the owner's posts work",
  async fn() {
    const tenant = await startTenant();
    const { sandbox } = tenant;
    const { server, tokens } = await startTeamServer({
      ...tenantEnv(tenant),
      TRANSPORT: "sse",
    }, { args: [] });
    const stream = await openStream(server.origin, tokens.alice);
    try {
      const { origin } = server;
      const ticketId = sandbox.records("Tickets")[0].id as number;
      assert.match(stream.endpoint, /^\/messages\?sessionId=[0-9a-f-]{36}$/);
      // Alice sets her session up.
      const asAlice = (message: Rec) =>
        post(origin, stream.endpoint, { token: tokens.alice, message });
      const init = await asAlice({
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2024-11-05",
          capabilities: {},
          clientInfo: { name: "alice", version: "0" },
        },
      });
      assert.equal(init.status, 202, init.body);
      assert.ok(((await stream.answer(1)).result as Rec).serverInfo);
      assert.equal((await asAlice({ method: "notifications/initialized" })).status, 202);

      // Bob, signed in with his own valid token, learns Alice's session id and posts to it.
      const from = sandbox.log.length;
      const attack = (id: number) => ({
        id,
        method: "tools/call",
        params: {
          name: "add_ticket_note",
          arguments: {
            ticketID: ticketId,
            description: `posted by Bob into Alice's session ${id}`,
          },
        },
      });
      const asBob = await post(origin, stream.endpoint, { token: tokens.bob, message: attack(2) });
      const unknown = await post(
        origin,
        "/messages?sessionId=00000000-0000-0000-0000-000000000000",
        {
          token: tokens.bob,
          message: attack(3),
        },
      );
      assert.equal(asBob.status, 404, asBob.body);
      const error = JSON.parse(asBob.body);
      assert.equal(error.jsonrpc, "2.0");
      assert.equal(typeof error.error?.code, "number");
      assert.match(error.error.message, /Unknown or closed session/);
      // Answered exactly like a session that does not exist: nothing about Alice's is revealed.
      assert.deepEqual({ ...unknown, body: JSON.parse(unknown.body) }, {
        status: 404,
        body: error,
      });
      // Nothing ran: no write at the tenant, nothing answered on Alice's stream.
      const seenByAlice = stream.messages.length;
      const own = await asAlice({ id: 4, method: "tools/list", params: {} });
      assert.equal(own.status, 202, "Alice's session still works");
      assert.ok(((await stream.answer(4)).result as Rec).tools);
      assert.deepEqual(
        stream.messages.slice(seenByAlice).map((m) => m.id),
        [4],
        "Bob's request never reached the session",
      );
      assert.deepEqual(writesIn(sandbox.log.slice(from)), [], "Bob's post wrote nothing");

      // Alice's own tool call on her session runs, as her.
      const note = await asAlice({
        id: 5,
        method: "tools/call",
        params: {
          name: "add_ticket_note",
          arguments: { ticketID: ticketId, description: "posted by Alice" },
        },
      });
      assert.equal(note.status, 202, note.body);
      const result = (await stream.answer(5)).result as Rec;
      assert.notEqual(result.isError, true, JSON.stringify(result));
      const writes = writesIn(sandbox.log.slice(from));
      assert.deepEqual(
        writes.map((w) => [w.method, (w.body as Rec).description, w.impersonationResourceId]),
        [["POST", "posted by Alice", ALEX]],
      );

      // Bob's own session (the official legacy SSE client) works as him.
      const bob = await connectHttp(origin, { token: tokens.bob, legacySse: true });
      try {
        const before = sandbox.log.length;
        await callOk(bob, "add_ticket_note", { ticketID: ticketId, description: "posted by Bob" });
        assert.deepEqual(
          writesIn(sandbox.log.slice(before)).map((w) => w.impersonationResourceId),
          [SAM],
        );
      } finally {
        await bob.close();
      }
    } finally {
      await stream.close();
      const { code, stderr } = await server.stop();
      await tenant.close();
      assert.equal(code, 0, stderr);
    }
  },
});

Deno.test("legacy SSE: a session opened with a wider token of a user takes no post made with a narrower one", async () => {
  const endpoints = new LegacySseEndpoints(
    () => new McpServer({ name: "sse-owner-test", version: "0" }),
    { maxBodyBytes: 64 * 1024, bodyTimeoutMs: 5_000, keepAliveMs: 0 },
  );
  const alex: Identity = {
    user: "alex@msp.example",
    kind: "oauth",
    impersonate: true,
    email: "alex@msp.example",
    scopes: ["autotask.read", "autotask.write"],
    readOnly: false,
  };
  const opened = await endpoints.open("127.0.0.1", authInfoFor(alex));
  const reader = opened.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const first = (await reader.read()).value ?? "";
    const path = /data: (\/messages\?sessionId=[0-9a-f-]{36})/.exec(first)?.[1];
    assert.ok(path, first);
    const post = async (identity: Identity) => {
      const response = await endpoints.post(
        new Request(`http://127.0.0.1${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
        }),
        "127.0.0.1",
        { note: {}, authInfo: authInfoFor(identity) },
      );
      await response.body?.cancel();
      return response.status;
    };
    // The same person with a read-only token (or one narrowed to a toolset): not their session.
    assert.equal(await post({ ...alex, scopes: ["autotask.read"], readOnly: true }), 404);
    assert.equal(await post({ ...alex, toolsets: ["tickets"] }), 404);
    assert.equal(await post({ ...alex, user: "priya@msp.example" }), 404);
    // The token it was opened with (or a refreshed one with the same scopes) posts.
    assert.equal(await post({ ...alex }), 202);
  } finally {
    await reader.cancel().catch(() => {});
    await endpoints.closeAll();
  }
});
