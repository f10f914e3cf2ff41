/**
 * `autotask-mcp doctor` against the simulated tenant over HTTP, spawned with the production
 * flags plus loopback; zone discovery and budget warnings in-process. No secret is ever printed.
 */

import assert from "node:assert/strict";
import { runDoctor } from "../lib/doctor.ts";
import { SANDBOX_CREDENTIALS } from "../lib/sandbox/mod.ts";
import { binaryFlags } from "../scripts/permissions.ts";
import { selectTools } from "../tools/inventory.ts";
import { allTools } from "../tools/mod.ts";
import {
  productionFlags,
  productionFlagsPlusLoopback,
  runToExit,
  startTenant,
  tenantEnv,
} from "./harness.ts";

const WRONG_SECRET = "wrong-secret-7f3a9c21e4";
const WRONG_CODE = "WRONGINTEGRATIONCODE9876";
const NEVER_PRINTED = [
  SANDBOX_CREDENTIALS.secret,
  SANDBOX_CREDENTIALS.integrationCode,
  WRONG_SECRET,
  WRONG_CODE,
];

/** `doctor` spawned like the binary runs (production flags, loopback added for the tenant). */
async function doctor(env: Record<string, string>, args: string[] = []) {
  const result = await runToExit(await productionFlagsPlusLoopback(), env, ["doctor", ...args]);
  for (const secret of NEVER_PRINTED) {
    assert.ok(!result.stdout.includes(secret), "no secret on stdout");
    assert.ok(!result.stderr.includes(secret), "no secret on stderr");
  }
  return result;
}

/** The report line of one check: `  ✓ Zone   ...`. */
function line(stdout: string, name: string): string {
  const found = stdout.split("\n").find((l) => new RegExp(`^  \\S ${name}\\s`).test(l));
  assert.ok(found, `a line for ${name} in:\n${stdout}`);
  return found;
}

Deno.test({
  name:
    "doctor over HTTP: success, wrong secret, unknown user, wrong code, bad zone, missing variables",
  async fn(t) {
    const tenant = await startTenant();
    const env = tenantEnv(tenant);
    try {
      await t.step("a working configuration: every check passes, exit 0", async () => {
        const { code, stdout } = await doctor(env);
        assert.equal(code, 0, stdout);
        assert.match(line(stdout, "AUTOTASK_API_USERNAME"), /✓ .*sandbox-api@example\.com/);
        assert.match(
          line(stdout, "AUTOTASK_API_SECRET"),
          new RegExp(`✓ .*set \\(${SANDBOX_CREDENTIALS.secret.length} characters\\)`),
        );
        assert.match(line(stdout, "AUTOTASK_API_INTEGRATION_CODE"), /✓ .*set \(\d+ characters\)/);
        assert.match(line(stdout, "Tools"), /✓ .*\d+ tools/);
        assert.match(line(stdout, "Zone"), /✓ .*AUTOTASK_API_URL http:\/\/127\.0\.0\.1:\d+\//);
        assert.match(line(stdout, "Authentication"), /✓ /);
        assert.match(line(stdout, "Read access"), /✓ .*own company: .+ \(id 0\)/);
        assert.match(line(stdout, "Request budget"), /✓ .*\d+ of 10,000 requests used/);
        assert.match(stdout, /All checks passed/);
      });

      await t.step("wrong secret: authentication fails and names AUTOTASK_API_SECRET", async () => {
        const { code, stdout } = await doctor({ ...env, AUTOTASK_API_SECRET: WRONG_SECRET });
        assert.equal(code, 1);
        assert.match(line(stdout, "AUTOTASK_API_SECRET"), /set \(23 characters\)/);
        assert.match(line(stdout, "Zone"), /✓ /, "the host answered");
        assert.match(line(stdout, "Authentication"), /✗ .*HTTP 401.*AUTOTASK_API_SECRET/);
        assert.match(line(stdout, "Read access"), /- .*not checked/);
        assert.match(stdout, /1 check failed/);
      });

      await t.step("unknown user: names AUTOTASK_API_USERNAME", async () => {
        const { code, stdout } = await doctor({
          ...env,
          AUTOTASK_API_USERNAME: "nobody@example.com",
        });
        assert.equal(code, 1);
        assert.match(
          line(stdout, "Authentication"),
          /✗ .*does not know this API username.*AUTOTASK_API_USERNAME/,
        );
      });

      await t.step("wrong integration code: names AUTOTASK_API_INTEGRATION_CODE", async () => {
        const { code, stdout } = await doctor({
          ...env,
          AUTOTASK_API_INTEGRATION_CODE: WRONG_CODE,
        });
        assert.equal(code, 1);
        assert.match(line(stdout, "Authentication"), /✗ .*AUTOTASK_API_INTEGRATION_CODE/);
      });

      await t.step("bad zone: an unknown AUTOTASK_ZONE is a configuration failure", async () => {
        const { AUTOTASK_API_URL: _, ...withoutUrl } = env;
        const { code, stdout } = await doctor({ ...withoutUrl, AUTOTASK_ZONE: "ww7" });
        assert.equal(code, 1);
        assert.match(line(stdout, "AUTOTASK_ZONE"), /✗ .*not a known Autotask zone/);
        assert.match(line(stdout, "Zone"), /- .*fix the configuration first/);
        assert.match(line(stdout, "Authentication"), /- /);
      });

      await t.step("bad zone: a REST base that is not Autotask's answers 404", async () => {
        const { code, stdout } = await doctor({
          ...env,
          AUTOTASK_API_URL: `${tenant.origin}/NotAutotask/`,
        });
        assert.equal(code, 1);
        assert.match(line(stdout, "Zone"), /✗ .*NotAutotask.*404/);
        assert.match(line(stdout, "Authentication"), /- .*not reached/);
      });

      await t.step("bad zone: nothing listening there", async () => {
        const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const port = (closed.addr as Deno.NetAddr).port;
        closed.close();
        const { code, stdout } = await doctor({
          ...env,
          AUTOTASK_API_URL: `http://127.0.0.1:${port}/ATServicesRest/`,
        });
        assert.equal(code, 1);
        assert.match(
          line(stdout, "Zone"),
          new RegExp(`✗ .*Could not reach Autotask at 127\\.0\\.0\\.1:${port}`),
        );
      });

      await t.step("a host outside *.autotask.net is refused by the permissions", async () => {
        const { code, stdout } = await doctor({
          ...env,
          AUTOTASK_API_URL: "https://autotask.example.com/ATServicesRest/",
        });
        assert.equal(code, 1);
        assert.match(
          line(stdout, "Zone"),
          /✗ .*not permitted: this build may only reach \*\.autotask\.net:443/,
        );
      });

      await t.step("missing variables: each is named, Autotask is not contacted", async () => {
        const before = tenant.sandbox.log.length;
        const { code, stdout } = await doctor({});
        assert.equal(code, 1);
        for (
          const name of [
            "AUTOTASK_API_USERNAME",
            "AUTOTASK_API_SECRET",
            "AUTOTASK_API_INTEGRATION_CODE",
          ]
        ) {
          assert.match(line(stdout, name), /✗ .*not set/);
        }
        assert.match(line(stdout, "AUTOTASK_API_SECRET"), /AUTOTASK_SECRET/, "names the alias");
        assert.match(line(stdout, "Zone"), /- /);
        assert.match(stdout, /3 checks failed/);
        assert.equal(tenant.sandbox.log.length, before);
      });

      await t.step("a secret wrapped in quotes is a warning, and still never printed", async () => {
        const { stdout } = await doctor({ ...env, AUTOTASK_API_SECRET: `"${WRONG_SECRET}"` });
        assert.match(line(stdout, "AUTOTASK_API_SECRET"), /! .*wrapped in quotes/);
      });

      await t.step("bad settings are named: AUTOTASK_TOOLSETS, AUTOTASK_TIMEOUT_MS", async () => {
        const { code, stdout } = await doctor({
          ...env,
          AUTOTASK_TOOLSETS: "tickets,nonsense",
          AUTOTASK_TIMEOUT_MS: "5",
        });
        assert.equal(code, 1);
        assert.match(line(stdout, "AUTOTASK_TOOLSETS"), /✗ .*Unknown toolset "nonsense"/);
        assert.match(line(stdout, "AUTOTASK_TIMEOUT_MS"), /✗ /);
      });

      await t.step(
        "HTTP mode: the binary's flags allow 127.0.0.1:8050 and no other port",
        async () => {
          const flags = binaryFlags();
          const ok = await runToExit(flags, { TRANSPORT: "http" }, ["doctor", "--sandbox"]);
          assert.equal(ok.code, 0, ok.stdout);
          assert.match(line(ok.stdout, "TRANSPORT"), /✓ .*http on 127\.0\.0\.1:8050/);
          const other = await runToExit(flags, { TRANSPORT: "http", PORT: "9000" }, [
            "doctor",
            "--sandbox",
          ]);
          assert.equal(other.code, 1);
          assert.match(
            line(other.stdout, "HOST, PORT"),
            /✗ .*this build may not listen on 127\.0\.0\.1:9000/,
          );
        },
      );

      await t.step("doctor --sandbox needs no variables", async () => {
        const { code, stdout } = await doctor({}, ["--sandbox"]);
        assert.equal(code, 0, stdout);
        assert.match(line(stdout, "Zone"), /✓ .*simulated tenant/);
        assert.match(line(stdout, "Read access"), /✓ .*own company/);
      });

      await t.step("doctor --help and unknown arguments", async () => {
        const help = await doctor({}, ["--help"]);
        assert.equal(help.code, 0);
        assert.match(help.stdout, /doctor \[--sandbox\]/);
        const wrong = await doctor({}, ["--fix"]);
        assert.equal(wrong.code, 2);
        assert.match(wrong.stderr, /unknown argument --fix/);
      });
    } finally {
      await tenant.close();
    }
  },
});

Deno.test("doctor honours AUTOTASK_SANDBOX, stands anywhere on the command line, and says what it checked", async () => {
  const flags = await productionFlags();
  // `deno task sandbox doctor` runs `main.ts --sandbox doctor`; the flags of serving apply to
  // doctor's checks as they would to the server.
  const runs = [
    await runToExit(flags, { AUTOTASK_SANDBOX: "1" }, ["doctor"]),
    await runToExit(flags, {}, ["--sandbox", "--read-only", "doctor"]),
  ];
  for (const { code, stdout } of runs) {
    assert.equal(code, 0, stdout);
    assert.match(stdout, /doctor \(sandbox\)/);
    assert.match(line(stdout, "Mode"), /✓ Mode\s+sandbox/);
    assert.match(line(stdout, "Zone"), /✓ .*simulated tenant/);
    const auth = line(stdout, "Authentication");
    assert.match(auth, /✓ .*simulated tenant/);
    assert.doesNotMatch(auth, /Autotask accepted/, "no claim about real credentials");
    assert.match(line(stdout, "Request budget"), /simulated/);
  }
  assert.doesNotMatch(line(runs[0].stdout, "Tools"), /read-only/);
  assert.match(line(runs[1].stdout, "Tools"), /✓ .*, read-only$/);
});

/** Runs the doctor in-process and returns its printed lines. */
async function inProcess(
  env: Record<string, string>,
  options: { zoneDiscoveryUrl?: string } = {},
) {
  const lines: string[] = [];
  const report = await runDoctor({
    env: (name) => env[name],
    selectTools: (choice) => selectTools(allTools(), choice),
    print: (l) => lines.push(l),
    ...options,
  });
  const text = lines.join("\n");
  for (const secret of NEVER_PRINTED) assert.ok(!text.includes(secret));
  return { ...report, text };
}

Deno.test({
  name: "doctor in-process: zone discovery, a zone that does not match it, and the budget warning",
  async fn() {
    const tenant = await startTenant();
    const busy = await startTenant({ threshold: { used: 8_600 } });
    try {
      const credentials = {
        AUTOTASK_API_USERNAME: SANDBOX_CREDENTIALS.username,
        AUTOTASK_API_SECRET: SANDBOX_CREDENTIALS.secret,
        AUTOTASK_API_INTEGRATION_CODE: SANDBOX_CREDENTIALS.integrationCode,
      };
      const discovery = { zoneDiscoveryUrl: tenant.zoneDiscoveryUrl };

      const discovered = await inProcess(credentials, discovery);
      assert.ok(discovered.ok, discovered.text);
      assert.match(
        discovered.text,
        /✓ Zone\s+discovered from the username: http:\/\/127\.0\.0\.1:\d+\/ATServicesRest\/V1\.0\//,
      );

      const unknown = await inProcess({
        ...credentials,
        AUTOTASK_API_USERNAME: "nobody@example.com",
      }, discovery);
      assert.equal(unknown.ok, false);
      assert.match(
        unknown.text,
        /✗ Zone\s+zone discovery from the username failed: .*AUTOTASK_API_USERNAME/,
      );

      const mismatch = await inProcess({ ...credentials, AUTOTASK_ZONE: "6" }, discovery);
      assert.equal(mismatch.ok, false);
      assert.match(
        mismatch.text,
        /✗ Zone\s+AUTOTASK_ZONE=6 points at webservices6\.autotask\.net, but Autotask places this username in 127\.0\.0\.1:\d+/,
      );
      assert.equal(mismatch.checks.find((c) => c.name === "Authentication")?.status, "skip");

      const warned = await inProcess({ ...credentials, AUTOTASK_API_URL: busy.restBase });
      assert.ok(warned.ok, "a warning is not a failure");
      assert.match(
        warned.text,
        /! Request budget\s+8,60\d of 10,000 requests used .*\(86%\): past AUTOTASK_BUDGET_WARN \(80%\)/,
      );
      assert.match(warned.text, /All checks passed \(1 warning\)/);
    } finally {
      await tenant.close();
      await busy.close();
    }
  },
});
