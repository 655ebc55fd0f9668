import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { getDb } from '../db/client';
import { connectSource } from '../sources/connections';
import { createTestApp, createTestUsers, type TestApp } from '../testing/fixtures';
import { deleteUser } from '../users/users';
import { ingestReadings, type ReadingInput } from './ingest';
import { refreshRollups } from './rollups';
import { dailyTotals } from './series';

async function connectedUser(app?: TestApp) {
  app ??= await createTestApp();
  const [user] = await createTestUsers(app, 1);
  const connectionId = await connectSource(app.owner, app.clientId, user!.humanId, 'manual');
  const [row] = (await getDb().execute<{ id: number; app_id: number }>(sql`SELECT id::int, app_id::int FROM users WHERE human_id = ${user!.humanId}`)).rows;
  return { app, humanId: user!.humanId, userId: row!.id, appId: row!.app_id, connectionId, target: { clientId: app.clientId, connectionId } };
}

const rollupOf = async (connectionId: number, type: string) =>
  (await getDb().execute<{ bucket: string; tz: number; count: number; sum: number; min: number; max: number }>(sql`
    SELECT to_json(bucket)#>>'{}' AS bucket, tz_offset_minutes AS tz, count, sum, min, max
    FROM reading_rollups WHERE connection_id = ${connectionId} AND type = ${type} ORDER BY bucket`)).rows
    .map((r) => ({ ...r, bucket: new Date(r.bucket).toISOString() }));

/** The SQLSTATE of a failed query (drizzle wraps the driver's error). */
async function sqlStateOf(query: Promise<unknown>): Promise<string | undefined> {
  try {
    await query;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error as { code?: string }).code;
  }
  return undefined;
}

describe(`ingesting readings on ${inject('databaseKind')}`, () => {
  it('is idempotent: a re-sync updates readings instead of duplicating them, and the rollups follow', async () => {
    const u = await connectedUser();
    const weighIns = [
      { type: 'weight' as const, ts: '2026-01-05T07:10:00Z', value: 80.2, sourceReadingId: 'w1' },
      { type: 'weight' as const, ts: '2026-01-05T07:40:00Z', value: 80.0, sourceReadingId: 'w2' },
      { type: 'weight' as const, ts: '2026-01-06T07:15:00Z', value: 79.6, sourceReadingId: 'w3' },
    ];
    expect(await ingestReadings(u.app.owner, u.target, weighIns)).toEqual({ count: 3, inserted: 3, updated: 0, unchanged: 0 });
    expect(await ingestReadings(u.app.owner, u.target, [{ ...weighIns[0]!, value: 80.6 }, weighIns[1]!]))
      .toEqual({ count: 2, inserted: 0, updated: 1, unchanged: 1 });

    const stored = await getDb().execute<{ value: number; unit: string }>(sql`SELECT value, unit FROM readings WHERE connection_id = ${u.connectionId} ORDER BY ts`);
    expect(stored.rows).toEqual([{ value: 80.6, unit: 'kg' }, { value: 80.0, unit: 'kg' }, { value: 79.6, unit: 'kg' }]);
    expect((await rollupOf(u.connectionId, 'weight')).map(({ count, min, max }) => ({ count, min, max }))).toEqual([
      { count: 2, min: 80.0, max: 80.6 },
      { count: 1, min: 79.6, max: 79.6 },
    ]);
  });

  it('keeps the last of readings repeated within one call instead of failing', async () => {
    const u = await connectedUser();
    const twice = [
      { type: 'steps' as const, ts: '2026-02-01T10:00:00Z', value: 100, sourceReadingId: 'd1' },
      { type: 'steps' as const, ts: '2026-02-01T10:00:00Z', value: 250, sourceReadingId: 'd1' },
    ];
    expect(await ingestReadings(u.app.owner, u.target, twice)).toMatchObject({ count: 1, inserted: 1 });
    expect((await rollupOf(u.connectionId, 'steps')).map((r) => r.sum)).toEqual([250]);
  });

  it('rejects a reading of an unknown type or with a non-finite value, storing nothing', async () => {
    const u = await connectedUser();
    const attempt = (reading: object) => ingestReadings(u.app.owner, u.target, [reading as never]);
    await expect(attempt({ type: 'mood', ts: '2026-01-01T00:00:00Z', value: 3, sourceReadingId: 'm' })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(attempt({ type: 'steps', ts: '2026-01-01T00:00:00Z', value: Infinity, sourceReadingId: 's' })).rejects.toMatchObject({ kind: 'invalid_input' });
    const count = await getDb().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM readings WHERE connection_id = ${u.connectionId}`);
    expect(count.rows[0]!.n).toBe(0);
  });

  it('validates every reading before writing any, naming the first bad one', async () => {
    const u = await connectedUser();
    const many: ReadingInput[] = Array.from({ length: 2_600 }, (_, i) => ({ type: 'steps', ts: new Date(Date.UTC(2026, 0, 1, 0, i)), value: i, sourceReadingId: `s-${i}` }));
    many[2_500] = { ...many[2_500]!, value: Number.NaN };
    await expect(ingestReadings(u.app.owner, u.target, many)).rejects.toMatchObject({ kind: 'invalid_input', message: expect.stringMatching(/^Invalid reading 2500 \(value\): /) });
    const count = await getDb().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM readings WHERE connection_id = ${u.connectionId}`);
    expect(count.rows[0]!.n).toBe(0);
  });

  it("writes only to connections of the caller's app and of live users", async () => {
    const u = await connectedUser();
    const stranger = await createTestApp();
    const reading: ReadingInput = { type: 'steps', ts: '2026-01-01T12:00:00Z', value: 10, sourceReadingId: 'x' };
    // Another app's owner, naming their own app or this one, cannot reach the connection.
    await expect(ingestReadings(stranger.owner, { clientId: stranger.clientId, connectionId: u.connectionId }, [reading])).rejects.toMatchObject({ kind: 'not_found' });
    await expect(ingestReadings(stranger.owner, u.target, [reading])).rejects.toMatchObject({ kind: 'not_found' });
    await deleteUser(u.app.owner, u.app.clientId, u.humanId);
    await expect(ingestReadings(u.app.owner, u.target, [reading])).rejects.toMatchObject({ kind: 'not_found' });
    const count = await getDb().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM readings WHERE connection_id = ${u.connectionId}`);
    expect(count.rows[0]!.n).toBe(0);
  });

  it('the database refuses readings, rollups and Connect sessions whose user is not the connection’s or the app’s', async () => {
    const mine = await connectedUser();
    const other = await connectedUser();
    const db = getDb();
    // A reading filed under another user than its connection's.
    expect(await sqlStateOf(db.execute(sql`
      INSERT INTO readings (user_id, connection_id, type, ts, value, unit, source_reading_id)
      VALUES (${other.userId}, ${mine.connectionId}, 'steps', now(), 1, 'steps', 'forged')`))).toBe('23503');
    expect(await sqlStateOf(db.execute(sql`
      INSERT INTO reading_rollups (connection_id, type, bucket, user_id, count, sum, min, max)
      VALUES (${mine.connectionId}, 'steps', '2026-01-01T00:00:00Z', ${other.userId}, 1, 1, 1, 1)`))).toBe('23503');
    // A Connect session of one app for another app's user.
    expect(await sqlStateOf(db.execute(sql`
      INSERT INTO connect_sessions (token_hash, app_id, user_id, expires_at)
      VALUES (${'e'.repeat(64)}, ${mine.appId}, ${other.userId}, now() + interval '1 minute')`))).toBe('23503');
    // Moving a reading to another user after the fact is refused too.
    await ingestReadings(mine.app.owner, mine.target, [{ type: 'steps', ts: '2026-01-01T12:00:00Z', value: 10, sourceReadingId: 'x' }]);
    expect(await sqlStateOf(db.execute(sql`UPDATE readings SET user_id = ${other.userId} WHERE connection_id = ${mine.connectionId}`))).toBe('23503');
    // The matching writes are accepted.
    await db.execute(sql`
      INSERT INTO connect_sessions (token_hash, app_id, user_id, expires_at)
      VALUES (${'d'.repeat(64)}, ${mine.appId}, ${mine.userId}, now() + interval '1 minute')`);
  });

  it('recomputes the old hour of a reading whose time moved, and deletes an hour left empty', async () => {
    const u = await connectedUser();
    await ingestReadings(u.app.owner, u.target, [
      { type: 'heart_rate', ts: '2026-03-01T08:05:00Z', value: 60, sourceReadingId: 'a' },
      { type: 'heart_rate', ts: '2026-03-01T08:35:00Z', value: 70, sourceReadingId: 'b' },
      { type: 'heart_rate', ts: '2026-03-01T09:10:00Z', value: 80, sourceReadingId: 'c' },
    ]);
    // 'b' moves from 08:00 to 10:00; 'c' moves from 09:00 (emptied) to 10:00.
    await ingestReadings(u.app.owner, u.target, [
      { type: 'heart_rate', ts: '2026-03-01T10:20:00Z', value: 70, sourceReadingId: 'b' },
      { type: 'heart_rate', ts: '2026-03-01T10:50:00Z', value: 80, sourceReadingId: 'c' },
    ]);
    expect((await rollupOf(u.connectionId, 'heart_rate')).map(({ bucket, count, sum }) => ({ bucket, count, sum }))).toEqual([
      { bucket: '2026-03-01T08:00:00.000Z', count: 1, sum: 60 },
      { bucket: '2026-03-01T10:00:00.000Z', count: 2, sum: 150 },
    ]);
  });

  it('recomputes only the hours a late reading touches, not the range back to it', async () => {
    const u = await connectedUser();
    await ingestReadings(u.app.owner, u.target, [
      { type: 'steps', ts: '2026-01-10T12:00:00Z', value: 100, sourceReadingId: 'jan' },
      { type: 'steps', ts: '2026-02-10T12:00:00Z', value: 200, sourceReadingId: 'feb' },
      { type: 'steps', ts: '2026-03-10T12:00:00Z', value: 300, sourceReadingId: 'mar' },
    ]);
    // Mark February's hour: a refresh of the range from January to March would overwrite it.
    await getDb().execute(sql`UPDATE reading_rollups SET sum = -1 WHERE connection_id = ${u.connectionId} AND bucket = '2026-02-10T12:00:00Z'`);
    await ingestReadings(u.app.owner, u.target, [
      { type: 'steps', ts: '2026-01-10T12:30:00Z', value: 5, sourceReadingId: 'late-jan' },
      { type: 'steps', ts: '2026-03-10T12:30:00Z', value: 7, sourceReadingId: 'late-mar' },
    ]);
    expect((await rollupOf(u.connectionId, 'steps')).map((r) => r.sum)).toEqual([105, -1, 307]);
  });

  it('refreshRollups over a range rebuilds its hours and deletes those left without readings', async () => {
    const u = await connectedUser();
    await ingestReadings(u.app.owner, u.target, [
      { type: 'steps', ts: '2026-04-01T06:10:00Z', value: 10, sourceReadingId: 'p' },
      { type: 'steps', ts: '2026-04-01T07:10:00Z', tzOffsetMinutes: 330, value: 20, sourceReadingId: 'q' },
    ]);
    await getDb().execute(sql`DELETE FROM readings WHERE connection_id = ${u.connectionId} AND source_reading_id = 'p'`);
    await refreshRollups(getDb(), [u.connectionId], new Date('2026-04-01T06:00:00Z'), new Date('2026-04-01T07:10:00Z'));
    expect((await rollupOf(u.connectionId, 'steps')).map(({ bucket, tz, sum }) => ({ bucket, tz, sum }))).toEqual([
      { bucket: '2026-04-01T06:30:00.000Z', tz: 330, sum: 20 },
    ]);
  });

  it("gives a +5:30 user's daily totals in their local days", async () => {
    const u = await connectedUser();
    const ist = 330;
    await ingestReadings(u.app.owner, u.target, [
      // 23:45 and 00:15 local: one UTC hour (18:00), two local days.
      { type: 'steps', ts: '2026-05-01T18:15:00Z', tzOffsetMinutes: ist, value: 1_000, sourceReadingId: 'late-evening' },
      { type: 'steps', ts: '2026-05-01T18:45:00Z', tzOffsetMinutes: ist, value: 30, sourceReadingId: 'after-midnight' },
      // 05:29 local on the 2nd is 23:59 UTC on the 1st.
      { type: 'steps', ts: '2026-05-01T23:59:00Z', tzOffsetMinutes: ist, value: 500, sourceReadingId: 'dawn' },
      { type: 'steps', ts: '2026-05-02T18:29:00Z', tzOffsetMinutes: ist, value: 7, sourceReadingId: 'last-minute' },
    ]);
    const days = await dailyTotals(u.app.owner, { clientId: u.app.clientId, humanId: u.humanId }, { type: 'steps', from: '2026-04-30', to: '2026-05-03' });
    expect(days.map(({ day, count, sum }) => ({ day, count, sum }))).toEqual([
      { day: '2026-05-01', count: 1, sum: 1_000 },
      { day: '2026-05-02', count: 3, sum: 537 },
    ]);
  });

  it('ingests a year of minute heart rate (525,600 readings) in one call, with hourly rollups to match', { timeout: 600_000 }, async () => {
    const u = await connectedUser();
    const start = Date.parse('2025-01-01T00:00:00Z');
    const year: ReadingInput[] = Array.from({ length: 525_600 }, (_, i) => ({
      type: 'heart_rate', ts: new Date(start + i * 60_000), value: 50 + (i % 60), sourceReadingId: `hr-${i}`,
    }));
    expect(await ingestReadings(u.app.owner, u.target, year)).toEqual({ count: 525_600, inserted: 525_600, updated: 0, unchanged: 0 });
    const totals = await getDb().execute<{ readings: number; hours: number; counted: number; summed: number }>(sql`
      SELECT (SELECT count(*)::int FROM readings WHERE connection_id = ${u.connectionId}) AS readings,
             count(*)::int AS hours, sum(count)::int AS counted, sum(sum)::float8 AS summed
      FROM reading_rollups WHERE connection_id = ${u.connectionId}`);
    // Every hour holds minutes 0..59, so values 50..109: count 60, sum 4,770.
    expect(totals.rows[0]).toEqual({ readings: 525_600, hours: 8_760, counted: 525_600, summed: 8_760 * 4_770 });
  });
});
