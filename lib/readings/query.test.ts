// The Data API's services below HTTP: who may call them, daily summaries against the charts' own
// daily totals, summaries paged across sparse years, and the plans of every statement: the chart
// index (user_id, type, ts) or the rollup index, read no further than the page needs, whether or
// not the tables have statistics (the embedded engine never runs ANALYZE by itself).
import { randomBytes } from 'node:crypto';
import { eq, sql, type SQL } from 'drizzle-orm';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { operator, type EndUserCaller } from '../auth/caller';
import { getDb } from '../db/client';
import { users } from '../db/schema';
import { connectSource } from '../sources/connections';
import { createTestApp, type TestApp } from '../testing/fixtures';
import { createUser } from '../users/users';
import { ingestReadings, type ReadingInput } from './ingest';
import { latestReadings, latestSql, listReadings, liveConnections, profileOf, readingsPageQuery, withOrderedIndexScan, getReading } from './query';
import { dailyTotals } from './series';
import { ACTIVITY_TYPES, activitySummaries, rollupDaysSql, sleepSummaries, summariesSql, type SummaryCursor } from './summaries';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

async function endUser(app: TestApp): Promise<EndUserCaller> {
  const { user } = await createUser(app.owner, app.clientId, { externalId: `ext-${randomBytes(4).toString('hex')}` });
  const [row] = await getDb().select({ id: users.id, appId: users.appId }).from(users).where(eq(users.humanId, user.humanId));
  return { kind: 'end-user', via: 'access-token', appId: row!.appId, clientId: app.clientId, userId: row!.id, humanId: user.humanId };
}

async function connectAndIngest(app: TestApp, caller: EndUserCaller, sourceId: string, readings: ReadingInput[]) {
  const connectionId = await connectSource(operator, app.clientId, caller.humanId, sourceId);
  await ingestReadings(operator, { clientId: app.clientId, connectionId }, readings);
  return connectionId;
}

describe(`Data API services on ${inject('databaseKind')}`, () => {
  it("refuses every caller but an end user: an app's key, an account and the operator read nobody's data this way", async () => {
    const app = await createTestApp();
    const appCaller = { kind: 'app', appId: 1, clientId: app.clientId, appName: 'x', keyId: 1, keyPrefix: 'whk_x' } as const;
    for (const caller of [operator, app.owner, appCaller]) {
      await expect(listReadings(caller, 'steps', { limit: 10 })).rejects.toMatchObject({ kind: 'forbidden' });
      await expect(latestReadings(caller)).rejects.toMatchObject({ kind: 'forbidden' });
      await expect(getReading(caller, 'steps', '1')).rejects.toMatchObject({ kind: 'forbidden' });
      await expect(profileOf(caller)).rejects.toMatchObject({ kind: 'forbidden' });
      await expect(activitySummaries(caller, { limit: 10 })).rejects.toMatchObject({ kind: 'forbidden' });
      await expect(liveConnections(caller)).rejects.toMatchObject({ kind: 'forbidden' });
    }
  });

  it("gives each day's steps as the charts' daily totals do, and pages a week at a time through two months", async () => {
    const app = await createTestApp();
    const me = await endUser(app);
    const start = Date.parse('2026-08-01T00:00:00Z');
    const readings: ReadingInput[] = [];
    for (let h = 0; h < 60 * 24; h += 1) {
      readings.push({ type: 'steps', ts: new Date(start + h * HOUR_MS + 17 * 60_000), tzOffsetMinutes: -420, value: (h * 37) % 500, sourceReadingId: `s${h}` });
    }
    await connectAndIngest(app, me, 'fitbit', readings);

    const pages: string[][] = [];
    const all: { date: string; steps: number | null }[] = [];
    let before: SummaryCursor | undefined;
    for (;;) {
      const page = await activitySummaries(me, { limit: 7, before });
      pages.push(page.summaries.map((s) => s.date));
      all.push(...page.summaries);
      if (!page.hasMore) break;
      before = page.cursors.at(-1);
    }
    // 60 UTC days at -07:00 touch 61 local days.
    expect(all).toHaveLength(61);
    expect(pages).toHaveLength(9);
    expect(new Set(all.map((s) => s.date)).size).toBe(61);
    const totals = await dailyTotals(operator, { clientId: app.clientId, humanId: me.humanId }, { type: 'steps', from: '2026-07-01', to: '2026-10-31' });
    expect(all.map((s) => [s.date, s.steps]).reverse()).toEqual(totals.map((t) => [t.day, t.sum]));
  });

  it('finds summaries years apart, newest first, and pages back and forth between them', async () => {
    const app = await createTestApp();
    const me = await endUser(app);
    const days = ['2023-03-04', '2024-07-19', '2026-10-01'];
    await connectAndIngest(app, me, 'fitbit', days.flatMap((day, i) => [
      { type: 'sleep', ts: new Date(`${day}T23:30:00Z`), value: 400 + i, sourceReadingId: `n${i}` },
      { type: 'steps', ts: new Date(`${day}T12:00:00Z`), value: 1000 + i, sourceReadingId: `s${i}` },
    ] as ReadingInput[]));

    const first = await activitySummaries(me, { limit: 2 });
    expect(first.summaries.map((s) => [s.date, s.steps])).toEqual([['2026-10-01', 1002], ['2024-07-19', 1001]]);
    expect(first.hasMore).toBe(true);
    const second = await activitySummaries(me, { limit: 2, before: first.cursors[1] });
    expect(second.summaries.map((s) => s.date)).toEqual(['2023-03-04']);
    expect(second.hasMore).toBe(false);
    const back = await activitySummaries(me, { limit: 1, after: second.cursors[0] });
    expect(back.summaries.map((s) => s.date)).toEqual(['2024-07-19']);
    expect(back.hasMore).toBe(true);

    // Sleep from 23:30 names the night by the next day.
    const nights = await sleepSummaries(me, { limit: 10 });
    expect(nights.summaries.map((s) => [s.date, s.timeAsleep])).toEqual([['2026-10-02', 402], ['2024-07-20', 401], ['2023-03-05', 400]]);
    expect((await sleepSummaries(me, { limit: 10, startDate: '2024-01-01', endDate: '2024-12-31' })).summaries.map((s) => s.date)).toEqual(['2024-07-20']);
  });

  describe('plans', () => {
    let me: EndUserCaller;
    let connectionIds: number[];
    const base = Date.parse('2026-09-01T00:00:00Z');
    const MINUTES = 6_000;

    beforeAll(async () => {
      const app = await createTestApp();
      me = await endUser(app);
      const neighbour = await endUser(app);
      const minutes = (n: number, prefix: string): ReadingInput[] =>
        Array.from({ length: n }, (_, i) => ({ type: 'heart_rate', ts: new Date(base + i * 60_000), value: 60 + (i % 30), sourceReadingId: `${prefix}${i}` }));
      const hours = (n: number): ReadingInput[] =>
        Array.from({ length: n }, (_, i) => ({ type: 'steps', ts: new Date(base - 60 * DAY_MS + i * HOUR_MS), value: 100, sourceReadingId: `s${i}` }));
      await connectAndIngest(app, me, 'fitbit', [...minutes(MINUTES, 'h'), ...hours(90 * 24)]);
      await connectAndIngest(app, neighbour, 'fitbit', [...minutes(2_000, 'n'), ...hours(24)]);
      connectionIds = [...(await liveConnections(me)).keys()];
    }, 180_000);

    type Node = { 'Node Type': string; 'Index Name'?: string; 'Actual Rows': number; Plans?: Node[] };
    async function plan(statement: SQL, ordered: boolean): Promise<Node[]> {
      const explain = sql`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`;
      const result = ordered
        ? await withOrderedIndexScan((tx) => tx.execute<{ 'QUERY PLAN': unknown }>(explain))
        : await getDb().execute<{ 'QUERY PLAN': unknown }>(explain);
      const raw = result.rows[0]!['QUERY PLAN'];
      const root = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: Node }[];
      const nodes: Node[] = [];
      const walk = (node: Node) => {
        nodes.push(node);
        node.Plans?.forEach(walk);
      };
      walk(root[0]!.Plan);
      return nodes;
    }
    const scans = (nodes: Node[]) => nodes.filter((n) => /Scan/.test(n['Node Type']) && n['Node Type'] !== 'Function Scan');

    const page = (query: Parameters<typeof readingsPageQuery>[4]) => readingsPageQuery(getDb(), me, 'heart_rate', connectionIds, query).getSQL();
    const deep = { ts: new Date(base + 500 * 60_000), id: Number.MAX_SAFE_INTEGER };

    for (const analyzed of [false, true]) {
      const stats = analyzed ? 'with statistics' : 'without statistics';

      it(`reads a page of readings from the chart index, no further than the page, at any depth and with any filter (${stats})`, async () => {
        if (analyzed) await getDb().execute(sql`ANALYZE readings`);
        // limit + 1 rows for the page and whether more follow, + 1 that closes the incremental sort's last group.
        const cases: [string, SQL, number][] = [
          ['first page', page({ limit: 50 }), 52],
          ['deep page', page({ limit: 50, before: deep }), 52],
          ['page back', page({ limit: 50, after: deep }), 53],
          ['local days', page({ limit: 50, startDate: '2026-09-02', endDate: '2026-09-03' }), 52],
          ['start day only', page({ limit: 50, startDate: '2026-09-01' }), 52],
          ['created since long ago', page({ limit: 50, createdSince: new Date('2020-01-01T00:00:00Z') }), 52],
          // Nothing matches: the whole of this user's heart rate is read (see the report: an index
          // on created_at would be needed to avoid that), but never another user's rows.
          ['created since now', page({ limit: 50, createdSince: new Date(Date.now() + DAY_MS) }), MINUTES],
        ];
        for (const [name, statement, maxRows] of cases) {
          const nodes = scans(await plan(statement, true));
          expect(nodes.map((n) => `${n['Node Type']} ${n['Index Name']}`), name).toEqual([expect.stringMatching(/^Index Scan( Backward)? readings_user_id_type_ts_idx$/)]);
          expect(nodes[0]!['Actual Rows'], name).toBeLessThanOrEqual(maxRows);
        }
      });

      it(`finds the latest reading of each type with one index probe per type (${stats})`, async () => {
        const nodes = scans(await plan(latestSql(me.userId, connectionIds), true));
        expect(nodes.map((n) => n['Index Name'])).toEqual(['readings_user_id_type_ts_idx']);
        expect(nodes[0]!['Actual Rows']).toBeLessThanOrEqual(1);
      });

      it(`reads summaries from the rollup index within the window of days asked (${stats})`, async () => {
        if (analyzed) await getDb().execute(sql`ANALYZE reading_rollups`);
        const window = { first: '2026-08-20', last: '2026-08-31' };
        const nodes = scans(await plan(summariesSql(me.userId, ACTIVITY_TYPES, 0, connectionIds, { limit: 50 }, window), false));
        expect(nodes.every((n) => n['Node Type'] !== 'Seq Scan' && (n['Index Name'] === undefined || n['Index Name'] === 'reading_rollups_user_id_type_bucket_idx'))).toBe(true);
        // 12 days of hourly steps, plus the margin either side for UTC offsets: not the 90 days stored.
        expect(Math.max(...nodes.map((n) => n['Actual Rows']))).toBeLessThanOrEqual(16 * 24);
        const span = scans(await plan(rollupDaysSql(me.userId, ACTIVITY_TYPES), false));
        expect(span.every((n) => n['Index Name'] === 'reading_rollups_user_id_type_bucket_idx' && n['Actual Rows'] <= 1)).toBe(true);
      });
    }
  });
});
