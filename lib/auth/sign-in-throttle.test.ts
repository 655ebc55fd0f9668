import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { log } from '../log';
import { createSignInThrottle, DEFAULT_SIGN_IN_POLICY, type SignInThrottlePolicy } from './sign-in-throttle';

const ALLOWED = { allowed: true, retryAfterSeconds: 0 };
const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
});

function throttle(policy: Partial<SignInThrottlePolicy> = {}, redisUrl?: string) {
  const t = createSignInThrottle({ ...DEFAULT_SIGN_IN_POLICY, ...policy }, { redisUrl, prefix: `test:${randomBytes(4).toString('hex')}:` });
  opened.push(t);
  return t;
}
const email = () => `owner-${randomBytes(4).toString('hex')}@example.test`;
const ip = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}`;

describe('sign-in throttling', () => {
  it('refuses one email from one IP after its allowed failures, saying how long to wait', async () => {
    const t = throttle({ pairFailures: 3, pairWindowSeconds: 600 });
    const attempt = { email: email(), ip: '203.0.113.7' };
    for (let i = 0; i < 3; i++) {
      expect(await t.check(attempt)).toEqual(ALLOWED);
      await t.failed(attempt);
    }
    const refused = await t.check(attempt);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThan(590);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(600);
  });

  it('matches the email whatever its case or surrounding spaces', async () => {
    const t = throttle({ pairFailures: 2 });
    const address = email();
    await t.failed({ email: address.toUpperCase(), ip: '203.0.113.8' });
    await t.failed({ email: ` ${address} `, ip: '203.0.113.8' });
    expect((await t.check({ email: address, ip: '203.0.113.8' })).allowed).toBe(false);
  });

  it('does not lock the same email out from another IP, nor another email from the same IP', async () => {
    const t = throttle({ pairFailures: 2 });
    const address = email();
    await t.failed({ email: address, ip: '203.0.113.9' });
    await t.failed({ email: address, ip: '203.0.113.9' });
    expect((await t.check({ email: address, ip: '203.0.113.9' })).allowed).toBe(false);
    expect(await t.check({ email: address, ip: '203.0.113.10' })).toEqual(ALLOWED);
    expect(await t.check({ email: email(), ip: '203.0.113.9' })).toEqual(ALLOWED);
  });

  it('refuses an IP that tries many emails, but no other IP', async () => {
    const t = throttle({ ipFailures: 4 });
    const sprayer = '192.0.2.44';
    for (let i = 0; i < 4; i++) await t.failed({ email: email(), ip: sprayer });
    expect((await t.check({ email: email(), ip: sprayer })).allowed).toBe(false);
    expect(await t.check({ email: email(), ip: '192.0.2.45' })).toEqual(ALLOWED);
  });

  it('slows one email tried from many IPs with a delay that grows, not a lockout, and lets the owner in from a known IP', async () => {
    const t = throttle({ emailFreeFailures: 3, emailDelaySeconds: 2, emailMaxDelaySeconds: 20 });
    const address = email();
    const home = '203.0.113.50';
    await t.succeeded({ email: address, ip: home });

    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      await t.failed({ email: address, ip: ip() });
      const verdict = await t.check({ email: address, ip: '198.51.100.251' });
      delays.push(verdict.allowed ? 0 : verdict.retryAfterSeconds);
    }
    // Three free failures, then 2 s, 4 s, 8 s, 16 s, and the cap of 20 s.
    expect(delays).toEqual([0, 0, 0, 2, 4, 8, 16].map((d, i) => (i === 6 ? Math.min(d, 20) : d)));
    await t.failed({ email: address, ip: ip() });
    expect((await t.check({ email: address, ip: '198.51.100.252' })).retryAfterSeconds).toBe(20);

    // The owner's usual IP is not held back by what other IPs did.
    expect(await t.check({ email: address, ip: home })).toEqual(ALLOWED);
  });

  it('starts the pair afresh after a right password', async () => {
    const t = throttle({ pairFailures: 3 });
    const attempt = { email: email(), ip: '203.0.113.60' };
    await t.failed(attempt);
    await t.failed(attempt);
    await t.succeeded(attempt);
    await t.failed(attempt);
    await t.failed(attempt);
    expect(await t.check(attempt)).toEqual(ALLOWED);
    await t.failed(attempt);
    expect((await t.check(attempt)).allowed).toBe(false);
  });

  it('keeps counting in the process while Redis is unreachable', async () => {
    const warned = vi.spyOn(log, 'warn').mockImplementation(() => {});
    try {
      const t = throttle({ pairFailures: 2 }, 'redis://127.0.0.1:1');
      const attempt = { email: email(), ip: '203.0.113.70' };
      await t.failed(attempt);
      await t.failed(attempt);
      expect((await t.check(attempt)).allowed).toBe(false);
    } finally {
      warned.mockRestore();
    }
  });
});
