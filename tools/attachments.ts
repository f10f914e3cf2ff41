/** Ticket attachment tools: list and read metadata, download content within a cap, attach a file (internal by default). */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import { eq } from "../lib/autotask/query.ts";
import {
  cleanText,
  createAndReport,
  defineTool,
  getOutput,
  getRecord,
  idSchema,
  InputError,
  jsonLength,
  pagingShape,
  picklistSchema,
  readOne,
  resolvePicklists,
  type ResourceDescriptor,
  runSearch,
  searchOutput,
  shapedItem,
  type ToolContext,
  type ToolModule,
  writeOutput,
} from "../lib/mcp/mod.ts";
import { internalPublish } from "./notes.ts";

/**
 * Largest file download_ticket_attachment returns (decoded bytes). The
 * server's result cap (AUTOTASK_MAX_RESULT_CHARS) usually binds first: base64
 * takes 4 characters per 3 bytes, and a result never exceeds that cap.
 */
export const MAX_DOWNLOAD_BYTES = 1024 * 1024;
/**
 * Largest file add_ticket_attachment sends (decoded bytes): Autotask's API
 * takes "6 to 7 MB" per file, so the lower end, in decimal megabytes.
 */
export const MAX_UPLOAD_BYTES = 6_000_000;
/** Attachment bytes Autotask accepts per {@linkcode ATTACHMENT_WINDOW_MS} and database. */
export const ATTACHMENT_WINDOW_BYTES = 10_000_000;
/** The attachment window, and how long Autotask refuses attachments once it is passed. */
export const ATTACHMENT_WINDOW_MS = 5 * 60 * 1000;
/** Room in a result for everything but the content. */
const ENVELOPE_CHARS = 2_000;

/** A ticket's attachments: file names and titles of customers' files. */
export const TICKET_ATTACHMENTS = {
  entity: "TicketAttachments",
  label: "Attachment",
  toolset: "attachments",
  openWorld: true,
  // Metadata only: `data` (the content) is never part of a list or a metadata read.
  searchView: [
    "id",
    "parentID",
    "title",
    "fullPath",
    "contentType",
    "fileSize",
    "publish",
    "attachDate",
    "attachedByResourceID",
    "attachedByContactID",
    "attachmentType",
  ],
  untrusted: ["title", "fullPath"],
  system: { publish: { all: 1, internal: 2, coManaged: 4 } },
  lister: "list_ticket_attachments",
  neverDefault: ["publish"],
} satisfies ResourceDescriptor;

/** Metadata fields of an attachment read. */
const META_FIELDS = TICKET_ATTACHMENTS.searchView;

/** Content types shown as text when the bytes are valid UTF-8. */
const TEXT_TYPE =
  /^(text\/|application\/(json|xml|csv|x-ndjson|yaml|x-yaml|javascript|x-sh)\b)|\+(json|xml)\b/i;

/** Content types by file extension, for files sent without one. */
const EXTENSION_TYPES: Record<string, string> = {
  txt: "text/plain",
  log: "text/plain",
  csv: "text/csv",
  json: "application/json",
  xml: "application/xml",
  html: "text/html",
  htm: "text/html",
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  zip: "application/zip",
  eml: "message/rfc822",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** Bytes as people read them: 1536 -> "1.5 KiB (1,536 bytes)". */
function size(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const exact = `${bytes.toLocaleString("en-US")} bytes`;
  return unit === 0 ? exact : `${value.toFixed(1)} ${units[unit]} (${exact})`;
}

/** Marks the untrusted text fields present in `result` (items or item). */
function markUntrusted(result: Record<string, unknown>, records: AutotaskRecord[]): void {
  const present = TICKET_ATTACHMENTS.untrusted.filter((f) =>
    records.some((r) => typeof r[f] === "string")
  );
  if (present.length > 0) result.untrustedFields = present;
}

/** The largest file (decoded bytes) one result can carry as base64 or as text. */
function downloadCap(ctx: ToolContext, text: boolean): number {
  const room = Math.max(0, ctx.maxResultChars - ENVELOPE_CHARS);
  return Math.min(MAX_DOWNLOAD_BYTES, text ? room : Math.floor(room / 4) * 3);
}

function tooLarge(ctx: ToolContext, id: number, bytes: number, cap: number): InputError {
  return new InputError(
    `Attachment ${id} is ${size(bytes)}; download_ticket_attachment returns files up to ` +
      `${
        size(cap)
      } with this server's result cap (AUTOTASK_MAX_RESULT_CHARS=${ctx.maxResultChars}; ` +
      `never more than ${size(MAX_DOWNLOAD_BYTES)}): open it in Autotask instead`,
  );
}

/** Decoded size of clean base64 text. */
function decodedLength(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

/**
 * Accepts plain or URL-safe base64, with line breaks, or a `data:` URL;
 * returns the clean base64 and the content type a data URL names.
 */
function parseBase64(input: string): { base64: string; contentType?: string } {
  let text = input.trim();
  let contentType: string | undefined;
  const dataUrl = /^data:([^;,]*)(;[^,]*)?,/i.exec(text);
  if (dataUrl) {
    if (!/;base64/i.test(dataUrl[2] ?? "")) {
      throw new InputError("data is a data: URL without ;base64: send the file base64-encoded");
    }
    contentType = dataUrl[1] || undefined;
    text = text.slice(dataUrl[0].length);
  }
  const clean = text.replace(/\s+/g, "").replaceAll("-", "+").replaceAll("_", "/");
  const padded = clean.length % 4 === 0 ? clean : clean + "=".repeat(4 - (clean.length % 4));
  if (
    clean.length === 0 || clean.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(padded)
  ) {
    throw new InputError(
      "data is not valid base64: encode the file's bytes with base64 (A-Z, a-z, 0-9, +, /, = padding)",
    );
  }
  return { base64: padded, contentType };
}

/**
 * The attachment bytes this process sent in the last 5 minutes, and any
 * refusal Autotask gave for that window. Autotask counts every integration
 * of the database, so this only keeps the server from passing the allowance
 * itself; a refusal caused by others is learnt from Autotask's answer.
 */
export class AttachmentWindow {
  #sent: { at: number; bytes: number }[] = [];
  #blockedUntil = 0;

  /** Bytes sent within the window ending at `now`. */
  used(now: number): number {
    this.#sent = this.#sent.filter((s) => s.at + ATTACHMENT_WINDOW_MS > now);
    return this.#sent.reduce((sum, s) => sum + s.bytes, 0);
  }

  /** When `bytes` more fit in the window: `now` when they fit already. */
  availableAt(bytes: number, now: number): number {
    let used = this.used(now);
    let at = now;
    for (const sent of this.#sent) {
      if (used + bytes <= ATTACHMENT_WINDOW_BYTES) break;
      used -= sent.bytes;
      at = sent.at + ATTACHMENT_WINDOW_MS;
    }
    return Math.max(at, this.#blockedUntil);
  }

  /** True while Autotask's refusal for the window lasts. */
  blocked(now: number): boolean {
    return this.#blockedUntil > now;
  }

  /**
   * Counts an upload about to be sent (before any await, so concurrent
   * uploads see each other); `release` takes it back when Autotask did not
   * take the file.
   */
  reserve(bytes: number, now: number): { release(): void } {
    const entry = { at: now, bytes };
    this.#sent.push(entry);
    return {
      release: () => {
        this.#sent = this.#sent.filter((s) => s !== entry);
      },
    };
  }

  /** Autotask refused an attachment for the window: it takes none for 5 minutes. */
  refused(now: number): number {
    this.#blockedUntil = now + ATTACHMENT_WINDOW_MS;
    return this.#blockedUntil;
  }
}

/** One window per Autotask client, i.e. per server process in production. */
const windows = new WeakMap<object, AttachmentWindow>();

/** The attachment window of the client `ctx` talks through. */
export function attachmentWindow(ctx: Pick<ToolContext, "client">): AttachmentWindow {
  let window = windows.get(ctx.client.root);
  if (!window) {
    window = new AttachmentWindow();
    windows.set(ctx.client.root, window);
  }
  return window;
}

/** "14:32 UTC (in about 3 min)": when an upload can go, rounded up to the minute. */
function whenAgain(at: number, now: number): string {
  const minute = new Date(Math.ceil(at / 60_000) * 60_000);
  const clock = minute.toISOString().slice(11, 16);
  return `${clock} UTC (in about ${Math.max(1, Math.ceil((at - now) / 60_000))} min)`;
}

/** Autotask's refusal for the per-5-minutes attachment allowance, told by its text. */
function isWindowRefusal(error: unknown): error is AutotaskError {
  if (!(error instanceof AutotaskError)) return false;
  const text = `${error.errors.join(" ")} ${error.message}`;
  return /attachment/i.test(text) &&
    /(\b5|five)[\s-]*min|10,?000,?000|10\s?MB\s+(per|within|in)/i.test(text);
}

/** The attachments toolset. */
export const attachments: ToolModule = {
  resources: [TICKET_ATTACHMENTS],
  tools: [
    defineTool({
      name: "list_ticket_attachments",
      title: "List ticket attachments",
      description: "A ticket's attachments: title, file name, type, size and publish label " +
        "(no content; download_ticket_attachment gets it).",
      kind: "read",
      toolset: "attachments",
      openWorld: true,
      input: z.object({ ticketID: idSchema, ...pagingShape }),
      output: searchOutput,
      handler: async ({ ticketID, limit, cursor }, ctx) => {
        const result = await runSearch(ctx, "TicketAttachments", {
          filter: [eq("parentID", ticketID)],
          limit,
          cursor,
          fields: META_FIELDS.filter((f) => f !== "parentID"),
          openWorld: true,
        });
        const items = result.items as AutotaskRecord[];
        if (!cursor && items.length === 0) {
          await getRecord(ctx, { entity: "Tickets", id: ticketID });
        }
        markUntrusted(result, items);
        return result;
      },
    }),
    defineTool({
      name: "get_ticket_attachment",
      title: "Get ticket attachment",
      description:
        "One attachment's metadata by id (ticket, title, file name, type, size, publish).",
      kind: "read",
      toolset: "attachments",
      openWorld: true,
      input: z.object({ id: idSchema }),
      output: getOutput,
      handler: async ({ id }, ctx) => {
        // A query with IncludeFields, so the content never travels.
        const record = await readOne(ctx, { entity: "TicketAttachments", id, fields: META_FIELDS });
        const result = await shapedItem(ctx, record, {
          entity: "TicketAttachments",
          openWorld: true,
        });
        markUntrusted(result, [result.item as AutotaskRecord]);
        return result;
      },
    }),
    defineTool({
      name: "download_ticket_attachment",
      title: "Download ticket attachment",
      description: "An attachment's content: text files as text, others as base64, up to a size " +
        "cap that the error names.",
      kind: "read",
      toolset: "attachments",
      openWorld: true,
      input: z.object({ id: idSchema }),
      output: z.looseObject({ id: z.number(), encoding: z.enum(["text", "base64"]) }),
      handler: async ({ id }, ctx) => {
        const meta = await readOne(ctx, { entity: "TicketAttachments", id, fields: META_FIELDS });
        const contentType = typeof meta.contentType === "string" ? meta.contentType : "";
        const textual = TEXT_TYPE.test(contentType);
        // Refuse before downloading: the metadata knows the size.
        if (typeof meta.fileSize === "number" && meta.fileSize > downloadCap(ctx, textual)) {
          throw tooLarge(ctx, id, meta.fileSize, downloadCap(ctx, textual));
        }
        const parentId = typeof meta.parentID === "number" ? meta.parentID : undefined;
        const full = await ctx.client.get("TicketAttachments", id, {
          parentId,
          signal: ctx.signal,
        });
        if (!full || typeof full.data !== "string") {
          throw new InputError(
            `Attachment ${id} has no content Autotask will return (it may be a link or was removed)`,
          );
        }
        const base64 = full.data.replace(/\s+/g, "");
        const bytes = decodedLength(base64);
        const result: Record<string, unknown> = {
          id,
          ticketID: parentId,
          title: typeof meta.title === "string" ? cleanText(meta.title) : undefined,
          fileName: typeof meta.fullPath === "string" ? cleanText(meta.fullPath) : undefined,
          contentType: contentType || undefined,
          size: bytes,
        };
        let text: string | undefined;
        if (textual && bytes <= downloadCap(ctx, true)) {
          try {
            const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
            text = cleanText(new TextDecoder("utf-8", { fatal: true }).decode(raw));
          } catch {
            text = undefined; // not UTF-8 after all: base64 below
          }
        }
        if (text !== undefined) {
          result.encoding = "text";
          result.text = text;
        } else {
          if (bytes > downloadCap(ctx, false)) {
            throw tooLarge(ctx, id, bytes, downloadCap(ctx, false));
          }
          result.encoding = "base64";
          result.data = base64;
        }
        if (jsonLength(result) > ctx.maxResultChars) {
          throw tooLarge(ctx, id, bytes, downloadCap(ctx, false));
        }
        const untrusted = ["title", "fileName", "text"].filter((k) =>
          typeof result[k] === "string"
        );
        if (untrusted.length > 0) result.untrustedFields = untrusted;
        return result;
      },
    }),
    defineTool({
      name: "add_ticket_attachment",
      title: "Add ticket attachment",
      description: `Attach a file (base64, at most ${
        MAX_UPLOAD_BYTES / 1_000_000
      } MB) to a ticket. INTERNAL unless publish says otherwise.`,
      kind: "create",
      toolset: "attachments",
      openWorld: false,
      input: z.object({
        ticketID: idSchema,
        title: z.string().trim().min(1).max(255),
        data: z.string().min(1).max(12_000_000).describe("File content, base64"),
        fileName: z.string().trim().min(1).max(255).optional().describe("Default: title"),
        contentType: z.string().trim().min(3).max(100).optional().describe(
          "Default: from fileName",
        ),
        publish: picklistSchema.optional().describe(
          "Default 2 (internal); 1 shows the file to the customer",
        ),
      }),
      output: writeOutput,
      handler: async (args, ctx) => {
        const parsed = parseBase64(args.data);
        const bytes = decodedLength(parsed.base64);
        if (bytes > MAX_UPLOAD_BYTES) {
          throw new InputError(
            `The file is ${size(bytes)}; Autotask's API takes files up to ${
              size(MAX_UPLOAD_BYTES)
            }: attach a smaller file or a link to it`,
          );
        }
        try {
          atob(parsed.base64);
        } catch {
          throw new InputError("data is not valid base64: encode the file's bytes with base64");
        }
        const window = attachmentWindow(ctx);
        const now = ctx.now();
        const at = window.availableAt(bytes, now);
        if (at > now) {
          const why = window.blocked(now)
            ? "Autotask refused an attachment for its allowance of " +
              `${ATTACHMENT_WINDOW_BYTES.toLocaleString("en-US")} bytes per 5 minutes and takes ` +
              "none for 5 minutes"
            : `this server sent ${
              window.used(now).toLocaleString("en-US")
            } bytes of attachments in the last 5 minutes, and this file (${
              size(bytes)
            }) would pass Autotask's allowance of ${
              ATTACHMENT_WINDOW_BYTES.toLocaleString("en-US")
            } bytes per 5 minutes`;
          throw new InputError(
            `The file was not sent: ${why}. Try again after ${whenAgain(at, now)}`,
          );
        }
        const reservation = window.reserve(bytes, now);
        let record: AutotaskRecord;
        let result: Record<string, unknown>;
        let fileName: string;
        let contentType: string;
        try {
          await getRecord(ctx, { entity: "Tickets", id: args.ticketID });
          fileName = args.fileName ?? args.title;
          const extension = /\.([a-z0-9]{1,8})$/i.exec(fileName)?.[1]?.toLowerCase() ?? "";
          contentType = args.contentType ?? parsed.contentType ??
            EXTENSION_TYPES[extension] ?? "application/octet-stream";
          record = await resolvePicklists(ctx, {
            parentID: args.ticketID,
            title: args.title,
            fullPath: fileName,
            contentType,
            attachmentType: "FILE_ATTACHMENT",
            publish: args.publish ?? await internalPublish(ctx, TICKET_ATTACHMENTS),
            data: parsed.base64,
          }, { entity: "TicketAttachments" });
          result = await createAndReport(ctx, record, {
            entity: "TicketAttachments",
            parentId: args.ticketID,
          });
        } catch (error) {
          const failedAt = ctx.now();
          // A file that may have arrived keeps counting against the allowance.
          if (!(error instanceof AutotaskError && error.category === "unknown_outcome")) {
            reservation.release();
          }
          if (isWindowRefusal(error)) {
            const until = window.refused(failedAt);
            const said = (error.errors.join(" | ") || error.message).trim().replace(/[.\s]+$/, "");
            throw new InputError(
              `Autotask refused the attachment (nothing was attached): its allowance of ${
                ATTACHMENT_WINDOW_BYTES.toLocaleString("en-US")
              } bytes of attachments per 5 minutes for this database is used up, by this server ` +
                `or another integration, and it takes none for 5 minutes (Autotask said: ${said}). ` +
                `Try again after ${whenAgain(until, failedAt)}`,
            );
          }
          throw error;
        }
        const label = await ctx.picklists.label(
          "TicketAttachments",
          "publish",
          record.publish,
          ctx.signal,
        );
        result.item = {
          ticketID: args.ticketID,
          title: args.title,
          fileName,
          contentType,
          size: bytes,
          publish: record.publish,
          publishLabel: label,
        };
        return result;
      },
    }),
  ],
};
