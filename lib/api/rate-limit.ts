// Rate limits, in-process by default and shared by every Wearhouse process through Redis when
// REDIS_URL is set: per-key token buckets for the Application API (`rate` requests per second
// sustained, `burst` at once), and per-client failed-attempt limits checked before authentication
// (bad App Keys per IP; the portal's sign-in can count failed passwords the same way).
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { errorFields, log } from '../log';

export type RateVerdict = { allowed: boolean; retryAfterSeconds: number };

export interface RateLimiter {
  take(bucket: string): Promise<RateVerdict>;
  close(): Promise<void>;
}

export type RateSettings = { rate: number; burst: number };

const ALLOW: RateVerdict = { allowed: true, retryAfterSeconds: 0 };

export function unlimited(): RateLimiter {
  return { take: async () => ALLOW, close: async () => {} };
}

export function inProcessLimiter({ rate, burst }: RateSettings, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      // A clock that steps back (NTP, a resumed VM) refills nothing, rather than draining the bucket.
      bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, t - bucket.at) * rate) / 1000);
      bucket.at = t;
      buckets.set(key, bucket);
      if (buckets.size > 100_000) buckets.clear(); // bounded: a full bucket is the default anyway
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return ALLOW;
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)) };
    },
    close: async () => {},
  };
}

// The bucket's refill and take in one atomic step, timed by the Redis server's clock so that
// processes with skewed clocks still share one bucket fairly (and a failover to a server whose
// clock is behind refills nothing rather than draining every bucket).
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, retry}`;

const FIRST_CONNECTION_WAIT_MS = 1_000;

/**
 * A Redis client for a limiter. Until its first connection is up, callers wait for it (briefly)
 * instead of being waved through: a freshly started process would otherwise not count its first
 * requests at all. Later outages fail at once (no offline queue); each limiter decides what then.
 */
export function limiterRedis(url: string, outageMessage: string) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  let warned = false;
  redis.on('error', (error: Error) => {
    if (!warned) log.warn({ error: errorFields(error) }, outageMessage);
    warned = true;
  });
  redis.on('ready', () => (warned = false));
  const firstConnection = new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const event of ['ready', 'error', 'end']) redis.off(event, done);
      resolve();
    };
    const timer = setTimeout(done, FIRST_CONNECTION_WAIT_MS).unref();
    for (const event of ['ready', 'error', 'end']) redis.once(event, done);
  });
  return {
    redis,
    whenConnected: () => (redis.status === 'ready' ? Promise.resolve() : firstConnection),
    close: async () => void (await redis.quit().catch(() => undefined)),
  };
}

export function redisLimiter({ rate, burst }: RateSettings, url: string, prefix: string): RateLimiter {
  const { redis, whenConnected, close } = limiterRedis(url, 'rate limiting through Redis failed; allowing requests');
  return {
    async take(key) {
      await whenConnected();
      try {
        const [allowed, retry] = (await redis.eval(TAKE_SCRIPT, 1, `${prefix}${key}`, rate, burst)) as [number, number];
        return allowed === 1 ? ALLOW : { allowed: false, retryAfterSeconds: Math.max(1, retry) };
      } catch {
        // Redis down: a limiter must not take the API down with it.
        return ALLOW;
      }
    },
    close,
  };
}

export function limiterFromConfig(settings: RateSettings, redis: { url?: string; prefix: string }): RateLimiter {
  if (settings.rate <= 0) return unlimited();
  return redis.url ? redisLimiter(settings, redis.url, `${redis.prefix}rate:`) : inProcessLimiter(settings);
}

/**
 * Failed attempts per client, checked before the work an attempt costs: `check` before
 * authenticating (no lookup once the client has failed too often), `fail` after a failure.
 */
export interface AttemptLimiter {
  check(client: string): Promise<RateVerdict>;
  fail(client: string): Promise<void>;
  close(): Promise<void>;
}

/** `attempts` failures per client within `windowSeconds`; 0 attempts turns the limit off. */
export type AttemptSettings = { attempts: number; windowSeconds: number };

export function noAttemptLimit(): AttemptLimiter {
  return { check: async () => ALLOW, fail: async () => {}, close: async () => {} };
}

/**
 * A failed-attempt limit on rate-limiter-flexible: in memory, or in Redis (keys under `prefix`)
 * with an in-memory stand-in while Redis is unreachable, so an outage of Redis neither opens the
 * gate to floods nor refuses everyone.
 */
export function attemptLimiter(settings: AttemptSettings, options: { redisUrl?: string; prefix: string }): AttemptLimiter {
  if (settings.attempts <= 0) return noAttemptLimit();
  const shape = { points: settings.attempts, duration: settings.windowSeconds };
  const memory = new RateLimiterMemory({ ...shape, keyPrefix: options.prefix });
  const redis = options.redisUrl ? limiterRedis(options.redisUrl, 'failed-attempt limits through Redis failed; counting in this process') : undefined;
  // While Redis is unreachable, rate-limiter-flexible counts in memory (its "insurance").
  const store: RateLimiterAbstract = redis
    ? new RateLimiterRedis({ ...shape, storeClient: redis.redis, keyPrefix: options.prefix, insuranceLimiter: memory })
    : memory;
  return {
    async check(client) {
      await redis?.whenConnected();
      const state = await store.get(client).catch(() => null);
      if (!state || state.consumedPoints < settings.attempts) return ALLOW;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
    },
    async fail(client) {
      await redis?.whenConnected();
      await store.penalty(client, 1).catch(() => undefined);
    },
    close: async () => void (await redis?.close()),
  };
}
