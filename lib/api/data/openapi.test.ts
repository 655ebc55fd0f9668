// The Data API in /openapi.json, which the API reference (Scalar, /docs/api) renders: every
// operation is there under its own tag and bearer scheme, its documented bounds, types and objects
// are what the server does, every status it answers is documented, and a request made the way the
// document's security scheme says (what the reference's console sends) gets the user's data.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { operator } from '../../auth/caller';
import { ingestReadings } from '../../readings/ingest';
import { connectSource } from '../../sources/connections';
import { startApi, type RunningApi } from '../../testing/api';
import { createTestApp } from '../../testing/fixtures';
import { createUser, revealTokens } from '../../users/users';

type SchemaObject = {
  $ref?: string; type?: string | string[]; properties?: Record<string, SchemaObject>; required?: string[];
  enum?: unknown[]; minimum?: number; maximum?: number; default?: unknown;
};
type ParameterObject = { name: string; in: string; required?: boolean; schema?: SchemaObject };
type ResponseObject = { content?: Record<string, { schema?: SchemaObject }> };
type OperationObject = {
  tags?: string[]; parameters?: ParameterObject[]; responses?: Record<string, ResponseObject>; security?: Record<string, string[]>[];
};
type OpenApiDocument = {
  paths?: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, SchemaObject>; securitySchemes?: Record<string, { type: string; scheme?: string }> };
};
type Operation = {
  method: string; path: string; parameters: ParameterObject[];
  responses: { status: string; response: ResponseObject }[]; security: string[][];
};

/** Follows a local `$ref` (`#/components/…`) once; undefined when it points nowhere. */
function resolveReference(document: OpenApiDocument, ref: string): unknown {
  return ref.slice(2).split('/').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), document);
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** The operations tagged `tag`, with parameters and responses as the document states them. */
function operationsTagged(document: OpenApiDocument, tag: string): Operation[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]?.tags?.[0] === tag).map((method) => {
      const operation = item[method]!;
      return {
        method,
        path,
        parameters: operation.parameters ?? [],
        responses: Object.entries(operation.responses ?? {}).map(([status, response]) => ({ status, response })),
        security: (operation.security ?? []).map((requirement) => Object.keys(requirement)),
      };
    }),
  );
}

let api: RunningApi;
let doc: OpenApiDocument;
beforeAll(async () => {
  api = await startApi();
  const response = await fetch(`${api.baseUrl}/openapi.json`);
  expect(response.status).toBe(200);
  doc = (await response.json()) as OpenApiDocument;
});
afterAll(async () => {
  await api?.close();
});

const DATA_OPERATIONS = [
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
  'POST /v1/human/imports/apple-health',
  'POST /v1/human/{type}/readings',
];

const dataOperations = () => operationsTagged(doc, 'Data API');
const operation = (key: string) => dataOperations().find((o) => `${o.method.toUpperCase()} ${o.path}` === key)!;
const schemaNamed = (name: string) => doc.components!.schemas![name] as SchemaObject;
const propertiesOf = (name: string) => Object.keys(schemaNamed(name).properties ?? {}).sort();

/** A user with a token and one reading of each kind the objects below need. */
async function userWithData() {
  const app = await createTestApp();
  const { user } = await createUser(app.owner, app.clientId, { externalId: `ext-${randomBytes(4).toString('hex')}` });
  const { accessToken } = await revealTokens(app.owner, app.clientId, user.humanId);
  const connectionId = await connectSource(operator, app.clientId, user.humanId, 'withings');
  await ingestReadings(operator, { clientId: app.clientId, connectionId }, [
    { type: 'heart_rate', ts: new Date('2026-10-01T08:00:00Z'), value: 60, sourceReadingId: 'h' },
    { type: 'blood_pressure', ts: new Date('2026-10-01T08:00:00Z'), value: 120, value2: 80, sourceReadingId: 'b' },
    { type: 'steps', ts: new Date('2026-10-01T08:00:00Z'), value: 1000, sourceReadingId: 's' },
    { type: 'sleep', ts: new Date('2026-10-01T02:00:00Z'), value: 400, sourceReadingId: 'z' },
  ]);
  const get = (path: string, token: string | null = accessToken) =>
    fetch(`${api.baseUrl}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { token: accessToken, get };
}

describe(`the Data API in the OpenAPI document on ${inject('databaseKind')}`, () => {
  it('lists every Data API operation under its own tag, secured by the user-token bearer scheme', () => {
    const operations = dataOperations();
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort()).toEqual(DATA_OPERATIONS);
    expect(Object.keys(doc.paths ?? {}).filter((path) => path.startsWith('/v1/human')).length).toBe(new Set(DATA_OPERATIONS.map((o) => o.split(' ')[1])).size);
    expect(doc.components!.securitySchemes!.userAccessToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const o of operations) expect(o.security).toEqual([['userAccessToken']]);
  });

  it('is well formed: every path parameter declared and required, every reference resolvable', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const target = ref.slice(8, -1);
      expect(target.startsWith('#/components/'), target).toBe(true);
      expect(resolveReference(doc, target), target).toBeDefined();
    }
    for (const o of dataOperations()) {
      for (const name of o.path.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? []) {
        expect(o.parameters.find((p) => p.in === 'path' && p.name === name), `${o.path} ${name}`).toMatchObject({ required: true });
      }
      expect(o.responses.find((r) => r.status === '200' || r.status === '202')?.response.content?.['application/json']?.schema, o.path).toBeDefined();
    }
  });

  it('documents that the latest reading, alone or in the summary, may be null', async () => {
    const { get } = await userWithData();
    const nullable = (schema: SchemaObject | undefined) =>
      JSON.stringify(schema).includes('"type":"null"') && JSON.stringify(schema).includes('#/components/schemas/HumanReading');
    const latest = operation('GET /v1/human/{type}').responses.find((r) => r.status === '200')!.response.content!['application/json']!.schema;
    expect(nullable(latest)).toBe(true);
    expect(await (await get('/v1/human/weight')).json()).toBeNull();
    const summary = await (await get('/v1/human')).json();
    expect(summary.weight).toBeNull();
    for (const key of ['weight', 'heartRate', 'bloodPressure']) expect(nullable(schemaNamed('HumanSummary').properties![key] as SchemaObject), key).toBe(true);
  });

  it('documents the limit, offset and types the server enforces', async () => {
    const { get } = await userWithData();
    const list = operation('GET /v1/human/{type}/readings');
    const limit = list.parameters.find((p) => p.name === 'limit')!.schema as SchemaObject;
    const offset = list.parameters.find((p) => p.name === 'offset')!.schema as SchemaObject;
    expect(limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 50 });
    expect(offset).toMatchObject({ type: 'integer', minimum: 0, maximum: 10_000 });
    expect((await get(`/v1/human/heart_rate/readings?limit=${limit.maximum}`)).status).toBe(200);
    expect((await get(`/v1/human/heart_rate/readings?limit=${limit.maximum! + 1}`)).status).toBe(400);
    expect((await get(`/v1/human/heart_rate/readings?offset=${offset.maximum}`)).status).toBe(200);
    expect((await get(`/v1/human/heart_rate/readings?offset=${offset.maximum! + 1}`)).status).toBe(400);

    const types = (list.parameters.find((p) => p.name === 'type')!.schema as SchemaObject).enum as string[];
    expect(types).toEqual(expect.arrayContaining(['heart_rate', 'blood_glucose', 'blood_oxygen', 'blood_pressure', 'bmi', 'body_fat', 'weight', 'steps', 'sleep']));
    for (const type of types) expect((await get(`/v1/human/${type}/readings?limit=1`)).status, type).toBe(200);
    expect((await get('/v1/human/pulse/readings')).status).toBe(404);
  });

  it('describes the objects with the very keys the server sends', async () => {
    const { get } = await userWithData();
    const json = async (path: string) => (await get(path)).json();
    const [heartRate] = await json('/v1/human/heart_rate/readings');
    const [bloodPressure] = await json('/v1/human/blood_pressure/readings');
    const reading = propertiesOf('HumanReading');
    expect(reading).toEqual(expect.arrayContaining(Object.keys(heartRate)));
    expect(reading).toEqual(expect.arrayContaining(Object.keys(bloodPressure)));
    expect(reading.filter((key) => !(key in heartRate))).toEqual(['diastolic', 'systolic']);
    expect(schemaNamed('HumanReading').required).not.toContain('value');

    expect(propertiesOf('HumanProfile')).toEqual(Object.keys(await json('/v1/human/profile')).sort());
    expect(propertiesOf('HumanSummary')).toEqual(Object.keys(await json('/v1/human')).sort());
    expect(propertiesOf('HumanSource')).toEqual(Object.keys((await json('/v1/human/sources'))[0]).sort());
    expect(propertiesOf('HumanActivitySummary')).toEqual(Object.keys((await json('/v1/human/activities/summaries'))[0]).sort());
    expect(propertiesOf('HumanSleepSummary')).toEqual(Object.keys((await json('/v1/human/sleeps/summaries'))[0]).sort());
  });

  it('documents each status every operation answers: no token, a bad query value, an unknown type or id', async () => {
    const { get } = await userWithData();
    const answered: string[] = [];
    for (const o of dataOperations()) {
      const concrete = (type: string, id: string) => o.path.replace('{type}', type).replace('{id}', id);
      // Without a token; then with one: a bad limit, an unknown type, a malformed and an unknown id.
      const attempts: { path: string; token?: null }[] = [
        { path: concrete('heart_rate', '1'), token: null },
        { path: `${concrete('heart_rate', '1')}?limit=0` },
        ...(o.path.includes('{type}') ? [{ path: concrete('pulse', '1') }] : []),
        ...(o.path.includes('{id}') ? [{ path: concrete('heart_rate', 'x') }, { path: concrete('heart_rate', '99999999999') }] : []),
      ];
      for (const { path, token } of attempts) {
        const status = (await get(path, token)).status;
        answered.push(`${o.path} ${status}`);
        expect(o.responses.map((r) => r.status), `${path} answered ${status}`).toContain(String(status));
      }
    }
    expect(answered).toEqual(expect.arrayContaining([
      '/v1/human 401', '/v1/human/{type}/readings 400', '/v1/human/{type} 404', '/v1/human/{type}/readings/{id} 400', '/v1/human/{type}/readings/{id} 404',
    ]));
  });

  it("answers a request authenticated as the document's security scheme says, as the reference's console sends it", async () => {
    const { token } = await userWithData();
    const list = operation('GET /v1/human/{type}/readings');
    const [schemeName] = list.security[0]!;
    const scheme = doc.components!.securitySchemes![schemeName!]!;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    const path = list.path.replace('{type}', 'blood_pressure');
    const response = await fetch(`${api.baseUrl}${path}?limit=5`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([expect.objectContaining({ systolic: 120, diastolic: 80, unit: 'mmHg' })]);
  });
});
