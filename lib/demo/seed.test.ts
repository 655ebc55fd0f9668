import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { operator } from '../auth/caller';
import { getDb } from '../db/client';
import { createTestApp } from '../testing/fixtures';
import { listUsers } from '../users/users';
import { readingSteps, seedPendingReadings, seedUsers } from './seed';

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

  it('looks like real measurements of every kind, and its hourly rollups add up to the readings', async () => {
    const app = await createTestApp();
    const result = await seedUsers(operator, app.clientId, { users: 12, days: 3, seed: 5, end });
    expect(result.users).toBe(12);
    const readings = await readingsOf(app.clientId);
    expect(result.readings).toBe(readings.length);

    // Every kind of reading the portal charts is there, so each check below checks something.
    const byType = (type: string) => readings.filter((r) => r.type === type);
    for (const type of ['heart_rate', 'steps', 'distance', 'calories', 'activity', 'sleep', 'blood_oxygen', 'weight', 'body_fat', 'bmi', 'blood_pressure', 'blood_glucose']) {
      expect(byType(type).length, type).toBeGreaterThan(0);
    }
    for (const r of byType('heart_rate')) expect(r.value).toBeGreaterThanOrEqual(40), expect(r.value).toBeLessThanOrEqual(200);
    for (const r of byType('steps')) expect(r.value).toBeGreaterThanOrEqual(0);
    for (const r of byType('blood_pressure')) expect(r.value).toBeGreaterThan(r.value2!);
    for (const r of byType('blood_glucose')) expect(r.value).toBeGreaterThanOrEqual(60), expect(r.value).toBeLessThanOrEqual(250);
    for (const r of byType('blood_oxygen')) expect(r.value).toBeGreaterThanOrEqual(94), expect(r.value).toBeLessThanOrEqual(100);
    // A tracker reports heart rate every five minutes.
    const tracker = readings.filter((r) => r.source_id === 'demo-tracker' && r.type === 'heart_rate' && r.external_id === 'user-5-1');
    expect(tracker.length).toBeGreaterThan(2 * 288);
    expect(new Date(tracker[1]!.ts).getTime() - new Date(tracker[0]!.ts).getTime()).toBe(5 * 60_000);

    const totals = await getDb().execute<{ readings: number; rolled: number; sum_readings: number; sum_rolled: number }>(sql`
      SELECT (SELECT count(*)::int FROM readings r JOIN users u ON u.id = r.user_id JOIN apps a ON a.id = u.app_id WHERE a.client_id = ${app.clientId}) AS readings,
             (SELECT sum(count)::int FROM reading_rollups r JOIN users u ON u.id = r.user_id JOIN apps a ON a.id = u.app_id WHERE a.client_id = ${app.clientId}) AS rolled,
             (SELECT round(sum(value)) FROM readings r JOIN users u ON u.id = r.user_id JOIN apps a ON a.id = u.app_id WHERE a.client_id = ${app.clientId})::float8 AS sum_readings,
             (SELECT round(sum(sum)) FROM reading_rollups r JOIN users u ON u.id = r.user_id JOIN apps a ON a.id = u.app_id WHERE a.client_id = ${app.clientId})::float8 AS sum_rolled`);
    expect(totals.rows[0]!.readings).toBeGreaterThan(0);
    expect(totals.rows[0]!.rolled).toBe(totals.rows[0]!.readings);
    expect(totals.rows[0]!.sum_rolled).toBe(totals.rows[0]!.sum_readings);
  });

  it('splits a long window into parts that together give the same readings as one statement', () => {
    const parts = readingSteps([7], 293, 365, end);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.days * 293 <= 20_000)).toBe(true);
    expect(parts.reduce((days, p) => days + p.days, 0)).toBe(365);
    // Newest first, each part ending where the previous one starts.
    for (let i = 1; i < parts.length; i++) {
      expect(parts[i]!.end.getTime()).toBe(parts[i - 1]!.end.getTime() - parts[i - 1]!.days * 86_400_000);
    }
    expect(readingSteps([1, 2, 3], 4, 30, end)).toEqual([{ ids: [1, 2, 3], days: 30, end }]);
  });

  it('writes readings after the users, gives the first user a long history, and finishes what an interruption left', async () => {
    const app = await createTestApp();
    const options = { seed: 8, end, days: 2, firstUserDays: 80, sparseDays: 10 };
    await seedUsers(operator, app.clientId, { users: 5, days: 0, seed: 8, end });
    expect(await readingsOf(app.clientId)).toHaveLength(0);

    const written = await seedPendingReadings(operator, app.clientId, options);
    const complete = await readingsOf(app.clientId);
    expect(written).toBe(complete.length);
    const span = (rows: typeof complete) => (Math.max(...rows.map((r) => +new Date(r.ts))) - Math.min(...rows.map((r) => +new Date(r.ts)))) / 86_400_000;
    const firstUserHeartRate = complete.filter((r) => r.external_id === 'user-8-1' && r.source_id === 'demo-tracker' && r.type === 'heart_rate');
    expect(span(firstUserHeartRate)).toBeGreaterThanOrEqual(79); // 80 days: more than one statement's worth
    const othersHeartRate = complete.filter((r) => r.external_id !== 'user-8-1' && r.source_id === 'demo-tracker' && r.type === 'heart_rate');
    expect(othersHeartRate.length).toBeGreaterThan(0);
    expect(span(othersHeartRate)).toBeLessThanOrEqual(2);
    const othersSparse = complete.filter((r) => r.external_id !== 'user-8-1' && r.source_id !== 'demo-tracker');
    expect(othersSparse.length).toBeGreaterThan(0);
    expect(span(othersSparse)).toBeGreaterThan(5);

    // As if stopped part-way: the first user's oldest part and another connection entirely missing.
    await getDb().execute(sql`
      DELETE FROM readings r USING users u, apps a
      WHERE u.id = r.user_id AND a.id = u.app_id AND a.client_id = ${app.clientId}
        AND ((u.external_id = 'user-8-1' AND r.ts < ${new Date(end.getTime() - 40 * 86_400_000).toISOString()}::timestamptz)
          OR u.external_id = 'user-8-2')`);
    expect((await readingsOf(app.clientId)).length).toBeLessThan(complete.length);
    await seedPendingReadings(operator, app.clientId, options);
    expect(await readingsOf(app.clientId)).toEqual(complete);
    // Nothing is left to do, so another call writes nothing.
    expect(await seedPendingReadings(operator, app.clientId, options)).toBe(0);
  });

  it('gives seeded connections a completed history, as a sync would, and queues no sync', async () => {
    const app = await createTestApp();
    await seedUsers(operator, app.clientId, { users: 6, days: 3, seed: 12, end });
    const rows = await getDb().execute<{ history: Date; last: Date; oldest: Date; newest: Date; queued: Date | null; min: Date; max: Date }>(sql`
      SELECT c.history_synced_at AS history, c.last_sync_at AS last, c.oldest_reading_at AS oldest, c.newest_reading_at AS newest,
        c.sync_requested_at AS queued,
        (SELECT min(r.ts) FROM readings r WHERE r.connection_id = c.id) AS min,
        (SELECT max(r.ts) FROM readings r WHERE r.connection_id = c.id) AS max
      FROM connections c JOIN users u ON u.id = c.user_id JOIN apps a ON a.id = u.app_id
      WHERE a.client_id = ${app.clientId}`);
    expect(rows.rows.length).toBeGreaterThanOrEqual(6);
    const at = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
    for (const row of rows.rows) {
      expect(row.min).not.toBeNull();
      expect({ history: at(row.history), last: at(row.last), oldest: at(row.oldest), newest: at(row.newest), queued: row.queued })
        .toEqual({ history: end.toISOString(), last: end.toISOString(), oldest: at(row.min), newest: at(row.max), queued: null });
    }
  });

  it('skips users a seed created already', async () => {
    const app = await createTestApp();
    await seedUsers(operator, app.clientId, { users: 3, days: 0, seed: 1, end });
    const again = await seedUsers(operator, app.clientId, { users: 5, days: 0, seed: 1, end });
    expect(again.users).toBe(2);
    expect((await listUsers(app.owner, app.clientId, { limit: 10 })).users).toHaveLength(5);
  });
});
