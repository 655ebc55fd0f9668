import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Unit and integration tests run once against the embedded engine and, when TEST_DATABASE_URL is
// set, once more against PostgreSQL: two projects over the same files.
const databases = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])];

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('.', import.meta.url)) } },
  test: {
    include: ['lib/**/*.test.ts'],
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
