// The app home's figures: users, connected sources, readings in the last 24 hours and new users per
// day. The embedded engine is single-threaded, so nothing here reads an app's whole user table: counts
// are exact up to a cap (a LIMITed index scan) and estimated from a fixed-size page sample above it
// (TABLESAMPLE SYSTEM reads about SAMPLE_PAGES pages whatever the table's size); readings come from
// the hourly rollups. Estimates say so (`isEstimate`), and the portal shows them with "≈".
import { sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../auth/caller';
import { getDb } from '../db/client';
import { READING_TYPES } from '../readings/types';
import { appIdFor } from './access';

/** A count as the portal shows it: exact, or an estimate (never below the exact part counted). */
export type Count = { value: number; isEstimate: boolean };

export type NewUsersDay = { /** The UTC day, `YYYY-MM-DD`. */ day: string; count: number };

export type AppOverview = {
  users: Count;
  connectedSources: Count;
  /** Readings taken in the hours that started in the last 24 hours (from the hourly rollups). */
  readingsLast24h: Count;
  newUsersByDay: NewUsersDay[];
  /** True when at least one day of newUsersByDay is an estimate. */
  newUsersIsEstimate: boolean;
};

/** Counted exactly up to here; above it the count is estimated. */
export const EXACT_COUNT_CAP = 5_000;
/** New users in the chart's days counted exactly up to here. */
export const EXACT_CHART_CAP = 2_000;
/** How many table pages an estimate reads (each about 8 kB). */
const SAMPLE_PAGES = 500;
export const CHART_DAYS = 30;

const ALL_TYPES = Object.keys(READING_TYPES);
const liveUsersOf = (appId: number) => sql`u.app_id = ${appId} AND u.deleted_at IS NULL`;
const isConnected = sql`c.status <> 'disconnected'`;

type Db = ReturnType<typeof getDb>;

async function scalar(db: Db, query: SQL): Promise<number> {
  const result = await db.execute<{ n: string | number | null }>(query);
  return Number(result.rows[0]?.n ?? 0);
}

/** The TABLESAMPLE percentage that reads about SAMPLE_PAGES pages of `table` (100 for small tables). */
async function samplePercent(db: Db, table: 'users' | 'connections'): Promise<number> {
  const pages = await scalar(db, sql`SELECT pg_relation_size(${table}::regclass) / current_setting('block_size')::int AS n`);
  return pages <= SAMPLE_PAGES ? 100 : (100 * SAMPLE_PAGES) / pages;
}

/** How many rows `query` returns, counting at most `cap` (a LIMITed scan). */
const cappedCount = (db: Db, query: SQL, cap: number) => scalar(db, sql`SELECT count(*) AS n FROM (${query} LIMIT ${cap}) AS capped`);

async function countConnectedSources(db: Db, appId: number): Promise<Count> {
  const connected = sql`SELECT 1 FROM connections c JOIN users u ON u.id = c.user_id WHERE ${liveUsersOf(appId)} AND ${isConnected}`;
  const counted = await cappedCount(db, connected, EXACT_COUNT_CAP);
  if (counted < EXACT_COUNT_CAP) return { value: counted, isEstimate: false };
  const percent = await samplePercent(db, 'connections');
  const seen = await scalar(db, sql`SELECT count(*) AS n FROM connections c TABLESAMPLE SYSTEM (${percent}) REPEATABLE (42)
    JOIN users u ON u.id = c.user_id WHERE ${liveUsersOf(appId)} AND ${isConnected}`);
  return { value: Math.max(EXACT_COUNT_CAP, Math.round((seen * 100) / percent)), isEstimate: true };
}

/**
 * Readings of the app's live users in the last 24 hours, summed from the hourly rollups. The rollup
 * index (user_id, type, bucket) serves each connection's last day through an `= ANY` list of types.
 */
async function countReadingsLast24h(db: Db, appId: number): Promise<Count> {
  const n = await scalar(db, sql`
    SELECT coalesce(sum(rr.count), 0) AS n
    FROM users u
    JOIN connections c ON c.user_id = u.id
    JOIN reading_rollups rr ON rr.user_id = c.user_id AND rr.type = ANY(${sql.param(ALL_TYPES)}::text[])
      AND rr.bucket > now() - interval '24 hours' AND rr.connection_id = c.id
    WHERE ${liveUsersOf(appId)}`);
  return { value: n, isEstimate: false };
}

/** UTC midnight `daysAgo` days before today's, as SQL (independent of the session's TimeZone). */
const utcDay = (daysAgo: number) =>
  sql`date_bin('1 day', now(), timestamptz '1970-01-01 00:00:00+00') - ${daysAgo} * interval '1 day'`;
const dayOf = (ts: SQL) => sql`to_char(date_bin('1 day', ${ts}, timestamptz '1970-01-01 00:00:00+00') AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

/** The last CHART_DAYS UTC days (today included), oldest first, as `YYYY-MM-DD`. */
function chartDays(now = new Date()): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: CHART_DAYS }, (_, i) => new Date(today - (CHART_DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/**
 * The app's live users and its new users per day. Exact while the app has fewer than
 * EXACT_COUNT_CAP users (and fewer than EXACT_CHART_CAP in the chart's days); otherwise both come
 * from one page sample of the users table, scaled up.
 */
async function usersAndNewUsers(db: Db, appId: number): Promise<{ users: Count; days: NewUsersDay[]; isChartEstimate: boolean }> {
  const since = utcDay(CHART_DAYS - 1);
  const counted = await cappedCount(db, sql`SELECT 1 FROM users u WHERE ${liveUsersOf(appId)}`, EXACT_COUNT_CAP);
  const isUsersExact = counted < EXACT_COUNT_CAP;
  const recent = isUsersExact && counted < EXACT_CHART_CAP
    ? counted // all of them fit under the chart's cap anyway
    : await cappedCount(db, sql`SELECT 1 FROM users u WHERE ${liveUsersOf(appId)} AND u.created_at >= ${since}`, EXACT_CHART_CAP);
  const isChartExact = recent < EXACT_CHART_CAP;

  const perDay = new Map<string, number>();
  if (isChartExact) {
    // Reads at most EXACT_CHART_CAP entries of the (app_id, created_at) index.
    const result = await db.execute<{ day: string; n: number }>(sql`
      SELECT ${dayOf(sql`u.created_at`)} AS day, count(*)::int AS n
      FROM users u WHERE ${liveUsersOf(appId)} AND u.created_at >= ${since} GROUP BY 1`);
    for (const row of result.rows) perDay.set(row.day, Number(row.n));
  }
  let sampledTotal = 0;
  if (!isUsersExact || !isChartExact) {
    const percent = await samplePercent(db, 'users');
    const scale = 100 / percent;
    const sampled = await db.execute<{ day: string | null; n: number }>(sql`
      SELECT CASE WHEN u.created_at >= ${since} THEN ${dayOf(sql`u.created_at`)} END AS day, count(*)::int AS n
      FROM users u TABLESAMPLE SYSTEM (${percent}) REPEATABLE (42)
      WHERE ${liveUsersOf(appId)} GROUP BY 1`);
    for (const row of sampled.rows) {
      sampledTotal += Number(row.n) * scale;
      if (!isChartExact && row.day) perDay.set(row.day, Math.round(Number(row.n) * scale));
    }
  }
  return {
    users: isUsersExact ? { value: counted, isEstimate: false } : { value: Math.max(EXACT_COUNT_CAP, Math.round(sampledTotal)), isEstimate: true },
    days: chartDays().map((day) => ({ day, count: perDay.get(day) ?? 0 })),
    isChartEstimate: !isChartExact,
  };
}

/** Everything the app home shows, for an app the caller may see (NotFound otherwise). */
export async function getAppOverview(caller: Caller, clientId: string): Promise<AppOverview> {
  const appId = await appIdFor(caller, clientId);
  const db = getDb();
  // One after another: each statement is short, and others' requests run between them.
  const people = await usersAndNewUsers(db, appId);
  const connectedSources = await countConnectedSources(db, appId);
  const readingsLast24h = await countReadingsLast24h(db, appId);
  return { users: people.users, connectedSources, readingsLast24h, newUsersByDay: people.days, newUsersIsEstimate: people.isChartEstimate };
}

/** The user count of each of the caller's apps, for the apps list (same bounds as the app home). */
export async function countUsersOfApps(caller: Caller, clientIds: string[]): Promise<Map<string, Count>> {
  const db = getDb();
  const counts = new Map<string, Count>();
  for (const clientId of clientIds) counts.set(clientId, (await usersAndNewUsers(db, await appIdFor(caller, clientId))).users);
  return counts;
}
