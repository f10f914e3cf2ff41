/**
 * add_ticket_attachment and Autotask's attachment limits: a file over the
 * per-file limit and an upload that would pass the 10,000,000 bytes per 5
 * minutes allowance are refused before anything is sent, with when to try
 * again; Autotask's own refusal for the allowance is reported as such and
 * holds further uploads. The server runs with a fixed clock (the factory's
 * `now`), the tenant over HTTP on the same clock, the official MCP client
 * in front.
 */

import assert from "node:assert/strict";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { createServerFactory } from "../lib/mcp/server.ts";
import type { RequestLogEntry } from "../lib/sandbox/mod.ts";
import { allTools, kit } from "../tools/mod.ts";
import { ATTACHMENT_WINDOW_BYTES, MAX_UPLOAD_BYTES } from "../tools/attachments.ts";
import { Client } from "./deps.ts";
import { startTenant, tenantClient } from "./harness.ts";

const MINUTE = 60_000;

/** Base64 of `bytes` zero bytes ("A" is six zero bits). */
function zeros(bytes: number): string {
  const groups = Math.floor(bytes / 3);
  const rest = bytes % 3;
  return "A".repeat(groups * 4) + (rest === 0 ? "" : rest === 1 ? "AA==" : "AAA=");
}

function text(result: { content?: unknown }): string {
  return ((result.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("\n");
}

/** Attachment creates the tenant received since `from`. */
function uploads(log: RequestLogEntry[], from: number): number {
  return log.slice(from).filter((e) => e.method === "POST" && /\/Attachments$/.test(e.path))
    .length;
}

Deno.test({
  name: "attachments: per-file limit and the 5-minute allowance, refused locally with a time",
  async fn(t) {
    let clock = Date.parse("2026-11-24T14:27:00Z");
    const tenant = await startTenant({ now: () => new Date(clock) });
    const sandbox = tenant.sandbox;
    const factory = createServerFactory({
      kit,
      client: tenantClient(tenant),
      tools: allTools(),
      redact: (value) => value,
      log: () => {},
      now: () => clock,
    });
    const server = factory();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "attachment-limits", version: "0" });
    await client.connect(clientSide);
    const ticket = sandbox.records("Tickets")[5];
    const attach = (bytes: number, ticketID = ticket.id) =>
      client.callTool({
        name: "add_ticket_attachment",
        arguments: { ticketID, title: `capture-${bytes}.bin`, data: zeros(bytes) },
      });
    try {
      assert.equal(MAX_UPLOAD_BYTES, 6_000_000);
      assert.equal(ATTACHMENT_WINDOW_BYTES, 10_000_000);

      await t.step("a file over 6,000,000 bytes is refused before anything is sent", async () => {
        const from = sandbox.log.length;
        const over = await attach(6_000_001);
        assert.ok(over.isError);
        assert.match(text(over), /6,000,001 bytes.*up to 5\.7 MiB \(6,000,000 bytes\)/);
        assert.equal(sandbox.log.length, from, "no request at all");
      });

      await t.step("uploads that would pass 10,000,000 bytes in 5 minutes wait", async () => {
        const from = sandbox.log.length;
        assert.ok(!(await attach(4_000_000)).isError); // 14:27
        clock += MINUTE;
        assert.ok(!(await attach(4_000_000)).isError); // 14:28
        clock += MINUTE; // 14:29: 8,000,000 sent; 3,000,000 more would pass the allowance
        const before = sandbox.log.length;
        const waiting = await attach(3_000_000);
        assert.ok(waiting.isError);
        assert.match(
          text(waiting),
          /this server sent 8,000,000 bytes of attachments in the last 5 minutes.*10,000,000 bytes per 5 minutes\. Try again after 14:32 UTC \(in about 3 min\)/,
        );
        assert.equal(sandbox.log.length, before, "refused without a request");
        // What still fits goes now.
        assert.ok(!(await attach(2_000_000)).isError);
        // 10,000,000 sent: the next byte waits for the first upload to leave the window.
        const full = await attach(1);
        assert.match(text(full), /Try again after 14:32 UTC \(in about 3 min\)/);
        // Half a minute later than needed, whatever side of 14:32:00 the tenant counts.
        clock = Date.parse("2026-11-24T14:32:30Z");
        const later = await attach(3_000_000);
        assert.ok(!later.isError, text(later));
        assert.equal(uploads(sandbox.log, from), 4);
      });

      await t.step("an upload that fails before sending does not count", async () => {
        clock += 10 * MINUTE;
        assert.ok(!(await attach(4_500_000)).isError);
        const missing = await attach(4_500_000, 999_999);
        assert.match(text(missing), /Ticket 999999 was not found/);
        const next = await attach(4_500_000);
        assert.ok(!next.isError, `the window still has room: ${text(next)}`);
      });

      await t.step("Autotask's refusal for the allowance holds uploads for 5 minutes", async () => {
        clock = Date.parse("2026-11-24T15:00:00Z");
        sandbox.inject({
          match: { method: "POST", pathIncludes: "/Attachments" },
          kind: "status",
          status: 500,
          body: {
            errors: [
              "Attachment creation is unavailable: this database has exceeded 10,000,000 bytes of attachments within 5 minutes.",
            ],
          },
        });
        const from = sandbox.log.length;
        const refused = await attach(100);
        assert.ok(refused.isError);
        assert.match(
          text(refused),
          /Autotask refused the attachment \(nothing was attached\): its allowance of 10,000,000 bytes of attachments per 5 minutes .* used up/,
        );
        assert.match(text(refused), /Autotask said: Attachment creation is unavailable/);
        assert.match(text(refused), /Try again after 15:05 UTC \(in about 5 min\)/);
        clock += 2 * MINUTE;
        const held = await attach(100);
        assert.match(
          text(held),
          /Autotask refused an attachment .* Try again after 15:05 UTC \(in about 3 min\)/,
        );
        assert.equal(uploads(sandbox.log, from), 1, "the held upload was not sent");
        clock = Date.parse("2026-11-24T15:05:00Z");
        assert.ok(!(await attach(100)).isError);
        assert.equal(uploads(sandbox.log, from), 2);
      });
    } finally {
      await client.close();
      await server.close();
      await tenant.close();
    }
  },
});
