import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getDb, getPool } from '../db/client';
import { startJobs, stopJobs, unfinishedJobs } from '../jobs/queue';
import type { ReadingInput } from '../readings/ingest';
import { createTestApp, createTestUsers, endUserCaller as endUser } from '../testing/fixtures';
import { purgeAll } from '../users/purge';
import { connectSource, disconnectSource, listConnections, requestSync } from './connections';
import { ProviderAuthorizationError, ProviderRateLimitedError, type Connector, type SyncContext } from './connector';
import { registerConnector } from './connectors';
import { SYNC_OVERLAP_MS } from './demo/connector';
import { demoReadings, demoTimeZoneOffset, HISTORY_DAYS } from './demo/generator';
import { drainSyncQueue, queueMissingSyncs, startSyncWorkers, SYNC_INTERVAL_SECONDS, waitForSyncs } from './sync';

// This file's own pg-boss schema: its drains run only its own syncs, with its own clock.
const JOBS = { schema: 'pgboss_sync_test', pollIntervalMs: 100 };
beforeAll(async () => {
  await startJobs(JOBS);
});
afterAll(async () => {
  await stopJobs();
});

const DAY = 86_400_000;
const T0 = new Date('2026-06-10T15:42:00Z');
const clock = (at: Date) => () => at;


async function oneUser() {
  const app = await createTestApp();
  const [user] = await createTestUsers(app, 1);
  return { app, humanId: user!.humanId, me: await endUser(app, user!.humanId) };
}

type Stored = { type: string; sid: string; ts: string; value: number; value2: number | null; tz: number };
async function storedReadings(connectionId: number): Promise<Stored[]> {
  const result = await getDb().execute<Stored>(sql`
    SELECT type, source_reading_id AS sid, to_json(ts)#>>'{}' AS ts, value, value2, tz_offset_minutes AS tz
    FROM readings WHERE connection_id = ${connectionId} ORDER BY type, source_reading_id`);
  return result.rows.map((r) => ({ ...r, ts: new Date(r.ts).toISOString() }));
}
const expected = (humanId: string, sourceId: string, from: Date, to: Date): Stored[] =>
  demoReadings(humanId, sourceId, { from, to })
    .map((r) => ({ type: r.type, sid: r.sourceReadingId, ts: r.ts.toISOString(), value: r.value, value2: r.value2 ?? null, tz: r.tzOffsetMinutes ?? 0 }))
    .sort((a, b) => (a.type === b.type ? (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0) : a.type < b.type ? -1 : 1));

describe('the demo generator', () => {
  it('is a pure function of the user: the same user twice is identical, two users differ', () => {
    const window = { from: new Date(T0.getTime() - 3 * DAY), to: T0 };
    const a = demoReadings('0190a1b2c3d4aaaaaaaaaaaaaaaaaaaa', 'demo-tracker', window);
    expect(demoReadings('0190a1b2c3d4aaaaaaaaaaaaaaaaaaaa', 'demo-tracker', window)).toEqual(a);
    const b = demoReadings('0190a1b2c3d4bbbbbbbbbbbbbbbbbbbb', 'demo-tracker', window);
    const values = (rs: typeof a) => rs.filter((r) => r.type === 'heart_rate').map((r) => r.value);
    expect(values(b)).not.toEqual(values(a));
    // Windows that split a range give exactly the readings of the whole range.
    const mid = new Date(T0.getTime() - 1.3 * DAY);
    const split = [...demoReadings('0190a1b2c3d4aaaaaaaaaaaaaaaaaaaa', 'demo-tracker', { from: window.from, to: mid }),
      ...demoReadings('0190a1b2c3d4aaaaaaaaaaaaaaaaaaaa', 'demo-tracker', { from: mid, to: T0 })];
    expect(new Set(split.map((r) => `${r.type}:${r.sourceReadingId}`)).size).toBe(a.length);
    expect(split.length).toBe(a.length);
  });

  it('looks like a person: heart rate every five minutes, lower asleep, plausible values of every kind', () => {
    const humanId = '0190a1b2c3d4cccccccccccccccccccc';
    const window = { from: new Date(T0.getTime() - 14 * DAY), to: T0 };
    const tracker = demoReadings(humanId, 'demo-tracker', window);
    const hr = tracker.filter((r) => r.type === 'heart_rate');
    expect(hr).toHaveLength(14 * 288);
    expect(hr[1]!.ts.getTime() - hr[0]!.ts.getTime()).toBe(5 * 60_000);
    for (const r of hr) expect(r.value).toBeGreaterThanOrEqual(40), expect(r.value).toBeLessThanOrEqual(180);
    const tz = demoTimeZoneOffset(humanId);
    const localHour = (ts: Date) => new Date(ts.getTime() + tz * 60_000).getUTCHours();
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(avg(hr.filter((r) => localHour(r.ts) === 3).map((r) => r.value))).toBeLessThan(avg(hr.filter((r) => localHour(r.ts) === 12).map((r) => r.value)) - 8);
    for (const type of ['steps', 'sleep', 'blood_oxygen', 'calories', 'distance', 'activity']) {
      expect(tracker.filter((r) => r.type === type).length, type).toBeGreaterThanOrEqual(13);
    }
    for (const r of tracker.filter((x) => x.type === 'blood_oxygen')) expect(r.value).toBeGreaterThanOrEqual(94), expect(r.value).toBeLessThanOrEqual(100);
    for (const r of tracker.filter((x) => x.type === 'sleep')) expect(r.value).toBeGreaterThanOrEqual(360), expect(r.value).toBeLessThanOrEqual(510);
    // Daily totals start at local midnight.
    for (const r of tracker.filter((x) => x.type === 'steps')) expect(localHour(r.ts)).toBe(0);
    const weighIns = demoReadings(humanId, 'demo-scale', window).filter((r) => r.type === 'weight');
    expect(weighIns.length).toBeGreaterThanOrEqual(2);
    expect(weighIns.length).toBeLessThanOrEqual(5);
    const bp = demoReadings(humanId, 'demo-cuff', window).filter((r) => r.type === 'blood_pressure');
    expect(bp.length).toBeGreaterThan(14);
    for (const r of bp) expect(r.value).toBeGreaterThan(r.value2!);
    const glucose = demoReadings(humanId, 'demo-glucose', window);
    expect(glucose.length).toBeGreaterThanOrEqual(14 * 4 - 1);
    for (const r of glucose) expect(r.value).toBeGreaterThanOrEqual(70), expect(r.value).toBeLessThanOrEqual(220);
    // Nothing from the future.
    for (const r of [...tracker, ...bp, ...glucose, ...weighIns]) expect(r.ts.getTime()).toBeLessThanOrEqual(T0.getTime());
  });
});

describe(`syncing demo sources on ${inject('databaseKind')}`, () => {
  it('a first sync writes 90 days of history through ingest, with rollups, and keeps the connection current', { timeout: 180_000 }, async () => {
    const { app, humanId, me } = await oneUser();
    const id = await connectSource(me, app.clientId, humanId, 'demo-tracker');
    const began = performance.now();
    await waitForSyncs({ now: clock(T0) });
    const seconds = (performance.now() - began) / 1000;
    const stored = await storedReadings(id);
    console.log(`90-day tracker history on ${inject('databaseKind')}: ${stored.length} readings in ${seconds.toFixed(2)} s`);
    const historyFrom = new Date(T0.getTime() - HISTORY_DAYS * DAY);
    expect(stored).toEqual(expected(humanId, 'demo-tracker', historyFrom, T0));
    expect(stored.length).toBeGreaterThan(90 * 288);
    expect(new Set(stored.map((r) => r.type))).toEqual(new Set(['heart_rate', 'steps', 'distance', 'calories', 'activity', 'sleep', 'blood_oxygen']));

    const [connection] = await listConnections(me, app.clientId, humanId);
    expect(connection).toMatchObject({ status: 'connected', isSyncPending: false, lastError: null, historySyncedAt: T0, lastSyncAt: T0 });
    const times = stored.map((r) => Date.parse(r.ts));
    expect(connection!.oldestReadingAt!.getTime()).toBe(Math.min(...times));
    expect(connection!.newestReadingAt!.getTime()).toBe(Math.max(...times));
    expect(connection!.oldestReadingAt!.getTime()).toBeGreaterThanOrEqual(historyFrom.getTime() - DAY);
    const [rolled] = (await getDb().execute<{ n: number }>(sql`SELECT sum(count)::int AS n FROM reading_rollups WHERE connection_id = ${id}`)).rows;
    expect(rolled!.n).toBe(stored.length);
  });

  it('every demo source syncs its kinds of readings, blood oxygen included', { timeout: 120_000 }, async () => {
    const { app, humanId, me } = await oneUser();
    for (const source of ['demo-scale', 'demo-cuff', 'demo-glucose']) await connectSource(me, app.clientId, humanId, source);
    await waitForSyncs({ now: clock(T0) });
    const types = await getDb().execute<{ source_id: string; type: string }>(sql`
      SELECT DISTINCT c.source_id, r.type FROM readings r JOIN connections c ON c.id = r.connection_id
      JOIN users u ON u.id = c.user_id WHERE u.human_id = ${humanId} ORDER BY 1, 2`);
    expect(types.rows.map((r) => `${r.source_id}:${r.type}`)).toEqual([
      'demo-cuff:blood_pressure', 'demo-cuff:heart_rate', 'demo-glucose:blood_glucose', 'demo-scale:bmi', 'demo-scale:body_fat', 'demo-scale:weight',
    ]);
    expect((await listConnections(me, app.clientId, humanId)).every((c) => c.historySyncedAt !== null && c.status === 'connected')).toBe(true);
  });

  it('a later sync ("sync now") adds only the readings since the last one, up to now', { timeout: 180_000 }, async () => {
    // The glucose meter: a few readings a day, so its 90-day history is quick to write (the
    // tracker's, 26,000 readings, has its own test above).
    const { app, humanId, me } = await oneUser();
    const id = await connectSource(me, app.clientId, humanId, 'demo-glucose');
    await waitForSyncs({ now: clock(T0) });
    const first = await storedReadings(id);
    const [before] = await listConnections(me, app.clientId, humanId);

    const T1 = new Date(T0.getTime() + 1.5 * DAY);
    expect(await drainSyncQueue({ now: clock(T1) })).toBe(0); // nothing asked for
    await requestSync(me, app.clientId, humanId, 'demo-glucose');
    expect((await listConnections(me, app.clientId, humanId))[0]!.isSyncPending).toBe(true);
    await waitForSyncs({ now: clock(T1) });

    const second = await storedReadings(id);
    expect(second).toEqual(expected(humanId, 'demo-glucose', new Date(T0.getTime() - HISTORY_DAYS * DAY), T1));
    const firstIds = new Set(first.map((r) => `${r.type}:${r.sid}`));
    const added = second.filter((r) => !firstIds.has(`${r.type}:${r.sid}`));
    expect(added.length).toBeGreaterThanOrEqual(4);
    for (const r of added) expect(Date.parse(r.ts)).toBeGreaterThan(T0.getTime());
    // Readings already there are unchanged.
    const byId = new Map(second.map((r) => [`${r.type}:${r.sid}`, r]));
    for (const r of first) expect(byId.get(`${r.type}:${r.sid}`)).toEqual(r);

    const [after] = await listConnections(me, app.clientId, humanId);
    expect(after).toMatchObject({ status: 'connected', isSyncPending: false, lastSyncAt: T1, historySyncedAt: before!.historySyncedAt, oldestReadingAt: before!.oldestReadingAt });
    expect(after!.newestReadingAt!.getTime()).toBe(Math.max(...second.map((r) => Date.parse(r.ts))));
    expect(after!.newestReadingAt!.getTime()).toBeGreaterThan(before!.newestReadingAt!.getTime());
    expect(SYNC_OVERLAP_MS).toBeGreaterThan(0);
  });

  it('the queue survives a restart mid-backfill: the stopped run is handed back and the next start finishes it, nothing lost or doubled', { timeout: 180_000 }, async () => {
    const { app, humanId, me } = await oneUser();
    await startSyncWorkers({ now: clock(T0), queueMissing: false });
    const id = await connectSource(me, app.clientId, humanId, 'demo-tracker');
    const written = async () => (await getDb().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM readings WHERE connection_id = ${id}`)).rows[0]!.n;
    while ((await written()) < 4_000) await new Promise((resolve) => setTimeout(resolve, 5));
    await stopJobs(); // the server stops mid-backfill
    const partial = await written();
    const all = expected(humanId, 'demo-tracker', new Date(T0.getTime() - HISTORY_DAYS * DAY), T0);
    expect(partial).toBeLessThan(all.length);
    expect(await listConnections(me, app.clientId, humanId)).toMatchObject([{ status: 'connected', isSyncPending: true, historySyncedAt: null }]);
    const [handedBack] = await unfinishedJobs('sync-demo', { singletonKey: String(id) });
    expect(handedBack).toMatchObject({ state: 'retry', retryCount: 0 });
    expect(handedBack!.startAfter.getTime()).toBeLessThanOrEqual(Date.now());

    await startJobs(JOBS); // the next start
    await startSyncWorkers({ now: clock(T0), queueMissing: false });
    const deadline = Date.now() + 120_000;
    while ((await listConnections(me, app.clientId, humanId))[0]!.historySyncedAt === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await stopJobs();
    await startJobs(JOBS);
    expect(await storedReadings(id)).toEqual(all);
    expect(await listConnections(me, app.clientId, humanId)).toMatchObject([{ status: 'connected', isSyncPending: false, lastError: null, historySyncedAt: T0 }]);
  });

  it('a connection is synced once however often it is asked at once, and by however many workers', { timeout: 120_000 }, async () => {
    const { app, humanId, me } = await oneUser();
    const id = await connectSource(me, app.clientId, humanId, 'demo-glucose');
    await Promise.all(Array.from({ length: 10 }, () => requestSync(me, app.clientId, humanId, 'demo-glucose')));
    expect(await unfinishedJobs('sync-demo', { singletonKey: String(id) })).toHaveLength(1);
    const ran = await Promise.all([drainSyncQueue({ now: clock(T0) }), drainSyncQueue({ now: clock(T0) }), drainSyncQueue({ now: clock(T0) })]);
    expect(ran.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await storedReadings(id)).toEqual(expected(humanId, 'demo-glucose', new Date(T0.getTime() - HISTORY_DAYS * DAY), T0));
  });

  it('after a sync the next, incremental one is queued durably for the interval later', { timeout: 120_000 }, async () => {
    const { app, humanId, me } = await oneUser();
    const id = await connectSource(me, app.clientId, humanId, 'demo-scale');
    await waitForSyncs({ now: clock(T0) });
    const jobs = await unfinishedJobs('sync-demo', { singletonKey: String(id) });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.state).toBe('created');
    const inSeconds = (jobs[0]!.startAfter.getTime() - Date.now()) / 1000;
    expect(inSeconds).toBeGreaterThan(SYNC_INTERVAL_SECONDS - 60);
    expect(inSeconds).toBeLessThanOrEqual(SYNC_INTERVAL_SECONDS + 1);
    // Stored in the database: a restart (a new pg-boss over the same schema) still has it.
    await stopJobs();
    await startJobs(JOBS);
    expect(await unfinishedJobs('sync-demo', { singletonKey: String(id) })).toMatchObject([{ id: jobs[0]!.id, state: 'created' }]);
    expect(await drainSyncQueue({ now: clock(T0) })).toBe(0); // not due yet
  });

  it('on start, a connection without a queued sync gets one: due now when one was asked for, else at the interval', { timeout: 120_000 }, async () => {
    const { app, humanId, me } = await oneUser();
    const asked = await connectSource(me, app.clientId, humanId, 'demo-scale');
    const synced = await connectSource(me, app.clientId, humanId, 'demo-cuff');
    // As an installation upgraded from the row-based queue, or seeded, has them: no jobs at all.
    await getDb().execute(sql`UPDATE connections SET sync_requested_at = NULL, history_synced_at = now(), last_sync_at = now() WHERE id = ${synced}`);
    for (const id of [asked, synced]) await getPool().query(`DELETE FROM ${JOBS.schema}.job WHERE singleton_key = $1`, [String(id)]);
    expect(await queueMissingSyncs({ humanId })).toBe(2);
    expect(await queueMissingSyncs({ humanId })).toBe(0);
    const [now] = await unfinishedJobs('sync-demo', { singletonKey: String(asked) });
    expect(now!.startAfter.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    const [later] = await unfinishedJobs('sync-demo', { singletonKey: String(synced) });
    expect(later!.startAfter.getTime()).toBeGreaterThan(Date.now() + (SYNC_INTERVAL_SECONDS - 60) * 1000);
    expect(await drainSyncQueue({ now: clock(T0) })).toBe(1);
    expect((await listConnections(me, app.clientId, humanId)).find((c) => c.id === asked)).toMatchObject({ status: 'connected', historySyncedAt: T0 });
  });

  describe('with a connector registered by the test', () => {
    type Behaviour = (context: SyncContext, run: number) => Promise<void>;
    /** A test connector for a source without one ("withings"), on a queue of its own. */
    function testConnector(behaviour: Behaviour): { runs: () => number; unregister: () => void } {
      let runs = 0;
      const connector: Connector = { sync: (context) => behaviour(context, ++runs) };
      const unregister = registerConnector('withings', { connector, queue: 'sync-test', concurrency: 1 });
      return { runs: () => runs, unregister };
    }
    const weights = (context: SyncContext): ReadingInput[] => [1, 2, 3].map((day) => ({
      type: 'weight', sourceReadingId: `w-${day}`, ts: new Date(context.now.getTime() - day * DAY), value: 70 + day, unit: 'kg',
    }));

    it('a failing connector: the error in plain words, retried after a backoff, or at once on "sync now"', { timeout: 120_000 }, async () => {
      const { app, humanId, me } = await oneUser();
      const source = testConnector(async (context, run) => {
        if (run === 1) throw new Error('ECONNRESET 10.0.0.7:5432 internal detail');
        await context.write(weights(context));
      });
      try {
        const id = await connectSource(app.owner, app.clientId, humanId, 'withings');
        expect(await drainSyncQueue({ now: clock(T0) })).toBe(1);
        const [failed] = await listConnections(me, app.clientId, humanId);
        expect(failed).toMatchObject({ status: 'error', isSyncPending: true, historySyncedAt: null });
        expect(failed!.lastError).toMatch(/will be retried/);
        expect(failed!.lastError).not.toMatch(/ECONNRESET|10\.0\.0\.7/);
        const [retry] = await unfinishedJobs('sync-test', { singletonKey: String(id) });
        expect(retry!.state).toBe('retry');
        const seconds = (retry!.startAfter.getTime() - Date.now()) / 1000;
        expect(seconds).toBeGreaterThan(20);
        expect(seconds).toBeLessThanOrEqual(3_600);
        expect(await drainSyncQueue({ now: clock(T0) })).toBe(0); // backing off

        await requestSync(me, app.clientId, humanId, 'withings');
        expect(await drainSyncQueue({ now: clock(T0) })).toBe(1);
        expect(source.runs()).toBe(2);
        expect(await listConnections(me, app.clientId, humanId)).toMatchObject([{ status: 'connected', lastError: null, isSyncPending: false, historySyncedAt: T0 }]);
        expect(await storedReadings(id)).toHaveLength(3);
      } finally {
        source.unregister();
      }
    });

    it("a provider's 429 is retried after its Retry-After, without counting as a failure; a second run writes no duplicates", { timeout: 120_000 }, async () => {
      const { app, humanId, me } = await oneUser();
      const source = testConnector(async (context, run) => {
        await context.write(weights(context).slice(0, 2)); // a first page
        if (run === 1) throw new ProviderRateLimitedError(1_500);
        await context.write(weights(context));
      });
      try {
        const id = await connectSource(app.owner, app.clientId, humanId, 'withings');
        expect(await drainSyncQueue({ now: clock(T0) })).toBe(1);
        expect(await listConnections(me, app.clientId, humanId)).toMatchObject([{ status: 'connected', isSyncPending: true, lastError: null }]);
        const [later] = await unfinishedJobs('sync-test', { singletonKey: String(id) });
        expect(later).toMatchObject({ state: 'retry', retryCount: 0 });
        expect(later!.startAfter.getTime() - Date.now()).toBeGreaterThan(500);
        expect(later!.startAfter.getTime() - Date.now()).toBeLessThanOrEqual(1_600);
        expect(await drainSyncQueue({ now: clock(T0) })).toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 1_600));
        expect(await drainSyncQueue({ now: clock(T0) })).toBe(1);
        expect(source.runs()).toBe(2);
        expect(await storedReadings(id)).toHaveLength(3);
        expect(await listConnections(me, app.clientId, humanId)).toMatchObject([{ status: 'connected', isSyncPending: false, historySyncedAt: T0 }]);
      } finally {
        source.unregister();
      }
    });

    it('a refused grant: the connection shows the error and is not retried until it is connected again', { timeout: 120_000 }, async () => {
      const { app, humanId, me } = await oneUser();
      const source = testConnector(async (context, run) => {
        if (run === 1) throw new ProviderAuthorizationError();
        await context.write(weights(context));
      });
      try {
        const id = await connectSource(app.owner, app.clientId, humanId, 'withings', { token: 'first' });
        expect(await drainSyncQueue({ now: clock(T0) })).toBe(1);
        const [refused] = await listConnections(me, app.clientId, humanId);
        expect(refused).toMatchObject({ status: 'error', isSyncPending: false });
        expect(refused!.lastError).toMatch(/connect the source again/);
        expect(await unfinishedJobs('sync-test', { singletonKey: String(id) })).toEqual([]);
        expect(await drainSyncQueue({ now: clock(T0) })).toBe(0);

        await connectSource(app.owner, app.clientId, humanId, 'withings', { token: 'second' });
        expect(await drainSyncQueue({ now: clock(T0) })).toBe(1);
        expect(await listConnections(me, app.clientId, humanId)).toMatchObject([{ status: 'connected', lastError: null, historySyncedAt: T0 }]);
      } finally {
        source.unregister();
      }
    });

    it("a provider's concurrency limit holds across its connections, and other providers' syncs go on meanwhile", { timeout: 120_000 }, async () => {
      const app = await createTestApp();
      const people = await createTestUsers(app, 3);
      let running = 0;
      let most = 0;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const source = testConnector(async (context) => {
        running++;
        most = Math.max(most, running);
        await gate;
        await context.write(weights(context));
        running--;
      });
      try {
        await startSyncWorkers({ now: clock(T0), queueMissing: false });
        for (const person of people.slice(0, 2)) await connectSource(app.owner, app.clientId, person.humanId, 'withings');
        const demoUser = people[2]!.humanId;
        await connectSource(app.owner, app.clientId, demoUser, 'demo-glucose');
        const deadline = Date.now() + 60_000;
        const synced = async (humanId: string) => (await listConnections(app.owner, app.clientId, humanId)).every((c) => c.historySyncedAt !== null);
        while (!(await synced(demoUser)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(await synced(demoUser)).toBe(true);
        // The demo sync ran while the first withings sync held the provider's one slot; the second waits.
        expect(source.runs()).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(source.runs()).toBe(1);
        release();
        while (!(await synced(people[0]!.humanId) && await synced(people[1]!.humanId)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(source.runs()).toBe(2);
        expect(most).toBe(1);
      } finally {
        release();
        await stopJobs();
        await startJobs(JOBS);
        source.unregister();
      }
    });
  });

  it('"sync now" while a sync runs runs it once more afterwards', { timeout: 180_000 }, async () => {
    const { app, humanId, me } = await oneUser();
    await connectSource(me, app.clientId, humanId, 'demo-tracker');
    const running = drainSyncQueue({ now: clock(T0) });
    while ((await listConnections(me, app.clientId, humanId))[0]!.status !== 'syncing') await new Promise((resolve) => setTimeout(resolve, 5));
    await requestSync(me, app.clientId, humanId, 'demo-tracker');
    expect(await running).toBe(2); // the run, then once more
    expect(await listConnections(me, app.clientId, humanId)).toMatchObject([{ status: 'connected', isSyncPending: false, historySyncedAt: T0 }]);
    expect(await drainSyncQueue({ now: clock(T0) })).toBe(0);
  });

  it('disconnecting during a sync stops it; reconnecting later writes a fresh history without the old rows', { timeout: 180_000 }, async () => {
    const { app, humanId, me } = await oneUser();
    const id = await connectSource(me, app.clientId, humanId, 'demo-tracker');
    const running = drainSyncQueue({ now: clock(T0) });
    const written = async () => (await getDb().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM readings WHERE connection_id = ${id}`)).rows[0]!.n;
    while ((await written()) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await disconnectSource(me, app.clientId, humanId, 'demo-tracker');
    expect(await listConnections(me, app.clientId, humanId)).toEqual([]);
    expect(await running).toBe(1);
    const left = await written();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(expected(humanId, 'demo-tracker', new Date(T0.getTime() - HISTORY_DAYS * DAY), T0).length);
    expect(await drainSyncQueue({ now: clock(T0) })).toBe(0);
    expect(await unfinishedJobs('sync-demo', { singletonKey: String(id) })).toEqual([]);

    // Reconnected 200 days later, before the purger got to the old rows.
    const later = new Date(T0.getTime() + 200 * DAY);
    expect(await connectSource(me, app.clientId, humanId, 'demo-tracker')).toBe(id);
    await waitForSyncs({ now: clock(later) });
    expect(await storedReadings(id)).toEqual(expected(humanId, 'demo-tracker', new Date(later.getTime() - HISTORY_DAYS * DAY), later));
    const [rolled] = (await getDb().execute<{ n: number }>(sql`SELECT sum(count)::int AS n FROM reading_rollups WHERE connection_id = ${id}`)).rows;
    expect(rolled!.n).toBe((await storedReadings(id)).length);
    await purgeAll();
    expect((await storedReadings(id)).length).toBeGreaterThan(90 * 288);
  });
});
