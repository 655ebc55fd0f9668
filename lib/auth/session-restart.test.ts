// Portal sessions against the real server (`npm start`, the portal build made beforehand): a session
// outlives a restart of the server, and the sign-in throttle holds for a POST straight to Auth.js's
// own callback route, whatever client IP the request claims.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLIENT_IP_HEADER } from '../server/client-ip';
import { killAll, launch, waitForReady, waitUntilGone, type Launched } from '../testing/npm-start';

const root = path.resolve(import.meta.dirname, '../..');
// The embedded database only: what is tested here does not depend on the engine.
const kind = inject('databaseKind');

/** The cookies a response sets, as one Cookie header (merged over `jar`). */
function withCookies(jar: Map<string, string>, response: Response): Map<string, string> {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair!.indexOf('=');
    jar.set(pair!.slice(0, at), pair!.slice(at + 1));
  }
  return jar;
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

describe.runIf(kind === 'pglite')('portal sessions on the real server', { timeout: 240_000 }, () => {
  // Made when the tests run, not when the file is collected: a skipped run (PostgreSQL) leaves none behind.
  let dataDir = '';
  // A fixed port when the machine asks for one (shared development machines), else any free port.
  const fixedPort = process.env.WEARHOUSE_TEST_SERVER_PORT;
  const env = { ADMIN_EMAIL: 'owner@example.test', ADMIN_PASSWORD: 'a long owner passphrase', WEARHOUSE_DEMO: 'false', ...(fixedPort ? { PORT: fixedPort } : {}) };
  const launched: Launched[] = [];
  let baseUrl = '';
  const start = async () => {
    const server = await launch({ dataDir, env });
    launched.push(server);
    if (!fixedPort) {
      baseUrl = server.baseUrl;
      await waitForReady(server, 200_000);
      return server;
    }
    baseUrl = `http://127.0.0.1:${fixedPort}`;
    await waitForReady({ ...server, baseUrl }, 200_000);
    return server;
  };
  const stop = async (server: Launched) => {
    server.npm.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    await waitUntilGone(server.marker);
  };

  /** Email and password straight to Auth.js's credentials callback, as a script would (not the form). */
  async function postCredentials(email: string, password: string, headers: Record<string, string> = {}) {
    const jar = new Map<string, string>();
    const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    withCookies(jar, csrf);
    const response = await fetch(`${baseUrl}/api/auth/callback/password`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar), ...headers },
      body: new URLSearchParams({ email, password, csrfToken, callbackUrl: `${baseUrl}/apps` }),
    });
    return { response, jar: withCookies(jar, response), location: response.headers.get('location') ?? '' };
  }

  const openApps = (jar: Map<string, string>) => fetch(`${baseUrl}/apps`, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });

  let server: Launched;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-sessions-'));
    if (!fs.existsSync(path.join(root, '.next/BUILD_ID'))) throw new Error('No portal build: run `npm run build` first (`npm test` does).');
    server = await start();
  });
  afterAll(async () => {
    for (const { marker } of launched) killAll(marker);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('throttles a script posting passwords to the Auth.js route, and a forged client IP header does not help', async () => {
    const email = 'nobody-in-particular@example.test';
    for (let attempt = 1; attempt <= 5; attempt++) {
      const { location } = await postCredentials(email, `guess-${attempt}`);
      expect(location).toContain('code=invalid_credentials');
    }
    expect((await postCredentials(email, 'guess-6')).location).toContain('code=throttled');
    expect((await postCredentials(email, 'guess-7', { [CLIENT_IP_HEADER]: '203.0.113.99', 'x-forwarded-for': '203.0.113.99' })).location).toContain('code=throttled');
    // The owner's account, from the same address, is not held back.
    const owner = await postCredentials('owner@example.test', 'a long owner passphrase');
    expect((await openApps(owner.jar)).status).toBe(200);
  });

  it('keeps a signed-in session across a restart of the server', async () => {
    const { jar } = await postCredentials('owner@example.test', 'a long owner passphrase');
    expect([...jar.keys()].some((name) => name.includes('session-token'))).toBe(true);
    const before = await openApps(jar);
    expect(before.status).toBe(200);
    expect(await before.text()).toContain('owner@example.test');

    await stop(server);
    server = await start();

    const after = await openApps(jar);
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('owner@example.test');
    // Without the cookie, the same page sends you to sign in.
    const signedOut = await openApps(new Map());
    expect(signedOut.status).toBe(307);
    expect(signedOut.headers.get('location')).toContain('/sign-in?callbackUrl=%2Fapps');
  });
});
