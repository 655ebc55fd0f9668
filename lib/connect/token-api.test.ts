// POST /v1/connect/token, /tokens and /publictokens over real HTTP, as an app's server calls them.
import http from 'node:http';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { attemptLimiter, inProcessLimiter } from '../api/rate-limit';
import { sha256Hex } from '../auth/secrets';
import { getDb } from '../db/client';
import { connections, connectSessions, users } from '../db/schema';
import { startApi, type RunningApi } from '../testing/api';
import { createTestApp, type TestApp } from '../testing/fixtures';
import { deleteUser, getUser, revealTokens } from '../users/users';
import { endUserForAccessToken } from './end-user';
import { openConnect } from './tokens';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

type Json = Record<string, unknown>;

async function post(path: string, body: Json | URLSearchParams, headers: Record<string, string> = {}, base = api.baseUrl) {
  const isForm = body instanceof URLSearchParams;
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': isForm ? 'application/x-www-form-urlencoded' : 'application/json', ...headers },
    body: isForm ? body.toString() : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

/** A POST with exactly these headers (fetch would replace Sec-Fetch-Mode with its own). */
function rawPost(path: string, body: Json, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Json }>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const request = http.request(`${api.baseUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: JSON.parse(text) as Json }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const creds = (app: TestApp) => ({ client_id: app.clientId, client_secret: app.clientSecret });
const sessionFor = (app: TestApp, externalId: string, extra: Json = {}) =>
  post('/v1/connect/token', { ...creds(app), type: 'session', client_user_id: externalId, ...extra });

async function connectSomething(humanId: string) {
  const [user] = await getDb().select({ id: users.id }).from(users).where(eq(users.humanId, humanId));
  await getDb().insert(connections).values({ userId: user!.id, sourceId: 'demo-tracker' });
}

describe(`POST /v1/connect/token on ${inject('databaseKind')}`, () => {
  it('type=session creates the user and returns a session token that opens Connect', async () => {
    const app = await createTestApp();
    const res = await sessionFor(app, 'alice', { client_user_email: 'alice@example.test' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ session_token: expect.stringMatching(/^whc_/), human_id: expect.stringMatching(/^[0-9a-f]{32}$/), expires_in: 3600 });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const user = await getUser(app.owner, app.clientId, res.body.human_id as string);
    expect(user).toMatchObject({ externalId: 'alice', email: 'alice@example.test' });
    expect(await openConnect(res.body.session_token as string)).toMatchObject({ ok: true, caller: { humanId: user.humanId } });
  });

  it('accepts a form body and Basic client credentials, as old clients send them', async () => {
    const app = await createTestApp();
    const form = await post('/v1/connect/token', new URLSearchParams({ ...creds(app), type: 'session', client_user_id: 'bob' }));
    expect(form.status).toBe(200);
    const basic = await post('/v1/connect/token', { type: 'session', client_user_id: 'bob' }, {
      Authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
    });
    expect(basic.status).toBe(200);
    expect(basic.body.human_id).toBe(form.body.human_id);
  });

  it('a wrong secret is 401 with an error body; another app cannot mint for it', async () => {
    const app = await createTestApp();
    const other = await createTestApp();
    const wrong = await post('/v1/connect/token', { client_id: app.clientId, client_secret: other.clientSecret, type: 'session', client_user_id: 'x' });
    expect(wrong).toMatchObject({ status: 401, body: { statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/client_secret/) } });
    const unknown = await post('/v1/connect/token', { client_id: 'f'.repeat(40), client_secret: app.clientSecret, type: 'session', client_user_id: 'x' });
    expect(unknown.status).toBe(401);
    // Nothing was created.
    const rows = await getDb().select().from(users).where(eq(users.externalId, 'x'));
    expect(rows).toHaveLength(0);
  });

  it('bad input is a 400 that names the field', async () => {
    const app = await createTestApp();
    expect(await post('/v1/connect/token', { ...creds(app), client_user_id: 'x' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/type/) } });
    expect(await post('/v1/connect/token', { ...creds(app), type: 'session' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/client_user_id/) } });
    expect(await post('/v1/connect/token', { client_secret: app.clientSecret, type: 'session', client_user_id: 'x' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/client_id/) } });
    expect(await post('/v1/connect/token', { ...creds(app), type: 'bogus', client_user_id: 'x' })).toMatchObject({ status: 400, body: { statusCode: 400 } });
    expect(await sessionFor(app, 'x', { client_user_email: 'not an email' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/email/) } });
    const text = await fetch(`${api.baseUrl}/v1/connect/token`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);
    const broken = await fetch(`${api.baseUrl}/v1/connect/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"client_id":' });
    expect(broken.status).toBe(400);
  });

  it('refuses requests from a browser, even with the right secret', async () => {
    const app = await createTestApp();
    const fromPage = await sessionFor(app, 'eve', {});
    expect(fromPage.status).toBe(200); // Node's fetch (Sec-Fetch-Mode: cors alone) is a server
    for (const headers of <Record<string, string>[]>[
      { Origin: 'https://app.example.com' },
      { 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Dest': 'empty' },
      { 'Sec-Fetch-Mode': 'navigate' },
      { 'Sec-Fetch-Mode': 'no-cors' },
    ]) {
      const res = await rawPost('/v1/connect/token', { ...creds(app), type: 'session', client_user_id: 'eve' }, headers);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden', message: expect.stringMatching(/on your server/) });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    const preflight = await fetch(`${api.baseUrl}/v1/connect/token`, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('type=id relaunches Connect for an existing user; unknown users are 404', async () => {
    const app = await createTestApp();
    const { body: session } = await sessionFor(app, 'carol');
    const res = await post('/v1/connect/token', { ...creds(app), type: 'id_token', client_user_id: 'carol' });
    expect(res).toMatchObject({ status: 200, body: { id_token: expect.stringMatching(/^whc_/), expires_in: 3600 } });
    expect(await openConnect(res.body.id_token as string)).toMatchObject({ ok: true, caller: { humanId: session.human_id } });
    expect(await openConnect(res.body.id_token as string)).toMatchObject({ ok: false, status: 'SESSION_TOKEN_INVALID' });
    const nobody = await post('/v1/connect/token', { ...creds(app), type: 'id', client_user_id: 'nobody' });
    expect(nobody).toMatchObject({ status: 404, body: { statusCode: 404 } });
  });

  it('type=access: refused before a source is connected and after deletion; refresh rotates', async () => {
    const app = await createTestApp();
    const { body: session } = await sessionFor(app, 'dan');
    const early = await post('/v1/connect/token', { ...creds(app), type: 'access', client_user_id: 'dan' });
    expect(early).toMatchObject({ status: 409, body: { message: expect.stringMatching(/no connected source/) } });

    await connectSomething(session.human_id as string);
    const res = await post('/v1/connect/token', { ...creds(app), type: 'access', client_user_id: 'dan' });
    expect(res).toMatchObject({ status: 200, body: { access_token: expect.stringMatching(/^whc_/), expires_in: 86400, token_type: 'Bearer', refresh_token: expect.stringMatching(/^whc_/) } });
    expect(await endUserForAccessToken(res.body.access_token as string)).toMatchObject({ humanId: session.human_id });

    const renewed = await post('/v1/connect/token', new URLSearchParams({ ...creds(app), grant_type: 'refresh_token', refresh_token: res.body.refresh_token as string }));
    expect(renewed).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
    const replay = await post('/v1/connect/token', { ...creds(app), type: 'refresh', refresh_token: res.body.refresh_token as string });
    expect(replay.status).toBe(401);

    await deleteUser(app.owner, app.clientId, session.human_id as string);
    const gone = await post('/v1/connect/token', { ...creds(app), type: 'access', client_user_id: 'dan' });
    expect(gone.status).toBe(404);
    expect(await endUserForAccessToken(renewed.body.access_token as string)).toBeNull();
    const afterDelete = await post('/v1/connect/token', { ...creds(app), type: 'refresh', refresh_token: renewed.body.refresh_token as string });
    expect(afterDelete.status).toBe(401);
  });
});

describe(`v2.1 finalize on ${inject('databaseKind')}`, () => {
  it("returns the user's long-lived tokens for a session token, spent or not", async () => {
    const app = await createTestApp();
    const { body: session } = await sessionFor(app, 'erin');
    const humanId = session.human_id as string;
    const body = { humanId, clientId: app.clientId, clientSecret: app.clientSecret, sessionToken: session.session_token };
    const before = await post('/v1/connect/tokens', body);
    expect(before.status).toBe(200);
    const tokens = await revealTokens(app.owner, app.clientId, humanId);
    expect(before.body).toEqual({ humanId, clientId: app.clientId, clientUserId: 'erin', ...tokens });
    await openConnect(session.session_token as string);
    expect((await post('/v1/connect/tokens', body)).body).toEqual(before.body);

    const pub = await post('/v1/connect/publictokens', { humanId, clientId: app.clientId, clientSecret: app.clientSecret });
    expect(pub).toMatchObject({ status: 200, body: { humanId, publicToken: tokens.publicToken } });
  });

  it('refuses an expired token, a wrong secret, and another app', async () => {
    const app = await createTestApp();
    const other = await createTestApp();
    const { body: session } = await sessionFor(app, 'fay');
    const humanId = session.human_id as string;
    const body = { humanId, clientId: app.clientId, clientSecret: app.clientSecret, sessionToken: session.session_token };
    expect((await post('/v1/connect/tokens', { ...body, clientSecret: other.clientSecret })).status).toBe(401);
    expect((await post('/v1/connect/tokens', { ...body, clientId: other.clientId, clientSecret: other.clientSecret })).status).toBe(401);
    expect((await post('/v1/connect/publictokens', { humanId, clientId: other.clientId, clientSecret: other.clientSecret })).status).toBe(404);
    expect((await post('/v1/connect/tokens', { ...body, humanId: 'f'.repeat(32) })).status).toBe(401);
    await getDb().update(connectSessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(connectSessions.tokenHash, sha256Hex(session.session_token as string)));
    const expired = await post('/v1/connect/tokens', body);
    expect(expired).toMatchObject({ status: 401, body: { statusCode: 401, message: expect.stringMatching(/expired/) } });
    expect((await post('/v1/connect/tokens', { humanId })).status).toBe(400);
  });
});

describe(`limits on /v1/connect on ${inject('databaseKind')}`, () => {
  it('counts wrong secrets per address and rate-limits each client_id', async () => {
    const limited = await startApi({
      limiter: inProcessLimiter({ rate: 0.01, burst: 2 }),
      authFailures: attemptLimiter({ attempts: 3, windowSeconds: 60 }, { prefix: 'test:' }),
    });
    try {
      const app = await createTestApp();
      const ok = () => post('/v1/connect/token', { ...creds(app), type: 'session', client_user_id: 'gus' }, {}, limited.baseUrl);
      expect((await ok()).status).toBe(200);
      expect((await ok()).status).toBe(200);
      const third = await ok();
      expect(third).toMatchObject({ status: 429, body: { statusCode: 429, message: expect.stringMatching(/client_id/) } });
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);

      const other = await createTestApp();
      const bad = () => post('/v1/connect/token', { client_id: other.clientId, client_secret: 'whs_wrong', type: 'session', client_user_id: 'h' }, {}, limited.baseUrl);
      for (let i = 0; i < 3; i++) expect((await bad()).status).toBe(401);
      const blocked = await post('/v1/connect/token', { ...creds(other), type: 'session', client_user_id: 'h' }, {}, limited.baseUrl);
      expect(blocked).toMatchObject({ status: 429, body: { message: expect.stringMatching(/wrong client secrets/) } });
    } finally {
      await limited.close();
    }
  });
});

describe(`the OpenAPI document on ${inject('databaseKind')}`, () => {
  it('documents the Connect token endpoints and their client credentials', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { security?: unknown }>>; components: { securitySchemes: Record<string, unknown> } };
    for (const path of ['/v1/connect/token', '/v1/connect/tokens', '/v1/connect/publictokens']) {
      expect(doc.paths[path]?.post?.security).toEqual([{ clientCredentials: [] }]);
    }
    expect(doc.components.securitySchemes.clientCredentials).toMatchObject({ type: 'http', scheme: 'basic' });
  });
});
