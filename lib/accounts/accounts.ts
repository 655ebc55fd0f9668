// Portal accounts (developers and admins): creation, the first admin, password sign-in, single
// sign-on by verified email, and the admins' list of accounts.
import { randomBytes } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AccountCaller, Caller } from '../auth/caller';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { getDb } from '../db/client';
import { accounts, apps } from '../db/schema';
import { conflict, forbidden, invalidInput, notFound } from '../errors';

export type Account = { id: number; email: string; name: string; role: 'admin' | 'developer'; createdAt: Date };

// Lenient on purpose: self-hosted installs use addresses like admin@localhost.
const Email = z.string().trim().max(254).regex(/^[^\s@]+@[^\s@]+$/, 'Enter an email address.');

export const NewAccountInput = z.object({
  email: Email.transform((e) => e.toLowerCase()),
  password: z.string().min(10, 'Passwords need at least 10 characters.').max(200),
  name: z.string().trim().min(1).max(200).optional(),
  role: z.enum(['admin', 'developer']).default('developer'),
});

const toAccount = (row: typeof accounts.$inferSelect): Account => ({
  id: row.id, email: row.email, name: row.name, role: row.role, createdAt: row.createdAt,
});

export async function createAccount(caller: Caller, input: z.input<typeof NewAccountInput>): Promise<Account> {
  if (!(caller.kind === 'operator' || (caller.kind === 'account' && caller.role === 'admin'))) {
    throw forbidden('Only an admin can create accounts.');
  }
  const parsed = NewAccountInput.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid account.');
  const { email, password, role } = parsed.data;
  const [row] = await getDb()
    .insert(accounts)
    .values({ email, name: parsed.data.name ?? email.split('@')[0]!, role, passwordHash: await hashPassword(password) })
    .onConflictDoNothing()
    .returning();
  if (!row) throw conflict(`An account with the email ${email} exists already.`);
  return toAccount(row);
}

export async function countAccounts(): Promise<number> {
  const [row] = await getDb().select({ n: sql<number>`count(*)::int` }).from(accounts);
  return row?.n ?? 0;
}

/**
 * On an empty installation, create the first admin (from ADMIN_EMAIL/ADMIN_PASSWORD, else
 * admin@localhost with a random password). Returns the credentials when it created them.
 */
export async function ensureFirstAdmin(preferred: { email?: string; password?: string }) {
  if ((await countAccounts()) > 0) return null;
  const email = preferred.email ?? 'admin@localhost';
  const password = preferred.password ?? randomBytes(12).toString('base64url');
  const account = await createAccount({ kind: 'operator' }, { email, password, name: 'Admin', role: 'admin' });
  return { account, email, password };
}

export async function findAccountByEmail(email: string): Promise<Account | null> {
  const [row] = await getDb().select().from(accounts).where(sql`lower(${accounts.email}) = lower(${email})`);
  return row ? toAccount(row) : null;
}

/** Password sign-in: the caller for a valid email and password, else null (no hint which was wrong). */
export async function signIn(email: string, password: string): Promise<AccountCaller | null> {
  const [row] = await getDb().select().from(accounts).where(sql`lower(${accounts.email}) = lower(${email})`);
  // Hash anyway when the account is unknown, so timing does not reveal which emails exist.
  const ok = await verifyPassword(password, row?.passwordHash ?? DUMMY_HASH);
  return row && ok ? { kind: 'account', accountId: row.id, role: row.role } : null;
}

export async function getAccount(id: number): Promise<Account | null> {
  const [row] = await getDb().select().from(accounts).where(eq(accounts.id, id));
  return row ? toAccount(row) : null;
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

const isAdmin = (caller: Caller) => caller.kind === 'operator' || (caller.kind === 'account' && caller.role === 'admin');

/** An account as the admins' list shows it: who, which role, and how many apps they own. */
export type AccountSummary = Account & { appCount: number };

/** Every account, oldest first (admins only: there are few accounts, so no paging). */
export async function listAccounts(caller: Caller): Promise<AccountSummary[]> {
  if (!isAdmin(caller)) throw forbidden('Only an admin can list accounts.');
  const rows = await getDb()
    .select({ account: accounts, appCount: sql<number>`count(${apps.id})::int` })
    .from(accounts)
    .leftJoin(apps, eq(apps.ownerId, accounts.id))
    .groupBy(accounts.id)
    .orderBy(asc(accounts.id));
  return rows.map((row) => ({ ...toAccount(row.account), appCount: row.appCount }));
}

export const InvitedAccountInput = z.object({
  email: Email.transform((e) => e.toLowerCase()),
  name: z.string().trim().max(200).optional().transform((n) => (n ? n : undefined)),
  role: z.enum(['admin', 'developer'], { message: 'Choose developer or admin.' }),
});

/**
 * An admin creates an account for someone else: the password is generated here and returned once,
 * for the admin to hand over (it is stored only as a scrypt hash).
 */
export async function inviteAccount(caller: Caller, input: z.input<typeof InvitedAccountInput>): Promise<{ account: Account; password: string }> {
  if (!isAdmin(caller)) throw forbidden('Only an admin can create accounts.');
  const parsed = InvitedAccountInput.safeParse(input);
  if (!parsed.success) {
    throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid account.', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const password = generatePassword();
  const account = await createAccount(caller, { ...parsed.data, password });
  return { account, password };
}

/** 18 random bytes as 24 URL-safe characters: easy to copy, ~144 bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Remove an account (admins only, never their own). Its sessions end at the next request, since
 * each request re-reads the account. An account that still owns apps is refused: its apps' users
 * and readings are not removed as a side effect.
 */
export async function deleteAccount(caller: Caller, accountId: number): Promise<void> {
  if (!isAdmin(caller)) throw forbidden('Only an admin can delete accounts.');
  if (caller.kind === 'account' && caller.accountId === accountId) throw conflict('You cannot delete your own account.');
  const db = getDb();
  const [owned] = await db.select({ n: sql<number>`count(*)::int` }).from(apps).where(eq(apps.ownerId, accountId));
  if ((owned?.n ?? 0) > 0) throw conflict('This account still owns apps; delete them first.');
  const deleted = await db.delete(accounts).where(eq(accounts.id, accountId)).returning({ id: accounts.id });
  if (deleted.length === 0) throw notFound(`No account ${accountId}.`);
}

/** What an OpenID Connect issuer says about the person signing in (the claims Wearhouse reads). */
export type SingleSignOnIdentity = { email?: unknown; email_verified?: unknown };

export type SingleSignOnResult =
  | { ok: true; caller: AccountCaller }
  | { ok: false; reason: 'unverified_email' | 'unknown_account' };

/**
 * The account a single sign-on identity maps to: the one whose email the issuer has verified.
 * Nobody gets an account by signing on: an admin creates it first (an unknown email is refused).
 */
export async function accountForSingleSignOn(identity: SingleSignOnIdentity): Promise<SingleSignOnResult> {
  const email = typeof identity.email === 'string' ? identity.email.trim() : '';
  // Some issuers send the claim as the string "true".
  const verified = identity.email_verified === true || identity.email_verified === 'true';
  if (!email || !verified) return { ok: false, reason: 'unverified_email' };
  const account = await findAccountByEmail(email);
  if (!account) return { ok: false, reason: 'unknown_account' };
  return { ok: true, caller: { kind: 'account', accountId: account.id, role: account.role } };
}
