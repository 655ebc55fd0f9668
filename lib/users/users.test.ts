import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { authenticateAppKey } from '../apps/keys';
import { operator } from '../auth/caller';
import { reloadConfig } from '../config';
import { getDb, getPool, preparedName } from '../db/client';
import { connectSessions } from '../db/schema';
import { seedUsers } from '../demo/seed';
import { createTestApp, createTestUsers } from '../testing/fixtures';
import { connectSource, listConnections } from '../sources/connections';
import { purgeAll, purgeStep, startPurger } from './purge';
import { countUsers, createUser, deleteUser, getUser, getUserSummary, listUsers, revealTokens } from './users';

async function rowsOwnedBy(humanId: string) {
  const result = await getDb().execute<{ users: number; connections: number; readings: number; rollups: number; sessions: number }>(sql`
    SELECT
      (SELECT count(*)::int FROM users WHERE human_id = ${humanId}) AS users,
      (SELECT count(*)::int FROM connections c JOIN users u ON u.id = c.user_id WHERE u.human_id = ${humanId}) AS connections,
      (SELECT count(*)::int FROM readings r JOIN users u ON u.id = r.user_id WHERE u.human_id = ${humanId}) AS readings,
      (SELECT count(*)::int FROM reading_rollups r JOIN users u ON u.id = r.user_id WHERE u.human_id = ${humanId}) AS rollups,
      (SELECT count(*)::int FROM connect_sessions s JOIN users u ON u.id = s.user_id WHERE u.human_id = ${humanId}) AS sessions`);
  return result.rows[0]!;
}

describe(`users on ${inject('databaseKind')}`, () => {
  it('deleting a user hides it at once everywhere, frees its externalId, and the purge removes its rows and nothing else', async () => {
    const app = await createTestApp();
    await seedUsers(operator, app.clientId, { users: 2, days: 3, seed: 7 });
    const { users: [doomed, survivor] } = await listUsers(app.owner, app.clientId, { limit: 10 });
    const [doomedRow] = (await getDb().execute<{ id: number }>(sql`SELECT id::int FROM users WHERE human_id = ${doomed!.humanId}`)).rows;
    const [appRow] = (await getDb().execute<{ id: number }>(sql`SELECT id::int FROM apps WHERE client_id = ${app.clientId}`)).rows;
    await getDb().insert(connectSessions).values({ tokenHash: 'f'.repeat(48) + doomed!.humanId.slice(0, 16), appId: appRow!.id, userId: doomedRow!.id, expiresAt: new Date(Date.now() + 60_000) });
    const before = await rowsOwnedBy(doomed!.humanId);
    expect(before).toMatchObject({ users: 1, sessions: 1 });
    expect(before.connections).toBeGreaterThan(0);
    expect(before.readings).toBeGreaterThan(0);
    expect(before.rollups).toBeGreaterThan(0);
    const survivorBefore = await rowsOwnedBy(survivor!.humanId);

    await deleteUser(app.owner, app.clientId, doomed!.humanId, { ip: '127.0.0.1' });

    // Gone for every reader before any purge has run.
    const gone = { kind: 'not_found' };
    await expect(getUser(app.owner, app.clientId, doomed!.humanId)).rejects.toMatchObject(gone);
    await expect(revealTokens(app.owner, app.clientId, doomed!.humanId)).rejects.toMatchObject(gone);
    await expect(listConnections(app.owner, app.clientId, doomed!.humanId)).rejects.toMatchObject(gone);
    await expect(connectSource(app.owner, app.clientId, doomed!.humanId, 'manual')).rejects.toMatchObject(gone);
    await expect(deleteUser(app.owner, app.clientId, doomed!.humanId)).rejects.toMatchObject(gone);
    expect((await listUsers(app.owner, app.clientId, { limit: 10 })).users.map((u) => u.humanId)).toEqual([survivor!.humanId]);
    expect((await listUsers(app.owner, app.clientId, { limit: 10, externalId: doomed!.externalId })).users).toEqual([]);
    expect(await countUsers(app.owner, app.clientId)).toBe(1);
    expect((await rowsOwnedBy(doomed!.humanId)).sessions).toBe(0);
    // The externalId is free again: a new user, not the deleted one.
    const again = await createUser(app.owner, app.clientId, { externalId: doomed!.externalId });
    expect(again.created).toBe(true);
    expect(again.user.humanId).not.toBe(doomed!.humanId);

    await purgeAll(50);

    expect(await rowsOwnedBy(doomed!.humanId)).toEqual({ users: 0, connections: 0, readings: 0, rollups: 0, sessions: 0 });
    expect(await rowsOwnedBy(survivor!.humanId)).toEqual(survivorBefore);
    expect((await getUser(app.owner, app.clientId, again.user.humanId)).externalId).toBe(doomed!.externalId);
    const audit = await getDb().execute<{ action: string; ip: string }>(sql`SELECT action, host(ip) AS ip FROM audit_log WHERE target = ${doomed!.humanId}`);
    expect(audit.rows).toEqual([{ action: 'user.delete', ip: '127.0.0.1' }]);
  });

  it('a purger started later (as after a restart) finishes the purge from the state in the database', async () => {
    const app = await createTestApp();
    await seedUsers(operator, app.clientId, { users: 1, days: 2, seed: 11 });
    const { users: [doomed] } = await listUsers(app.owner, app.clientId, { limit: 1 });
    await deleteUser(app.owner, app.clientId, doomed!.humanId);
    // One small step, then "the process stops" with most rows still there.
    await purgeStep(10);
    expect((await rowsOwnedBy(doomed!.humanId)).users).toBe(1);

    const purger = startPurger({ idleMs: 50, batch: 100 });
    try {
      await expect.poll(() => rowsOwnedBy(doomed!.humanId), { timeout: 20_000, interval: 50 })
        .toEqual({ users: 0, connections: 0, readings: 0, rollups: 0, sessions: 0 });
    } finally {
      await purger.stop();
    }
  });

  it('creating a user twice with one externalId returns the first user', async () => {
    const app = await createTestApp();
    const first = await createUser(app.owner, app.clientId, { externalId: 'same-person' });
    const again = await createUser(app.owner, app.clientId, { externalId: 'same-person' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ user: first.user, created: false });
    expect(first.user.humanId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('lists newest first and pages by humanId without skipping or repeating', async () => {
    const app = await createTestApp();
    const created = await createTestUsers(app, 7);
    const newestFirst = created.map((u) => u.humanId).reverse();
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await listUsers(app.owner, app.clientId, { limit: 3, beforeHumanId: before });
      seen.push(...page.users.map((u) => u.humanId));
      if (!page.hasMore) break;
      before = page.users.at(-1)!.humanId;
    }
    expect(seen).toEqual(newestFirst);
  });

  it("never shows one app's users to another app's owner", async () => {
    const mine = await createTestApp();
    const theirs = await createTestApp();
    const [user] = await createTestUsers(theirs, 1);
    await expect(getUser(mine.owner, theirs.clientId, user!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(getUser(mine.owner, mine.clientId, user!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(deleteUser(mine.owner, theirs.clientId, user!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
    expect((await getUser(theirs.owner, theirs.clientId, user!.humanId)).humanId).toBe(user!.humanId);
    // The narrower read the Human dialect uses checks the same way.
    await expect(getUserSummary(mine.owner, theirs.clientId, user!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(getUserSummary(mine.owner, mine.clientId, user!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
    const mineKey = (await authenticateAppKey(mine.appKey))!;
    await expect(getUserSummary(mineKey, mine.clientId, user!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(getUserSummary(mineKey, theirs.clientId, user!.humanId)).rejects.toMatchObject({ kind: 'forbidden' });
  });

  it("gives a user's ids and times, the same as getUser, and not a deleted user", async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const asApp = (await authenticateAppKey(app.appKey))!;
    const full = await getUser(asApp, app.clientId, user!.humanId);
    expect(await getUserSummary(asApp, app.clientId, user!.humanId)).toEqual({
      humanId: full.humanId, externalId: full.externalId, clientId: app.clientId, createdAt: full.createdAt, updatedAt: full.updatedAt,
    });
    await deleteUser(app.owner, app.clientId, user!.humanId);
    await expect(getUserSummary(asApp, app.clientId, user!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('answers many concurrent lookups, from every pooled connection, each with its own user', async () => {
    // On the embedded engine every connection shares one session: a named prepared statement
    // would exist already for the second connection that prepares it.
    const app = await createTestApp();
    const created = await createTestUsers(app, 5);
    const asApp = (await authenticateAppKey(app.appKey))!;
    const wanted = Array.from({ length: 200 }, (_, i) => created[i % created.length]!);

    const found = await Promise.all(wanted.map((user) => getUser(asApp, app.clientId, user.humanId)));

    expect(found.map((user) => [user.humanId, user.externalId, user.clientId])).toEqual(
      wanted.map((user) => [user.humanId, user.externalId, app.clientId]),
    );
  });

  it(`GET one user's lookup is ${inject('databaseKind') === 'postgres' ? 'prepared once per connection and reused' : 'never a named statement (one shared session)'}`, async () => {
    const app = await createTestApp();
    const created = await createTestUsers(app, 3);
    const asApp = (await authenticateAppKey(app.appKey))!;
    // Many at once, so that every pooled connection runs it, most of them more than once.
    const wanted = Array.from({ length: 60 }, (_, i) => created[i % created.length]!);
    const found = await Promise.all(wanted.map((user) => getUserSummary(asApp, app.clientId, user.humanId)));
    expect(found.map((user) => user.externalId)).toEqual(wanted.map((user) => user.externalId));

    // Each pooled connection's own prepared statements (pg_prepared_statements is per session).
    const clients = await Promise.all(Array.from({ length: getPool().totalCount }, () => getPool().connect()));
    try {
      const prepared = await Promise.all(clients.map(async (client) =>
        (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = 'user-summary'")).rows[0]!.n));
      if (inject('databaseKind') === 'postgres') {
        expect(prepared.some((n) => n === 1)).toBe(true);
        expect(prepared.every((n) => n <= 1)).toBe(true);
      } else {
        expect(prepared.every((n) => n === 0)).toBe(true);
      }
    } finally {
      for (const client of clients) client.release();
    }
    // Behind a pooler that cannot keep them, they are turned off.
    process.env.DATABASE_PREPARED_STATEMENTS = 'false';
    reloadConfig();
    try {
      expect(await preparedName('user-summary')).toBeUndefined();
    } finally {
      delete process.env.DATABASE_PREPARED_STATEMENTS;
      reloadConfig();
    }
    expect(await preparedName('user-summary')).toBe(inject('databaseKind') === 'postgres' ? 'user-summary' : undefined);
  });

  it('shows the tokens again to the app owner, decrypted', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const tokens = await revealTokens(app.owner, app.clientId, user!.humanId);
    expect(tokens.accessToken).toMatch(/^wha_[\w-]{32}$/);
    expect(tokens.publicToken).toMatch(/^whp_[\w-]{32}$/);
  });
});
