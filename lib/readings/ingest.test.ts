import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { getDb } from '../db/client';
import { connectSource } from '../sources/connections';
import { createTestApp, createTestUsers } from '../testing/fixtures';
import { ingestReadings } from './ingest';

async function connectedUser() {
  const app = await createTestApp();
  const [user] = await createTestUsers(app, 1);
  const connectionId = await connectSource(app.owner, app.clientId, user!.humanId, 'manual');
  const [row] = (await getDb().execute<{ id: number }>(sql`SELECT id::int FROM users WHERE human_id = ${user!.humanId}`)).rows;
  return { userId: row!.id, connectionId };
}

const rollupOf = async (connectionId: number, type: string) =>
  (await getDb().execute<{ bucket: Date; count: number; sum: number; min: number; max: number }>(sql`
    SELECT bucket, count, sum, min, max FROM reading_rollups WHERE connection_id = ${connectionId} AND type = ${type} ORDER BY bucket`)).rows;

describe(`ingesting readings on ${inject('databaseKind')}`, () => {
  it('is idempotent: a re-sync updates readings instead of duplicating them, and the rollups follow', async () => {
    const target = await connectedUser();
    const weighIns = [
      { type: 'weight' as const, ts: '2026-01-05T07:10:00Z', value: 80.2, sourceReadingId: 'w1' },
      { type: 'weight' as const, ts: '2026-01-05T07:40:00Z', value: 80.0, sourceReadingId: 'w2' },
      { type: 'weight' as const, ts: '2026-01-06T07:15:00Z', value: 79.6, sourceReadingId: 'w3' },
    ];
    await getDb().transaction((tx) => ingestReadings(tx, target, weighIns));
    await getDb().transaction((tx) => ingestReadings(tx, target, [{ ...weighIns[0]!, value: 80.6 }]));

    const stored = await getDb().execute<{ value: number; unit: string }>(sql`SELECT value, unit FROM readings WHERE connection_id = ${target.connectionId} ORDER BY ts`);
    expect(stored.rows).toEqual([{ value: 80.6, unit: 'kg' }, { value: 80.0, unit: 'kg' }, { value: 79.6, unit: 'kg' }]);
    const rollups = await rollupOf(target.connectionId, 'weight');
    expect(rollups.map(({ count, min, max }) => ({ count, min, max }))).toEqual([
      { count: 2, min: 80.0, max: 80.6 },
      { count: 1, min: 79.6, max: 79.6 },
    ]);
  });

  it('rejects a reading of an unknown type or with a non-finite value, storing nothing', async () => {
    const target = await connectedUser();
    const attempt = (reading: object) => getDb().transaction((tx) => ingestReadings(tx, target, [reading as never]));
    await expect(attempt({ type: 'mood', ts: '2026-01-01T00:00:00Z', value: 3, sourceReadingId: 'm' })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(attempt({ type: 'steps', ts: '2026-01-01T00:00:00Z', value: Infinity, sourceReadingId: 's' })).rejects.toMatchObject({ kind: 'invalid_input' });
    const count = await getDb().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM readings WHERE connection_id = ${target.connectionId}`);
    expect(count.rows[0]!.n).toBe(0);
  });
});
