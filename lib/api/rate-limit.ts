// Per-key token buckets for the Application API: `rate` requests per second sustained, `burst` at
// once. In-process by default; shared by every Wearhouse process through Redis when REDIS_URL is set.
import { Redis } from 'ioredis';
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

export function redisLimiter({ rate, burst }: RateSettings, url: string): RateLimiter {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  let warned = false;
  redis.on('error', (error: Error) => {
    if (!warned) log.warn({ error: errorFields(error) }, 'rate limiting through Redis failed; allowing requests');
    warned = true;
  });
  redis.on('ready', () => (warned = false));
  // Until the first connection is up, wait for it (briefly) instead of waving requests through: a
  // freshly started process would otherwise not count its first requests at all. Later outages
  // still fail open at once.
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
    async take(key) {
      if (redis.status !== 'ready') await firstConnection;
      try {
        const [allowed, retry] = (await redis.eval(TAKE_SCRIPT, 1, `wearhouse:rate:${key}`, rate, burst)) as [number, number];
        return allowed === 1 ? ALLOW : { allowed: false, retryAfterSeconds: Math.max(1, retry) };
      } catch {
        // Redis down: a limiter must not take the API down with it.
        return ALLOW;
      }
    },
    close: async () => void (await redis.quit().catch(() => undefined)),
  };
}

export function limiterFromConfig(settings: RateSettings, redisUrl: string | undefined): RateLimiter {
  if (settings.rate <= 0) return unlimited();
  return redisUrl ? redisLimiter(settings, redisUrl) : inProcessLimiter(settings);
}
