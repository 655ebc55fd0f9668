// Portal accounts (developers and admins): creation, the first admin, and password sign-in.
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AccountCaller, Caller } from '../auth/caller';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { getDb } from '../db/client';
import { accounts } from '../db/schema';
import { conflict, forbidden, invalidInput } from '../errors';

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
