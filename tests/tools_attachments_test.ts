/** Ticket attachment tools (metadata, download within the cap, upload), in process against the tenant over HTTP. */

import assert from "node:assert/strict";
import type { RequestLogEntry } from "../lib/sandbox/mod.ts";
import { callError, callOk, startTenant } from "./harness.ts";
import { type InProcessSession, withSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

function writes(log: RequestLogEntry[], from: number): RequestLogEntry[] {
  return log.slice(from).filter((e) => e.method !== "GET" && !/\/query(\/|$)/.test(e.path));
}

function path(entry: RequestLogEntry): string {
  return entry.path.replace(/^\/ATServicesRest\/V1\.0\//i, "");
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Deterministic bytes that are not text. */
function binary(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7919 + 13) % 256);
}

/** A fresh tenant and in-process session per test, so one failure does not cascade. */
function setup(session: InProcessSession) {
  const { client } = session;
  const sandbox = session.sandbox;
  const mark = () => sandbox.log.length;
  const attachments = sandbox.records("TicketAttachments");
  const textFile = attachments.find((a) => a.contentType === "text/plain")!;
  const png = attachments.find((a) => a.contentType === "image/png")!;
  const ticket = sandbox.records("Tickets").find((x) =>
    !attachments.some((a) => a.parentID === x.id)
  )!;
  return { client, sandbox, mark, attachments, textFile, png, ticket };
}

/** One test against its own tenant, with what {@linkcode setup} prepares. */
function test(
  name: string,
  fn: (context: ReturnType<typeof setup>, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test(
    `attachment tools: ${name}`,
    (t) =>
      withSession(
        { env: { AUTOTASK_TOOLSETS: "attachments" } },
        (session) => fn(setup(session), t),
      ),
  );
}

test("list_ticket_attachments: metadata with labels, never the content", async ({ client, sandbox, mark, attachments, textFile, ticket }) => {
  const ticketID = textFile.parentID as number;
  const from = mark();
  const out = await callOk(client, "list_ticket_attachments", { ticketID });
  const items = out.items as Rec[];
  assert.deepEqual(
    items.map((a) => a.id),
    attachments.filter((a) => a.parentID === ticketID).map((a) => a.id),
  );
  const item = items.find((a) => a.id === textFile.id)!;
  assert.equal(item.title, textFile.title);
  assert.equal(item.fullPath, textFile.fullPath);
  assert.equal(item.fileSize, textFile.fileSize);
  assert.equal(item.contentType, "text/plain");
  assert.match(String(item.publishLabel), /All Autotask Users|Internal Project Team/);
  assert.ok(item.attachedByResourceName, "who attached it comes by name");
  assert.ok(!("data" in item));
  assert.deepEqual(out.untrustedFields, ["title", "fullPath"]);
  const queries = sandbox.log.slice(from).filter((e) => /TicketAttachments\/query/.test(e.path));
  assert.ok(queries.length > 0);
  for (const q of queries) {
    assert.ok(!((q.body as Rec).IncludeFields as string[]).includes("data"));
  }
  const empty = await callOk(client, "list_ticket_attachments", { ticketID: ticket.id });
  assert.deepEqual(empty.items, []);
  assert.match(
    await callError(client, "list_ticket_attachments", { ticketID: 999_999 }),
    /Ticket 999999 was not found/,
  );
});

test("get_ticket_attachment: metadata by id; missing -> not found", async ({ client, png }) => {
  const out = await callOk(client, "get_ticket_attachment", { id: png.id });
  const item = out.item as Rec;
  assert.equal(item.id, png.id);
  assert.equal(item.parentID, png.parentID);
  assert.equal(item.contentType, "image/png");
  assert.ok(!("data" in item));
  assert.match(
    await callError(client, "get_ticket_attachment", { id: 999_999 }),
    /Attachment 999999 was not found/,
  );
});

test("download_ticket_attachment: text as text, images as base64", async ({ client, textFile, png }) => {
  const text = await callOk(client, "download_ticket_attachment", { id: textFile.id });
  assert.equal(text.encoding, "text");
  assert.equal(
    text.text,
    new TextDecoder().decode(
      Uint8Array.from(atob(textFile.data as string), (c) => c.charCodeAt(0)),
    ),
  );
  assert.equal(text.size, textFile.fileSize);
  assert.equal(text.ticketID, textFile.parentID);
  assert.ok((text.untrustedFields as string[]).includes("text"));

  const image = await callOk(client, "download_ticket_attachment", { id: png.id });
  assert.equal(image.encoding, "base64");
  assert.equal(image.data, png.data);
  assert.equal(image.contentType, "image/png");
  assert.match(
    await callError(client, "download_ticket_attachment", { id: 999_999 }),
    /Attachment 999999 was not found/,
  );
});

test("add_ticket_attachment: Tickets/{id}/Attachments, internal by default", async ({ client, sandbox, mark, png, ticket }) => {
  const content = "Event log excerpt\nDisk C: 97% full\n";
  const from = mark();
  const out = await callOk(client, "add_ticket_attachment", {
    ticketID: ticket.id,
    title: "Event log",
    fileName: "eventlog.txt",
    data: btoa(content),
  });
  const sent = writes(sandbox.log, from);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].method, "POST");
  assert.equal(path(sent[0]), `Tickets/${ticket.id}/Attachments`);
  const created = sandbox.record("TicketAttachments", out.id as number)!;
  // The tenant's default publish for attachments is 1 (All Autotask Users): not used.
  assert.equal(created.publish, 2);
  assert.equal(created.parentID, ticket.id);
  assert.equal(created.attachmentType, "FILE_ATTACHMENT");
  assert.equal(created.fullPath, "eventlog.txt");
  assert.equal(created.contentType, "text/plain");
  assert.equal(created.title, "Event log");
  assert.equal(created.fileSize, content.length);
  const item = out.item as Rec;
  assert.equal(item.publishLabel, "Internal Project Team");
  assert.equal(item.size, content.length);
  assert.ok(!("data" in item), "the content is not echoed");

  const back = await callOk(client, "download_ticket_attachment", { id: out.id });
  assert.equal(back.text, content);

  // A data: URL is accepted and names the type; publish 1 only when asked.
  const shared = await callOk(client, "add_ticket_attachment", {
    ticketID: ticket.id,
    title: "screenshot",
    data: `data:image/png;base64,${png.data}`,
    publish: "All Autotask Users",
  });
  const sharedRecord = sandbox.record("TicketAttachments", shared.id as number)!;
  assert.equal(sharedRecord.contentType, "image/png");
  assert.equal(sharedRecord.publish, 1);
  assert.equal(sharedRecord.data, png.data);
});

test("add_ticket_attachment: bad base64, over the cap, missing ticket", async ({ client, sandbox, mark, ticket }) => {
  const from = mark();
  assert.match(
    await callError(client, "add_ticket_attachment", {
      ticketID: ticket.id,
      title: "x.bin",
      data: "this is not base64!",
    }),
    /data is not valid base64/,
  );
  // 2,000,000 groups of 3 bytes, then 1 more: one byte over Autotask's per-file limit.
  const tooBig = await callError(client, "add_ticket_attachment", {
    ticketID: ticket.id,
    title: "huge.bin",
    data: "A".repeat(8_000_000) + "AA==",
  });
  assert.match(
    tooBig,
    /The file is 5\.7 MiB \(6,000,001 bytes\).*up to 5\.7 MiB \(6,000,000 bytes\)/,
  );
  assert.match(
    await callError(client, "add_ticket_attachment", {
      ticketID: 999_999,
      title: "x.txt",
      data: btoa("x"),
    }),
    /Ticket 999999 was not found/,
  );
  assert.equal(writes(sandbox.log, from).length, 0, "nothing was sent");
  // Exactly at the limit goes through: 2,000,000 groups of 3 bytes.
  const atCap = await callOk(client, "add_ticket_attachment", {
    ticketID: ticket.id,
    title: "at-cap.bin",
    data: "A".repeat(8_000_000),
  });
  assert.equal(sandbox.record("TicketAttachments", atCap.id as number)!.fileSize, 6_000_000);
});

// The same file through two servers over one tenant: the default result cap refuses it, a larger
// one lets it through.
Deno.test("attachment tools: over the result cap a clear error; a larger cap downloads it", async (t) => {
  const tenant = await startTenant();
  try {
    let bigId = 0;
    await withSession({ tenant, env: { AUTOTASK_TOOLSETS: "attachments" } }, async (session) => {
      const { client, sandbox, mark, ticket } = setup(session);
      await t.step("download over the result cap: a clear error before the download", async () => {
        const added = await callOk(client, "add_ticket_attachment", {
          ticketID: ticket.id,
          title: "capture.pcap",
          data: base64(binary(60 * 1024)),
        });
        bigId = added.id as number;
        const from = mark();
        const error = await callError(client, "download_ticket_attachment", { id: bigId });
        assert.match(error, /Attachment \d+ is 60\.0 KiB \(61,440 bytes\)/);
        assert.match(error, /up to 27\.8 KiB .*AUTOTASK_MAX_RESULT_CHARS=40000/);
        // Refused from the metadata: the content was never fetched.
        assert.ok(
          !sandbox.log.slice(from).some((e) => e.method === "GET" && e.path.includes(`/${bigId}`)),
        );
      });
    });
    await withSession({
      tenant,
      env: { AUTOTASK_TOOLSETS: "attachments", AUTOTASK_MAX_RESULT_CHARS: "400000" },
    }, async (roomy) => {
      await t.step("with AUTOTASK_MAX_RESULT_CHARS=400000 the 60 KiB file downloads", async () => {
        const out = await callOk(roomy.client, "download_ticket_attachment", { id: bigId });
        assert.equal(out.encoding, "base64");
        assert.equal(out.size, 60 * 1024);
        assert.equal(out.data, base64(binary(60 * 1024)));
      });
    });
  } finally {
    await tenant.close();
  }
});
