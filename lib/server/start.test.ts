// The first `npm start` from a clean data folder (the portal build is made beforehand by `npm test`):
// ready, the demo's credentials kept privately and not printed off a terminal, the demo's readings
// written after ready and resumed when the first start is stopped early, then a clean SIGTERM.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnOwner } from '../db/embedded/launch';
import { DEMO_DAYS, DEMO_SHOWCASE_DAYS, DEMO_USERS } from '../demo/installation';
import { killAll, launch, serverProcess, waitForOutput, waitForReady, waitUntilGone, type Launched } from '../testing/npm-start';
import { createScratchDatabase, dropScratchDatabase } from '../testing/scratch-database';

const root = path.resolve(import.meta.dirname, '../..');
const kind = inject('databaseKind');
const CHART_TYPES = ['heart_rate', 'steps', 'distance', 'calories', 'activity', 'sleep', 'blood_oxygen', 'weight', 'body_fat', 'bmi', 'blood_pressure', 'blood_glucose'];

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : fs.statSync(full).size;
  }
  return total;
}

describe(`the first npm start on ${kind}`, { timeout: 180_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-start-'));
  const env: Record<string, string | undefined> = { ADMIN_EMAIL: 'owner@example.test' };
  let server: Launched;
  let postgresDb: { admin: string; name: string } | undefined;
  const launched: Launched[] = [];
  const start = async () => {
    const next = await launch({ dataDir, env });
    launched.push(next);
    await waitForReady(next, 170_000);
    return next;
  };

  beforeAll(async () => {
    if (!fs.existsSync(path.join(root, '.next/BUILD_ID'))) {
      throw new Error('No portal build: run `npm run build` first (`npm test` does).');
    }
    if (kind === 'postgres') {
      // Production mode: a fresh, empty PostgreSQL database; nothing embedded may start.
      const admin = process.env.TEST_DATABASE_URL!;
      const scratch = await createScratchDatabase(admin, 'wearhouse_start');
      postgresDb = { admin, name: scratch.name };
      env.DATABASE_URL = scratch.url;
      env.WEARHOUSE_SECRET_KEY = randomBytes(32).toString('base64');
    }
    server = await start();
  });

  afterAll(async () => {
    for (const { marker } of launched) killAll(marker);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    if (postgresDb) await dropScratchDatabase(postgresDb.admin, postgresDb.name);
  });

  it('answers the health checks and serves the portal', async () => {
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', pendingMigrations: 0 });
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    const home = await fetch(`${server.baseUrl}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Wearhouse');
  });

  it('keeps the generated credentials in a private file and, off a terminal, prints none of them', async () => {
    const file = path.join(dataDir, 'demo-credentials.json');
    const credentials = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(credentials.signIn.email).toBe('owner@example.test');
    expect(credentials.signIn.password).toMatch(/^\S{12,}$/);
    expect(server.output()).toContain(file);
    expect(server.output()).not.toContain(credentials.signIn.password);
    expect(server.output()).not.toContain(credentials.demoApp.appKey);
    expect(server.output()).not.toContain(credentials.demoApp.clientSecret);

    // The file's App Key works: it lists the demo app's users.
    const response = await fetch(`${server.baseUrl}/v1/apps/${credentials.demoApp.clientId}/users`, {
      headers: { authorization: `Basic ${Buffer.from(`${credentials.demoApp.appKey}:`).toString('base64')}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(DEMO_USERS);
  });

  it(kind === 'pglite' ? 'owns the embedded database in the data folder' : 'starts no embedded database when DATABASE_URL is set', () => {
    expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(kind === 'pglite');
    expect(fs.existsSync(path.join(dataDir, 'pglite.lock'))).toBe(kind === 'pglite');
  });

  it.runIf(kind === 'pglite')('refuses a second start on the same data folder, naming the owner', async () => {
    const owner = JSON.parse(fs.readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')) as { pid: number };
    const second = await launch({ dataDir });
    launched.push(second);
    expect((await second.exited).code).not.toBe(0);
    expect(second.output()).toContain(`owned by process ${owner.pid}`);
    expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200); // the first server is unharmed
  });

  it('writes the demo readings after ready; stopped early, the next start finishes them', async () => {
    expect(server.output()).not.toContain('demo readings written');
    server.npm.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(await waitUntilGone(server.marker)).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'demo-readings.json'))).toBe(true);

    server = await start();
    expect(server.output()).not.toContain('Wearhouse is set up'); // not a first start again
    await waitForOutput(server, 'demo readings written', 170_000);
    expect(fs.existsSync(path.join(dataDir, 'demo-readings.json'))).toBe(false);
    server.npm.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('stopped.');
    expect(await waitUntilGone(server.marker)).toEqual([]);
  });

  it('leaves a demo with every kind of reading, and a year of five-minute heart rate for one user', async () => {
    const owner = kind === 'pglite' ? await spawnOwner(dataDir) : undefined;
    const client = new pg.Client({ connectionString: owner?.url ?? env.DATABASE_URL });
    await client.connect();
    try {
      const connections = await client.query<{ pending: number; total: number }>(`
        SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM readings r WHERE r.connection_id = c.id))::int AS pending, count(*)::int AS total
        FROM connections c`);
      expect(connections.rows[0]).toMatchObject({ pending: 0 });
      expect(connections.rows[0]!.total).toBeGreaterThanOrEqual(DEMO_USERS);

      const types = await client.query<{ type: string; users: number }>('SELECT type, count(DISTINCT user_id)::int AS users FROM readings GROUP BY type');
      expect(types.rows.map((t) => t.type).sort()).toEqual([...CHART_TYPES].sort());

      const showcase = await client.query<{ n: number; days: number; step: number }>(`
        SELECT count(*)::int AS n, extract(epoch FROM max(ts) - min(ts))::int / 86400 AS days,
               extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY gap))::int AS step
        FROM (SELECT ts, ts - lag(ts) OVER (ORDER BY ts) AS gap FROM readings r JOIN users u ON u.id = r.user_id JOIN connections c ON c.id = r.connection_id
              WHERE u.external_id LIKE 'user-%-1' AND c.source_id = 'demo-tracker' AND r.type = 'heart_rate') s`);
      expect(showcase.rows[0]!.days).toBeGreaterThanOrEqual(DEMO_SHOWCASE_DAYS - 1);
      expect(showcase.rows[0]!.step).toBe(300);
      expect(showcase.rows[0]!.n).toBeGreaterThanOrEqual((DEMO_SHOWCASE_DAYS - 1) * 288);

      const others = await client.query<{ days: number }>(`
        SELECT min(extract(epoch FROM last - first))::int / 86400 AS days FROM (
          SELECT max(ts) AS last, min(ts) AS first FROM readings r JOIN connections c ON c.id = r.connection_id
          WHERE c.source_id = 'demo-tracker' AND r.type = 'heart_rate' GROUP BY r.user_id) s`);
      expect(others.rows[0]!.days).toBeGreaterThanOrEqual(DEMO_DAYS - 1);
    } finally {
      await client.end();
      await owner?.stop?.();
    }
  });

  // 150 MB until the batch endpoints' index on readings (user_id, type, updated_at, id: 16 MB of the
  // demo's 215,000 readings) and the job queue's schema came; measured 136–162 MB since.
  it.runIf(kind === 'pglite')('keeps the data folder small: at most 175 MB after the first start', () => {
    expect(folderBytes(dataDir)).toBeLessThanOrEqual(175 * 1024 * 1024);
  });
});

describe.runIf(kind === 'pglite')('the first npm start on a terminal', { timeout: 180_000 }, () => {
  let dataDir = '';
  let server: Launched | undefined;
  beforeAll(() => void (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-start-tty-'))));
  afterAll(() => {
    if (server) killAll(server.marker);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the secrets it generated once, but never an ADMIN_PASSWORD the operator chose', async () => {
    const chosen = `chosen-${randomBytes(6).toString('hex')}`;
    server = await launch({ dataDir, terminal: true, env: { ADMIN_EMAIL: 'me@example.test', ADMIN_PASSWORD: chosen } });
    await waitForReady(server, 170_000);
    const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8'));
    expect(credentials.signIn).toMatchObject({ email: 'me@example.test', password: null });
    expect(server.output()).toContain(credentials.demoApp.appKey);
    expect(server.output()).toContain(credentials.demoApp.clientSecret);
    expect(server.output()).not.toContain(chosen);
    expect(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')).not.toContain(chosen);

    process.kill(serverProcess(server.marker)!.pid, 'SIGTERM');
    expect(await waitUntilGone(server.marker)).toEqual([]);
  });
});
