// The database goes away under a running API and comes back: meanwhile every request gets 503 with
// Retry-After in its dialect's body (never a 500, never a dropped connection), /readyz says
// "database unavailable" and nothing more, the log names the failure without parameters, and the
// API serves again once the database is back, without a restart.
// PostgreSQL (and the embedded engine) through a TCP proxy that the test cuts and restores; the
// embedded owner also by killing it and starting a new one on the same data folder.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { reloadConfig } from '../config';
import { closeDb, getDb } from '../db/client';
import { spawnOwner, type EmbeddedDatabase } from '../db/embedded/launch';
import { migrate } from '../db/migrate';
import { log } from '../log';
import { syncCatalog } from '../sources/catalog';
import { basicAuth, startApi, type RunningApi } from '../testing/api';
import { createTestApp, createTestUsers, type TestApp } from '../testing/fixtures';

const kind = inject('databaseKind');
const runUrl = inject('databaseUrl');

/** A TCP proxy to the database that can be cut (every connection dropped, new ones refused) and restored. */
async function startProxy(target: { host?: string; port?: number; path?: string }) {
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = net.connect(target as net.NetConnectOpts);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      cut = false;
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

// The embedded engine's URL has no host part (`postgres://postgres@/postgres?host=/folder`), which
// WHATWG URL refuses; read it with a placeholder host.
const parseDatabaseUrl = (url: string) => new URL(url.replace('@/', '@placeholder/'));

/** Where a postgres:// URL points: host and port, or the Unix socket of a host that is a folder. */
function targetOf(url: string) {
  const parsed = parseDatabaseUrl(url);
  const host = parsed.searchParams.get('host') ?? decodeURIComponent(parsed.hostname || '127.0.0.1');
  const port = Number(parsed.port || 5432);
  return host.startsWith('/') ? { path: path.join(host, `.s.PGSQL.${port}`) } : { host, port };
}

async function useDatabase(url: string) {
  await closeDb();
  process.env.DATABASE_URL = url;
  reloadConfig();
}

type Client = { human(path: string, init?: RequestInit): Promise<Response>; ngrok(path: string, init?: RequestInit): Promise<Response> };
function clientOf(api: RunningApi, app: TestApp): Client {
  return {
    human: (p, init = {}) => fetch(`${api.baseUrl}${p}`, { ...init, headers: { Authorization: basicAuth(app.appKey), ...init.headers } }),
    ngrok: (p, init = {}) => fetch(`${api.baseUrl}${p}`, { ...init, headers: { Authorization: `Bearer ${app.appKey}`, 'Ngrok-Version': '2', ...init.headers } }),
  };
}

/** Every request of both dialects, and /readyz, answered as an outage. */
async function expectOutage(api: RunningApi, app: TestApp, humanId: string) {
  const client = clientOf(api, app);
  const human = [
    await client.human(`/v1/apps/${app.clientId}/users`),
    await client.human(`/v1/apps/${app.clientId}/users/${humanId}`),
    await client.human(`/v1/apps/${app.clientId}/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ externalId: `during-${randomBytes(3).toString('hex')}` }) }),
  ];
  for (const response of human) {
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'The database is not available right now; retry in 5 s.' });
  }
  for (const response of [await client.ngrok('/app/users'), await client.ngrok(`/app/users/${humanId}`, { method: 'DELETE' })]) {
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ error_code: 'ERR_WEARHOUSE_503', status_code: 503, msg: 'The database is not available right now; retry in 5 s.' });
  }
  const ready = await fetch(`${api.baseUrl}/readyz`);
  expect(ready.status).toBe(503);
  expect(ready.headers.get('retry-after')).toBe('5');
  expect(await ready.json()).toEqual({ status: 'unavailable', message: 'database unavailable' });
}

/** Polls until the API serves the user again; then every later request must succeed too. */
async function expectRecovery(api: RunningApi, app: TestApp, humanId: string) {
  const client = clientOf(api, app);
  const deadline = Date.now() + 20_000;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await client.human(`/v1/apps/${app.clientId}/users/${humanId}`)).status;
    if (status === 200) break;
    expect(status).toBe(503); // while it comes back: still an honest outage, never a 500
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(status).toBe(200);
  expect((await client.ngrok(`/app/users/${humanId}`)).status).toBe(200);
  expect((await client.human(`/v1/apps/${app.clientId}/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ externalId: 'after-outage' }) })).status).toBe(201);
  expect((await fetch(`${api.baseUrl}/readyz`)).status).toBe(200);
}

/** The outage was logged as such, with a code and no secret, parameter or value. */
function expectOutageLogged(warn: ReturnType<typeof vi.spyOn>, error: ReturnType<typeof vi.spyOn>, app: TestApp) {
  const lines = [...warn.mock.calls, ...error.mock.calls].map((call) => JSON.stringify(call));
  expect(error.mock.calls).toEqual([]); // an outage is not a bug
  const outages = warn.mock.calls.filter((call) => call[1] === 'database unavailable');
  expect(outages.length).toBeGreaterThan(0);
  for (const [fields] of outages) {
    const err = (fields as { error: { code?: string; message?: string } }).error;
    expect(err.code ?? err.message, JSON.stringify(fields)).toBeTruthy();
    expect(fields, JSON.stringify(fields)).toMatchObject({ method: expect.any(String), route: expect.any(String), requestId: expect.any(String) });
  }
  for (const line of lines) {
    expect(line).not.toContain(app.appKey);
    expect(line).not.toContain('params');
    expect(line).not.toContain('during-');
  }
}

describe(`the database going away under the API on ${kind}`, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await useDatabase(runUrl);
  });

  /** The API on the current database, with one app and one user it serves (200) before the outage. */
  async function serveOneUser() {
    const api = await startApi();
    cleanups.push(() => api.close());
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    expect((await clientOf(api, app).human(`/v1/apps/${app.clientId}/users/${user!.humanId}`)).status).toBe(200);
    return { api, app, user: user! };
  }

  it('answers 503 with Retry-After in both dialects while the connection is cut, and serves again once it is restored', async () => {
    const proxy = await startProxy(targetOf(runUrl));
    cleanups.push(() => proxy.close());
    const viaProxy = parseDatabaseUrl(runUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    viaProxy.searchParams.delete('host');
    await useDatabase(viaProxy.toString());
    const { api, app, user } = await serveOneUser();

    const warn = vi.spyOn(log, 'warn');
    const error = vi.spyOn(log, 'error');
    proxy.cut();
    await expectOutage(api, app, user.humanId);
    expectOutageLogged(warn, error, app);

    proxy.restore();
    await expectRecovery(api, app, user.humanId);
  });

  it.runIf(kind === 'pglite')('answers 503 while the embedded owner is dead, and serves again from a new owner of the same data folder', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-outage-'));
    let owner: EmbeddedDatabase = await spawnOwner(dataDir);
    cleanups.push(async () => {
      await owner.stop?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    await useDatabase(owner.url);
    await migrate(getDb());
    await syncCatalog(getDb());
    const { api, app, user } = await serveOneUser();

    const warn = vi.spyOn(log, 'warn');
    const error = vi.spyOn(log, 'error');
    process.kill(owner.pid, 'SIGKILL'); // a crash: no clean shutdown, the lock file left behind
    await owner.exited;
    await expectOutage(api, app, user.humanId);
    expectOutageLogged(warn, error, app);

    // The same address as before (the socket lives in the data folder): the server's pool keeps its
    // connection settings.
    const before = owner.url;
    owner = await spawnOwner(dataDir);
    expect(owner.url).toBe(before);
    await expectRecovery(api, app, user.humanId);
  }, 120_000);
});
