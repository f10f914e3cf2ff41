# autotask-mcp in HTTP mode (Streamable HTTP at :8050/mcp, health check at /health).
#
#   docker build -t autotask-mcp .
#   docker run --read-only -p 8050:8050 -e MCP_AUTH_TOKEN=... -e AUTOTASK_API_USERNAME=... \
#     -e AUTOTASK_API_SECRET=... -e AUTOTASK_API_INTEGRATION_CODE=... autotask-mcp
#
# Runs as the image's non-root `deno` user with a read-only root filesystem: the dependencies are
# cached at build time and `deno run --cached-only` writes nothing. The permission flags in CMD
# are the binaries' set with the listen address on every interface; `deno task permissions`
# writes that line from scripts/permissions.ts and the tests check it. Off loopback the server
# requires MCP_AUTH_TOKEN. With REDIS_URL, add the Redis host to --allow-net (override CMD).
FROM denoland/deno:2.9.6

WORKDIR /app
COPY deno.json deno.lock main.ts ./
COPY lib/ lib/
COPY tools/ tools/
# The same dependency set `deno task test` resolves (--frozen: the lock file is the truth).
RUN deno install --frozen --entrypoint main.ts

USER deno
ENV HOST=0.0.0.0 PORT=8050
EXPOSE 8050
CMD ["deno","run","--cached-only","--no-prompt","--v8-flags=--max-semi-space-size=8,--heap-growing-percent=10","--allow-net=*.autotask.net:443,0.0.0.0:8050","--allow-env=AUTOTASK_API_USERNAME,AUTOTASK_API_SECRET,AUTOTASK_API_INTEGRATION_CODE,AUTOTASK_USERNAME,AUTOTASK_SECRET,AUTOTASK_INTEGRATION_CODE,AUTOTASK_ZONE,AUTOTASK_API_URL,AUTOTASK_IMPERSONATION_RESOURCE_ID,AUTOTASK_TIMEOUT_MS,AUTOTASK_SANDBOX,AUTOTASK_BUDGET_WARN,AUTOTASK_BUDGET_HARD,AUTOTASK_USER_BUDGET_SHARE,REDIS_URL,AUTOTASK_MAX_RESULT_CHARS,AUTOTASK_READ_ONLY,AUTOTASK_TOOLSETS,AUTOTASK_EXCLUDE_TOOLS,AUTOTASK_TIME_ZONE,AUTOTASK_WEBHOOK_SECRET,TRANSPORT,HOST,PORT,MCP_AUTH_TOKEN,MCP_ALLOWED_HOSTS,MCP_ALLOWED_ORIGINS,MCP_RATE_LIMIT,MCP_USERS,MCP_OAUTH_ISSUER,MCP_RESOURCE_URL,LOG_LEVEL","main.ts","--http"]
