// Reading one end user's own data for the Data API (/v1/human): their readings of a type, newest
// first with keyset paging and filters, one reading by id, the latest of each type, and their
// profile. Every query is scoped by the caller's own user id and by that user's live connections
// (a disconnected source's readings are not served), never by an id taken from the request alone.
import { and, asc, desc, eq, gte, isNull, lt, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Caller, EndUserCaller } from '../auth/caller';
import { getDb, type Queryable, type Tx } from '../db/client';
import { connections, readings, users } from '../db/schema';
import { forbidden, invalidInput, notFound } from '../errors';
import { z } from 'zod';
import { resolveRange, sourceConnection, type SourceTarget } from './series';
import { READING_TYPES, ReadingTypeSchema, type ReadingType } from './types';

export type Reading = {
  /** The reading's id (a decimal string: ids are 64-bit). */
  id: string;
  type: ReadingType;
  timestamp: Date;
  /** The UTC offset where the reading was taken, in minutes (-330 for UTC-05:30). */
  tzOffsetMinutes: number;
  value: number;
  /** The second value of two-valued types (diastolic blood pressure); null otherwise. */
  value2: number | null;
  unit: string;
  /** The source's id (e.g. `fitbit`). */
  source: string;
  sourceData: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
};

/** A position in the (timestamp desc, id desc) order: a reading's timestamp and id. */
export type ReadingCursor = { ts: Date; id: number };

export const MAX_READINGS_PAGE = 500;
/** The deepest OFFSET served (as for users): past it, follow the Link header's cursor. */
export const MAX_READINGS_OFFSET = 10_000;

export type ReadingQuery = {
  limit: number;
  offset?: number;
  /** Only readings after this one in newest-first order (older): the next page. */
  before?: ReadingCursor;
  /** Only readings before this one in newest-first order (newer): the previous page. */
  after?: ReadingCursor;
  createdSince?: Date;
  createdBefore?: Date;
  updatedSince?: Date;
  updatedBefore?: Date;
  /** First local day (YYYY-MM-DD, inclusive): the day at the reading's own UTC offset. */
  startDate?: string;
  /** Last local day (YYYY-MM-DD, inclusive). */
  endDate?: string;
  /** Only readings from this source (its id). */
  source?: string;
};

/** A page in newest-first order; `hasMore` says whether more lie beyond it in the direction asked. */
export type ReadingPage = { readings: Reading[]; hasMore: boolean };

export type Profile = {
  humanId: string;
  externalId: string;
  email: string | null;
  name: string | null;
  username: string | null;
  createdAt: Date;
  updatedAt: Date;
};

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Local days lie within 14 hours of the UTC day of the same date (UTC offsets span -12:00 to +14:00). */
const MAX_OFFSET_MS = 14 * HOUR_MS;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The caller, if it is an end user: the Data API acts for one user and nobody else. */
export function requireEndUser(caller: Caller): EndUserCaller {
  if (caller.kind !== 'end-user') throw forbidden("The Data API is read with an end user's token.");
  return caller;
}

/** Whether `day` is a real calendar day written YYYY-MM-DD. */
export function isCalendarDay(day: string): boolean {
  if (!DAY.test(day)) return false;
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

/**
 * The user's live connections (not disconnected; the user not deleted), by connection id, with
 * their source ids; only the connection to `sourceId` when given. Readings are read through these.
 */
export async function liveConnections(callerIn: Caller, sourceId?: string): Promise<Map<number, string>> {
  const caller = requireEndUser(callerIn);
  const rows = await getDb()
    .select({ id: connections.id, sourceId: connections.sourceId })
    .from(connections)
    .innerJoin(users, eq(users.id, connections.userId))
    .where(and(
      eq(connections.userId, caller.userId),
      eq(users.appId, caller.appId),
      isNull(users.deletedAt),
      ne(connections.status, 'disconnected'),
      sourceId === undefined ? undefined : eq(connections.sourceId, sourceId),
    ));
  return new Map(rows.map((row) => [row.id, row.sourceId]));
}

const readingColumns = {
  id: readings.id,
  type: readings.type,
  ts: readings.ts,
  tzOffsetMinutes: readings.tzOffsetMinutes,
  value: readings.value,
  value2: readings.value2,
  unit: readings.unit,
  connectionId: readings.connectionId,
  sourceData: readings.sourceData,
  createdAt: readings.createdAt,
  updatedAt: readings.updatedAt,
};

type ReadingRow = {
  id: number;
  type: string;
  ts: Date;
  tzOffsetMinutes: number;
  value: number;
  value2: number | null;
  unit: string;
  connectionId: number;
  sourceData: unknown;
  createdAt: Date;
  updatedAt: Date;
};

function toReading(row: ReadingRow, sourceOf: Map<number, string>): Reading {
  return {
    id: String(row.id),
    type: row.type as ReadingType,
    timestamp: row.ts,
    tzOffsetMinutes: Number(row.tzOffsetMinutes),
    value: Number(row.value),
    value2: row.value2 === null ? null : Number(row.value2),
    unit: row.unit,
    source: sourceOf.get(Number(row.connectionId)) ?? '',
    sourceData: (row.sourceData ?? null) as Record<string, unknown> | null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The filters of a readings query other than paging, as SQL over `readings`. */
function readingFilters(caller: EndUserCaller, type: ReadingType, connectionIds: number[], query: ReadingQuery): SQL[] {
  const filters: SQL[] = [
    eq(readings.userId, caller.userId),
    eq(readings.type, type),
    sql`${readings.connectionId} = ANY(${sql.param(connectionIds)}::bigint[])`,
  ];
  if (query.createdSince) filters.push(gte(readings.createdAt, query.createdSince));
  if (query.createdBefore) filters.push(lt(readings.createdAt, query.createdBefore));
  if (query.updatedSince) filters.push(gte(readings.updatedAt, query.updatedSince));
  if (query.updatedBefore) filters.push(lt(readings.updatedAt, query.updatedBefore));
  if (query.startDate !== undefined || query.endDate !== undefined) {
    // A range on ts the chart index (user_id, type, ts) can serve, then the exact local day.
    const localDay = sql`((${readings.ts} AT TIME ZONE 'UTC') + ${readings.tzOffsetMinutes} * interval '1 minute')::date`;
    if (query.startDate) {
      filters.push(gte(readings.ts, new Date(Date.parse(`${query.startDate}T00:00:00Z`) - MAX_OFFSET_MS)));
      filters.push(sql`${localDay} >= ${query.startDate}::date`);
    }
    if (query.endDate) {
      filters.push(lt(readings.ts, new Date(Date.parse(`${query.endDate}T00:00:00Z`) + DAY_MS + MAX_OFFSET_MS)));
      filters.push(sql`${localDay} <= ${query.endDate}::date`);
    }
  }
  return filters;
}

/**
 * Keeps a page on the ordered scan of the chart index, which stops after limit + 1 matching rows.
 * The planner cannot estimate the local-day filter (an expression) and guesses a handful of rows;
 * it then picked a bitmap scan of the whole date range plus a sort (measured: start_date alone over
 * a month of minute data read every row of the month). For the same reason a selective created_at
 * filter on a small table got a sequential scan of every user's readings, and PostgreSQL 15
 * without statistics sorted all of a user's rows of the type instead of an incremental sort on
 * the index order (6,000 rows read for a page of 50). SET LOCAL (set_config(…, true)): this
 * transaction only, as the embedded engine's one shared session requires.
 */
export function withOrderedIndexScan<T>(run: (tx: Tx) => Promise<T>): Promise<T> {
  return getDb().transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)`);
    return run(tx);
  });
}

/**
 * The user's readings of `type`, newest first (timestamp, then id). Deep pages use a cursor (the
 * last or first reading of the page before), a range scan of the chart index at any depth; OFFSET
 * is served up to MAX_READINGS_OFFSET.
 */
export async function listReadings(callerIn: Caller, type: ReadingType, query: ReadingQuery): Promise<ReadingPage> {
  const caller = requireEndUser(callerIn);
  if (!(Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= MAX_READINGS_PAGE)) {
    throw invalidInput(`limit must be a whole number from 1 to ${MAX_READINGS_PAGE}.`);
  }
  const offset = query.offset ?? 0;
  if (!(Number.isInteger(offset) && offset >= 0 && offset <= MAX_READINGS_OFFSET)) {
    throw invalidInput(`offset must be a whole number from 0 to ${MAX_READINGS_OFFSET}.`);
  }
  if (query.before && query.after) throw invalidInput('Give before or after, not both.');
  for (const day of [query.startDate, query.endDate]) {
    if (day !== undefined && !isCalendarDay(day)) throw invalidInput(`${day} is not a day written YYYY-MM-DD.`);
  }
  if (query.startDate && query.endDate && query.startDate > query.endDate) throw invalidInput('start_date must not be after end_date.');
  const sourceOf = await liveConnections(caller, query.source);
  if (sourceOf.size === 0) return { readings: [], hasMore: false };

  const rows = await withOrderedIndexScan((tx) => readingsPageQuery(tx, caller, type, [...sourceOf.keys()], query));
  const page = rows.slice(0, query.limit).map((row) => toReading(row, sourceOf));
  if (query.after) page.reverse();
  return { readings: page, hasMore: rows.length > query.limit };
}

/**
 * The statement of one page (exported so tests can EXPLAIN it): the chart index (user_id, type, ts)
 * in ts order, one row past the page to tell whether more follow.
 */
export function readingsPageQuery(db: Queryable, caller: EndUserCaller, type: ReadingType, connectionIds: number[], query: ReadingQuery) {
  const filters = readingFilters(caller, type, connectionIds, query);
  // Written as `ts <= x AND (ts < x OR id < y)` rather than a row comparison: the first part is
  // an index condition on the chart index, the second a filter on the few rows sharing x.
  if (query.before) {
    const { ts, id } = query.before;
    filters.push(lte(readings.ts, ts), or(lt(readings.ts, ts), lt(readings.id, id))!);
  }
  if (query.after) {
    const { ts, id } = query.after;
    filters.push(gte(readings.ts, ts), or(sql`${readings.ts} > ${ts}`, sql`${readings.id} > ${id}`)!);
  }
  const order = query.after ? [asc(readings.ts), asc(readings.id)] : [desc(readings.ts), desc(readings.id)];
  return db
    .select(readingColumns)
    .from(readings)
    .where(and(...filters))
    .orderBy(...order)
    .limit(query.limit + 1)
    .offset(query.offset ?? 0);
}

/** One of the user's readings of `type` by id; a reading of anyone else, or of another type, is missing. */
export async function getReading(callerIn: Caller, type: ReadingType, id: string): Promise<Reading> {
  const caller = requireEndUser(callerIn);
  const missing = () => notFound(`No ${type} reading ${id}.`);
  if (!/^[1-9]\d{0,15}$/.test(id) || !Number.isSafeInteger(Number(id))) throw missing();
  const sourceOf = await liveConnections(caller);
  if (sourceOf.size === 0) throw missing();
  const [row] = await getDb()
    .select(readingColumns)
    .from(readings)
    .where(and(
      eq(readings.id, Number(id)),
      eq(readings.userId, caller.userId),
      eq(readings.type, type),
      sql`${readings.connectionId} = ANY(${sql.param([...sourceOf.keys()])}::bigint[])`,
    ));
  if (!row) throw missing();
  return toReading(row, sourceOf);
}

/** The user's newest reading of `type`, or null when they have none. */
export async function latestReading(caller: Caller, type: ReadingType): Promise<Reading | null> {
  const { readings: [latest] } = await listReadings(caller, type, { limit: 1 });
  return latest ?? null;
}

type LatestRow = {
  id: string; type: string; ts: string; tz: number; value: number; value2: number | null; unit: string;
  connection_id: string; source_data: unknown; created_at: string; updated_at: string;
};

/** The statement of latestReadings (exported so tests can EXPLAIN it). */
export function latestSql(userId: number, connectionIds: number[]): SQL {
  // Timestamps come back as ISO 8601 through to_json: raw rows are not mapped by drizzle.
  const iso = (column: SQL) => sql`to_json(${column})#>>'{}'`;
  return sql`
    SELECT l.id, t.type, ${iso(sql`l.ts`)} AS ts, l.tz_offset_minutes AS tz, l.value, l.value2, l.unit,
           l.connection_id, l.source_data, ${iso(sql`l.created_at`)} AS created_at, ${iso(sql`l.updated_at`)} AS updated_at
    FROM unnest(${sql.param(Object.keys(READING_TYPES))}::text[]) AS t(type)
    CROSS JOIN LATERAL (
      SELECT r.id, r.ts, r.tz_offset_minutes, r.value, r.value2, r.unit, r.connection_id, r.source_data, r.created_at, r.updated_at
      FROM readings r
      WHERE r.user_id = ${userId} AND r.type = t.type
        AND r.connection_id = ANY(${sql.param(connectionIds)}::bigint[])
      ORDER BY r.ts DESC, r.id DESC
      LIMIT 1
    ) l`;
}

/**
 * The user's newest reading of each type they have: one statement, one index probe per type (a
 * LATERAL top-1 on the chart index), however long their history.
 */
export async function latestReadings(callerIn: Caller): Promise<Partial<Record<ReadingType, Reading>>> {
  const caller = requireEndUser(callerIn);
  const sourceOf = await liveConnections(caller);
  if (sourceOf.size === 0) return {};
  const result = await withOrderedIndexScan((tx) => tx.execute<LatestRow>(latestSql(caller.userId, [...sourceOf.keys()])));
  const latest: Partial<Record<ReadingType, Reading>> = {};
  for (const row of result.rows) {
    latest[row.type as ReadingType] = toReading({
      id: Number(row.id), type: row.type, ts: new Date(row.ts), tzOffsetMinutes: row.tz, value: row.value, value2: row.value2,
      unit: row.unit, connectionId: Number(row.connection_id), sourceData: row.source_data,
      createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at),
    }, sourceOf);
  }
  return latest;
}

/** The user's own profile. */
export async function profileOf(callerIn: Caller): Promise<Profile> {
  const caller = requireEndUser(callerIn);
  const [row] = await getDb()
    .select({
      humanId: users.humanId, externalId: users.externalId, email: users.email, name: users.name, username: users.username,
      createdAt: users.createdAt, updatedAt: users.updatedAt,
    })
    .from(users)
    .where(and(eq(users.id, caller.userId), eq(users.appId, caller.appId), isNull(users.deletedAt)));
  if (!row) throw notFound(`No user ${caller.humanId}.`);
  return row;
}

// ---- The portal's table of one source's raw readings -------------------------------------------

/** A reading as the source page's table shows it. */
export type SourceReading = {
  id: string;
  /** ISO 8601 at the reading's own UTC offset (2025-03-01T08:15:00.000+05:30). */
  timestamp: string;
  value: number;
  value2: number | null;
  unit: string;
};

/** A page of the table, newest first, with the cursors of its neighbours (null at either end). */
export type SourceReadingPage = { readings: SourceReading[]; newer: string | null; older: string | null };

export const SOURCE_READINGS_PAGE = 50;
export const MAX_SOURCE_READINGS_PAGE = 500;

/** A position in (ts, id) order: microseconds since the epoch, then the id ("1735689600000000-42"). */
const CURSOR = /^(\d{1,17})-([1-9]\d{0,15})$/;

export const SourceReadingsQuery = z.object({
  type: z.string(),
  limit: z.coerce.number().int().min(1).max(MAX_SOURCE_READINGS_PAGE).default(SOURCE_READINGS_PAGE),
  before: z.string().regex(CURSOR, 'Not a cursor of this table.').optional(),
  after: z.string().regex(CURSOR, 'Not a cursor of this table.').optional(),
}).refine((q) => !(q.before && q.after), { message: 'Give before or after, not both.' });

type CursorPosition = { micros: string; id: string };
const positionOf = (cursor: string): CursorPosition => {
  const [, micros, id] = CURSOR.exec(cursor)!;
  return { micros: micros!, id: id! };
};

/** "+05:30" for 330 minutes. */
export function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The columns of a table row or export line: the instant in microseconds (the cursor's key) and the
 * offset. The wall time is written here in JS rather than by to_char in the database: on the
 * single-threaded embedded engine every CPU cycle a statement spends holds up every other client.
 */
export const sourceReadingColumns = sql`
  r.id::text AS id, (extract(epoch FROM r.ts) * 1000000)::bigint::text AS micros, r.tz_offset_minutes::int AS tz,
  r.value, r.value2, r.unit`;

export type SourceReadingRow = { id: string; micros: string; tz: number; value: number; value2: number | null; unit: string };

/** ISO 8601 at the reading's own offset, to the millisecond: 2025-03-01T08:15:00.000+05:30. */
export function localTimestamp(micros: string, tzOffsetMinutes: number): string {
  const ms = Math.floor(Number(micros) / 1000);
  return `${new Date(ms + tzOffsetMinutes * 60_000).toISOString().slice(0, 23)}${offsetText(tzOffsetMinutes)}`;
}

export const toSourceReading = (row: SourceReadingRow): SourceReading => ({
  id: row.id,
  timestamp: localTimestamp(row.micros, Number(row.tz)),
  value: Number(row.value),
  value2: row.value2 === null ? null : Number(row.value2),
  unit: row.unit,
});

const cursorOf = (row: SourceReadingRow) => `${row.micros}-${row.id}`;
const instantOf = (micros: string) => sql`(timestamptz 'epoch' + ${micros}::bigint * interval '1 microsecond')`;

/**
 * One page of a connection's readings of `type` in [from, to), newest first (exported so tests can
 * EXPLAIN it). `before` reads older rows, `after` newer ones (in ascending order: reverse them);
 * either way a range scan of the chart index from the cursor, at any depth.
 */
export function sourceReadingsSql(
  target: { userId: number; connectionId: number },
  type: ReadingType,
  range: { from: Date; to: Date },
  page: { limit: number; before?: string; after?: string },
): SQL {
  const conditions: SQL[] = [
    sql`r.user_id = ${target.userId}`, sql`r.type = ${type}`,
    sql`r.ts >= ${range.from.toISOString()}::timestamptz`, sql`r.ts < ${range.to.toISOString()}::timestamptz`,
    sql`r.connection_id = ${target.connectionId}`,
  ];
  let order = sql`r.ts DESC, r.id DESC`;
  if (page.before) {
    const { micros, id } = positionOf(page.before);
    conditions.push(sql`r.ts <= ${instantOf(micros)}`, sql`(r.ts < ${instantOf(micros)} OR r.id < ${id}::bigint)`);
  } else if (page.after) {
    const { micros, id } = positionOf(page.after);
    conditions.push(sql`r.ts >= ${instantOf(micros)}`, sql`(r.ts > ${instantOf(micros)} OR r.id > ${id}::bigint)`);
    order = sql`r.ts ASC, r.id ASC`;
  }
  return sql`SELECT ${sourceReadingColumns} FROM readings r WHERE ${sql.join(conditions, sql` AND `)} ORDER BY ${order} LIMIT ${page.limit + 1}`;
}

/** The raw readings table of the source page: a keyset page of one type over a range. */
export async function sourceReadings(caller: Caller, target: SourceTarget, query: Record<string, unknown>, now = new Date()): Promise<SourceReadingPage> {
  const range = resolveRange(query, now);
  const parsed = SourceReadingsQuery.safeParse(query);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid query.');
  const page = parsed.data;
  const found = await sourceConnection(caller, target);
  const type = ReadingTypeSchema.safeParse(page.type);
  if (!type.success || !found.overview.source.dataTypes.includes(type.data)) throw invalidInput(`${found.overview.source.name} does not provide ${page.type}.`);
  const result = await withOrderedIndexScan((tx) => tx.execute<SourceReadingRow>(sourceReadingsSql(found, type.data, range, page)));
  const rows = result.rows.slice(0, page.limit);
  const hasMore = result.rows.length > page.limit;
  if (page.after) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  return {
    readings: rows.map(toSourceReading),
    newer: first && (page.before || (page.after && hasMore)) ? cursorOf(first) : null,
    older: last && (page.after || hasMore) ? cursorOf(last) : null,
  };
}
