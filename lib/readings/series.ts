// What the portal's charts read: one user's readings of one type over a range, as at most ~1,000
// points (raw readings through the chart index for short ranges, hourly rollups for long ones), and
// daily totals in the user's local days (from the rollups, which are kept in local hours).
import { and, eq, isNull, ne, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { appIdFor } from '../apps/access';
import type { Caller } from '../auth/caller';
import { getDb } from '../db/client';
import { connections, sources, users } from '../db/schema';
import { invalidInput, notFound } from '../errors';
import { HUMAN_ID_PATTERN } from '../users/human-id';
import { READING_TYPES, ReadingTypeSchema, type ReadingType } from './types';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** A chart never gets more points than this. */
export const MAX_POINTS = 1_000;
/** Ranges up to this long are drawn from raw readings (a few thousand rows at most, index-only). */
export const RAW_RANGE_MS = 3 * DAY_MS;
/** Daily totals cover at most this many days per call. */
export const MAX_DAYS = 3_660;

export type SeriesPoint = {
  /** Start of the point's interval. */
  start: Date;
  count: number;
  sum: number;
  avg: number;
  min: number;
  max: number;
  /** The second value (diastolic blood pressure), when the type has one. */
  avg2: number | null;
  min2: number | null;
  max2: number | null;
};

export type Series = { type: ReadingType; from: Date; to: Date; intervalSeconds: number; source: 'readings' | 'rollups'; points: SeriesPoint[] };

export type DailyTotal = Omit<SeriesPoint, 'start'> & { day: string };

const SeriesQuery = z.object({
  type: ReadingTypeSchema,
  from: z.coerce.date(),
  to: z.coerce.date(),
}).refine((q) => q.from.getTime() < q.to.getTime(), { message: 'from must be before to.' });

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Days are written YYYY-MM-DD.').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'Not a calendar day.');
const DailyQuery = z.object({ type: ReadingTypeSchema, from: Day, to: Day })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to.' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) < MAX_DAYS * DAY_MS, { message: `At most ${MAX_DAYS} days at once.` });

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid query.');
  return parsed.data;
}

/** The internal id of a live user of an app the caller may act on. */
async function liveUserId(caller: Caller, clientId: string, humanId: string): Promise<number> {
  if (!HUMAN_ID_PATTERN.test(humanId)) throw notFound(`No user ${humanId}.`);
  const appId = await appIdFor(caller, clientId);
  const [row] = await getDb()
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.appId, appId), eq(users.humanId, humanId), isNull(users.deletedAt)));
  if (!row) throw notFound(`No user ${humanId}.`);
  return row.id;
}

export type Plan = { source: 'readings' | 'rollups'; intervalMs: number };

/** Raw readings for short ranges; whole hours of rollups otherwise. Never more than MAX_POINTS. */
export function planSeries(from: Date, to: Date): Plan {
  const span = to.getTime() - from.getTime();
  if (span <= RAW_RANGE_MS) return { source: 'readings', intervalMs: Math.max(MINUTE_MS, Math.ceil(span / MAX_POINTS / MINUTE_MS) * MINUTE_MS) };
  return { source: 'rollups', intervalMs: Math.ceil(span / MAX_POINTS / HOUR_MS) * HOUR_MS };
}

/**
 * The SQL of a series (exported for the plan tests). Rollup hours are placed by their start, so
 * with a +5:30 user's hours a point's interval is shifted by their 30 minutes, never split. With
 * `connectionId`, only that connection's readings or rollups (the source page).
 */
export function seriesSql(userId: number, type: ReadingType, from: Date, to: Date, plan: Plan, connectionId?: number): SQL {
  const interval = sql`${`${plan.intervalMs / 1000} seconds`}::interval`;
  const [f, t] = [from.toISOString(), to.toISOString()];
  // The chart index carries connection_id: still an index-only scan, the connection a filter.
  const ofConnection = connectionId === undefined ? sql`` : sql`AND connection_id = ${connectionId}`;
  if (plan.source === 'readings') {
    return sql`
      SELECT to_json(date_bin(${interval}, ts, ${f}::timestamptz))#>>'{}' AS start, count(*)::int AS count,
             sum(value) AS sum, min(value) AS min, max(value) AS max,
             avg(value2) AS avg2, min(value2) AS min2, max(value2) AS max2
      FROM readings
      WHERE user_id = ${userId} AND type = ${type} AND ts >= ${f}::timestamptz AND ts < ${t}::timestamptz
        ${ofConnection}
      GROUP BY 1 ORDER BY 1`;
  }
  return sql`
    SELECT to_json(date_bin(${interval}, bucket, ${f}::timestamptz))#>>'{}' AS start, sum(count)::int AS count,
           sum(sum) AS sum, min(min) AS min, max(max) AS max,
           sum(sum2) / nullif(sum(count) FILTER (WHERE sum2 IS NOT NULL), 0) AS avg2, min(min2) AS min2, max(max2) AS max2
    FROM reading_rollups
    WHERE user_id = ${userId} AND type = ${type} AND bucket >= ${f}::timestamptz AND bucket < ${t}::timestamptz
      ${ofConnection}
    GROUP BY 1 ORDER BY 1`;
}

type Row = { count: number; sum: number; min: number; max: number; avg2: number | null; min2: number | null; max2: number | null };
const toPoint = (row: Row) => ({
  count: Number(row.count),
  sum: row.sum,
  avg: row.sum / Number(row.count),
  min: row.min,
  max: row.max,
  avg2: row.avg2 ?? null,
  min2: row.min2 ?? null,
  max2: row.max2 ?? null,
});

/** One user's readings of `type` in [from, to) as at most MAX_POINTS evenly spaced points. */
export async function readingSeries(
  caller: Caller,
  target: { clientId: string; humanId: string },
  query: { type: string; from: Date | string; to: Date | string },
): Promise<Series> {
  const { type, from, to } = parse(SeriesQuery, query);
  const userId = await liveUserId(caller, target.clientId, target.humanId);
  const plan = planSeries(from, to);
  const result = await getDb().execute<Row & { start: string }>(seriesSql(userId, type, from, to, plan));
  return {
    type, from, to, intervalSeconds: plan.intervalMs / 1000, source: plan.source,
    points: result.rows.map((row) => ({ start: new Date(row.start), ...toPoint(row) })),
  };
}

/** The SQL of daily totals (exported for the plan tests); days are 'YYYY-MM-DD', inclusive. */
export function dailySql(userId: number, type: ReadingType, fromDay: string, toDay: string): SQL {
  // A local day lies within 14 hours of the UTC day of the same date.
  const lo = new Date(Date.parse(`${fromDay}T00:00:00Z`) - 14 * HOUR_MS).toISOString();
  const hi = new Date(Date.parse(`${toDay}T00:00:00Z`) + DAY_MS + 14 * HOUR_MS).toISOString();
  const localDay = sql`to_char((bucket AT TIME ZONE 'UTC') + tz_offset_minutes * interval '1 minute', 'YYYY-MM-DD')`;
  return sql`
    SELECT ${localDay} AS day, sum(count)::int AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max,
           sum(sum2) / nullif(sum(count) FILTER (WHERE sum2 IS NOT NULL), 0) AS avg2, min(min2) AS min2, max(max2) AS max2
    FROM reading_rollups
    WHERE user_id = ${userId} AND type = ${type} AND bucket >= ${lo}::timestamptz AND bucket < ${hi}::timestamptz
      AND ${localDay} BETWEEN ${fromDay} AND ${toDay}
    GROUP BY 1 ORDER BY 1`;
}

/**
 * Totals per day from `from` to `to` (inclusive, 'YYYY-MM-DD'), each reading counted on the local
 * day where it was taken (its own UTC offset). Days without readings are left out.
 */
export async function dailyTotals(
  caller: Caller,
  target: { clientId: string; humanId: string },
  query: { type: string; from: string; to: string },
): Promise<DailyTotal[]> {
  const { type, from, to } = parse(DailyQuery, query);
  const userId = await liveUserId(caller, target.clientId, target.humanId);
  const result = await getDb().execute<Row & { day: string }>(dailySql(userId, type, from, to));
  return result.rows.map((row) => ({ day: row.day, ...toPoint(row) }));
}

// ---- One source of one user: the portal's source page ------------------------------------------

/** The ranges the source page offers; anything else is a custom from/to. */
export const RANGES = { '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS, '1y': 365 * DAY_MS } as const;
export type RangeKey = keyof typeof RANGES;
/** The longest custom range served. */
export const MAX_RANGE_MS = MAX_DAYS * DAY_MS;

const Instant = z.string().trim().min(1).pipe(z.coerce.date()).refine((d) => !Number.isNaN(d.getTime()), 'Not a date and time.');

/**
 * A range as the source page's endpoints take it: a named range ending now, or a custom from/to
 * (ISO 8601 instants). Query-string shaped, so the route handlers pass their search params as is.
 */
export const RangeQuery = z.union([
  z.object({ range: z.enum(Object.keys(RANGES) as [RangeKey, ...RangeKey[]]) }),
  z.object({ range: z.literal('custom').optional(), from: Instant, to: Instant }),
], { error: 'Give range=24h|7d|30d|90d|1y, or from and to (ISO 8601).' });

/**
 * [from, to) of a range query, `now` for named ranges (`rolling`: they end now);
 * bad or oversized ranges → invalid_input.
 */
export function resolveRange(input: unknown, now = new Date()): { from: Date; to: Date; rolling: boolean } {
  const query = parse(RangeQuery, input);
  if ('from' in query) {
    if (query.from.getTime() >= query.to.getTime()) throw invalidInput('from must be before to.');
    if (query.to.getTime() - query.from.getTime() > MAX_RANGE_MS) throw invalidInput(`At most ${MAX_DAYS} days at once.`);
    return { from: query.from, to: query.to, rolling: false };
  }
  return { from: new Date(now.getTime() - RANGES[query.range]), to: now, rolling: true };
}

export type SourceTarget = { clientId: string; humanId: string; sourceId: string };

/** What the source page shows about the connection (no internal ids, no credentials). */
export type SourceOverview = {
  user: { humanId: string; externalId: string };
  source: { id: string; name: string; dataTypes: ReadingType[] };
  status: 'connected' | 'syncing' | 'error' | 'disconnected';
  connectedSince: Date;
  lastSyncAt: Date | null;
  oldestReadingAt: Date | null;
  newestReadingAt: Date | null;
};

const SOURCE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The live connection of user `humanId` (of an app the caller may act on) to `sourceId`, with the
 * internal ids the reading queries need. Anything missing, deleted, disconnected or not the
 * caller's → not_found. Internal: pages get sourceOverview's DTO.
 */
export async function sourceConnection(caller: Caller, target: SourceTarget) {
  const userId = await liveUserId(caller, target.clientId, target.humanId);
  if (!SOURCE_ID_PATTERN.test(target.sourceId)) throw notFound(`No source ${target.sourceId} for this user.`);
  const [row] = await getDb()
    .select({
      connectionId: connections.id, externalId: users.externalId, sourceName: sources.name, dataTypes: sources.dataTypes,
      status: connections.status, connectedSince: connections.connectedSince, lastSyncAt: connections.lastSyncAt,
      oldestReadingAt: connections.oldestReadingAt, newestReadingAt: connections.newestReadingAt,
    })
    .from(connections)
    .innerJoin(users, eq(users.id, connections.userId))
    .innerJoin(sources, eq(sources.id, connections.sourceId))
    .where(and(eq(connections.userId, userId), eq(connections.sourceId, target.sourceId), ne(connections.status, 'disconnected')));
  if (!row) throw notFound(`No source ${target.sourceId} for this user.`);
  const overview: SourceOverview = {
    user: { humanId: target.humanId, externalId: row.externalId },
    source: { id: target.sourceId, name: row.sourceName, dataTypes: row.dataTypes.filter((t): t is ReadingType => t in READING_TYPES) },
    status: row.status,
    connectedSince: row.connectedSince,
    lastSyncAt: row.lastSyncAt,
    oldestReadingAt: row.oldestReadingAt,
    newestReadingAt: row.newestReadingAt,
  };
  return { userId, connectionId: Number(row.connectionId), overview };
}

/** The header of the source page: who, which source, which types it provides. */
export async function sourceOverview(caller: Caller, target: SourceTarget): Promise<SourceOverview> {
  return (await sourceConnection(caller, target)).overview;
}

/** A type the source provides, else invalid_input (the page only asks for those). */
function sourceType(overview: SourceOverview, input: unknown): ReadingType {
  const type = parse(ReadingTypeSchema, input);
  if (!overview.source.dataTypes.includes(type)) throw invalidInput(`${overview.source.name} does not provide ${type}.`);
  return type;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Daily totals of one connection (exported for the plan tests): per local day of
 * `bucket + shiftHours`, so a night's sleep (stored at bedtime) counts on the morning it ends.
 * `days` are calendar dates (inclusive); `overlapping` instead takes every local day whose own
 * 24 hours overlap [from, to) in the reading's UTC offset — a rolling "last 24 h" then shows the
 * day that just ended for a user west of UTC as for one east of it.
 */
export function sourceDailySql(
  target: { userId: number; connectionId: number },
  type: ReadingType,
  within: { days: { from: string; to: string } } | { overlapping: { from: Date; to: Date } },
  shiftHours = 0,
): SQL {
  const [fromDay, toDay] = 'days' in within
    ? [within.days.from, within.days.to]
    : [dayOf(within.overlapping.from.getTime() - 14 * HOUR_MS), dayOf(within.overlapping.to.getTime() + 14 * HOUR_MS)];
  const lo = new Date(Date.parse(`${fromDay}T00:00:00Z`) - (14 + shiftHours) * HOUR_MS).toISOString();
  const hi = new Date(Date.parse(`${toDay}T00:00:00Z`) + DAY_MS + (14 - shiftHours) * HOUR_MS + HOUR_MS).toISOString();
  const offset = sql`(tz_offset_minutes + ${shiftHours * 60}::int) * interval '1 minute'`;
  const localDay = sql`to_char((bucket AT TIME ZONE 'UTC') + ${offset}, 'YYYY-MM-DD')`;
  // Where the bucket's local day starts, as an instant.
  const dayStart = sql`((date_trunc('day', (bucket AT TIME ZONE 'UTC') + ${offset}) - ${offset}) AT TIME ZONE 'UTC')`;
  const overlaps = 'days' in within
    ? sql``
    : sql`AND ${dayStart} < ${within.overlapping.to.toISOString()}::timestamptz AND ${dayStart} + interval '1 day' > ${within.overlapping.from.toISOString()}::timestamptz`;
  return sql`
    SELECT ${localDay} AS day, sum(count)::int AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max,
           sum(sum2) / nullif(sum(count) FILTER (WHERE sum2 IS NOT NULL), 0) AS avg2, min(min2) AS min2, max(max2) AS max2
    FROM reading_rollups
    WHERE user_id = ${target.userId} AND type = ${type} AND bucket >= ${lo}::timestamptz AND bucket < ${hi}::timestamptz
      AND connection_id = ${target.connectionId} AND ${localDay} BETWEEN ${fromDay} AND ${toDay} ${overlaps}
    GROUP BY 1 ORDER BY 1`;
}

/** How a type is charted: amounts per day (steps, sleep…) as daily bars, measurements as a series. */
export const chartKindOf = (type: ReadingType): 'daily' | 'series' => (READING_TYPES[type].aggregate === 'sum' ? 'daily' : 'series');

/** Hours a type's day is shifted by: sleep is stored at bedtime and belongs to the night's morning. */
const DAY_SHIFT_HOURS: Partial<Record<ReadingType, number>> = { sleep: 12 };

/** One panel's data, as the JSON endpoint sends it (times in ms since the epoch; days YYYY-MM-DD). */
export type SourceChart = {
  type: ReadingType;
  unit: string;
  from: string;
  to: string;
} & (
  | { kind: 'series'; intervalSeconds: number; resolution: 'readings' | 'rollups'; points: { t: number; count: number; avg: number; min: number; max: number; avg2: number | null; min2: number | null; max2: number | null }[] }
  | { kind: 'daily'; points: { day: string; count: number; sum: number; avg: number; min: number; max: number }[] }
);

/**
 * One type's readings from one source over a range, bucketed on the server to at most MAX_POINTS
 * points: a series (raw readings for short ranges, hourly rollups for long ones) or daily totals.
 */
export async function sourceChart(caller: Caller, target: SourceTarget, query: Record<string, unknown>, now = new Date()): Promise<SourceChart> {
  const { from, to, rolling } = resolveRange(query, now);
  const found = await sourceConnection(caller, target);
  const type = sourceType(found.overview, query.type);
  const base = { type, unit: READING_TYPES[type].unit, from: from.toISOString(), to: to.toISOString() };
  if (chartKindOf(type) === 'daily') {
    // A custom range runs from the developer's local midnight to the one after its last day: those
    // calendar dates (the nearest UTC midnights, right for any browser within 12 h of UTC). A named
    // range rolls: the local days that overlap it.
    const within = rolling ? { overlapping: { from, to } } : { days: { from: dayOf(from.getTime() + 12 * HOUR_MS), to: dayOf(to.getTime() - 12 * HOUR_MS) } };
    const result = await getDb().execute<Row & { day: string }>(sourceDailySql(found, type, within, DAY_SHIFT_HOURS[type] ?? 0));
    return { ...base, kind: 'daily', points: result.rows.map((row) => { const p = toPoint(row); return { day: row.day, count: p.count, sum: p.sum, avg: p.avg, min: p.min, max: p.max }; }) };
  }
  const plan = planSeries(from, to);
  const result = await getDb().execute<Row & { start: string }>(seriesSql(found.userId, type, from, to, plan, found.connectionId));
  return {
    ...base, kind: 'series', intervalSeconds: plan.intervalMs / 1000, resolution: plan.source,
    points: result.rows.map((row) => {
      const p = toPoint(row);
      return { t: Date.parse(row.start), count: p.count, avg: p.avg, min: p.min, max: p.max, avg2: p.avg2, min2: p.min2, max2: p.max2 };
    }),
  };
}
