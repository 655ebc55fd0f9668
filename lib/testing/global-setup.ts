// Once per test run and database: a fresh database, migrated, whose URL the test files receive.
// Embedded: a new owner process over a temporary data folder. PostgreSQL: a new database created
// beside TEST_DATABASE_URL's, dropped afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { spawnOwner } from '../db/embedded/launch';
import { createScratchDatabase, dropScratchDatabase } from './scratch-database';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseKind: 'pglite' | 'postgres';
  }
}

async function migrateAndSync(url: string) {
  // Run through the same code path as the server, in this process, against this database only.
  process.env.DATABASE_URL = url;
  const { getDb, closeDb } = await import('../db/client');
  const { migrate } = await import('../db/migrate');
  const { syncCatalog } = await import('../sources/catalog');
  await migrate(getDb());
  await syncCatalog(getDb());
  await closeDb();
}

export default async function setup(project: TestProject) {
  const kind = project.name === 'postgres' ? 'postgres' : 'pglite';
  project.provide('databaseKind', kind);

  if (kind === 'pglite') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-test-'));
    let owner: Awaited<ReturnType<typeof spawnOwner>> | undefined;
    const teardown = async () => {
      await owner?.stop?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
    try {
      // Maintenance (VACUUM/ANALYZE) on the suite's shared engine would run at moments of its own
      // choosing, inside whichever test is measuring responsiveness then (a 320 ms VACUUM of
      // readings landed inside the purge test's reads). It has its own tests, on their own owners.
      owner = await spawnOwner(dataDir, { maintenanceIntervalMs: 3_600_000 });
      await migrateAndSync(owner.url);
    } catch (error) {
      await teardown(); // a failed setup gets no teardown call from Vitest
      throw error;
    }
    project.provide('databaseUrl', owner.url);
    return teardown;
  }

  const adminUrl = process.env.TEST_DATABASE_URL!;
  const scratch = await createScratchDatabase(adminUrl, 'wearhouse_test');
  try {
    await migrateAndSync(scratch.url);
  } catch (error) {
    await dropScratchDatabase(adminUrl, scratch.name);
    throw error;
  }
  project.provide('databaseUrl', scratch.url);
  return () => dropScratchDatabase(adminUrl, scratch.name);
}
