// The one gate between a caller and an app: which app id a caller may act on for a clientId.
// Every service that touches an app's data goes through here before it queries.
import { and, eq } from 'drizzle-orm';
import type { Caller } from '../auth/caller';
import { getDb, type Queryable } from '../db/client';
import { apps } from '../db/schema';
import { forbidden, notFound } from '../errors';

export const CLIENT_ID_PATTERN = /^[0-9a-f]{40}$/;

/**
 * The internal id of the app `clientId` if the caller may act on it. An App Key or the app's client
 * credentials may act on their own app only (403 for another); an account on apps it owns (admins on
 * all); the operator on any. An end user may not act on an app as a whole (403). Apps the caller may
 * not see are reported as missing, not as forbidden.
 */
export async function appIdFor(caller: Caller, clientId: string, db: Queryable = getDb()): Promise<number> {
  if (caller.kind === 'end-user') throw forbidden("An end user's token acts on that user only.");
  if (caller.kind === 'app' || caller.kind === 'client') {
    if (caller.clientId !== clientId) throw forbidden(caller.kind === 'app' ? 'This App Key belongs to another app.' : 'These client credentials belong to another app.');
    return caller.appId;
  }
  if (!CLIENT_ID_PATTERN.test(clientId)) throw notFound(`No app ${clientId}.`);
  const where = caller.kind === 'account' && caller.role !== 'admin'
    ? and(eq(apps.clientId, clientId), eq(apps.ownerId, caller.accountId))
    : eq(apps.clientId, clientId);
  const [row] = await db.select({ id: apps.id }).from(apps).where(where);
  if (!row) throw notFound(`No app ${clientId}.`);
  return row.id;
}
