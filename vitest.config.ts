import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import SlowestFirst from './lib/testing/sequencer';

// Unit and integration tests run once against the embedded engine and, when TEST_DATABASE_URL is
// set, once more against PostgreSQL: two projects over the same files.
const databases = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])];

/**
 * Files that measure how long something takes (a reader's longest pause, a wait bounded by a
 * budget): `npm test` runs them on their own after the parallel pass, with nothing beside them,
 * so that another test file's work on the same cores does not count against them.
 */
export const TIMED_FILES = [
  'lib/users/purge.test.ts',
  'lib/db/embedded/socket-server.test.ts',
  'lib/db/client.test.ts',
  'lib/log.test.ts',
  'lib/sources/sync-latency.test.ts',
];

/**
 * Files that need a fresh module registry of their own (they replace modules with vi.mock): `npm
 * test` runs them in a pass of their own, each in a fresh process. In the parallel pass every file shares its worker's loaded
 * modules with the files run before it there (`isolate: false`; setup-env.ts puts back what a file
 * changed): loading Next.js, Drizzle and the services once per worker instead of once per file
 * takes a quarter off the suite's CPU time.
 */
export const ISOLATED_FILES = ['lib/accounts/accounts.test.ts', 'lib/webhooks/webhooks.test.ts', 'lib/auth/encryption.test.ts'];

// `npm test` runs three passes: 'parallel' (every other file, two or more at a time, sharing loaded
// modules), 'timed' (the timed files, one at a time, each in a fresh process, on idle cores) and
// 'isolated' (the isolated files, one at a time, each in a fresh process).
// Without WEARHOUSE_TEST_PASS (`npm run test:unit`), all files, each in a fresh process.
const pass = process.env.WEARHOUSE_TEST_PASS;
// WEARHOUSE_TEST_WORKERS: set by `npm test` for a pass it runs beside the end-to-end journeys.
const workers = process.env.WEARHOUSE_TEST_WORKERS
  ? Number(process.env.WEARHOUSE_TEST_WORKERS)
  : pass === 'timed' || pass === 'isolated' ? 1 : pass === 'parallel' ? Math.min(4, Math.max(2, os.availableParallelism())) : undefined;

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('.', import.meta.url)) } },
  test: {
    // As many kept as started: a pool allowed to shrink (minWorkers below maxWorkers) ended a run
    // with tinypool's "Terminating worker thread" when it let an idle worker go (vitest#8564).
    ...(workers ? { maxWorkers: workers, minWorkers: workers } : {}),
    pool: 'forks',
    poolOptions: { forks: { isolate: pass !== 'parallel' } },
    include: pass === 'timed' ? TIMED_FILES : pass === 'isolated' ? ISOLATED_FILES : ['lib/**/*.test.ts'],
    exclude: pass === 'parallel' ? [...configDefaults.exclude, ...TIMED_FILES, ...ISOLATED_FILES] : configDefaults.exclude,
    sequence: { sequencer: SlowestFirst },
    testTimeout: 30_000,
    hookTimeout: 180_000,
    projects: databases.map((name) => ({
      extends: true,
      test: {
        name,
        env: { WEARHOUSE_TEST_DB: name, ...(pass === 'parallel' ? {} : { WEARHOUSE_TEST_ISOLATED: '1' }) },
        globalSetup: ['lib/testing/global-setup.ts'],
        setupFiles: ['lib/testing/setup-env.ts'],
      },
    })),
  },
});
