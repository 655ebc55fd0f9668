import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { operator } from '../../auth/caller';
import { getDb } from '../../db/client';
import { ingestReadings } from '../../readings/ingest';
import { createTestApp, createTestUsers } from '../../testing/fixtures';
import { startOuraStandIn, type OuraStandIn } from '../../testing/stand-ins/oura';
import { connectSource } from '../connections';
import { ProviderAuthorizationError, ProviderRateLimitedError, type SyncContext } from '../connector';
import { OURA_HEART_RATE_OVERLAP_MS, OuraResponseError, ouraConnector } from './connector';
import { PROVIDERS } from '../oauth/providers';

const DAY = 86_400_000;
const T0 = new Date('2026-06-10T15:42:00Z');
const REDIRECT = 'http://127.0.0.1/connect/callback/oura';

const standIns: OuraStandIn[] = [];
afterEach(async () => {
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});

async function standIn(): Promise<OuraStandIn> {
  const server = await startOuraStandIn({ now: T0, redirectUris: [REDIRECT] });
  standIns.push(server);
  return server;
}

type Tokens = { accessToken: string; refreshToken: string; expiresAt: number };

/** Authorize at the stand-in as its signed-in user and exchange the code (client_secret_post). */
async function authorizeAt(oura: OuraStandIn, scope: string = PROVIDERS.oura.scopes.join(' ')): Promise<Tokens> {
  const url = new URL(oura.authorizationEndpoint);
  url.search = new URLSearchParams({ response_type: 'code', client_id: oura.client.clientId, redirect_uri: REDIRECT, scope, state: 'st-1' }).toString();
  const redirect = await fetch(url, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const back = new URL(redirect.headers.get('location')!);
  expect(back.searchParams.get('state')).toBe('st-1');
  const response = await fetch(oura.tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT, client_id: oura.client.clientId, client_secret: oura.client.clientSecret }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { access_token: string; refresh_token: string; expires_in: number };
  return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: oura.now().getTime() + body.expires_in * 1000 };
}

/**
 * Test plumbing, not the code under test: the providerFetch the OAuth2 layer gives a connector,
 * reduced to what the contract promises (Bearer token, refresh when expired and once on a 401,
 * ProviderRateLimitedError on 429, ProviderAuthorizationError when the grant is gone).
 */
function testPlumbingProviderFetch(oura: OuraStandIn, tokens: Tokens): SyncContext['providerFetch'] {
  const refresh = async () => {
    const response = await fetch(oura.tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken, client_id: oura.client.clientId, client_secret: oura.client.clientSecret }),
    });
    if (!response.ok) throw new ProviderAuthorizationError();
    const body = (await response.json()) as { access_token: string; refresh_token: string; expires_in: number };
    Object.assign(tokens, { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: oura.now().getTime() + body.expires_in * 1000 });
  };
  return async (url, init = {}) => {
    if (tokens.expiresAt <= oura.now().getTime()) await refresh();
    const call = () => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${tokens.accessToken}` } });
    let response = await call();
    if (response.status === 401) {
      await response.body?.cancel();
      await refresh();
      response = await call();
    }
    if (response.status === 429) {
      await response.body?.cancel();
      throw new ProviderRateLimitedError(Number(response.headers.get('retry-after')) * 1000);
    }
    return response;
  };
}

/** A Wearhouse user with an Oura connection, an Oura user with `historyDays` of data, and a way to
 * build sync contexts that write through ingestReadings as the queue does. */
async function setUp(options: { historyDays: number; tzOffsetMinutes?: number; declinedScopes?: string[]; scope?: string }) {
  const oura = await standIn();
  const ouraUser = oura.addUser({ historyDays: options.historyDays, tzOffsetMinutes: options.tzOffsetMinutes ?? -300, declinedScopes: options.declinedScopes });
  const app = await createTestApp();
  const [user] = await createTestUsers(app, 1);
  const connectionId = await connectSource(app.owner, app.clientId, user!.humanId, 'oura');
  const tokens = await authorizeAt(oura, options.scope);
  const writes: number[] = [];
  const context = (overrides: Partial<SyncContext> = {}): SyncContext => ({
    connectionId, humanId: user!.humanId, clientId: app.clientId, sourceId: 'oura', connectedSince: T0,
    historySyncedAt: null, lastSyncAt: null, newestReadingAt: null, now: oura.now(), signal: new AbortController().signal,
    write: async (readings) => {
      writes.push(readings.length);
      await ingestReadings(operator, { clientId: app.clientId, connectionId }, readings);
    },
    providerFetch: testPlumbingProviderFetch(oura, tokens),
    ...overrides,
  });
  return { oura, ouraUser, connectionId, context, writes, tokens };
}

type Stored = { type: string; sid: string; ts: string; tz: number; value: number; unit: string; data: Record<string, unknown> | null };
async function stored(connectionId: number, type?: string): Promise<Stored[]> {
  const result = await getDb().execute<Stored>(sql`
    SELECT type, source_reading_id AS sid, to_json(ts)#>>'{}' AS ts, tz_offset_minutes AS tz, value, unit, source_data AS data
    FROM readings WHERE connection_id = ${connectionId} ${type ? sql`AND type = ${type}` : sql``} ORDER BY type, ts, source_reading_id`);
  return result.rows.map((r) => ({ ...r, ts: new Date(r.ts).toISOString(), tz: Number(r.tz), value: Number(r.value) }));
}
async function newestReadingAt(connectionId: number): Promise<Date> {
  const [row] = (await getDb().execute<{ ts: string }>(sql`SELECT to_json(max(ts))#>>'{}' AS ts FROM readings WHERE connection_id = ${connectionId}`)).rows;
  return new Date(row!.ts);
}
const countsByType = (rows: Stored[]) => rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.type]: (acc[r.type] ?? 0) + 1 }), {});
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const docs = (oura: OuraStandIn, userId: string, collection: Parameters<OuraStandIn['documents']>[1], from: number, to = oura.now().getTime()) =>
  oura.documents(userId, collection, { from: new Date(from), to: new Date(to) }) as Record<string, any>[];

describe('the Oura connector against the Oura stand-in', () => {
  it('backfills 90 days: heart rate, daily activity, sleep periods and SpO2 as readings with units', async () => {
    const { oura, ouraUser, connectionId, context } = await setUp({ historyDays: 120, tzOffsetMinutes: -300 });
    await ouraConnector({ apiBaseUrl: oura.url, historyDays: 90 }).sync(context());
    const rows = await stored(connectionId);
    const from = T0.getTime() - 90 * DAY;

    const units = Object.fromEntries(rows.map((r) => [r.type, r.unit]));
    expect(units).toEqual({ heart_rate: 'bpm', steps: 'steps', calories: 'kcal', activity: 'min', distance: 'm', sleep: 'min', blood_oxygen: '%' });
    // Nothing from before the window (a day of slack for local days), however much Oura has.
    for (const r of rows) expect(Date.parse(r.ts)).toBeGreaterThan(from - 2 * DAY);

    // Every heart rate sample of the 90 days, once, with its value and the user's offset.
    const samples = docs(oura, ouraUser.id, 'heartrate', from);
    const heartRates = rows.filter((r) => r.type === 'heart_rate');
    expect(heartRates.length).toBe(samples.length);
    expect(samples.length).toBeGreaterThan(90 * 270);
    const bpmAt = new Map(samples.map((s) => [new Date(s.timestamp).toISOString(), s.bpm as number]));
    for (const r of heartRates) expect(r.value).toBe(bpmAt.get(r.sid)), expect(r.tz).toBe(-300);

    // One reading per day and kind from daily_activity, at the user's local midnight.
    const activity = new Map(docs(oura, ouraUser.id, 'daily_activity', from - 5 * DAY).map((d) => [d.day as string, d]));
    const steps = rows.filter((r) => r.type === 'steps');
    for (const day of [...activity.keys()].filter((d) => d >= dateOf(from))) expect(steps.map((r) => r.sid)).toContain(day);
    expect(steps.length).toBeLessThanOrEqual(92);
    for (const r of steps) {
      const doc = activity.get(r.sid)!;
      expect(r.value).toBe(doc.steps);
      expect(r.ts).toBe(new Date(Date.parse(`${r.sid}T00:00:00Z`) + 300 * 60_000).toISOString());
      expect(r.tz).toBe(-300);
    }
    const byDay = (type: string) => new Map(rows.filter((r) => r.type === type).map((r) => [r.sid, r.value]));
    for (const [day, doc] of activity) {
      if (!byDay('steps').has(day)) continue;
      expect(byDay('calories').get(day)).toBe(doc.total_calories);
      expect(byDay('distance').get(day)).toBe(doc.equivalent_walking_distance);
      expect(byDay('activity').get(day)).toBeCloseTo((doc.medium_activity_time + doc.high_activity_time) / 60, 2);
    }

    // Sleep: one reading per real sleep period (naps too), minutes asleep, stages kept; rests skipped.
    const periods = docs(oura, ouraUser.id, 'sleep', from - 5 * DAY);
    const sleeps = rows.filter((r) => r.type === 'sleep');
    const rests = periods.filter((p) => p.type === 'rest').map((p) => p.id);
    expect(rests.length).toBeGreaterThan(0);
    for (const r of sleeps) expect(rests).not.toContain(r.sid);
    for (const p of periods.filter((p) => p.type !== 'rest' && p.day >= dateOf(from))) {
      const reading = sleeps.find((r) => r.sid === p.id);
      expect(reading, p.id).toBeDefined();
      expect(reading!.value).toBeCloseTo(p.total_sleep_duration / 60, 2);
      expect(reading!.ts).toBe(new Date(p.bedtime_start).toISOString());
      expect(reading!.data).toMatchObject({ day: p.day, stages: { deepMinutes: p.deep_sleep_duration / 60, remMinutes: p.rem_sleep_duration / 60 } });
    }
    expect(sleeps.some((r) => r.data?.kind === 'sleep')).toBe(true); // a nap

    // SpO2: one per night that measured it; nights without a measurement store nothing.
    const nights = docs(oura, ouraUser.id, 'daily_spo2', from).filter((d) => d.day >= dateOf(from));
    const oxygen = byDay('blood_oxygen');
    expect(nights.some((d) => d.spo2_percentage === null)).toBe(true);
    for (const night of nights) expect(oxygen.get(night.day)).toBe(night.spo2_percentage?.average);
  }, 120_000); // 26,000 heart rate readings: seconds on a quiet machine, more when six suites share it

  it('syncs again without duplicates, and a later sync reads only from shortly before the newest reading', async () => {
    const { oura, ouraUser, connectionId, context } = await setUp({ historyDays: 20 });
    const connector = ouraConnector({ apiBaseUrl: oura.url, historyDays: 30 });
    await connector.sync(context());
    const first = await stored(connectionId);
    expect(countsByType(first).heart_rate).toBe(docs(oura, ouraUser.id, 'heartrate', T0.getTime() - 30 * DAY).length);

    // The same moment again, as a periodic sync: the same readings, nothing added or changed.
    const newest = await newestReadingAt(connectionId);
    const before = oura.requests.length;
    await connector.sync(context({ historySyncedAt: T0, lastSyncAt: T0, newestReadingAt: newest }));
    expect(await stored(connectionId)).toEqual(first);
    const heartRateAsked = oura.requests.slice(before).filter((r) => r.collection === 'heartrate');
    expect(heartRateAsked.length).toBe(1);
    expect(Date.parse(heartRateAsked[0]!.query.start_datetime!)).toBe(Math.floor((newest.getTime() - OURA_HEART_RATE_OVERLAP_MS) / 1000) * 1000);

    // A day later (the access token has expired meanwhile: refreshed): the new day's readings join.
    const T1 = new Date(T0.getTime() + DAY);
    oura.setNow(T1);
    await connector.sync(context({ historySyncedAt: T0, lastSyncAt: T0, newestReadingAt: await newestReadingAt(connectionId), now: T1 }));
    expect(oura.counters.refreshes).toBe(1);
    const later = await stored(connectionId);
    expect(countsByType(later).heart_rate).toBe(docs(oura, ouraUser.id, 'heartrate', T1.getTime() - 30 * DAY).length);
    expect(countsByType(later).steps).toBe(countsByType(first).steps! + 1);
    expect(new Set(later.map((r) => `${r.type}/${r.sid}`)).size).toBe(later.length);
  });

  it('pages through next_token across many pages, writing page by page', async () => {
    const { oura, ouraUser, connectionId, context, writes } = await setUp({ historyDays: 10 });
    oura.setPageSize('heartrate', 100);
    oura.setPageSize('daily_activity', 3);
    oura.setPageSize('sleep', 2);
    oura.setPageSize('daily_spo2', 4);
    await ouraConnector({ apiBaseUrl: oura.url, historyDays: 30 }).sync(context());

    const samples = docs(oura, ouraUser.id, 'heartrate', T0.getTime() - 30 * DAY);
    expect(oura.counters.byCollection.heartrate).toBe(Math.ceil(samples.length / 100));
    expect(oura.counters.byCollection.daily_activity).toBeGreaterThanOrEqual(4);
    expect(oura.requests.filter((r) => r.query.next_token).length).toBeGreaterThan(30);
    expect(writes.length).toBeGreaterThan(30);
    expect(Math.max(...writes)).toBeLessThanOrEqual(100);
    const counts = countsByType(await stored(connectionId));
    expect(counts.heart_rate).toBe(samples.length);
    expect(counts.steps).toBe(docs(oura, ouraUser.id, 'daily_activity', T0.getTime() - 30 * DAY).length);
    expect(counts.sleep).toBe(docs(oura, ouraUser.id, 'sleep', T0.getTime() - 30 * DAY).filter((p) => p.type !== 'rest').length);
  });

  it('surfaces a 429 as ProviderRateLimitedError with its Retry-After, and a retried sync completes without duplicates', async () => {
    const { oura, ouraUser, connectionId, context } = await setUp({ historyDays: 10 });
    oura.setPageSize('heartrate', 500);
    oura.rateLimit({ after: 5, retryAfterSeconds: 7 });
    const connector = ouraConnector({ apiBaseUrl: oura.url, historyDays: 30 });
    const error = await connector.sync(context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect((error as ProviderRateLimitedError).retryAfterMs).toBe(7_000);
    const partial = (await stored(connectionId)).length;
    expect(partial).toBeGreaterThan(0);

    await connector.sync(context());
    const counts = countsByType(await stored(connectionId));
    expect(counts.heart_rate).toBe(docs(oura, ouraUser.id, 'heartrate', T0.getTime() - 30 * DAY).length);
    expect(oura.counters.rateLimited).toBe(1);
  });

  it('refuses a malformed page, a page that is not JSON and an error status clearly, keeping the pages before', async () => {
    const { oura, connectionId, context } = await setUp({ historyDays: 10 });
    oura.setPageSize('heartrate', 200);
    oura.failNext({ collection: 'heartrate', skip: 1, with: 'malformed' });
    const connector = ouraConnector({ apiBaseUrl: oura.url, historyDays: 30 });
    const malformed = await connector.sync(context()).catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(OuraResponseError);
    expect((malformed as Error).message).toMatch(/^Oura sent a malformed heartrate page \(data\.100\.bpm: .+\)\.$/);
    const heartRates = await stored(connectionId, 'heart_rate');
    expect(heartRates.length).toBe(200); // the first page, and nothing of the bad one
    for (const r of heartRates) expect(Number.isFinite(r.value)).toBe(true);

    oura.failNext({ collection: 'sleep', with: 'not-json' });
    await expect(connector.sync(context())).rejects.toThrow('Oura sent a sleep page that is not JSON.');
    oura.failNext({ collection: 'daily_activity', with: 503 });
    await expect(connector.sync(context())).rejects.toThrow('Oura answered 503 to a daily_activity request.');
  });

  it('stops between pages when the sync is aborted', async () => {
    const { oura, connectionId, context } = await setUp({ historyDays: 10 });
    oura.setPageSize('daily_activity', 2);
    const controller = new AbortController();
    const base = context({ signal: controller.signal });
    const error = await ouraConnector({ apiBaseUrl: oura.url, historyDays: 30 }).sync({
      ...base,
      write: async (readings) => {
        await base.write(readings);
        controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(oura.counters.dataRequests).toBe(1);
    expect((await stored(connectionId, 'steps')).length).toBe(2);
  });

  it('skips the collections of scopes the user declined, and fails when every one is refused', async () => {
    const declined = await setUp({ historyDays: 5, declinedScopes: ['spo2'] });
    await ouraConnector({ apiBaseUrl: declined.oura.url, historyDays: 30 }).sync(declined.context());
    const counts = countsByType(await stored(declined.connectionId));
    expect(counts.blood_oxygen).toBeUndefined();
    expect(counts.heart_rate).toBeGreaterThan(0);
    expect(counts.sleep).toBeGreaterThan(0);
    expect(declined.oura.counters.forbidden).toBe(1);

    const nothing = await setUp({ historyDays: 5, scope: 'email personal' });
    await expect(ouraConnector({ apiBaseUrl: nothing.oura.url }).sync(nothing.context())).rejects.toBeInstanceOf(ProviderAuthorizationError);
    expect(await stored(nothing.connectionId)).toEqual([]);
  });
});

describe('the Oura stand-in speaks Oura OAuth2', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields);

  it('authorizes, exchanges codes once, rotates refresh tokens, expires and revokes grants, and rate-limits', async () => {
    const oura = await standIn();
    oura.addUser({ historyDays: 3 });
    const { clientId, clientSecret } = oura.client;
    const authorize = (params: Record<string, string>) => {
      const url = new URL(oura.authorizationEndpoint);
      url.search = form({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope: 'daily heartrate', state: 's', ...params }).toString();
      return fetch(url, { redirect: 'manual' });
    };
    expect((await authorize({ redirect_uri: 'https://evil.example/cb' })).status).toBe(400);
    const denied = new URL((await authorize({ scope: 'daily everything' })).headers.get('location')!);
    expect(denied.searchParams.get('error')).toBe('invalid_scope');

    // PKCE when a challenge was sent; HTTP Basic client authentication.
    const verifier = 'v'.repeat(50);
    const { createHash } = await import('node:crypto');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const code = new URL((await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).headers.get('location')!).searchParams.get('code')!;
    const basic = { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` };
    const exchange = (fields: Record<string, string>) => fetch(oura.tokenEndpoint, { method: 'POST', headers: basic, body: form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...fields }) });
    expect((await exchange({ code_verifier: 'w'.repeat(50) })).status).toBe(400); // wrong verifier burns the code
    const code2 = new URL((await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).headers.get('location')!).searchParams.get('code')!;
    const ok = await fetch(oura.tokenEndpoint, { method: 'POST', headers: basic, body: form({ grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT, code_verifier: verifier }) });
    expect(ok.status).toBe(200);
    const tokens = (await ok.json()) as { access_token: string; refresh_token: string; token_type: string; expires_in: number };
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 86_400 });
    const again = await fetch(oura.tokenEndpoint, { method: 'POST', headers: basic, body: form({ grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT, code_verifier: verifier }) });
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
    const wrongSecret = await fetch(oura.tokenEndpoint, { method: 'POST', body: form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId, client_secret: 'nope' }) });
    expect(wrongSecret.status).toBe(401);

    const data = (token: string, path = 'daily_activity?start_date=2026-06-01&end_date=2026-06-10') =>
      fetch(`${oura.url}/v2/usercollection/${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await data(tokens.access_token)).status).toBe(200);
    expect((await data(tokens.access_token, 'daily_spo2')).status).toBe(403); // scope not granted
    expect((await data(tokens.access_token, 'heartrate?start_datetime=2026-04-01T00:00:00Z&end_datetime=2026-06-01T00:00:00Z')).status).toBe(400);
    oura.expireAccessTokens();
    expect((await data(tokens.access_token)).status).toBe(401);

    // Refresh tokens are single-use: the new pair works, the old refresh token no longer does.
    const refresh = (token: string) => fetch(oura.tokenEndpoint, { method: 'POST', body: form({ grant_type: 'refresh_token', refresh_token: token, client_id: clientId, client_secret: clientSecret }) });
    const renewed = (await (await refresh(tokens.refresh_token)).json()) as { access_token: string; refresh_token: string };
    expect((await refresh(tokens.refresh_token)).status).toBe(400);
    expect((await data(renewed.access_token)).status).toBe(200);
    expect(oura.counters.refreshes).toBe(1);

    // The documented rate limit, per token, with Oura's headers.
    oura.setLimit(2, 300);
    expect((await data(renewed.access_token)).status).toBe(200);
    const limited = await data(renewed.access_token);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('2');
    oura.setLimit(5_000, 300);

    // Revocation ends the grant: its access token and its refresh token.
    expect((await fetch(`${oura.revocationEndpoint}?access_token=${renewed.access_token}`)).status).toBe(200);
    expect(oura.counters.revocations).toBe(1);
    expect((await data(renewed.access_token)).status).toBe(401);
    expect((await refresh(renewed.refresh_token)).status).toBe(400);
  });
});
