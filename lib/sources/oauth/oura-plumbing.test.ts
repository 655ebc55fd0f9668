// The OAuth2 plumbing with Oura's differences from Fitbit (client id and secret in the token
// request body, no PKCE, RFC 6749 error bodies, revocation by GET with the access token), against a
// minimal Oura-shaped token server. The Oura connector and its full stand-in are tested beside them
// in lib/sources/oura/.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reloadConfig } from '../../config';
import { mintSessionForUser, openConnect } from '../../connect/tokens';
import { getDb } from '../../db/client';
import { apps } from '../../db/schema';
import { startApi, type RunningApi } from '../../testing/api';
import { createTestApp, type TestApp } from '../../testing/fixtures';
import { ProviderAuthorizationError } from '../connector';
import { listConnections } from '../connections';
import { saveProviderCredentials } from './credentials';
import { providerFetchFor, settleRevocations } from './tokens';

const CLIENT_ID = 'oura-client';
const CLIENT_SECRET = randomBytes(16).toString('hex');

type Grant = { access: string; refresh: string; expired: boolean; revoked: boolean };
const grants: Grant[] = [];
const seen = { tokenBodies: [] as string[], revokes: 0, challenges: 0 };
let oura: http.Server;
let ouraUrl: string;
let api: RunningApi;
let app: TestApp;

function startOura() {
  const issue = () => {
    const grant = { access: randomBytes(16).toString('hex'), refresh: randomBytes(16).toString('hex'), expired: false, revoked: false };
    grants.push(grant);
    return { access_token: grant.access, refresh_token: grant.refresh, expires_in: 86_400, token_type: 'bearer' };
  };
  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://oura');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/oauth/authorize') {
      if (url.searchParams.has('code_challenge')) seen.challenges++;
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', 'the-code');
      back.searchParams.set('state', url.searchParams.get('state')!);
      return res.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === '/oauth/token') {
      let raw = '';
      for await (const chunk of req) raw += String(chunk);
      const body = new URLSearchParams(raw);
      seen.tokenBodies.push(body.get('grant_type')!);
      if (req.headers.authorization || body.get('client_id') !== CLIENT_ID || body.get('client_secret') !== CLIENT_SECRET) return json(401, { error: 'invalid_client' });
      if (body.get('grant_type') === 'authorization_code') return body.get('code') === 'the-code' ? json(200, issue()) : json(400, { error: 'invalid_grant' });
      const grant = grants.find((g) => g.refresh === body.get('refresh_token'));
      if (!grant || grant.revoked) return json(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
      grant.revoked = true;
      return json(200, issue());
    }
    if (url.pathname === '/oauth/revoke' && req.method === 'GET') {
      const grant = grants.find((g) => g.access === url.searchParams.get('access_token'));
      if (grant) {
        grant.revoked = true;
        seen.revokes++;
      }
      return json(200, {});
    }
    if (url.pathname === '/v2/usercollection/personal_info') {
      const grant = grants.find((g) => `Bearer ${g.access}` === req.headers.authorization);
      if (!grant || grant.revoked || grant.expired) return json(401, { detail: 'Unauthorized' });
      return json(200, { id: 'oura-user', age: 40 });
    }
    json(404, { detail: 'Not Found' });
  });
}

beforeAll(async () => {
  oura = startOura();
  await new Promise<void>((resolve) => oura.listen(0, '127.0.0.1', resolve));
  ouraUrl = `http://127.0.0.1:${(oura.address() as AddressInfo).port}`;
  process.env.WEARHOUSE_OURA_AUTH_URL = ouraUrl;
  process.env.WEARHOUSE_OURA_API_URL = ouraUrl;
  reloadConfig();
  api = await startApi();
  app = await createTestApp('Oura app');
  await saveProviderCredentials(app.owner, app.clientId, 'oura', { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
});

afterAll(async () => {
  await settleRevocations();
  await api?.close();
  oura?.closeAllConnections();
  await new Promise((resolve) => oura?.close(resolve));
  delete process.env.WEARHOUSE_OURA_AUTH_URL;
  delete process.env.WEARHOUSE_OURA_API_URL;
  reloadConfig();
});

async function connectOura(externalId: string) {
  const [row] = await getDb().select({ id: apps.id }).from(apps).where(eq(apps.clientId, app.clientId));
  const minted = await mintSessionForUser({ kind: 'client', appId: row!.id, clientId: app.clientId }, app.clientId, { externalId });
  const opened = await openConnect(minted.sessionToken);
  if (!opened.ok) throw new Error(opened.message);
  const post = (route: string) => fetch(`${api.baseUrl}/connect/api/${route}`, {
    method: 'POST', headers: { authorization: `Bearer ${opened.widgetToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ sourceId: 'oura' }),
  });
  const { authorizationUrl } = (await (await post('authorize')).json()) as { authorizationUrl: string };
  const consent = await fetch(authorizationUrl, { redirect: 'manual' });
  const page = await (await fetch(consent.headers.get('location')!)).text();
  expect(page).toContain('"status":"connected"');
  const connection = (await listConnections(app.owner, app.clientId, minted.humanId)).find((c) => c.source.id === 'oura')!;
  return { connectionId: connection.id, authorizationUrl, disconnect: () => post('disconnect') };
}

describe(`OAuth2 plumbing with Oura's conventions on ${inject('databaseKind')}`, () => {
  it('exchanges without PKCE and with the client in the body, refreshes on a 401, and revokes by GET on disconnect', async () => {
    const { connectionId, authorizationUrl, disconnect } = await connectOura('oura-user-1');
    const asked = new URL(authorizationUrl);
    expect(asked.pathname).toBe('/oauth/authorize');
    expect(asked.searchParams.get('scope')).toBe('daily heartrate spo2');
    expect(seen.challenges).toBe(0);

    const fetchOura = providerFetchFor(connectionId);
    expect((await fetchOura(`${ouraUrl}/v2/usercollection/personal_info`)).status).toBe(200);
    grants.at(-1)!.expired = true;
    expect((await fetchOura(`${ouraUrl}/v2/usercollection/personal_info`)).status).toBe(200);
    expect(seen.tokenBodies).toEqual(['authorization_code', 'refresh_token']);

    expect((await disconnect()).status).toBe(200);
    await settleRevocations();
    expect(seen.revokes).toBe(1);
    expect(grants.at(-1)!.revoked).toBe(true);
  });

  it("reports Oura's RFC 6749 invalid_grant as ProviderAuthorizationError", async () => {
    const { connectionId } = await connectOura('oura-user-2');
    const grant = grants.at(-1)!;
    grant.expired = true;
    grant.revoked = true;
    await expect(providerFetchFor(connectionId)(`${ouraUrl}/v2/usercollection/personal_info`)).rejects.toBeInstanceOf(ProviderAuthorizationError);
  });
});
