// Fitbit end to end against the local stand-in that speaks Fitbit's documented protocol: the app's
// credentials saved, Connect's popup to the consent page and back through /connect/callback/fitbit,
// the grant stored encrypted, a sync through the production connector and providerFetchFor (the
// way the queue runs it), refresh on expiry and on 401, a revoked grant, a 429, and revocation on
// disconnect.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi, type MockInstance } from 'vitest';
import { operator } from '../../auth/caller';
import { reloadConfig } from '../../config';
import { mintSessionForUser, openConnect } from '../../connect/tokens';
import { getDb } from '../../db/client';
import { apps, connections } from '../../db/schema';
import { log, requestLog } from '../../log';
import { ingestReadings } from '../../readings/ingest';
import { startApi, type RunningApi } from '../../testing/api';
import { createTestApp, type TestApp } from '../../testing/fixtures';
import { deleteUser } from '../../users/users';
import { fitbitFixture, startFitbitStandIn, type FitbitStandIn } from '../../testing/stand-ins/fitbit';
import { ProviderAuthorizationError, ProviderRateLimitedError, type SyncContext } from '../connector';
import { listConnections } from '../connections';
import { waitForSyncs } from '../sync';
import { saveWebhookUrl } from '../../webhooks/settings';
import { saveProviderCredentials } from '../oauth/credentials';
import { openGrant, providerFetchFor, settleRevocations } from '../oauth/tokens';
import { fitbitConnector, HISTORY_DAYS } from './connector';

const DAY_MS = 86_400_000;
const OFFSET_MS = 2 * 3_600_000; // the user lives at UTC+2
const HR_MINUTES = 20;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const today = isoDate(Date.now() + OFFSET_MS);
/** The syncs' clock: the start of the user's `today`, so no run crosses their midnight (the
 * stand-in has data up to `today`), and never later than the real clock (tokens stay fresh). */
const SYNC_NOW = new Date(Date.parse(`${today}T00:00:00Z`) - OFFSET_MS);

let api: RunningApi;
let fitbit: FitbitStandIn;
let app: TestApp;
/** Every line this file's code logged (the logger itself still writes them). */
const spies: MockInstance[] = [];

beforeAll(async () => {
  for (const logger of [log, requestLog]) for (const level of ['debug', 'info', 'warn', 'error'] as const) spies.push(vi.spyOn(logger, level));
  fitbit = await startFitbitStandIn({
    dataFrom: isoDate(Date.parse(today) - 200 * DAY_MS),
    dataTo: today,
    offsetFromUTCMillis: OFFSET_MS,
    heartRateMinutesPerDay: HR_MINUTES,
    maxSleepPageSize: 25,
  });
  process.env.WEARHOUSE_FITBIT_AUTH_URL = fitbit.baseUrl;
  process.env.WEARHOUSE_FITBIT_API_URL = fitbit.baseUrl;
  reloadConfig();
  api = await startApi();
  app = await createTestApp('Fitbit app');
  await saveProviderCredentials(app.owner, app.clientId, 'fitbit', { clientId: fitbit.clientId, clientSecret: fitbit.clientSecret });
});

afterAll(async () => {
  await settleRevocations();
  await api?.close();
  await fitbit?.close();
  delete process.env.WEARHOUSE_FITBIT_AUTH_URL;
  delete process.env.WEARHOUSE_FITBIT_API_URL;
  reloadConfig();
});

async function openWidget(target: TestApp, externalId: string) {
  const [row] = await getDb().select({ id: apps.id }).from(apps).where(eq(apps.clientId, target.clientId));
  const minted = await mintSessionForUser({ kind: 'client', appId: row!.id, clientId: target.clientId }, target.clientId, { externalId });
  const opened = await openConnect(minted.sessionToken);
  if (!opened.ok) throw new Error(opened.message);
  return { widgetToken: opened.widgetToken, humanId: minted.humanId };
}

const widgetApi = (widgetToken: string, route: string, body: unknown) =>
  fetch(`${api.baseUrl}/connect/api/${route}`, { method: 'POST', headers: { authorization: `Bearer ${widgetToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The popup's journey: the consent page (which redirects at once) and back to Wearhouse's callback. */
async function consent(authorizationUrl: string) {
  const atProvider = await fetch(authorizationUrl, { redirect: 'manual' });
  expect(atProvider.status).toBe(302);
  const back = new URL(atProvider.headers.get('location')!);
  back.hash = ''; // a browser never sends the fragment
  const response = await fetch(back);
  const html = await response.text();
  const message = JSON.parse(/var message = (\{.*\});/.exec(html)![1]!) as { type: string; status: string; message: string; source: { id: string; name: string } | null };
  return { url: back.href, status: response.status, html, message, headers: response.headers };
}

/** A new user of `app` who connects Fitbit through the widget; returns the connection. */
async function connectFitbit(externalId: string) {
  const { widgetToken, humanId } = await openWidget(app, externalId);
  const started = await widgetApi(widgetToken, 'authorize', { sourceId: 'fitbit' });
  expect(started.status).toBe(200);
  const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
  const done = await consent(authorizationUrl);
  expect(done.message).toMatchObject({ type: 'wearhouse-source', status: 'connected', source: { id: 'fitbit', name: 'Fitbit' } });
  const connection = (await listConnections(app.owner, app.clientId, humanId)).find((c) => c.source.id === 'fitbit')!;
  return { widgetToken, humanId, connectionId: connection.id, authorizationUrl, callback: done };
}

function syncContext(target: { humanId: string; connectionId: number }, overrides: Partial<SyncContext> = {}): SyncContext {
  const now = overrides.now ?? SYNC_NOW;
  return {
    connectionId: target.connectionId,
    humanId: target.humanId,
    clientId: app.clientId,
    sourceId: 'fitbit',
    connectedSince: now,
    historySyncedAt: null,
    lastSyncAt: null,
    newestReadingAt: null,
    now,
    signal: new AbortController().signal,
    write: async (readings) => void (await ingestReadings(operator, { clientId: app.clientId, connectionId: target.connectionId }, readings)),
    providerFetch: providerFetchFor(target.connectionId, { now: () => now }),
    ...overrides,
  };
}

async function countsByType(connectionId: number): Promise<Record<string, number>> {
  const rows = await getDb().execute<{ type: string; n: number }>(sql`SELECT type, count(*)::int AS n FROM readings WHERE connection_id = ${connectionId} GROUP BY type`);
  return Object.fromEntries(rows.rows.map((r) => [r.type, Number(r.n)]));
}

async function sealedGrantOf(connectionId: number) {
  const [row] = await getDb().select({ sealed: connections.credentialsEncrypted }).from(connections).where(eq(connections.id, connectionId));
  return row!.sealed!;
}

describe(`Fitbit over OAuth2 against its stand-in on ${inject('databaseKind')}`, () => {
  it('connects through the consent popup, stores the grant encrypted and syncs every type once, however often it syncs', async () => {
    const { authorizationUrl, callback, connectionId, humanId } = await connectFitbit('fitbit-user-1');
    const asked = new URL(authorizationUrl);
    expect(asked.origin + asked.pathname).toBe(`${fitbit.baseUrl}/oauth2/authorize`);
    expect(asked.searchParams.get('client_id')).toBe(fitbit.clientId);
    expect(asked.searchParams.get('redirect_uri')).toBe(`${api.baseUrl}/connect/callback/fitbit`);
    expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
    expect(asked.searchParams.get('scope')).toBe('activity heartrate sleep weight profile');
    expect(asked.href).not.toMatch(/code_verifier|client_secret/);
    expect(callback.html).toMatch(/window\.opener\.postMessage\(message, location\.origin\)/);
    expect(callback.headers.get('referrer-policy')).toBe('no-referrer');
    expect(callback.html).not.toContain(new URL(callback.url).searchParams.get('code')!);

    // Stored encrypted: no token the stand-in issued appears in the row.
    const sealed = await sealedGrantOf(connectionId);
    for (const token of fitbit.issuedTokens()) expect(sealed).not.toContain(token);
    const grant = openGrant(sealed);
    expect(grant).toMatchObject({ provider: 'fitbit', scope: 'activity heartrate sleep weight profile', providerUserId: expect.stringMatching(/^B/) });
    expect(fitbit.issuedTokens()).toContain(grant.accessToken);

    // The callback URL cannot be used twice.
    const replay = await fetch(callback.url);
    expect(await replay.text()).toMatch(/already finished, expired, or was not started here/);

    // The history backfill, then the same again: the same readings, no duplicates.
    const sleepPagesBefore = fitbit.requests.filter((r) => r.startsWith('/1.2/user/-/sleep/list.json')).length;
    await fitbitConnector.sync(syncContext({ humanId, connectionId }));
    const days = Array.from({ length: HISTORY_DAYS }, (_, i) => isoDate(Date.parse(today) - (HISTORY_DAYS - 1 - i) * DAY_MS));
    const fixtures = days.map((d) => fitbitFixture(d, HR_MINUTES));
    const expected = {
      heart_rate: HISTORY_DAYS * HR_MINUTES,
      steps: HISTORY_DAYS,
      sleep: HISTORY_DAYS,
      weight: fixtures.filter((f) => f.weight).length,
      bmi: fixtures.filter((f) => f.weight).length,
      body_fat: fixtures.filter((f) => f.weight && 'fat' in f.weight).length,
    };
    expect(await countsByType(connectionId)).toEqual(expected);
    // 90 nights in pages of at most 25: the connector followed the `next` links.
    expect(fitbit.requests.filter((r) => r.startsWith('/1.2/user/-/sleep/list.json')).length - sleepPagesBefore).toBe(4);

    await fitbitConnector.sync(syncContext({ humanId, connectionId }));
    expect(await countsByType(connectionId)).toEqual(expected);

    // Local clock times become instants with the user's offset kept.
    const first = days[0]!;
    const [heart] = (await getDb().execute<{ ts: string; tz: number; value: number; unit: string }>(sql`
      SELECT to_json(ts)#>>'{}' AS ts, tz_offset_minutes AS tz, value, unit FROM readings
      WHERE connection_id = ${connectionId} AND type = 'heart_rate' ORDER BY ts LIMIT 1`)).rows;
    expect(heart).toMatchObject({ tz: 120, value: fitbitFixture(first, HR_MINUTES).heart[0]!.value, unit: 'bpm' });
    expect(new Date(heart!.ts).toISOString()).toBe(new Date(Date.parse(`${first}T00:00:00Z`) - OFFSET_MS).toISOString());

    // An incremental sync reads only from shortly before the newest reading.
    const before = fitbit.requests.length;
    await fitbitConnector.sync(syncContext({ humanId, connectionId }, { historySyncedAt: SYNC_NOW, lastSyncAt: SYNC_NOW, newestReadingAt: SYNC_NOW }));
    const heartDays = fitbit.requests.slice(before).filter((r) => r.includes('/activities/heart/')).length;
    expect(heartDays).toBeLessThanOrEqual(3);
    expect(await countsByType(connectionId)).toEqual(expected);
  });

  it('is backfilled by the sync queue once connected: the job runs the connector with the connection\'s grant', async () => {
    await saveWebhookUrl(app.owner, app.clientId, 'https://hooks.example.com/wearhouse');
    const { humanId, connectionId } = await connectFitbit('fitbit-user-queue');
    await waitForSyncs({ humanId, now: () => SYNC_NOW });
    // The run is announced to the app's webhook once, with what it stored.
    const events = (await getDb().execute<{ body: string }>(sql`
      SELECT body FROM webhook_deliveries WHERE human_id = ${humanId} AND event_type = 'readings.added'`)).rows.map((r) => JSON.parse(r.body));
    expect(events).toHaveLength(1);
    const stored = await countsByType(connectionId);
    expect(events[0].data).toMatchObject({ humanId, count: Object.values(stored).reduce((sum, n) => sum + n, 0) });
    expect([...events[0].data.types].sort()).toEqual(Object.keys(stored).sort());
    const connection = (await listConnections(app.owner, app.clientId, humanId)).find((c) => c.source.id === 'fitbit')!;
    expect(connection).toMatchObject({ status: 'connected', lastError: null });
    expect(connection.historySyncedAt).not.toBeNull();
    expect(await countsByType(connectionId)).toMatchObject({ heart_rate: HISTORY_DAYS * HR_MINUTES, steps: HISTORY_DAYS, sleep: HISTORY_DAYS });
  });

  it('refreshes an expired token before asking, stores the rotated refresh token, and refreshes once on a 401', async () => {
    const { humanId, connectionId } = await connectFitbit('fitbit-user-2');
    const original = openGrant(await sealedGrantOf(connectionId));

    // Nine hours later by the sync's clock the 8-hour token has expired: refreshed first, no 401.
    const later = new Date(Date.now() + 9 * 3_600_000);
    const refreshes = fitbit.counts.refreshes;
    const unauthorized = fitbit.counts.unauthorizedDataRequests;
    const fetchLater = providerFetchFor(connectionId, { now: () => later });
    expect((await fetchLater(`${fitbit.baseUrl}/1/user/-/profile.json`)).status).toBe(200);
    expect(fitbit.counts.refreshes).toBe(refreshes + 1);
    expect(fitbit.counts.unauthorizedDataRequests).toBe(unauthorized);
    const renewed = openGrant(await sealedGrantOf(connectionId));
    expect(renewed.accessToken).not.toBe(original.accessToken);
    expect(renewed.refreshToken).not.toBe(original.refreshToken);

    // The provider expires the token early: three concurrent requests, one 401 refresh between them.
    fitbit.expireAccessTokens();
    const fetchNow = providerFetchFor(connectionId);
    const answers = await Promise.all([1, 2, 3].map(() => fetchNow(`${fitbit.baseUrl}/1/user/-/profile.json`)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(fitbit.counts.refreshes).toBe(refreshes + 2);
    expect(fitbit.counts.refusedRefreshes).toBe(0);

    // A sync through it after the provider expired the token again still completes.
    fitbit.expireAccessTokens();
    await fitbitConnector.sync(syncContext({ humanId, connectionId }));
    expect(fitbit.counts.refreshes).toBe(refreshes + 3);
    expect((await countsByType(connectionId)).heart_rate).toBe(HISTORY_DAYS * HR_MINUTES);
  });

  it('turns a 429 into ProviderRateLimitedError with the Retry-After, and never sends the token elsewhere', async () => {
    const { humanId, connectionId } = await connectFitbit('fitbit-user-3');
    fitbit.rateLimitNext(1, 37);
    const error = await fitbitConnector.sync(syncContext({ humanId, connectionId })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect((error as ProviderRateLimitedError).retryAfterMs).toBe(37_000);

    await expect(providerFetchFor(connectionId)('https://example.com/1/user/-/profile.json')).rejects.toThrow(/not the provider's API/);
  });

  it('refuses what cannot be connected, in words: a refused consent, a bad state, an app without credentials, a direct connect', async () => {
    const { widgetToken, humanId } = await openWidget(app, 'fitbit-user-4');
    fitbit.refuseNextConsent();
    const started = (await (await widgetApi(widgetToken, 'authorize', { sourceId: 'fitbit' })).json()) as { authorizationUrl: string };
    const refused = await consent(started.authorizationUrl);
    expect(refused.message).toMatchObject({ status: 'failed', message: 'You did not allow access to Fitbit, so nothing was connected.' });
    expect(await listConnections(app.owner, app.clientId, humanId)).toEqual([]);

    const forged = await fetch(`${api.baseUrl}/connect/callback/fitbit?code=abc&state=${'x'.repeat(43)}`);
    expect(await forged.text()).toMatch(/already finished, expired, or was not started here/);
    const garbage = await fetch(`${api.baseUrl}/connect/callback/fitbit?code=abc&state=%3Cscript%3E`);
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).not.toContain('<script>alert');

    const direct = await widgetApi(widgetToken, 'connect', { sourceId: 'fitbit' });
    expect(direct.status).toBe(409);

    const bare = await createTestApp('No Fitbit credentials');
    const other = await openWidget(bare, 'someone');
    const noCredentials = await widgetApi(other.widgetToken, 'authorize', { sourceId: 'fitbit' });
    expect(noCredentials.status).toBe(409);
    expect(((await noCredentials.json()) as { message: string }).message).toMatch(/has not set up Fitbit yet/);
  });

  it('revokes the grant at Fitbit when the user disconnects', async () => {
    const { widgetToken, connectionId } = await connectFitbit('fitbit-user-5');
    const revocations = fitbit.counts.revocations;
    const response = await widgetApi(widgetToken, 'disconnect', { sourceId: 'fitbit' });
    expect(response.status).toBe(200);
    await settleRevocations();
    expect(fitbit.counts.revocations).toBe(revocations + 1);
    const [row] = await getDb().select({ status: connections.status, sealed: connections.credentialsEncrypted }).from(connections)
      .where(and(eq(connections.id, connectionId)));
    expect(row).toEqual({ status: 'disconnected', sealed: null });
  });

  it("revokes the grant at Fitbit when the user is deleted, without holding up the delete", async () => {
    const { humanId } = await connectFitbit('fitbit-user-7');
    const revocations = fitbit.counts.revocations;
    const active = fitbit.activeGrants();
    await deleteUser(app.owner, app.clientId, humanId);
    await settleRevocations();
    expect(fitbit.counts.revocations).toBe(revocations + 1);
    expect(fitbit.activeGrants()).toBe(active - 1);
  });

  it('reports a grant the user revoked at Fitbit as ProviderAuthorizationError', async () => {
    const { humanId, connectionId } = await connectFitbit('fitbit-user-6');
    fitbit.revokeAllGrants();
    const error = await fitbitConnector.sync(syncContext({ humanId, connectionId })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthorizationError);
    expect(fitbit.counts.refusedRefreshes).toBeGreaterThan(0);
  });

  it('never logged a token, a code or the client secret', async () => {
    await settleRevocations();
    const lines = spies.flatMap((spy) => spy.mock.calls.map((call) => JSON.stringify(call, (_key, value: unknown) =>
      value instanceof Error ? { message: value.message, stack: value.stack, cause: String(value.cause) } : value)));
    expect(lines.some((line) => line.includes('oauth.refreshed'))).toBe(true);
    expect(lines.some((line) => line.includes('oauth.revoked'))).toBe(true);
    const secrets = [...fitbit.issuedTokens(), fitbit.clientSecret];
    expect(secrets.length).toBeGreaterThan(10);
    for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
