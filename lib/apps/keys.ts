// App Keys: issuing, listing, revoking, and authenticating Application API requests with them.
// A presented key is looked up by its SHA-256 (indexed); the verdict is cached for a moment so a
// busy key costs no extra query, and last-used times are written in batches, not per request.
import { and, desc, eq, isNull, or, sql } from 'drizzle-orm';
import { recordAudit } from '../audit/audit';
import type { AppCaller, Caller } from '../auth/caller';
import { issueSecret, matchesHash, SECRET_PREFIXES, sha256Hex } from '../auth/secrets';
import { getDb } from '../db/client';
import { appKeys, apps } from '../db/schema';
import { forbidden, invalidInput, notFound } from '../errors';
import { appIdFor } from './access';
import { processWide } from '../process-wide';

export type AppKey = {
  id: number;
  label: string;
  /** e.g. `whk_3fA9…x2Qe`: enough to recognise a key, useless to use it. */
  hint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

const toKey = (row: typeof appKeys.$inferSelect): AppKey => ({
  id: row.id,
  label: row.label,
  hint: `${row.keyPrefix}…${row.keyLast4}`,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
  revokedAt: row.revokedAt,
});

export async function createKey(caller: Caller, clientId: string, label = ''): Promise<{ key: AppKey; secret: string }> {
  if (caller.kind !== 'account' && caller.kind !== 'operator') throw forbidden('Only the portal or the operator can create keys.');
  if (label.length > 100) throw invalidInput('A key label has at most 100 characters.');
  const appId = await appIdFor(caller, clientId);
  const secret = issueSecret('appKey');
  const row = await getDb().transaction(async (tx) => {
    const [key] = await tx
      .insert(appKeys)
      .values({ appId, label, keyHash: secret.hash, keyPrefix: secret.prefix, keyLast4: secret.last4, createdById: caller.kind === 'account' ? caller.accountId : null })
      .returning();
    await recordAudit(tx, caller, { appId, action: 'key.create', target: secret.prefix });
    return key!;
  });
  return { key: toKey(row), secret: secret.value };
}

export async function listKeys(caller: Caller, clientId: string): Promise<AppKey[]> {
  const appId = await appIdFor(caller, clientId);
  const rows = await getDb().select().from(appKeys).where(eq(appKeys.appId, appId)).orderBy(desc(appKeys.id));
  return rows.map(toKey);
}

/**
 * Revoke one key of an app, named by its id or by its displayed prefix. Requests with it fail from
 * now on in this process and within KEY_CACHE_MS everywhere else.
 */
export async function revokeKey(caller: Caller, clientId: string, keyRef: string | number): Promise<AppKey> {
  if (caller.kind !== 'account' && caller.kind !== 'operator') throw forbidden('Only the portal or the operator can revoke keys.');
  const appId = await appIdFor(caller, clientId);
  const byRef = typeof keyRef === 'number' || /^\d+$/.test(keyRef)
    ? eq(appKeys.id, Number(keyRef))
    : or(eq(appKeys.keyPrefix, keyRef.replace(/….*$/, '')), eq(appKeys.keyHash, sha256Hex(keyRef)));
  const row = await getDb().transaction(async (tx) => {
    const matches = await tx.select().from(appKeys).where(and(eq(appKeys.appId, appId), byRef));
    if (matches.length === 0) throw notFound(`No key ${keyRef} in app ${clientId}.`);
    if (matches.length > 1) throw invalidInput(`${keyRef} names more than one key; use the key id.`);
    const [revoked] = await tx
      .update(appKeys)
      .set({ revokedAt: sql`coalesce(${appKeys.revokedAt}, now())` })
      .where(eq(appKeys.id, matches[0]!.id))
      .returning();
    await recordAudit(tx, caller, { appId, action: 'key.revoke', target: revoked!.keyPrefix });
    return revoked!;
  });
  forgetCachedKeys();
  return toKey(row);
}

// ---- Authentication ------------------------------------------------------------------------

/** How long a key's verdict is trusted before the database is asked again. */
export const KEY_CACHE_MS = 2_000;
const CACHE_LIMIT = 10_000;
const LAST_USED_FLUSH_MS = 10_000;

type Verdict = { caller: AppCaller | null; expiresAt: number };
// Once per process (see lib/process-wide.ts): the portal's copy of this module revokes, the API's
// copy authenticates, and both must see the same cache.
const keyState = processWide('app-keys', () => ({
  verdicts: new Map<string, Verdict>(),
  /** Key id → when it was last used (epoch ms): a number per request, a Date only when flushed. */
  lastUsed: new Map<number, number>(),
  flushTimer: undefined as NodeJS.Timeout | undefined,
}));
const { verdicts, lastUsed } = keyState;

function forgetCachedKeys() {
  verdicts.clear();
}

/** The app a presented App Key speaks for, or null when it is unknown, malformed or revoked. */
export async function authenticateAppKey(presented: string): Promise<AppCaller | null> {
  if (!presented.startsWith(SECRET_PREFIXES.appKey) || presented.length > 200) return null;
  const hash = sha256Hex(presented);
  const now = Date.now();
  let verdict = verdicts.get(hash);
  if (!verdict || verdict.expiresAt <= now) {
    const [row] = await getDb()
      .select({ keyId: appKeys.id, keyHash: appKeys.keyHash, keyPrefix: appKeys.keyPrefix, appId: apps.id, clientId: apps.clientId, appName: apps.name })
      .from(appKeys)
      .innerJoin(apps, eq(apps.id, appKeys.appId))
      .where(and(eq(appKeys.keyHash, hash), isNull(appKeys.revokedAt)));
    const caller: AppCaller | null = row && matchesHash(presented, row.keyHash)
      ? { kind: 'app', appId: row.appId, clientId: row.clientId, appName: row.appName, keyId: row.keyId, keyPrefix: row.keyPrefix }
      : null;
    if (verdicts.size >= CACHE_LIMIT) verdicts.clear();
    verdict = { caller, expiresAt: now + KEY_CACHE_MS };
    verdicts.set(hash, verdict);
  }
  if (verdict.caller) noteKeyUsed(verdict.caller.keyId, now);
  return verdict.caller;
}

function noteKeyUsed(keyId: number, at: number) {
  lastUsed.set(keyId, at);
  keyState.flushTimer ??= setTimeout(() => void flushKeyUsage(), LAST_USED_FLUSH_MS).unref();
}

/** Write the pending last-used times in one statement (also called on shutdown). */
export async function flushKeyUsage(): Promise<void> {
  clearTimeout(keyState.flushTimer);
  keyState.flushTimer = undefined;
  if (lastUsed.size === 0) return;
  const ids = [...lastUsed.keys()];
  const times = ids.map((id) => new Date(lastUsed.get(id)!).toISOString());
  lastUsed.clear();
  try {
    await getDb().execute(sql`
      UPDATE app_keys SET last_used_at = used.at
      FROM (SELECT unnest(${sql.param(ids)}::bigint[]) AS id, unnest(${sql.param(times)}::timestamptz[]) AS at) AS used
      WHERE app_keys.id = used.id AND (app_keys.last_used_at IS NULL OR app_keys.last_used_at < used.at)`);
  } catch (error) {
    console.error('wearhouse: could not record key usage:', (error as Error).message);
  }
}
