// The Data API over real HTTP, as an app (or the user's own device) reads one user's data with that
// user's token: every endpoint's shape, filters, paging through Link to the end and back, what a
// token may not see, which tokens are refused, and that the token never reaches a log line.
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { operator } from '../../auth/caller';
import { issueSecret } from '../../auth/secrets';
import { getDb } from '../../db/client';
import { connections, connectSessions, users } from '../../db/schema';
import { log, requestLog } from '../../log';
import { ingestReadings, type ReadingInput } from '../../readings/ingest';
import { connectSource } from '../../sources/connections';
import { attemptLimiter, inProcessLimiter } from '../rate-limit';
import { startApi, type RunningApi } from '../../testing/api';
import { createTestApp, type TestApp } from '../../testing/fixtures';
import { createUser, deleteUser, revealTokens } from '../../users/users';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

type TestUser = { app: TestApp; humanId: string; token: string };

async function newUser(app?: TestApp): Promise<TestUser> {
  const owner = app ?? (await createTestApp());
  const { user } = await createUser(owner.owner, owner.clientId, { externalId: `ext-${randomBytes(4).toString('hex')}`, email: 'someone@example.test' });
  const { accessToken } = await revealTokens(owner.owner, owner.clientId, user.humanId);
  return { app: owner, humanId: user.humanId, token: accessToken };
}

async function connect(user: TestUser, sourceId: string): Promise<number> {
  return connectSource(operator, user.app.clientId, user.humanId, sourceId);
}

async function ingest(user: TestUser, connectionId: number, readings: ReadingInput[]) {
  await ingestReadings(operator, { clientId: user.app.clientId, connectionId }, readings);
}

function get(path: string, token?: string | null, headers: Record<string, string> = {}) {
  return fetch(`${api.baseUrl}${path}`, { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } });
}

async function getJson<T = unknown>(path: string, token: string): Promise<T> {
  const response = await get(path, token);
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  return (await response.json()) as T;
}

async function expectError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { statusCode: number; error: string; message: string };
  expect(body).toEqual({ statusCode: status, error, message: expect.any(String) });
  expect(body.message.length).toBeGreaterThan(10);
  return body;
}

/** The `Link` header as { rel: path } (paths on this server). */
function links(response: Response): Record<string, string> {
  const header = response.headers.get('link');
  if (!header) return {};
  return Object.fromEntries(header.split(/,\s*(?=<)/).map((part) => {
    const match = part.match(/^<([^>]+)>;\s*rel="(\w+)"$/);
    expect(match, part).not.toBeNull();
    expect(match![1]!.startsWith(`${api.baseUrl}/v1/human/`)).toBe(true);
    return [match![2]!, match![1]!.slice(api.baseUrl.length)];
  }));
}

type HumanReading = Record<string, unknown> & { id: string; timestamp: string };
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const hour = (n: number) => n * 3_600_000;
const BASE = Date.parse('2026-10-01T00:00:00Z');

describe(`the Data API on ${inject('databaseKind')}`, () => {
  describe('authentication', () => {
    it('answers 401 with a Bearer challenge to a missing, malformed, unknown or App Key credential', async () => {
      const user = await newUser();
      const attempts: (Record<string, string>)[] = [
        {},
        { Authorization: 'Bearer' },
        { Authorization: `Basic ${Buffer.from(`${user.token}:`).toString('base64')}` },
        { Authorization: `Bearer wha_${'A'.repeat(32)}` },
        { Authorization: `Bearer whc_${'A'.repeat(32)}` },
        { Authorization: `Bearer ${user.app.appKey}` },
      ];
      for (const headers of attempts) {
        const response = await get('/v1/human/heart_rate/readings', null, headers);
        expect(response.headers.get('www-authenticate'), JSON.stringify(headers)).toBe('Bearer realm="Wearhouse"');
        await expectError(response, 401, 'Unauthorized');
      }
    });

    it("accepts ?access_token= for old clients, and the token appears in no log line and no Link", async () => {
      const user = await newUser();
      const connectionId = await connect(user, 'withings');
      await ingest(user, connectionId, [1, 2, 3].map((i) => ({ type: 'weight', ts: new Date(BASE + hour(i)), value: 70 + i, sourceReadingId: `w${i}` })));

      const lines: string[] = [];
      const stream = (log as unknown as Record<symbol, { write(chunk: string): boolean }>)[pino.symbols.streamSym]!;
      const write = stream.write;
      const [logLevel, requestLevel] = [log.level, requestLog.level];
      stream.write = function (chunk: string) {
        lines.push(String(chunk));
        return write.call(this, chunk);
      };
      log.level = 'debug';
      requestLog.level = 'debug';
      try {
        const response = await get(`/v1/human/weight/readings?limit=1&access_token=${user.token}`);
        expect(response.status).toBe(200);
        expect(((await response.json()) as HumanReading[]).map((r) => r.value)).toEqual([73]);
        expect(links(response).next).toMatch(/before=/);
        expect(response.headers.get('link')).not.toContain(user.token);
        expect(response.headers.get('link')).not.toContain('access_token');
        await expectError(await get(`/v1/human/weight/readings?access_token=wha_${'B'.repeat(32)}`), 401, 'Unauthorized');
        await expectError(await get(`/v1/human/nonsense?access_token=${user.token}`), 404, 'Not Found');
        await expectError(await get(`/v1/human/weight/readings?limit=0&access_token=${user.token}`), 400, 'Bad Request');
      } finally {
        stream.write = write;
        log.level = logLevel;
        requestLog.level = requestLevel;
      }
      // The request log names the route pattern, never the path or its query string.
      expect(lines.filter((line) => line.includes('"route":"/v1/human/:type/readings"')).length).toBeGreaterThanOrEqual(2);
      for (const line of lines) {
        expect(line).not.toContain(user.token);
        expect(line).not.toContain('B'.repeat(32));
        expect(line).not.toContain('access_token');
      }
    });

    it('answers 401 once the user is deleted', async () => {
      const user = await newUser();
      expect((await get('/v1/human/profile', user.token)).status).toBe(200);
      await deleteUser(user.app.owner, user.app.clientId, user.humanId);
      await expectError(await get('/v1/human/profile', user.token), 401, 'Unauthorized');
      await expectError(await get('/v1/human/heart_rate/readings', user.token), 401, 'Unauthorized');
    });

    it('accepts a short-lived access token until it expires', async () => {
      const user = await newUser();
      const [row] = await getDb().select({ id: users.id, appId: users.appId }).from(users).where(eq(users.humanId, user.humanId));
      const live = issueSecret('connectToken');
      const expired = issueSecret('connectToken');
      await getDb().insert(connectSessions).values([
        { kind: 'access', tokenHash: live.hash, appId: row!.appId, userId: row!.id, expiresAt: new Date(Date.now() + 600_000) },
        { kind: 'access', tokenHash: expired.hash, appId: row!.appId, userId: row!.id, expiresAt: new Date(Date.now() - 1_000) },
      ]);
      const profile = await getJson<{ humanId: string }>('/v1/human/profile', live.value);
      expect(profile.humanId).toBe(user.humanId);
      await expectError(await get('/v1/human/profile', expired.value), 401, 'Unauthorized');
    });

    it("limits each user's token like an App Key, and refuses an address that keeps presenting bad tokens", async () => {
      const limited = await startApi({
        limiter: inProcessLimiter({ rate: 0.01, burst: 2 }),
        authFailures: attemptLimiter({ attempts: 2, windowSeconds: 60 }, { prefix: 'test:' }),
      });
      try {
        const call = (path: string, token: string) => fetch(`${limited.baseUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
        const [me, other] = [await newUser(), await newUser()];
        expect((await call('/v1/human/profile', me.token)).status).toBe(200);
        expect((await call('/v1/human/sources', me.token)).status).toBe(200);
        const limitedResponse = await call('/v1/human/profile', me.token);
        expect(Number(limitedResponse.headers.get('retry-after'))).toBeGreaterThan(0);
        await expectError(limitedResponse, 429, 'Too Many Requests');
        expect((await call('/v1/human/profile', other.token)).status).toBe(200);

        const bad = `wha_${'C'.repeat(32)}`;
        await expectError(await call('/v1/human/profile', bad), 401, 'Unauthorized');
        await expectError(await call('/v1/human/profile', bad), 401, 'Unauthorized');
        // From now on this address is refused before any token is looked up, even a good one.
        await expectError(await call('/v1/human/profile', bad), 429, 'Too Many Requests');
        await expectError(await call('/v1/human/profile', other.token), 429, 'Too Many Requests');
      } finally {
        await limited.close();
      }
    });

    it("moves the user's last_active when their token reads the Data API", async () => {
      const user = await newUser();
      const lastActive = async () =>
        (await getDb().select({ at: users.lastActiveAt }).from(users).where(eq(users.humanId, user.humanId)))[0]!.at;
      expect(await lastActive()).toBeNull();
      const before = Date.now();
      expect((await get('/v1/human/sources', user.token)).status).toBe(200);
      let at: Date | null = null;
      for (let i = 0; i < 50 && !at; i++) {
        at = await lastActive();
        if (!at) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(at).not.toBeNull();
      expect(at!.getTime()).toBeGreaterThanOrEqual(before - 2_000);
    });
  });

  describe('shapes', () => {
    it('serves the summary, profile, sources, latest reading, readings and one reading in Human API shape', async () => {
      const user = await newUser();
      const withings = await connect(user, 'withings');
      await ingest(user, withings, [
        { type: 'weight', ts: new Date(BASE), tzOffsetMinutes: -300, value: 80.5, sourceReadingId: 'w1', sourceData: { device: 'Body+' } },
        { type: 'weight', ts: new Date(BASE + hour(24)), tzOffsetMinutes: -300, value: 80.1, sourceReadingId: 'w2' },
        { type: 'heart_rate', ts: new Date(BASE + hour(1)), tzOffsetMinutes: 330, value: 61, sourceReadingId: 'h1' },
      ]);

      const profile = await getJson<Record<string, unknown>>('/v1/human/profile', user.token);
      expect(profile).toEqual({
        id: user.humanId, humanId: user.humanId, userId: user.humanId, externalId: expect.stringMatching(/^ext-/),
        email: 'someone@example.test', name: null, username: null, createdAt: expect.stringMatching(ISO_MS), updatedAt: expect.stringMatching(ISO_MS),
      });

      const readings = await getJson<HumanReading[]>('/v1/human/weight/readings', user.token);
      expect(readings).toHaveLength(2);
      expect(Object.keys(readings[1]!)).toEqual(['id', 'humanId', 'userId', 'timestamp', 'tzOffset', 'value', 'unit', 'source', 'sourceData', 'createdAt', 'updatedAt']);
      expect(readings[1]).toEqual({
        id: expect.stringMatching(/^\d+$/), humanId: user.humanId, userId: user.humanId,
        timestamp: new Date(BASE).toISOString(), tzOffset: '-05:00', value: 80.5, unit: 'kg', source: 'withings',
        sourceData: { device: 'Body+' }, createdAt: expect.stringMatching(ISO_MS), updatedAt: expect.stringMatching(ISO_MS),
      });
      expect(readings[0]).toMatchObject({ value: 80.1, sourceData: {} });

      expect(await getJson(`/v1/human/weight/readings/${readings[1]!.id}`, user.token)).toEqual(readings[1]);
      expect(await getJson('/v1/human/weight', user.token)).toEqual(readings[0]);
      expect(await getJson('/v1/human/blood_glucose', user.token)).toBeNull();

      const summary = await getJson<Record<string, unknown>>('/v1/human', user.token);
      expect(summary).toMatchObject({ id: user.humanId, humanId: user.humanId, userId: user.humanId, createdAt: profile.createdAt });
      expect(summary.weight).toEqual(readings[0]);
      expect(summary.heartRate).toMatchObject({ value: 61, unit: 'bpm', tzOffset: '+05:30', source: 'withings' });
      expect(summary.bloodPressure).toBeNull();
      expect(summary.bodyFat).toBeNull();

      const sources = await getJson<Record<string, unknown>[]>('/v1/human/sources', user.token);
      expect(sources).toEqual([{
        id: String(withings), source: 'withings', sourceName: 'Withings',
        supportedDataTypes: expect.arrayContaining(['weight', 'blood_pressure']), devices: [],
        connectedSince: expect.stringMatching(ISO_MS),
        historySync: { status: 'pending', oldestDate: null },
        syncStatus: { status: 'pending', synchedAt: null, newestDate: null },
      }]);
    });

    it('gives blood pressure as systolic and diastolic in mmHg', async () => {
      const user = await newUser();
      const cuff = await connect(user, 'withings');
      await ingest(user, cuff, [{ type: 'blood_pressure', ts: new Date(BASE), value: 121, value2: 79, sourceReadingId: 'bp1' }]);
      const [reading] = await getJson<HumanReading[]>('/v1/human/blood_pressure/readings', user.token);
      expect(reading).toMatchObject({ systolic: 121, diastolic: 79, unit: 'mmHg', tzOffset: '+00:00' });
      expect(reading).not.toHaveProperty('value');
      expect(Object.keys(reading!)).toEqual(['id', 'humanId', 'userId', 'timestamp', 'tzOffset', 'systolic', 'diastolic', 'unit', 'source', 'sourceData', 'createdAt', 'updatedAt']);
      expect((await getJson<Record<string, unknown>>('/v1/human', user.token)).bloodPressure).toEqual(reading);
    });

    it('answers an unknown type with 404 listing the known ones, and a bad reading id with 400 or 404', async () => {
      const user = await newUser();
      for (const path of ['/v1/human/pulse', '/v1/human/pulse/readings', '/v1/human/pulse/readings/1']) {
        const body = await expectError(await get(path, user.token), 404, 'Not Found');
        expect(body.message).toContain('"pulse"');
        expect(body.message).toContain('heart_rate, weight');
      }
      await expectError(await get('/v1/human/weight/readings/abc', user.token), 400, 'Bad Request');
      await expectError(await get('/v1/human/weight/readings/99999999999', user.token), 404, 'Not Found');
    });

    it('computes daily activity and nightly sleep summaries per source from the readings', async () => {
      const user = await newUser();
      const tracker = await connect(user, 'fitbit');
      const ring = await connect(user, 'oura');
      const tz = 330; // +05:30: local days start at 18:30 UTC the day before
      const local = (day: string, h: number, m = 0) => new Date(Date.parse(`${day}T00:00:00Z`) + hour(h) + m * 60_000 - tz * 60_000);
      const readings: ReadingInput[] = [];
      // Hourly steps on two local days: 100 per hour from 06:00 to 21:00 on the 1st, 50 on the 2nd.
      for (let h = 6; h <= 21; h++) {
        readings.push({ type: 'steps', ts: local('2026-10-01', h, 10), tzOffsetMinutes: tz, value: 100, sourceReadingId: `s1-${h}` });
        readings.push({ type: 'steps', ts: local('2026-10-02', h, 10), tzOffsetMinutes: tz, value: 50, sourceReadingId: `s2-${h}` });
      }
      readings.push(
        { type: 'distance', ts: local('2026-10-01', 12), tzOffsetMinutes: tz, value: 1200, sourceReadingId: 'd1' },
        { type: 'calories', ts: local('2026-10-01', 23, 59), tzOffsetMinutes: tz, value: 2100, sourceReadingId: 'c1' },
        { type: 'activity', ts: local('2026-10-02', 0, 5), tzOffsetMinutes: tz, value: 30, sourceReadingId: 'a1' },
        // Night ending on the 2nd: from 23:10 on the 1st (420 min) plus a nap that morning (40 min).
        { type: 'sleep', ts: local('2026-10-01', 23, 10), tzOffsetMinutes: tz, value: 420, sourceReadingId: 'n1' },
        { type: 'sleep', ts: local('2026-10-02', 10, 0), tzOffsetMinutes: tz, value: 40, sourceReadingId: 'n2' },
        // An afternoon nap on the 2nd counts towards the night ending on the 3rd.
        { type: 'sleep', ts: local('2026-10-02', 14, 0), tzOffsetMinutes: tz, value: 25, sourceReadingId: 'n3' },
      );
      await ingest(user, tracker, readings);
      await ingest(user, ring, [{ type: 'steps', ts: local('2026-10-01', 9), tzOffsetMinutes: tz, value: 777, sourceReadingId: 'r1' }]);

      const activities = await getJson<Record<string, unknown>[]>('/v1/human/activities/summaries', user.token);
      expect(activities).toEqual([
        { id: 'fitbit:2026-10-02', humanId: user.humanId, userId: user.humanId, date: '2026-10-02', source: 'fitbit', steps: 800, distance: null, calories: null, activeMinutes: 30 },
        ...[ring > tracker
          ? [{ id: 'oura:2026-10-01', source: 'oura', steps: 777, distance: null, calories: null, activeMinutes: null },
            { id: 'fitbit:2026-10-01', source: 'fitbit', steps: 1600, distance: 1200, calories: 2100, activeMinutes: null }]
          : [{ id: 'fitbit:2026-10-01', source: 'fitbit', steps: 1600, distance: 1200, calories: 2100, activeMinutes: null },
            { id: 'oura:2026-10-01', source: 'oura', steps: 777, distance: null, calories: null, activeMinutes: null }]][0]!
          .map((s) => ({ humanId: user.humanId, userId: user.humanId, date: '2026-10-01', ...s })),
      ]);
      expect((await getJson<unknown[]>('/v1/human/activities/summaries?source=oura', user.token))).toHaveLength(1);
      expect((await getJson<{ date: string }[]>('/v1/human/activities/summaries?start_date=2026-10-02', user.token)).map((s) => s.date)).toEqual(['2026-10-02']);

      const sleeps = await getJson<Record<string, unknown>[]>('/v1/human/sleeps/summaries', user.token);
      expect(sleeps).toEqual([
        { id: 'fitbit:2026-10-03', humanId: user.humanId, userId: user.humanId, date: '2026-10-03', source: 'fitbit', timeAsleep: 25 },
        { id: 'fitbit:2026-10-02', humanId: user.humanId, userId: user.humanId, date: '2026-10-02', source: 'fitbit', timeAsleep: 460 },
      ]);

      // Paging one summary at a time, forward then back.
      const first = await get('/v1/human/activities/summaries?limit=1', user.token);
      const seen = [(await first.json() as { id: string }[])[0]!.id];
      let next = links(first).next;
      expect(links(first).prev).toBeUndefined();
      let last: Response = first;
      while (next) {
        last = await get(next, user.token);
        seen.push(...(await last.json() as { id: string }[]).map((s) => s.id));
        next = links(last).next;
      }
      expect(seen).toEqual(activities.map((s) => s.id));
      const back = await get(links(last).prev!, user.token);
      expect((await back.json() as { id: string }[]).map((s) => s.id)).toEqual([seen[1]]);
    });
  });

  describe('filters and paging', () => {
    it('filters by created and updated time, local day and source', async () => {
      const user = await newUser();
      const withings = await connect(user, 'withings');
      const manual = await connect(user, 'manual');
      // Local days at -08:00: 2026-10-01 20:00 local is 2026-10-02 04:00 UTC.
      await ingest(user, withings, [
        { type: 'weight', ts: new Date('2026-10-02T04:00:00Z'), tzOffsetMinutes: -480, value: 1, sourceReadingId: 'a' },
        { type: 'weight', ts: new Date('2026-10-02T09:00:00Z'), tzOffsetMinutes: -480, value: 2, sourceReadingId: 'b' },
        { type: 'weight', ts: new Date('2026-10-03T09:00:00Z'), tzOffsetMinutes: -480, value: 3, sourceReadingId: 'c' },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 15));
      await ingest(user, manual, [{ type: 'weight', ts: new Date('2026-10-04T12:00:00Z'), value: 4, sourceReadingId: 'd' }]);
      const values = async (query: string) =>
        (await getJson<HumanReading[]>(`/v1/human/weight/readings${query}`, user.token)).map((r) => r.value);

      const all = await getJson<HumanReading[]>('/v1/human/weight/readings', user.token);
      expect(all.map((r) => r.value)).toEqual([4, 3, 2, 1]);
      const compact = (iso: string) => iso.replace(/[-:]/g, '');
      const manualCreated = all[0]!.createdAt as string;
      expect(await values(`?created_since=${compact(manualCreated)}`)).toEqual([4]);
      expect(await values(`?created_before=${compact(manualCreated)}`)).toEqual([3, 2, 1]);

      await new Promise((resolve) => setTimeout(resolve, 15));
      await ingest(user, withings, [{ type: 'weight', ts: new Date('2026-10-02T09:00:00Z'), tzOffsetMinutes: -480, value: 2.5, sourceReadingId: 'b' }]);
      const changed = (await getJson<HumanReading[]>('/v1/human/weight/readings', user.token)).find((r) => r.value === 2.5)!;
      expect(changed.updatedAt).not.toBe(changed.createdAt);
      expect(await values(`?updated_since=${compact(changed.updatedAt as string)}`)).toEqual([2.5]);
      expect(await values(`?updated_before=${encodeURIComponent(changed.updatedAt as string)}`)).toEqual([4, 3, 1]);

      expect(await values('?start_date=2026-10-02&end_date=2026-10-02')).toEqual([2.5]);
      expect(await values('?end_date=2026-10-01')).toEqual([1]);
      expect(await values('?start_date=2026-10-03')).toEqual([4, 3]);
      expect(await values('?source=manual')).toEqual([4]);
      expect(await values('?source=withings&start_date=2026-10-02')).toEqual([3, 2.5]);
      expect(await values('?source=dexcom')).toEqual([]);
    });

    it('refuses bad query values with 400 in plain words', async () => {
      const user = await newUser();
      const cases: [string, RegExp][] = [
        ['limit=0', /limit must be a whole number from 1 to 500/],
        ['limit=501', /limit must be a whole number from 1 to 500/],
        ['limit=abc', /limit must be a whole number/],
        ['offset=10001', /Link header/],
        ['created_since=yesterday', /created_since must be a time written YYYYMMDDTHHmmssZ/],
        ['updated_before=20261301T000000Z', /updated_before must be a time/],
        ['start_date=2026-02-30', /start_date must be a day written YYYY-MM-DD/],
        ['start_date=2026-10-05&end_date=2026-10-01', /start_date must not be after end_date/],
        ['source=NOT%20A%20SOURCE', /source must be a source id/],
        ['before=xyz', /before must be a cursor/],
        ['before=1.1&after=1.1', /before or after/],
      ];
      for (const [query, message] of cases) {
        const body = await expectError(await get(`/v1/human/heart_rate/readings?${query}`, user.token), 400, 'Bad Request');
        expect(body.message, query).toMatch(message);
      }
      await expectError(await get('/v1/human/sleeps/summaries?limit=501', user.token), 400, 'Bad Request');
      await expectError(await get('/v1/human/activities/summaries?before=2026-13-01.1', user.token), 400, 'Bad Request');
    });

    it('serves 50 by default and at most 500, and pages through 1,250 readings by Link to the end and back without gaps or repeats', async () => {
      const user = await newUser();
      const tracker = await connect(user, 'fitbit');
      // Pairs of readings share a timestamp, so the id decides their order.
      const readings: ReadingInput[] = Array.from({ length: 1_250 }, (_, i) => ({
        type: 'heart_rate', ts: new Date(BASE + Math.floor(i / 2) * 60_000), value: 50 + (i % 40), sourceReadingId: `hr-${i}`,
      }));
      await ingest(user, tracker, readings);

      const first = await get('/v1/human/heart_rate/readings', user.token);
      expect(((await first.json()) as unknown[]).length).toBe(50);
      expect((await getJson<unknown[]>('/v1/human/heart_rate/readings?limit=500', user.token)).length).toBe(500);

      const forward: HumanReading[] = [];
      const pages: Response[] = [];
      let next: string | undefined = '/v1/human/heart_rate/readings?limit=200';
      while (next) {
        const response = await get(next, user.token);
        pages.push(response);
        const page = (await response.json()) as HumanReading[];
        forward.push(...page);
        next = links(response).next;
        if (pages.length === 1) expect(links(response).prev).toBeUndefined();
        else expect(links(response).prev).toBeDefined();
      }
      expect(pages).toHaveLength(7);
      expect(forward).toHaveLength(1_250);
      expect(new Set(forward.map((r) => r.id)).size).toBe(1_250);
      const order = forward.map((r) => [Date.parse(r.timestamp), Number(r.id)] as const);
      for (let i = 1; i < order.length; i++) {
        const [ts, id] = order[i]!;
        const [prevTs, prevId] = order[i - 1]!;
        expect(ts < prevTs || (ts === prevTs && id < prevId), `reading ${i} in order`).toBe(true);
      }

      const backward: HumanReading[][] = [];
      let prev = links(pages.at(-1)!).prev;
      while (prev) {
        const response = await get(prev, user.token);
        backward.unshift((await response.json()) as HumanReading[]);
        expect(links(response).next).toBeDefined();
        prev = links(response).prev;
      }
      const lastPage = (await (await get(links(pages.at(-2)!).next!, user.token)).json()) as HumanReading[];
      expect([...backward.flat(), ...lastPage].map((r) => r.id)).toEqual(forward.map((r) => r.id));

      // Offsets still work within their bound, and keep the same order.
      const byOffset = await getJson<HumanReading[]>('/v1/human/heart_rate/readings?limit=10&offset=995', user.token);
      expect(byOffset.map((r) => r.id)).toEqual(forward.slice(995, 1_005).map((r) => r.id));
    });
  });

  describe('isolation', () => {
    it("never shows another user's or another app's readings, not even by id, nor a disconnected source's", async () => {
      const app = await createTestApp();
      const me = await newUser(app);
      const neighbour = await newUser(app);
      const stranger = await newUser();
      for (const user of [me, neighbour, stranger]) {
        const id = await connect(user, 'withings');
        await ingest(user, id, [{ type: 'weight', ts: new Date(BASE), value: user === me ? 1 : 2, sourceReadingId: 'w' }]);
      }
      const mine = await getJson<HumanReading[]>('/v1/human/weight/readings', me.token);
      expect(mine.map((r) => r.value)).toEqual([1]);
      for (const other of [neighbour, stranger]) {
        const [theirs] = await getJson<HumanReading[]>('/v1/human/weight/readings', other.token);
        expect(theirs!.value).toBe(2);
        await expectError(await get(`/v1/human/weight/readings/${theirs!.id}`, me.token), 404, 'Not Found');
      }
      // A reading of the right user but asked for as another type is not found either.
      await expectError(await get(`/v1/human/heart_rate/readings/${mine[0]!.id}`, me.token), 404, 'Not Found');

      const manual = await connect(me, 'manual');
      await ingest(me, manual, [{ type: 'weight', ts: new Date(BASE + hour(1)), value: 3, sourceReadingId: 'm' }]);
      const [manualReading] = await getJson<HumanReading[]>('/v1/human/weight/readings?source=manual', me.token);
      await getDb().update(connections).set({ status: 'disconnected' }).where(eq(connections.id, manual));
      expect((await getJson<HumanReading[]>('/v1/human/weight/readings', me.token)).map((r) => r.value)).toEqual([1]);
      expect(await getJson('/v1/human/weight/readings?source=manual', me.token)).toEqual([]);
      await expectError(await get(`/v1/human/weight/readings/${manualReading!.id}`, me.token), 404, 'Not Found');
      expect((await getJson<Record<string, HumanReading>>('/v1/human', me.token)).weight!.value).toBe(1);
      expect((await getJson<{ source: string }[]>('/v1/human/sources', me.token)).map((s) => s.source)).toEqual(['withings']);

      // The user's data stayed where it was.
      const rows = await getDb().select({ id: connections.id }).from(connections).where(and(eq(connections.id, manual), eq(connections.status, 'disconnected')));
      expect(rows).toHaveLength(1);
    });
  });
});
