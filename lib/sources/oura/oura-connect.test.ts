// Oura end to end against its stand-in, the way a user meets it: the app's credentials saved,
// Connect's consent popup and back through /connect/callback/oura, the backfill run by the sync
// queue itself (its job, the registry and the connection's authorized fetch), a token refreshed
// on expiry by a later sync, and the grant revoked at Oura when the user disconnects.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reloadConfig } from '../../config';
import { mintSessionForUser, openConnect } from '../../connect/tokens';
import { getDb } from '../../db/client';
import { apps } from '../../db/schema';
import { startApi, type RunningApi } from '../../testing/api';
import { createTestApp, type TestApp } from '../../testing/fixtures';
import { startOuraStandIn, type OuraStandIn } from '../../testing/stand-ins/oura';
import { listConnections, requestSync } from '../connections';
import { saveProviderCredentials } from '../oauth/credentials';
import { settleRevocations } from '../oauth/tokens';
import { waitForSyncs } from '../sync';

const DAY_MS = 86_400_000;

let api: RunningApi;
let oura: OuraStandIn;
let app: TestApp;

beforeAll(async () => {
  oura = await startOuraStandIn();
  process.env.WEARHOUSE_OURA_AUTH_URL = oura.url;
  process.env.WEARHOUSE_OURA_API_URL = oura.url;
  reloadConfig();
  api = await startApi();
  oura.addRedirectUri(`${api.baseUrl}/connect/callback/oura`);
  app = await createTestApp('Oura app');
  await saveProviderCredentials(app.owner, app.clientId, 'oura', { clientId: oura.client.clientId, clientSecret: oura.client.clientSecret });
});

afterAll(async () => {
  await settleRevocations();
  await api?.close();
  await oura?.close();
  delete process.env.WEARHOUSE_OURA_AUTH_URL;
  delete process.env.WEARHOUSE_OURA_API_URL;
  reloadConfig();
});

async function connectOura(externalId: string) {
  const [row] = await getDb().select({ id: apps.id }).from(apps).where(eq(apps.clientId, app.clientId));
  const minted = await mintSessionForUser({ kind: 'client', appId: row!.id, clientId: app.clientId }, app.clientId, { externalId });
  const opened = await openConnect(minted.sessionToken);
  if (!opened.ok) throw new Error(opened.message);
  const widget = (route: string, body: unknown) => fetch(`${api.baseUrl}/connect/api/${route}`, {
    method: 'POST', headers: { authorization: `Bearer ${opened.widgetToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const state = await (await fetch(`${api.baseUrl}/connect/api/state`, { headers: { authorization: `Bearer ${opened.widgetToken}` } })).json() as { sources: { id: string }[] };
  const started = await widget('authorize', { sourceId: 'oura' });
  expect(started.status).toBe(200);
  const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
  // The popup: Oura's consent page (the stand-in signs its last user in and redirects at once) and back.
  const atOura = await fetch(authorizationUrl, { redirect: 'manual' });
  expect(atOura.status).toBe(302);
  const page = await (await fetch(atOura.headers.get('location')!)).text();
  const message = JSON.parse(/var message = (\{.*\});/.exec(page)![1]!) as { type: string; status: string };
  return { humanId: minted.humanId, widget, offered: state.sources.map((s) => s.id), message };
}

const countsOf = async (humanId: string) => Object.fromEntries((await getDb().execute<{ type: string; n: number }>(sql`
  SELECT r.type, count(*)::int AS n FROM readings r JOIN users u ON u.id = r.user_id WHERE u.human_id = ${humanId} GROUP BY r.type`)).rows
  .map((r) => [r.type, Number(r.n)]));

describe(`Oura through Connect and the sync queue on ${inject('databaseKind')}`, () => {
  it('connects through the consent popup, is backfilled by the queue, refreshes an expired token, and revokes on disconnect', async () => {
    oura.addUser({ historyDays: 20, tzOffsetMinutes: 120 });
    const { humanId, widget, offered, message } = await connectOura('oura-user-1');
    expect(offered).toContain('oura');
    expect(message).toMatchObject({ type: 'wearhouse-source', status: 'connected' });

    await waitForSyncs({ humanId, now: () => oura.now() });
    const [connection] = (await listConnections(app.owner, app.clientId, humanId)).filter((c) => c.source.id === 'oura');
    expect(connection).toMatchObject({ status: 'connected', lastError: null });
    const first = await countsOf(humanId);
    expect(Object.keys(first).sort()).toEqual(['activity', 'blood_oxygen', 'calories', 'distance', 'heart_rate', 'sleep', 'steps']);
    expect(first.heart_rate).toBeGreaterThan(20 * 200); // 5-minute samples while worn, 20 days

    // A day later the access token has expired: the next sync refreshes it and adds only the new day.
    const refreshes = oura.counters.refreshes;
    oura.setNow(new Date(oura.now().getTime() + DAY_MS));
    await requestSync(app.owner, app.clientId, humanId, 'oura');
    await waitForSyncs({ humanId, now: () => oura.now() });
    expect(oura.counters.refreshes).toBe(refreshes + 1);
    const second = await countsOf(humanId);
    expect(second.heart_rate).toBeGreaterThan(first.heart_rate!);
    expect((await listConnections(app.owner, app.clientId, humanId)).find((c) => c.source.id === 'oura')).toMatchObject({ status: 'connected', lastError: null });

    const revocations = oura.counters.revocations;
    expect((await widget('disconnect', { sourceId: 'oura' })).status).toBe(200);
    await settleRevocations();
    expect(oura.counters.revocations).toBe(revocations + 1);
  });
});
