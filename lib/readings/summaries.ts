// Daily summaries for the Data API, computed from the hourly rollups (never from raw minute rows):
// activity per local day (steps, distance, calories, active minutes) and sleep per night, one
// summary per source and day, newest first, with keyset paging. Scoped like lib/readings/query.ts:
// the caller's own user and their live connections only.
import { sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../auth/caller';
import { getDb } from '../db/client';
import { invalidInput } from '../errors';
import { isCalendarDay, liveConnections, MAX_READINGS_OFFSET, MAX_READINGS_PAGE, requireEndUser } from './query';

export type ActivitySummary = {
  /** Stable per user: the source and the day. */
  id: string;
  /** The local day (YYYY-MM-DD) at the readings' own UTC offset. */
  date: string;
  source: string;
  /** Totals of the day; null when the source reported none of that kind. */
  steps: number | null;
  /** Metres. */
  distance: number | null;
  /** Kilocalories. */
  calories: number | null;
  activeMinutes: number | null;
};

export type SleepSummary = {
  id: string;
  /**
   * The night, named by the day it ends (as trackers date a night's sleep): sleep recorded from
   * local noon onwards counts towards the next day, sleep before noon towards the same day.
   */
  date: string;
  source: string;
  /** Minutes asleep. */
  timeAsleep: number;
};

/** A position in the (date desc, connection desc) order. */
export type SummaryCursor = { date: string; connectionId: number };

export type SummaryQuery = {
  limit: number;
  offset?: number;
  before?: SummaryCursor;
  after?: SummaryCursor;
  startDate?: string;
  endDate?: string;
  source?: string;
};

export type SummaryPage<T> = {
  /** Newest first; `cursors[i]` is the paging position of `summaries[i]`. */
  summaries: T[];
  cursors: SummaryCursor[];
  /** More lie beyond this page in the direction asked. */
  hasMore: boolean;
};

const DAY_MS = 86_400_000;
/** Bucket bounds are widened by this around the asked days: offsets (±14 h) plus the sleep shift (12 h). */
const MARGIN_MS = 2 * DAY_MS;

const ACTIVITY_TYPES = ['steps', 'distance', 'calories', 'activity'] as const;

type Row = { day: string; connection_id: string; steps: number | null; distance: number | null; calories: number | null; activity: number | null; sleep: number | null };

function validate(query: SummaryQuery) {
  if (!(Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= MAX_READINGS_PAGE)) {
    throw invalidInput(`limit must be a whole number from 1 to ${MAX_READINGS_PAGE}.`);
  }
  const offset = query.offset ?? 0;
  if (!(Number.isInteger(offset) && offset >= 0 && offset <= MAX_READINGS_OFFSET)) {
    throw invalidInput(`offset must be a whole number from 0 to ${MAX_READINGS_OFFSET}.`);
  }
  if (query.before && query.after) throw invalidInput('Give before or after, not both.');
  for (const day of [query.startDate, query.endDate, query.before?.date, query.after?.date]) {
    if (day !== undefined && !isCalendarDay(day)) throw invalidInput(`${day} is not a day written YYYY-MM-DD.`);
  }
  if (query.startDate && query.endDate && query.startDate > query.endDate) throw invalidInput('start_date must not be after end_date.');
  return offset;
}

const shiftDay = (day: string, ms: number) => new Date(Date.parse(`${day}T00:00:00Z`) + ms);

/**
 * Per (local day, connection) sums of `types` from the rollups. `shiftHours` moves each local hour
 * before naming its day (12 for nights). The bucket range is bounded by the asked days and the
 * cursor, so the rollup index (user_id, type, bucket) serves it.
 */
async function dailyRows(callerIn: Caller, types: readonly string[], shiftHours: number, query: SummaryQuery) {
  const caller = requireEndUser(callerIn);
  const offset = validate(query);
  const sourceOf = await liveConnections(caller, query.source);
  if (sourceOf.size === 0) return { rows: [] as Row[], sourceOf, hasMore: false };

  const bucketBounds: SQL[] = [];
  const dayBounds: SQL[] = [];
  const upper = [query.endDate, query.before?.date].filter((d): d is string => d !== undefined).sort()[0];
  const lower = [query.startDate, query.after?.date].filter((d): d is string => d !== undefined).sort().at(-1);
  if (upper) bucketBounds.push(sql`AND bucket < ${shiftDay(upper, DAY_MS + MARGIN_MS).toISOString()}::timestamptz`);
  if (lower) bucketBounds.push(sql`AND bucket >= ${shiftDay(lower, -MARGIN_MS).toISOString()}::timestamptz`);
  if (query.startDate) dayBounds.push(sql`AND day >= ${query.startDate}`);
  if (query.endDate) dayBounds.push(sql`AND day <= ${query.endDate}`);
  if (query.before) dayBounds.push(sql`AND (day < ${query.before.date} OR (day = ${query.before.date} AND connection_id < ${query.before.connectionId}))`);
  if (query.after) dayBounds.push(sql`AND (day > ${query.after.date} OR (day = ${query.after.date} AND connection_id > ${query.after.connectionId}))`);
  const direction = query.after ? sql`ASC` : sql`DESC`;
  const total = (type: string) => sql`sum(sum) FILTER (WHERE type = ${type})`;

  const result = await getDb().execute<Row>(sql`
    SELECT day, connection_id::text AS connection_id,
           ${total('steps')} AS steps, ${total('distance')} AS distance, ${total('calories')} AS calories,
           ${total('activity')} AS activity, ${total('sleep')} AS sleep
    FROM (
      SELECT to_char((bucket AT TIME ZONE 'UTC') + (tz_offset_minutes + ${shiftHours * 60}) * interval '1 minute', 'YYYY-MM-DD') AS day,
             connection_id, type, sum
      FROM reading_rollups
      WHERE user_id = ${caller.userId} AND type = ANY(${sql.param([...types])}::text[])
        AND connection_id = ANY(${sql.param([...sourceOf.keys()])}::bigint[])
        ${sql.join(bucketBounds, sql` `)}
    ) AS hours
    WHERE true ${sql.join(dayBounds, sql` `)}
    GROUP BY day, connection_id
    ORDER BY day ${direction}, connection_id ${direction}
    LIMIT ${query.limit + 1} OFFSET ${offset}`);
  const rows = result.rows.slice(0, query.limit);
  if (query.after) rows.reverse();
  return { rows, sourceOf, hasMore: result.rows.length > query.limit };
}

const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** Activity per local day and source, newest first. */
export async function activitySummaries(caller: Caller, query: SummaryQuery): Promise<SummaryPage<ActivitySummary>> {
  const { rows, sourceOf, hasMore } = await dailyRows(caller, ACTIVITY_TYPES, 0, query);
  return {
    summaries: rows.map((row) => {
      const source = sourceOf.get(Number(row.connection_id)) ?? '';
      return {
        id: `${source}:${row.day}`,
        date: row.day,
        source,
        steps: numberOrNull(row.steps),
        distance: numberOrNull(row.distance),
        calories: numberOrNull(row.calories),
        activeMinutes: numberOrNull(row.activity),
      };
    }),
    cursors: rows.map((row) => ({ date: row.day, connectionId: Number(row.connection_id) })),
    hasMore,
  };
}

/** Sleep per night and source, newest first (see SleepSummary.date for which day names a night). */
export async function sleepSummaries(caller: Caller, query: SummaryQuery): Promise<SummaryPage<SleepSummary>> {
  const { rows, sourceOf, hasMore } = await dailyRows(caller, ['sleep'], 12, query);
  return {
    summaries: rows.map((row) => {
      const source = sourceOf.get(Number(row.connection_id)) ?? '';
      return { id: `${source}:${row.day}`, date: row.day, source, timeAsleep: Number(row.sleep ?? 0) };
    }),
    cursors: rows.map((row) => ({ date: row.day, connectionId: Number(row.connection_id) })),
    hasMore,
  };
}
