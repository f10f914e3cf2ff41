/** Autotask's limits shared by the server's replicas through Redis (`REDIS_URL`): slot leases, request counts. */

import { createClient } from "@redis/client";
import type { Release } from "./gate.ts";
import {
  type LeaseOptions,
  LeaseTimeout,
  type SharedLimits,
  SharedLimitsError,
  type SharedTake,
} from "./shared_limits.ts";
import { BUCKET_MS } from "./user_usage.ts";

/** Options of {@linkcode connectRedisLimits}. */
export interface RedisLimitsOptions {
  /** Prefix of every key (default `autotask-mcp:`): replicas of one deployment use the same. */
  prefix?: string;
  /** Longest wait for one Redis answer before the call is not sent (default 2,000 ms). */
  commandTimeoutMs?: number;
}

/** How often a waiter looks for a freed shared slot. */
const POLL_MS = 10;

/**
 * Takes a slot: drops leases past their expiry (by Redis's clock, so the replicas' clocks do
 * not matter), then adds one if fewer than the limit are held. Answers 1, or 0 when full.
 */
const LEASE_SCRIPT = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

/**
 * Counts a call for a user in per-minute buckets (a hash: minute -> count) unless the cap is
 * reached, and one request on the shared counter. Answers {ok, used, oldest minute or total}.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local bucket = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local first = math.floor((now - window) / bucket)
local used = 0
local oldest = nil
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local minute = tonumber(fields[i])
  if minute < first then
    redis.call('HDEL', KEYS[1], fields[i])
  else
    used = used + tonumber(fields[i + 1])
    if oldest == nil or minute < oldest then oldest = minute end
  end
end
if cap >= 0 and used >= cap then return {0, used, oldest or first} end
redis.call('HINCRBY', KEYS[1], tostring(math.floor(now / bucket)), 1)
redis.call('PEXPIRE', KEYS[1], window + bucket)
return {1, used + 1, redis.call('INCR', KEYS[2])}
`;

/**
 * Connects to the Redis at `url` and answers the limits the replicas share
 * through it. Rejects with {@linkcode SharedLimitsError} when Redis cannot be reached.
 */
export async function connectRedisLimits(
  url: string,
  options: RedisLimitsOptions = {},
): Promise<SharedLimits> {
  const parsed = new URL(url);
  const description = `redis at ${parsed.hostname}:${parsed.port || "6379"}`;
  const timeoutMs = options.commandTimeoutMs ?? 2_000;
  const client = createClient({
    url,
    // The maintenance hand-shake reads REDIS_DEBUG_* variables: with it off the client needs
    // no permission but the network one to the Redis host.
    maintNotifications: "disabled",
    // A call made while Redis is down fails at once rather than waiting in a queue.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: timeoutMs,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000),
    },
  });
  let lastError = "";
  client.on("error", (error: Error) => {
    lastError = error.message;
  });
  try {
    await withTimeout(client.connect(), timeoutMs, description);
  } catch (error) {
    await client.destroy();
    throw new SharedLimitsError(
      `Could not connect to ${description} (REDIS_URL): ${lastError || (error as Error).message}`,
      { cause: error },
    );
  }
  const prefix = options.prefix ?? "autotask-mcp:";
  const totalKey = `${prefix}requests`;
  const command = async (args: string[]): Promise<unknown> => {
    if (!client.isReady) {
      throw new SharedLimitsError(
        `${description} is not connected${lastError ? ` (${lastError})` : ""}`,
      );
    }
    return await withTimeout(client.sendCommand(args), timeoutMs, description);
  };
  let nextToken = 0;
  const tokenBase = crypto.randomUUID();

  return {
    description,
    async lease(key: string, lease: LeaseOptions): Promise<Release> {
      const slots = `${prefix}slots:${key}`;
      const token = `${tokenBase}:${nextToken++}`;
      for (;;) {
        lease.signal?.throwIfAborted();
        const granted = await command([
          "EVAL",
          LEASE_SCRIPT,
          "1",
          slots,
          String(lease.limit),
          String(Math.ceil(lease.ttlMs)),
          token,
        ]);
        if (Number(granted) === 1) {
          let released = false;
          return () => {
            if (released) return;
            released = true;
            // Should Redis not answer, the lease expires on its own.
            command(["ZREM", slots, token]).catch(() => {});
          };
        }
        if (performance.now() + POLL_MS > lease.deadline) throw new LeaseTimeout(key);
        await pause(POLL_MS, lease.signal);
      }
    },
    async take(user: string, share: { cap?: number; windowMs: number }): Promise<SharedTake> {
      const reply = await command([
        "EVAL",
        TAKE_SCRIPT,
        "2",
        `${prefix}user:${user}`,
        totalKey,
        String(BUCKET_MS),
        String(Math.ceil(share.windowMs)),
        String(share.cap ?? -1),
      ]) as number[];
      const [ok, used, third] = reply.map(Number);
      if (ok === 1) return { ok: true, used, total: third };
      return { ok: false, used, freesAt: (third + 1) * BUCKET_MS + share.windowMs, total: NaN };
    },
    async count(): Promise<number> {
      return Number(await command(["INCR", totalKey]));
    },
    async total(): Promise<number> {
      return Number(await command(["GET", totalKey]) ?? 0);
    },
    async close(): Promise<void> {
      await client.close().catch(() => client.destroy());
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, description: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SharedLimitsError(`${description} did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
