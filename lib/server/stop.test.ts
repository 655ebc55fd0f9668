// However `npm start` is stopped — SIGTERM or SIGINT to npm or to the server, Ctrl-C in a terminal,
// npm killed outright — it ends the same way: requests drained, database checkpointed and stopped,
// no process left, the port free, exit status 0. And an embedded database that dies under load is
// replaced while /readyz says 503, instead of the server answering errors forever.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { basicAuth } from '../testing/api';
import { killAll, launch, ownerProcess, portIsFree, serverProcess, waitForOutput, waitForReady, waitUntilGone, type Launched } from '../testing/npm-start';

const root = path.resolve(import.meta.dirname, '../..');

// Each case starts a server: minutes, not the default seconds, on a busy machine.
const LAUNCH_TIMEOUT = 150_000;

describe.runIf(inject('databaseKind') === 'pglite')('stopping npm start', { timeout: LAUNCH_TIMEOUT }, () => {
  // One data folder for every case: after the first start each one reopens it (fast, no demo).
  let dataDir = '';
  let current: Launched | undefined;
  beforeAll(() => void (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-stop-'))));

  afterEach(() => {
    if (current) killAll(current.marker);
    current = undefined;
  });
  afterAll(() => void (dataDir && fs.rmSync(dataDir, { recursive: true, force: true })));

  async function started() {
    current = await launch({ dataDir, env: { WEARHOUSE_DEMO: '0' } });
    await waitForReady(current);
    expect(ownerProcess(current.marker)).toBeDefined();
    return current;
  }

  async function expectCleanStop(launched: Launched) {
    expect(await waitUntilGone(launched.marker)).toEqual([]);
    expect(launched.output()).toContain('stopped.');
    expect(await portIsFree(launched.port)).toBe(true);
  }

  // SIGTERM and SIGINT to npm end the two longer cases below (each launch costs seconds).
  it('SIGTERM to the server process', async () => {
    const launched = await started();
    process.kill(serverProcess(launched.marker)!.pid, 'SIGTERM');
    expect(await launched.exited).toEqual({ code: 0, signal: null });
    await expectCleanStop(launched);
  });

  it('Ctrl-C in a terminal (SIGINT to the whole foreground process group)', async () => {
    const launched = await started();
    process.kill(-launched.npm.pid!, 'SIGINT');
    expect(await launched.exited).toEqual({ code: 0, signal: null });
    await expectCleanStop(launched);
  });

  it('kill -9 of npm: the server notices its parent is gone and stops', async () => {
    const launched = await started();
    launched.npm.kill('SIGKILL');
    expect(await launched.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await expectCleanStop(launched);
  });

  it('SIGTERM to npm: a request in flight is still answered, new connections are refused', async () => {
    const launched = await started();
    const app = JSON.parse(await cli(['apps:create', '--name', 'In flight', '--json'], dataDir)) as { clientId: string; appKey: string };
    const body = JSON.stringify({ externalId: 'arrived-during-shutdown' });
    // The request's body arrives in two parts, with the stop signal in between.
    const request = http.request({
      host: '127.0.0.1', port: launched.port, method: 'POST', path: `/v1/apps/${app.clientId}/users`,
      headers: { authorization: basicAuth(app.appKey), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.once('response', (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk)).once('end', () => resolve({ status: res.statusCode!, text }));
      });
      request.once('error', reject);
    });
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 500));
    launched.npm.kill('SIGTERM');
    await waitForOutput(launched, 'finishing in-flight requests');
    expect(await fetch(`${launched.baseUrl}/readyz`).then((r) => r.status, () => 'refused')).toBe('refused');
    request.end(body.slice(10));

    const answered = await response;
    expect(answered.status).toBe(201);
    expect(answered.text).toContain('arrived-during-shutdown');
    expect(await launched.exited).toEqual({ code: 0, signal: null });
    await expectCleanStop(launched);
  });

  it('the embedded database killed under load: /readyz turns 503, the owner is replaced, the API recovers; then SIGINT to npm', async () => {
    const launched = await started();
    const created = await cli(['apps:create', '--name', 'Watchdog', '--json'], dataDir);
    const app = JSON.parse(created) as { clientId: string; appKey: string };
    const usersUrl = `${launched.baseUrl}/v1/apps/${app.clientId}/users`;
    const headers = { authorization: basicAuth(app.appKey) };
    expect((await fetch(usersUrl, { headers })).status).toBe(200);

    // Load: four clients in a loop, recording every status.
    const statuses: number[] = [];
    let loading = true;
    const load = Promise.all(Array.from({ length: 4 }, async () => {
      while (loading) statuses.push(await fetch(usersUrl, { headers }).then((r) => r.status, () => 0));
    }));

    const owner = ownerProcess(launched.marker)!;
    process.kill(owner.pid, 'SIGKILL');
    const readiness: number[] = [];
    const deadline = Date.now() + 45_000;
    let replacement: number | undefined;
    while (Date.now() < deadline) {
      readiness.push(await fetch(`${launched.baseUrl}/readyz`).then((r) => r.status, () => 0));
      const now = ownerProcess(launched.marker);
      if (readiness.includes(503) && readiness.at(-1) === 200 && now && now.pid !== owner.pid) {
        replacement = now.pid;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const during = statuses.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    loading = false;
    await load;

    expect(readiness).toContain(503);
    expect(replacement).toBeDefined();
    // Once ready again, every request is served.
    expect(statuses.slice(during + 8)).not.toHaveLength(0);
    expect(statuses.slice(during + 8).every((s) => s === 200)).toBe(true);
    expect((await fetch(usersUrl, { headers })).status).toBe(200);
    expect(launched.output()).toContain('the embedded database is back');

    launched.npm.kill('SIGINT');
    expect(await launched.exited).toEqual({ code: 0, signal: null });
    await expectCleanStop(launched);
  });
});

describe.runIf(inject('databaseKind') === 'pglite')('an embedded database that stops answering', { timeout: LAUNCH_TIMEOUT }, () => {
  let dataDir = '';
  let launched: Launched | undefined;
  beforeAll(() => void (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-hung-'))));
  afterAll(() => {
    if (launched) killAll(launched.marker);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is replaced: /readyz says 503 meanwhile, then 200 with a new owner', async () => {
    launched = await launch({ dataDir, env: { WEARHOUSE_DEMO: '0' } });
    await waitForReady(launched);
    const owner = ownerProcess(launched.marker)!;
    process.kill(owner.pid, 'SIGSTOP'); // alive, holding its socket, answering nothing
    const seen: number[] = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      seen.push(await fetch(`${launched.baseUrl}/healthz`).then(() => fetch(`${launched!.baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) })).then((r) => r.status, () => 0));
      const now = ownerProcess(launched.marker);
      if (seen.includes(503) && seen.at(-1) === 200 && now && now.pid !== owner.pid) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(seen).toContain(503);
    expect(seen.at(-1)).toBe(200);
    expect(ownerProcess(launched.marker)?.pid).not.toBe(owner.pid);
    expect(launched.output()).toContain('stopped answering');

    launched.npm.kill('SIGTERM');
    expect(await launched.exited).toEqual({ code: 0, signal: null });
    expect(await waitUntilGone(launched.marker)).toEqual([]);
  });
});

/** The operator's CLI against the running server's data folder; resolves with its stdout. */
function cli(args: string[], dataDir: string): Promise<string> {
  const { DATABASE_URL, WEARHOUSE_SECRET_KEY, ...env } = process.env;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], { cwd: root, env: { ...env, WEARHOUSE_DATA_DIR: dataDir } }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}
