/**
 * Reads the Autotask swagger kept in `scripts/spec/` and merges the documented extras into it: the
 * contract the catalog generator and the contract tests share. Never imported by the product.
 *
 * - `scripts/spec/autotask-openapi.json.gz`: the official 2020 document, gzipped, unchanged.
 * - `scripts/spec/autotask-openapi.extras.json`: live routes the 2020 document lacks (autotask-api.md
 *   section 8), each expanded here from a template entity of the official document.
 *
 * Every added operation and model carries {@linkcode EXTRA_MARK}, so the merged document still
 * tells the official routes from the additions, and an addition may never replace an official
 * path or model.
 *
 * @module
 */

/** Where the swagger copy and its extras live. */
export const SPEC_DIR: URL = new URL("./spec/", import.meta.url);

/** The key that marks an operation or model as an addition, not part of the official document. */
export const EXTRA_MARK = "x-autotask-mcp-extra";

/** The parts of a swagger 2.0 document the generator and tests read. */
export interface Swagger {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  definitions: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/** Webhook entities the live API has beyond the 2020 document, cloned from a template. */
export interface WebhookExtras {
  /** Why these routes exist (copied into every added operation under {@linkcode EXTRA_MARK}). */
  source: string;
  /** The documented webhook entity they copy, e.g. "Company" for `CompanyWebhooks`. */
  template: string;
  /** The template's internal model name, e.g. "Account" in `Expression[Func[AccountWebhookField,Int64]]`. */
  templateModelName: string;
  /** Every child route of the template, with what it is for. */
  children: Record<string, string>;
  /** The entities to add, e.g. "Ticket" for `TicketWebhooks`, and which children each has. */
  entities: { name: string; children: string[]; note?: string }[];
}

/** The extras file. */
export interface SwaggerExtras {
  about: string;
  webhooks: WebhookExtras;
}

const OFFICIAL_FILE = "autotask-openapi.json.gz";
const EXTRAS_FILE = "autotask-openapi.extras.json";
const VERSION_PREFIX = "/V1.0/";

/** Reads the official document (gzipped JSON) with the runtime's own gzip support. */
export async function readOfficialSwagger(): Promise<Swagger> {
  const file = await Deno.open(new URL(OFFICIAL_FILE, SPEC_DIR));
  const text = await new Response(file.readable.pipeThrough(new DecompressionStream("gzip")))
    .text();
  return asSwagger(JSON.parse(text));
}

/** Reads the extras file. */
export async function readSwaggerExtras(): Promise<SwaggerExtras> {
  return JSON.parse(await Deno.readTextFile(new URL(EXTRAS_FILE, SPEC_DIR))) as SwaggerExtras;
}

/** The official document with the extras merged in: every route the client may send. */
export async function readContractSwagger(): Promise<Swagger> {
  return withExtras(await readOfficialSwagger(), await readSwaggerExtras());
}

function asSwagger(doc: unknown): Swagger {
  const value = doc as Partial<Swagger> | null;
  if (!value || typeof value.paths !== "object" || typeof value.definitions !== "object") {
    throw new Error("Not a swagger 2.0 document: expected `paths` and `definitions`");
  }
  return value as Swagger;
}

/**
 * Merges `extras` into a copy of `official`. Pure. Throws when the template is missing, when the
 * template has a child route the extras do not describe, or when an addition would replace an
 * official path or model.
 */
export function withExtras(official: Swagger, extras: SwaggerExtras): Swagger {
  const paths = { ...official.paths };
  const definitions = { ...official.definitions };
  const hooks = extras.webhooks;
  const prefix = `${VERSION_PREFIX}${hooks.template}Webhook`;
  const templatePaths = Object.keys(official.paths).filter((path) => path.startsWith(prefix));
  if (templatePaths.length === 0) {
    throw new Error(`The swagger has no ${hooks.template}Webhooks routes to copy`);
  }
  for (const entity of hooks.entities) {
    for (const child of entity.children) {
      if (!(child in hooks.children)) {
        throw new Error(`${entity.name}Webhooks: unknown child ${child}; describe it in children`);
      }
    }
    const rename = (text: string): string =>
      text.replaceAll(`${hooks.template}Webhook`, `${entity.name}Webhook`)
        .replaceAll(`${hooks.templateModelName}Webhook`, `${entity.name}Webhook`);
    const refs = new Set<string>();
    for (const path of templatePaths) {
      const child = webhookChild(path.slice(prefix.length));
      if (child !== null && !(child in hooks.children)) {
        throw new Error(`${path}: child ${child} of the template is not described in the extras`);
      }
      if (child !== null && !entity.children.includes(child)) continue;
      const added = rename(path);
      if (added in paths) throw new Error(`${added} is already in the swagger`);
      const ops: Record<string, Record<string, unknown>> = {};
      for (const [method, op] of Object.entries(official.paths[path])) {
        const copy = JSON.parse(rename(JSON.stringify(op))) as Record<string, unknown>;
        collectRefs(copy, refs);
        ops[method] = { ...copy, [EXTRA_MARK]: hooks.source };
      }
      paths[added] = ops;
    }
    // Models: each one an added operation uses, copied from the template's, with their own refs.
    const pending = [...refs];
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (name in definitions) {
        if (name.includes(`${entity.name}Webhook`) && !(EXTRA_MARK in definitions[name])) {
          throw new Error(`Model ${name} is already in the swagger`);
        }
        continue;
      }
      const source = [hooks.template, hooks.templateModelName]
        .map((base) => name.replaceAll(`${entity.name}Webhook`, `${base}Webhook`))
        .find((candidate) => candidate in official.definitions);
      if (!source) throw new Error(`No template model for ${name}`);
      const copy = JSON.parse(rename(JSON.stringify(official.definitions[source])));
      definitions[name] = { ...copy, [EXTRA_MARK]: hooks.source };
      const inner = new Set<string>();
      collectRefs(copy, inner);
      pending.push(...inner);
    }
  }
  return { ...official, paths, definitions };
}

/**
 * The child a template path belongs to, from what follows `/V1.0/{Template}Webhook`:
 * `s`, `s/query`, `s/{id}` -> null (the webhook itself); `s/{parentId}/Fields` and `Fields/query`
 * -> "Fields".
 */
function webhookChild(rest: string): string | null {
  if (rest === "s" || rest.startsWith("s/")) {
    const match = /^s\/\{parentId\}\/([^/]+)/.exec(rest);
    return match ? match[1] : null;
  }
  return rest.split("/")[0];
}

function collectRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into);
  } else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "$ref" && typeof inner === "string") into.add(inner.replace(/^.*\//, ""));
      else collectRefs(inner, into);
    }
  }
}
