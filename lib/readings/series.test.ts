import { sql, type SQL } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { getDb } from '../db/client';
import { connectSource } from '../sources/connections';
import { createTestApp, createTestUsers } from '../testing/fixtures';
import { deleteUser } from '../users/users';
import { ingestReadings, type ReadingInput } from './ingest';
import { dailySql, dailyTotals, MAX_POINTS, planSeries, readingSeries, seriesSql } from './series';

const DAY = 86_400_000;

async function userWithReadings(readings: ReadingInput[]) {
  const app = await createTestApp();
  const [user] = await createTestUsers(app, 1);
  const connectionId = await connectSource(app.owner, app.clientId, user!.humanId, 'manual');
  await ingestReadings(app.owner, { clientId: app.clientId, connectionId }, readings);
  const [row] = (await getDb().execute<{ id: number }>(sql`SELECT id::int FROM users WHERE human_id = ${user!.humanId}`)).rows;
  return { app, target: { clientId: app.clientId, humanId: user!.humanId }, userId: row!.id };
}

/** Tables and indexes a query's plan reads, with the planner kept off sequential scans so the
 * answer says which index the query can use rather than what a near-empty table makes cheapest. */
async function planOf(query: SQL) {
  return getDb().transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL enable_seqscan = off`);
    await tx.execute(sql`SET LOCAL enable_bitmapscan = off`);
    const result = await tx.execute<{ 'QUERY PLAN': unknown }>(sql`EXPLAIN (FORMAT JSON) ${query}`);
    const raw = result.rows[0]!['QUERY PLAN'];
    const plan = typeof raw === 'string' ? JSON.parse(raw) : raw;
    const relations = new Set<string>();
    const scans = new Set<string>();
    const walk = (node: Record<string, unknown>) => {
      if (typeof node['Relation Name'] === 'string') relations.add(node['Relation Name']);
      if (typeof node['Index Name'] === 'string') scans.add(`${node['Node Type']} ${node['Index Name']}`);
      if (String(node['Node Type']).startsWith('Seq Scan')) scans.add(`Seq Scan ${node['Relation Name']}`);
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk((plan as { Plan: Record<string, unknown> }[])[0]!.Plan);
    return { relations: [...relations].sort(), scans: [...scans].sort() };
  });
}

describe(`chart series and daily totals on ${inject('databaseKind')}`, () => {
  it('draws a year from the hourly rollups, at most 1,000 points, with the same totals as the readings', async () => {
    const start = Date.parse('2025-01-01T00:00:00Z');
    // Every 10 minutes for a year: 52,560 readings.
    const readings: ReadingInput[] = Array.from({ length: 52_560 }, (_, i) => ({
      type: 'heart_rate', ts: new Date(start + i * 600_000), value: 50 + (i % 50), sourceReadingId: `hr-${i}`,
    }));
    const { app, target } = await userWithReadings(readings);
    const year = await readingSeries(app.owner, target, { type: 'heart_rate', from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(year.source).toBe('rollups');
    expect(year.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(year.points.length).toBeGreaterThan(MAX_POINTS / 2);
    expect(year.points.reduce((n, p) => n + p.count, 0)).toBe(52_560);
    expect(year.points.reduce((n, p) => n + p.sum, 0)).toBe(readings.reduce((n, r) => n + r.value, 0));
    expect(Math.min(...year.points.map((p) => p.min))).toBe(50);
    expect(Math.max(...year.points.map((p) => p.max))).toBe(99);
    // Evenly spaced from `from`, whole hours apart.
    expect(year.intervalSeconds % 3600).toBe(0);
    expect(year.points[0]!.start.toISOString()).toBe('2025-01-01T00:00:00.000Z');

    const day = await readingSeries(app.owner, target, { type: 'heart_rate', from: '2025-03-01T00:00:00Z', to: '2025-03-02T00:00:00Z' });
    expect(day.source).toBe('readings');
    expect(day.points.reduce((n, p) => n + p.count, 0)).toBe(144);
    expect(day.points.length).toBeLessThanOrEqual(MAX_POINTS);
  });

  it('long ranges read only the rollups; short ranges and daily totals only their indexes', async () => {
    const { userId } = await userWithReadings([{ type: 'steps', ts: '2025-01-01T10:00:00Z', value: 5, sourceReadingId: 's' }]);
    const yearPlan = planSeries(new Date('2025-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    const long = await planOf(seriesSql(userId, 'heart_rate', new Date('2025-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'), yearPlan));
    expect(long.relations).toEqual(['reading_rollups']);
    expect(long.scans).toEqual(['Index Scan reading_rollups_user_id_type_bucket_idx']);

    const dayPlan = planSeries(new Date('2025-01-01T00:00:00Z'), new Date('2025-01-02T00:00:00Z'));
    const short = await planOf(seriesSql(userId, 'heart_rate', new Date('2025-01-01T00:00:00Z'), new Date('2025-01-02T00:00:00Z'), dayPlan));
    expect(short.relations).toEqual(['readings']);
    expect(short.scans).toEqual(['Index Only Scan readings_user_id_type_ts_idx']);

    const daily = await planOf(dailySql(userId, 'steps', '2025-01-01', '2025-12-31'));
    expect(daily.relations).toEqual(['reading_rollups']);
    expect(daily.scans).toEqual(['Index Scan reading_rollups_user_id_type_bucket_idx']);
  });

  it('refuses a bad range with a clear error and deleted users as unknown', async () => {
    const { app, target } = await userWithReadings([{ type: 'steps', ts: '2025-01-01T10:00:00Z', value: 5, sourceReadingId: 's' }]);
    await expect(readingSeries(app.owner, target, { type: 'steps', from: '2025-02-01', to: '2025-01-01' })).rejects.toMatchObject({ kind: 'invalid_input', message: 'from must be before to.' });
    await expect(readingSeries(app.owner, target, { type: 'mood', from: '2025-01-01', to: '2025-02-01' })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(dailyTotals(app.owner, target, { type: 'steps', from: '2025-1-1', to: '2025-02-01' })).rejects.toMatchObject({ kind: 'invalid_input', message: 'Days are written YYYY-MM-DD.' });
    expect(await dailyTotals(app.owner, target, { type: 'steps', from: '2025-01-01', to: '2025-01-01' })).toMatchObject([{ day: '2025-01-01', count: 1, sum: 5 }]);
    await deleteUser(app.owner, app.clientId, target.humanId);
    await expect(dailyTotals(app.owner, target, { type: 'steps', from: '2025-01-01', to: '2025-01-02' })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('keeps a point per interval from the rollups even for a +5:30 user (hours start at :30)', async () => {
    const start = Date.parse('2025-06-01T00:00:00Z');
    const readings: ReadingInput[] = Array.from({ length: 10 * 24 }, (_, i) => ({
      type: 'steps', ts: new Date(start + i * 3_600_000 + 45 * 60_000), tzOffsetMinutes: 330, value: 10, sourceReadingId: `s-${i}`,
    }));
    const { app, target } = await userWithReadings(readings);
    const series = await readingSeries(app.owner, target, { type: 'steps', from: new Date(start), to: new Date(start + 10 * DAY) });
    expect(series.source).toBe('rollups');
    expect(series.points.reduce((n, p) => n + p.sum, 0)).toBe(2_400);
    const days = await dailyTotals(app.owner, target, { type: 'steps', from: '2025-06-01', to: '2025-06-11' });
    // Local days start at 18:30 UTC: the first holds the readings of 00:45–17:45 UTC on June 1 (18).
    expect(days[0]).toMatchObject({ day: '2025-06-01', count: 18 });
    expect(days.reduce((n, d) => n + d.count, 0)).toBe(240);
  });
});
