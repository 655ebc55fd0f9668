// Migration 0002 on a database that already holds data, as an upgrade meets it: a fresh database
// migrated to 0001 only, filled as the previous release stored things, then migrated to the end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createScratchDatabase, dropScratchDatabase } from '../testing/scratch-database';
import { spawnOwner } from './embedded/launch';
import { migrate } from './migrate';
import * as schema from './schema';

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** A database of its own for this test: a scratch PostgreSQL database or a second embedded owner. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (inject('databaseKind') === 'postgres') {
    const adminUrl = process.env.TEST_DATABASE_URL!;
    const scratch = await createScratchDatabase(adminUrl, 'wearhouse_upgrade');
    return { url: scratch.url, drop: () => dropScratchDatabase(adminUrl, scratch.name) };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-upgrade-'));
  try {
    const owner = await spawnOwner(dataDir);
    return { url: owner.url, drop: async () => { await owner.stop?.(); fs.rmSync(dataDir, { recursive: true, force: true }); } };
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

describe(`migration 0002 on ${inject('databaseKind')}`, () => {
  it('upgrades a database with readings, rollups and sessions: local-hour rollups, composite keys, data kept', { timeout: 120_000 }, async () => {
    const database = await freshDatabase();
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    try {
      const db = drizzle({ client: pool, schema });
      // The previous release: migrations 0000 and 0001, recorded as drizzle records them.
      await db.execute(sql`CREATE SCHEMA IF NOT EXISTS drizzle`);
      await db.execute(sql`CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
      for (const migration of readMigrationFiles({ migrationsFolder }).slice(0, 2)) {
        for (const statement of migration.sql) if (statement.trim()) await db.execute(sql.raw(statement));
        await db.execute(sql`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (${migration.hash}, ${migration.folderMillis})`);
      }
      await db.execute(sql.raw(`
        INSERT INTO accounts (email, name, password_hash) VALUES ('old@example.test', 'Old', 'x');
        INSERT INTO apps (client_id, name, owner_id, client_secret_hash, client_secret_prefix, client_secret_last4)
          VALUES (repeat('a', 40), 'Old app', 1, repeat('0', 64), 'p', 'last');
        INSERT INTO users (human_id, app_id, external_id, access_token_encrypted, access_token_hash, public_token_encrypted, public_token_hash)
          VALUES (repeat('1', 32), 1, 'ext-1', 'x', repeat('1', 64), 'x', repeat('2', 64));
        INSERT INTO sources (id, name, kind, data_types) VALUES ('manual', 'Manual', 'upload', '{steps}');
        INSERT INTO connections (user_id, source_id) VALUES (1, 'manual');
        INSERT INTO connect_sessions (token_hash, app_id, user_id, expires_at) VALUES (repeat('3', 64), 1, 1, now());
        -- 23:45 and 00:15 in India (+5:30): one UTC hour, two local hours and days.
        INSERT INTO readings (user_id, connection_id, type, ts, tz_offset_minutes, value, unit, source_reading_id) VALUES
          (1, 1, 'steps', '2026-05-01T18:15:00Z', 330, 1000, 'steps', 'a'),
          (1, 1, 'steps', '2026-05-01T18:45:00Z', 330, 30, 'steps', 'b'),
          (1, 1, 'steps', '2026-05-01T20:10:00Z', 0, 7, 'steps', 'c');
        INSERT INTO reading_rollups (connection_id, type, bucket, user_id, count, sum, min, max) VALUES
          (1, 'steps', '2026-05-01T18:00:00Z', 1, 2, 1030, 30, 1000),
          (1, 'steps', '2026-05-01T20:00:00Z', 1, 1, 7, 7, 7);`));

      expect(await migrate(db)).toBeGreaterThanOrEqual(1);

      const rollups = await db.execute<{ bucket: string; tz: number; count: number; sum: number }>(sql`
        SELECT to_json(bucket)#>>'{}' AS bucket, tz_offset_minutes AS tz, count, sum FROM reading_rollups ORDER BY bucket, tz`);
      expect(rollups.rows.map((r) => ({ ...r, bucket: new Date(r.bucket).toISOString() }))).toEqual([
        { bucket: '2026-05-01T17:30:00.000Z', tz: 330, count: 1, sum: 1000 },
        { bucket: '2026-05-01T18:30:00.000Z', tz: 330, count: 1, sum: 30 },
        { bucket: '2026-05-01T20:00:00.000Z', tz: 0, count: 1, sum: 7 },
      ]);
      const kept = await db.execute<{ users: number; readings: number; sessions: number; live: number }>(sql`
        SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM readings) AS readings,
               (SELECT count(*)::int FROM connect_sessions) AS sessions, (SELECT count(*)::int FROM users WHERE deleted_at IS NULL) AS live`);
      expect(kept.rows[0]).toEqual({ users: 1, readings: 3, sessions: 1, live: 1 });
      // The new keys hold on the upgraded data: a reading of connection 1 under another user is refused.
      await db.execute(sql.raw(`INSERT INTO users (human_id, app_id, external_id, access_token_encrypted, access_token_hash, public_token_encrypted, public_token_hash)
        VALUES (repeat('4', 32), 1, 'ext-2', 'x', repeat('4', 64), 'x', repeat('5', 64))`));
      await expect(db.execute(sql`INSERT INTO readings (user_id, connection_id, type, ts, value, unit, source_reading_id) VALUES (2, 1, 'steps', now(), 1, 'steps', 'z')`))
        .rejects.toMatchObject({ cause: { code: '23503' } });
    } finally {
      await pool.end();
      await database.drop();
    }
  });
});
