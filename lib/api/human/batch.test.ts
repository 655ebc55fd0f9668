// The batch endpoints over real HTTP with an App Key: every reading of the window exactly once when
// the Link header is followed to the end, only the app's live users and live sources, the window's
// limits, and nothing for another app's key.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { operator } from '../../auth/caller';
import { getDb } from '../../db/client';
import { nextUsersStatement, restOfUserStatement } from '../../readings/batch';
import { ingestReadings, type ReadingInput } from '../../readings/ingest';
import { withOrderedIndexScan } from '../../readings/query';
import { connectSource, disconnectSource } from '../../sources/connections';
import { basicAuth, startApi, type RunningApi } from '../../testing/api';
import { createTestApp, type TestApp } from '../../testing/fixtures';
import { createUser, deleteUser } from '../../users/users';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

type Record = { id: string; humanId: string; value?: number; systolic?: number; unit: string; source: string; updatedAt: string };

const DAY = 86_400_000;
const compact = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

function get(app: TestApp, path: string, key = app.appKey) {
  return fetch(path.startsWith('http') ? path : `${api.baseUrl}/v1/apps/${app.clientId}/users/${path}`, { headers: { Authorization: basicAuth(key) } });
}

/** Every page from `path` on, following rel="next"; the records and how many pages it took. */
async function readAll(app: TestApp, path: string, key = app.appKey): Promise<{ records: Record[]; pages: number }> {
  const records: Record[] = [];
  let next: string | null = path;
  let pages = 0;
  while (next) {
    const response = await get(app, next, key);
    const body = await response.json();
    expect(response.status, JSON.stringify(body)).toBe(200);
    records.push(...(body as Record[]));
    pages++;
    next = response.headers.get('link')?.match(/^<([^>]+)>; rel="next"$/)?.[1] ?? null;
    expect(pages).toBeLessThan(100);
  }
  return { records, pages };
}

async function userWith(app: TestApp, sourceId: string, readings: ReadingInput[]) {
  const { user } = await createUser(app.owner, app.clientId, { externalId: `ext-${randomBytes(4).toString('hex')}` });
  const connectionId = await connectSource(operator, app.clientId, user.humanId, sourceId);
  if (readings.length) await ingestReadings(operator, { clientId: app.clientId, connectionId }, readings);
  return { humanId: user.humanId, connectionId };
}

const heartRates = (prefix: string, count: number, start = Date.parse('2026-11-01T00:00:00Z')): ReadingInput[] =>
  Array.from({ length: count }, (_, i) => ({ type: 'heart_rate', ts: new Date(start + i * 60_000), value: 60 + i, sourceReadingId: `${prefix}-${i}` }));

describe(`batch endpoints on ${inject('databaseKind')}`, () => {
  it('covers every reading of the window exactly once when the Link header is followed, each with its humanId', async () => {
    const app = await createTestApp();
    const since = new Date(Date.now() - DAY);
    const a = await userWith(app, 'demo-tracker', heartRates('a', 7));
    const b = await userWith(app, 'demo-tracker', heartRates('b', 1));
    const c = await userWith(app, 'demo-cuff', [...heartRates('c', 4), { type: 'blood_pressure', ts: new Date('2026-11-01T08:00:00Z'), value: 120, value2: 80, sourceReadingId: 'bp' }]);
    await userWith(app, 'demo-tracker', []);
    // A second source of user a, and readings changed long ago, outside the window.
    const aCuff = await connectSource(operator, app.clientId, a.humanId, 'demo-cuff');
    await ingestReadings(operator, { clientId: app.clientId, connectionId: aCuff }, heartRates('a-cuff', 3, Date.parse('2026-10-01T00:00:00Z')));
    const old = await userWith(app, 'demo-tracker', heartRates('old', 2));
    await getDb().execute(sql`UPDATE readings SET updated_at = now() - interval '40 days' WHERE connection_id = ${old.connectionId}`);

    const expected = await getDb().execute<{ id: string; human_id: string }>(sql`
      SELECT r.id::text AS id, u.human_id FROM readings r JOIN users u ON u.id = r.user_id
      WHERE u.human_id IN (${a.humanId}, ${b.humanId}, ${c.humanId}) AND r.type = 'heart_rate'`);
    expect(expected.rows).toHaveLength(15);

    const { records, pages } = await readAll(app, `heart_rates?updated_since=${compact(since)}&limit=4`);
    expect(pages).toBe(4);
    expect(records.map((r) => r.id).sort()).toEqual(expected.rows.map((r) => r.id).sort());
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    const ownerOf = new Map(expected.rows.map((r) => [r.id, r.human_id]));
    for (const record of records) expect(record.humanId).toBe(ownerOf.get(record.id));
    // User by user, in humanId order.
    const humanIds = records.map((r) => r.humanId);
    expect(humanIds).toEqual([...humanIds].sort());
    expect(records[0]).toMatchObject({ unit: 'bpm', source: expect.stringMatching(/^demo-/) });

    // The same in one page; and blood pressures on their own endpoint.
    expect((await readAll(app, `heart_rates?updated_since=${compact(since)}&limit=1000`)).records.map((r) => r.id)).toEqual(records.map((r) => r.id));
    const pressures = await readAll(app, `blood_pressures?updated_since=${compact(since)}`);
    expect(pressures.records.map((r) => [r.humanId, r.systolic])).toEqual([[c.humanId, 120]]);
    // activities reads our activity readings (none here), not heart rate.
    expect((await readAll(app, `activities?updated_since=${compact(since)}`)).records).toEqual([]);
  });

  it('leaves out deleted users and disconnected sources', async () => {
    const app = await createTestApp();
    const since = new Date(Date.now() - DAY);
    const kept = await userWith(app, 'demo-tracker', heartRates('k', 3));
    const deleted = await userWith(app, 'demo-tracker', heartRates('d', 3));
    const unlinked = await userWith(app, 'demo-tracker', heartRates('u', 3));
    await deleteUser(app.owner, app.clientId, deleted.humanId);
    await disconnectSource(app.owner, app.clientId, unlinked.humanId, 'demo-tracker');
    const { records } = await readAll(app, `heart_rates?updated_since=${compact(since)}`);
    expect(records.map((r) => r.humanId)).toEqual([kept.humanId, kept.humanId, kept.humanId]);
  });

  it('refuses a window over 31 days, a missing or reversed one and a bad cursor with 400', async () => {
    const app = await createTestApp();
    const now = Date.now();
    const cases = [
      `heart_rates?updated_since=${compact(new Date(now - 32 * DAY))}`,
      `heart_rates?updated_since=20260101T000000Z&updated_until=20260210T000000Z`,
      `heart_rates?updated_since=20260201T000000Z&updated_until=20260101T000000Z`,
      'heart_rates',
      'weights?updated_since=yesterday',
      `weights?updated_since=${compact(new Date(now - DAY))}&after=nonsense`,
      `weights?updated_since=${compact(new Date(now - DAY))}&limit=1001`,
    ];
    for (const path of cases) {
      const response = await get(app, path);
      expect(response.status, path).toBe(400);
      expect(await response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
    }
    // A 31-day window is fine.
    expect((await get(app, `weights?updated_since=${compact(new Date(now - 31 * DAY + 60_000))}`)).status).toBe(200);
  });

  it("shows another app's key nothing of this app", async () => {
    const app = await createTestApp();
    const other = await createTestApp();
    await userWith(app, 'demo-tracker', heartRates('x', 3));
    const since = compact(new Date(Date.now() - DAY));
    const refused = await get(app, `heart_rates?updated_since=${since}`, other.appKey);
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).not.toContain('bpm');
    // On its own clientId, the other app sees its own users only: none with readings.
    const own = await fetch(`${api.baseUrl}/v1/apps/${other.clientId}/users/heart_rates?updated_since=${since}`, { headers: { Authorization: basicAuth(other.appKey) } });
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual([]);
    const unknownKey = await get(app, `heart_rates?updated_since=${since}`, `whk_${'A'.repeat(32)}`);
    expect(unknownKey.status).toBe(401);
  });

  it("reads a page through the batch index, one range per user, and rollups and charts keep the chart index", async () => {
    const app = await createTestApp();
    const user = await userWith(app, 'demo-tracker', heartRates('p', 2_000));
    const [{ app_id: appId }] = (await getDb().execute<{ app_id: number }>(sql`SELECT app_id::int FROM users WHERE human_id = ${user.humanId}`)).rows as [{ app_id: number }];
    const window = { appId: Number(appId), type: 'heart_rate' as const, since: new Date(Date.now() - DAY).toISOString(), until: new Date().toISOString() };
    const explain = (statement: ReturnType<typeof nextUsersStatement>) =>
      withOrderedIndexScan(async (tx) => (await tx.execute<{ 'QUERY PLAN': string }>(sql`EXPLAIN ${statement}`)).rows.map((r) => r['QUERY PLAN']).join('\n'));
    for (const plan of [
      await explain(nextUsersStatement(window, undefined, 101)),
      await explain(restOfUserStatement(window, { humanId: user.humanId, updatedAt: '2026-01-01T00:00:00.000000Z', id: '1' }, 101)),
    ]) {
      // The cut at the page size (the inner Limit) sits on the index range itself: nothing is read or
      // sorted beyond a page per user; only the kept rows are then ordered by user.
      const inner = plan.slice(plan.lastIndexOf('->  Limit'));
      expect(inner).toContain('Index Scan using readings_user_id_type_updated_at_id_idx');
      expect(inner).not.toMatch(/Sort|Seq Scan/);
    }
    // A rollup hour of the same user (as lib/readings/rollups.ts reads it) stays on the chart index.
    const rollupHour = await withOrderedIndexScan(async (tx) => (await tx.execute<{ 'QUERY PLAN': string }>(sql`
      EXPLAIN SELECT count(*) FROM readings r WHERE r.user_id = (SELECT id FROM users WHERE human_id = ${user.humanId})
        AND r.type = 'heart_rate' AND r.ts >= '2026-11-01T01:00:00Z' AND r.ts < '2026-11-01T02:00:00Z'`)).rows.map((r) => r['QUERY PLAN']).join('\n'));
    expect(rollupHour).toContain('readings_user_id_type_ts_idx');
  });
});
