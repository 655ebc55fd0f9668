// A user's connections to sources: which are linked, their state, and linking a new one.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { appIdFor } from '../apps/access';
import { recordAudit } from '../audit/audit';
import type { Caller } from '../auth/caller';
import { encrypt } from '../auth/encryption';
import { getDb } from '../db/client';
import { connections, sources, users } from '../db/schema';
import { invalidInput, notFound } from '../errors';

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

/**
 * The user `humanId` of app `clientId`, if the caller may act on them: the app's own callers on any
 * of its users, an end user on themselves only (anyone else is reported missing).
 */
async function userIdFor(caller: Caller, clientId: string, humanId: string): Promise<{ appId: number; userId: number }> {
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

export async function listConnections(caller: Caller, clientId: string, humanId: string): Promise<Connection[]> {
  const { userId } = await userIdFor(caller, clientId, humanId);
  const rows = await getDb()
    .select({ connection: connections, source: sources })
    .from(connections)
    .innerJoin(sources, eq(sources.id, connections.sourceId))
    .where(eq(connections.userId, userId))
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

/** Link a source to a user (or re-link it), storing provider credentials encrypted. */
export async function connectSource(
  caller: Caller,
  clientId: string,
  humanId: string,
  sourceId: string,
  credentials?: Record<string, unknown>,
): Promise<number> {
  const { appId, userId } = await userIdFor(caller, clientId, humanId);
  return getDb().transaction(async (tx) => {
    // A user deleted meanwhile gets no new connection (deleting waits for this lock, FOR SHARE).
    const [live] = await tx.select({ id: users.id }).from(users).where(and(eq(users.id, userId), isNull(users.deletedAt))).for('share');
    if (!live) throw notFound(`No user ${humanId}.`);
    const [source] = await tx.select({ id: sources.id }).from(sources).where(eq(sources.id, sourceId));
    if (!source) throw invalidInput(`No source ${sourceId}.`);
    const [row] = await tx
      .insert(connections)
      .values({ userId, sourceId, credentialsEncrypted: credentials ? encrypt(JSON.stringify(credentials)) : null })
      .onConflictDoUpdate({
        target: [connections.userId, connections.sourceId],
        set: { status: 'connected', lastError: null, credentialsEncrypted: sql`excluded.credentials_encrypted`, updatedAt: sql`now()` },
      })
      .returning({ id: connections.id });
    await recordAudit(tx, caller, { appId, action: 'connection.create', target: `${humanId}/${sourceId}` });
    return row!.id;
  });
}
