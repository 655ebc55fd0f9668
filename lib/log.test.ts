// What the logs may say about a failed query: its SQLSTATE and name, never its parameters or the
// values PostgreSQL quotes in its own messages; drizzle's wrapper (whose message lists the
// parameters) is looked through. Against the run's real database, so the errors are the driver's.
import { eq, sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { getDb, schema } from './db/client';
import { errorFields, queryName } from './log';

const SECRET = 'whk_ThisMustNeverReachALogLine0000000';

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the query to fail');
}

describe(`errorFields on ${inject('databaseKind')}`, () => {
  it('gives the SQLSTATE and the query name of a failed parameterised query, and none of its values', async () => {
    const error = await failure(() => getDb().select().from(schema.users).where(eq(schema.users.id, sql`${SECRET}::int`)));
    expect(String((error as Error).message)).toContain(SECRET); // drizzle's own message would leak it

    const fields = errorFields(error);

    expect(fields).toMatchObject({ code: '22P02', query: 'select users' });
    expect(JSON.stringify(fields)).not.toContain(SECRET);
    expect(JSON.stringify(fields)).not.toContain('ThisMustNever');
  });

  it('names the violated constraint of an integrity error, not the duplicate value', async () => {
    const email = `${SECRET.toLowerCase()}@example.test`;
    const insert = () => getDb().insert(schema.accounts).values({ email, name: 'Log test', passwordHash: 'x' });
    await insert();
    const fields = errorFields(await failure(insert));
    expect(fields).toMatchObject({ code: '23505', query: 'insert accounts', constraint: expect.any(String) });
    expect(JSON.stringify(fields)).not.toContain(email);
  });

  it('keeps the message of errors that are not the database’s', () => {
    expect(errorFields(new TypeError('x is not a function'))).toMatchObject({ name: 'TypeError', message: 'x is not a function' });
  });
});

describe('queryName', () => {
  it.each([
    ['select "id", "email" from "users" where "users"."id" = $1', 'select users'],
    ['insert into "readings" ("user_id", "value") values ($1, $2)', 'insert readings'],
    ['update "users" set "name" = $1', 'update users'],
    ['delete from "connections" where "id" = $1', 'delete connections'],
    ['select id, hash from "drizzle"."__drizzle_migrations" order by created_at', 'select drizzle.__drizzle_migrations'],
    ["select 'whk_abc' as secret", 'select'],
  ])('%s → %s', (text, name) => {
    expect(queryName(text)).toBe(name);
  });
});
