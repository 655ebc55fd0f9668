'use server';
// The user page's actions: delete the user, disconnect a source, sync one now, open Connect for
// the user. Each parses its input, gets the signed-in account and calls one service, which checks
// that the app and user are the account's (a direct POST is as safe as a click). Refusals come back
// as messages for a toast: thrown errors would reach the browser redacted.
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { ActionResult } from '@/components/sources/action-result';
import { CLIENT_ID_PATTERN } from '@/lib/apps/access';
import { requireAccount } from '@/lib/auth/session';
import { mintSessionForHumanId } from '@/lib/connect/tokens';
import { DomainError } from '@/lib/errors';
import { disconnectSource, requestSync } from '@/lib/sources/connections';
import { HUMAN_ID_PATTERN } from '@/lib/users/human-id';
import { deleteUser } from '@/lib/users/users';

const UserRef = z.object({
  clientId: z.string().regex(CLIENT_ID_PATTERN, 'clientId is 40 hexadecimal characters.'),
  humanId: z.string().regex(HUMAN_ID_PATTERN, 'humanId is 32 hexadecimal characters.'),
});
const SourceRef = UserRef.extend({ sourceId: z.string().min(1, 'sourceId is required.').max(100) });

const usersPath = (clientId: string) => `/apps/${clientId}/users`;
const userPath = (clientId: string, humanId: string) => `${usersPath(clientId)}/${humanId}`;

function invalid(error: z.ZodError): { ok: false; message: string } {
  return { ok: false, message: error.issues[0]?.message ?? 'Invalid request.' };
}

/** A refusal by a service (not found, conflict…) as a message; anything else is a bug and throws. */
function refused(error: unknown): { ok: false; message: string } {
  if (error instanceof DomainError) return { ok: false, message: error.message };
  throw error;
}

export async function deleteUserFromPage(input: unknown): Promise<ActionResult> {
  const parsed = UserRef.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const { clientId, humanId } = parsed.data;
  const caller = await requireAccount();
  try {
    await deleteUser(caller, clientId, humanId);
  } catch (error) {
    return refused(error);
  }
  revalidatePath(usersPath(clientId));
  return { ok: true };
}

export async function disconnectSourceFromPage(input: unknown): Promise<ActionResult> {
  const parsed = SourceRef.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const { clientId, humanId, sourceId } = parsed.data;
  const caller = await requireAccount();
  try {
    await disconnectSource(caller, clientId, humanId, sourceId);
  } catch (error) {
    return refused(error);
  }
  revalidatePath(userPath(clientId, humanId));
  return { ok: true };
}

export async function syncSourceNow(input: unknown): Promise<ActionResult> {
  const parsed = SourceRef.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const { clientId, humanId, sourceId } = parsed.data;
  const caller = await requireAccount();
  try {
    await requestSync(caller, clientId, humanId, sourceId);
  } catch (error) {
    return refused(error);
  }
  return { ok: true };
}

/**
 * A one-time Connect session token for the user, for the modal's iframe only: it is spent when the
 * widget opens, and never stored or logged here.
 */
export async function openConnectForUser(input: unknown): Promise<{ ok: true; sessionToken: string } | { ok: false; message: string }> {
  const parsed = UserRef.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const { clientId, humanId } = parsed.data;
  const caller = await requireAccount();
  try {
    const { sessionToken } = await mintSessionForHumanId(caller, clientId, humanId);
    return { ok: true, sessionToken };
  } catch (error) {
    return refused(error);
  }
}
