import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import SlowestFirst from './lib/testing/sequencer';

// Unit and integration tests run once against the embedded engine and, when TEST_DATABASE_URL is
// set, once more against PostgreSQL: two projects over the same files.
const databases = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])];

/**
 * Files that measure how long something takes (a reader's longest pause, a wait bounded by a
 * budget): `npm test` runs them on their own after the rest, so that another test file's work on
 * the same cores does not count against them.
 */
export const TIMED_FILES = [
  'lib/users/purge.test.ts',
  'lib/db/embedded/socket-server.test.ts',
  'lib/db/client.test.ts',
  'lib/log.test.ts',
  'lib/sources/sync-latency.test.ts',
];

/**
 * Files that need a fresh module registry of their own: they replace modules with vi.mock. Every
 * other file shares its worker's modules with the files run before it there (`isolate: false`,
 * setup-env.ts puts back what a file changed): loading Next.js, Drizzle and the services once per
 * worker instead of once per file halves the suite's CPU time.
 */
export const ISOLATED_FILES = ['lib/accounts/accounts.test.ts', 'lib/webhooks/webhooks.test.ts', 'lib/auth/encryption.test.ts'];

// `npm test` runs two passes: 'parallel' (every other file, two or more at a time) and 'timed'
// (those files, one at a time). Without WEARHOUSE_TEST_PASS (`npm run test:unit`), all files.
const pass = process.env.WEARHOUSE_TEST_PASS;
const workers = pass === 'timed' ? 1 : pass === 'parallel' ? Math.min(4, Math.max(2, os.availableParallelism())) : undefined;

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('.', import.meta.url)) } },
  test: {
    ...(workers ? { maxWorkers: workers, minWorkers: 1 } : {}),
    pool: 'forks',
    poolOptions: { forks: { isolate: false }, threads: { isolate: true } },
    sequence: { sequencer: SlowestFirst },
    testTimeout: 30_000,
    hookTimeout: 180_000,
    projects: databases.flatMap((name) => {
      const project = (isolated: boolean): TestProjectInlineConfiguration => ({
        extends: true,
        test: {
          // global-setup.ts tells the engine by the name's first word.
          name: isolated ? `${name} isolated` : name,
          // Vitest decides isolation per pool: these files get the threads pool, isolated.
          pool: isolated ? 'threads' : 'forks',
          include: isolated ? ISOLATED_FILES : pass === 'timed' ? TIMED_FILES : ['lib/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...(isolated ? [] : ISOLATED_FILES), ...(pass === 'parallel' ? TIMED_FILES : [])],
          env: { WEARHOUSE_TEST_DB: name, ...(isolated ? { WEARHOUSE_TEST_ISOLATED: '1' } : {}) },
          globalSetup: ['lib/testing/global-setup.ts'],
          setupFiles: ['lib/testing/setup-env.ts'],
        },
      });
      // No timed file needs isolation: that pass has no isolated project (nor its database).
      return pass === 'timed' ? [project(false)] : [project(false), project(true)];
    }),
  },
});
