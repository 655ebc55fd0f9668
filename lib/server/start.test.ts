// Smoke test of `npm start`: the real launcher from a clean data folder (the portal build is made
// beforehand by `npm test`), until /readyz says ready, then a clean SIGTERM shutdown.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createScratchDatabase, dropScratchDatabase } from '../testing/scratch-database';

const root = path.resolve(import.meta.dirname, '../..');
const kind = inject('databaseKind');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForReady(baseUrl: string, server: ChildProcess, output: () => string) {
  const deadline = Date.now() + 170_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`The server exited with ${server.exitCode}:\n${output()}`);
    const ready = await fetch(`${baseUrl}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`The server was not ready in time:\n${output()}`);
}

describe(`npm start on ${kind}`, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-start-'));
  let server: ChildProcess;
  let output = '';
  let baseUrl = '';
  let postgresDb: { admin: string; name: string } | undefined;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(root, '.next/BUILD_ID'))) {
      throw new Error('No portal build: run `npm run build` first (`npm test` does).');
    }
    const port = await freePort();
    baseUrl = `http://localhost:${port}`;
    // The worker's own database settings must not leak into the server under test.
    const { DATABASE_URL, WEARHOUSE_SECRET_KEY, NODE_ENV, ...inherited } = process.env;
    const env: Record<string, string | undefined> = { ...inherited, PORT: String(port), WEARHOUSE_DATA_DIR: dataDir, WEARHOUSE_SKIP_BUILD: '1', ADMIN_EMAIL: 'owner@example.test' };
    if (kind === 'postgres') {
      // Production mode: a fresh, empty PostgreSQL database; nothing embedded may start.
      const admin = process.env.TEST_DATABASE_URL!;
      const scratch = await createScratchDatabase(admin, 'wearhouse_start');
      postgresDb = { admin, name: scratch.name };
      env.DATABASE_URL = scratch.url;
      env.WEARHOUSE_SECRET_KEY = randomBytes(32).toString('base64');
    }
    server = spawn(process.execPath, ['--import', 'tsx', 'lib/server/start.ts'], { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk) => (output += chunk));
    server.stderr!.on('data', (chunk) => (output += chunk));
    await waitForReady(baseUrl, server, () => output);
  });

  afterAll(async () => {
    if (server?.exitCode === null) server.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (postgresDb) await dropScratchDatabase(postgresDb.admin, postgresDb.name);
  });

  it('answers the health checks and serves the portal', async () => {
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', pendingMigrations: 0 });
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const home = await fetch(`${baseUrl}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Wearhouse');
  });

  it('prints the sign-in and demo credentials once and keeps them in a private file', async () => {
    const file = path.join(dataDir, 'demo-credentials.json');
    const credentials = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(credentials.signIn.email).toBe('owner@example.test');
    expect(output).toContain(credentials.signIn.password);
    expect(output).toContain(credentials.demoApp.appKey);
    expect(output).toContain(credentials.demoApp.clientSecret);

    // The printed curl command works: the demo App Key lists the demo app's 25 users.
    const response = await fetch(`${baseUrl}/v1/apps/${credentials.demoApp.clientId}/users`, {
      headers: { authorization: `Basic ${Buffer.from(`${credentials.demoApp.appKey}:`).toString('base64')}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(25);
  });

  it(kind === 'pglite' ? 'owns the embedded database in the data folder' : 'starts no embedded database when DATABASE_URL is set', () => {
    expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(kind === 'pglite');
    expect(fs.existsSync(path.join(dataDir, 'pglite.lock'))).toBe(kind === 'pglite');
  });

  it.runIf(kind === 'pglite')('refuses a second start on the same data folder, naming the owner', async () => {
    const owner = JSON.parse(fs.readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')) as { pid: number };
    const second = spawn(process.execPath, ['--import', 'tsx', 'lib/server/start.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', WEARHOUSE_DATA_DIR: dataDir, PORT: '0' } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    second.stderr!.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain(`owned by process ${owner.pid}`);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200); // the first server is unharmed
  });

  it('shuts down cleanly on SIGTERM, releasing the data folder', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('stopped.');
    expect(fs.existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
  });
});
