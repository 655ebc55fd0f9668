// The ngrok dialect over real HTTP: /app/users with a Bearer App Key and Ngrok-Version: 2, the
// ApplicationUser shape, before_id/limit paging with absolute URLs, and every error in ngrok's body.
import http from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { authenticateAppKey, createKey, revokeKey } from '../../apps/keys';
import { operator } from '../../auth/caller';
import { reloadConfig } from '../../config';
import { getDb } from '../../db/client';
import { users } from '../../db/schema';
import { seedUsers } from '../../demo/seed';
import { startApi, type RunningApi } from '../../testing/api';
import { createTestApp, createTestUsers, type TestApp } from '../../testing/fixtures';
import { createUser, getUser, listUsers, newUserValues } from '../../users/users';
import { purgeAll } from '../../users/purge';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

type NgrokInit = RequestInit & { version?: string | null; auth?: string | null };

/** A request as the ngrok clients send it: Bearer App Key and Ngrok-Version: 2, unless overridden. */
function ngrok(appKey: string, path: string, { version = '2', auth, ...init }: NgrokInit = {}) {
  const headers = new Headers(init.headers);
  const authorization = auth === undefined ? `Bearer ${appKey}` : auth;
  if (authorization !== null) headers.set('Authorization', authorization);
  if (version !== null) headers.set('Ngrok-Version', version);
  return fetch(path.startsWith('http') ? path : `${api.baseUrl}${path}`, { ...init, headers });
}

type NgrokError = { error_code: string; status_code: number; msg: string; details: Record<string, string> };

/** Asserts ngrok's error body with this status and returns it. */
async function expectNgrokError(response: Response, status: number, code?: number): Promise<NgrokError> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as NgrokError;
  expect(body).toEqual({
    error_code: `ERR_WEARHOUSE_${code ?? status}`,
    status_code: status,
    msg: expect.any(String),
    details: expect.objectContaining({ operation_id: expect.stringMatching(/^op_[\w-]+$/) }),
  });
  expect(body.details).not.toBeInstanceOf(Array);
  expect(body.msg.length).toBeGreaterThan(0);
  return body;
}

const APPLICATION_USER_KEYS = [
  'created_at', 'email', 'id', 'identity_provider', 'last_active', 'last_login', 'name', 'provider_user_id', 'uri', 'username',
];
const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Follows next_page_uri from `firstPath` to the end: each page's uri, next_page_uri and user ids. */
async function listAll(app: TestApp, firstPath: string) {
  const pages: { uri: string; next_page_uri: string | null; ids: string[] }[] = [];
  let next: string | null = firstPath;
  while (next) {
    const response = await ngrok(app.appKey, next);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { application_users: { id: string }[]; uri: string; next_page_uri: string | null };
    expect(Object.keys(body).sort()).toEqual(['application_users', 'next_page_uri', 'uri']);
    pages.push({ uri: body.uri, next_page_uri: body.next_page_uri, ids: body.application_users.map((u) => u.id) });
    next = body.next_page_uri;
    if (pages.length > 20) throw new Error('next_page_uri never ends');
  }
  return pages;
}

describe(`ngrok dialect /app/users on ${inject('databaseKind')}`, () => {
  it('returns a user with an identity provider as an ApplicationUser with exactly the snake_case keys', async () => {
    const app = await createTestApp('Sleep Coach');
    const { user } = await createUser(app.owner, app.clientId, {
      externalId: 'ada@example.com',
      identityProvider: { name: 'Google', url: 'https://accounts.google.com' },
      providerUserId: 'google-1234',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      username: 'ada',
    });
    const lastActive = new Date('2025-03-04T05:06:07.890Z');
    const lastLogin = new Date('2025-03-01T00:00:00.000Z');
    await getDb().update(users).set({ lastActiveAt: lastActive, lastLoginAt: lastLogin }).where(sql`${users.humanId} = ${user.humanId}`);

    const response = await ngrok(app.appKey, `/app/users/${user.humanId}`);

    expect(response.status).toBe(200);
    const body = await response.json();
    expect(Object.keys(body).sort()).toEqual(APPLICATION_USER_KEYS);
    expect(body).toEqual({
      id: user.humanId,
      uri: `${api.baseUrl}/app/users/${user.humanId}`,
      identity_provider: { name: 'Google', url: 'https://accounts.google.com' },
      provider_user_id: 'google-1234',
      username: 'ada',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      created_at: user.createdAt.toISOString(),
      last_active: lastActive.toISOString(),
      last_login: lastLogin.toISOString(),
    });
    for (const field of ['created_at', 'last_active', 'last_login']) expect(body[field]).toMatch(RFC_3339);
  });

  it('names the app itself as identity provider, and the externalId as provider_user_id, for users without one', async () => {
    const app = await createTestApp('Run Streak');
    const { user } = await createUser(app.owner, app.clientId, { externalId: 'customer-77' });

    const response = await ngrok(app.appKey, `/app/users/${user.humanId}`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      id: user.humanId,
      uri: `${api.baseUrl}/app/users/${user.humanId}`,
      identity_provider: { name: 'Run Streak', url: api.baseUrl },
      provider_user_id: 'customer-77',
      username: null,
      email: null,
      name: null,
      created_at: user.createdAt.toISOString(),
      last_active: null,
      last_login: null,
    });
  });

  it('lists newest first, page by page through next_page_uri, until next_page_uri is null', async () => {
    const app = await createTestApp();
    const created = await createTestUsers(app, 7);
    const newestFirst = created.map((u) => u.humanId).reverse();

    const pages = await listAll(app, '/app/users?limit=3');

    expect(pages.map((p) => p.ids)).toEqual([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);
    expect(pages[0]!.uri).toBe(`${api.baseUrl}/app/users?limit=3`);
    expect(pages[0]!.next_page_uri).toBe(`${api.baseUrl}/app/users?before_id=${newestFirst[2]}&limit=3`);
    expect(pages[1]!.uri).toBe(pages[0]!.next_page_uri);
    expect(pages[1]!.next_page_uri).toBe(`${api.baseUrl}/app/users?before_id=${newestFirst[5]}&limit=3`);
    expect(pages[2]!.next_page_uri).toBeNull();

    // A page that ends exactly at the last user is the last page: no empty page after it.
    const exact = await listAll(app, '/app/users?limit=7');
    expect(exact).toEqual([{ uri: `${api.baseUrl}/app/users?limit=7`, next_page_uri: null, ids: newestFirst }]);
  });

  it('lists only users older than before_id (also as beforeId, and after that user is deleted)', async () => {
    const app = await createTestApp();
    const created = await createTestUsers(app, 6);
    const [u0, u1, u2, u3] = created;

    const older = await listAll(app, `/app/users?before_id=${u3!.humanId}`);
    expect(older.flatMap((p) => p.ids)).toEqual([u2!.humanId, u1!.humanId, u0!.humanId]);
    expect(older[0]!.uri).toBe(`${api.baseUrl}/app/users?before_id=${u3!.humanId}`);

    const camel = await listAll(app, `/app/users?beforeId=${u2!.humanId}&limit=100`);
    expect(camel.flatMap((p) => p.ids)).toEqual([u1!.humanId, u0!.humanId]);

    expect((await ngrok(app.appKey, `/app/users/${u3!.humanId}`, { method: 'DELETE' })).status).toBe(204);
    const afterDeletion = await listAll(app, `/app/users?before_id=${u3!.humanId}&limit=2`);
    expect(afterDeletion.flatMap((p) => p.ids)).toEqual([u2!.humanId, u1!.humanId, u0!.humanId]);

    const oldest = await listAll(app, `/app/users?before_id=${u0!.humanId}`);
    expect(oldest).toEqual([{ uri: `${api.baseUrl}/app/users?before_id=${u0!.humanId}`, next_page_uri: null, ids: [] }]);
  });

  it('pages 100 users at a time by default, and accepts limit=100', async () => {
    const app = await createTestApp();
    const caller = (await authenticateAppKey(app.appKey))!;
    const start = Date.now() - 3_600_000;
    const rows = Array.from({ length: 101 }, (_, i) => newUserValues(caller.appId, { externalId: `bulk-${i}` }, new Date(start + i)));
    await getDb().insert(users).values(rows);
    const newestFirst = rows.map((r) => r.humanId).reverse();

    const byDefault = await listAll(app, '/app/users');
    expect(byDefault.map((p) => p.ids)).toEqual([newestFirst.slice(0, 100), newestFirst.slice(100)]);
    expect(byDefault[0]!.next_page_uri).toBe(`${api.baseUrl}/app/users?before_id=${newestFirst[99]}&limit=100`);

    const explicit = await listAll(app, '/app/users?limit=100');
    expect(explicit.map((p) => p.ids.length)).toEqual([100, 1]);
  });

  it('deletes a user with 204 and an empty body, with all their data, and then answers 404', async () => {
    const app = await createTestApp();
    await seedUsers(operator, app.clientId, { users: 2, days: 2, seed: 11 });
    const { users: [doomed, survivor] } = await listUsers(app.owner, app.clientId, { limit: 10 });
    const owned = async (humanId: string) => (await getDb().execute<{ users: number; connections: number; readings: number }>(sql`
      SELECT
        (SELECT count(*)::int FROM users WHERE human_id = ${humanId}) AS users,
        (SELECT count(*)::int FROM connections c JOIN users u ON u.id = c.user_id WHERE u.human_id = ${humanId}) AS connections,
        (SELECT count(*)::int FROM readings r JOIN users u ON u.id = r.user_id WHERE u.human_id = ${humanId}) AS readings`)).rows[0]!;
    expect((await owned(doomed!.humanId)).readings).toBeGreaterThan(0);
    const survivorBefore = await owned(survivor!.humanId);

    const response = await ngrok(app.appKey, `/app/users/${doomed!.humanId}`, { method: 'DELETE' });

    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    await expectNgrokError(await ngrok(app.appKey, `/app/users/${doomed!.humanId}`), 404);
    await purgeAll(); // the rows go in the background after the 204 (lib/users/purge.ts)
    expect(await owned(doomed!.humanId)).toEqual({ users: 0, connections: 0, readings: 0 });
    expect(await owned(survivor!.humanId)).toEqual(survivorBefore);
    const audit = await getDb().execute<{ action: string; actor: string }>(sql`SELECT action, actor FROM audit_log WHERE target = ${doomed!.humanId}`);
    expect(audit.rows).toEqual([{ action: 'user.delete', actor: expect.stringMatching(/^key:whk_/) }]);

    await expectNgrokError(await ngrok(app.appKey, `/app/users/${doomed!.humanId}`), 404, 404);
    await expectNgrokError(await ngrok(app.appKey, `/app/users/${doomed!.humanId}`, { method: 'DELETE' }), 404, 404);
  });

  it('answers 404 in the ngrok error body for a well-formed id nobody has', async () => {
    const app = await createTestApp();
    const error = await expectNgrokError(await ngrok(app.appKey, `/app/users/${'0'.repeat(32)}`), 404, 404);
    expect(error.msg).toContain('0'.repeat(32));
  });

  it('requires Ngrok-Version: 2, with 400 in the ngrok error body otherwise', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    for (const path of ['/app/users', `/app/users/${user!.humanId}`]) {
      await expectNgrokError(await ngrok(app.appKey, path, { version: null }), 400, 400);
      for (const version of ['1', '3', '2.0', 'two', '']) {
        await expectNgrokError(await ngrok(app.appKey, path, { version }), 400, 400);
      }
      expect((await ngrok(app.appKey, path)).status).toBe(200);
    }
    await expectNgrokError(await ngrok(app.appKey, `/app/users/${user!.humanId}`, { method: 'DELETE', version: null }), 400, 400);
    expect((await getUser(app.owner, app.clientId, user!.humanId)).humanId).toBe(user!.humanId);
  });

  it('answers 401 for a missing, unknown, malformed or revoked App Key, and a revocation spares the other keys', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const path = `/app/users/${user!.humanId}`;
    for (const auth of [null, 'Bearer', 'Bearer whk_unknownkeyunknownkeyunknownkey00', 'Bearer not-a-key', `Token ${app.appKey}`, `Basic ${Buffer.from(`${app.appKey}:`).toString('base64')}`]) {
      await expectNgrokError(await ngrok(app.appKey, path, { auth }), 401, 401);
    }
    await expectNgrokError(await ngrok(app.appKey, '/app/users', { auth: null }), 401, 401);

    const { key, secret } = await createKey(app.owner, app.clientId, 'second');
    expect((await ngrok(secret, path)).status).toBe(200);
    await revokeKey(app.owner, app.clientId, key.id);
    await expectNgrokError(await ngrok(secret, path), 401, 401);
    await expectNgrokError(await ngrok(secret, '/app/users'), 401, 401);
    await expectNgrokError(await ngrok(secret, path, { method: 'DELETE' }), 401, 401);
    expect((await ngrok(app.appKey, path)).status).toBe(200);
  });

  it('rejects malformed ids and paging values with 400 in the ngrok error body, never 500', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const badIds = ['abc', 'g'.repeat(32), '0'.repeat(31), '0'.repeat(33), `${user!.humanId}x`, '%20', '%zz', 'x'.repeat(5000)];
    for (const id of badIds) {
      await expectNgrokError(await ngrok(app.appKey, `/app/users/${id}`), 400, 400);
      await expectNgrokError(await ngrok(app.appKey, `/app/users/${id}`, { method: 'DELETE' }), 400, 400);
    }
    const badQueries = [
      'limit=0', 'limit=101', 'limit=abc', 'limit=-1', 'limit=1.5', 'limit=', 'limit=1&limit=2',
      'before_id=xyz', `before_id=${'0'.repeat(31)}`, `before_id=${user!.humanId}0`, 'before_id=', 'beforeId=nothex',
    ];
    for (const query of badQueries) {
      const error = await expectNgrokError(await ngrok(app.appKey, `/app/users?${query}`), 400, 400);
      expect(error.details.param).toBe(query.split('=')[0]);
      if (query.startsWith('limit=')) expect(error.msg).toBe('limit must be a whole number from 1 to 100.');
    }
    expect((await getUser(app.owner, app.clientId, user!.humanId)).humanId).toBe(user!.humanId);
  });

  it('answers 413 in the ngrok error body for a body over 1 MB, with or without Content-Length, and the next request on a kept-alive connection', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    // One socket, kept alive between requests, as Node's global agent (and node-fetch with it) does.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, body?: string, framing: 'length' | 'chunked' = 'length') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers: Record<string, string | number> = { Authorization: `Bearer ${app.appKey}`, 'Ngrok-Version': '2' };
        if (body) {
          headers['Content-Type'] = 'application/json';
          if (framing === 'length') headers['Content-Length'] = Buffer.byteLength(body);
          else headers['Transfer-Encoding'] = 'chunked';
        }
        const request = http.request(`${api.baseUrl}/app/users/${user!.humanId}`, { method, agent, headers }, (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body: text }));
        });
        request.on('error', reject);
        request.end(body);
      });
    try {
      const oversized = JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) });
      for (const framing of ['length', 'chunked'] as const) {
        const refused = await send('DELETE', oversized, framing);
        await expectNgrokError(new Response(refused.body, { status: refused.status, headers: { 'content-type': 'application/json' } }), 413, 413);

        const next = await send('GET');
        expect(next.status).toBe(200);
        expect(JSON.parse(next.body).id).toBe(user!.humanId);
      }
    } finally {
      agent.destroy();
    }
  });

  it('builds every absolute URL from WEARHOUSE_BASE_URL when it is set', async () => {
    const app = await createTestApp('Behind a proxy');
    const [, newer] = await createTestUsers(app, 2);
    const previous = process.env.WEARHOUSE_BASE_URL;
    process.env.WEARHOUSE_BASE_URL = 'https://wearhouse.example.com/';
    reloadConfig();
    try {
      const one = await (await ngrok(app.appKey, `/app/users/${newer!.humanId}`)).json();
      expect(one.uri).toBe(`https://wearhouse.example.com/app/users/${newer!.humanId}`);
      expect(one.identity_provider).toEqual({ name: 'Behind a proxy', url: 'https://wearhouse.example.com' });

      const list = await (await ngrok(app.appKey, '/app/users?limit=1')).json();
      expect(list.uri).toBe('https://wearhouse.example.com/app/users?limit=1');
      expect(list.next_page_uri).toBe(`https://wearhouse.example.com/app/users?before_id=${newer!.humanId}&limit=1`);
      expect(list.application_users[0].uri).toBe(`https://wearhouse.example.com/app/users/${newer!.humanId}`);
    } finally {
      if (previous === undefined) delete process.env.WEARHOUSE_BASE_URL;
      else process.env.WEARHOUSE_BASE_URL = previous;
      reloadConfig();
    }
  });

  it('marks every response Cache-Control: no-store and sends no CORS header', async () => {
    const app = await createTestApp();
    const [keep, doomed] = await createTestUsers(app, 2);
    const origin = { Origin: 'https://evil.example' };
    const responses = [
      await ngrok(app.appKey, '/app/users', { headers: origin }),
      await ngrok(app.appKey, `/app/users/${keep!.humanId}`, { headers: origin }),
      await ngrok(app.appKey, `/app/users/${doomed!.humanId}`, { method: 'DELETE', headers: origin }),
      await ngrok(app.appKey, `/app/users/${doomed!.humanId}`, { headers: origin }),
      await ngrok(app.appKey, '/app/users?limit=0', { headers: origin }),
      await ngrok(app.appKey, '/app/users', { headers: origin, version: null }),
      await ngrok(app.appKey, '/app/users', { headers: origin, auth: null }),
      await ngrok(app.appKey, '/app/users', { method: 'OPTIONS', headers: { ...origin, 'Access-Control-Request-Method': 'DELETE' } }),
      await ngrok(app.appKey, '/app/nothing-here', { headers: origin }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 204, 404, 400, 400, 401, 404, 404]);
    for (const response of responses) {
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
  });
});
