/** Makes per-request MCP server instances that share one registration of tools, prompts and resources. */

// HTTP mode needs a fresh `McpServer` per request (a connection keeps one for its life): the SDK's handler connects each instance to
// one exchange and writes that request's protocol version, client identity and handlers into
// it. What costs is the registration (`registerTool` for ~100 tools: ~0.75 ms and ~100 closures
// per request). The registered entries hold no per-request state (their handlers read the
// caller from each call's context), so a template registered once lends its registries to every
// instance: each request still gets its own `Server` (protocol state, abort controllers,
// progress handlers, client identity), only the immutable tool table is shared.
//
// The registries are TypeScript-private fields of McpServer (SDK 2.4); `create` checks that the
// sharing took effect and otherwise registers everything on each instance (correct, slower).
// (Session-free 2025-era calls skip even the per-request instance: lib/http/stateless_calls.ts.)

import { McpServer, type McpServerOptions } from "@modelcontextprotocol/server";

/** McpServer's registries as they exist at runtime (private in its type declarations). */
interface Registries {
  _registeredTools: Record<string, unknown>;
  _registeredPrompts: Record<string, unknown>;
  _registeredResources: Record<string, unknown>;
  _registeredResourceTemplates: Record<string, unknown>;
  /** A cache of each tool's JSON input schema: deterministic, so sharing it is sharing work. */
  _toolInputSchemaJson: Record<string, unknown>;
  _completionHandlerInitialized?: boolean;
  setCompletionRequestHandler?: () => void;
}

const SHARED_FIELDS = [
  "_registeredTools",
  "_registeredPrompts",
  "_registeredResources",
  "_registeredResourceTemplates",
  "_toolInputSchemaJson",
] as const;

function registriesOf(server: McpServer): Registries {
  return server as unknown as Registries;
}

function hasRegistries(server: McpServer): boolean {
  const fields = registriesOf(server);
  return SHARED_FIELDS.every((name) => {
    const value = fields[name];
    return typeof value === "object" && value !== null;
  });
}

/** One registration, instantiated per request. */
export class ServerTemplate {
  readonly #info: { name: string; version: string };
  readonly #options: McpServerOptions;
  readonly #register: (server: McpServer) => void;
  /** Registered on first use: a stdio server, which only ever calls `registered`, never makes it. */
  #template?: McpServer;
  /** The template's final capabilities (the SDK copies them and never changes them in place). */
  #capabilities?: McpServerOptions["capabilities"];
  #shared?: boolean;

  /** Keeps what a registration needs; registers nothing yet. */
  constructor(
    info: { name: string; version: string },
    options: McpServerOptions,
    register: (server: McpServer) => void,
  ) {
    this.#info = info;
    this.#options = options;
    this.#register = register;
  }

  /**
   * False when this SDK's McpServer did not take the shared registries: each instance registers.
   * Checked once, on first use: a lent server must list what a registered one lists.
   */
  get shared(): boolean {
    if (this.#shared === undefined) {
      this.#shared = hasRegistries(this.#templateServer()) && this.#sharingWorks();
    }
    return this.#shared;
  }

  #templateServer(): McpServer {
    if (this.#template === undefined) {
      this.#template = new McpServer(this.#info, this.#options);
      this.#register(this.#template);
    }
    return this.#template;
  }

  /**
   * A new, unconnected instance answering with the template's tools, prompts and resources, for
   * ONE request. Handlers that read the server they were registered on (the client's declared
   * capabilities) read the template's, which never connects: right only for an instance that
   * never sees an `initialize` either, as a per-request HTTP instance.
   */
  create(): McpServer {
    return this.shared ? this.#lend() : this.#registered();
  }

  /** A new instance with its own registration, for a connection (stdio, legacy SSE). */
  registered(): McpServer {
    return this.#registered();
  }

  #registered(): McpServer {
    const server = new McpServer(this.#info, this.#options);
    this.#register(server);
    return server;
  }

  #lend(): McpServer {
    // The template's final capabilities make the constructor install the same list/get/call
    // handlers registration would have installed (tools, prompts, resources).
    const template = this.#templateServer();
    this.#capabilities ??= structuredClone(template.server.getCapabilities());
    const server = new McpServer(this.#info, {
      ...this.#options,
      capabilities: this.#capabilities,
    });
    const from = registriesOf(template);
    const to = registriesOf(server);
    for (const name of SHARED_FIELDS) to[name] = from[name];
    if (from._completionHandlerInitialized) to.setCompletionRequestHandler?.();
    return server;
  }

  /** A lent instance lists what a registered one lists, under the same capabilities. */
  #sharingWorks(): boolean {
    const lent = this.#lend();
    const registered = this.#registered();
    const tools = Object.keys(registriesOf(registered)._registeredTools);
    return hasRegistries(lent) &&
      JSON.stringify(lent.server.getCapabilities()) ===
        JSON.stringify(registered.server.getCapabilities()) &&
      tools.every((name) =>
        (lent.toolInputSchemaJson(name) === undefined) ===
          (registered.toolInputSchemaJson(name) === undefined)
      ) &&
      Object.keys(registriesOf(lent)._registeredTools).length === tools.length &&
      Boolean(registriesOf(lent)._completionHandlerInitialized) ===
        Boolean(registriesOf(registered)._completionHandlerInitialized);
  }
}
