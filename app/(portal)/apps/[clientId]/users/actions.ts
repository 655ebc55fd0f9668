'use server';
// The users table's writes: reveal a user's tokens (audited) and delete a user. Each checks the
// session and hands the caller to the service, which decides whether this app is the caller's: a
// direct POST of these actions is as safe as a click.
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireAccount } from '@/lib/auth/session';
import { DomainError } from '@/lib/errors';
import { deleteUser, revealTokens } from '@/lib/users/users';

const UserRef = z.object({
  clientId: z.string().regex(/^[0-9a-f]{40}$/, 'Not a clientId.'),
  humanId: z.string().regex(/^[0-9a-f]{32}$/, 'Not a humanId.'),
});

export type ActionResult<T = object> = ({ ok: true } & T) | { ok: false; message: string };

/** Expected refusals (not yours, gone, bad input) become a message; anything else is a bug. */
function refusal(error: unknown): { ok: false; message: string } {
  if (error instanceof DomainError) {
    return { ok: false, message: error.kind === 'not_found' ? 'This user no longer exists.' : error.message };
  }
  throw error;
}

export async function revealUserTokens(input: unknown): Promise<ActionResult<{ accessToken: string; publicToken: string }>> {
  const parsed = UserRef.safeParse(input);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? 'Invalid request.' };
  const caller = await requireAccount();
  try {
    const tokens = await revealTokens(caller, parsed.data.clientId, parsed.data.humanId);
    return { ok: true, ...tokens };
  } catch (error) {
    return refusal(error);
  }
}

export async function deleteUserFromTable(input: unknown): Promise<ActionResult> {
  const parsed = UserRef.safeParse(input);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? 'Invalid request.' };
  const caller = await requireAccount();
  try {
    await deleteUser(caller, parsed.data.clientId, parsed.data.humanId);
  } catch (error) {
    return refusal(error);
  }
  revalidatePath(`/apps/${parsed.data.clientId}/users`);
  return { ok: true };
}
