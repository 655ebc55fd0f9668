// Uploading readings from the user's phone over real HTTP with the user's token: what is stored and
// counted, a retried batch, items refused one by one while the others are stored, the request's
// limits (10,000 items, 10 MB, answered on a kept-alive connection), and whose data a token writes.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getDb } from '../../db/client';
import { listConnections } from '../../sources/connections';
import { startApi, type RunningApi } from '../../testing/api';
import { createTestApp, type TestApp } from '../../testing/fixtures';
import { createUser, revealTokens } from '../../users/users';
import { saveWebhookUrl } from '../../webhooks/settings';
import { MAX_UPLOAD_BODY_BYTES } from './upload';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

type TestUser = { app: TestApp; humanId: string; token: string };

async function newUser(app?: TestApp): Promise<TestUser> {
  const owner = app ?? (await createTestApp());
  const { user } = await createUser(owner.owner, owner.clientId, { externalId: `ext-${randomBytes(4).toString('hex')}` });
  const { accessToken } = await revealTokens(owner.owner, owner.clientId, user.humanId);
  return { app: owner, humanId: user.humanId, token: accessToken };
}

type Answer = { inserted: number; updated: number; unchanged: number; rejected: number; errors: { index: number; code: string; message: string }[] };

function upload(user: TestUser, type: string, readings: unknown[], token = user.token) {
  return fetch(`${api.baseUrl}/v1/human/${type}/readings`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ readings }),
  });
}

async function uploadOk(user: TestUser, type: string, readings: unknown[]): Promise<Answer> {
  const response = await upload(user, type, readings);
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body as Answer;
}

async function storedOf(user: TestUser, type: string) {
  const response = await fetch(`${api.baseUrl}/v1/human/${type}/readings?limit=500`, { headers: { Authorization: `Bearer ${user.token}` } });
  expect(response.status).toBe(200);
  const list = (await response.json()) as { value?: number; systolic?: number; diastolic?: number; unit: string; source: string; timestamp: string; tzOffset: string; humanId: string }[];
  return list.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

/** Readings and rollup counts of the user's mobile connection, straight from the tables. */
async function tableCounts(humanId: string) {
  const { rows } = await getDb().execute<{ readings: number; rolled: number }>(sql`
    SELECT (SELECT count(*)::int FROM readings r JOIN users u ON u.id = r.user_id WHERE u.human_id = ${humanId}) AS readings,
           (SELECT coalesce(sum(rr.count), 0)::int FROM reading_rollups rr JOIN users u ON u.id = rr.user_id WHERE u.human_id = ${humanId}) AS rolled`);
  return rows[0]!;
}

const heartRate = (id: string, minute: number, value: number, unit = 'bpm') =>
  ({ sourceReadingId: id, timestamp: `2026-11-20T07:${String(minute).padStart(2, '0')}:00+01:00`, value, unit });

describe(`uploading readings on ${inject('databaseKind')}`, () => {
  it('stores new readings on the user\'s mobile source, converting units, and counts them as inserted', async () => {
    const user = await newUser();
    expect(await uploadOk(user, 'heart_rate', [heartRate('a', 0, 61), heartRate('b', 1, 63, 'count/min'), heartRate('c', 2, 65, 'BPM')]))
      .toEqual({ inserted: 3, updated: 0, unchanged: 0, rejected: 0, errors: [] });
    const stored = await storedOf(user, 'heart_rate');
    expect(stored.map((r) => [r.value, r.unit, r.source, r.tzOffset, r.humanId])).toEqual([
      [61, 'bpm', 'mobile', '+01:00', user.humanId], [63, 'bpm', 'mobile', '+01:00', user.humanId], [65, 'bpm', 'mobile', '+01:00', user.humanId],
    ]);
    expect(stored[0]!.timestamp).toBe('2026-11-20T06:00:00.000Z');

    // Units convert into the stored unit: pounds to kilograms, mmol/L to mg/dL.
    expect(await uploadOk(user, 'weight', [{ sourceReadingId: 'w', timestamp: '2026-11-20T07:00:00Z', value: 176.37, unit: 'lb' }])).toMatchObject({ inserted: 1 });
    expect((await storedOf(user, 'weight')).map((r) => [Math.round(r.value! * 100) / 100, r.unit])).toEqual([[80, 'kg']]);
    expect(await uploadOk(user, 'blood_glucose', [{ sourceReadingId: 'g', timestamp: '2026-11-20T07:00:00Z', value: 5.5, unit: 'mmol/L' }])).toMatchObject({ inserted: 1 });
    expect((await storedOf(user, 'blood_glucose')).map((r) => [Math.round(r.value!), r.unit])).toEqual([[99, 'mg/dL']]);
    expect(await uploadOk(user, 'blood_pressure', [{ sourceReadingId: 'p', timestamp: '2026-11-20T07:00:00Z', systolic: 121, diastolic: 79, unit: 'mmHg' }])).toMatchObject({ inserted: 1 });
    expect((await storedOf(user, 'blood_pressure')).map((r) => [r.systolic, r.diastolic])).toEqual([[121, 79]]);

    // One mobile connection for all of them, showing the upload as its last sync.
    const connections = await listConnections(user.app.owner, user.app.clientId, user.humanId);
    expect(connections.map((c) => [c.source.id, c.source.kind, c.status])).toEqual([['mobile', 'upload', 'connected']]);
    expect(connections[0]!.lastSyncAt).not.toBeNull();
    expect(connections[0]!.newestReadingAt?.toISOString()).toBe('2026-11-20T07:00:00.000Z');
  });

  it('stores nothing twice when a batch is retried: unchanged readings are counted as such, changed ones as updated', async () => {
    const user = await newUser();
    const batch = [heartRate('a', 0, 61), heartRate('b', 1, 63), heartRate('c', 2, 65)];
    expect(await uploadOk(user, 'heart_rate', batch)).toMatchObject({ inserted: 3, updated: 0, unchanged: 0 });
    expect(await uploadOk(user, 'heart_rate', batch)).toEqual({ inserted: 0, updated: 0, unchanged: 3, rejected: 0, errors: [] });
    expect(await uploadOk(user, 'heart_rate', [heartRate('a', 0, 61), heartRate('b', 1, 90), heartRate('d', 3, 70)]))
      .toEqual({ inserted: 1, updated: 1, unchanged: 1, rejected: 0, errors: [] });

    expect((await storedOf(user, 'heart_rate')).map((r) => r.value)).toEqual([61, 90, 65, 70]);
    // The hourly rollups count each reading once, with the updated value.
    expect(await tableCounts(user.humanId)).toEqual({ readings: 4, rolled: 4 });
    const { rows } = await getDb().execute<{ max: number }>(sql`
      SELECT max(rr.max) AS max FROM reading_rollups rr JOIN users u ON u.id = rr.user_id WHERE u.human_id = ${user.humanId}`);
    expect(Number(rows[0]!.max)).toBe(90);
  });

  it("announces each upload that changed something to the app's webhook: one readings.added event, none for an unchanged retry", async () => {
    const app = await createTestApp();
    await saveWebhookUrl(app.owner, app.clientId, 'https://hooks.example.com/wearhouse');
    const user = await newUser(app);
    const events = async () => (await getDb().execute<{ body: string }>(sql`
      SELECT d.body FROM webhook_deliveries d JOIN apps a ON a.id = d.app_id
      WHERE a.client_id = ${app.clientId} AND d.event_type = 'readings.added' ORDER BY d.id`)).rows
      .map((r) => JSON.parse(r.body) as { type: string; data: { humanId: string; types: string[]; count: number; updatedSince: string } });
    const batch = [heartRate('a', 0, 61), heartRate('b', 1, 63)];
    const before = Date.now();
    await uploadOk(user, 'heart_rate', batch);
    await uploadOk(user, 'heart_rate', batch);
    await uploadOk(user, 'heart_rate', [heartRate('a', 0, 62)]);
    const sent = await events();
    expect(sent.map((e) => [e.type, e.data.humanId, e.data.types, e.data.count])).toEqual([
      ['readings.added', user.humanId, ['heart_rate'], 2],
      ['readings.added', user.humanId, ['heart_rate'], 1],
    ]);
    // updatedSince reads back what the event announced through the batch endpoint's window.
    expect(Date.parse(sent[0]!.data.updatedSince)).toBeGreaterThan(before - 5_000);
    expect(Date.parse(sent[0]!.data.updatedSince)).toBeLessThanOrEqual(Date.now());
  });

  it('refuses bad items one by one, with their index and why, and stores the others', async () => {
    const user = await newUser();
    const answer = await uploadOk(user, 'heart_rate', [
      heartRate('ok-1', 0, 60),
      heartRate('kg', 1, 60, 'kg'), // not a unit of heart rate
      { ...heartRate('weight', 2, 60), type: 'weight' }, // another type than the path's
      heartRate('high', 3, 900), // implausible: a wrong unit, most likely
      { sourceReadingId: 'no-value', timestamp: '2026-11-20T07:04:00Z', unit: 'bpm' },
      { sourceReadingId: 'no-zone', timestamp: '2026-11-20T07:05:00', value: 60, unit: 'bpm' },
      'not a reading',
      heartRate('twice', 6, 60),
      heartRate('ok-2', 7, 62),
      heartRate('twice', 8, 64),
      { ...heartRate('future', 9, 60), timestamp: '2099-01-01T00:00:00Z' },
    ]);
    expect(answer.errors.map(({ index, code }) => [index, code])).toEqual([
      [1, 'unit'], [2, 'invalid'], [3, 'range'], [4, 'invalid'], [5, 'invalid'], [6, 'invalid'], [7, 'duplicate'], [10, 'range'],
    ]);
    expect(answer.errors[0]!.message).toMatch(/kg.*bpm/);
    expect(answer).toMatchObject({ inserted: 3, updated: 0, unchanged: 0, rejected: 8 });
    expect((await storedOf(user, 'heart_rate')).map((r) => r.value)).toEqual([60, 62, 64]);

    // A type that does not exist is the path's problem: 404, nothing stored.
    const unknown = await upload(user, 'mood', [heartRate('m', 0, 3)]);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ statusCode: 404, error: 'Not Found', message: expect.stringContaining('heart_rate') });
    expect(await tableCounts(user.humanId)).toEqual({ readings: 3, rolled: 3 });
  });

  it('takes 10,000 readings in one request and refuses 10,001 with a 400, storing none of them', async () => {
    const user = await newUser();
    const start = Date.parse('2026-11-01T00:00:00Z');
    const many = (count: number, prefix: string) => Array.from({ length: count }, (_, i) =>
      ({ sourceReadingId: `${prefix}-${i}`, timestamp: new Date(start + i * 60_000).toISOString(), value: 50 + (i % 50), unit: 'bpm' }));
    const refused = await upload(user, 'heart_rate', many(10_001, 'x'));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/10,001.*10,000/) });
    expect(await tableCounts(user.humanId)).toEqual({ readings: 0, rolled: 0 });

    expect(await uploadOk(user, 'heart_rate', many(10_000, 'y'))).toMatchObject({ inserted: 10_000, rejected: 0 });
    expect(await tableCounts(user.humanId)).toEqual({ readings: 10_000, rolled: 10_000 });
  }, 120_000);

  it('answers 400 to a body that is not {"readings": [...]}, and 415 to one that is not JSON', async () => {
    const user = await newUser();
    const post = (body: string, type = 'application/json') => fetch(`${api.baseUrl}/v1/human/steps/readings`, {
      method: 'POST', headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': type }, body,
    });
    for (const body of ['{"readings": ', '[]', '{"readings": {}}', 'null']) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      expect(await response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    const form = await post('readings=1', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
  });

  it.each([['announced', true], ['streamed', false]] as const)(
    'answers 413 to a body over 10 MB (%s) on a kept-alive connection, and the next request gets its answer',
    async (_, announced) => {
      const user = await newUser();
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const body = JSON.stringify({ readings: [heartRate('a', 0, 60)], padding: 'p'.repeat(MAX_UPLOAD_BODY_BYTES) });
      const send = (method: string, path: string, payload?: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers: Record<string, string | number> = { Authorization: `Bearer ${user.token}` };
        if (payload !== undefined) headers['Content-Type'] = 'application/json';
        if (payload !== undefined && announced) headers['Content-Length'] = Buffer.byteLength(payload);
        const request = http.request(`${api.baseUrl}${path}`, { method, headers, agent }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body: text }));
          response.on('error', reject);
        });
        request.on('error', reject);
        if (payload === undefined) return void request.end();
        // Streamed in 64 KiB pieces, as a phone on a slow link would.
        let offset = 0;
        const pump = () => {
          while (offset < payload.length) {
            const piece = payload.slice(offset, offset + 65_536);
            offset += piece.length;
            if (!request.write(piece)) return void request.once('drain', pump);
          }
          request.end();
        };
        pump();
      });
      try {
        const refused = await send('POST', '/v1/human/heart_rate/readings', body);
        expect(refused.status).toBe(413);
        expect(JSON.parse(refused.body)).toEqual({ statusCode: 413, error: 'Payload Too Large', message: expect.stringContaining('10 MB') });
        const next = await send('GET', '/v1/human/heart_rate/readings');
        expect(next).toEqual({ status: 200, body: '[]' });
      } finally {
        agent.destroy();
      }
      expect(await tableCounts(user.humanId)).toEqual({ readings: 0, rolled: 0 });
    },
    60_000,
  );

  it("writes to the token's own user only: another user's token, an App Key or no token never reaches this user", async () => {
    const mine = await newUser();
    const other = await newUser(mine.app);
    const stranger = await newUser();
    await uploadOk(mine, 'steps', [{ sourceReadingId: 's1', timestamp: '2026-11-20T07:00:00Z', value: 100, unit: 'steps' }]);

    // The same sourceReadingId from other users lands on their own connections, not on mine.
    await uploadOk(other, 'steps', [{ sourceReadingId: 's1', timestamp: '2026-11-20T07:00:00Z', value: 999, unit: 'steps' }]);
    await uploadOk(stranger, 'steps', [{ sourceReadingId: 's1', timestamp: '2026-11-20T07:00:00Z', value: 555, unit: 'steps' }]);
    expect((await storedOf(mine, 'steps')).map((r) => r.value)).toEqual([100]);
    expect((await storedOf(other, 'steps')).map((r) => r.value)).toEqual([999]);

    const steps = [{ sourceReadingId: 's2', timestamp: '2026-11-20T08:00:00Z', value: 1, unit: 'steps' }];
    for (const token of [mine.app.appKey, `wha_${'A'.repeat(32)}`, '']) {
      const response = await fetch(`${api.baseUrl}/v1/human/steps/readings`, {
        method: 'POST', headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' }, body: JSON.stringify({ readings: steps }),
      });
      expect(response.status).toBe(401);
    }
    const basic = await fetch(`${api.baseUrl}/v1/human/steps/readings`, {
      method: 'POST', headers: { Authorization: `Basic ${Buffer.from(`${mine.app.appKey}:`).toString('base64')}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ readings: steps }),
    });
    expect(basic.status).toBe(401);
    expect(await tableCounts(mine.humanId)).toEqual({ readings: 1, rolled: 1 });
  });
});
