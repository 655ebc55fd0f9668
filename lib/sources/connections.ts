// A user's connections to sources: which are linked, their state, linking and unlinking one, and
// asking for a sync. The syncing itself is lib/sources/sync.ts (jobs on the durable queue).
import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { appIdFor } from '../apps/access';
import { recordAudit } from '../audit/audit';
import type { Caller } from '../auth/caller';
import { encrypt } from '../auth/encryption';
import { issueSecret } from '../auth/secrets';
import { getDb } from '../db/client';
import { appProviderCredentials, apps, connections, readingRollups, sources, users } from '../db/schema';
import { conflict, forbidden, invalidInput, notFound } from '../errors';
import { wakePurger } from '../users/purge';
import { syncRegistration } from './connectors';
import { isOAuthProvider, OAUTH_PROVIDER_IDS } from './oauth/providers';
import { revokeInBackground } from './oauth/tokens';
import { queueSync } from './sync';

export type Connection = {
  id: number;
  source: { id: string; name: string; kind: string; dataTypes: string[] };
  status: 'connected' | 'syncing' | 'error' | 'disconnected';
  connectedSince: Date;
  lastSyncAt: Date | null;
  lastError: string | null;
  /** A sync is queued and not finished yet. */
  isSyncPending: boolean;
  /** When the history backfill finished; null while it is pending. */
  historySyncedAt: Date | null;
  oldestReadingAt: Date | null;
  newestReadingAt: Date | null;
};

/** A source Connect offers an app's users. */
export type AvailableSource = { id: string; name: string; kind: string; dataTypes: string[]; description: string };

/** Kinds of source that can be connected today, and the OAuth2 sources that have a provider definition
 * (offered to an app's users once the app has entered its client credentials for that provider). */
const CONNECTABLE_KINDS = ['demo'] as const;
/** Sources of other kinds that can be connected today: Apple Health takes an uploaded export (lib/sources/apple-health). */
const CONNECTABLE_SOURCES = ['apple-health'] as const;
const CONNECTABLE_OAUTH_SOURCES: readonly string[] = OAUTH_PROVIDER_IDS;
/** Whether Wearhouse syncs the source (it has a connector: lib/sources/connectors.ts). */
const isSynced = (sourceId: string) => syncRegistration(sourceId) !== undefined;

/**
 * The user `humanId` of app `clientId`, if the caller may act on them: the app's own callers on any
 * of its users, an end user on themselves only (anyone else is reported missing).
 */
export async function userIdFor(caller: Caller, clientId: string, humanId: string): Promise<{ appId: number; userId: number }> {
  if (caller.kind === 'end-user') {
    if (caller.clientId !== clientId || caller.humanId !== humanId) throw notFound(`No user ${humanId}.`);
    const [live] = await getDb().select({ id: users.id }).from(users).where(and(eq(users.id, caller.userId), isNull(users.deletedAt)));
    if (!live) throw notFound(`No user ${humanId}.`);
    return { appId: caller.appId, userId: caller.userId };
  }
  const appId = await appIdFor(caller, clientId);
  const [row] = await getDb().select({ id: users.id }).from(users)
    .where(and(eq(users.appId, appId), eq(users.humanId, humanId), isNull(users.deletedAt)));
  if (!row) throw notFound(`No user ${humanId}.`);
  return { appId, userId: row.id };
}

/** The app a caller may read Connect's offer of: its own app for an end user, else through appIdFor. */
async function appForOffer(caller: Caller, clientId: string): Promise<number> {
  if (caller.kind === 'end-user') {
    if (caller.clientId !== clientId) throw forbidden("An end user's token acts on that user's app only.");
    return caller.appId;
  }
  return appIdFor(caller, clientId);
}

/**
 * The sources Connect offers the users of app `clientId`: those the app enables (all when it
 * names none) that can be connected today, by name. Fitbit and Oura need the app's own client
 * credentials at the provider first.
 */
export async function availableSources(caller: Caller, clientId: string): Promise<AvailableSource[]> {
  const appId = await appForOffer(caller, clientId);
  const [app] = await getDb().select({ enabled: apps.enabledSources }).from(apps).where(eq(apps.id, appId));
  if (!app) throw notFound(`No app ${clientId}.`);
  const rows = await getDb()
    .select({ id: sources.id, name: sources.name, kind: sources.kind, dataTypes: sources.dataTypes, description: sources.description })
    .from(sources)
    .where(and(
      // An OAuth2 source only once the app has its own client at that provider (lib/sources/oauth/credentials.ts);
      // Apple Health (an uploaded export, lib/sources/apple-health) always.
      sql`(${sources.kind} = ANY(${sql.param([...CONNECTABLE_KINDS])}::source_kind[]) OR ${sources.id} = ANY(${sql.param([...CONNECTABLE_SOURCES])}::text[])
        OR (${sources.id} = ANY(${sql.param([...CONNECTABLE_OAUTH_SOURCES])}::text[])
        AND EXISTS (SELECT 1 FROM ${appProviderCredentials} p WHERE p.app_id = ${appId} AND p.provider = ${sources.id})))`,
      app.enabled === null ? undefined : sql`${sources.id} = ANY(${sql.param(app.enabled)}::text[])`,
    ))
    .orderBy(asc(sources.name), asc(sources.id));
  return rows;
}

/** The user's connections, by source name. A disconnected one is gone for every reader at once. */
export async function listConnections(caller: Caller, clientId: string, humanId: string): Promise<Connection[]> {
  const { userId } = await userIdFor(caller, clientId, humanId);
  const rows = await getDb()
    .select({ connection: connections, source: sources })
    .from(connections)
    .innerJoin(sources, eq(sources.id, connections.sourceId))
    .where(and(eq(connections.userId, userId), ne(connections.status, 'disconnected')))
    .orderBy(asc(sources.name));
  return rows.map(({ connection: c, source: s }) => ({
    id: c.id,
    source: { id: s.id, name: s.name, kind: s.kind, dataTypes: s.dataTypes },
    status: c.status,
    connectedSince: c.connectedSince,
    lastSyncAt: c.lastSyncAt,
    lastError: c.lastError,
    isSyncPending: c.syncRequestedAt !== null,
    historySyncedAt: c.historySyncedAt,
    oldestReadingAt: c.oldestReadingAt,
    newestReadingAt: c.newestReadingAt,
  }));
}

/** A connection with how many readings it holds: what the portal's source cards show. */
export type ConnectionSummary = Connection & { readingCount: number };

/**
 * The user's connections with their reading counts. The counts add up the hourly rollups (one row
 * per connection, type and hour, kept exact in the transaction that writes the readings), so a
 * year of minute readings costs thousands of rows to sum, not hundreds of thousands to count.
 */
export async function listConnectionSummaries(caller: Caller, clientId: string, humanId: string): Promise<ConnectionSummary[]> {
  const list = await listConnections(caller, clientId, humanId);
  if (list.length === 0) return [];
  const counts = await getDb()
    .select({ connectionId: readingRollups.connectionId, count: sql<string>`sum(${readingRollups.count})` })
    .from(readingRollups)
    .where(inArray(readingRollups.connectionId, list.map((c) => c.id)))
    .groupBy(readingRollups.connectionId);
  const byConnection = new Map(counts.map((row) => [Number(row.connectionId), Number(row.count)]));
  return list.map((connection) => ({ ...connection, readingCount: byConnection.get(connection.id) ?? 0 }));
}

/**
 * Link a source to a user, storing provider credentials encrypted; returns the connection's id.
 * A source the user did not have (new, or disconnected before) starts afresh: no history yet, a
 * history sync queued for a syncable source, and the user's publicToken rotated. Connecting a
 * source that is linked already changes nothing but its credentials, when given.
 * End users (Connect) may link only the sources their app offers (availableSources).
 */
export async function connectSource(
  caller: Caller,
  clientId: string,
  humanId: string,
  sourceId: string,
  credentials?: Record<string, unknown>,
): Promise<number> {
  const { appId, userId } = await userIdFor(caller, clientId, humanId);
  if (caller.kind === 'end-user' && !(await availableSources(caller, clientId)).some((s) => s.id === sourceId)) {
    throw invalidInput(`Source ${sourceId} is not offered by this app.`);
  }
  const result = await getDb().transaction(async (tx) => {
    // A user deleted meanwhile gets no new connection (deleting waits for this lock, FOR SHARE).
    const [live] = await tx.select({ id: users.id }).from(users).where(and(eq(users.id, userId), isNull(users.deletedAt))).for('share');
    if (!live) throw notFound(`No user ${humanId}.`);
    const [source] = await tx.select({ id: sources.id, kind: sources.kind }).from(sources).where(eq(sources.id, sourceId));
    if (!source) throw invalidInput(`No source ${sourceId}.`);
    const syncable = isSynced(source.id);
    const encrypted = credentials ? encrypt(JSON.stringify(credentials)) : null;
    // The row as it was (locked, so a concurrent disconnect or connect waits for this one).
    const [before] = await tx.select({ status: connections.status }).from(connections)
      .where(and(eq(connections.userId, userId), eq(connections.sourceId, sourceId))).for('update');
    // A synced source's first sync clears a re-linked connection's old rows; a source that sends
    // its own readings has no such step, so it waits until the purger has removed the old ones.
    if (before?.status === 'disconnected' && !syncable) {
      throw conflict(`The previous connection to ${sourceId} is still being removed; try again in a minute.`);
    }
    const [row] = (await tx.execute<{ id: number }>(sql`
      INSERT INTO connections AS c (user_id, source_id, credentials_encrypted, sync_requested_at)
      VALUES (${userId}, ${sourceId}, ${encrypted}, ${syncable ? sql`now()` : null})
      ON CONFLICT (user_id, source_id) DO UPDATE SET
        -- A reconnect starts afresh; its old readings may still be being purged, and the first sync
        -- clears whatever is left of them before it writes the history (lib/sources/sync.ts).
        status = CASE WHEN c.status = 'disconnected' THEN 'connected' ELSE c.status END,
        connected_since = CASE WHEN c.status = 'disconnected' THEN now() ELSE c.connected_since END,
        last_sync_at = CASE WHEN c.status = 'disconnected' THEN NULL ELSE c.last_sync_at END,
        last_error = CASE WHEN c.status = 'disconnected' THEN NULL ELSE c.last_error END,
        history_synced_at = CASE WHEN c.status = 'disconnected' THEN NULL ELSE c.history_synced_at END,
        oldest_reading_at = CASE WHEN c.status = 'disconnected' THEN NULL ELSE c.oldest_reading_at END,
        newest_reading_at = CASE WHEN c.status = 'disconnected' THEN NULL ELSE c.newest_reading_at END,
        sync_requested_at = CASE WHEN c.status = 'disconnected' THEN excluded.sync_requested_at ELSE c.sync_requested_at END,
        credentials_encrypted = CASE WHEN excluded.credentials_encrypted IS NOT NULL OR c.status = 'disconnected'
          THEN excluded.credentials_encrypted ELSE c.credentials_encrypted END,
        updated_at = now()
      RETURNING c.id::int AS id`)).rows;
    const fresh = !before || before.status === 'disconnected';
    // New credentials for a linked source (connecting again after the provider refused the old
    // grant) are worth a sync at once.
    const renewed = !fresh && syncable && credentials !== undefined;
    if (renewed) {
      await tx.execute(sql`UPDATE connections SET sync_requested_at = coalesce(sync_requested_at, now()) WHERE id = ${row!.id}`);
    }
    if (fresh) {
      // A newly linked source changes what the user's publicToken may reach: issue a new one.
      const publicToken = issueSecret('publicToken');
      await tx.update(users)
        .set({ publicTokenEncrypted: encrypt(publicToken.value), publicTokenHash: publicToken.hash, updatedAt: sql`now()` })
        .where(eq(users.id, userId));
    }
    await recordAudit(tx, caller, {
      appId,
      action: !before ? 'connection.create' : fresh ? 'connection.reconnect' : 'connection.update',
      target: `${humanId}/${sourceId}`,
    });
    return { id: Number(row!.id), queued: (fresh && syncable) || renewed };
  });
  if (result.queued) await queueSync(result.id, sourceId);
  return result.id;
}

/**
 * Unlink a source. At once the connection is gone for every reader (status `disconnected`,
 * credentials wiped, no sync wanted); its readings and rollups, then the row, are removed in short
 * batches afterwards by the purger (lib/users/purge.ts). Unknown or already disconnected → NotFound.
 */
export async function disconnectSource(caller: Caller, clientId: string, humanId: string, sourceId: string): Promise<void> {
  const { appId, userId } = await userIdFor(caller, clientId, humanId);
  const revoke = await getDb().transaction(async (tx) => {
    // The provider grant as it was, to revoke once the connection is gone (never inside this transaction).
    const [before] = await tx.select({ sealed: connections.credentialsEncrypted }).from(connections)
      .where(and(eq(connections.userId, userId), eq(connections.sourceId, sourceId), ne(connections.status, 'disconnected'))).for('update');
    const [gone] = await tx
      .update(connections)
      // sync_requested_at stays set while the rows wait for the purger: the queue's partial index
      // is how the purger finds disconnected connections without scanning them all.
      .set({ status: 'disconnected', credentialsEncrypted: null, lastError: null, syncRequestedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(connections.userId, userId), eq(connections.sourceId, sourceId), ne(connections.status, 'disconnected')))
      .returning({ id: connections.id });
    if (!gone) throw notFound(`No connection to ${sourceId}.`);
    await recordAudit(tx, caller, { appId, action: 'connection.delete', target: `${humanId}/${sourceId}` });
    return isOAuthProvider(sourceId) && before?.sealed ? { connectionId: Number(gone.id), sealed: before.sealed } : null;
  });
  wakePurger();
  // Best effort: the provider forgets the grant; a failure is logged and never undoes the disconnect.
  if (revoke) revokeInBackground({ appId, ...revoke });
}

/**
 * "Sync now": queue a sync of the user's connection to `sourceId`. Already queued → unchanged;
 * running → it runs once more after the current run; waiting to retry after an error → due now.
 */
export async function requestSync(caller: Caller, clientId: string, humanId: string, sourceId: string): Promise<void> {
  const { appId, userId } = await userIdFor(caller, clientId, humanId);
  const found = await getDb().transaction(async (tx) => {
    const [row] = await tx
      .select({ id: connections.id, status: connections.status })
      .from(connections)
      .where(and(eq(connections.userId, userId), eq(connections.sourceId, sourceId), ne(connections.status, 'disconnected')))
      .for('update');
    if (!row) throw notFound(`No connection to ${sourceId}.`);
    if (!isSynced(sourceId)) throw invalidInput(`Source ${sourceId} has nothing to sync: its readings are sent to Wearhouse.`);
    // A running sync noted sync_requested_at when it began (lib/sources/sync.ts): moving it on
    // tells that run someone asked again, so it queues one more run when it ends.
    await tx.execute(sql`
      UPDATE connections SET sync_requested_at = CASE
          WHEN status = 'syncing' THEN coalesce(sync_requested_at, now()) + interval '1 millisecond'
          ELSE coalesce(sync_requested_at, now()) END
      WHERE id = ${row.id}`);
    await recordAudit(tx, caller, { appId, action: 'connection.sync', target: `${humanId}/${sourceId}` });
    return row;
  });
  if (found.status !== 'syncing') await queueSync(found.id, sourceId);
}
