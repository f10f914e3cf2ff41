/** Wires the Autotask client to the in-process simulated tenant (demo mode: no network, no credentials). */

import { AutotaskClient } from "../autotask/client.ts";
import { type EnvReader, loadBudgetShares, processEnv } from "../autotask/config.ts";
import { Sandbox, SANDBOX_CREDENTIALS } from "../sandbox/mod.ts";

/** The REST base the in-process tenant answers on; never resolved over the network. */
export const SANDBOX_BASE_URL = "https://sandbox.autotask.invalid/ATServicesRest/V1.0/";

/**
 * A client whose requests are answered by a fresh in-process sandbox. The
 * budget shares come from the environment (`env`) as in production, so the
 * demo shows the same warnings.
 */
export function createSandboxClient(
  sandbox: Sandbox = new Sandbox(),
  env: EnvReader = processEnv,
): AutotaskClient {
  return new AutotaskClient(
    {
      credentials: SANDBOX_CREDENTIALS,
      baseUrl: SANDBOX_BASE_URL,
      timeoutMs: 30_000,
      ...loadBudgetShares(env),
    },
    { fetch: (request) => sandbox.handle(request) },
  );
}
