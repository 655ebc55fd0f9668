import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { reloadConfig } from '../config';
import { getDb } from '../db/client';
import { startJobs, stopJobs, unfinishedJobs } from '../jobs/queue';
import { createTestApp, createTestUsers, type TestApp } from '../testing/fixtures';
import { redeliver, listDeliveries } from './deliveries';
import { announceReadings } from './events';
import { DELIVERY_QUEUE } from './schedule';
import { saveWebhookUrl } from './settings';
import { startTestReceiver, type TestReceiver } from './test-receiver';
import { requeueOverdueDeliveries, startWebhookWorker } from './worker';

// Deliveries through the real queue (pg-boss, in this file's own schema) and the production worker.
const SCHEMA = 'pgboss_webhooks_test';

let receiver: TestReceiver;
beforeAll(async () => {
  process.env.WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE = '1';
  reloadConfig();
  receiver = await startTestReceiver();
  await startJobs({ schema: SCHEMA, pollIntervalMs: 100 });
  await startWebhookWorker();
});
afterAll(async () => {
  await stopJobs();
  await receiver.close();
  delete process.env.WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE;
  reloadConfig();
});
beforeEach(() => {
  receiver.received.length = 0;
});

/** The app's newest delivery once its attempt is recorded (the receiver answers before the worker writes the outcome). */
async function settledDelivery(app: TestApp, status: string) {
  await expect.poll(async () => (await listDeliveries(app.owner, app.clientId)).deliveries[0]?.status, { timeout: 10_000 }).toBe(status);
  return (await listDeliveries(app.owner, app.clientId)).deliveries[0]!;
}

async function appWithWebhook() {
  const app = await createTestApp('Queued hooks');
  const { secret } = await saveWebhookUrl(app.owner, app.clientId, receiver.url);
  const [user] = await createTestUsers(app, 1);
  const rows = await getDb().execute<{ id: number }>(sql`SELECT id::int AS id FROM users WHERE human_id = ${user!.humanId}`);
  return { app, secret: secret!, humanId: user!.humanId, userId: rows.rows[0]!.id };
}

describe(`webhook deliveries through the queue on ${inject('databaseKind')}`, () => {
  it('are retried by the queue after a 500 until the receiver accepts, with the same webhook-id, and can be redelivered', async () => {
    const { app, secret, humanId, userId } = await appWithWebhook();
    receiver.answerWith(500);

    const deliveryId = await announceReadings({ clientId: app.clientId, userId, humanId, types: ['heart_rate'], count: 60, updatedSince: new Date() });
    const [first, second] = await receiver.waitFor(2, 20_000);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    // The second attempt came 5–6 s after the first (the schedule's first delay plus jitter).
    const log = await settledDelivery(app, 'succeeded');
    expect(log).toMatchObject({ id: deliveryId, status: 'succeeded', attempts: 2, lastResponseStatus: 200 });
    const gap = log!.attemptLog[1]!.at.getTime() - log!.attemptLog[0]!.at.getTime();
    expect(gap).toBeGreaterThanOrEqual(4_900);
    expect(gap).toBeLessThan(15_000);
    expect(new Webhook(secret).verify(second!.body, second!.headers as Record<string, string>)).toMatchObject({ type: 'readings.added', data: { humanId, count: 60 } });

    await redeliver(app.owner, app.clientId, deliveryId!);
    const [, , third] = await receiver.waitFor(3, 10_000);
    expect(third!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(third!.body).toBe(first!.body);
  });

  it('survive a stop of the queue between attempts: the retry is made after the restart', async () => {
    const { app, humanId, userId } = await appWithWebhook();
    receiver.answerWith(503);
    const deliveryId = (await announceReadings({ clientId: app.clientId, userId, humanId, types: ['steps'], count: 1, updatedSince: new Date() }))!;
    await receiver.waitFor(1, 10_000);
    await stopJobs(); // the server stops; the next attempt is a job in the database, not a timer
    expect((await unfinishedJobs(DELIVERY_QUEUE)).some((job) => job.data.deliveryId === deliveryId)).toBe(true);

    await startJobs({ schema: SCHEMA, pollIntervalMs: 100 });
    await startWebhookWorker();
    const received = await receiver.waitFor(2, 20_000);
    expect(received[1]!.headers['webhook-id']).toBe(received[0]!.headers['webhook-id']);
    expect(await settledDelivery(app, 'succeeded')).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('owed but never queued (a stop between recording and enqueuing) are queued again when the worker starts', async () => {
    const { app, userId } = await appWithWebhook();
    await stopJobs();
    // Recorded, but its job is lost: what a crash right after the INSERT would leave.
    const [row] = (await getDb().execute<{ id: number }>(sql`
      INSERT INTO webhook_deliveries (app_id, user_id, event_id, event_type, human_id, body, next_attempt_at)
      SELECT app_id, id, 'msg_requeue_' || id, 'readings.added', human_id, '{"type":"readings.added"}', now() - interval '5 minutes'
      FROM users WHERE id = ${userId} RETURNING id::int AS id`)).rows;
    await startJobs({ schema: SCHEMA, pollIntervalMs: 100 });
    expect(await requeueOverdueDeliveries()).toBeGreaterThanOrEqual(1);
    await startWebhookWorker();
    await receiver.waitFor(1, 10_000);
    expect(receiver.received[0]!.headers['webhook-id']).toBe(`msg_requeue_${userId}`);
    expect(await settledDelivery(app, 'succeeded')).toMatchObject({ id: row!.id, status: 'succeeded', attempts: 1 });
  });
});
