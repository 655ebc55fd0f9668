import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createApp, listApps } from '../apps/apps';
import { operator, type AccountCaller } from '../auth/caller';
import { DomainError } from '../errors';
import { accountForSingleSignOn, createAccount, deleteAccount, getAccount, inviteAccount, listAccounts, signIn } from './accounts';

const email = (label: string) => `${label}-${randomBytes(5).toString('hex')}@example.test`;

async function account(role: 'admin' | 'developer'): Promise<AccountCaller & { email: string }> {
  const address = email(role);
  const created = await createAccount(operator, { email: address, password: randomBytes(12).toString('hex'), role });
  return { kind: 'account', accountId: created.id, role, email: address };
}

const kindOf = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: unknown) => (error instanceof DomainError ? error.kind : String(error)));

describe(`accounts managed by admins on ${inject('databaseKind')}`, () => {
  it('an admin creates a developer whose generated password signs in once handed over', async () => {
    const admin = await account('admin');
    const address = email('New.Dev');
    const { account: created, password } = await inviteAccount(admin, { email: address, name: 'New Dev', role: 'developer' });

    expect(created).toMatchObject({ email: address.toLowerCase(), name: 'New Dev', role: 'developer' });
    expect(password).toMatch(/^[\w-]{24}$/);
    expect(await signIn(address, password)).toEqual({ kind: 'account', accountId: created.id, role: 'developer' });
    const listed = await listAccounts(admin);
    expect(listed).toContainEqual(expect.objectContaining({ id: created.id, email: address.toLowerCase(), role: 'developer', appCount: 0 }));
    // Never the hash, nor anything of the password.
    expect(JSON.stringify(listed)).not.toMatch(/scrypt|password/i);
  });

  it('generates a different password for every account', async () => {
    const admin = await account('admin');
    const first = await inviteAccount(admin, { email: email('a'), role: 'developer' });
    const second = await inviteAccount(admin, { email: email('b'), role: 'developer' });
    expect(first.password).not.toBe(second.password);
  });

  it('refuses developers: they can neither list, create nor delete accounts', async () => {
    const developer = await account('developer');
    const other = await account('developer');
    expect(await kindOf(listAccounts(developer))).toBe('forbidden');
    expect(await kindOf(inviteAccount(developer, { email: email('x'), role: 'admin' }))).toBe('forbidden');
    expect(await kindOf(deleteAccount(developer, other.accountId))).toBe('forbidden');
    expect(await getAccount(other.accountId)).not.toBeNull();
  });

  it('answers a taken email with a conflict and a bad one with its message', async () => {
    const admin = await account('admin');
    const taken = await account('developer');
    await expect(inviteAccount(admin, { email: taken.email.toUpperCase(), role: 'developer' })).rejects.toMatchObject({ kind: 'conflict' });
    await expect(inviteAccount(admin, { email: 'not an email', role: 'developer' })).rejects.toMatchObject({ kind: 'invalid_input', message: 'Enter an email address.' });
    await expect(inviteAccount(admin, { email: email('r'), role: 'owner' as 'admin' })).rejects.toMatchObject({ kind: 'invalid_input', message: 'Choose developer or admin.' });
  });

  it('deletes an account without apps, but not one that owns apps, nor the admin’s own', async () => {
    const admin = await account('admin');
    const idle = await account('developer');
    const busy = await account('developer');
    await createApp(busy, { name: 'Busy app' });
    await createApp(busy, { name: 'Busier app' });
    const counts = new Map((await listAccounts(admin)).map((a) => [a.id, a.appCount]));
    expect([counts.get(idle.accountId), counts.get(busy.accountId)]).toEqual([0, 2]);

    await deleteAccount(admin, idle.accountId);
    expect(await getAccount(idle.accountId)).toBeNull();
    await expect(deleteAccount(admin, busy.accountId)).rejects.toMatchObject({ kind: 'conflict', message: 'This account still owns apps; delete them first.' });
    await expect(deleteAccount(admin, admin.accountId)).rejects.toMatchObject({ kind: 'conflict' });
    await expect(deleteAccount(admin, idle.accountId)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('a developer lists only their own apps; an admin every app', async () => {
    const admin = await account('admin');
    const alice = await account('developer');
    const bob = await account('developer');
    const alicesApp = await createApp(alice, { name: 'Alice app' });
    const bobsApp = await createApp(bob, { name: 'Bob app' });

    expect((await listApps(alice)).map((a) => a.clientId)).toEqual([alicesApp.app.clientId]);
    expect((await listApps(bob)).map((a) => a.clientId)).toEqual([bobsApp.app.clientId]);
    expect((await listApps(admin)).map((a) => a.clientId)).toEqual(expect.arrayContaining([alicesApp.app.clientId, bobsApp.app.clientId]));
  });
});

describe(`single sign-on identities on ${inject('databaseKind')}`, () => {
  it('maps a verified email to its account, whatever its case', async () => {
    const developer = await account('developer');
    expect(await accountForSingleSignOn({ email: developer.email.toUpperCase(), email_verified: true })).toEqual({
      ok: true,
      caller: { kind: 'account', accountId: developer.accountId, role: 'developer' },
    });
    expect(await accountForSingleSignOn({ email: developer.email, email_verified: 'true' })).toMatchObject({ ok: true });
  });

  it('refuses an unverified or missing email, and an email without an account (no account is created)', async () => {
    const developer = await account('developer');
    expect(await accountForSingleSignOn({ email: developer.email })).toEqual({ ok: false, reason: 'unverified_email' });
    expect(await accountForSingleSignOn({ email: developer.email, email_verified: false })).toEqual({ ok: false, reason: 'unverified_email' });
    expect(await accountForSingleSignOn({ email_verified: true })).toEqual({ ok: false, reason: 'unverified_email' });
    const stranger = email('stranger');
    expect(await accountForSingleSignOn({ email: stranger, email_verified: true })).toEqual({ ok: false, reason: 'unknown_account' });
    expect((await listAccounts(operator)).some((a) => a.email === stranger)).toBe(false);
  });
});
