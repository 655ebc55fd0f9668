// Per-key rate limiting: the token bucket itself (on an injected clock), its Redis twin shared by
// several processes, and what an API client sees when its key runs dry: 429 and Retry-After.
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createKey } from '../apps/keys';
import { basicAuth, startApi, type RunningApi } from '../testing/api';
import { createTestApp, createTestUsers, type TestApp } from '../testing/fixtures';
import { log } from '../log';
import { attemptLimiter, inProcessLimiter, limiterFromConfig, redisLimiter, type RateLimiter } from './rate-limit';

/** A clock that only moves when a test moves it. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms), set: (ms: number) => void (now = ms) };
}

async function takeMany(limiter: RateLimiter, bucket: string, count: number) {
  const verdicts = [];
  for (let i = 0; i < count; i++) verdicts.push(await limiter.take(bucket));
  return verdicts;
}

const ALLOWED = { allowed: true, retryAfterSeconds: 0 };

describe('inProcessLimiter', () => {
  it('allows a burst, then refuses with the whole seconds until the next token', async () => {
    const clock = manualClock();
    const limiter = inProcessLimiter({ rate: 1, burst: 3 }, clock.now);
    expect(await takeMany(limiter, 'key:1', 4)).toEqual([ALLOWED, ALLOWED, ALLOWED, { allowed: false, retryAfterSeconds: 1 }]);

    const slow = inProcessLimiter({ rate: 0.25, burst: 1 }, clock.now);
    expect(await takeMany(slow, 'key:1', 2)).toEqual([ALLOWED, { allowed: false, retryAfterSeconds: 4 }]);
    clock.advance(1_000);
    expect(await slow.take('key:1')).toEqual({ allowed: false, retryAfterSeconds: 3 });
  });

  it('refills at the sustained rate and never beyond the burst', async () => {
    const clock = manualClock();
    const limiter = inProcessLimiter({ rate: 1, burst: 3 }, clock.now);
    await takeMany(limiter, 'key:1', 3);

    clock.advance(999);
    expect(await limiter.take('key:1')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    clock.advance(1);
    expect(await takeMany(limiter, 'key:1', 2)).toEqual([ALLOWED, { allowed: false, retryAfterSeconds: 1 }]);

    clock.advance(60_000);
    expect((await takeMany(limiter, 'key:1', 4)).map((v) => v.allowed)).toEqual([true, true, true, false]);
  });

  it('keeps one bucket per key', async () => {
    const clock = manualClock();
    const limiter = inProcessLimiter({ rate: 1, burst: 2 }, clock.now);
    await takeMany(limiter, 'key:1', 3);
    expect((await takeMany(limiter, 'key:2', 3)).map((v) => v.allowed)).toEqual([true, true, false]);
  });

  it('does not lock a key out when the clock steps backwards', async () => {
    const clock = manualClock();
    const limiter = inProcessLimiter({ rate: 1, burst: 3 }, clock.now);
    expect(await limiter.take('key:1')).toEqual(ALLOWED);

    clock.advance(-3_600_000); // e.g. an NTP correction or a resumed VM
    expect(await takeMany(limiter, 'key:1', 3)).toEqual([ALLOWED, ALLOWED, { allowed: false, retryAfterSeconds: 1 }]);
    clock.advance(1_000);
    expect(await limiter.take('key:1')).toEqual(ALLOWED);
  });

  it('is off when the configured rate is 0', async () => {
    const limiter = limiterFromConfig({ rate: 0, burst: 1 }, { prefix: 'unused:' });
    expect((await takeMany(limiter, 'key:1', 50)).every((v) => v.allowed)).toBe(true);
  });
});

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function isReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379), timeout: 1_000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

// With REDIS_URL set (as CI sets it), the Redis tests run and fail if Redis is down; without it
// they run when a local Redis answers, and are skipped otherwise.
const redisUp = process.env.REDIS_URL !== undefined || (await isReachable(REDIS_URL));
const redisSkip = `Redis is not reachable at ${REDIS_URL} (set REDIS_URL to test the shared limiter)`;
// Every key this run writes lives under its own prefix, so parallel runs never share a bucket.
const RUN_PREFIX = `wearhouse-test:${process.pid}:${randomBytes(4).toString('hex')}:`;

describe('redisLimiter', () => {
  const opened: RateLimiter[] = [];
  const open = (settings: { rate: number; burst: number }, url = REDIS_URL) => {
    const limiter = redisLimiter(settings, url, `${RUN_PREFIX}rate:`);
    opened.push(limiter);
    return limiter;
  };
  afterAll(async () => {
    await Promise.all(opened.map((limiter) => limiter.close()));
  });
  const bucket = () => `test:${randomBytes(8).toString('hex')}`;

  it('shares one bucket between two limiters, as between two processes', async ({ skip }) => {
    skip(!redisUp, redisSkip);
    const first = open({ rate: 1, burst: 3 });
    const second = open({ rate: 1, burst: 3 });
    const key = bucket();

    const verdicts = [await first.take(key), await second.take(key), await first.take(key), await second.take(key), await first.take(key)];

    expect(verdicts).toEqual([ALLOWED, ALLOWED, ALLOWED, { allowed: false, retryAfterSeconds: 1 }, { allowed: false, retryAfterSeconds: 1 }]);
    expect(await second.take(bucket())).toEqual(ALLOWED);
  });

  it('answers Retry-After in whole seconds from the sustained rate', async ({ skip }) => {
    skip(!redisUp, redisSkip);
    const limiter = open({ rate: 0.5, burst: 1 });
    const key = bucket();
    expect(await takeMany(limiter, key, 2)).toEqual([ALLOWED, { allowed: false, retryAfterSeconds: 2 }]);
  });

  it('does not lock a key out when the Redis clock steps backwards (a failover to a server behind)', async ({ skip }) => {
    skip(!redisUp, redisSkip);
    const limiter = open({ rate: 1, burst: 3 });
    const key = bucket();
    // A bucket last touched by a Redis server whose clock ran an hour ahead of this one.
    const raw = new Redis(REDIS_URL);
    try {
      const [seconds, micros] = await raw.time();
      const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      await raw.hset(`${RUN_PREFIX}rate:${key}`, { tokens: '3', at: String(redisNow + 3_600_000) });
      await raw.pexpire(`${RUN_PREFIX}rate:${key}`, 60_000);
    } finally {
      raw.disconnect();
    }
    expect(await takeMany(limiter, key, 4)).toEqual([ALLOWED, ALLOWED, ALLOWED, { allowed: false, retryAfterSeconds: 1 }]);
  });

  it('lets requests through when Redis cannot be reached, rather than failing them, and says so once', async () => {
    const logged = vi.spyOn(log, 'warn').mockImplementation(() => {});
    try {
      const limiter = open({ rate: 1, burst: 1 }, 'redis://127.0.0.1:1');
      expect(await takeMany(limiter, bucket(), 3)).toEqual([ALLOWED, ALLOWED, ALLOWED]);
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0]![1])).toContain('allowing requests');
    } finally {
      logged.mockRestore();
    }
  });
});

describe('attemptLimiter (failed attempts per client)', () => {
  const opened: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((limiter) => limiter.close()));
  });
  const open = (attempts: number, redisUrl?: string) => {
    const limiter = attemptLimiter({ attempts, windowSeconds: 60 }, { redisUrl, prefix: `${RUN_PREFIX}attempts:` });
    opened.push(limiter);
    return limiter;
  };
  const client = () => `ip:${randomBytes(4).toString('hex')}`;

  it('refuses a client after its allowed failures, for the rest of the window, and no other client', async () => {
    const limiter = open(3);
    const ip = client();
    for (let i = 0; i < 3; i++) {
      expect(await limiter.check(ip)).toEqual(ALLOWED);
      await limiter.fail(ip);
    }
    const refused = await limiter.check(ip);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThan(55);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await limiter.check(client())).toEqual(ALLOWED);
  });

  it('counts one client’s failures across processes through Redis', async ({ skip }) => {
    skip(!redisUp, redisSkip);
    const first = open(2, REDIS_URL);
    const second = open(2, REDIS_URL);
    const ip = client();
    await first.fail(ip);
    expect(await second.check(ip)).toEqual(ALLOWED);
    await second.fail(ip);
    expect((await first.check(ip)).allowed).toBe(false);
    expect((await second.check(ip)).allowed).toBe(false);
  });

  it('keeps counting in the process while Redis is unreachable, rather than letting floods through', async () => {
    const logged = vi.spyOn(log, 'warn').mockImplementation(() => {});
    try {
      const limiter = open(2, 'redis://127.0.0.1:1');
      const ip = client();
      await limiter.fail(ip);
      await limiter.fail(ip);
      expect((await limiter.check(ip)).allowed).toBe(false);
    } finally {
      logged.mockRestore();
    }
  });
});

describe(`failed authentications per client IP through the API on ${inject('databaseKind')}`, () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({ authFailures: attemptLimiter({ attempts: 3, windowSeconds: 60 }, { prefix: `${RUN_PREFIX}api-attempts:` }) });
  });
  afterAll(async () => {
    await api.close();
  });

  /** A GET from a chosen loopback address (Linux routes all of 127/8 to lo). */
  const from = (localAddress: string, path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; retryAfter?: string; body: any }>((resolve, reject) => {
      const request = http.get(`${api.baseUrl}${path}`, { localAddress, headers, agent: false }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, retryAfter: response.headers['retry-after'] as string | undefined, body: JSON.parse(text) }));
      });
      request.on('error', reject);
    });

  it('refuses an address that keeps presenting bad App Keys with 429 in both dialects, before looking keys up, and only that address', async () => {
    const app = await createTestApp();
    const users = `/v1/apps/${app.clientId}/users`;
    const bad = () => ({ Authorization: basicAuth(`whk_${randomBytes(24).toString('base64url')}`) });
    for (let i = 0; i < 3; i++) expect((await from('127.0.0.3', users, bad())).status).toBe(401);

    const human = await from('127.0.0.3', users, bad());
    expect(human.status).toBe(429);
    expect(Number(human.retryAfter)).toBeGreaterThan(0);
    expect(human.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringContaining('invalid App Key from this address') });
    const ngrok = await from('127.0.0.3', '/app/users', { Authorization: `Bearer whk_${'x'.repeat(32)}`, 'Ngrok-Version': '2' });
    expect(ngrok.status).toBe(429);
    expect(ngrok.body).toMatchObject({ error_code: 'ERR_WEARHOUSE_429', status_code: 429 });
    // Until the window passes, the address is not served at all, even with a good key …
    expect((await from('127.0.0.3', users, { Authorization: basicAuth(app.appKey) })).status).toBe(429);
    // … while other addresses are served as before.
    expect((await from('127.0.0.4', users, { Authorization: basicAuth(app.appKey) })).status).toBe(200);
    expect((await from('127.0.0.4', users, bad())).status).toBe(401);
  });
});

describe(`rate limiting through the API on ${inject('databaseKind')}`, () => {
  const clock = manualClock();
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({ limiter: inProcessLimiter({ rate: 1, burst: 3 }, clock.now) });
  });
  afterAll(async () => {
    await api.close();
  });

  const viaHuman = (app: TestApp, key = app.appKey) =>
    fetch(`${api.baseUrl}/v1/apps/${app.clientId}/users`, { headers: { Authorization: basicAuth(key) } });
  const viaNgrok = (key: string) => fetch(`${api.baseUrl}/app/users`, { headers: { Authorization: `Bearer ${key}`, 'Ngrok-Version': '2' } });

  it('answers the 4th quick request of a key with 429, Retry-After and the Human API error body', async () => {
    const app = await createTestApp();
    await createTestUsers(app, 1);
    for (let i = 0; i < 3; i++) expect((await viaHuman(app)).status).toBe(200);

    const limited = await viaHuman(app);

    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('cache-control')).toBe('no-store');
    expect(await limited.json()).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringContaining('retry in 1 s') });
  });

  it('answers the 4th quick request of a key with 429, Retry-After and the ngrok error body', async () => {
    const app = await createTestApp();
    for (let i = 0; i < 3; i++) expect((await viaNgrok(app.appKey)).status).toBe(200);

    const limited = await viaNgrok(app.appKey);

    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('cache-control')).toBe('no-store');
    expect(await limited.json()).toEqual({
      error_code: 'ERR_WEARHOUSE_429',
      status_code: 429,
      msg: expect.stringContaining('retry in 1 s'),
      details: { operation_id: expect.stringMatching(/^op_/) },
    });
  });

  it('counts a key’s requests in both dialects against one bucket, and lets it through again after Retry-After', async () => {
    const app = await createTestApp();
    expect((await viaHuman(app)).status).toBe(200);
    expect((await viaNgrok(app.appKey)).status).toBe(200);
    expect((await viaHuman(app)).status).toBe(200);
    const limited = await viaNgrok(app.appKey);
    expect(limited.status).toBe(429);
    expect((await viaHuman(app)).status).toBe(429);

    clock.advance(Number(limited.headers.get('retry-after')) * 1000);
    expect((await viaNgrok(app.appKey)).status).toBe(200);
    expect((await viaHuman(app)).status).toBe(429);
  });

  it('does not limit another key of the same app by the first key’s bucket', async () => {
    const app = await createTestApp();
    const { secret: second } = await createKey(app.owner, app.clientId, 'second');
    for (let i = 0; i < 3; i++) expect((await viaNgrok(app.appKey)).status).toBe(200);
    expect((await viaNgrok(app.appKey)).status).toBe(429);

    expect((await Promise.all([viaNgrok(second), viaHuman(app, second), viaNgrok(second)])).map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await viaHuman(app, second)).status).toBe(429);
  });
});
