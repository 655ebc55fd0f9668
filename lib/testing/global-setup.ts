// Once per test run and database: a fresh database, migrated, whose URL the test files receive.
// Embedded: a new owner process over a temporary data folder. PostgreSQL: a new database created
// beside TEST_DATABASE_URL's, dropped afterwards.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { spawnOwner } from '../db/embedded/launch';

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
    const owner = await spawnOwner(dataDir);
    await migrateAndSync(owner.url);
    project.provide('databaseUrl', owner.url);
    return async () => {
      await owner.stop?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }

  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `wearhouse_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrateAndSync(url.toString());
  project.provide('databaseUrl', url.toString());
  return async () => {
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await cleanup.end();
  };
}
