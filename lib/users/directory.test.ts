import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { appIdFor } from '../apps/access';
import { getDb } from '../db/client';
import { users as usersTable } from '../db/schema';
import { createTestApp, createTestUsers, type TestApp } from '../testing/fixtures';
import { newHumanId } from './human-id';
import { listDirectory, SCAN_WINDOW, SPARSE_SEARCH_LIMIT, type DirectoryQuery } from './directory';
import { createUser, deleteUser, newUserValues, revealTokens } from './users';

/** Every humanId the table shows for a query, following next links to the end. */
async function walk(app: TestApp, query: DirectoryQuery) {
  const seen: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await listDirectory(app.owner, app.clientId, { ...query, after });
    seen.push(...page.users.map((u) => u.humanId));
    if (!page.nextCursor) return seen;
    after = page.nextCursor;
  }
  throw new Error('never reached the last page');
}

async function setLastActive(humanId: string, at: Date | null) {
  await getDb().execute(sql`UPDATE users SET last_active_at = ${at?.toISOString() ?? null}::timestamptz WHERE human_id = ${humanId}`);
}

describe(`the portal's users table on ${inject('databaseKind')}`, () => {
  it('pages newest first and oldest first by keyset, forwards and back, and hides deleted users', async () => {
    const app = await createTestApp();
    const created = await createTestUsers(app, 7);
    const newestFirst = created.map((u) => u.humanId).reverse();

    const first = await listDirectory(app.owner, app.clientId, {});
    expect(first.users.map((u) => u.humanId)).toEqual(newestFirst);
    expect(first).toMatchObject({ nextCursor: null, previousCursor: null });

    expect(await walk(app, { pageSize: 25 })).toEqual(newestFirst);
    expect(await walk(app, { direction: 'asc' })).toEqual([...newestFirst].reverse());

    // Hand-sized pages to see the cursors at work: 25 is the smallest size, so make 27 users.
    const more = await createTestUsers(app, 20, 'more');
    const all = [...created, ...more].map((u) => u.humanId).reverse();
    const page1 = await listDirectory(app.owner, app.clientId, { pageSize: 25 });
    expect(page1.users.map((u) => u.humanId)).toEqual(all.slice(0, 25));
    expect(page1.previousCursor).toBeNull();
    const page2 = await listDirectory(app.owner, app.clientId, { pageSize: 25, after: page1.nextCursor! });
    expect(page2.users.map((u) => u.humanId)).toEqual(all.slice(25));
    expect(page2.nextCursor).toBeNull();
    const back = await listDirectory(app.owner, app.clientId, { pageSize: 25, before: page2.previousCursor! });
    expect(back.users.map((u) => u.humanId)).toEqual(all.slice(0, 25));
    expect(back.nextCursor).toBe(page1.nextCursor);

    await deleteUser(app.owner, app.clientId, all[26]!);
    expect(await walk(app, {})).toEqual(all.slice(0, 26));
  });

  it('sorts by last activity both ways, never-active users last when newest first, with stable paging across equal times', async () => {
    const app = await createTestApp();
    const [a, b, c, d] = await createTestUsers(app, 4);
    const t = new Date('2026-11-01T10:00:00.123Z');
    await setLastActive(a!.humanId, new Date(t.getTime() + 60_000));
    await setLastActive(b!.humanId, t);
    await setLastActive(c!.humanId, t);
    await setLastActive(d!.humanId, null);
    // Equal times fall back to humanId (creation), in the same direction.
    const desc = [a!.humanId, c!.humanId, b!.humanId, d!.humanId];
    expect(await walk(app, { sort: 'lastActive' })).toEqual(desc);
    expect(await walk(app, { sort: 'lastActive', direction: 'asc' })).toEqual([...desc].reverse());

    // A cursor in the middle of equal times, and one on a never-active user, resume exactly there.
    const bulk = await createTestUsers(app, 26, 'bulk');
    for (const user of bulk.slice(0, 20)) await setLastActive(user.humanId, t);
    const order = await walk(app, { sort: 'lastActive' });
    expect(order).toHaveLength(30);
    const page1 = await listDirectory(app.owner, app.clientId, { sort: 'lastActive' });
    expect(page1.nextCursor).toMatch(/^n_[0-9a-f]{32}$/);
    const page2 = await listDirectory(app.owner, app.clientId, { sort: 'lastActive', after: page1.nextCursor! });
    expect([...page1.users, ...page2.users].map((u) => u.humanId)).toEqual(order);
    const asc = await listDirectory(app.owner, app.clientId, { sort: 'lastActive', direction: 'asc' });
    expect(asc.nextCursor).toMatch(/^\d+_[0-9a-f]{32}$/);
    const asc2 = await listDirectory(app.owner, app.clientId, { sort: 'lastActive', direction: 'asc', after: asc.nextCursor! });
    expect([...asc.users, ...asc2.users].map((u) => u.humanId)).toEqual([...order].reverse());
    expect(asc.users[0]!.lastActiveAt).toBeNull();
    expect(order.indexOf(a!.humanId)).toBe(0);
    expect((await listDirectory(app.owner, app.clientId, { sort: 'lastActive' })).users[0]!.lastActiveAt).toEqual(new Date(t.getTime() + 60_000));
  });

  it('searches by humanId prefix, externalId prefix and email (any case), taking wildcards literally', async () => {
    const app = await createTestApp();
    const tag = randomBytes(3).toString('hex');
    const { user: ann } = await createUser(app.owner, app.clientId, { externalId: `ann_${tag}`, email: `Ann.${tag}@Example.com` });
    const { user: annie } = await createUser(app.owner, app.clientId, { externalId: `annie-${tag}` });
    const { user: bob } = await createUser(app.owner, app.clientId, { externalId: `bob-${tag}`, email: `bob.${tag}@example.com` });
    const found = async (search: string) => (await listDirectory(app.owner, app.clientId, { search })).users.map((u) => u.externalId).sort();

    expect(await found('ann')).toEqual([ann.externalId, annie.externalId].sort());
    expect(await found(`ann_${tag}`)).toEqual([ann.externalId]);
    expect(await found('ann%')).toEqual([]);
    expect(await found('a_n')).toEqual([]);
    expect(await found(`ANN.${tag}@example`)).toEqual([ann.externalId]);
    expect(await found(`bob.${tag}@example.com`)).toEqual([bob.externalId]);
    expect(await found(bob.humanId.slice(0, 20))).toEqual([bob.externalId]);
    expect(await found(bob.humanId.toUpperCase())).toEqual([bob.externalId]);
    expect(await found('  ')).toHaveLength(3);
    expect(await found('nobody')).toEqual([]);
  });

  it('a search matching more users than the sparse limit still pages through every match in order', async () => {
    const app = await createTestApp();
    const appId = await appIdFor(app.owner, app.clientId);
    const count = SPARSE_SEARCH_LIMIT + 30;
    const start = Date.now() - count * 1000;
    const rows = Array.from({ length: count }, (_, i) => {
      const createdAt = new Date(start + i * 1000);
      return newUserValues(appId, { externalId: `${i % 2 ? 'odd' : 'even'}-${i}` }, createdAt, newHumanId(createdAt));
    });
    for (let i = 0; i < rows.length; i += 500) await getDb().insert(usersTable).values(rows.slice(i, i + 500));
    const even = rows.filter((_, i) => i % 2 === 0).map((r) => r.humanId).reverse();
    expect(even.length).toBeGreaterThan(SPARSE_SEARCH_LIMIT / 2);
    // Half the users: answered from the list of matches.
    expect(await walk(app, { search: 'even', pageSize: 100 })).toEqual(even);
    // All of them, more than the limit: answered by walking the order.
    const everyone = rows.map((r) => r.humanId).reverse();
    await getDb().execute(sql`UPDATE users SET external_id = 'x' || external_id WHERE app_id = ${appId}`);
    expect(await walk(app, { search: 'x', pageSize: 100 })).toEqual(everyone);
    const back = await listDirectory(app.owner, app.clientId, { search: 'x', pageSize: 100, direction: 'asc', after: everyone[500] });
    expect(back.users.map((u) => u.humanId)).toEqual([...everyone].reverse().slice(everyone.length - 500, everyone.length - 400));
  });

  it('a broad search reads a bounded stretch of the order per page and carries on from there', async () => {
    const app = await createTestApp();
    const appId = await appIdFor(app.owner, app.clientId);
    // SCAN_WINDOW + 1,100 users; the matches ('hit-…', more than the sparse limit) are the oldest
    // 1,100, so newest first the first page reads SCAN_WINDOW users and finds none.
    const count = SCAN_WINDOW + 1100;
    const start = Date.now() - count * 1000;
    const rows = Array.from({ length: count }, (_, i) => {
      const createdAt = new Date(start + i * 1000);
      return newUserValues(appId, { externalId: `${i < 1100 ? 'hit' : 'miss'}-${i}` }, createdAt, newHumanId(createdAt));
    });
    for (let i = 0; i < rows.length; i += 1000) await getDb().insert(usersTable).values(rows.slice(i, i + 1000));
    const first = await listDirectory(app.owner, app.clientId, { search: 'hit' });
    expect(first).toMatchObject({ users: [], isPartial: true });
    expect(first.nextCursor).toBe(rows[rows.length - SCAN_WINDOW]!.humanId);
    const second = await listDirectory(app.owner, app.clientId, { search: 'hit', after: first.nextCursor! });
    expect(second.users.map((u) => u.externalId)).toEqual(Array.from({ length: 25 }, (_, i) => `hit-${1099 - i}`));
    expect(second.isPartial).toBe(false);
    expect(await walk(app, { search: 'hit', pageSize: 100 })).toEqual(rows.slice(0, 1100).map((r) => r.humanId).reverse());
  });

  it('shows only the last four characters of each token, never the tokens themselves', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const page = await listDirectory(app.owner, app.clientId, {});
    const tokens = await revealTokens(app.owner, app.clientId, user!.humanId);
    expect(page.users[0]).toMatchObject({ humanId: user!.humanId, accessTokenLast4: tokens.accessToken.slice(-4), publicTokenLast4: tokens.publicToken.slice(-4) });
    const json = JSON.stringify(page);
    expect(json).not.toContain(tokens.accessToken);
    expect(json).not.toContain(tokens.publicToken);
    expect(Object.keys(page.users[0]!).sort()).toEqual(['accessTokenLast4', 'createdAt', 'email', 'externalId', 'humanId', 'lastActiveAt', 'publicTokenLast4']);
  });

  it("another account sees not-found, and bad queries are refused as invalid input", async () => {
    const app = await createTestApp();
    const other = await createTestApp('Other');
    await createTestUsers(app, 1);
    await expect(listDirectory(other.owner, app.clientId, {})).rejects.toMatchObject({ kind: 'not_found' });
    await expect(listDirectory(app.owner, app.clientId, { pageSize: 7 as 25 })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(listDirectory(app.owner, app.clientId, { after: "x' OR 1=1" })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(listDirectory(app.owner, app.clientId, { sort: 'lastActive', after: 'a'.repeat(32) })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(listDirectory(app.owner, app.clientId, { search: 'x'.repeat(201) })).rejects.toMatchObject({ kind: 'invalid_input' });
  });
});
