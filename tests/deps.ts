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
