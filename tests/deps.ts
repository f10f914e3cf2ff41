/**
 * Test-only packages, pinned here rather than in deno.json's import map: `deno compile`
 * embeds every package of the import map, and the binary must not carry the MCP client.
 */

export { Client } from "npm:@modelcontextprotocol/client@~2.4.0";
export { StdioClientTransport } from "npm:@modelcontextprotocol/client@~2.4.0/stdio";
export { default as fc } from "npm:fast-check@^4.3.0";
export {
  SSEClientTransport,
  StreamableHTTPClientTransport,
} from "npm:@modelcontextprotocol/client@~2.4.0";
export { parse as parseYaml } from "npm:yaml@^2.8.0";
// The official MCP Apps host side (AppBridge) and its protocol schemas: the dashboard's browser
// test lets the real host implementation drive the page.
export {
  AppBridge,
  getToolUiResourceUri,
  LATEST_PROTOCOL_VERSION as MCP_APPS_PROTOCOL_VERSION,
  McpUiInitializedNotificationSchema,
  McpUiInitializeRequestSchema,
  McpUiResourceMetaSchema,
  McpUiSizeChangedNotificationSchema,
  RESOURCE_MIME_TYPE,
  RESOURCE_URI_META_KEY,
} from "npm:@modelcontextprotocol/ext-apps@~2.0.4/app-bridge";
export type { McpUiStyles } from "npm:@modelcontextprotocol/ext-apps@~2.0.4/app-bridge";
export { EXTENSION_ID as MCP_APPS_EXTENSION_ID } from "npm:@modelcontextprotocol/ext-apps@~2.0.4/server";
/** npm:oidc-provider's `Provider` class. */
export type OidcProvider = typeof import("npm:oidc-provider@^9.13.3").default;

/**
 * A real OAuth 2.1 / OpenID authorization server for the team-server tests (it runs under Deno,
 * printing an "unsupported runtime" warning); the server under test only ever sees its tokens.
 * Loaded on demand: a static export would load it (about a second) into every test that
 * imports this module.
 */
export async function loadOidcProvider(): Promise<OidcProvider> {
  return (await import("npm:oidc-provider@^9.13.3")).default;
}
