// Test data built through the public services, fresh for each test: no shared mutable fixtures.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createAccount } from '../accounts/accounts';
import { createApp } from '../apps/apps';
import { operator, type AccountCaller, type EndUserCaller } from '../auth/caller';
import { getDb } from '../db/client';
import { createUser, type User } from '../users/users';

export type TestApp = {
  clientId: string;
  appKey: string;
  clientSecret: string;
  owner: AccountCaller;
};

/** A new developer account owning a new app, with the app's client secret and App Key. */
export async function createTestApp(name = 'Test app'): Promise<TestApp> {
  const email = `dev-${randomBytes(6).toString('hex')}@example.test`;
  const account = await createAccount(operator, { email, password: randomBytes(12).toString('hex') });
  const owner: AccountCaller = { kind: 'account', accountId: account.id, role: account.role };
  const created = await createApp(owner, { name });
  return { clientId: created.app.clientId, appKey: created.appKey, clientSecret: created.clientSecret, owner };
}

/** `count` users in the app, created one after another (so newest-first order is their reverse). */
export async function createTestUsers(app: TestApp, count: number, prefix = 'ext'): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < count; i++) {
    const { user } = await createUser(app.owner, app.clientId, { externalId: `${prefix}-${i}-${randomBytes(3).toString('hex')}` });
    users.push(user);
    // humanIds order by creation millisecond; make each user's millisecond its own.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return users;
}

/** The end user `humanId` of `app` as the Connect widget would name them. */
export async function endUserCaller(app: TestApp, humanId: string): Promise<EndUserCaller> {
  const [row] = (await getDb().execute<{ id: number; app_id: number }>(sql`SELECT id::int, app_id::int FROM users WHERE human_id = ${humanId}`)).rows;
  return { kind: 'end-user', via: 'connect', appId: row!.app_id, clientId: app.clientId, userId: row!.id, humanId };
}
