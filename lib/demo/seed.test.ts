import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { operator } from '../auth/caller';
import { getDb } from '../db/client';
import { createTestApp } from '../testing/fixtures';
import { listUsers } from '../users/users';
import { seedUsers } from './seed';

const end = new Date('2026-03-01T12:00:00Z');

async function readingsOf(clientId: string) {
  const result = await getDb().execute<{ external_id: string; source_id: string; type: string; ts: Date; value: number; value2: number | null }>(sql`
    SELECT u.external_id, c.source_id, r.type, r.ts, r.value, r.value2
    FROM readings r JOIN connections c ON c.id = r.connection_id JOIN users u ON u.id = r.user_id JOIN apps a ON a.id = u.app_id
    WHERE a.client_id = ${clientId}
    ORDER BY u.external_id, c.source_id, r.type, r.ts`);
  return result.rows;
}

describe(`demo data on ${inject('databaseKind')}`, () => {
  it('is the same for the same seed: people, sources and every reading', async () => {
    const [a, b] = [await createTestApp(), await createTestApp()];
    await seedUsers(operator, a.clientId, { users: 4, days: 2, seed: 99, end });
    await seedUsers(operator, b.clientId, { users: 4, days: 2, seed: 99, end });

    const people = async (clientId: string, owner: typeof a.owner) =>
      (await listUsers(owner, clientId, { limit: 10 })).users.map(({ externalId, email, name, identityProvider, createdAt }) => ({ externalId, email, name, identityProvider, createdAt }));
    expect(await people(b.clientId, b.owner)).toEqual(await people(a.clientId, a.owner));
    const readings = await readingsOf(a.clientId);
    expect(readings.length).toBeGreaterThan(0);
    expect(await readingsOf(b.clientId)).toEqual(readings);
  });

  it('looks like real measurements, and its hourly rollups add up to the readings', async () => {
    const app = await createTestApp();
    const result = await seedUsers(operator, app.clientId, { users: 6, days: 3, seed: 5, end });
    expect(result.users).toBe(6);
    const readings = await readingsOf(app.clientId);
    expect(result.readings).toBe(readings.length);

    const byType = (type: string) => readings.filter((r) => r.type === type);
    for (const r of byType('heart_rate')) expect(r.value).toBeGreaterThanOrEqual(40), expect(r.value).toBeLessThanOrEqual(200);
    for (const r of byType('steps')) expect(r.value).toBeGreaterThanOrEqual(0);
    for (const r of byType('blood_pressure')) expect(r.value).toBeGreaterThan(r.value2!);
    // A tracker reports heart rate every five minutes.
    const tracker = readings.filter((r) => r.source_id === 'demo-tracker' && r.type === 'heart_rate');
    if (tracker.length > 1) expect(new Date(tracker[1]!.ts).getTime() - new Date(tracker[0]!.ts).getTime()).toBe(5 * 60_000);

    const totals = await getDb().execute<{ readings: number; rolled: number; sum_readings: number; sum_rolled: number }>(sql`
      SELECT (SELECT count(*)::int FROM readings r JOIN users u ON u.id = r.user_id JOIN apps a ON a.id = u.app_id WHERE a.client_id = ${app.clientId}) AS readings,
             (SELECT sum(count)::int FROM reading_rollups r JOIN users u ON u.id = r.user_id JOIN apps a ON a.id = u.app_id WHERE a.client_id = ${app.clientId}) AS rolled,
             (SELECT round(sum(value)) FROM readings r JOIN users u ON u.id = r.user_id JOIN apps a ON a.id = u.app_id WHERE a.client_id = ${app.clientId})::float8 AS sum_readings,
             (SELECT round(sum(sum)) FROM reading_rollups r JOIN users u ON u.id = r.user_id JOIN apps a ON a.id = u.app_id WHERE a.client_id = ${app.clientId})::float8 AS sum_rolled`);
    expect(totals.rows[0]!.rolled).toBe(totals.rows[0]!.readings);
    expect(totals.rows[0]!.sum_rolled).toBe(totals.rows[0]!.sum_readings);
  });

  it('skips users a seed created already', async () => {
    const app = await createTestApp();
    await seedUsers(operator, app.clientId, { users: 3, days: 0, seed: 1, end });
    const again = await seedUsers(operator, app.clientId, { users: 5, days: 0, seed: 1, end });
    expect(again.users).toBe(2);
    expect((await listUsers(app.owner, app.clientId, { limit: 10 })).users).toHaveLength(5);
  });
});
