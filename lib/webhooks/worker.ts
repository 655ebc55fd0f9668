// The queue's handler for webhook deliveries: a thin wrapper around deliverOnce that enqueues the
// next attempt when one is due. Started with the server's other job handlers (startWebhookWorker).
import { sql } from 'drizzle-orm';
import { getDb } from '../db/client';
import { work } from '../jobs/queue';
import { log } from '../log';
import { deliverOnce, logDeliveryError } from './delivery';
import { DELIVERY_QUEUE, scheduleDelivery, type DeliveryJob } from './schedule';

/** Deliveries attempted at once by one process. */
export const DELIVERY_CONCURRENCY = 8;

/** Run one delivery job: one attempt, then the next one queued at its time. */
export async function runDeliveryJob(job: { data: DeliveryJob }): Promise<void> {
  const deliveryId = Number(job.data.deliveryId);
  const attempts = job.data.attempts === undefined ? undefined : Number(job.data.attempts);
  if (!Number.isSafeInteger(deliveryId) || (attempts !== undefined && !Number.isSafeInteger(attempts))) return;
  try {
    const result = await deliverOnce(deliveryId, { expectedAttempts: attempts });
    if (result.outcome === 'retry') await scheduleDelivery(deliveryId, result.attempts, result.delayMs / 1000);
  } catch (error) {
    logDeliveryError(deliveryId, error);
    throw error; // the queue retries the job
  }
}

/**
 * Re-enqueue pending deliveries whose attempt is overdue by more than `graceMs` (a process stopped
 * between recording an event and enqueuing it, or a job was lost): the delivery rows, not the jobs,
 * say what is owed. Duplicate jobs are harmless: deliverOnce claims each attempt once.
 */
export async function requeueOverdueDeliveries(graceMs = 60_000, limit = 1_000): Promise<number> {
  const overdue = await getDb().execute<{ id: number; attempts: number }>(sql`
    SELECT id::int AS id, attempts FROM webhook_deliveries
    WHERE status = 'pending' AND next_attempt_at < now() - ${Math.trunc(graceMs)} * interval '1 millisecond'
      AND (locked_until IS NULL OR locked_until < now())
      AND (user_id IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.id = user_id AND u.deleted_at IS NULL))
    ORDER BY next_attempt_at LIMIT ${Math.trunc(limit)}`);
  for (const row of overdue.rows) await scheduleDelivery(row.id, row.attempts);
  if (overdue.rows.length) log.info({ count: overdue.rows.length }, 'webhook deliveries re-enqueued');
  return overdue.rows.length;
}

/** Register the handler with the queue (after startJobs) and pick up what a stop left overdue. */
export async function startWebhookWorker(): Promise<void> {
  await work<DeliveryJob>(DELIVERY_QUEUE, { concurrency: DELIVERY_CONCURRENCY }, runDeliveryJob);
  await requeueOverdueDeliveries();
}
