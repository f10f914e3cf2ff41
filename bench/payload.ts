/** 4. Bytes returned per typical call against the raw Autotask records of the same data. */

import type { ServedSandbox } from "../lib/sandbox/mod.ts";
import { type Row, type SectionResult, valueRow } from "./report.ts";
import { type ServerProcess, startServer, type ToolResult } from "./server_process.ts";
import { bytes, fmt } from "./stats.ts";
import { rawHeaders, serverEnv, serverFlags } from "./tenant.ts";

type Rec = Record<string, unknown>;

const encoder = new TextEncoder();

function size(value: unknown): number {
  return encoder.encode(typeof value === "string" ? value : JSON.stringify(value)).length;
}

async function rawQuery(
  tenant: ServedSandbox,
  entity: string,
  body: Record<string, unknown>,
): Promise<Rec[]> {
  const response = await fetch(`${tenant.restBase}V1.0/${entity}/query`, {
    method: "POST",
    headers: rawHeaders(),
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`Raw ${entity} query answered ${response.status}`);
  return (await response.json()).items as Rec[];
}

/** Text the model reads, the whole JSON-RPC answer, and the warm-cache result. */
async function warmResult(
  server: ServerProcess,
  name: string,
  args: Record<string, unknown>,
): Promise<{ result: ToolResult; text: number; wire: number }> {
  await server.callOk(name, args); // fills the caches; the measured answer is the warm one
  const { result, bytes: wire } = await server.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content[0]?.text}`);
  return { result, text: size(result.content[0]?.text ?? ""), wire };
}

function row(measure: string, text: number, wire: number, raw: number, what: string): Row {
  return valueRow(4, measure, {
    value: bytes(text),
    notes: `text block (≈${fmt(text / 4)} tokens) vs ${bytes(raw)} of raw ${what}: ratio ${
      (text / raw).toFixed(2)
    }; JSON-RPC answer ${bytes(wire)} (the same JSON again as structuredContent)`,
  });
}

/** search_tickets for 25 tickets, and get_ticket with its notes. */
export async function payloadSize(tenant: ServedSandbox): Promise<SectionResult> {
  const server = await startServer({ flags: await serverFlags(), env: serverEnv(tenant) });
  try {
    const search = await warmResult(server, "search_tickets", { limit: 25 });
    const rawTickets = await rawQuery(tenant, "Tickets", {
      filter: [{ op: "gte", field: "id", value: 0 }],
      MaxRecords: 25,
    });
    const shown = (search.result.structuredContent?.items as Rec[]).map((i) => i.id);
    if (JSON.stringify(shown) !== JSON.stringify(rawTickets.map((t) => t.id))) {
      throw new Error("search_tickets and the raw query returned different tickets");
    }

    const notesPerTicket = new Map<number, number>();
    for (const note of tenant.sandbox.records("TicketNotes")) {
      const id = note.ticketID as number;
      notesPerTicket.set(id, (notesPerTicket.get(id) ?? 0) + 1);
    }
    const [ticketId, noteCount] = [...notesPerTicket].sort((a, b) => b[1] - a[1])[0];
    const get = await warmResult(server, "get_ticket", { id: ticketId, include: ["notes"] });
    const notes = (get.result.structuredContent?.notes as Rec[]).map((n) => n.id);
    const rawNotes = (await rawQuery(tenant, "TicketNotes", {
      filter: [{ op: "eq", field: "ticketID", value: ticketId }],
    })).filter((n) => notes.includes(n.id));
    const rawTicket = (await rawQuery(tenant, "Tickets", {
      filter: [{ op: "eq", field: "id", value: ticketId }],
    }))[0];

    return {
      rows: [
        row(
          "`search_tickets`, 25 tickets (`limit: 25`)",
          search.text,
          search.wire,
          size(rawTickets),
          "ticket records",
        ),
        row(
          `\`get_ticket\` with \`include: ["notes"]\` (a ticket with ${noteCount} notes)`,
          get.text,
          get.wire,
          size(rawTicket) + size(rawNotes),
          `ticket + ${rawNotes.length} note records`,
        ),
      ],
    };
  } finally {
    await server.close();
  }
}
