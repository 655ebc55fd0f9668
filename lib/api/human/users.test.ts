// The Human API dialect over real HTTP: what an app's server sees when it manages its users with
// its App Key (auth, paging, filters, create, delete, and the error bodies and status codes).
import http from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKey, revokeKey } from '../../apps/keys';
import { operator } from '../../auth/caller';
import { describeSecret } from '../../auth/secrets';
import { getDb } from '../../db/client';
import { seedUsers } from '../../demo/seed';
import { createTestApp, createTestUsers, type TestApp } from '../../testing/fixtures';
import { asHuman, basicAuth, startApi, type HumanUser, type RunningApi } from '../../testing/api';
import { purgeAll } from '../../users/purge';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

type Call = { key?: string | null; method?: string; headers?: Record<string, string>; body?: BodyInit };

/** One request to the running API; `key` is sent the way `curl -u KEY:` sends it. */
function call(path: string, { key, method = 'GET', headers = {}, body }: Call = {}) {
  return fetch(`${api.baseUrl}${path}`, {
    method,
    headers: { ...(key ? { Authorization: basicAuth(key) } : {}), ...headers },
    body,
  });
}

const usersPath = (app: TestApp | string, query = '') => `/v1/apps/${typeof app === 'string' ? app : app.clientId}/users${query}`;
const userPath = (app: TestApp | string, humanId: string) => `${usersPath(app)}/${humanId}`;
const json = (body: unknown) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;


async function expectHumanError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = await response.json();
  expect(body).toMatchObject({ statusCode: status, error, message: expect.any(String) });
  expect(body.message).not.toBe('');
  return body as { statusCode: number; error: string; message: string };
}

/** A request over node:http, so that the test decides which connection it travels on. */
function rawRequest(agent: http.Agent, method: string, path: string, key: string, body?: string, type = 'application/json') {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: basicAuth(key) };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    const request = http.request(`${api.baseUrl}${path}`, { method, headers, agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The `Link` header as { rel: url }. */
function links(response: Response): Record<string, string> {
  const header = response.headers.get('link');
  if (!header) return {};
  return Object.fromEntries(
    header.split(/,\s*(?=<)/).map((part) => {
      const match = part.match(/^<([^>]+)>;\s*rel="(\w+)"$/);
      expect(match, `Link part ${part}`).not.toBeNull();
      return [match![2]!, match![1]!];
    }),
  );
}

/** Follow an absolute URL from a Link header (it must point at this server). */
function follow(url: string, key: string) {
  expect(url.startsWith(`${api.baseUrl}/v1/`)).toBe(true);
  return call(url.slice(api.baseUrl.length), { key });
}

describe(`Human API users on ${inject('databaseKind')}`, () => {
  describe('authentication', () => {
    it('accepts the App Key as username with an empty password', async () => {
      const app = await createTestApp();
      const response = await call(usersPath(app), { headers: { Authorization: `Basic ${Buffer.from(`${app.appKey}:`).toString('base64')}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([]);
    });

    it('answers 401 with a Basic challenge when the App Key is missing, unknown or malformed', async () => {
      const app = await createTestApp();
      const attempts: Record<string, string>[] = [
        {},
        { Authorization: `Bearer ${app.appKey}` },
        { Authorization: basicAuth(`whk_${'A'.repeat(32)}`) },
        { Authorization: basicAuth('not-a-key') },
        { Authorization: 'Basic' },
        { Authorization: 'Basic %%%' },
        { Authorization: `Basic ${Buffer.from(`:${app.appKey}`).toString('base64')}` },
      ];
      for (const headers of attempts) {
        const response = await call(usersPath(app), { headers });
        expect(response.headers.get('www-authenticate'), JSON.stringify(headers)).toBe('Basic realm="Wearhouse"');
        await expectHumanError(response, 401, 'Unauthorized');
      }
    });

    it('answers 401 to a revoked App Key while the app\'s other keys keep working', async () => {
      const app = await createTestApp();
      const { key, secret } = await createKey(app.owner, app.clientId, 'to revoke');
      expect((await call(usersPath(app), { key: secret })).status).toBe(200);

      await revokeKey(app.owner, app.clientId, key.id);

      const response = await call(usersPath(app), { key: secret });
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="Wearhouse"');
      await expectHumanError(response, 401, 'Unauthorized');
      expect((await call(usersPath(app), { key: app.appKey })).status).toBe(200);
    });

    it("answers 403 to a valid App Key of another app on every route, and changes nothing", async () => {
      const mine = await createTestApp();
      const theirs = await createTestApp();
      const [user] = await createTestUsers(theirs, 1);
      const key = mine.appKey;

      await expectHumanError(await call(usersPath(theirs), { key }), 403, 'Forbidden');
      await expectHumanError(await call(userPath(theirs, user!.humanId), { key }), 403, 'Forbidden');
      await expectHumanError(await call(usersPath(theirs), { key, method: 'POST', ...json({ externalId: 'intruder' }) }), 403, 'Forbidden');
      await expectHumanError(await call(userPath(theirs, user!.humanId), { key, method: 'DELETE' }), 403, 'Forbidden');

      // An app that does not exist looks the same: a key learns nothing about other apps.
      const nobody = await expectHumanError(await call(usersPath('0'.repeat(40)), { key }), 403, 'Forbidden');
      const someone = await expectHumanError(await call(usersPath(theirs), { key }), 403, 'Forbidden');
      expect(nobody).toEqual(someone);

      const listed = await call(usersPath(theirs), { key: theirs.appKey });
      expect(await listed.json()).toEqual([asHuman(user!)]);
    });

    it("answers 404 for another app's humanId under one's own clientId, exactly as for an unknown one", async () => {
      const mine = await createTestApp();
      const theirs = await createTestApp();
      const [theirUser] = await createTestUsers(theirs, 1);
      const unknown = 'f'.repeat(32);

      const probe = async (humanId: string, method: string) => {
        const response = await call(userPath(mine, humanId), { key: mine.appKey, method });
        const body = await expectHumanError(response, 404, 'Not Found');
        return { ...body, message: body.message.replace(humanId, '<humanId>') };
      };
      expect(await probe(theirUser!.humanId, 'GET')).toEqual(await probe(unknown, 'GET'));
      expect(await probe(theirUser!.humanId, 'DELETE')).toEqual(await probe(unknown, 'DELETE'));

      const stillThere = await call(userPath(theirs, theirUser!.humanId), { key: theirs.appKey });
      expect(stillThere.status).toBe(200);
    });
  });

  describe('listing users', () => {
    it('lists the users newest first as a bare array of user objects', async () => {
      const app = await createTestApp();
      const created = await createTestUsers(app, 3);

      const response = await call(usersPath(app), { key: app.appKey });

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('link')).toBeNull();
      const body = (await response.json()) as HumanUser[];
      expect(Array.isArray(body)).toBe(true);
      expect(body).toEqual(created.map(asHuman).reverse());
      for (const user of body) {
        expect(Object.keys(user)).toEqual(['humanId', 'externalId', 'appId', 'createdAt', 'updatedAt']);
        expect(user.humanId).toMatch(/^[0-9a-f]{32}$/);
        expect(user.appId).toBe(app.clientId);
        expect(user.createdAt).toMatch(ISO_MS);
        expect(user.updatedAt).toMatch(ISO_MS);
      }
    });

    it("lists only the app's own users", async () => {
      const mine = await createTestApp();
      const theirs = await createTestApp();
      const [own] = await createTestUsers(mine, 1);
      await createTestUsers(theirs, 2);

      const body = await (await call(usersPath(mine), { key: mine.appKey })).json();
      expect(body).toEqual([asHuman(own!)]);
    });

    it('pages with limit and offset, and links the next and previous pages with the same query', async () => {
      const app = await createTestApp();
      const created = await createTestUsers(app, 7);
      const newestFirst = created.map(asHuman).reverse();

      const first = await call(usersPath(app, '?limit=3&updated_since=20000101T000000Z'), { key: app.appKey });
      expect(await first.json()).toEqual(newestFirst.slice(0, 3));
      const firstLinks = links(first);
      expect(Object.keys(firstLinks)).toEqual(['next']);
      const next = new URL(firstLinks.next!);
      expect(next.pathname).toBe(usersPath(app));
      expect(Object.fromEntries(next.searchParams)).toEqual({ limit: '3', offset: '3', updated_since: '20000101T000000Z' });

      const second = await follow(firstLinks.next!, app.appKey);
      expect(await second.json()).toEqual(newestFirst.slice(3, 6));
      const secondLinks = links(second);
      expect(Object.keys(secondLinks).sort()).toEqual(['next', 'prev']);
      expect(Object.fromEntries(new URL(secondLinks.prev!).searchParams)).toEqual({ limit: '3', offset: '0', updated_since: '20000101T000000Z' });

      const third = await follow(secondLinks.next!, app.appKey);
      expect(await third.json()).toEqual(newestFirst.slice(6));
      const thirdLinks = links(third);
      expect(Object.keys(thirdLinks)).toEqual(['prev']);
      expect(new URL(thirdLinks.prev!).searchParams.get('offset')).toBe('3');

      const back = await follow(secondLinks.prev!, app.appKey);
      expect(await back.json()).toEqual(newestFirst.slice(0, 3));
    });

    it('pages by before_id cursor, linking the next page by the last humanId listed', async () => {
      const app = await createTestApp();
      const newestFirst = (await createTestUsers(app, 5)).map(asHuman).reverse();

      const first = await call(usersPath(app, `?limit=2&before_id=${newestFirst[0]!.humanId}`), { key: app.appKey });
      expect(await first.json()).toEqual(newestFirst.slice(1, 3));
      const firstLinks = links(first);
      expect(Object.keys(firstLinks)).toEqual(['next']);
      expect(Object.fromEntries(new URL(firstLinks.next!).searchParams)).toEqual({ limit: '2', offset: '0', before_id: newestFirst[2]!.humanId });

      const second = await follow(firstLinks.next!, app.appKey);
      expect(await second.json()).toEqual(newestFirst.slice(3, 5));
      expect(links(second)).toEqual({});
    });

    it('caps offset, saying in plain words how to page further', async () => {
      const app = await createTestApp();
      await createTestUsers(app, 1);
      expect((await call(usersPath(app, '?offset=10000'), { key: app.appKey })).status).toBe(200);

      const deep = await expectHumanError(await call(usersPath(app, '?offset=10001'), { key: app.appKey }), 400, 'Bad Request');
      expect(deep.message).toBe("offset must be a whole number from 0 to 10000. To page further, follow the Link header's next URL: past that depth it carries a before_id cursor, which stays fast at any depth.");
      const words = await expectHumanError(await call(usersPath(app, '?limit=abc'), { key: app.appKey }), 400, 'Bad Request');
      expect(words.message).toBe('limit must be a whole number from 1 to 500.');
      const empty = await expectHumanError(await call(usersPath(app, '?external_id='), { key: app.appKey }), 400, 'Bad Request');
      expect(empty.message).toBe('external_id must be 1 to 255 characters.');
    });

    it('links no next page when the last page is exactly full, and an offset past the end lists nothing', async () => {
      const app = await createTestApp();
      const created = await createTestUsers(app, 4);

      const full = await call(usersPath(app, '?limit=2&offset=2'), { key: app.appKey });
      expect(await full.json()).toEqual(created.map(asHuman).reverse().slice(2));
      expect(Object.keys(links(full))).toEqual(['prev']);

      const past = await call(usersPath(app, '?offset=10'), { key: app.appKey });
      expect(past.status).toBe(200);
      expect(await past.json()).toEqual([]);
      expect(Object.keys(links(past))).toEqual(['prev']);
    });

    it('lists 50 users per page by default and at most 500', async () => {
      const app = await createTestApp();
      await seedUsers(operator, app.clientId, { users: 501, days: 0, seed: 3 });

      const byDefault = await call(usersPath(app), { key: app.appKey });
      const firstPage = (await byDefault.json()) as HumanUser[];
      expect(firstPage).toHaveLength(50);
      expect(Object.fromEntries(new URL(links(byDefault).next!).searchParams)).toEqual({ limit: '50', offset: '50' });

      const largest = await call(usersPath(app, '?limit=500'), { key: app.appKey });
      const all = (await largest.json()) as HumanUser[];
      expect(all).toHaveLength(500);
      expect(all.slice(0, 50)).toEqual(firstPage);
      expect(all.map((u) => u.createdAt)).toEqual(all.map((u) => u.createdAt).sort().reverse());

      const rest = await follow(links(largest).next!, app.appKey);
      const last = (await rest.json()) as HumanUser[];
      expect(last).toHaveLength(1);
      expect(all.map((u) => u.humanId)).not.toContain(last[0]!.humanId);
      expect(links(rest).next).toBeUndefined();
    });

    it('filters by external_id', async () => {
      const app = await createTestApp();
      const [, wanted] = await createTestUsers(app, 3);

      const found = await call(usersPath(app, `?external_id=${encodeURIComponent(wanted!.externalId)}`), { key: app.appKey });
      expect(found.status).toBe(200);
      expect(await found.json()).toEqual([asHuman(wanted!)]);

      const missing = await call(usersPath(app, '?external_id=nobody'), { key: app.appKey });
      expect(missing.status).toBe(200);
      expect(await missing.json()).toEqual([]);
    });

    it('filters by created_since and updated_since, in the compact form and in ISO 8601', async () => {
      const app = await createTestApp();
      // Ten users created three days apart: 1, 4, 7 … 28 January 2024, at 00:00:00.500 UTC.
      await seedUsers(operator, app.clientId, { users: 10, days: 0, seed: 11, end: new Date('2024-01-31T00:00:00.500Z') });
      const all = (await (await call(usersPath(app), { key: app.appKey })).json()) as HumanUser[];
      expect(all.map((u) => u.createdAt.slice(0, 10))).toEqual(
        ['28', '25', '22', '19', '16', '13', '10', '07', '04', '01'].map((day) => `2024-01-${day}`),
      );
      const since = async (query: string) => {
        const response = await call(usersPath(app, `?${query}`), { key: app.appKey });
        expect(response.status, query).toBe(200);
        return ((await response.json()) as HumanUser[]).map((u) => u.createdAt.slice(0, 10));
      };
      const fromThe19th = ['2024-01-28', '2024-01-25', '2024-01-22', '2024-01-19'];

      expect(await since('created_since=20240119T000000Z')).toEqual(fromThe19th);
      expect(await since('created_since=2024-01-19T00:00:00Z')).toEqual(fromThe19th);
      expect(await since('created_since=2024-01-19T00:00:00.000Z')).toEqual(fromThe19th);
      expect(await since(`created_since=${encodeURIComponent('2024-01-19T01:00:00+01:00')}`)).toEqual(fromThe19th);
      expect(await since('created_since=2024-01-19')).toEqual(fromThe19th);
      expect(await since('created_since=2024-01-19T00:00:00')).toEqual(fromThe19th);
      expect(await since('created_since=2024-01-18T19:00:00-05:00')).toEqual(fromThe19th);
      expect(await since('created_since=20240119T000000.5Z')).toEqual(fromThe19th);
      expect(await since('created_since=20240119T000000.6Z')).toEqual(fromThe19th.slice(0, 3));
      expect(await since('created_since=2024-01-19T00:00:00.500Z')).toEqual(fromThe19th);
      expect(await since('created_since=2024-01-19T00:00:00.501Z')).toEqual(fromThe19th.slice(0, 3));
      expect(await since('updated_since=20240119T000000Z')).toEqual(fromThe19th);
      expect(await since('updated_since=2024-01-25T00:00:00Z')).toEqual(fromThe19th.slice(0, 2));
      expect(await since('created_since=20240110T000000Z&updated_since=2024-01-22T00:00:00Z')).toEqual(fromThe19th.slice(0, 3));
      expect(await since('created_since=20240201T000000Z')).toEqual([]);
    });
  });

  describe('getting one user', () => {
    it('gets a user by humanId', async () => {
      const app = await createTestApp();
      const [, user] = await createTestUsers(app, 2);

      const response = await call(userPath(app, user!.humanId), { key: app.appKey });

      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body).toEqual(asHuman(user!));
      expect(Object.keys(body)).toEqual(['humanId', 'externalId', 'appId', 'createdAt', 'updatedAt']);
    });

    it('answers 404 with the Human error body for an unknown humanId', async () => {
      const app = await createTestApp();
      const response = await call(userPath(app, '0'.repeat(32)), { key: app.appKey });
      const body = await expectHumanError(response, 404, 'Not Found');
      expect(Object.keys(body)).toEqual(['statusCode', 'error', 'message']);
    });
  });

  describe('creating users', () => {
    it('creates a user from a JSON body: 201, the user object and its Location', async () => {
      const app = await createTestApp();

      const response = await call(usersPath(app), { key: app.appKey, method: 'POST', ...json({ externalId: 'alice@example.com' }) });

      expect(response.status).toBe(201);
      const user = (await response.json()) as HumanUser;
      expect(Object.keys(user)).toEqual(['humanId', 'externalId', 'appId', 'createdAt', 'updatedAt']);
      expect(user).toMatchObject({ externalId: 'alice@example.com', appId: app.clientId });
      expect(user.humanId).toMatch(/^[0-9a-f]{32}$/);
      expect(user.createdAt).toMatch(ISO_MS);
      expect(user.updatedAt).toMatch(ISO_MS);
      expect(response.headers.get('location')).toBe(`${api.baseUrl}${userPath(app, user.humanId)}`);

      const fetched = await call(userPath(app, user.humanId), { key: app.appKey });
      expect(await fetched.json()).toEqual(user);
    });

    it('creates a user from a URL-encoded form and from a multipart form', async () => {
      const app = await createTestApp();

      const urlEncoded = await call(usersPath(app), { key: app.appKey, method: 'POST', body: new URLSearchParams({ externalId: 'form-user' }) });
      expect(urlEncoded.status).toBe(201);
      expect(await urlEncoded.json()).toMatchObject({ externalId: 'form-user', appId: app.clientId });

      const form = new FormData();
      form.set('externalId', 'multipart-user');
      const multipart = await call(usersPath(app), { key: app.appKey, method: 'POST', body: form });
      expect(multipart.status).toBe(201);
      expect(await multipart.json()).toMatchObject({ externalId: 'multipart-user', appId: app.clientId });

      const listed = (await (await call(usersPath(app), { key: app.appKey })).json()) as HumanUser[];
      expect(listed.map((u) => u.externalId)).toEqual(['multipart-user', 'form-user']);
    });

    it('answers 200 with the existing user when the externalId exists already, however it is sent', async () => {
      const app = await createTestApp();
      const first = await call(usersPath(app), { key: app.appKey, method: 'POST', ...json({ externalId: 'same-person' }) });
      expect(first.status).toBe(201);
      const created = await first.json();

      const againJson = await call(usersPath(app), { key: app.appKey, method: 'POST', ...json({ externalId: 'same-person' }) });
      expect(againJson.status).toBe(200);
      expect(await againJson.json()).toEqual(created);
      expect(againJson.headers.get('location')).toBeNull();

      const againForm = await call(usersPath(app), { key: app.appKey, method: 'POST', body: new URLSearchParams({ externalId: 'same-person' }) });
      expect(againForm.status).toBe(200);
      expect(await againForm.json()).toEqual(created);

      expect(await (await call(usersPath(app), { key: app.appKey })).json()).toEqual([created]);
    });

    it('creates one user when the same externalId is posted several times at once', async () => {
      const app = await createTestApp();
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => call(usersPath(app), { key: app.appKey, method: 'POST', ...json({ externalId: 'racing' }) })),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
      const bodies = await Promise.all(responses.map((r) => r.json()));
      expect(new Set(bodies.map((b) => b.humanId)).size).toBe(1);
      expect(await (await call(usersPath(app), { key: app.appKey })).json()).toEqual([bodies[0]]);
    });

    it('gives one externalId in two apps two different users', async () => {
      const first = await createTestApp();
      const second = await createTestApp();
      const a = await (await call(usersPath(first), { key: first.appKey, method: 'POST', ...json({ externalId: 'shared' }) })).json();
      const response = await call(usersPath(second), { key: second.appKey, method: 'POST', ...json({ externalId: 'shared' }) });
      expect(response.status).toBe(201);
      const b = await response.json();
      expect(b.humanId).not.toBe(a.humanId);
      expect(b.appId).toBe(second.clientId);
    });

    it('answers 400 when the externalId is missing, empty or not a string', async () => {
      const app = await createTestApp();
      const bodies: Call[] = [
        json({}),
        json({ externalId: '' }),
        json({ externalId: '   ' }),
        json({ externalId: 42 }),
        json({ externalId: null }),
        json({ externalId: 'x'.repeat(256) }),
        json(['externalId']),
        json(null),
        { body: new URLSearchParams({ other: 'field' }) },
        { body: new URLSearchParams({ externalId: '' }) },
        {},
      ];
      for (const body of bodies) {
        const response = await call(usersPath(app), { key: app.appKey, method: 'POST', ...body });
        expect(response.status, String(body.body)).toBe(400);
        await expectHumanError(response, 400, 'Bad Request');
      }
      expect(await (await call(usersPath(app), { key: app.appKey })).json()).toEqual([]);
    });
  });

  describe('deleting users', () => {
    it('deletes a user with 204 and an empty body, with all its data and an audit entry; again is 404', async () => {
      const app = await createTestApp();
      await seedUsers(operator, app.clientId, { users: 2, days: 1, seed: 5 });
      const [doomed, survivor] = (await (await call(usersPath(app), { key: app.appKey })).json()) as HumanUser[];
      const owned = async (humanId: string) =>
        (await getDb().execute<{ connections: number; readings: number }>(sql`
          SELECT
            (SELECT count(*)::int FROM connections c JOIN users u ON u.id = c.user_id WHERE u.human_id = ${humanId}) AS connections,
            (SELECT count(*)::int FROM readings r JOIN users u ON u.id = r.user_id WHERE u.human_id = ${humanId}) AS readings`)).rows[0]!;
      expect((await owned(doomed!.humanId)).readings).toBeGreaterThan(0);
      const survivorData = await owned(survivor!.humanId);

      const response = await call(userPath(app, doomed!.humanId), { key: app.appKey, method: 'DELETE' });

      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      expect((await call(userPath(app, doomed!.humanId), { key: app.appKey })).status).toBe(404);
      await purgeAll(); // the rows go in the background after the 204 (lib/users/purge.ts)
      expect(await owned(doomed!.humanId)).toEqual({ connections: 0, readings: 0 });
      expect(await owned(survivor!.humanId)).toEqual(survivorData);
      expect((await call(userPath(app, doomed!.humanId), { key: app.appKey })).status).toBe(404);
      expect(await (await call(usersPath(app), { key: app.appKey })).json()).toEqual([survivor]);

      const audit = await getDb().execute<{ actor: string; ip: string }>(
        sql`SELECT actor, host(ip) AS ip FROM audit_log WHERE target = ${doomed!.humanId} AND action = 'user.delete'`,
      );
      expect(audit.rows).toEqual([{ actor: `key:${describeSecret(app.appKey).prefix}`, ip: '127.0.0.1' }]);

      const again = await call(userPath(app, doomed!.humanId), { key: app.appKey, method: 'DELETE' });
      await expectHumanError(again, 404, 'Not Found');
    });

    it('lets the externalId of a deleted user be used again, for a new user', async () => {
      const app = await createTestApp();
      const first = await (await call(usersPath(app), { key: app.appKey, method: 'POST', ...json({ externalId: 'comeback' }) })).json();
      expect((await call(userPath(app, first.humanId), { key: app.appKey, method: 'DELETE' })).status).toBe(204);

      const again = await call(usersPath(app), { key: app.appKey, method: 'POST', ...json({ externalId: 'comeback' }) });
      expect(again.status).toBe(201);
      expect((await again.json()).humanId).not.toBe(first.humanId);
    });
  });

  describe('malformed requests', () => {
    it('answers 400 to a clientId that is not 40 hexadecimal characters, on every route', async () => {
      const app = await createTestApp();
      const humanId = '0'.repeat(32);
      for (const clientId of ['abc', app.clientId.slice(1), `${app.clientId}0`, app.clientId.toUpperCase(), `${app.clientId.slice(1)}g`]) {
        await expectHumanError(await call(usersPath(clientId), { key: app.appKey }), 400, 'Bad Request');
        await expectHumanError(await call(userPath(clientId, humanId), { key: app.appKey }), 400, 'Bad Request');
        await expectHumanError(await call(usersPath(clientId), { key: app.appKey, method: 'POST', ...json({ externalId: 'x' }) }), 400, 'Bad Request');
        await expectHumanError(await call(userPath(clientId, humanId), { key: app.appKey, method: 'DELETE' }), 400, 'Bad Request');
      }
    });

    it('answers 400 to a humanId that is not 32 hexadecimal characters', async () => {
      const app = await createTestApp();
      for (const humanId of ['abc', '0'.repeat(31), '0'.repeat(33), 'F'.repeat(32), `${'0'.repeat(31)}z`, '%20']) {
        await expectHumanError(await call(userPath(app, humanId), { key: app.appKey }), 400, 'Bad Request');
        await expectHumanError(await call(userPath(app, humanId), { key: app.appKey, method: 'DELETE' }), 400, 'Bad Request');
      }
    });

    it.each([
      ['limit=0'], ['limit=501'], ['limit=-1'], ['limit=abc'], ['limit=1.5'], ['limit='],
      ['offset=-1'], ['offset=abc'], ['offset=0.5'],
    ])('answers 400 to the paging value %s', async (query) => {
      const app = await createTestApp();
      await expectHumanError(await call(usersPath(app, `?${query}`), { key: app.appKey }), 400, 'Bad Request');
    });

    it.each([
      ['yesterday'], ['20241301T000000Z'], ['20240230T000000Z'], ['20240101T250000Z'], ['20240101'], ['2024-13-01T00:00:00Z'],
      ['2024-02-30T00:00:00Z'], ['2024-02-30'], ['2024-01-01Tnoon'], ['1704067200'], [''],
    ])('answers 400 to the date %j in created_since and updated_since', async (value) => {
      const app = await createTestApp();
      for (const name of ['created_since', 'updated_since']) {
        const response = await call(usersPath(app, `?${name}=${encodeURIComponent(value)}`), { key: app.appKey });
        await expectHumanError(response, 400, 'Bad Request');
      }
    });

    it('answers 400 to a body that is not JSON although it says so', async () => {
      const app = await createTestApp();
      for (const body of ['{"externalId":', 'externalId=x', '']) {
        const response = await call(usersPath(app), { key: app.appKey, method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
        await expectHumanError(response, 400, 'Bad Request');
      }
    });

    it('answers 413 to a body over 1 MB, whether its length is announced or streamed', async () => {
      const app = await createTestApp();
      const big = JSON.stringify({ externalId: 'x', padding: 'p'.repeat(1024 * 1024) });

      const announced = await call(usersPath(app), { key: app.appKey, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: big });
      await expectHumanError(announced, 413, 'Payload Too Large');

      const streamed = await fetch(`${api.baseUrl}${usersPath(app)}`, {
        method: 'POST',
        headers: { Authorization: basicAuth(app.appKey), 'Content-Type': 'application/json' },
        body: new Blob([big]).stream(),
        duplex: 'half',
      } as RequestInit);
      await expectHumanError(streamed, 413, 'Payload Too Large');

      const form = await call(usersPath(app), { key: app.appKey, method: 'POST', body: new URLSearchParams({ externalId: 'x', padding: 'p'.repeat(1024 * 1024) }) });
      await expectHumanError(form, 413, 'Payload Too Large');

      expect(await (await call(usersPath(app), { key: app.appKey })).json()).toEqual([]);
    });

    it.each([
      ['413, body too large', 413, 'application/json', 1024 * 1024 + 1, 'own'],
      ['415, unsupported type', 415, 'text/plain', 900 * 1024, 'own'],
      ['401, unknown key', 401, 'application/json', 900 * 1024, 'unknown'],
      ['400, malformed clientId', 400, 'application/json', 900 * 1024, 'malformed'],
    ] as const)('answers the next request on a keep-alive connection after refusing a body unread (%s)', async (_, status, type, size, target) => {
      const app = await createTestApp();
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const body = JSON.stringify({ externalId: 'x', padding: 'p'.repeat(size) });
      const path = target === 'malformed' ? usersPath('not-a-client-id') : usersPath(app);
      const key = target === 'unknown' ? `whk_${'A'.repeat(32)}` : app.appKey;
      try {
        const refused = await rawRequest(agent, 'POST', path, key, body, type);
        expect(refused.status).toBe(status);
        const next = await rawRequest(agent, 'GET', usersPath(app), app.appKey);
        expect(next).toEqual({ status: 200, body: '[]' });
      } finally {
        agent.destroy();
      }
    });

    it('answers 415 to a body in an unsupported Content-Type', async () => {
      const app = await createTestApp();
      for (const type of ['text/plain', 'application/xml', 'application/octet-stream']) {
        const response = await call(usersPath(app), { key: app.appKey, method: 'POST', headers: { 'Content-Type': type }, body: 'externalId=x' });
        await expectHumanError(response, 415, 'Unsupported Media Type');
      }
      const untyped = await call(usersPath(app), { key: app.appKey, method: 'POST', body: new Blob(['{"externalId":"x"}']) });
      await expectHumanError(untyped, 415, 'Unsupported Media Type');
      expect(await (await call(usersPath(app), { key: app.appKey })).json()).toEqual([]);
    });
  });

  describe('headers on every response', () => {
    it('sends Cache-Control: no-store and no CORS headers, whatever the outcome', async () => {
      const app = await createTestApp();
      const other = await createTestApp();
      const [user] = await createTestUsers(app, 2);
      // One after another: this test is about headers, not about concurrency.
      const requests: [string, Call][] = [
        [usersPath(app), { key: app.appKey }],
        [userPath(app, user!.humanId), { key: app.appKey }],
        [usersPath(app), { key: app.appKey, method: 'POST', ...json({ externalId: 'h' }) }],
        [usersPath(app, '?limit=0'), { key: app.appKey }],
        [usersPath(app), {}],
        [usersPath(app), { key: other.appKey }],
        [userPath(app, 'f'.repeat(32)), { key: app.appKey }],
        [usersPath(app), { key: app.appKey, method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' }],
        [usersPath(app), { method: 'OPTIONS', headers: { 'Access-Control-Request-Method': 'GET' } }],
        [userPath(app, user!.humanId), { key: app.appKey, method: 'DELETE' }],
        [usersPath(app), { key: app.appKey, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(1024 * 1024 + 1) }],
      ];
      const all: Response[] = [];
      for (const [path, request] of requests) {
        all.push(await call(path, { ...request, headers: { Origin: 'https://elsewhere.example', ...request.headers } }));
      }
      expect(all.map((r) => r.status)).toEqual([200, 200, 201, 400, 401, 403, 404, 415, 401, 204, 413]);
      for (const response of all) {
        expect(response.headers.get('cache-control'), String(response.status)).toBe('no-store');
        const cors = [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
        expect(cors, String(response.status)).toEqual([]);
      }
    });

    it('sends one X-Request-Id on success and on every kind of error: the caller\'s own when well-formed, else a fresh one', async () => {
      const app = await createTestApp();
      const [user] = await createTestUsers(app, 1);
      const outcomes: [string, Call][] = [
        [userPath(app, user!.humanId), { key: app.appKey }],
        [userPath(app, 'f'.repeat(32)), { key: app.appKey }],
        [usersPath(app), {}],
        [usersPath(app, '?limit=0'), { key: app.appKey }],
        ['/v1/apps', { key: app.appKey }],
      ];
      const fresh = new Set<string>();
      for (const [path, request] of outcomes) {
        const echoed = await call(path, { ...request, headers: { 'X-Request-Id': 'proxy-1234.abc:5' } });
        expect(echoed.headers.get('x-request-id'), `${path} echoed`).toBe('proxy-1234.abc:5');
        const replaced = await call(path, { ...request, headers: { 'X-Request-Id': 'not ok; <script>' } });
        const own = await call(path, request);
        for (const response of [replaced, own]) {
          const id = response.headers.get('x-request-id');
          expect(id, path).toMatch(/^[0-9a-f-]{36}$/); // one value, not two joined by a comma
          fresh.add(id!);
        }
      }
      expect(fresh.size).toBe(outcomes.length * 2);
    });
  });
});
