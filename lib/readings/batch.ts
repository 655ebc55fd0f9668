// The Application API's batch reads: an app's readings of one type changed within a window (at most
// 31 days), across all its live users, for an app's server catching up. Ordered by user (humanId),
// then by (updated_at, id) within a user, so that every page is a walk of the users index with one
// range scan of the readings index (user_id, type, updated_at, id) per user (migration 0006): the
// cost follows the page, not the user's history nor the other apps.
import { sql, type SQL } from 'drizzle-orm';
import { appIdFor } from '../apps/access';
import type { Caller } from '../auth/caller';
import type { Tx } from '../db/client';
import { invalidInput } from '../errors';
import { withOrderedIndexScan, type Reading } from './query';
import type { ReadingType } from './types';

/** The batch endpoints' plural names, as Human API's, and the type each reads. */
export const BATCH_TYPES = {
  heart_rates: 'heart_rate',
  weights: 'weight',
  blood_pressures: 'blood_pressure',
  blood_glucoses: 'blood_glucose',
  blood_oxygens: 'blood_oxygen',
  body_fats: 'body_fat',
  bmis: 'bmi',
  sleeps: 'sleep',
  // Our `activity` readings: active minutes per interval, as the sources report them.
  activities: 'activity',
} as const satisfies Record<string, ReadingType>;
export type BatchTypeName = keyof typeof BATCH_TYPES;

export const MAX_BATCH_WINDOW_DAYS = 31;
export const MAX_BATCH_PAGE = 1_000;

/** A position in the batch order: the user, the reading's exact updated_at (microseconds) and id. */
export type BatchCursor = { humanId: string; updatedAt: string; id: string };

/** A page, its cursor to the next (null on the last page), and the window's end as resolved (now by default), for the next page to keep. */
export type BatchPage = { readings: { humanId: string; reading: Reading }[]; next: BatchCursor | null; until: Date };

type Row = {
  human_id: string; id: string | number; ts: Date; tz: number; value: number; value2: number | null; unit: string;
  source_id: string; source_data: Record<string, unknown> | null; created_at: Date; updated_at: Date; position: string;
};

/** updated_at written exactly (to the microsecond, in UTC): the cursor's middle part. */
const EXACT = sql`to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

// r.id stays a bigint: the outer ORDER BY of nextUsers sorts by it (as text, 10 would come before 9).
const columns = sql`r.id, r.ts, r.tz_offset_minutes AS tz, r.value, r.value2, r.unit, c.source_id,
  r.source_data, r.created_at, r.updated_at, ${EXACT} AS position`;

/**
 * The readings of app `clientId`'s live users of `type` whose updated_at is in [since, until), from
 * live connections only; `after` continues from a cursor of the page before.
 */
export async function listUpdatedReadings(
  caller: Caller,
  clientId: string,
  type: ReadingType,
  query: { since: Date; until?: Date; limit: number; after?: BatchCursor },
): Promise<BatchPage> {
  const appId = await appIdFor(caller, clientId);
  const until = query.until ?? new Date();
  if (until.getTime() <= query.since.getTime()) throw invalidInput('updated_until must be after updated_since.');
  if (until.getTime() - query.since.getTime() > MAX_BATCH_WINDOW_DAYS * 86_400_000) {
    throw invalidInput(`The window from updated_since to updated_until (default: now) is at most ${MAX_BATCH_WINDOW_DAYS} days; ` +
      'ask for longer periods window by window.');
  }
  if (!(Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= MAX_BATCH_PAGE)) {
    throw invalidInput(`limit must be a whole number from 1 to ${MAX_BATCH_PAGE}.`);
  }
  const window = { appId, type, since: query.since.toISOString(), until: until.toISOString() };
  // One row past the page tells whether another follows.
  const wanted = query.limit + 1;
  const rows = await withOrderedIndexScan(async (tx) => {
    const found: Row[] = query.after ? await restOfUser(tx, window, query.after, wanted) : [];
    if (found.length < wanted) found.push(...await nextUsers(tx, window, query.after?.humanId, wanted - found.length));
    return found;
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    readings: page.map((row) => ({ humanId: row.human_id, reading: toReading(row, type) })),
    next: rows.length > query.limit && last ? { humanId: last.human_id, updatedAt: last.position, id: String(last.id) } : null,
    until,
  };
}

export type BatchWindow = { appId: number; type: ReadingType; since: string; until: string };

// type compared in the "C" collation, as the batch index keys it (see migration 0006).
const inWindow = (w: BatchWindow) => sql`r.type COLLATE "C" = ${w.type} AND r.updated_at >= ${w.since}::timestamptz AND r.updated_at < ${w.until}::timestamptz`;

/** The cursor's user's readings after the cursor (none once that user is deleted). */
async function restOfUser(tx: Tx, w: BatchWindow, after: BatchCursor, limit: number): Promise<Row[]> {
  return (await tx.execute<Row>(restOfUserStatement(w, after, limit))).rows;
}

/** The readings of the users after `afterHumanId` (from the first when absent), user by user. */
async function nextUsers(tx: Tx, w: BatchWindow, afterHumanId: string | undefined, limit: number): Promise<Row[]> {
  return (await tx.execute<Row>(nextUsersStatement(w, afterHumanId, limit))).rows;
}

/**
 * The statements of a page (exported so tests can EXPLAIN them): the app's users in humanId order
 * (its unique index), and for each a LATERAL range of the batch index already in (updated_at, id)
 * order, cut at the page size; only the few rows kept are sorted by user.
 */
export function restOfUserStatement(w: BatchWindow, after: BatchCursor, limit: number): SQL {
  return pageStatement(w, sql`AND u.human_id = ${after.humanId}`, sql`AND (r.updated_at, r.id) > (${after.updatedAt}::timestamptz, ${after.id}::bigint)`, limit);
}

export function nextUsersStatement(w: BatchWindow, afterHumanId: string | undefined, limit: number): SQL {
  return pageStatement(w, afterHumanId === undefined ? sql`` : sql`AND u.human_id > ${afterHumanId}`, sql``, limit);
}

function pageStatement(w: BatchWindow, users: SQL, cursor: SQL, limit: number): SQL {
  return sql`
    SELECT u.human_id, r.*
    FROM users u CROSS JOIN LATERAL (
      SELECT ${columns}
      FROM readings r JOIN connections c ON c.id = r.connection_id AND c.status <> 'disconnected'
      WHERE r.user_id = u.id AND ${inWindow(w)} ${cursor}
      ORDER BY r.updated_at, r.id
      LIMIT ${limit}
    ) r
    WHERE u.app_id = ${w.appId} AND u.deleted_at IS NULL ${users}
    ORDER BY u.human_id, r.updated_at, r.id
    LIMIT ${limit}`;
}

function toReading(row: Row, type: ReadingType): Reading {
  return {
    id: String(row.id),
    type,
    timestamp: new Date(row.ts),
    tzOffsetMinutes: Number(row.tz),
    value: Number(row.value),
    value2: row.value2 === null ? null : Number(row.value2),
    unit: row.unit,
    source: row.source_id,
    sourceData: row.source_data,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
