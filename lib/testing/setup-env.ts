// Runs in every test worker before each test file: point the code under test at this run's
// database. Most files share their worker's modules with the files run before them in it
// (vitest.config.ts), so this also puts back what a file changed: the environment, the cached
// configuration, the job queue and the database pool.
import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { reloadConfig } from '../config';

const environment = { ...process.env };
const worker = globalThis as { wearhouseTestKey?: string };

process.env.DATABASE_URL = inject('databaseUrl');
// One encryption key per worker process: the key is cached once read, and files that share a
// worker share that cache.
process.env.WEARHOUSE_SECRET_KEY = worker.wearhouseTestKey ??= randomBytes(32).toString('hex');
process.env.WEARHOUSE_RATE_LIMIT ??= '0';
// Servers and limiters started by tests keep their Redis keys apart from other runs' (a sign-in
// throttle counted by an earlier run on the same Redis would hold this one back).
process.env.WEARHOUSE_REDIS_PREFIX ??= `wearhouse-test:${randomBytes(6).toString('hex')}:`;
reloadConfig();

// Registered first, so it runs after the file's own afterAll hooks.
afterAll(async () => {
  // (An isolated file's worker ends with it; it may have replaced these modules with mocks.)
  if (process.env.WEARHOUSE_TEST_ISOLATED) return;
  const { stopJobs } = await import('../jobs/queue');
  const { closeDb } = await import('../db/client');
  // After a failed test a query may still hold a connection to a database that is gone: the pool
  // is dropped either way (the next file opens its own), and this file's failure stays its own.
  const closed = (async () => {
    await stopJobs();
    await closeDb();
  })();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  for (const name of Object.keys(process.env)) if (!(name in environment)) delete process.env[name];
  Object.assign(process.env, environment);
  reloadConfig();
});
