import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { operator } from '../auth/caller';
import { createAccount, signIn } from './accounts';

// Count scrypt derivations, to see that sign-in costs one whether or not the email exists.
const derivations = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const scrypt = ((...args: Parameters<typeof crypto.scrypt>) => {
    derivations.count++;
    return (crypto.scrypt as (...a: unknown[]) => void)(...args);
  }) as typeof crypto.scrypt;
  return { ...crypto, default: { ...crypto, scrypt }, scrypt };
});

async function newAccount(password = randomBytes(9).toString('hex')) {
  const email = `Dev-${randomBytes(5).toString('hex')}@Example.test`;
  const account = await createAccount(operator, { email, password, role: 'developer' });
  return { account, email, password };
}

describe(`password sign-in on ${inject('databaseKind')}`, () => {
  beforeEach(() => {
    derivations.count = 0;
  });

  it('gives the account caller for the right email and password', async () => {
    const { account, email, password } = await newAccount();

    expect(await signIn(email, password)).toEqual({ kind: 'account', accountId: account.id, role: 'developer' });
  });

  it('matches the email whatever its case', async () => {
    const { account, email, password } = await newAccount();

    expect(await signIn(email.toUpperCase(), password)).toMatchObject({ accountId: account.id });
    expect(await signIn(email.toLowerCase(), password)).toMatchObject({ accountId: account.id });
  });

  it("refuses a wrong password, and another account's password", async () => {
    const mine = await newAccount();
    const theirs = await newAccount();

    expect(await signIn(mine.email, `${mine.password}x`)).toBeNull();
    expect(await signIn(mine.email, mine.password.slice(0, -1))).toBeNull();
    expect(await signIn(mine.email, theirs.password)).toBeNull();
    expect(await signIn(mine.email, '')).toBeNull();
  });

  it('refuses an unknown email after hashing as much as for a known one', async () => {
    const { email, password } = await newAccount();
    derivations.count = 0;
    expect(await signIn(email, `${password}-wrong`)).toBeNull();
    const forKnown = derivations.count;

    derivations.count = 0;
    expect(await signIn(`nobody-${randomBytes(4).toString('hex')}@example.test`, password)).toBeNull();

    expect(forKnown).toBe(1);
    expect(derivations.count).toBe(forKnown);
  });
});
