// Throttling of portal password sign-in, checked before the password is: tight per (email, IP),
// looser per IP across emails, and per email across IPs a growing delay (not a lockout) that the
// IPs the account has recently signed in from skip, so someone guessing one account's password from
// many addresses slows themselves down without locking the real owner out of their usual network.
// Counts live in memory, or in Redis (shared by every process) when REDIS_URL is set.
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { limiterRedis, type RateVerdict } from '../api/rate-limit';
import { config } from '../config';
import { processWide } from '../process-wide';

export type SignInAttempt = { email: string; ip: string | null };

export type SignInThrottlePolicy = {
  /** Failures of one email from one IP within `pairWindowSeconds` before that pair waits for the window. */
  pairFailures: number;
  pairWindowSeconds: number;
  /** Failures from one IP (any emails) within `ipWindowSeconds` before that IP waits for the window. */
  ipFailures: number;
  ipWindowSeconds: number;
  /** Failures of one email (any IPs) within `emailWindowSeconds` before each further one costs a delay. */
  emailFreeFailures: number;
  emailWindowSeconds: number;
  /** The delay after the first failure past the free ones; it doubles with each failure, up to the cap. */
  emailDelaySeconds: number;
  emailMaxDelaySeconds: number;
  /** How long an IP the account signed in from skips the per-email delay. */
  knownIpSeconds: number;
};

export const DEFAULT_SIGN_IN_POLICY: SignInThrottlePolicy = {
  pairFailures: 5,
  pairWindowSeconds: 10 * 60,
  ipFailures: 30,
  ipWindowSeconds: 10 * 60,
  emailFreeFailures: 10,
  emailWindowSeconds: 60 * 60,
  emailDelaySeconds: 2,
  emailMaxDelaySeconds: 5 * 60,
  // 20 days: under the 24.8 days a Node timer can hold (the in-memory store expires keys by timer).
  knownIpSeconds: 20 * 24 * 60 * 60,
};

export interface SignInThrottle {
  /** Whether an attempt may go on to the password check; if not, how long to wait. */
  check(attempt: SignInAttempt): Promise<RateVerdict>;
  /** A wrong password (or an unknown email). */
  failed(attempt: SignInAttempt): Promise<void>;
  /** A right one: the pair starts afresh and the IP becomes one this account is known to use. */
  succeeded(attempt: SignInAttempt): Promise<void>;
  close(): Promise<void>;
}

const ALLOW: RateVerdict = { allowed: true, retryAfterSeconds: 0 };

// Emails are matched whatever their case (as the accounts table does); IPs as the socket gave them.
const emailKey = (email: string) => email.trim().toLowerCase().slice(0, 320);
const ipKey = (ip: string | null) => ip || 'unknown';

export function createSignInThrottle(policy: SignInThrottlePolicy = DEFAULT_SIGN_IN_POLICY, options: { redisUrl?: string; prefix?: string } = {}): SignInThrottle {
  const prefix = options.prefix ?? 'wearhouse:sign-in:';
  const redis = options.redisUrl ? limiterRedis(options.redisUrl, 'sign-in throttling through Redis failed; counting in this process') : undefined;
  const store = (name: string, points: number, duration: number): RateLimiterAbstract => {
    const shape = { points, duration, keyPrefix: `${prefix}${name}` };
    // While Redis is unreachable, rate-limiter-flexible counts in memory (its "insurance").
    const memory = new RateLimiterMemory(shape);
    return redis ? new RateLimiterRedis({ ...shape, storeClient: redis.redis, insuranceLimiter: memory }) : memory;
  };
  const pair = store('pair', policy.pairFailures, policy.pairWindowSeconds);
  const perIp = store('ip', policy.ipFailures, policy.ipWindowSeconds);
  const perEmail = store('email', policy.emailFreeFailures, policy.emailWindowSeconds);
  // A blocked key in here is an email that must wait before its next attempt.
  const emailDelay = store('email-delay', 1, policy.emailMaxDelaySeconds);
  const knownIps = store('known', 1, policy.knownIpSeconds);

  const exhausted = async (limiter: RateLimiterAbstract, key: string, points: number): Promise<RateVerdict> => {
    const state = await limiter.get(key).catch(() => null);
    if (!state || state.consumedPoints < points) return ALLOW;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
  };
  const isKnown = async (email: string, ip: string) => ((await knownIps.get(`${email}|${ip}`).catch(() => null))?.consumedPoints ?? 0) > 0;

  return {
    async check(attempt) {
      await redis?.whenConnected();
      const email = emailKey(attempt.email);
      const ip = ipKey(attempt.ip);
      const verdicts = await Promise.all([
        exhausted(pair, `${email}|${ip}`, policy.pairFailures),
        exhausted(perIp, ip, policy.ipFailures),
        isKnown(email, ip).then((known) => (known ? ALLOW : exhausted(emailDelay, email, 1))),
      ]);
      const refused = verdicts.filter((v) => !v.allowed);
      if (refused.length === 0) return ALLOW;
      return { allowed: false, retryAfterSeconds: Math.max(...refused.map((v) => v.retryAfterSeconds)) };
    },
    async failed(attempt) {
      await redis?.whenConnected();
      const email = emailKey(attempt.email);
      const ip = ipKey(attempt.ip);
      const [, , emailState] = await Promise.all([
        pair.penalty(`${email}|${ip}`, 1).catch(() => null),
        perIp.penalty(ip, 1).catch(() => null),
        perEmail.penalty(email, 1).catch(() => null),
      ]);
      const beyond = (emailState?.consumedPoints ?? 0) - policy.emailFreeFailures;
      if (beyond > 0) {
        const delay = Math.min(policy.emailMaxDelaySeconds, policy.emailDelaySeconds * 2 ** Math.min(beyond - 1, 30));
        await emailDelay.block(email, delay).catch(() => undefined);
      }
    },
    async succeeded(attempt) {
      await redis?.whenConnected();
      const email = emailKey(attempt.email);
      const ip = ipKey(attempt.ip);
      await Promise.all([
        pair.delete(`${email}|${ip}`).catch(() => false),
        knownIps.set(`${email}|${ip}`, 1, policy.knownIpSeconds).catch(() => null),
      ]);
    },
    close: async () => void (await redis?.close()),
  };
}

/** The process's sign-in throttle (one for every copy of this module Next.js bundles). */
export function signInThrottle(): SignInThrottle {
  return processWide('sign-in-throttle', () => createSignInThrottle(DEFAULT_SIGN_IN_POLICY, { redisUrl: config().REDIS_URL, prefix: `${config().WEARHOUSE_REDIS_PREFIX}sign-in:` }));
}

/** What a throttled person reads. */
export function throttledMessage(retryAfterSeconds: number): string {
  return `Too many attempts, try again in ${retryAfterSeconds} s.`;
}
