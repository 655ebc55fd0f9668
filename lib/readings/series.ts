// What the portal's charts read: one user's readings of one type over a range, as at most ~1,000
// points (raw readings through the chart index for short ranges, hourly rollups for long ones), and
// daily totals in the user's local days (from the rollups, which are kept in local hours).
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { appIdFor } from '../apps/access';
import type { Caller } from '../auth/caller';
import { getDb } from '../db/client';
import { users } from '../db/schema';
import { invalidInput, notFound } from '../errors';
import { HUMAN_ID_PATTERN } from '../users/human-id';
import { ReadingTypeSchema, type ReadingType } from './types';

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

type Plan = { source: 'readings' | 'rollups'; intervalMs: number };

/** Raw readings for short ranges; whole hours of rollups otherwise. Never more than MAX_POINTS. */
export function planSeries(from: Date, to: Date): Plan {
  const span = to.getTime() - from.getTime();
  if (span <= RAW_RANGE_MS) return { source: 'readings', intervalMs: Math.max(MINUTE_MS, Math.ceil(span / MAX_POINTS / MINUTE_MS) * MINUTE_MS) };
  return { source: 'rollups', intervalMs: Math.ceil(span / MAX_POINTS / HOUR_MS) * HOUR_MS };
}

/**
 * The SQL of a series (exported for the plan tests). Rollup hours are placed by their start, so
 * with a +5:30 user's hours a point's interval is shifted by their 30 minutes, never split.
 */
export function seriesSql(userId: number, type: ReadingType, from: Date, to: Date, plan: Plan): SQL {
  const interval = sql`${`${plan.intervalMs / 1000} seconds`}::interval`;
  const [f, t] = [from.toISOString(), to.toISOString()];
  if (plan.source === 'readings') {
    return sql`
      SELECT to_json(date_bin(${interval}, ts, ${f}::timestamptz))#>>'{}' AS start, count(*)::int AS count,
             sum(value) AS sum, min(value) AS min, max(value) AS max,
             avg(value2) AS avg2, min(value2) AS min2, max(value2) AS max2
      FROM readings
      WHERE user_id = ${userId} AND type = ${type} AND ts >= ${f}::timestamptz AND ts < ${t}::timestamptz
      GROUP BY 1 ORDER BY 1`;
  }
  return sql`
    SELECT to_json(date_bin(${interval}, bucket, ${f}::timestamptz))#>>'{}' AS start, sum(count)::int AS count,
           sum(sum) AS sum, min(min) AS min, max(max) AS max,
           sum(sum2) / nullif(sum(count) FILTER (WHERE sum2 IS NOT NULL), 0) AS avg2, min(min2) AS min2, max(max2) AS max2
    FROM reading_rollups
    WHERE user_id = ${userId} AND type = ${type} AND bucket >= ${f}::timestamptz AND bucket < ${t}::timestamptz
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
