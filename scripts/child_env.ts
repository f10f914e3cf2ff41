/** The environment a spawned Deno process (the server under test, the conformance suite) needs. */

/**
 * Variables passed through to child processes started with a cleared
 * environment: where Deno and its cache live, and how this machine reaches
 * the npm registry (proxy, extra CA certificates). Without the TLS ones a
 * child on a fresh cache cannot download its packages behind an intercepting
 * proxy.
 */
const PASS_THROUGH = [
  "HOME",
  "PATH",
  "USERPROFILE",
  "SystemRoot",
  "TEMP",
  "TMP",
  "DENO_DIR",
  "XDG_CACHE_HOME",
  "NPM_CONFIG_REGISTRY",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
];

/** The pass-through variables that are set here, plus NO_COLOR. */
export function childEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of PASS_THROUGH) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  return env;
}
