import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { createKey } from '../apps/keys';
import { getDb } from '../db/client';
import { createTestApp, createTestUsers } from '../testing/fixtures';
import { revealTokens } from '../users/users';
import { sha256Hex } from './secrets';

/** Every text-like value stored in any table, as one list of strings. */
async function everythingStored(): Promise<string[]> {
  const columns = await getDb().execute<{ table_name: string; column_name: string }>(sql`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND data_type IN ('text', 'character', 'character varying', 'jsonb', 'ARRAY')`);
  const values: string[] = [];
  for (const { table_name, column_name } of columns.rows) {
    const rows = await getDb().execute<{ v: string | null }>(
      sql.raw(`SELECT "${column_name}"::text AS v FROM "${table_name}"`),
    );
    for (const row of rows.rows) if (row.v) values.push(row.v);
  }
  return values;
}

describe(`secrets at rest on ${inject('databaseKind')}`, () => {
  it('stores no client secret, App Key or user token in plain text', async () => {
    const app = await createTestApp();
    const extraKey = await createKey(app.owner, app.clientId, 'second');
    const [user] = await createTestUsers(app, 1);
    const tokens = await revealTokens(app.owner, app.clientId, user!.humanId);
    const secrets = [app.clientSecret, app.appKey, extraKey.secret, tokens.accessToken, tokens.publicToken];

    const stored = await everythingStored();

    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(4 + 32); // prefix + 192 bits in base64url
      const leaks = stored.filter((value) => value.includes(secret) || value.includes(secret.slice(4)));
      expect(leaks, `${secret.slice(0, 8)}… is stored in plain text`).toEqual([]);
      // What is stored instead: the hash, by which the secret is looked up.
      expect(stored).toContain(sha256Hex(secret));
    }
  });
});
