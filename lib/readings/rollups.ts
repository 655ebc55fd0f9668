// Hourly rollups of readings (count, sum, min, max per connection, type and hour). Long chart ranges
// read these; they are recomputed from the readings inside the transaction that changed them.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';

/** Recompute the rollups of `connectionIds` for the hours touching [from, to]. */
export async function refreshRollups(db: Queryable, connectionIds: number[], from: Date, to: Date): Promise<void> {
  if (connectionIds.length === 0) return;
  await db.execute(sql`
    INSERT INTO reading_rollups (connection_id, type, bucket, user_id, count, sum, min, max, sum2, min2, max2)
    SELECT connection_id, type, date_trunc('hour', ts), min(user_id), count(*), sum(value), min(value), max(value),
           sum(value2), min(value2), max(value2)
    FROM readings
    WHERE connection_id = ANY(${sql.param(connectionIds)}::bigint[])
      AND ts >= date_trunc('hour', ${from.toISOString()}::timestamptz)
      AND ts < date_trunc('hour', ${to.toISOString()}::timestamptz) + interval '1 hour'
    GROUP BY connection_id, type, date_trunc('hour', ts)
    ON CONFLICT (connection_id, type, bucket) DO UPDATE SET
      count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
      sum2 = excluded.sum2, min2 = excluded.min2, max2 = excluded.max2`);
}
