/**
 * `deno task dev` runs this first: without a `.env` the server would stop on missing credentials
 * and `--watch` would wait forever for a change, so say what to do and exit instead.
 */

/** What a developer without `.env` is told. */
export const NO_ENV_FILE =
  "No .env file here: copy .env.example to .env (cp .env.example .env) and fill in the API " +
  "user's credentials, or try the server without any: deno task sandbox";

if (import.meta.main) {
  try {
    Deno.statSync(".env");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    console.error(NO_ENV_FILE);
    Deno.exit(1);
  }
}
