import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { ssoIdentityProvider, ssoIssuer } from './e2e/sso-identity-provider';

// End-to-end journeys in a real browser (Debian's Chromium; Playwright's own download cannot work
// offline) against the real server, started from a clean data folder with its demo data.
const port = Number(process.env.E2E_PORT ?? 3100);
export const baseURL = `http://localhost:${port}`;
// Set once by the runner process; workers inherit it, so every spec can read the demo credentials.
if (!process.env.WEARHOUSE_E2E_DATA_DIR) {
  const created = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-e2e-'));
  process.env.WEARHOUSE_E2E_DATA_DIR = created;
  // Removed when the runner exits, pass or fail: after the web server has stopped (Playwright stops
  // it after the global teardown, which would be too early) and the database in it is closed.
  process.once('exit', () => fs.rmSync(created, { recursive: true, force: true }));
}
const dataDir = process.env.WEARHOUSE_E2E_DATA_DIR;

const serverEnv: Record<string, string> = {};
for (const [key, value] of Object.entries(process.env)) {
  if (value !== undefined && !['DATABASE_URL', 'WEARHOUSE_SECRET_KEY', 'NODE_ENV'].includes(key)) serverEnv[key] = value;
}
// Its own Redis keys (sign-in throttle, rate limits), apart from earlier runs' on the same Redis.
serverEnv.WEARHOUSE_REDIS_PREFIX = `wearhouse-e2e:${randomBytes(6).toString('hex')}:`;

export default defineConfig({
  testDir: 'e2e',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_FILE ?? 'test-results/e2e.json' }]],
  use: {
    baseURL,
    // A failed journey keeps its trace (actions and DOM snapshots), without the screencast: recording
    // one for every journey kept the browser drawing frames all along (a third of its CPU in CI).
    trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true, sources: false },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: 'node --import tsx lib/server/start.ts',
    url: `${baseURL}/readyz`,
    timeout: 240_000,
    reuseExistingServer: false,
    // A clean stop (drain, checkpoint, the database process ends) before the folder is removed.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    stdout: 'pipe',
    env: { ...serverEnv, PORT: String(port), WEARHOUSE_DATA_DIR: dataDir, WEARHOUSE_SKIP_BUILD: '1', WEARHOUSE_RATE_LIMIT: '0',
      AUTH_OIDC_ISSUER: ssoIssuer, AUTH_OIDC_ID: ssoIdentityProvider.clientId, AUTH_OIDC_SECRET: ssoIdentityProvider.clientSecret },
  },
});
