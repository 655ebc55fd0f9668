import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
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
  'lib/sources/sync.test.ts',
];

// `npm test` runs two passes: 'parallel' (every other file, two or more at a time) and 'timed'
// (those files, one at a time). Without WEARHOUSE_TEST_PASS (`npm run test:unit`), all files.
const pass = process.env.WEARHOUSE_TEST_PASS;
const workers = pass === 'timed' ? 1 : pass === 'parallel' ? Math.min(4, Math.max(2, os.availableParallelism())) : undefined;

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('.', import.meta.url)) } },
  test: {
    include: pass === 'timed' ? TIMED_FILES : ['lib/**/*.test.ts'],
    exclude: pass === 'parallel' ? [...configDefaults.exclude, ...TIMED_FILES] : configDefaults.exclude,
    ...(workers ? { maxWorkers: workers, minWorkers: 1 } : {}),
    sequence: { sequencer: SlowestFirst },
    testTimeout: 30_000,
    hookTimeout: 180_000,
    projects: databases.map((name) => ({
      extends: true,
      test: {
        name,
        env: { WEARHOUSE_TEST_DB: name },
        globalSetup: ['lib/testing/global-setup.ts'],
        setupFiles: ['lib/testing/setup-env.ts'],
      },
    })),
  },
});
