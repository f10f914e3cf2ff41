/** Settings: the command line and the environment read once, for serving and for doctor alike. */

import assert from "node:assert/strict";
import { ConfigError, type EnvVar } from "../lib/autotask/mod.ts";
import { isLoopbackHost } from "../lib/http/mod.ts";
import { DEFAULT_MAX_RESULT_CHARS, loadHttpConfig, readSettings } from "../lib/settings.ts";

type Env = Partial<Record<EnvVar, string>>;

function reader(env: Env) {
  return (name: EnvVar) => env[name];
}

/** Settings and problems for `args` under `env` (nothing from the real environment). */
function read(args: string[], env: Env = {}) {
  return readSettings(args, { env: reader(env) });
}

/** The variables each problem names, in order. */
function named(problems: ConfigError[]): string[][] {
  return problems.map((problem) => problem.variables);
}

const TOKEN = "tok-0123456789abcdef-SECRET";

Deno.test("doctor stands anywhere on the command line; --sandbox or AUTOTASK_SANDBOX picks the sandbox", () => {
  // `deno task sandbox doctor` runs `main.ts --sandbox doctor`.
  const task = read(["--sandbox", "doctor"]);
  assert.equal(task.settings.command, "doctor");
  assert.equal(task.settings.sandbox, true);
  assert.deepEqual(task.unknownArguments, []);
  assert.equal(read(["doctor", "--sandbox"]).settings.command, "doctor");
  assert.equal(read(["--http"]).settings.command, "serve");

  assert.equal(read(["doctor"], { AUTOTASK_SANDBOX: "1" }).settings.sandbox, true);
  assert.equal(read([], { AUTOTASK_SANDBOX: "yes" }).settings.sandbox, true);
  assert.equal(read([], { AUTOTASK_SANDBOX: "0" }).settings.sandbox, false);
  assert.equal(read([]).settings.sandbox, false);
  const unclear = read([], { AUTOTASK_SANDBOX: "maybe" });
  assert.equal(unclear.settings.sandbox, false);
  assert.deepEqual(named(unclear.problems), [["AUTOTASK_SANDBOX"]]);

  assert.deepEqual(read(["--fix", "doctor", "--toolsets=tickets", "-x"]).unknownArguments, [
    "--fix",
    "-x",
  ]);
  assert.equal(read(["-h"]).settings.help, true);
  assert.equal(read(["doctor", "--help"]).settings.help, true);
  assert.equal(read(["-V"]).settings.version, true);
});

Deno.test("transport and log level: aliases, the --http flag, bad values named", () => {
  const aliased = read([], { TRANSPORT: "Streamable-HTTP" });
  assert.equal(aliased.settings.transport, "http");
  assert.equal(aliased.settings.http?.host, "127.0.0.1");
  assert.equal(aliased.settings.http?.port, 8050);
  assert.equal(read([], { TRANSPORT: "streamable_http" }).settings.transport, "http");
  assert.equal(read([], { TRANSPORT: "SSE" }).settings.http?.transport, "sse");
  assert.equal(read(["--http"], { TRANSPORT: "stdio" }).settings.transport, "http");
  const stdio = read([]);
  assert.equal(stdio.settings.transport, "stdio");
  assert.equal(stdio.settings.http, undefined);
  assert.equal(stdio.settings.logLevel, "info");

  const bad = read([], { TRANSPORT: "carrier-pigeon", LOG_LEVEL: "loud" });
  assert.deepEqual(named(bad.problems), [["LOG_LEVEL"], ["TRANSPORT"]]);
  assert.match(bad.problems[0].message, /LOG_LEVEL must be one of error, warn, info, debug/);
  assert.match(bad.problems[1].message, /TRANSPORT must be stdio \(the default\), http or sse/);
  assert.equal(bad.settings.transport, "stdio");
  assert.equal(bad.settings.logLevel, "info");
  assert.equal(read([], { LOG_LEVEL: "DEBUG" }).settings.logLevel, "debug");

  const open = read(["--http"], { HOST: "0.0.0.0" });
  assert.deepEqual(named(open.problems), [["MCP_AUTH_TOKEN", "HOST"]]);
  assert.equal(open.settings.http, undefined);
  const remote = read(["--http"], { HOST: "0.0.0.0", MCP_AUTH_TOKEN: TOKEN });
  assert.deepEqual(remote.problems, []);
  assert.equal(remote.settings.http?.token, TOKEN);
});

Deno.test("tool settings: flags add to the environment and cannot turn read-only off", () => {
  assert.deepEqual(read([], { AUTOTASK_TOOLSETS: "tickets, crm" }).settings.toolsets, [
    "tickets",
    "crm",
  ]);
  assert.deepEqual(
    read(["--toolsets=time"], { AUTOTASK_TOOLSETS: "tickets" }).settings.toolsets,
    ["time"],
    "the flag replaces the variable",
  );
  assert.equal(read([]).settings.toolsets, undefined, "the default toolsets");
  assert.deepEqual(
    read(["--exclude-tools=c"], { AUTOTASK_EXCLUDE_TOOLS: "a, b" }).settings.excludeTools,
    ["a", "b", "c"],
  );
  assert.deepEqual(read([]).settings.excludeTools, []);

  assert.equal(read(["--read-only"], { AUTOTASK_READ_ONLY: "false" }).settings.readOnly, true);
  assert.equal(read([], { AUTOTASK_READ_ONLY: "true" }).settings.readOnly, true);
  assert.equal(read([]).settings.readOnly, false);
  assert.deepEqual(named(read([], { AUTOTASK_READ_ONLY: "perhaps" }).problems), [[
    "AUTOTASK_READ_ONLY",
  ]]);
});

Deno.test("result cap and budget shares: defaults, and every bad value reported at once", () => {
  const defaults = read([]).settings;
  assert.equal(defaults.maxResultChars, DEFAULT_MAX_RESULT_CHARS);
  assert.equal(defaults.budgetWarn, 0.8);
  assert.equal(defaults.budgetHard, 0.95);
  const set = read([], {
    AUTOTASK_MAX_RESULT_CHARS: "8000",
    AUTOTASK_BUDGET_WARN: "0.5",
    AUTOTASK_BUDGET_HARD: "0.9",
  }).settings;
  assert.deepEqual([set.maxResultChars, set.budgetWarn, set.budgetHard], [8000, 0.5, 0.9]);

  const bad = read([], {
    AUTOTASK_MAX_RESULT_CHARS: "1000",
    AUTOTASK_BUDGET_WARN: "0.99",
    LOG_LEVEL: "loud",
  });
  assert.deepEqual(named(bad.problems), [
    ["LOG_LEVEL"],
    ["AUTOTASK_MAX_RESULT_CHARS"],
    ["AUTOTASK_BUDGET_WARN", "AUTOTASK_BUDGET_HARD"],
  ]);
  assert.ok(bad.problems.every((problem) => problem instanceof ConfigError));
  assert.equal(bad.settings.maxResultChars, DEFAULT_MAX_RESULT_CHARS);
  assert.equal(bad.settings.budgetWarn, 0.8);
});

Deno.test("HTTP settings: refusals name the variable and never hold the token", () => {
  const refuse = (env: Env, pattern: RegExp) => {
    let error: unknown;
    try {
      loadHttpConfig("http", reader(env));
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(env)}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes(TOKEN));
  };
  refuse({ HOST: "0.0.0.0" }, /HOST=0\.0\.0\.0 .*MCP_AUTH_TOKEN/);
  refuse({ HOST: "192.168.1.20" }, /MCP_AUTH_TOKEN/);
  refuse({ HOST: "::" }, /MCP_AUTH_TOKEN/);
  refuse({ MCP_AUTH_TOKEN: "short" }, /at least 16/);
  refuse({ MCP_AUTH_TOKEN: `${TOKEN} with spaces` }, /without spaces/);
  refuse({ PORT: "80a" }, /PORT must be a whole number/);
  refuse({ PORT: "70000" }, /PORT/);
  refuse({ MCP_RATE_LIMIT: "-1" }, /MCP_RATE_LIMIT/);
  refuse({ MCP_ALLOWED_HOSTS: "https://mcp.example.com" }, /MCP_ALLOWED_HOSTS/);
  refuse({ MCP_ALLOWED_ORIGINS: "https://*" }, /MCP_ALLOWED_ORIGINS/);
  refuse({ MCP_ALLOWED_ORIGINS: "https://app.example.com/path" }, /MCP_ALLOWED_ORIGINS/);
  refuse({ HOST: "http://x" }, /HOST must be an IP address/);
  refuse({ HOST: "mcp.corp.example", MCP_AUTH_TOKEN: TOKEN }, /not a host name.*MCP_ALLOWED_HOSTS/);

  const defaults = loadHttpConfig("http", reader({}));
  assert.equal(defaults.host, "127.0.0.1");
  assert.equal(defaults.port, 8050);
  assert.equal(defaults.rateLimitPerMinute, 300);
  assert.equal(defaults.maxBodyBytes, 1024 * 1024);
  assert.equal(defaults.token, undefined);
  assert.deepEqual(defaults.allow.hosts, ["localhost", "127.0.0.1", "[::1]"]);
  const remote = loadHttpConfig(
    "sse",
    reader({ HOST: "10.0.0.5", MCP_AUTH_TOKEN: TOKEN, MCP_ALLOWED_HOSTS: "mcp.corp, [fd00::1]" }),
  );
  assert.deepEqual(remote.allow.hosts.slice(3), ["10.0.0.5", "mcp.corp", "[fd00::1]"]);
  assert.equal(loadHttpConfig("http", reader({ HOST: "[::1]" })).host, "::1");
  assert.equal(loadHttpConfig("http", reader({ HOST: "localhost" })).host, "127.0.0.1");
  for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (const host of ["0.0.0.0", "::", "10.0.0.1", "localhost.example.com", "128.0.0.1"]) {
    assert.ok(!isLoopbackHost(host), host);
  }
});

Deno.test("AUTOTASK_TIME_ZONE: an IANA name, else the machine's zone; a bad name is named", () => {
  const read = (value?: string) =>
    readSettings([], { env: (name) => name === "AUTOTASK_TIME_ZONE" ? value : undefined });
  assert.equal(read("America/Los_Angeles").settings.timeZone, "America/Los_Angeles");
  assert.equal(read(" Asia/Tokyo ").settings.timeZone, "Asia/Tokyo");
  const machine = Intl.DateTimeFormat().resolvedOptions().timeZone;
  assert.equal(read().settings.timeZone, machine);
  assert.equal(read("").settings.timeZone, machine);
  const bad = read("Pacific Standard Time");
  assert.equal(bad.settings.timeZone, machine, "the default stands in");
  assert.deepEqual(bad.problems.map((p) => p.variables), [["AUTOTASK_TIME_ZONE"]]);
  assert.match(bad.problems[0].message, /IANA time zone name such as America\/Los_Angeles/);
});
