import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { getDb } from './client';
import { migrate, pendingMigrations } from './migrate';

describe(`migrations on ${inject('databaseKind')}`, () => {
  it('created every table of the domain model and left nothing pending', async () => {
    const tables = await getDb().execute<{ table_name: string }>(
      sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'accounts', 'app_keys', 'app_provider_credentials', 'apps', 'audit_log', 'connect_sessions', 'connections', 'imports',
      'provider_authorizations', 'reading_rollups', 'readings', 'sources', 'users',
      'webhook_deliveries', 'webhook_delivery_attempts', 'webhook_endpoints',
    ]);
    expect(await pendingMigrations(getDb())).toBe(0);
  });

  it('applies nothing the second time', async () => {
    expect(await migrate(getDb())).toBe(0);
  });

  it('built the covering chart index on readings', async () => {
    const index = await getDb().execute<{ indexdef: string }>(
      sql`SELECT indexdef FROM pg_indexes WHERE indexname = 'readings_user_id_type_ts_idx'`,
    );
    expect(index.rows[0]?.indexdef).toMatch(/\(user_id, type, ts\) INCLUDE \(value, value2, connection_id\)/);
  });

  it('indexes every foreign key column', async () => {
    // A foreign key is covered when some index starts with its leading column: the composite keys
    // (connection_id, user_id) lead with the connection, which alone fixes the user.
    const uncovered = await getDb().execute<{ conname: string }>(sql`
      SELECT c.conname FROM pg_constraint c
      WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
        AND NOT EXISTS (
          SELECT 1 FROM pg_index i
          WHERE i.indrelid = c.conrelid
            AND (i.indkey::int2[])[0] = c.conkey[1])`);
    expect(uncovered.rows.map((r) => r.conname)).toEqual([]);
  });
});
