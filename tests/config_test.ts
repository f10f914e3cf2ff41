/** Configuration: credential aliases, zone forms, API URL normalisation, errors without secrets. */

import assert from "node:assert/strict";
import {
  ConfigError,
  ENV_VARS,
  type EnvVar,
  loadConfig,
  normalizeApiUrl,
  zoneBaseUrl,
} from "../lib/autotask/config.ts";

const SECRET = "s3cr3t-value-XYZ";
const CODE = "INTEGRATIONCODE123";

function env(values: Partial<Record<EnvVar, string>>) {
  return (name: EnvVar) => values[name];
}

const creds = {
  AUTOTASK_API_USERNAME: "api@example.com",
  AUTOTASK_API_SECRET: SECRET,
  AUTOTASK_API_INTEGRATION_CODE: CODE,
};

Deno.test("credentials: the seed's names and the aliases other servers use", () => {
  const a = loadConfig(env(creds));
  assert.deepEqual(a.credentials, {
    username: "api@example.com",
    secret: SECRET,
    integrationCode: CODE,
  });
  const b = loadConfig(
    env({ AUTOTASK_USERNAME: "u@x.com", AUTOTASK_SECRET: SECRET, AUTOTASK_INTEGRATION_CODE: CODE }),
  );
  assert.equal(b.credentials.username, "u@x.com");
  assert.equal(b.baseUrl, undefined, "no zone and no URL: zone discovery");
});

Deno.test("missing credentials name every missing variable and no value", () => {
  let error: unknown;
  try {
    loadConfig(env({ AUTOTASK_API_SECRET: SECRET }));
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof ConfigError);
  assert.match(error.message, /AUTOTASK_API_USERNAME/);
  assert.match(error.message, /AUTOTASK_API_INTEGRATION_CODE/);
  assert.doesNotMatch(error.message, /AUTOTASK_API_SECRET/);
  assert.ok(!error.message.includes(SECRET));
});

Deno.test("partial credentials: the message names only what is missing", () => {
  const { AUTOTASK_API_SECRET: _, ...withoutSecret } = creds;
  assert.throws(() => loadConfig(env(withoutSecret)), (error: Error) => {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.variables, ["AUTOTASK_API_SECRET"]);
    assert.match(error.message, /set AUTOTASK_API_SECRET \(the API user's secret\)$/);
    // What is set is not listed as if it were missing.
    assert.doesNotMatch(error.message, /username|integration code|USERNAME|INTEGRATION_CODE/);
    return true;
  });
});

Deno.test("AUTOTASK_ZONE accepts ww6, 6, webservices6 and the host name", () => {
  for (
    const form of ["ww6", "6", "webservices6", "WebServices6", "webservices6.autotask.net", " ww6 "]
  ) {
    assert.equal(zoneBaseUrl(form), "https://webservices6.autotask.net/ATServicesRest/V1.0/", form);
  }
  assert.equal(zoneBaseUrl("ww14"), "https://webservices14.autotask.net/ATServicesRest/V1.0/");
  assert.throws(() => zoneBaseUrl("ww7"), /AUTOTASK_ZONE is not a known Autotask zone/);
  assert.throws(() => zoneBaseUrl("europe"), /AUTOTASK_ZONE/);
  assert.equal(
    loadConfig(env({ ...creds, AUTOTASK_ZONE: "ww5" })).baseUrl,
    "https://webservices5.autotask.net/ATServicesRest/V1.0/",
  );
});

Deno.test("AUTOTASK_API_URL with or without V1.0, https or loopback http only", () => {
  assert.equal(
    normalizeApiUrl("https://webservices5.autotask.net/ATServicesRest/"),
    "https://webservices5.autotask.net/ATServicesRest/V1.0/",
  );
  assert.equal(
    normalizeApiUrl("https://webservices5.autotask.net/ATServicesRest/V1.0"),
    "https://webservices5.autotask.net/ATServicesRest/V1.0/",
  );
  assert.equal(
    normalizeApiUrl("http://127.0.0.1:8123/ATServicesRest"),
    "http://127.0.0.1:8123/ATServicesRest/V1.0/",
  );
  assert.throws(
    () => normalizeApiUrl("http://proxy.example.com/ATServicesRest/"),
    /must use https/,
  );
  assert.throws(() => normalizeApiUrl("not a url"), /AUTOTASK_API_URL is not a valid URL/);
  assert.throws(
    () => normalizeApiUrl(`https://user:${SECRET}@x.autotask.net/`),
    (e: Error) => !e.message.includes(SECRET),
  );
  // The URL wins over the zone: it is the explicit override.
  const both = loadConfig(
    env({
      ...creds,
      AUTOTASK_ZONE: "6",
      AUTOTASK_API_URL: "https://webservices2.autotask.net/ATServicesRest/",
    }),
  );
  assert.equal(both.baseUrl, "https://webservices2.autotask.net/ATServicesRest/V1.0/");
});

Deno.test("impersonation and timeout are validated", () => {
  assert.equal(
    loadConfig(env({ ...creds, AUTOTASK_IMPERSONATION_RESOURCE_ID: "29682885" }))
      .impersonationResourceId,
    29682885,
  );
  assert.throws(
    () => loadConfig(env({ ...creds, AUTOTASK_IMPERSONATION_RESOURCE_ID: "abc" })),
    /AUTOTASK_IMPERSONATION_RESOURCE_ID/,
  );
  assert.throws(
    () => loadConfig(env({ ...creds, AUTOTASK_TIMEOUT_MS: "5" })),
    /AUTOTASK_TIMEOUT_MS/,
  );
});

Deno.test("the production permission set allows exactly the variables the product reads", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const start: string = config.tasks.start;
  const allowEnv = /--allow-env=(\S+)/.exec(start)?.[1].split(",") ?? [];
  assert.deepEqual([...allowEnv].sort(), [...ENV_VARS].sort());
  assert.match(start, /--allow-net=\*\.autotask\.net:443(\s|$)/);
  assert.match(start, /--no-prompt/);
  assert.doesNotMatch(start, /--allow-(read|write|run|ffi|sys|all)|\s-A\s/);
});
