// Apple Health export uploads over real HTTP, as an app's server (App Key) and as the user's own
// app (their token) send them: the export is accepted and imported in the background, its
// progress can be followed, and every bad upload gets the right 4xx in the route's error body —
// an oversized one too, answered before the client has sent it all.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { ConnectBoot } from '../../components/connect/types';
import { mintSessionForUser } from '../connect/tokens';
import type { WidgetStateView } from '../connect/widget';
import { reloadConfig } from '../config';
import { getDb } from '../db/client';
import { apps } from '../db/schema';
import { generateExport, writeExportZip } from '../sources/apple-health/generate-export';
import { startJobs, stopJobs } from '../jobs/queue';
import { drainImports, importsFolder } from '../sources/apple-health/imports';
import { basicAuth, startApi, type RunningApi } from '../testing/api';
import { createTestApp, createTestUsers, type TestApp } from '../testing/fixtures';
import { revealTokens } from '../users/users';

/** Above the API's 1 MB body limit, which the uploads have their own cap instead of. */
const MAX_BYTES = 3 * 1024 * 1024;
let api: RunningApi;
let folder: string;
let exportZip: string;
let generatedReadings: number;
beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-apple-api-'));
  process.env.WEARHOUSE_DATA_DIR = path.join(folder, 'data');
  process.env.WEARHOUSE_IMPORT_MAX_BYTES = String(MAX_BYTES);
  reloadConfig();
  exportZip = path.join(folder, 'export.zip');
  generatedReadings = (await generateExport(exportZip, { records: 3_000, routeBytes: 1_500_000 })).readings;
  expect(fs.statSync(exportZip).size).toBeGreaterThan(1024 * 1024);
  // This file's own pg-boss schema: its drains run only its own imports.
  await startJobs({ schema: 'pgboss_apple_api_test' });
  api = await startApi();
});
afterAll(async () => {
  await stopJobs();
  await api?.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

type ImportObject = { id: string; status: string; progress: number; recordsSeen: number; readingsWritten: number; error: string | null; humanId: string };

async function expectError(response: Response, status: number, error: string, message: RegExp) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { statusCode: number; error: string; message: string };
  expect(body).toEqual({ statusCode: status, error, message: expect.stringMatching(message) });
}

const developerUpload = (app: TestApp, humanId: string, body: BodyInit, headers: Record<string, string> = { 'Content-Type': 'application/zip' }) =>
  fetch(`${api.baseUrl}/v1/apps/${app.clientId}/users/${humanId}/imports/apple-health`, {
    method: 'POST', body, headers: { Authorization: basicAuth(app.appKey), ...headers }, duplex: 'half',
  } as RequestInit);

/** Connect opened for a new user of the app, as the widget's page holds it: its widget token. */
async function openWidget(app: TestApp): Promise<{ widgetToken: string; humanId: string }> {
  const [row] = await getDb().select({ id: apps.id }).from(apps).where(eq(apps.clientId, app.clientId));
  const minted = await mintSessionForUser({ kind: 'client', appId: row!.id, clientId: app.clientId }, app.clientId, { externalId: `user-${Date.now()}-${Math.random()}` });
  const html = await (await fetch(`${api.baseUrl}/connect?token=${minted.sessionToken}`)).text();
  const boot = JSON.parse(html.match(/<script type="application\/json" id="connect-boot">(.*?)<\/script>/s)![1]!) as ConnectBoot;
  if (boot.page !== 'widget') throw new Error('The widget did not open.');
  return { widgetToken: boot.widgetToken, humanId: minted.humanId };
}

describe(`Apple Health uploads over HTTP on ${inject('databaseKind')}`, () => {
  it('takes an upload from the Connect widget, whose list then shows Apple Health connected', async () => {
    const app = await createTestApp();
    const { widgetToken, humanId } = await openWidget(app);
    const state = async () => (await (await fetch(`${api.baseUrl}/connect/api/state`, { headers: { authorization: `Bearer ${widgetToken}` } })).json()) as WidgetStateView;
    const offered = (await state()).sources.find((s) => s.id === 'apple-health');
    expect(offered).toMatchObject({ name: 'Apple Health', kind: 'file', isAvailable: true, connection: null });

    const response = await fetch(`${api.baseUrl}/connect/imports/apple-health`, {
      method: 'POST', body: fs.readFileSync(exportZip), headers: { authorization: `Bearer ${widgetToken}`, 'content-type': 'application/zip' },
    });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as ImportObject;
    expect(accepted.humanId).toBe(humanId);
    await drainImports();
    const followed = await fetch(`${api.baseUrl}/connect/imports/${accepted.id}`, { headers: { authorization: `Bearer ${widgetToken}` } });
    expect(await followed.json()).toMatchObject({ status: 'done', progress: 1, readingsWritten: generatedReadings });
    expect((await state()).sources.find((s) => s.id === 'apple-health')!.connection).toMatchObject({ status: 'connected' });

    await expectError(await fetch(`${api.baseUrl}/connect/imports/apple-health`, { method: 'POST', body: 'x', headers: { 'content-type': 'application/zip' } }), 401, 'Unauthorized', /widget token/);
    await expectError(await fetch(`${api.baseUrl}/connect/imports/apple-health`, {
      method: 'POST', body: 'not a zip', headers: { authorization: `Bearer ${widgetToken}`, 'content-type': 'application/zip' },
    }), 415, 'Unsupported Media Type', /application\/zip/);
  });

  it("imports a developer's upload in the background and shows its progress until done", async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const response = await developerUpload(app, user!.humanId, fs.readFileSync(exportZip));
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as ImportObject;
    expect(accepted).toMatchObject({ status: 'queued', humanId: user!.humanId, progress: 0 });
    const location = response.headers.get('location')!;
    expect(location).toBe(`${api.baseUrl}/v1/apps/${app.clientId}/users/${user!.humanId}/imports/${accepted.id}`);

    await drainImports();
    const done = await fetch(location, { headers: { Authorization: basicAuth(app.appKey) } });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ id: accepted.id, status: 'done', progress: 1, recordsSeen: 3_000, readingsWritten: generatedReadings, error: null });
    expect(fs.readdirSync(importsFolder())).toEqual([]);

    // Another app's key sees neither the user nor the import.
    const other = await createTestApp();
    await expectError(await fetch(location, { headers: { Authorization: basicAuth(other.appKey) } }), 403, 'Forbidden', /another app/);
    await expectError(await fetch(`${api.baseUrl}/v1/apps/${app.clientId}/users/${user!.humanId}/imports/3b241101-e2bb-4255-8caf-4136c566a962`, {
      headers: { Authorization: basicAuth(app.appKey) },
    }), 404, 'Not Found', /No import/);
  });

  it("imports the end user's own upload with their token, and keeps it theirs", async () => {
    const app = await createTestApp();
    const [user, neighbour] = await createTestUsers(app, 2);
    const { accessToken } = await revealTokens(app.owner, app.clientId, user!.humanId);
    const { accessToken: neighbourToken } = await revealTokens(app.owner, app.clientId, neighbour!.humanId);
    const response = await fetch(`${api.baseUrl}/v1/human/imports/apple-health`, {
      method: 'POST', body: fs.readFileSync(exportZip), headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/x-zip-compressed' },
    });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as ImportObject;
    expect(response.headers.get('location')).toBe(`${api.baseUrl}/v1/human/imports/${accepted.id}`);
    await drainImports();

    const mine = await fetch(`${api.baseUrl}/v1/human/imports/${accepted.id}`, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(await mine.json()).toMatchObject({ status: 'done', readingsWritten: generatedReadings });
    const list = await fetch(`${api.baseUrl}/v1/human/imports`, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(((await list.json()) as ImportObject[]).map((i) => i.id)).toEqual([accepted.id]);
    await expectError(await fetch(`${api.baseUrl}/v1/human/imports/${accepted.id}`, { headers: { Authorization: `Bearer ${neighbourToken}` } }), 404, 'Not Found', /No import/);
    const sources = (await (await fetch(`${api.baseUrl}/v1/human/sources`, { headers: { Authorization: `Bearer ${accessToken}` } })).json()) as { source: string; historySync: { status: string } }[];
    expect(sources).toEqual([expect.objectContaining({ source: 'apple-health', historySync: expect.objectContaining({ status: 'completed' }) })]);
  });

  it('refuses what is not an export with the right status and body, and keeps nothing of it', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const noExport = path.join(folder, 'no-export.zip');
    await writeExportZip(noExport, 'just notes', 'notes/readme.txt');

    await expectError(await developerUpload(app, user!.humanId, '{"a":1}', { 'Content-Type': 'application/json' }), 415, 'Unsupported Media Type', /application\/zip/);
    await expectError(await developerUpload(app, user!.humanId, 'this is not a zip at all'), 415, 'Unsupported Media Type', /application\/zip/);
    await expectError(await developerUpload(app, user!.humanId, fs.readFileSync(noExport)), 400, 'Bad Request', /no apple_health_export\/export\.xml/);
    await expectError(await developerUpload(app, user!.humanId, Buffer.from('PK\u0003\u0004 and then garbage')), 400, 'Bad Request', /not a readable zip/);
    await expectError(await developerUpload(app, user!.humanId, ''), 400, 'Bad Request', /empty/);
    const { accessToken } = await revealTokens(app.owner, app.clientId, user!.humanId);
    const viaToken = await fetch(`${api.baseUrl}/v1/human/imports/apple-health`, {
      method: 'POST', body: fs.readFileSync(noExport), headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/zip' },
    });
    await expectError(viaToken, 400, 'Bad Request', /no apple_health_export\/export\.xml/);
    await expectError(await fetch(`${api.baseUrl}/v1/human/imports/apple-health`, { method: 'POST', body: 'x', headers: { 'Content-Type': 'application/zip' } }), 401, 'Unauthorized', /access token/);
    expect(fs.readdirSync(importsFolder())).toEqual([]);
  });

  it('answers 413 to an export over the cap, whether it declares its length or streams it', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const big = Buffer.concat([fs.readFileSync(exportZip).subarray(0, 4), Buffer.alloc(MAX_BYTES + 1)]);
    await expectError(await developerUpload(app, user!.humanId, big), 413, 'Payload Too Large', /larger than/);

    // Without a length: streamed in chunks, refused once past the cap, the rest left unread.
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 4 * MAX_BYTES) return controller.close();
        const chunk = sent === 0 ? Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(65_532)]) : Buffer.alloc(65_536);
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    await expectError(await developerUpload(app, user!.humanId, stream), 413, 'Payload Too Large', /larger than/);
    expect(fs.readdirSync(importsFolder())).toEqual([]);
  });
});
