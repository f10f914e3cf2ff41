/** The one helper every tool is defined and registered through: annotations, results, errors. */

import {
  type CallToolResult,
  fromJsonSchema,
  type JsonSchemaType,
  type JsonSchemaValidator,
  type jsonSchemaValidator,
  type McpServer,
  type ServerContext,
  type StandardSchemaWithJSON,
} from "@modelcontextprotocol/server";
import * as z from "zod";
import type { AutotaskClient } from "../autotask/client.ts";
import { AutotaskError } from "../autotask/errors.ts";
import type { NameResolver } from "../autotask/names.ts";
import type { Picklists } from "../autotask/picklists.ts";
import { findEntity } from "../autotask/catalog.ts";
import type { ResourceDirectory } from "../autotask/resource_directory.ts";
import { closest } from "../similar.ts";
import type { ChangeFeed } from "../webhooks/mod.ts";
import type { AuditLog } from "./audit.ts";
import { allows, type Caller, type Identity, identityOf, refusalFor } from "./caller.ts";
import type { ResourceRegistry } from "./descriptor.ts";
import { cleanText, UNTRUSTED_NOTICE } from "./untrusted.ts";

/** What webhook tools need besides the client. */
export interface WebhookAccess {
  /** `AUTOTASK_WEBHOOK_SECRET`: the `secretKey` of webhooks created here; unset, none are. */
  secret?: string;
  /** The callouts this server received: only in HTTP mode with the secret set. */
  feed?: ChangeFeed;
  /** How the server is served: over stdio no callout can arrive. */
  transport?: "stdio" | "http";
}

/** What a tool does to Autotask; everything but "read" writes. */
export type ToolKind = "read" | "create" | "update" | "delete";

/** What a handler gets besides its arguments. */
export interface ToolContext {
  /** The client acting for {@linkcode caller}: their user key and resource go with every call. */
  client: AutotaskClient;
  /** Who the call is for (set per request from the verified identity; "local" over stdio). */
  caller: Caller;
  picklists: Picklists;
  names: NameResolver;
  /** The product's resource descriptors: per-entity facts for entities known only by name. */
  resources: ResourceRegistry;
  /**
   * The enabled tool that lists an entity's fields, for messages that send the caller there;
   * undefined when no such tool is enabled (lib/ names no tool itself).
   */
  fieldLister?: string;
  /** Largest JSON text one result may have; longer results are cut at a record boundary. */
  maxResultChars: number;
  /** Aborted when the MCP client cancels the call. */
  signal: AbortSignal;
  /** The time in milliseconds since the epoch (a fixed clock in tests). */
  now(): number;
  /**
   * The user's IANA time zone (AUTOTASK_TIME_ZONE, else the machine's): days and wall-clock
   * times people give are read in it, date-times in results are shown in it.
   */
  timeZone: string;
  /** Reports progress when the caller asked for it (no-op otherwise). */
  progress(done: number, total?: number, message?: string): Promise<void>;
  /** Adds a sentence to the result's `note` (what was assumed or read differently). */
  note(text: string): void;
  /** True when the server lists the tool `name`, so a message may send the caller there. */
  toolEnabled(name: string): boolean;
  /**
   * Asks the user to confirm `message` with a yes/no form in the client (MCP elicitation);
   * present only when the client declared form elicitation on a 2025-era connection (the
   * 2026-07-28 era asks through input_required results, which the tool kit does not use).
   */
  confirmWithUser?(message: string): Promise<UserAnswer>;
  /** Webhook secret and received events, where configured. */
  webhooks?: WebhookAccess;
}

/** What the user answered a confirmation form: yes, no, or nothing (dismissed, failed, timed out). */
export type UserAnswer = "confirmed" | "declined" | "no answer";

/** Longest wait for the user to answer a confirmation form. */
const CONFIRM_TIMEOUT_MS = 5 * 60_000;

/**
 * The confirmation form of {@linkcode ToolContext.confirmWithUser}, when the client can show one:
 * a 2025-era request (2026-07-28 requests carry an envelope) from a client that declared form
 * elicitation (an empty `elicitation` capability means form, per the specification). `server`
 * is the instance the tool was registered on: over HTTP one registration serves every request
 * (lib/mcp/shared_server.ts), and a per-request instance never has the client's capabilities.
 */
function confirmation(
  server: McpServer,
  ctx: ServerContext,
): ((message: string) => Promise<UserAnswer>) | undefined {
  if (ctx.mcpReq.envelope !== undefined) return undefined;
  const elicitation = server.server.getClientCapabilities()?.elicitation as
    | { form?: unknown; url?: unknown }
    | undefined;
  if (!elicitation || (elicitation.form === undefined && elicitation.url !== undefined)) {
    return undefined;
  }
  return async (message) => {
    try {
      const answer = await ctx.mcpReq.elicitInput({
        mode: "form",
        message,
        requestedSchema: {
          type: "object",
          properties: {
            confirm: { type: "boolean", title: "Apply", description: "Yes: send these changes" },
          },
          required: ["confirm"],
        },
      }, { timeout: CONFIRM_TIMEOUT_MS });
      if (answer.action !== "accept") return answer.action === "decline" ? "declined" : "no answer";
      return answer.content?.confirm === true ? "confirmed" : "declined";
    } catch {
      return "no answer";
    }
  };
}

/** A JSON object result (becomes `structuredContent` and the text block). */
export type ToolOutput = Record<string, unknown>;

/** A tool: its definition, schema and handler in one place. */
export interface ToolDef<Input extends z.ZodObject = z.ZodObject> {
  /** `verb_entity`, snake_case, stable. */
  name: string;
  title: string;
  description: string;
  /** Writes are every kind but "read"; read-only mode removes them. */
  kind: ToolKind;
  /** Group the tool is enabled with (tickets, crm, projects, ...). */
  toolset: string;
  /** True when results carry text that came from outside (customers' emails, notes). */
  openWorld: boolean;
  input: Input;
  /**
   * The Autotask entity whose fields a free-form `changes` or `extra` argument
   * holds: a misplaced field given at the top level is pointed there.
   */
  entity?: string;
  /**
   * A loose object (z.looseObject) naming the keys every result has: results
   * may add note, untrustedFields and the budget notice.
   */
  output: z.ZodObject;
  /**
   * The tool definition's `_meta` as clients list it: for instance the MCP Apps view a host
   * shows the results in (`ui.resourceUri`). Omitted when undefined.
   */
  meta?: Record<string, unknown>;
  handler(args: z.infer<Input>, ctx: ToolContext): Promise<ToolOutput>;
}

/** Identity function that keeps the handler's argument type tied to its schema. */
export function defineTool<Input extends z.ZodObject>(def: ToolDef<Input>): ToolDef {
  return def;
}

/** True when the tool changes data in Autotask. */
export function isWriteTool(def: Pick<ToolDef, "kind">): boolean {
  return def.kind !== "read";
}

/** An argument problem found by a handler: becomes an `isError` result. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** MCP annotations derived from the kind, so no tool can forget them. */
export function annotationsFor(def: ToolDef): Record<string, boolean | string> {
  return {
    readOnlyHint: def.kind === "read",
    destructiveHint: def.kind === "update" || def.kind === "delete",
    idempotentHint: def.kind !== "create",
    openWorldHint: def.openWorld,
  };
}

/** Shared server-side dependencies of every tool. */
export interface ToolDeps {
  client: AutotaskClient;
  picklists: Picklists;
  names: NameResolver;
  resources: ResourceRegistry;
  /** See {@linkcode ToolContext.fieldLister}. */
  fieldLister?: string;
  maxResultChars: number;
  /** Read-only mode: a second gate at dispatch, behind the inventory that already left writers out. */
  readOnly?: boolean;
  /** Removes secret values from any text leaving the server. */
  redact(text: string): string;
  log(line: string): void;
  /** Clock for time-window rules (default `Date.now`). */
  now?: () => number;
  /** The user's time zone (default UTC). */
  timeZone?: string;
  /** Names of the tools the server lists (default: those registered with these deps). */
  enabledTools?: ReadonlySet<string>;
  /** Finds the resource an impersonating identity acts as (needed when such identities call). */
  directory?: ResourceDirectory;
  /** Receives one entry per write and counts calls per user. */
  audit?: AuditLog;
  /** The user key of calls that carry no identity (stdio, HTTP without sign-in); default "local". */
  localUser?: string;
  /** See {@linkcode ToolContext.webhooks}. */
  webhooks?: WebhookAccess;
}

/**
 * A successful result: the same JSON as structured content and as text, plus a
 * one-line reminder when it carries text from customers (`untrustedFields`).
 */
export function okResult(output: ToolOutput, redact: (text: string) => string): CallToolResult {
  const text = redact(JSON.stringify(output));
  const content: CallToolResult["content"] = [{ type: "text", text }];
  const untrusted = output.untrustedFields;
  if (Array.isArray(untrusted) && untrusted.length > 0) {
    content.push({ type: "text", text: `${UNTRUSTED_NOTICE} (${untrusted.join(", ")})` });
  }
  return { content, structuredContent: JSON.parse(text) as ToolOutput };
}

/**
 * An `isError` result whose text tells the agent what to change. Messages can
 * echo caller input and Autotask text, so they are cleaned like any untrusted text.
 */
export function errorResult(message: string, redact: (text: string) => string): CallToolResult {
  return { content: [{ type: "text", text: redact(cleanText(message)) }], isError: true };
}

/** Turns anything a handler threw into an actionable message (no stack traces). */
export function describeError(error: unknown): string {
  // Both are written for the agent already (Autotask's own text included).
  if (error instanceof InputError || error instanceof AutotaskError) return error.message;
  if (error instanceof z.ZodError) {
    return `Invalid arguments: ${
      error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ")
    }`;
  }
  return "Internal error in autotask-mcp while handling this call; the server logged the details";
}

type JsonSchema = Record<string, unknown>;

/**
 * Drops what a JSON Schema says without telling a model anything: `$schema`,
 * the safe-integer bounds zod adds to integers, `propertyNames: {type: string}`
 * and `additionalProperties: {}` on free-form records, "at least one" and huge
 * upper bounds. Validation keeps every bound (zod checks the input); only the
 * published text shrinks, since every agent pays for the tool list on every turn.
 */
export function compactJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(compactJsonSchema);
  if (!node || typeof node !== "object") return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (key === "$schema") continue;
    if (key === "maximum" && value === Number.MAX_SAFE_INTEGER) continue;
    if (key === "minimum" && value === Number.MIN_SAFE_INTEGER) continue;
    if (key === "propertyNames" && JSON.stringify(value) === '{"type":"string"}') continue;
    if (key === "additionalProperties" && JSON.stringify(value) === "{}") continue;
    // Bounds a model would never hit or that state the obvious (non-empty, huge caps).
    if ((key === "minLength" || key === "minItems") && value === 1) continue;
    if (
      (key === "maxLength" && typeof value === "number" && value >= 1000) ||
      (key === "maxItems" && typeof value === "number" && value >= 50)
    ) continue;
    if (key === "items" && JSON.stringify(value) === "{}") continue;
    // An enum of strings already says the type.
    if (key === "type" && value === "string" && Array.isArray((node as JsonSchema).enum)) continue;
    out[key] = compactJsonSchema(value);
  }
  return out;
}

/** The JSON Schema dialect the SDK asks schema libraries for. */
const JSON_SCHEMA_TARGET = "draft-2020-12";

/**
 * Checks values with the zod schema itself (or not at all, `validate: false`): the SDK's
 * validator hook for a schema published as JSON.
 */
function zodValidator(schema: z.ZodType, validate: boolean): jsonSchemaValidator {
  return {
    getValidator<T>(): JsonSchemaValidator<T> {
      return (input) => {
        if (!validate) return { valid: true, data: input as T, errorMessage: undefined };
        const result = schema.safeParse(input);
        return result.success
          ? { valid: true, data: result.data as T, errorMessage: undefined }
          : { valid: false, data: undefined, errorMessage: z.prettifyError(result.error) };
      };
    },
  };
}

/**
 * The same schema for validation (zod, unchanged) with a compact published JSON Schema.
 * Zod alone cannot publish it: the SDK reads `~standard.jsonSchema` with nothing but a
 * target, so zod's `override` hook never runs there, and zod always writes `$schema`, the
 * safe-integer bounds of `.int()` and `propertyNames` of records. So zod writes the JSON
 * Schema (`z.toJSONSchema`, the same text the SDK would get), {@linkcode compactJsonSchema}
 * trims it, and the SDK's own `fromJsonSchema` publishes it with zod as the validator.
 * `validate: false` hands the SDK the arguments as they came, for inputs that
 * {@linkcode registerTools} checks itself (strictly, with messages that say where a misplaced
 * argument belongs).
 */
export function published(
  schema: z.ZodObject,
  options: { io: "input" | "output"; validate?: boolean },
): StandardSchemaWithJSON {
  const full = z.toJSONSchema(schema, { target: JSON_SCHEMA_TARGET, io: options.io });
  const compact = compactJsonSchema(full) as JsonSchemaType;
  // An output schema's "required" repeats what every result shows; inputs keep theirs.
  if (options.io === "output") delete compact.required;
  return fromJsonSchema(compact, zodValidator(schema, options.validate ?? true));
}

/** The published schemas of each tool, written once per process: HTTP builds a server per request. */
const PUBLISHED = new WeakMap<
  ToolDef,
  { input: StandardSchemaWithJSON; output: StandardSchemaWithJSON }
>();

function publishedOf(
  def: ToolDef,
): { input: StandardSchemaWithJSON; output: StandardSchemaWithJSON } {
  let schemas = PUBLISHED.get(def);
  if (!schemas) {
    schemas = {
      input: published(def.input, { io: "input", validate: false }),
      output: published(def.output, { io: "output" }),
    };
    PUBLISHED.set(def, schemas);
  }
  return schemas;
}

/** Longest caller value quoted back in an example; longer ones show as `...`. */
const EXAMPLE_VALUE_CHARS = 60;
/** Most unknown arguments explained one by one. */
const MAX_UNKNOWN_EXPLAINED = 5;

function exampleValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text !== undefined && text.length <= EXAMPLE_VALUE_CHARS ? text : "...";
}

/**
 * Explains the top-level arguments `def` does not take, or returns undefined
 * when there are none. A field of the tool's entity belongs inside its
 * free-form `changes` / `extra` record, and the message shows it there;
 * anything else is answered with the tool's arguments and the closest names.
 * Published schemas leave `additionalProperties` out to keep the tool list
 * small, so this is where unknown arguments are caught instead of dropped.
 */
export function unknownArguments(def: ToolDef, args: Record<string, unknown>): string | undefined {
  const known = Object.keys(def.input.shape);
  const unknown = Object.keys(args).filter((key) => !known.includes(key));
  if (unknown.length === 0) return undefined;
  const holder = known.includes("changes") ? "changes" : known.includes("extra") ? "extra" : "";
  // A tool over any entity is told which by its `entity` argument.
  const entity = def.entity ??
    (known.includes("entity") && typeof args.entity === "string" ? args.entity.trim() : undefined);
  const fields = new Map(
    Object.keys((entity && findEntity(entity)?.fields) || {}).map((f) => [
      f.toLowerCase(),
      f,
    ]),
  );
  let misplaced = false;
  const problems = unknown.slice(0, MAX_UNKNOWN_EXPLAINED).map((raw) => {
    const key = raw.slice(0, 100);
    if (holder && fields.has(key.trim().toLowerCase())) {
      const inner = `{${JSON.stringify(key)}: ${exampleValue(args[raw])}}`;
      const id = typeof args.id === "number" ? args.id : 1;
      const example = holder === "changes"
        ? known.includes("id") ? `{"id": ${id}, "changes": ${inner}}` : `{..., "changes": ${inner}}`
        : `{..., "extra": ${inner}}`;
      return `${key} goes inside ${holder}: ${example}`;
    }
    misplaced = true;
    const near = closest(key, known);
    return `${JSON.stringify(key)} is not an argument of ${def.name}${
      near.length > 0 ? ` (did you mean ${near.join(", ")}?)` : ""
    }`;
  });
  if (unknown.length > MAX_UNKNOWN_EXPLAINED) {
    problems.push(`and ${unknown.length - MAX_UNKNOWN_EXPLAINED} more unknown arguments`);
  }
  let message = `Unknown argument${unknown.length > 1 ? "s" : ""}: ${problems.join("; ")}`;
  if (misplaced) {
    message += `. ${def.name} takes ${known.join(", ")}`;
    if (holder) {
      message += `; other ${
        entity && findEntity(entity) ? findEntity(entity)!.name : "Autotask"
      } fields, userDefinedFields included, go inside ${holder}`;
    }
  }
  return message;
}

/** The caller of a call: the verified identity, or the local user when there is none. */
function callerOf(identity: Identity | undefined, deps: ToolDeps): Caller {
  if (identity === undefined) {
    return { user: deps.localUser ?? "local", scopes: [], readOnly: deps.readOnly === true };
  }
  return {
    user: identity.user,
    scopes: identity.scopes,
    readOnly: identity.readOnly || deps.readOnly === true,
    toolsets: identity.toolsets,
  };
}

/** Registers `defs` on `server` with the shared conventions. */
export function registerTools(server: McpServer, defs: ToolDef[], deps: ToolDeps): void {
  const enabled = deps.enabledTools ?? new Set(defs.map((d) => d.name));
  for (const def of defs) {
    const schemas = publishedOf(def);
    server.registerTool(
      def.name,
      {
        title: def.title,
        description: def.description,
        inputSchema: schemas.input,
        outputSchema: schemas.output,
        annotations: annotationsFor(def),
        ...(def.meta ? { _meta: def.meta } : {}),
      },
      async (raw: unknown, ctx: ServerContext) => {
        const started = performance.now();
        const identity = identityOf(ctx.http?.authInfo);
        const caller = callerOf(identity, deps);
        const ended = deps.audit?.call(caller.user);
        const result = await dispatch(def, raw, { ctx, identity, caller, started });
        ended?.(result.isError !== true);
        return result;
      },
    );
  }

  /** One call of `def`: the gates, the caller's resource, the arguments, the handler. */
  async function dispatch(
    def: ToolDef,
    raw: unknown,
    call: { ctx: ServerContext; identity?: Identity; caller: Caller; started: number },
  ): Promise<CallToolResult> {
    const { ctx, identity, caller, started } = call;
    const elapsed = () => Math.round(performance.now() - started);
    if (deps.readOnly && isWriteTool(def)) {
      return errorResult(
        `${def.name} changes Autotask data and this server runs in read-only mode (AUTOTASK_READ_ONLY)`,
        deps.redact,
      );
    }
    if (identity !== undefined && !allows(identity, def)) {
      // A second gate behind the per-policy tool list: a name sent anyway is refused here.
      return errorResult(refusalFor(identity, def), deps.redact);
    }
    if (identity?.impersonate) {
      // Nothing runs for a user who cannot act as themselves: never as the API user instead.
      try {
        if (deps.directory === undefined) throw new Error("no resource directory configured");
        caller.resourceId = await deps.directory.resolve(
          { user: identity.user, email: identity.email, resourceId: identity.resourceId },
          ctx.mcpReq.signal,
        );
      } catch (error) {
        deps.log(`tool ${def.name} error (identity) ${elapsed()}ms`);
        if (!(error instanceof AutotaskError)) {
          deps.log(deps.redact(`unexpected error in ${def.name}: ${(error as Error)?.stack}`));
        }
        return errorResult(describeError(error), deps.redact);
      }
    }
    const progressToken = ctx.mcpReq._meta?.progressToken;
    const notes: string[] = [];
    const note = (text: string) => {
      if (!notes.includes(text)) notes.push(text);
    };
    const toolCtx: ToolContext = {
      client: deps.client.forCaller({
        user: caller.user,
        impersonationResourceId: caller.resourceId,
        onWrite: (event) =>
          deps.audit?.write({
            ...event,
            user: caller.user,
            resourceId: caller.resourceId,
            tool: def.name,
          }),
      }),
      caller,
      // Per call, so near misses of picklist labels reach this call's note.
      picklists: deps.picklists.withNotes(note),
      names: deps.names,
      resources: deps.resources,
      fieldLister: deps.fieldLister,
      maxResultChars: deps.maxResultChars,
      signal: ctx.mcpReq.signal,
      now: deps.now ?? Date.now,
      timeZone: deps.timeZone ?? "UTC",
      webhooks: deps.webhooks,
      async progress(done, total, message) {
        if (progressToken === undefined) return;
        await ctx.mcpReq.notify({
          method: "notifications/progress",
          params: { progressToken, progress: done, total, message },
        }).catch(() => {});
      },
      note,
      toolEnabled: (name) => enabled.has(name),
      confirmWithUser: confirmation(server, ctx),
    };
    // Checked here, not by the SDK: an unknown argument is refused (zod would drop it
    // silently) with a message that says where it belongs.
    const given = raw && typeof raw === "object" && !Array.isArray(raw)
      ? raw as Record<string, unknown>
      : {};
    const unknown = unknownArguments(def, given);
    const parsed = unknown ? undefined : await def.input.safeParseAsync(given);
    if (!parsed?.success) {
      deps.log(`tool ${def.name} error (arguments) ${elapsed()}ms`);
      return errorResult(unknown ?? describeError(parsed?.error), deps.redact);
    }
    try {
      const output = await def.handler(parsed.data as z.infer<typeof def.input>, toolCtx);
      if (notes.length > 0) {
        output.note = [output.note, ...notes].filter(Boolean).join("; ");
      }
      const notice = deps.client.usageNotice();
      if (notice) output.notice = notice;
      deps.log(`tool ${def.name} ok ${elapsed()}ms`);
      return okResult(output, deps.redact);
    } catch (error) {
      const message = describeError(error);
      const kind = error instanceof AutotaskError ? error.category : (error as Error)?.name;
      deps.log(`tool ${def.name} error (${kind}) ${elapsed()}ms`);
      if (!(error instanceof InputError) && !(error instanceof AutotaskError)) {
        deps.log(
          deps.redact(`unexpected error in ${def.name}: ${(error as Error)?.stack ?? error}`),
        );
      }
      return errorResult(message, deps.redact);
    }
  }
}
