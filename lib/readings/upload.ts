// Readings pushed by the user's own device (Apple Health, Health Connect, through the developer's
// app) with the user's token: each item checked on its own (shape, unit, plausible value), the good
// ones stored on the user's `mobile` connection (made on first upload), idempotent by the item's
// sourceReadingId, and every refused item reported by its index.
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/audit';
import type { Caller, EndUserCaller } from '../auth/caller';
import { encrypt } from '../auth/encryption';
import { issueSecret } from '../auth/secrets';
import { getDb } from '../db/client';
import { connections, users } from '../db/schema';
import { conflict, forbidden, notFound } from '../errors';
import { announceReadings } from '../webhooks/events';
import { writeReadings, type ValidatedReading } from './ingest';
import { READING_TYPES, type ReadingType } from './types';

/** The catalog source uploads are stored under (lib/sources/catalog.ts, kind `upload`). */
export const UPLOAD_SOURCE_ID = 'mobile';
/** Readings per request: a day of minute heart rate is 1,440; a week of it fits. */
export const MAX_UPLOAD_READINGS = 10_000;
/** Readings from further ahead than this are refused as a wrong clock or a wrong unit of time. */
const MAX_FUTURE_MS = 24 * 3_600_000;
const EARLIEST = Date.UTC(1900, 0, 1);

/**
 * The units each type accepts, with the conversion to the stored unit (lib/readings/types.ts);
 * matched without regard to case. HealthKit's own unit strings are among them (count/min, count).
 */
export const UPLOAD_UNITS: Record<ReadingType, Record<string, (value: number) => number>> = {
  steps: { steps: (v) => v, count: (v) => v },
  heart_rate: { bpm: (v) => v, 'count/min': (v) => v, 'beats/min': (v) => v },
  weight: { kg: (v) => v, g: (v) => v / 1_000, lb: (v) => v * 0.45359237, lbs: (v) => v * 0.45359237 },
  body_fat: { '%': (v) => v },
  bmi: { 'kg/m2': (v) => v, 'kg/m²': (v) => v, count: (v) => v },
  blood_pressure: { mmhg: (v) => v, kpa: (v) => v * 7.500617 },
  blood_glucose: { 'mg/dl': (v) => v, 'mmol/l': (v) => v * 18.0156 },
  blood_oxygen: { '%': (v) => v },
  sleep: { min: (v) => v, h: (v) => v * 60, s: (v) => v / 60 },
  calories: { kcal: (v) => v, cal: (v) => v, kj: (v) => v / 4.184 },
  distance: { m: (v) => v, km: (v) => v * 1_000, mi: (v) => v * 1_609.344, ft: (v) => v * 0.3048 },
  activity: { min: (v) => v, h: (v) => v * 60, s: (v) => v / 60 },
};

/** Plausible values in the stored unit: outside, an item is refused (most often a wrong unit). */
export const UPLOAD_BOUNDS: Record<ReadingType, { min: number; max: number }> = {
  steps: { min: 0, max: 200_000 },
  heart_rate: { min: 20, max: 300 },
  weight: { min: 0.5, max: 650 },
  body_fat: { min: 0, max: 100 },
  bmi: { min: 5, max: 150 },
  blood_pressure: { min: 20, max: 300 },
  blood_glucose: { min: 10, max: 1_500 },
  blood_oxygen: { min: 0, max: 100 },
  sleep: { min: 0, max: 1_440 },
  calories: { min: 0, max: 20_000 },
  distance: { min: 0, max: 500_000 },
  activity: { min: 0, max: 1_440 },
};

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** Minutes east of UTC in `+05:30` / `-0800` / `Z`, or null. */
function offsetMinutes(value: string): number | null {
  if (value.toUpperCase() === 'Z') return 0;
  const match = value.match(OFFSET);
  if (!match) return null;
  const [hours, minutes] = [Number(match[2]), Number(match[3])];
  if (hours > 14 || minutes > 59 || hours * 60 + minutes > 14 * 60) return null;
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** One uploaded reading, named like the Data API's reading object. */
export const UploadReading = z.object({
  sourceReadingId: z.string().min(1).max(255),
  type: z.string().optional(),
  timestamp: z.string().regex(TIMESTAMP, 'must be an ISO 8601 date-time with Z or an offset'),
  tzOffset: z.string().regex(OFFSET, 'must be an offset such as +05:30').optional(),
  value: z.number().finite().optional(),
  systolic: z.number().finite().optional(),
  diastolic: z.number().finite().optional(),
  unit: z.string().min(1).max(32),
  sourceData: z.record(z.string(), z.unknown()).nullable().optional(),
});

export type UploadItemError = {
  index: number;
  /** invalid: not a reading of this type's shape; unit: a unit this type does not take; range: an implausible value or time; duplicate: a later item has the same sourceReadingId. */
  code: 'invalid' | 'unit' | 'range' | 'duplicate';
  message: string;
};

export type UploadResult = { inserted: number; updated: number; unchanged: number; rejected: number; errors: UploadItemError[] };

type Checked = { ok: true; reading: ValidatedReading } | { ok: false; error: Omit<UploadItemError, 'index'> };

/** One item, checked against the type in the path; a refusal says why in plain words. */
function checkItem(type: ReadingType, item: unknown, now: number): Checked {
  const parsed = UploadReading.safeParse(item);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    return { ok: false, error: { code: 'invalid', message: field ? `${field}: ${issue.message}` : issue.message } };
  }
  const r = parsed.data;
  if (r.type !== undefined && r.type !== type) {
    return { ok: false, error: { code: 'invalid', message: `type "${r.type}" is not ${type}: upload each type to its own /v1/human/{type}/readings.` } };
  }
  const convert = UPLOAD_UNITS[type][r.unit.toLowerCase()];
  if (!convert) {
    return { ok: false, error: { code: 'unit', message: `unit "${r.unit}" is not a unit of ${type}; use one of ${Object.keys(UPLOAD_UNITS[type]).join(', ')}.` } };
  }
  const ts = new Date(r.timestamp);
  if (Number.isNaN(ts.getTime()) || ts.getTime() < EARLIEST || ts.getTime() > now + MAX_FUTURE_MS) {
    return { ok: false, error: { code: 'range', message: 'timestamp must be a real time after 1900 and no later than a day from now.' } };
  }
  const tz = offsetMinutes(r.tzOffset ?? r.timestamp.match(/(Z|[+-]\d{2}:?\d{2})$/i)![1]!);
  if (tz === null) return { ok: false, error: { code: 'range', message: 'tzOffset must lie between -14:00 and +14:00.' } };

  const values = type === 'blood_pressure'
    ? (r.systolic === undefined || r.diastolic === undefined ? null : [convert(r.systolic), convert(r.diastolic)] as const)
    : (r.value === undefined ? null : [convert(r.value), null] as const);
  if (!values) {
    return { ok: false, error: { code: 'invalid', message: type === 'blood_pressure' ? 'systolic and diastolic are required.' : 'value is required.' } };
  }
  const { min, max } = UPLOAD_BOUNDS[type];
  const unit = READING_TYPES[type].unit;
  for (const value of values) {
    if (value !== null && !(value >= min && value <= max)) {
      return { ok: false, error: { code: 'range', message: `${value} ${unit} is outside the plausible ${min}–${max} ${unit} for ${type}; check the unit.` } };
    }
  }
  if (values[1] !== null && values[1] >= values[0]) {
    return { ok: false, error: { code: 'range', message: 'diastolic must be below systolic.' } };
  }
  return {
    ok: true,
    reading: {
      type, ts, tzOffsetMinutes: tz, value: values[0], value2: values[1], sourceReadingId: r.sourceReadingId,
      sourceData: r.sourceData ?? null,
    },
  };
}

/** Check every item; keep the good ones, the last of each sourceReadingId (earlier ones are reported). */
async function checkAll(type: ReadingType, items: unknown[]): Promise<{ readings: ValidatedReading[]; errors: UploadItemError[] }> {
  const now = Date.now();
  const errors: UploadItemError[] = [];
  const latest = new Map<string, { index: number; reading: ValidatedReading }>();
  for (let index = 0; index < items.length; index++) {
    // Yield now and then: checking 10,000 items is ~10 ms of CPU that other requests wait for.
    if (index > 0 && index % 2_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    const checked = checkItem(type, items[index], now);
    if (!checked.ok) {
      errors.push({ index, ...checked.error });
      continue;
    }
    const earlier = latest.get(checked.reading.sourceReadingId);
    if (earlier) errors.push({ index: earlier.index, code: 'duplicate', message: `item ${index} has the same sourceReadingId; the later one is stored.` });
    latest.delete(checked.reading.sourceReadingId);
    latest.set(checked.reading.sourceReadingId, { index, reading: checked.reading });
  }
  errors.sort((a, b) => a.index - b.index);
  return { readings: [...latest.values()].map((entry) => entry.reading), errors };
}

/**
 * The caller's `mobile` connection, made on first upload (like linking a source in Connect: the
 * user's publicToken is rotated and the link audited). A connection disconnected moments ago is
 * still being purged: the upload is refused until it is gone, so no reading lands on rows being removed.
 */
async function uploadConnection(caller: EndUserCaller): Promise<{ userId: number; connectionId: number }> {
  const [existing] = await getDb().select({ id: connections.id, status: connections.status }).from(connections)
    .where(and(eq(connections.userId, caller.userId), eq(connections.sourceId, UPLOAD_SOURCE_ID)));
  if (existing && existing.status !== 'disconnected') return { userId: caller.userId, connectionId: existing.id };
  if (existing) throw conflict('The previous mobile upload connection is still being removed; try again in a minute.');

  const connectionId = await getDb().transaction(async (tx) => {
    // A user deleted meanwhile gets no new connection (deleting waits for this lock, FOR SHARE).
    const [live] = await tx.select({ id: users.id }).from(users)
      .where(and(eq(users.id, caller.userId), eq(users.appId, caller.appId), isNull(users.deletedAt))).for('share');
    if (!live) throw notFound(`No user ${caller.humanId}.`);
    const [row] = (await tx.execute<{ id: number; created: boolean }>(sql`
      INSERT INTO connections AS c (user_id, source_id) VALUES (${caller.userId}, ${UPLOAD_SOURCE_ID})
      ON CONFLICT (user_id, source_id) DO UPDATE SET updated_at = c.updated_at
      RETURNING c.id::int AS id, xmax = 0 AS created, c.status`)).rows as { id: number; created: boolean; status: string }[];
    if (row!.status === 'disconnected') throw conflict('The previous mobile upload connection is still being removed; try again in a minute.');
    if (row!.created) {
      // A newly linked source changes what the user's publicToken may reach: issue a new one.
      const publicToken = issueSecret('publicToken');
      await tx.update(users)
        .set({ publicTokenEncrypted: encrypt(publicToken.value), publicTokenHash: publicToken.hash, updatedAt: sql`now()` })
        .where(eq(users.id, caller.userId));
      await recordAudit(tx, caller, { appId: caller.appId, action: 'connection.create', target: `${caller.humanId}/${UPLOAD_SOURCE_ID}` });
    }
    return Number(row!.id);
  });
  return { userId: caller.userId, connectionId };
}

/**
 * Store the caller's own readings of `type`. Only an end user's token uploads (its user's data,
 * never another's); the app's keys read through the batch endpoints instead.
 */
export async function uploadReadings(callerIn: Caller, type: ReadingType, items: unknown[]): Promise<UploadResult> {
  if (callerIn.kind !== 'end-user') throw forbidden("Readings are uploaded with the user's own access token.");
  const caller = callerIn;
  const { readings, errors } = await checkAll(type, items);
  const result: UploadResult = { inserted: 0, updated: 0, unchanged: 0, rejected: errors.length, errors };
  if (readings.length === 0) return result;

  const connection = await uploadConnection(caller);
  // The database's clock before writing: the readings' updated_at come after it (the webhook's updatedSince).
  const [before] = (await getDb().execute<{ at: string }>(sql`SELECT to_json(now())#>>'{}' AS at`)).rows;
  const written = await writeReadings(connection, readings);
  let [oldest, newest] = [readings[0]!.ts, readings[0]!.ts];
  for (const reading of readings) {
    if (reading.ts < oldest) oldest = reading.ts;
    if (reading.ts > newest) newest = reading.ts;
  }
  // The connection's card in the portal and /v1/human/sources: last upload and the readings' span.
  await getDb().update(connections).set({
    lastSyncAt: sql`now()`,
    lastError: null,
    oldestReadingAt: sql`least(${connections.oldestReadingAt}, ${oldest.toISOString()}::timestamptz)`,
    newestReadingAt: sql`greatest(${connections.newestReadingAt}, ${newest.toISOString()}::timestamptz)`,
    updatedAt: sql`now()`,
  }).where(and(eq(connections.id, connection.connectionId), ne(connections.status, 'disconnected')));
  await announceReadings({
    appId: caller.appId, userId: caller.userId, humanId: caller.humanId,
    types: [type], count: written.inserted + written.updated, updatedSince: new Date(before!.at),
  });
  return { ...result, inserted: written.inserted, updated: written.updated, unchanged: written.unchanged };
}
