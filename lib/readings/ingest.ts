// Storing readings from a source: upsert by (connection, type, source reading id) so a re-sync is
// idempotent, and refresh the hourly rollups in the same transaction.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../db/client';
import { invalidInput } from '../errors';
import { refreshRollups } from './rollups';
import { READING_TYPES, ReadingTypeSchema } from './types';

export const ReadingInput = z.object({
  type: ReadingTypeSchema,
  ts: z.coerce.date(),
  tzOffsetMinutes: z.number().int().min(-14 * 60).max(14 * 60).default(0),
  value: z.number().finite(),
  value2: z.number().finite().nullable().optional(),
  sourceReadingId: z.string().min(1).max(255),
  sourceData: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type ReadingInput = z.input<typeof ReadingInput>;

const BATCH = 5_000;

/**
 * Upsert readings of one connection. Runs inside the caller's transaction (the caller has already
 * established that the connection is theirs). Returns how many readings were written.
 */
export async function ingestReadings(
  tx: Tx,
  target: { userId: number; connectionId: number },
  input: ReadingInput[],
): Promise<number> {
  const parsed = z.array(ReadingInput).safeParse(input);
  if (!parsed.success) throw invalidInput(`Invalid reading: ${parsed.error.issues[0]?.message}`);
  const readings = parsed.data;
  if (readings.length === 0) return 0;

  for (let start = 0; start < readings.length; start += BATCH) {
    const batch = readings.slice(start, start + BATCH);
    await tx.execute(sql`
      INSERT INTO readings (user_id, connection_id, type, ts, tz_offset_minutes, value, value2, unit, source_reading_id, source_data)
      SELECT ${target.userId}, ${target.connectionId}, r.type, r.ts, r.tz, r.value, r.value2, r.unit, r.sid, r.data
      FROM unnest(
        ${sql.param(batch.map((r) => r.type))}::text[],
        ${sql.param(batch.map((r) => r.ts.toISOString()))}::timestamptz[],
        ${sql.param(batch.map((r) => r.tzOffsetMinutes))}::smallint[],
        ${sql.param(batch.map((r) => r.value))}::float8[],
        ${sql.param(batch.map((r) => r.value2 ?? null))}::float8[],
        ${sql.param(batch.map((r) => READING_TYPES[r.type].unit))}::text[],
        ${sql.param(batch.map((r) => r.sourceReadingId))}::text[],
        ${sql.param(batch.map((r) => (r.sourceData ? JSON.stringify(r.sourceData) : null)))}::jsonb[]
      ) AS r(type, ts, tz, value, value2, unit, sid, data)
      ON CONFLICT (connection_id, type, source_reading_id) DO UPDATE SET
        ts = excluded.ts, tz_offset_minutes = excluded.tz_offset_minutes, value = excluded.value,
        value2 = excluded.value2, unit = excluded.unit, source_data = excluded.source_data, updated_at = now()`);
  }
  const times = readings.map((r) => r.ts.getTime());
  await refreshRollups(tx, [target.connectionId], new Date(Math.min(...times)), new Date(Math.max(...times)));
  return readings.length;
}
