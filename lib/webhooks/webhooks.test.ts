import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { reloadConfig } from '../config';
import { getDb } from '../db/client';
import { auditLog, webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints } from '../db/schema';
import { DomainError } from '../errors';
import { log } from '../log';
import { createTestApp, createTestUsers, type TestApp } from '../testing/fixtures';
import { findLeakedSecrets } from '../testing/secret-scan';
import { deleteUser } from '../users/users';
import { isPrivateAddress } from './addresses';
import { listDeliveries, redeliver, sendTestEvent } from './deliveries';
import { deliverOnce, MAX_ATTEMPTS, postWebhook, RETRY_DELAYS_MS, RETRY_JITTER, retryDelayMs } from './delivery';
import { announceReadings, READINGS_EVENT } from './events';
import { getWebhookSettings, removeWebhook, rotateWebhookSecret, saveWebhookUrl } from './settings';
import { signedHeaders } from './signing';
import { startTestReceiver, type TestReceiver } from './test-receiver';
import { runDeliveryJob } from './worker';

// The queue is pg-boss (lib/jobs/queue.ts); here the test plays it: every job enqueued is kept, and
// the test runs it through the production handler when it chooses (queue.test.ts runs the real one).
const enqueued = vi.hoisted(() => [] as { queue: string; data: { deliveryId: number }; options?: { singletonKey?: string; startAfterSeconds?: number } }[]);
vi.mock('../jobs/queue', () => ({
  enqueue: async (queue: string, data: { deliveryId: number }, options?: { singletonKey?: string; startAfterSeconds?: number }) => {
    enqueued.push({ queue, data, options });
    return String(enqueued.length);
  },
  work: async () => {},
}));

const kind = inject('databaseKind');

function setAllowPrivate(isAllowed: boolean) {
  if (isAllowed) process.env.WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE = '1';
  else delete process.env.WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE;
  reloadConfig();
}

async function userIdOf(humanId: string): Promise<number> {
  const rows = await getDb().execute<{ id: number }>(sql`SELECT id::int AS id FROM users WHERE human_id = ${humanId}`);
  return rows.rows[0]!.id;
}

/** Run the jobs enqueued for `deliveryId` so far (as the queue would when they are due), oldest first. */
async function runJobsOf(deliveryId: number) {
  const jobs = enqueued.filter((j) => j.data.deliveryId === deliveryId);
  enqueued.splice(0, enqueued.length, ...enqueued.filter((j) => j.data.deliveryId !== deliveryId));
  for (const job of jobs) await runDeliveryJob({ data: job.data });
  return jobs;
}

const refusal = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => (error instanceof DomainError ? error : Promise.reject(error)));

let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await startTestReceiver();
});
afterAll(async () => {
  await receiver.close();
  setAllowPrivate(false);
});
beforeEach(() => {
  setAllowPrivate(true);
  receiver.received.length = 0;
  enqueued.length = 0;
});
afterEach(() => vi.restoreAllMocks());

describe('webhook signatures', () => {
  it("match the Standard Webhooks specification's example", () => {
    const at = new Date(1614265330 * 1000);
    const headers = signedHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', at, '{"test": 2432232314}');
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });
});

describe('private addresses', () => {
  it('are told from public ones, in every IPv4 and IPv6 spelling', () => {
    const privates = [
      '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
      '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'fc12:3456::1', 'ff02::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '[::ffff:192.168.0.1]', '64:ff9b::a00:1', '2002:a00:1::1', '2001:db8::1', '::127.0.0.1',
      'not-an-ip',
    ];
    const publics = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:93.184.216.34', '2a00:1450:4001:81c::200e'];
    expect(privates.filter((a) => !isPrivateAddress(a))).toEqual([]);
    expect(publics.filter((a) => isPrivateAddress(a))).toEqual([]);
  });
});

describe(`webhook settings on ${kind}`, () => {
  it('show a whsec_ signing secret once, keep it encrypted, and keep it when the URL changes', async () => {
    const app = await createTestApp();
    expect(await getWebhookSettings(app.owner, app.clientId)).toMatchObject({ url: null, secretHint: null });

    const first = await saveWebhookUrl(app.owner, app.clientId, receiver.url);
    expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(first.secret!.slice(6), 'base64')).toHaveLength(24);
    expect(first.settings).toMatchObject({ url: receiver.url, secretHint: `${first.secret!.slice(0, 10)}…${first.secret!.slice(-4)}` });

    const again = await saveWebhookUrl(app.owner, app.clientId, `${receiver.url}?v=2`);
    expect(again.secret).toBeNull();
    expect(again.settings.secretHint).toBe(first.settings.secretHint);

    const [stored] = await getDb().select().from(webhookEndpoints).where(eq(webhookEndpoints.url, `${receiver.url}?v=2`));
    expect(stored!.secretEncrypted).not.toContain(first.secret!.slice(6));
    expect(findLeakedSecrets(`a log line with ${first.secret}`)).toHaveLength(1);

    const rotated = await rotateWebhookSecret(app.owner, app.clientId);
    expect(rotated).not.toBe(first.secret);
    expect((await getWebhookSettings(app.owner, app.clientId)).secretHint).toBe(`${rotated.slice(0, 10)}…${rotated.slice(-4)}`);

    await removeWebhook(app.owner, app.clientId);
    expect(await getWebhookSettings(app.owner, app.clientId)).toMatchObject({ url: null, secretHint: null });
  });

  it('refuse URLs that are not http(s), carry credentials, or point at loopback or private addresses', async () => {
    setAllowPrivate(false);
    const app = await createTestApp();
    for (const url of ['ftp://example.com/hook', 'not a url', 'https://user:pw@example.com/hook', 'https://example.com/hook#x']) {
      const error = await refusal(saveWebhookUrl(app.owner, app.clientId, url));
      expect(error?.kind, url).toBe('invalid_input');
      expect(error?.extra.issues?.[0]?.path).toBe('url');
    }
    for (const url of [receiver.url, 'http://localhost:8080/hook', 'http://[::1]/hook', 'http://10.0.0.5/hook', 'http://169.254.169.254/latest', 'http://[::ffff:127.0.0.1]/x', 'http://0.0.0.0/']) {
      const error = await refusal(saveWebhookUrl(app.owner, app.clientId, url));
      expect(error?.kind, url).toBe('invalid_input');
      expect(error?.message, url).toMatch(/public addresses only/);
    }
    expect((await getWebhookSettings(app.owner, app.clientId)).url).toBeNull();
    // A public address is fine.
    expect((await saveWebhookUrl(app.owner, app.clientId, 'https://93.184.216.34/hook')).secret).toMatch(/^whsec_/);
  });

  it('belong to the app’s owner: another account cannot read or change them', async () => {
    const app = await createTestApp();
    const other = await createTestApp();
    await saveWebhookUrl(app.owner, app.clientId, receiver.url);
    expect((await refusal(getWebhookSettings(other.owner, app.clientId)))?.kind).toBe('not_found');
    expect((await refusal(saveWebhookUrl(other.owner, app.clientId, receiver.url)))?.kind).toBe('not_found');
    expect((await refusal(rotateWebhookSecret(other.owner, app.clientId)))?.kind).toBe('not_found');
  });
});

describe(`webhook deliveries on ${kind}`, () => {
  async function appWithWebhook(): Promise<{ app: TestApp; secret: string; humanId: string; userId: number }> {
    const app = await createTestApp('Hooked');
    const { secret } = await saveWebhookUrl(app.owner, app.clientId, receiver.url);
    const [user] = await createTestUsers(app, 1);
    return { app, secret: secret!, humanId: user!.humanId, userId: await userIdOf(user!.humanId) };
  }

  it('sign each event so the receiver verifies it with the secret shown once, and retry after a 500 with the same webhook-id', async () => {
    const { app, secret, humanId, userId } = await appWithWebhook();
    const updatedSince = new Date('2026-12-01T10:00:00.000Z');
    receiver.answerWith(500);

    const deliveryId = await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps', 'heart_rate', 'steps'], count: 1440, updatedSince });
    expect(deliveryId).toEqual(expect.any(Number));
    expect(enqueued).toEqual([{ queue: 'webhook-delivery', data: { deliveryId, attempts: 0 }, options: expect.objectContaining({ singletonKey: `webhook-delivery:${deliveryId}:0` }) }]);

    await runJobsOf(deliveryId!); // first attempt: the receiver answers 500
    expect(receiver.received).toHaveLength(1);
    // The handler queued the second attempt 5 s (plus jitter) later.
    const [retryJob] = enqueued;
    expect(retryJob!.options).toMatchObject({ singletonKey: `webhook-delivery:${deliveryId}:1` });
    expect(retryJob!.options!.startAfterSeconds).toBeGreaterThanOrEqual(5);
    expect(retryJob!.options!.startAfterSeconds).toBeLessThanOrEqual(6);
    let [log1] = (await listDeliveries(app.owner, app.clientId)).deliveries;
    expect(log1).toMatchObject({ id: deliveryId, status: 'pending', attempts: 1, lastResponseStatus: 500, humanId, eventType: READINGS_EVENT });
    expect(log1!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 3_000);

    await runJobsOf(deliveryId!); // second attempt: 200
    expect(receiver.received).toHaveLength(2);
    [log1] = (await listDeliveries(app.owner, app.clientId)).deliveries;
    expect(log1).toMatchObject({ status: 'succeeded', attempts: 2, lastResponseStatus: 200, nextAttemptAt: null });
    expect(log1!.attemptLog.map((a) => [a.attempt, a.responseStatus, a.responseExcerpt])).toEqual([[1, 500, 'receiver failed with 500'], [2, 200, 'ok']]);
    expect(enqueued).toEqual([]);

    const [first, second] = receiver.received;
    expect(first!.headers['webhook-id']).toBe(second!.headers['webhook-id']);
    expect(first!.headers['content-type']).toBe('application/json');
    expect(first!.body).toBe(second!.body);
    // What a receiver does with any Standard Webhooks library and the secret it was shown once.
    const payload = new Webhook(secret).verify(second!.body, second!.headers as Record<string, string>);
    expect(payload).toEqual({
      type: 'readings.added',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { humanId, types: ['heart_rate', 'steps'], count: 1440, updatedSince: '2026-12-01T10:00:00.000Z' },
    });
    // And by hand, as the specification describes it.
    const { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signature } = second!.headers as Record<string, string>;
    const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${id}.${ts}.${second!.body}`).digest('base64');
    expect(signature).toBe(`v1,${expected}`);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    // A wrong secret does not verify.
    expect(() => new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').verify(second!.body, second!.headers as Record<string, string>)).toThrow();
  });

  it('follow the retry schedule with jitter and give up after the last attempt', async () => {
    expect(RETRY_DELAYS_MS.slice(0, 3)).toEqual([5_000, 300_000, 1_800_000]);
    expect(retryDelayMs(1, () => 0)).toBe(5_000);
    expect(retryDelayMs(1, () => 1)).toBe(5_000 * (1 + RETRY_JITTER));
    expect(retryDelayMs(MAX_ATTEMPTS - 1, () => 0)).toBe(RETRY_DELAYS_MS.at(-1));
    expect(retryDelayMs(MAX_ATTEMPTS)).toBeNull();

    const { app, humanId, userId } = await appWithWebhook();
    receiver.answerWith(...Array<number>(MAX_ATTEMPTS).fill(503));
    const deliveryId = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['weight'], count: 1, updatedSince: new Date() }))!;
    const outcomes = [];
    for (let i = 0; i < MAX_ATTEMPTS; i++) outcomes.push((await deliverOnce(deliveryId)).outcome);
    expect(outcomes).toEqual([...Array<string>(MAX_ATTEMPTS - 1).fill('retry'), 'failed']);
    expect(await deliverOnce(deliveryId)).toEqual({ outcome: 'skipped' });
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    const [delivery] = (await listDeliveries(app.owner, app.clientId)).deliveries;
    expect(delivery).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastResponseStatus: 503, nextAttemptAt: null });
  });

  it('are sent once however many workers try at once, and a stale job does not make its attempt again', async () => {
    const { app, humanId, userId } = await appWithWebhook();
    const deliveryId = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: 3, updatedSince: new Date() }))!;
    const results = await Promise.all([deliverOnce(deliveryId), deliverOnce(deliveryId), deliverOnce(deliveryId)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['skipped', 'skipped', 'succeeded']);
    expect(receiver.received).toHaveLength(1);

    receiver.answerWith(500);
    const failing = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: 4, updatedSince: new Date() }))!;
    // Three runs of the job for attempt 1 (e.g. pg-boss retrying it): one attempt is made.
    for (let i = 0; i < 3; i++) await runDeliveryJob({ data: { deliveryId: failing, attempts: 0 } });
    expect(receiver.received).toHaveLength(2);
    // The job for attempt 2 makes it.
    await runDeliveryJob({ data: { deliveryId: failing, attempts: 1 } });
    expect(receiver.received).toHaveLength(3);
    expect((await listDeliveries(app.owner, app.clientId)).deliveries[0]).toMatchObject({ id: failing, status: 'succeeded', attempts: 2 });
  });

  it('can be redelivered by hand with the same webhook-id and body, and the log shows each attempt', async () => {
    const { app, secret, humanId, userId } = await appWithWebhook();
    const deliveryId = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['sleep'], count: 2, updatedSince: new Date() }))!;
    await runJobsOf(deliveryId);

    const { eventId } = await redeliver(app.owner, app.clientId, deliveryId);
    await runJobsOf(deliveryId);

    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId]);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    expect(() => new Webhook(secret).verify(receiver.received[1]!.body, receiver.received[1]!.headers as Record<string, string>)).not.toThrow();
    const [delivery] = (await listDeliveries(app.owner, app.clientId)).deliveries;
    expect(delivery).toMatchObject({ eventId, status: 'succeeded', attempts: 2 });
    expect(delivery!.attemptLog.map((a) => a.responseStatus)).toEqual([200, 200]);
  });

  it('after a rotation carry a signature with the old secret too, for a day, then with the new one only', async () => {
    const { app, secret: old } = await appWithWebhook();
    const rotated = await rotateWebhookSecret(app.owner, app.clientId);
    const settings = await getWebhookSettings(app.owner, app.clientId);
    expect(settings.previousSecretExpiresAt!.getTime() - Date.now()).toBeGreaterThan(23.9 * 3_600_000);

    await runJobsOf((await sendTestEvent(app.owner, app.clientId)).deliveryId);
    const during = receiver.received[0]!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [old, rotated]) expect(() => new Webhook(secret).verify(during.body, during.headers as Record<string, string>)).not.toThrow();

    // A day later the old secret no longer signs.
    await getDb().update(webhookEndpoints).set({ previousSecretExpiresAt: sql`now() - interval '1 second'` }).where(eq(webhookEndpoints.secretHint, settings.secretHint!));
    expect((await getWebhookSettings(app.owner, app.clientId)).previousSecretExpiresAt).toBeNull();
    await runJobsOf((await sendTestEvent(app.owner, app.clientId)).deliveryId);
    const after = receiver.received[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => new Webhook(rotated).verify(after.body, after.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(old).verify(after.body, after.headers as Record<string, string>)).toThrow();
  });

  it('send a test event on request', async () => {
    const { app, secret } = await appWithWebhook();
    const { deliveryId } = await sendTestEvent(app.owner, app.clientId);
    await runJobsOf(deliveryId);
    const payload = new Webhook(secret).verify(receiver.received[0]!.body, receiver.received[0]!.headers as Record<string, string>);
    expect(payload).toMatchObject({ type: 'webhook.test', data: { clientId: app.clientId } });

    const bare = await createTestApp();
    expect((await refusal(sendTestEvent(bare.owner, bare.clientId)))?.message).toMatch(/notify URL/);
  });

  it('fail with a reason, not a crash, when the signing secret cannot be decrypted', async () => {
    const { app, humanId, userId } = await appWithWebhook();
    vi.spyOn(log, 'error').mockImplementation((() => {}) as never);
    // What a changed WEARHOUSE_SECRET_KEY leaves behind: a ciphertext this key cannot open.
    await getDb().execute(sql`UPDATE webhook_endpoints SET secret_encrypted = 'v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:AAAA'
      WHERE app_id = (SELECT id FROM apps WHERE client_id = ${app.clientId})`);
    const deliveryId = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: 1, updatedSince: new Date() }))!;
    expect(await deliverOnce(deliveryId)).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect((await listDeliveries(app.owner, app.clientId)).deliveries[0]!.lastError).toMatch(/cannot be decrypted/);
    expect(receiver.received).toEqual([]);
  });

  it('are keyset paged newest first', async () => {
    const { app, humanId, userId } = await appWithWebhook();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: i + 1, updatedSince: new Date() }))!);
    const first = await listDeliveries(app.owner, app.clientId, { limit: 2 });
    const second = await listDeliveries(app.owner, app.clientId, { limit: 2, before: first.nextBefore! });
    const third = await listDeliveries(app.owner, app.clientId, { limit: 2, before: second.nextBefore! });
    expect([...first.deliveries, ...second.deliveries, ...third.deliveries].map((d) => d.id)).toEqual([...ids].reverse());
    expect(third.nextBefore).toBeNull();
  });

  it('announce nothing for an app without a webhook, for zero readings, or for a user of another app', async () => {
    const { app, humanId, userId } = await appWithWebhook();
    const bare = await createTestApp();
    const [bareUser] = await createTestUsers(bare, 1);
    const bareUserId = await userIdOf(bareUser!.humanId);
    const event = { types: ['steps'], count: 5, updatedSince: new Date() };
    expect(await announceReadings({ clientId: bare.clientId, userId: bareUserId, humanId: bareUser!.humanId, ...event })).toBeNull();
    expect(await announceReadings({ clientId: app.clientId, userId, humanId, ...event, count: 0 })).toBeNull();
    expect(await announceReadings({ clientId: app.clientId, userId: bareUserId, humanId: bareUser!.humanId, ...event })).toBeNull();
    expect(await announceReadings({ clientId: app.clientId, userId, humanId: bareUser!.humanId, ...event })).toBeNull();
    // Bad input is logged and ignored, never thrown at the ingest that called.
    expect(await announceReadings({ clientId: app.clientId, userId, humanId, types: [], count: 1, updatedSince: new Date() })).toBeNull();
    expect(enqueued).toEqual([]);
    expect((await listDeliveries(app.owner, app.clientId)).deliveries).toEqual([]);
  });

  it('never go to a loopback address unless allowed, also when a host name resolves to one', async () => {
    const { app, humanId, userId } = await appWithWebhook();
    for (const url of [receiver.url, `http://localhost:${receiver.port}/hooks/wearhouse`]) {
      setAllowPrivate(true);
      await saveWebhookUrl(app.owner, app.clientId, url); // allowed when saved…
      const deliveryId = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: 1, updatedSince: new Date() }))!;
      setAllowPrivate(false); // …and no longer when delivered
      expect(await deliverOnce(deliveryId)).toMatchObject({ outcome: 'failed', attempts: 1 });
      const [delivery] = (await listDeliveries(app.owner, app.clientId)).deliveries;
      expect(delivery).toMatchObject({ status: 'failed', lastResponseStatus: null });
      expect(delivery!.lastError, url).toMatch(/(127\.0\.0\.1|::1).*public addresses only/);
    }
    expect(receiver.received).toEqual([]);
  });

  it('give up on a receiver that does not answer in time', async () => {
    const silent = http.createServer(() => {}); // reads the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = new URL(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`);
      const result = await postWebhook(url, {}, '{}', true, 300);
      expect(result).toMatchObject({ status: null, error: 'No answer within 0.3 s.' });
      expect(result.durationMs).toBeGreaterThanOrEqual(290);
      expect(result.durationMs).toBeLessThan(2_000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('record a receiver that redirects, without following it, or that cannot be reached', async () => {
    const { app, humanId, userId } = await appWithWebhook();
    receiver.answerWith(302);
    const deliveryId = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: 1, updatedSince: new Date() }))!;
    expect(await deliverOnce(deliveryId)).toMatchObject({ outcome: 'retry' });
    expect(receiver.received).toHaveLength(1);
    // Nothing listens on port 1: the attempt fails with a reason, and is retried later.
    await saveWebhookUrl(app.owner, app.clientId, 'http://127.0.0.1:1/hook');
    await getDb().update(webhookDeliveries).set({ lockedUntil: null }).where(eq(webhookDeliveries.id, deliveryId));
    expect(await deliverOnce(deliveryId)).toMatchObject({ outcome: 'retry', attempts: 2 });
    const [delivery] = (await listDeliveries(app.owner, app.clientId)).deliveries;
    expect(delivery!.attemptLog.map((a) => [a.responseStatus, a.error])).toEqual([[302, null], [null, 'Could not connect (ECONNREFUSED).']]);
  });

  it('of one account’s app cannot be read or redelivered by another account', async () => {
    const { app, humanId, userId } = await appWithWebhook();
    const deliveryId = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: 1, updatedSince: new Date() }))!;
    const other = await createTestApp();
    expect((await refusal(listDeliveries(other.owner, app.clientId)))?.kind).toBe('not_found');
    expect((await refusal(redeliver(other.owner, app.clientId, deliveryId)))?.kind).toBe('not_found');
    // Not through the other account's own app either.
    expect((await refusal(redeliver(other.owner, other.clientId, deliveryId)))?.kind).toBe('not_found');
    expect((await listDeliveries(other.owner, other.clientId)).deliveries).toEqual([]);
    // Nothing was queued again for it.
    expect(enqueued.filter((j) => j.data.deliveryId === deliveryId)).toHaveLength(1);
  });

  it('are not sent once their user is deleted, and go with the user when it is purged', async () => {
    const { app, humanId, userId } = await appWithWebhook();
    const deliveryId = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: 1, updatedSince: new Date() }))!;
    await deleteUser(app.owner, app.clientId, humanId);
    expect(await deliverOnce(deliveryId)).toEqual({ outcome: 'skipped' });
    expect(receiver.received).toEqual([]);
    expect(await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: 1, updatedSince: new Date() })).toBeNull();
    await getDb().execute(sql`DELETE FROM users WHERE id = ${userId}`); // what the purge's last step does
    expect((await listDeliveries(app.owner, app.clientId)).deliveries).toEqual([]);
  });

  it('never put the signing secret in logs, audit entries or the delivery log', async () => {
    const lines: string[] = [];
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) {
      vi.spyOn(log, level).mockImplementation(((...args: unknown[]) => void lines.push(JSON.stringify(args))) as never);
    }
    const { app, secret, humanId, userId } = await appWithWebhook();
    const rotated = await rotateWebhookSecret(app.owner, app.clientId);
    receiver.answerWith(500);
    const deliveryId = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: 1, updatedSince: new Date() }))!;
    await deliverOnce(deliveryId);
    await getDb().update(webhookDeliveries).set({ lockedUntil: null }).where(eq(webhookDeliveries.id, deliveryId));
    await deliverOnce(deliveryId);
    expect(lines.some((line) => line.includes('webhook attempt'))).toBe(true);

    const stored = JSON.stringify([
      await getDb().select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId)),
      await getDb().select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.deliveryId, deliveryId)),
      await getDb().select().from(auditLog).where(eq(auditLog.target, app.clientId)),
      await listDeliveries(app.owner, app.clientId),
    ]);
    for (const value of [secret, rotated]) {
      const key = value.slice(6);
      for (const text of [lines.join('\n'), stored]) {
        expect(text).not.toContain(key);
        expect(text).not.toContain(Buffer.from(key, 'base64').toString('hex'));
      }
    }
    expect(findLeakedSecrets(lines.join('\n'))).toEqual([]);
  });
});
