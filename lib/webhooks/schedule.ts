// Handing a delivery to the durable queue (pg-boss, lib/jobs/queue.ts): one job per attempt, due
// when the attempt is. The delivery row stays the record of what was sent and what is next; a job
// is only the timer that wakes deliverOnce.
import { enqueue } from '../jobs/queue';

export const DELIVERY_QUEUE = 'webhook-delivery' as const;

/** A delivery job: make attempt `attempts + 1` of delivery `deliveryId` (older payloads lack `attempts`). */
export type DeliveryJob = { deliveryId: number; attempts?: number };

/**
 * Enqueue the attempt after `attempts` attempts of delivery `deliveryId`, `delaySeconds` from now.
 * The singleton key names the attempt, so the same attempt is queued once however often it is asked
 * for, and the next one can be queued while this one's job is still finishing.
 */
export async function scheduleDelivery(deliveryId: number, attempts: number, delaySeconds = 0): Promise<void> {
  const data: DeliveryJob = { deliveryId, attempts };
  await enqueue(DELIVERY_QUEUE, data, {
    singletonKey: `webhook-delivery:${deliveryId}:${attempts}`,
    ...(delaySeconds > 0 ? { startAfterSeconds: Math.ceil(delaySeconds) } : {}),
    // deliverOnce records every failure and schedules the next attempt itself; a job that throws
    // (the database was away) is retried by the queue a few times.
    retryLimit: 3,
    retryDelaySeconds: 30,
    retryBackoff: true,
  });
}
