// The portal's view of an app's webhook deliveries: the log (newest first, keyset paged by id, with
// each delivery's attempts), redelivering one by hand (same webhook-id, same body), and sending a
// test event. Every function scopes by the caller's app.
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { appIdFor } from '../apps/access';
import { recordAudit } from '../audit/audit';
import type { Caller } from '../auth/caller';
import { getDb } from '../db/client';
import { webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints } from '../db/schema';
import { conflict, forbidden, invalidInput, notFound } from '../errors';
import { payloadBody, TEST_EVENT } from './events';
import { scheduleDelivery } from './schedule';
import { newEventId } from './signing';

export type DeliveryAttempt = {
  attempt: number;
  at: Date;
  durationMs: number;
  responseStatus: number | null;
  responseExcerpt: string | null;
  error: string | null;
};

export type Delivery = {
  id: number;
  /** The `webhook-id` header. */
  eventId: string;
  eventType: string;
  humanId: string | null;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  lastResponseStatus: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  /** When the next attempt is due (pending deliveries only). */
  nextAttemptAt: Date | null;
  createdAt: Date;
  /** Oldest first. */
  attemptLog: DeliveryAttempt[];
};

export type DeliveryPage = { deliveries: Delivery[]; /** Pass as `before` for the next (older) page; null on the last. */ nextBefore: number | null };

export const DELIVERY_PAGE_SIZES = [25, 50, 100] as const;

function portalOnly(caller: Caller) {
  if (caller.kind !== 'account' && caller.kind !== 'operator') throw forbidden('Only the portal or the operator can see webhook deliveries.');
}

/** A page of the app's deliveries, newest first; `before` is the previous page's nextBefore. */
export async function listDeliveries(caller: Caller, clientId: string, options: { before?: number; limit?: number } = {}): Promise<DeliveryPage> {
  portalOnly(caller);
  const appId = await appIdFor(caller, clientId);
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 25), 1), 100);
  const rows = await getDb()
    .select({
      id: webhookDeliveries.id,
      eventId: webhookDeliveries.eventId,
      eventType: webhookDeliveries.eventType,
      humanId: webhookDeliveries.humanId,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      lastResponseStatus: webhookDeliveries.lastResponseStatus,
      lastError: webhookDeliveries.lastError,
      lastAttemptAt: webhookDeliveries.lastAttemptAt,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      createdAt: webhookDeliveries.createdAt,
    })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.appId, appId), options.before !== undefined ? lt(webhookDeliveries.id, options.before) : undefined))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const attempts = page.length
    ? await getDb()
      .select()
      .from(webhookDeliveryAttempts)
      .where(inArray(webhookDeliveryAttempts.deliveryId, page.map((r) => r.id)))
      .orderBy(webhookDeliveryAttempts.deliveryId, webhookDeliveryAttempts.attempt)
    : [];
  return {
    deliveries: page.map((row) => ({
      ...row,
      nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
      attemptLog: attempts.filter((a) => a.deliveryId === row.id).map(({ deliveryId: _, ...attempt }) => attempt),
    })),
    nextBefore: rows.length > limit ? page.at(-1)!.id : null,
  };
}

/**
 * Send delivery `deliveryId` again now, with the same webhook-id and body (a receiver that already
 * processed it can tell). Refused while an attempt at it is in flight.
 */
export async function redeliver(caller: Caller, clientId: string, deliveryId: number): Promise<{ eventId: string }> {
  portalOnly(caller);
  const appId = await appIdFor(caller, clientId);
  const row = await getDb().transaction(async (tx) => {
    const [current] = await tx
      .select({ id: webhookDeliveries.id, eventId: webhookDeliveries.eventId, lockedUntil: sql<boolean>`${webhookDeliveries.lockedUntil} > now()` })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.appId, appId)))
      .for('update');
    if (!current) throw notFound('No such delivery.');
    if (current.lockedUntil) throw conflict('This delivery is being attempted right now; try again in a few seconds.');
    const [updated] = await tx
      .update(webhookDeliveries)
      .set({ status: 'pending', nextAttemptAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(webhookDeliveries.id, deliveryId))
      .returning({ id: webhookDeliveries.id, eventId: webhookDeliveries.eventId, attempts: webhookDeliveries.attempts });
    await recordAudit(tx, caller, { appId, action: 'webhook.redeliver', target: current.eventId });
    return updated!;
  });
  await scheduleDelivery(row.id, row.attempts);
  return { eventId: row.eventId };
}

/** Queue a `webhook.test` event to the app's notify URL (to check the receiver and its signature check). */
export async function sendTestEvent(caller: Caller, clientId: string): Promise<{ deliveryId: number; eventId: string }> {
  portalOnly(caller);
  const appId = await appIdFor(caller, clientId);
  const [endpoint] = await getDb().select({ appId: webhookEndpoints.appId }).from(webhookEndpoints).where(eq(webhookEndpoints.appId, appId));
  if (!endpoint) throw invalidInput('Save a notify URL first (Settings → Webhooks).');
  const eventId = newEventId();
  const body = payloadBody(TEST_EVENT, { clientId, message: 'A test event from Wearhouse: your endpoint received and can verify webhooks.' });
  const [row] = await getDb()
    .insert(webhookDeliveries)
    .values({ appId, eventId, eventType: TEST_EVENT, body, nextAttemptAt: sql`now()` })
    .returning({ id: webhookDeliveries.id });
  await scheduleDelivery(row!.id, 0);
  return { deliveryId: row!.id, eventId };
}
