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

export const ACTIVITY_TYPES = ['steps', 'distance', 'calories', 'activity'] as const;

type Row = { day: string; connection_id: string; steps: number | null; distance: number | null; calories: number | null; activity: number | null; sleep: number | null };

function validate(query: SummaryQuery): void {
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
}

const shiftDay = (day: string, ms: number) => new Date(Date.parse(`${day}T00:00:00Z`) + ms);

/**
 * The statement of one page of summaries (exported so tests can EXPLAIN it): per (local day,
 * connection) sums of `types` from the rollups. `shiftHours` moves each local hour before naming
 * its day (12 for nights). The bucket range is bounded by the asked days and the cursor, so the
 * rollup index (user_id, type, bucket) serves it (`connection_id + 0` keeps the planner off the
 * primary key, whose bucket comes after the offset: it read every hour of the connection).
 */
export function summariesSql(
  userId: number,
  types: readonly string[],
  shiftHours: number,
  connectionIds: number[],
  query: SummaryQuery,
  window?: DayWindow,
): SQL {
  const bucketBounds: SQL[] = [];
  const dayBounds: SQL[] = [];
  const upper = [query.endDate, query.before?.date, window?.last].filter((d): d is string => d !== undefined).sort()[0];
  const lower = [query.startDate, query.after?.date, window?.first].filter((d): d is string => d !== undefined).sort().at(-1);
  if (upper) bucketBounds.push(sql`AND bucket < ${shiftDay(upper, DAY_MS + MARGIN_MS).toISOString()}::timestamptz`);
  if (lower) bucketBounds.push(sql`AND bucket >= ${shiftDay(lower, -MARGIN_MS).toISOString()}::timestamptz`);
  if (window) dayBounds.push(sql`AND day BETWEEN ${window.first}::date AND ${window.last}::date`);
  if (query.startDate) dayBounds.push(sql`AND day >= ${query.startDate}::date`);
  if (query.endDate) dayBounds.push(sql`AND day <= ${query.endDate}::date`);
  if (query.before) dayBounds.push(sql`AND (day < ${query.before.date}::date OR (day = ${query.before.date}::date AND connection_id < ${query.before.connectionId}))`);
  if (query.after) dayBounds.push(sql`AND (day > ${query.after.date}::date OR (day = ${query.after.date}::date AND connection_id > ${query.after.connectionId}))`);
  const direction = query.after ? sql`ASC` : sql`DESC`;
  const total = (type: string) => sql`sum(sum) FILTER (WHERE type = ${type})`;

  return sql`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, connection_id,
           ${total('steps')} AS steps, ${total('distance')} AS distance, ${total('calories')} AS calories,
           ${total('activity')} AS activity, ${total('sleep')} AS sleep
    FROM (
      SELECT ((bucket AT TIME ZONE 'UTC') + (tz_offset_minutes + ${shiftHours * 60}) * interval '1 minute')::date AS day,
             connection_id, type, sum
      FROM reading_rollups
      WHERE user_id = ${userId} AND type = ANY(${sql.param([...types])}::text[])
        AND connection_id + 0 = ANY(${sql.param(connectionIds)}::bigint[])
        ${sql.join(bucketBounds, sql` `)}
    ) AS hours
    WHERE true ${sql.join(dayBounds, sql` `)}
    GROUP BY day, connection_id
    ORDER BY day ${direction}, connection_id ${direction}
    LIMIT ${query.limit + 1} OFFSET ${query.offset ?? 0}`;
}

/** Days (YYYY-MM-DD, inclusive) a summaries statement is confined to. */
export type DayWindow = { first: string; last: string };

const addDays = (day: string, days: number) => shiftDay(day, days * DAY_MS).toISOString().slice(0, 10);

/**
 * The days the user's rollups of `types` could fall on: from the oldest hour's UTC day minus one
 * to the newest's plus two (local offsets and the night shift move an hour by -12 h to +26 h).
 * Two index probes per type on (user_id, type, bucket).
 */
export function rollupDaysSql(userId: number, types: readonly string[]): SQL {
  const probe = (direction: SQL) =>
    sql`(SELECT bucket FROM reading_rollups WHERE user_id = ${userId} AND type = t.type ORDER BY bucket ${direction} LIMIT 1)`;
  return sql`
    SELECT to_char(min(x.oldest) AT TIME ZONE 'UTC' - interval '1 day', 'YYYY-MM-DD') AS first,
           to_char(max(x.newest) AT TIME ZONE 'UTC' + interval '2 days', 'YYYY-MM-DD') AS last
    FROM unnest(${sql.param([...types])}::text[]) AS t(type)
    CROSS JOIN LATERAL (SELECT ${probe(sql`ASC`)} AS oldest, ${probe(sql`DESC`)} AS newest) AS x`;
}

/**
 * Validate, find the user's live connections, and read one page of daily rows. Grouping by day
 * needs every hour of the days it considers, so rather than aggregate a whole history to keep 50
 * days of it, the statement is confined to a window of days next to where the page starts, just
 * wide enough if every day has data, and widened fourfold while it turns up too few days.
 */
async function dailyRows(callerIn: Caller, types: readonly string[], shiftHours: number, query: SummaryQuery) {
  const caller = requireEndUser(callerIn);
  validate(query);
  const sourceOf = await liveConnections(caller, query.source);
  const none = { rows: [] as Row[], sourceOf, hasMore: false };
  if (sourceOf.size === 0) return none;
  const [span] = (await getDb().execute<{ first: string | null; last: string | null }>(rollupDaysSql(caller.userId, types))).rows;
  if (!span?.first || !span.last) return none;

  const first = [span.first, query.startDate, query.after?.date].filter((d): d is string => d !== undefined).sort().at(-1)!;
  const last = [span.last, query.endDate, query.before?.date].filter((d): d is string => d !== undefined).sort()[0]!;
  if (first > last) return none;
  const connectionIds = [...sourceOf.keys()];
  let width = Math.max(7, query.limit + (query.offset ?? 0) + 1);
  for (;;) {
    // Newest first starts at the last day and extends back; `after` pages start at the first day.
    const window: DayWindow = query.after
      ? { first, last: [addDays(first, width - 1), last].sort()[0]! }
      : { first: [addDays(last, 1 - width), first].sort().at(-1)!, last };
    const isWhole = window.first === first && window.last === last;
    const result = await getDb().execute<Row>(summariesSql(caller.userId, types, shiftHours, connectionIds, query, window));
    if (result.rows.length > query.limit || isWhole) {
      const rows = result.rows.slice(0, query.limit);
      if (query.after) rows.reverse();
      return { rows, sourceOf, hasMore: result.rows.length > query.limit };
    }
    width *= 4;
  }
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
