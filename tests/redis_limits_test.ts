/** Replicas share Autotask's limits through a real redis-server (Debian's package) on 127.0.0.1. */

import assert from "node:assert/strict";
import { AutotaskClient } from "../lib/autotask/client.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import { connectRedisLimits } from "../lib/autotask/redis_limits.ts";
import { LeaseTimeout, type SharedLimits } from "../lib/autotask/shared_limits.ts";
import { SANDBOX_CREDENTIALS, type ServedSandbox } from "../lib/sandbox/mod.ts";
import { callOk, startTenant, tenantEnv } from "./harness.ts";
import { connectHttp, startHttpServer } from "./http_harness.ts";

/** A redis-server the test starts on a free loopback port and stops. */
interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function startRedis(): Promise<RedisServer> {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("redis-server", {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
  } catch (error) {
    throw new Error(
      `redis-server is missing (${(error as Error).message}): apt-get install -y redis-server`,
    );
  }
  for (let i = 0;; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch (error) {
      if (i > 100) {
        child.kill("SIGKILL");
        await child.status;
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await child.status;
    },
  };
}

function clientWith(tenant: ServedSandbox, shared: SharedLimits): AutotaskClient {
  return new AutotaskClient({
    credentials: SANDBOX_CREDENTIALS,
    baseUrl: `${tenant.restBase}V1.0/`,
    timeoutMs: 20_000,
  }, { shared });
}

Deno.test("redis: two server processes together never exceed 3 in flight per entity at the tenant", async () => {
  const redis = await startRedis();
  // The tenant would take up to 50 at once: only the servers' shared slots hold them to 3.
  const tenant = await startTenant({ latencyMs: 40, threadLimit: 50 });
  const env = { ...tenantEnv(tenant), REDIS_URL: redis.url };
  const servers = await Promise.all([startHttpServer({ env }), startHttpServer({ env })]);
  try {
    for (const server of servers) assert.match(server.stderr(), /through redis at 127\.0\.0\.1/);
    const clients = await Promise.all(servers.map((server) => connectHttp(server.origin)));
    try {
      await Promise.all(
        clients.flatMap((client) =>
          Array.from({ length: 8 }, () => callOk(client, "search_tickets", { limit: 1 }))
        ),
      );
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    assert.equal(tenant.sandbox.maxInFlight("Tickets"), 3);
  } finally {
    const stopped = await Promise.all(servers.map((server) => server.stop()));
    for (const { code } of stopped) assert.equal(code, 0);
    await tenant.close();
    await redis.stop();
  }
});

Deno.test("redis: two clients' leases hold the shared limit; a crashed holder's lease expires", async () => {
  const redis = await startRedis();
  const [a, b] = await Promise.all([
    connectRedisLimits(redis.url, { prefix: "t1:" }),
    connectRedisLimits(redis.url, { prefix: "t1:" }),
  ]);
  try {
    const soon = () => performance.now() + 100;
    const held = [
      await a.lease("Tickets", { limit: 3, ttlMs: 10_000, deadline: soon() }),
      await b.lease("Tickets", { limit: 3, ttlMs: 10_000, deadline: soon() }),
      // "Crashes" holding this one: never released, it expires after 300 ms.
      await a.lease("Tickets", { limit: 3, ttlMs: 300, deadline: soon() }),
    ];
    await assert.rejects(
      b.lease("Tickets", { limit: 3, ttlMs: 10_000, deadline: soon() }),
      LeaseTimeout,
    );
    // Another entity has its own slots.
    (await b.lease("Companies", { limit: 3, ttlMs: 10_000, deadline: soon() }))();
    // Released slots free up for the other client at once.
    held[0]();
    (await b.lease("Tickets", { limit: 3, ttlMs: 10_000, deadline: soon() }))();
    // The expired lease frees its slot without a release.
    const started = performance.now();
    const late = await b.lease("Tickets", {
      limit: 2,
      ttlMs: 10_000,
      deadline: performance.now() + 2_000,
    });
    assert.ok(performance.now() - started >= 150, "the crashed holder's slot was taken early");
    late();
    held[1]();
  } finally {
    await a.close();
    await b.close();
    await redis.stop();
  }
});

Deno.test("redis: the hourly count and users' shares are the replicas' together", async () => {
  const redis = await startRedis();
  const tenant = await startTenant({ threshold: { limit: 100, used: 0, timeframeMinutes: 60 } });
  const [sharedA, sharedB] = await Promise.all([
    connectRedisLimits(redis.url),
    connectRedisLimits(redis.url),
  ]);
  const config = {
    credentials: SANDBOX_CREDENTIALS,
    baseUrl: `${tenant.restBase}V1.0/`,
    timeoutMs: 10_000,
    userBudgetShare: 0.1,
  };
  const a = new AutotaskClient(config, { shared: sharedA });
  const b = new AutotaskClient(config, { shared: sharedB });
  try {
    for (let i = 0; i < 5; i++) await a.count("Tickets", { user: "alice" });
    for (let i = 0; i < 5; i++) await b.count("Tickets", { user: "alice" });
    // Alice's 10 requests went through two replicas; her 10% share of 100 is used up on both.
    for (const replica of [a, b]) {
      await assert.rejects(
        replica.count("Tickets", { user: "alice" }),
        (error: unknown) =>
          error instanceof AutotaskError && /10 of your 10 requests/.test(error.message),
      );
    }
    assert.ok(await b.count("Tickets", { user: "bob" }) > 0);
    // Each replica counts the other's requests since its reading: A's next call sees all 12.
    assert.ok(await a.count("Tickets", { user: "carol" }) > 0);
    assert.equal(a.stats().budget.sinceSync, 12);
  } finally {
    await sharedA.close();
    await sharedB.close();
    await tenant.close();
    await redis.stop();
  }
});

Deno.test("redis: with Redis gone, calls are not sent and say why; unreachable at start is refused", async () => {
  const redis = await startRedis();
  const tenant = await startTenant();
  const shared = await connectRedisLimits(redis.url, { commandTimeoutMs: 500 });
  const client = clientWith(tenant, shared);
  try {
    assert.ok(await client.count("Tickets") > 0);
    await redis.stop();
    const sent = tenant.sandbox.maxInFlight();
    const error = await client.count("Tickets").then(
      () => assert.fail("a call was sent without the shared limits"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof AutotaskError, String(error));
    assert.equal(error.category, "unavailable");
    assert.match(error.message, /was not sent/);
    assert.match(error.message, /Check that Redis is running and REDIS_URL is right/);
    assert.equal(tenant.sandbox.maxInFlight(), sent);
  } finally {
    await shared.close();
    await tenant.close();
    await redis.stop();
  }
  await assert.rejects(
    connectRedisLimits(redis.url, { commandTimeoutMs: 500 }),
    /Could not connect to redis at 127\.0\.0\.1/,
  );
});

Deno.test("redis: REDIS_URL without its host in the network permission refuses to start, naming it", async () => {
  const tenant = await startTenant();
  try {
    // The production flags plus loopback: 10.9.8.7 is not in them.
    const server = startHttpServer({
      env: { ...tenantEnv(tenant), REDIS_URL: "redis://:hunter2secret@10.9.8.7:6380" },
    });
    const error = await server.then(
      () => assert.fail("started without the Redis host in the permission"),
      (error: Error) => error,
    );
    assert.match(error.message, /exited with code 2/);
    assert.match(error.message, /network permission does not allow 10\.9\.8\.7:6380/);
    assert.doesNotMatch(error.message, /hunter2secret/);
  } finally {
    await tenant.close();
  }
});
