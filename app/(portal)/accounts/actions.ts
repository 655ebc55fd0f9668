'use server';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { deleteAccount, inviteAccount } from '@/lib/accounts/accounts';
import { requireAccount } from '@/lib/auth/session';
import { DomainError } from '@/lib/errors';

export type CreateAccountState = {
  /** The new account and its generated password: shown once, then gone with the next render. */
  created?: { email: string; role: 'admin' | 'developer'; password: string };
  errors?: { email?: string[]; name?: string[]; role?: string[] };
  message?: string;
  /** What the person typed, kept on a refusal. */
  values?: { email: string; name: string; role: string };
};

const CreateAccountForm = z.object({
  email: z.string().trim().min(1, 'Enter an email address.').max(254).regex(/^[^\s@]+@[^\s@]+$/, 'Enter an email address.'),
  name: z.string().trim().max(200, 'At most 200 characters.'),
  role: z.enum(['developer', 'admin'], { message: 'Choose developer or admin.' }),
});

export async function createAccountAction(_previous: CreateAccountState, form: FormData): Promise<CreateAccountState> {
  const values = { email: String(form.get('email') ?? ''), name: String(form.get('name') ?? ''), role: String(form.get('role') ?? '') };
  const parsed = CreateAccountForm.safeParse(values);
  if (!parsed.success) return { values, errors: z.flattenError(parsed.error).fieldErrors, message: 'Check the highlighted fields.' };
  const caller = await requireAccount();
  try {
    const { account, password } = await inviteAccount(caller, parsed.data);
    revalidatePath('/accounts');
    return { created: { email: account.email, role: account.role, password } };
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'conflict') return { values, errors: { email: [error.message] }, message: error.message };
    if (error instanceof DomainError && error.kind !== 'unavailable') return { values, message: error.message };
    throw error;
  }
}

const DeleteAccountInput = z.object({ accountId: z.number().int().positive() });

export async function deleteAccountAction(input: unknown): Promise<{ ok: true } | { ok: false; message: string }> {
  const parsed = DeleteAccountInput.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'No such account.' };
  const caller = await requireAccount();
  try {
    await deleteAccount(caller, parsed.data.accountId);
  } catch (error) {
    if (error instanceof DomainError && error.kind !== 'unavailable') return { ok: false, message: error.message };
    throw error;
  }
  revalidatePath('/accounts');
  return { ok: true };
}
