// Cross-app isolation over every endpoint of both dialects: app A's App Key can neither read, list,
// create nor delete anything of app B's, however it names B's users, and B's users survive it all.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApi, basicAuth, type RunningApi } from '../testing/api';
import { createTestApp, createTestUsers, type TestApp } from '../testing/fixtures';
import { getUser, listUsers } from '../users/users';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

/** Two apps with three users each, fresh for each test. */
async function twoApps() {
  const a = await createTestApp('App A');
  const b = await createTestApp('App B');
  const aIds = (await createTestUsers(a, 3, 'a')).map((u) => u.humanId);
  const bUsers = await createTestUsers(b, 3, 'b');
  /** B has exactly the users it started with, unchanged. */
  const expectBIntact = async () => {
    const page = await listUsers(b.owner, b.clientId, { limit: 100 });
    expect(page.users.map((u) => u.humanId).sort()).toEqual(bUsers.map((u) => u.humanId).sort());
    for (const user of bUsers) expect((await getUser(b.owner, b.clientId, user.humanId)).externalId).toBe(user.externalId);
  };
  return { a, b, aIds, bUsers, expectBIntact };
}

type Attempt = {
  name: string;
  dialect: 'human' | 'ngrok';
  method: 'GET' | 'POST' | 'DELETE';
  /** The path, given app A (whose key is used), app B and one of B's users. */
  path: (a: TestApp, b: TestApp, bUser: { humanId: string; externalId: string }) => string;
  body?: (bUser: { externalId: string }) => string;
  status: number;
};

const human = (a: TestApp, method: string, path: string, body?: string) =>
  fetch(`${api.baseUrl}${path}`, {
    method,
    headers: { Authorization: basicAuth(a.appKey), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body,
  });
const ngrok = (a: TestApp, method: string, path: string) =>
  fetch(`${api.baseUrl}${path}`, { method, headers: { Authorization: `Bearer ${a.appKey}`, 'Ngrok-Version': '2' } });

/** One attempt of A's key against one of B's users, in the attempt's dialect. */
function attempt({ dialect, method, path, body }: Attempt, a: TestApp, b: TestApp, target: { humanId: string; externalId: string }) {
  return dialect === 'human' ? human(a, method, path(a, b, target), body?.(target)) : ngrok(a, method, path(a, b, target));
}

const HUMAN_ATTEMPTS: Attempt[] = [
  { dialect: 'human', name: "lists B's users under B's clientId", method: 'GET', path: (_, b) => `/v1/apps/${b.clientId}/users`, status: 403 },
  { dialect: 'human', name: "looks B's user up by externalId under B's clientId", method: 'GET', path: (_, b, u) => `/v1/apps/${b.clientId}/users?external_id=${encodeURIComponent(u.externalId)}`, status: 403 },
  { dialect: 'human', name: "gets B's user under B's clientId", method: 'GET', path: (_, b, u) => `/v1/apps/${b.clientId}/users/${u.humanId}`, status: 403 },
  { dialect: 'human', name: "creates a user under B's clientId", method: 'POST', path: (_, b) => `/v1/apps/${b.clientId}/users`, body: () => JSON.stringify({ externalId: 'planted-by-a' }), status: 403 },
  { dialect: 'human', name: "re-creates B's user (by its externalId) under B's clientId", method: 'POST', path: (_, b) => `/v1/apps/${b.clientId}/users`, body: (u) => JSON.stringify({ externalId: u.externalId }), status: 403 },
  { dialect: 'human', name: "deletes B's user under B's clientId", method: 'DELETE', path: (_, b, u) => `/v1/apps/${b.clientId}/users/${u.humanId}`, status: 403 },
  { dialect: 'human', name: "gets B's user under A's own clientId", method: 'GET', path: (a, _, u) => `/v1/apps/${a.clientId}/users/${u.humanId}`, status: 404 },
  { dialect: 'human', name: "deletes B's user under A's own clientId", method: 'DELETE', path: (a, _, u) => `/v1/apps/${a.clientId}/users/${u.humanId}`, status: 404 },
];

const NGROK_ATTEMPTS: Attempt[] = [
  { dialect: 'ngrok', name: "gets B's user by id", method: 'GET', path: (_, __, u) => `/app/users/${u.humanId}`, status: 404 },
  { dialect: 'ngrok', name: "deletes B's user by id", method: 'DELETE', path: (_, __, u) => `/app/users/${u.humanId}`, status: 404 },
];

describe(`isolation between apps on ${inject('databaseKind')}`, () => {
  describe('Human API dialect: A’s key', () => {
    for (const each of HUMAN_ATTEMPTS) {
      it(`${each.name} → ${each.status}`, async () => {
        const { a, b, bUsers, expectBIntact } = await twoApps();
        for (const target of bUsers) {
          const response = await attempt(each, a, b, target);
          expect(response.status).toBe(each.status);
          const error = each.status === 403 ? 'Forbidden' : 'Not Found';
          expect(await response.json()).toEqual({ statusCode: each.status, error, message: expect.any(String) });
        }
        await expectBIntact();
      });
    }

    it("lists only A's users under A's own clientId", async () => {
      const { a, aIds, bUsers } = await twoApps();
      const response = await human(a, 'GET', `/v1/apps/${a.clientId}/users?limit=500`);
      expect(response.status).toBe(200);
      const listed = (await response.json()) as { humanId: string; appId: string }[];
      expect(listed.map((u) => u.humanId).sort()).toEqual([...aIds].sort());
      expect(new Set(listed.map((u) => u.appId))).toEqual(new Set([a.clientId]));
      const byExternalId = await human(a, 'GET', `/v1/apps/${a.clientId}/users?external_id=${encodeURIComponent(bUsers[0]!.externalId)}`);
      expect(await byExternalId.json()).toEqual([]);
    });
  });

  describe('ngrok dialect: A’s key', () => {
    for (const each of NGROK_ATTEMPTS) {
      it(`${each.name} → ${each.status}`, async () => {
        const { a, b, bUsers, expectBIntact } = await twoApps();
        for (const target of bUsers) {
          const response = await attempt(each, a, b, target);
          expect(response.status).toBe(each.status);
          expect(await response.json()).toMatchObject({ error_code: `ERR_WEARHOUSE_${each.status}`, status_code: each.status });
        }
        await expectBIntact();
      });
    }

    it("lists only A's users, on every page and from any before_id", async () => {
      const { a, aIds, bUsers, expectBIntact } = await twoApps();
      const seen: string[] = [];
      let next: string | null = `${api.baseUrl}/app/users?limit=2`;
      while (next) {
        const response = await fetch(next, { headers: { Authorization: `Bearer ${a.appKey}`, 'Ngrok-Version': '2' } });
        expect(response.status).toBe(200);
        const page = (await response.json()) as { application_users: { id: string }[]; next_page_uri: string | null };
        seen.push(...page.application_users.map((u) => u.id));
        next = page.next_page_uri;
      }
      expect(seen).toEqual([...aIds].reverse());
      // B's newest id as a page boundary still pages through A's users only.
      const newestB = bUsers.at(-1)!.humanId;
      const fromB = await (await ngrok(a, 'GET', `/app/users?before_id=${newestB}`)).json();
      expect(fromB.application_users.map((u: { id: string }) => u.id)).toEqual(aIds.filter((id) => id < newestB).reverse());
      await expectBIntact();
    });
  });

  it("B's own key still sees all of B's users after every attempt of A's, through both dialects", async () => {
    const { a, b, bUsers } = await twoApps();
    for (const each of [...HUMAN_ATTEMPTS, ...NGROK_ATTEMPTS]) {
      for (const target of bUsers) expect((await attempt(each, a, b, target)).status).toBe(each.status);
    }
    const viaHuman = (await (await human(b, 'GET', `/v1/apps/${b.clientId}/users`)).json()) as { humanId: string }[];
    expect(viaHuman.map((u) => u.humanId)).toEqual(bUsers.map((u) => u.humanId).reverse());
    const viaNgrok = await (await ngrok(b, 'GET', '/app/users')).json();
    expect(viaNgrok.application_users.map((u: { id: string }) => u.id)).toEqual(bUsers.map((u) => u.humanId).reverse());
  });
});
