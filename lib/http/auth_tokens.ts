/** `autotask-mcp token new --user <who>`: a per-user static token, printed once, and the MCP_USERS entry holding only its hash. */

import { sha256Hex } from "./guard.ts";

/** Prefix of the tokens this command makes (recognisable in a leaked-secret scan). */
export const TOKEN_PREFIX = "atm_";

/** A new random token: 32 bytes from the system's CSPRNG, base64url. */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...bytes));
  return TOKEN_PREFIX + base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The MCP_USERS entry of `user`'s token: the user and the token's SHA-256, nothing that unlocks anything. */
export function userEntryFor(user: string, token: string): string {
  return `${user} token=sha256:${sha256Hex(token)}`;
}

/** Usage text of `autotask-mcp token`. */
export const TOKEN_HELP = `Usage: autotask-mcp token new --user <e-mail>

Creates a token for one person of a team server (HTTP mode), for MSPs without an identity
provider. Prints the token once (give it to that person only: the server keeps no copy) and the
entry to add to MCP_USERS, which holds only the token's SHA-256. Entries are separated by ";";
add resource=<id> when the person's Autotask resource does not have that e-mail address,
read-only for no writes, toolsets=a,b to narrow their tools. To revoke a token, remove its entry.
`;

/** Options of {@linkcode tokenMain}. */
export interface TokenMainOptions {
  print?: (line: string) => void;
  printError?: (line: string) => void;
}

/** Entry of `autotask-mcp token ...` (`args` after the word token); returns the exit code. */
export function tokenMain(args: string[], options: TokenMainOptions = {}): number {
  const print = options.print ?? ((line: string) => console.log(line));
  const printError = options.printError ?? ((line: string) => console.error(line));
  if (args.includes("--help") || args.includes("-h")) {
    print(TOKEN_HELP);
    return 0;
  }
  let user: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--user") user = args[++i];
    else if (arg.startsWith("--user=")) user = arg.slice("--user=".length);
    else rest.push(arg);
  }
  if (rest.length !== 1 || rest[0] !== "new") {
    printError(`autotask-mcp: unknown token command: use \`token new --user <e-mail>\``);
    return 2;
  }
  if (user === undefined || !/^[^\s;=,"]{1,254}$/.test(user)) {
    printError(
      "autotask-mcp: token new needs --user <e-mail>: the person's e-mail address (no spaces, " +
        "; , = or quotes), e.g. token new --user alice@msp.example",
    );
    return 2;
  }
  const token = newToken();
  print(`Token for ${user} (shown once: give it to ${user} only; the server keeps only its hash):`);
  print("");
  print(`  ${token}`);
  print("");
  print("Add this entry to MCP_USERS (entries are separated by ;), then restart the server:");
  print("");
  print(`  ${userEntryFor(user, token)}`);
  print("");
  print(
    `${user} sends it as \`Authorization: Bearer <token>\` and acts in Autotask as the resource ` +
      "with that e-mail address (or add resource=<id> to the entry).",
  );
  return 0;
}
