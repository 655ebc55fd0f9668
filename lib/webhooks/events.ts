// The events an app is notified of. announceReadings is what ingest paths call (the sync job, the
// mobile upload, the Apple Health import) after their readings are committed: it records one
// delivery for the user and batch and hands it to the queue.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { getDb } from '../db/client';
import { errorFields, log } from '../log';
import { scheduleDelivery } from './schedule';
import { newEventId } from './signing';

/** The event type of announceReadings' events. */
export const READINGS_EVENT = 'readings.added';
/** The event type of the portal's "Send test event". */
export const TEST_EVENT = 'webhook.test';

/** The JSON body of every webhook, in Standard Webhooks' recommended shape. */
export type WebhookPayload<T> = { type: string; timestamp: string; data: T };

/** What a `readings.added` event tells the app: whose readings, of which types, how many, and since when to ask for them. */
export type ReadingsEventData = { humanId: string; types: string[]; count: number; updatedSince: string };

const Announcement = z.object({
  appId: z.number().int().positive().optional(),
  clientId: z.string().regex(/^[0-9a-f]{40}$/).optional(),
  userId: z.number().int().positive(),
  humanId: z.string().regex(/^[0-9a-f]{32}$/),
  types: z.array(z.string().min(1).max(64)).min(1).max(100),
  count: z.number().int().min(0),
  updatedSince: z.date(),
}).refine((a) => a.appId !== undefined || a.clientId !== undefined, 'appId or clientId is required');

export type ReadingsAnnouncement = z.input<typeof Announcement>;

/** The exact body a delivery sends (and signs), kept as text so that every attempt sends the same bytes. */
export const payloadBody = <T>(type: string, data: T, at = new Date()): string =>
  JSON.stringify({ type, timestamp: at.toISOString(), data } satisfies WebhookPayload<T>);

/**
 * Tell the user's app that readings were added: one `readings.added` event for this user and
 * batch, `{ humanId, types, count, updatedSince }` (updatedSince: what to pass as `updated_since`
 * to read them), delivered by the queue with retries.
 *
 * Call it AFTER the transaction that wrote the readings has committed, never inside it, once per
 * user and batch with the number of readings inserted or updated (count 0 announces nothing). It
 * is cheap when the app has no webhook (one indexed INSERT … SELECT that inserts nothing) and it
 * never throws: a failure to record or enqueue is logged and the caller's ingest stands. The user
 * must belong to the app (appId or clientId): otherwise nothing is recorded.
 *
 * Returns the delivery's id, or null when nothing was announced.
 */
export async function announceReadings(announcement: ReadingsAnnouncement): Promise<number | null> {
  try {
    const event = Announcement.parse(announcement);
    if (event.count === 0) return null;
    const eventId = newEventId();
    const body = payloadBody<ReadingsEventData>(READINGS_EVENT, {
      humanId: event.humanId,
      types: [...new Set(event.types)].sort(),
      count: event.count,
      updatedSince: event.updatedSince.toISOString(),
    });
    const inserted = await getDb().execute<{ id: number }>(sql`
      INSERT INTO webhook_deliveries (app_id, user_id, event_id, event_type, human_id, body, next_attempt_at)
      SELECT u.app_id, u.id, ${eventId}, ${READINGS_EVENT}, u.human_id, ${body}, now()
      FROM users u
      JOIN webhook_endpoints w ON w.app_id = u.app_id
      ${event.clientId !== undefined ? sql`JOIN apps a ON a.id = u.app_id AND a.client_id = ${event.clientId}` : sql``}
      WHERE u.id = ${event.userId} AND u.human_id = ${event.humanId} AND u.deleted_at IS NULL
        ${event.appId !== undefined ? sql`AND u.app_id = ${event.appId}` : sql``}
      RETURNING id::int AS id`);
    const deliveryId = inserted.rows[0]?.id;
    if (deliveryId === undefined) return null;
    await scheduleDelivery(deliveryId, 0);
    return deliveryId;
  } catch (error) {
    if (error instanceof z.ZodError) log.warn({ invalid: error.issues.map((i) => i.path.join('.')) }, 'webhook event not recorded: invalid announcement');
    else log.warn({ err: errorFields(error) }, 'webhook event not recorded');
    return null;
  }
}
