// The OpenAPI 3.1 document at /openapi.json, generated from the same zod schemas that validate
// requests: it must exist, name every operation of both dialects, and promise what the server does.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { basicAuth, startApi, type RunningApi } from '../testing/api';
import { createTestApp, createTestUsers, type TestApp } from '../testing/fixtures';

type Schema = { type?: string | string[]; minimum?: number; maximum?: number; pattern?: string; default?: unknown; properties?: Record<string, unknown> };
type Parameter = { name: string; in: string; required?: boolean; schema: Schema };
type Operation = { parameters?: Parameter[]; security?: Record<string, string[]>[]; responses: Record<string, unknown> };
type Document = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, Schema> };
};

let api: RunningApi;
let doc: Document;
beforeAll(async () => {
  api = await startApi();
  const response = await fetch(`${api.baseUrl}/openapi.json`);
  expect(response.status).toBe(200);
  doc = (await response.json()) as Document;
});
afterAll(async () => {
  await api.close();
});

const param = (path: string, method: string, name: string) => {
  const found = doc.paths[path]?.[method]?.parameters?.find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (!found) throw new Error(`${method.toUpperCase()} ${path} documents no parameter ${name}`);
  return found;
};

const viaHuman = (app: TestApp, path: string, init: RequestInit = {}) =>
  fetch(`${api.baseUrl}${path}`, { ...init, headers: { Authorization: basicAuth(app.appKey), ...init.headers } });
const viaNgrok = (app: TestApp, path: string, init: RequestInit = {}) =>
  fetch(`${api.baseUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${app.appKey}`, 'Ngrok-Version': '2', ...init.headers } });

describe(`the OpenAPI document on ${inject('databaseKind')}`, () => {
  it('is OpenAPI 3.1, served without caching, with this server as its server', async () => {
    const response = await fetch(`${api.baseUrl}/openapi.json`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.servers).toEqual([{ url: api.baseUrl }]);
  });

  it('lists every path and method of both dialects, and nothing else', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual([
      'DELETE /app/users/{id}',
      'DELETE /v1/apps/{clientId}/users/{humanId}',
      'GET /app/users',
      'GET /app/users/{id}',
      'GET /v1/apps/{clientId}/users',
      'GET /v1/apps/{clientId}/users/activities',
      'GET /v1/apps/{clientId}/users/blood_glucoses',
      'GET /v1/apps/{clientId}/users/blood_oxygens',
      'GET /v1/apps/{clientId}/users/blood_pressures',
      'GET /v1/apps/{clientId}/users/bmis',
      'GET /v1/apps/{clientId}/users/body_fats',
      'GET /v1/apps/{clientId}/users/heart_rates',
      'GET /v1/apps/{clientId}/users/sleeps',
      'GET /v1/apps/{clientId}/users/weights',
      'GET /v1/apps/{clientId}/users/{humanId}',
      'GET /v1/apps/{clientId}/users/{humanId}/imports/{importId}',
      'GET /v1/human',
      'GET /v1/human/activities/summaries',
      'GET /v1/human/imports',
      'GET /v1/human/imports/{importId}',
      'GET /v1/human/profile',
      'GET /v1/human/sleeps/summaries',
      'GET /v1/human/sources',
      'GET /v1/human/{type}',
      'GET /v1/human/{type}/readings',
      'GET /v1/human/{type}/readings/{id}',
      'POST /v1/apps/{clientId}/users',
      'POST /v1/apps/{clientId}/users/{humanId}/imports/apple-health',
      'POST /v1/connect/publictokens',
      'POST /v1/connect/token',
      'POST /v1/connect/tokens',
      'POST /v1/human/imports/apple-health',
      'POST /v1/human/{type}/readings',
    ]);
  });

  it('defines both security schemes, and secures every operation with its dialect’s', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      appKeyBasic: { type: 'http', scheme: 'basic' },
      appKeyBearer: { type: 'http', scheme: 'bearer' },
    });
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const operation of Object.values(methods)) {
        const scheme = path.startsWith('/v1/human') ? 'userAccessToken'
          : path.startsWith('/app/') ? 'appKeyBearer'
          : path.startsWith('/v1/connect/') ? 'clientCredentials'
          : 'appKeyBasic';
        expect(operation.security).toEqual([{ [scheme]: [] }]);
      }
    }
  });

  it('documents the limit the ngrok dialect enforces', async () => {
    const app = await createTestApp();
    await createTestUsers(app, 2);
    const limit = param('/app/users', 'get', 'limit').schema;
    expect(limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 100 });

    expect((await viaNgrok(app, `/app/users?limit=${limit.maximum}`)).status).toBe(200);
    expect((await viaNgrok(app, `/app/users?limit=${limit.maximum! + 1}`)).status).toBe(400);
    expect((await viaNgrok(app, `/app/users?limit=${limit.minimum}`)).status).toBe(200);
    expect((await viaNgrok(app, `/app/users?limit=${limit.minimum! - 1}`)).status).toBe(400);
  });

  it('documents the limit the Human API dialect enforces', async () => {
    const app = await createTestApp();
    const limit = param('/v1/apps/{clientId}/users', 'get', 'limit').schema;
    expect(limit).toMatchObject({ type: 'integer', minimum: 1, maximum: expect.any(Number) });

    expect((await viaHuman(app, `/v1/apps/${app.clientId}/users?limit=${limit.maximum}`)).status).toBe(200);
    expect((await viaHuman(app, `/v1/apps/${app.clientId}/users?limit=${limit.maximum! + 1}`)).status).toBe(400);
    expect((await viaHuman(app, `/v1/apps/${app.clientId}/users?limit=${limit.minimum! - 1}`)).status).toBe(400);
  });

  it('documents the id patterns the server enforces', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const patterns = {
      id: new RegExp(param('/app/users/{id}', 'get', 'id').schema.pattern!),
      beforeId: new RegExp(param('/app/users', 'get', 'before_id').schema.pattern!),
      humanId: new RegExp(param('/v1/apps/{clientId}/users/{humanId}', 'get', 'humanId').schema.pattern!),
      clientId: new RegExp(param('/v1/apps/{clientId}/users', 'get', 'clientId').schema.pattern!),
    };
    for (const pattern of [patterns.id, patterns.beforeId, patterns.humanId]) {
      expect(pattern.test(user!.humanId)).toBe(true);
      expect(pattern.test('f'.repeat(31))).toBe(false);
    }
    expect(patterns.clientId.test(app.clientId)).toBe(true);

    expect((await viaNgrok(app, `/app/users/${user!.humanId}`)).status).toBe(200);
    expect((await viaNgrok(app, `/app/users/${'f'.repeat(31)}`)).status).toBe(400);
    expect((await viaNgrok(app, `/app/users?before_id=${'f'.repeat(31)}`)).status).toBe(400);
    expect((await viaHuman(app, `/v1/apps/${app.clientId}/users/${'f'.repeat(31)}`)).status).toBe(400);
    expect((await viaHuman(app, `/v1/apps/${'f'.repeat(39)}/users`)).status).toBe(400);
  });

  it('documents Ngrok-Version as the required header the ngrok dialect insists on', async () => {
    const app = await createTestApp();
    for (const [path, method] of [['/app/users', 'get'], ['/app/users/{id}', 'get'], ['/app/users/{id}', 'delete']] as const) {
      expect(param(path, method, 'Ngrok-Version')).toMatchObject({ in: 'header', required: true });
    }
    const response = await fetch(`${api.baseUrl}/app/users`, { headers: { Authorization: `Bearer ${app.appKey}` } });
    expect(response.status).toBe(400);
  });

  it('describes the user objects with the very keys the server sends', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const applicationUser = await (await viaNgrok(app, `/app/users/${user!.humanId}`)).json();
    const humanUser = await (await viaHuman(app, `/v1/apps/${app.clientId}/users/${user!.humanId}`)).json();
    const list = await (await viaNgrok(app, '/app/users')).json();

    expect(Object.keys(doc.components.schemas.ApplicationUser!.properties!).sort()).toEqual(Object.keys(applicationUser).sort());
    expect(Object.keys(doc.components.schemas.ApplicationUserList!.properties!).sort()).toEqual(Object.keys(list).sort());
    expect(Object.keys(doc.components.schemas.HumanUser!.properties!).sort()).toEqual(Object.keys(humanUser).sort());
  });

  it('documents, for every operation, each status the server answers: ids of no one, no key, malformed ids', async () => {
    const app = await createTestApp();
    const strangers: Record<string, string> = { clientId: 'f'.repeat(40), humanId: 'f'.repeat(32), id: 'f'.repeat(32) };
    const answered: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const init: RequestInit = { method: method.toUpperCase() };
        if (method === 'post') Object.assign(init, { body: JSON.stringify({ externalId: 'someone' }), headers: { 'Content-Type': 'application/json' } });
        const send = (ids: Record<string, string>, key = app.appKey) => {
          const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]!);
          return path.startsWith('/app/') ? viaNgrok({ ...app, appKey: key }, concrete, init) : viaHuman({ ...app, appKey: key }, concrete, init);
        };
        const statuses = [
          (await send(strangers)).status,
          (await send(strangers, 'whk_nobodyskeynobodyskeynobodyskey00')).status,
          ...(path.includes('{') ? [(await send({ clientId: 'x', humanId: 'x', id: 'x' })).status] : []),
        ];
        for (const status of statuses) {
          answered.push(`${method.toUpperCase()} ${path} ${status}`);
          expect(Object.keys(operation.responses), `${method.toUpperCase()} ${path} answered ${status}`).toContain(String(status));
        }
      }
    }
    expect(answered).toEqual(expect.arrayContaining(['GET /app/users/{id} 404', 'DELETE /v1/apps/{clientId}/users/{humanId} 403', 'GET /app/users 401']));
  });
});
