// Who an end user's token names: the long-lived accessToken (`wha_…`, shown in the portal and
// returned by the v2.1 finalize) or a short-lived token minted by POST /v1/connect/token type=access
// (`whc_…`, a connect_sessions row of kind `access`). Both resolve to an EndUserCaller that may act
// on that one user only. Also keeps users.last_active_at moving, throttled.
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { EndUserCaller } from '../auth/caller';
import { SECRET_PREFIXES, sha256Hex } from '../auth/secrets';
import { getDb } from '../db/client';
import { apps, connectSessions, users } from '../db/schema';

/** Tokens are 4 prefix characters and 32 base64url characters; anything else names nobody. */
const TOKEN_SHAPE = /^wh[ac]_[A-Za-z0-9_-]{32}$/;

/**
 * The end user an access token belongs to, or null for an unknown, expired or revoked token or a
 * deleted user. The lookup is by the token's SHA-256 (a unique index), which compares in constant
 * time in effect: the presented value is never compared character by character.
 */
export async function endUserForAccessToken(token: string): Promise<EndUserCaller | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const hash = sha256Hex(token);
  const db = getDb();
  const columns = { appId: users.appId, clientId: apps.clientId, userId: users.id, humanId: users.humanId };
  const [row] = token.startsWith(SECRET_PREFIXES.accessToken)
    ? await db.select(columns).from(users).innerJoin(apps, eq(apps.id, users.appId))
      .where(and(eq(users.accessTokenHash, hash), isNull(users.deletedAt)))
    : await db.select(columns).from(connectSessions)
      .innerJoin(users, eq(users.id, connectSessions.userId))
      .innerJoin(apps, eq(apps.id, users.appId))
      .where(and(
        eq(connectSessions.tokenHash, hash),
        eq(connectSessions.kind, 'access'),
        gt(connectSessions.expiresAt, sql`now()`),
        isNull(users.deletedAt),
      ));
  return row ? { kind: 'end-user', via: 'access-token', ...row } : null;
}

/** last_active_at moves at most once per this interval per user: reads stay reads. */
export const LAST_ACTIVE_RESOLUTION_MS = 60_000;
const recentlyTouched = new Map<number, number>();

/**
 * Record that the user used Connect or read the Data API. Throttled twice: in memory (no query at
 * all within the resolution) and in SQL (another process may have written it meanwhile).
 */
export async function touchLastActive(caller: EndUserCaller): Promise<void> {
  const now = Date.now();
  const last = recentlyTouched.get(caller.userId);
  if (last !== undefined && now - last < LAST_ACTIVE_RESOLUTION_MS) return;
  recentlyTouched.set(caller.userId, now);
  if (recentlyTouched.size > 100_000) recentlyTouched.clear();
  await getDb().update(users).set({ lastActiveAt: sql`now()` }).where(and(
    eq(users.id, caller.userId),
    isNull(users.deletedAt),
    sql`(${users.lastActiveAt} IS NULL OR ${users.lastActiveAt} < now() - ${`${LAST_ACTIVE_RESOLUTION_MS} milliseconds`}::interval)`,
  ));
}
