/** Autotask records as MCP resources (`autotask://tickets/{id}` and the like), shaped like a get tool's item. */

import {
  type McpServer,
  ResourceNotFoundError,
  ResourceTemplate,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { AutotaskError } from "../autotask/errors.ts";
import { getViewOf } from "./descriptor.ts";
import { readOne, shapedItem } from "./reads.ts";
import { InputError, type ToolContext, type ToolDeps } from "./tool.ts";

/** The URI scheme of record resources. */
export const RECORD_SCHEME = "autotask";

/** One kind of record served as an MCP resource, declared by a tools/ module. */
export interface RecordResource {
  /** The resource template's name, e.g. "ticket". */
  name: string;
  /** The catalog entity, e.g. "Tickets". */
  entity: string;
  /** The URI's path: `autotask://{path}/{id}`, e.g. "tickets". */
  path: string;
  title: string;
  description: string;
  /** Tools that must be enabled for these resources to be served (as for prompts). */
  needs: readonly string[];
}

/** The URI of record `id` of `resource`. */
export function recordUri(resource: Pick<RecordResource, "path">, id: number): string {
  return `${RECORD_SCHEME}://${resource.path}/${id}`;
}

/** The URI of a record of `entity`, when its entity is among `resources`. */
export function recordUriOf(
  resources: readonly RecordResource[],
  entity: string,
  id: number,
): string | undefined {
  const resource = resources.find((r) => r.entity === entity);
  return resource ? recordUri(resource, id) : undefined;
}

/** The record resources whose tools are all among `tools` (by name). */
export function enabledRecords(
  resources: readonly RecordResource[],
  tools: readonly { name: string }[],
): RecordResource[] {
  const names = new Set(tools.map((t) => t.name));
  return resources.filter((r) => r.needs.every((name) => names.has(name)));
}

/** What reading a record resource needs: the tools' dependencies, and the records events named. */
export interface RecordResourceDeps {
  deps: ToolDeps;
  /** Records recent webhook events named, newest first (resources/list); none without a feed. */
  recent?(limit: number): { entity: string; id: number }[];
}

/** Records resources/list shows: the most recent ones events named. */
const LISTED_RECORDS = 100;

function contextFor(deps: ToolDeps, signal: AbortSignal): ToolContext {
  return {
    client: deps.client,
    picklists: deps.picklists,
    names: deps.names,
    resources: deps.resources,
    fieldLister: deps.fieldLister,
    maxResultChars: deps.maxResultChars,
    signal,
    now: deps.now ?? Date.now,
    timeZone: deps.timeZone ?? "UTC",
    webhooks: deps.webhooks,
    progress: () => Promise.resolve(),
  };
}

/**
 * Registers one resource template per record kind: reading `autotask://tickets/4711` answers the
 * ticket as JSON, labels and names inline, its view the descriptor's get view; resources/list
 * names the records recent webhook events named.
 */
export function registerRecordResources(
  server: McpServer,
  records: readonly RecordResource[],
  options: RecordResourceDeps,
): void {
  const { deps } = options;
  for (const record of records) {
    const template = new ResourceTemplate(`${RECORD_SCHEME}://${record.path}/{id}`, {
      list: () => ({
        resources: (options.recent?.(LISTED_RECORDS) ?? [])
          .filter((r) => r.entity === record.entity)
          .map((r) => ({
            uri: recordUri(record, r.id),
            name: `${deps.resources.label(record.entity)} ${r.id}`,
            mimeType: "application/json",
          })),
      }),
    });
    server.registerResource(record.name, template, {
      title: record.title,
      description: record.description,
      mimeType: "application/json",
    }, async (uri: URL, variables: Record<string, string | string[]>, ctx: ServerContext) => {
      const raw = String(variables.id ?? "");
      if (!/^\d{1,15}$/.test(raw)) throw new ResourceNotFoundError(uri.href);
      const toolCtx = contextFor(deps, ctx.mcpReq.signal);
      const descriptor = deps.resources.find(record.entity);
      try {
        const found = await readOne(toolCtx, {
          entity: record.entity,
          id: Number(raw),
          fields: descriptor ? getViewOf(descriptor) : undefined,
        });
        const shaped = await shapedItem(toolCtx, found, { entity: record.entity, openWorld: true });
        return {
          contents: [{
            uri: uri.href,
            mimeType: "application/json",
            text: deps.redact(JSON.stringify(shaped)),
          }],
        };
      } catch (error) {
        if (error instanceof InputError) throw new ResourceNotFoundError(uri.href);
        if (error instanceof AutotaskError) throw new Error(deps.redact(error.message));
        throw error;
      }
    });
  }
}
