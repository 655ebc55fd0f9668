// Realistic readings for demo sources, generated inside the database with generate_series (one
// set-based INSERT per source and batch) rather than row by row from Node. Values are a function of
// the user's externalId, the seed and the time, so the same seed gives the same data.
import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../db/client';

/** A reproducible number in [0, 1) from a text key (hashtext is built into PostgreSQL). */
const rnd = (key: SQL) => sql`((hashtext(${key})::bigint + 2147483648) / 4294967296.0)`;

type Window = { connectionIds: number[]; seed: number; days: number; end: Date };

// Each generator selects (connection_id, user_id, type, ts, tz, value, value2, unit, sid) rows
// from `c` (the batch's connections with the user's externalId and time-zone offset).
const GENERATORS: Record<string, (w: Window) => SQL> = {
  'demo-tracker': () => sql`
    SELECT c.id, c.user_id, 'heart_rate', t, c.tz,
      round(CASE
        WHEN lh < 7 OR lh >= 23 THEN c.rest - 4 + r * 6
        WHEN lh = 18 AND extract(isodow FROM t) IN (1, 3, 5) THEN c.rest + 55 + r * 30
        ELSE c.rest + 12 + r * 22 END), NULL::float8, 'bpm', 'hr:' || extract(epoch FROM t)::bigint
    FROM c, generate_series(w_start, w_end, interval '5 minutes') AS t,
      LATERAL (SELECT extract(hour FROM t + c.tz * interval '1 minute') AS lh,
                      ${rnd(sql`c.key || 'hr' || t::text`)} AS r) AS x
    UNION ALL
    SELECT c.id, c.user_id, kind, d.day, c.tz,
      CASE kind
        WHEN 'steps' THEN d.steps
        WHEN 'distance' THEN round(d.steps * 0.76)
        WHEN 'calories' THEN round(1700 + d.steps * 0.045 + d.r * 250)
        WHEN 'activity' THEN round(d.steps / 160.0 + d.r * 25)
        WHEN 'blood_oxygen' THEN round((95 + ${rnd(sql`c.key || 'spo2' || d.day::text`)} * 3.8)::numeric, 1)
        ELSE round(330 + d.r * 170) END,
      NULL::float8,
      CASE kind WHEN 'steps' THEN 'steps' WHEN 'distance' THEN 'm' WHEN 'calories' THEN 'kcal' WHEN 'blood_oxygen' THEN '%' ELSE 'min' END,
      kind || ':' || to_char(d.day, 'YYYY-MM-DD')
    FROM c, LATERAL (
        SELECT day, r, round((2500 + r * 9500) * CASE WHEN extract(isodow FROM day) >= 6 THEN 0.7 ELSE 1 END) AS steps
        FROM generate_series(date_trunc('day', w_start), w_end, interval '1 day') AS day,
          LATERAL (SELECT ${rnd(sql`c.key || 'day' || day::text`)} AS r) AS rr
        WHERE day + interval '7 hours' <= w_end) AS d,
      unnest(ARRAY['steps', 'distance', 'calories', 'activity', 'sleep', 'blood_oxygen']) AS kind`,
  'demo-scale': () => sql`
    SELECT c.id, c.user_id, kind, t, c.tz,
      CASE kind
        WHEN 'weight' THEN round((c.weight + 1.5 * sin(extract(epoch FROM t) / 1728000.0) + r * 0.6)::numeric, 1)
        WHEN 'body_fat' THEN round((16 + c.r2 * 16 + r * 0.8)::numeric, 1)
        ELSE round(((c.weight + 1.5 * sin(extract(epoch FROM t) / 1728000.0) + r * 0.6) / (c.height * c.height))::numeric, 1) END,
      NULL::float8, CASE kind WHEN 'weight' THEN 'kg' WHEN 'body_fat' THEN '%' ELSE 'kg/m2' END,
      kind || ':' || to_char(t, 'YYYY-MM-DD')
    FROM c, generate_series(date_trunc('day', w_start) + interval '7 hours 30 minutes', w_end, interval '1 day') AS t,
      LATERAL (SELECT ${rnd(sql`c.key || 'w' || t::text`)} AS r) AS x,
      unnest(ARRAY['weight', 'body_fat', 'bmi']) AS kind`,
  'demo-cuff': () => sql`
    SELECT c.id, c.user_id, kind, t, c.tz,
      CASE kind WHEN 'blood_pressure' THEN round(110 + c.r2 * 28 + r * 12) ELSE round(c.rest + 4 + r * 10) END,
      CASE kind WHEN 'blood_pressure' THEN round(70 + c.r2 * 14 + r * 8) END,
      CASE kind WHEN 'blood_pressure' THEN 'mmHg' ELSE 'bpm' END,
      kind || ':' || extract(epoch FROM t)::bigint
    FROM c, generate_series(date_trunc('day', w_start) + interval '8 hours', w_end, interval '12 hours') AS t,
      LATERAL (SELECT ${rnd(sql`c.key || 'bp' || t::text`)} AS r) AS x,
      unnest(ARRAY['blood_pressure', 'heart_rate']) AS kind
    WHERE ${rnd(sql`c.key || 'bpday' || t::text`)} < 0.6`,
  'demo-glucose': () => sql`
    SELECT c.id, c.user_id, 'blood_glucose', t, c.tz,
      round(CASE extract(hour FROM t)::int % 24
        WHEN 7 THEN 82 + c.r2 * 30 + r * 18
        ELSE 105 + c.r2 * 45 + r * 45 END), NULL::float8, 'mg/dL', 'bg:' || extract(epoch FROM t)::bigint
    FROM c, generate_series(date_trunc('day', w_start), w_end, interval '1 day') AS day,
      unnest(ARRAY[interval '7 hours', interval '9 hours', interval '14 hours', interval '20 hours 30 minutes']) AS offs,
      LATERAL (SELECT day + offs AS t) AS tt,
      LATERAL (SELECT ${rnd(sql`c.key || 'bg' || (day + offs)::text`)} AS r) AS x
    WHERE t <= w_end`,
};

/** Readings one connection of this source gets per day (to size batches). */
export const READINGS_PER_DAY: Record<string, number> = {
  'demo-tracker': 288 + 6, 'demo-scale': 3, 'demo-cuff': 2.4, 'demo-glucose': 4,
};

/** Insert `days` of readings ending at `end` for these connections, which all use `sourceId`.
 * Call inside a transaction that has run `SET LOCAL TIME ZONE 'UTC'` (days and hours are UTC). */
export async function generateDemoReadings(tx: Tx, sourceId: string, window: Window): Promise<number> {
  const generator = GENERATORS[sourceId];
  if (!generator || window.connectionIds.length === 0 || window.days <= 0) return 0;
  const key = sql`u.external_id || ':' || ${String(window.seed)} || ':'`;
  const result = await tx.execute(sql`
    WITH c AS (
      SELECT conn.id, conn.user_id, ${key} AS key,
        (ARRAY[-480, -420, -300, -240, 0, 60, 120, 330, 540])[1 + abs(hashtext(${key} || 'tz')) % 9] AS tz,
        52 + ${rnd(sql`${key} || 'rest'`)} * 18 AS rest,
        58 + ${rnd(sql`${key} || 'weight'`)} * 40 AS weight,
        1.55 + ${rnd(sql`${key} || 'height'`)} * 0.4 AS height,
        ${rnd(sql`${key} || 'r2'`)} AS r2
      FROM connections conn JOIN users u ON u.id = conn.user_id
      WHERE conn.id = ANY(${sql.param(window.connectionIds)}::bigint[])
    ), w AS (
      SELECT ${window.end.toISOString()}::timestamptz - ${`${window.days} days`}::interval AS w_start,
             ${window.end.toISOString()}::timestamptz AS w_end
    )
    INSERT INTO readings (connection_id, user_id, type, ts, tz_offset_minutes, value, value2, unit, source_reading_id)
    SELECT g.* FROM w, LATERAL (${generator(window)}) AS g
    ON CONFLICT (connection_id, type, source_reading_id) DO NOTHING`);
  return result.rowCount ?? 0;
}
