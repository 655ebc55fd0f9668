'use server';
// Server actions of the webhook delivery log: redeliver one delivery, send a test event. Each: zod →
// requireAccount() → one service (which checks the app is the caller's) → revalidate.
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { FormState } from '@/components/apps/action-state';
import { requireAccount } from '@/lib/auth/session';
import { DomainError } from '@/lib/errors';
import { redeliver, sendTestEvent } from '@/lib/webhooks/deliveries';

const ClientId = z.string().regex(/^[0-9a-f]{40}$/);

function refused(error: unknown): { status: 'error'; message: string } {
  if (error instanceof DomainError && error.status < 500) {
    return { status: 'error', message: error.status === 404 ? 'This delivery or app no longer exists.' : error.message };
  }
  throw error;
}

export async function redeliverAction(input: unknown): Promise<FormState<{ eventId: string }>> {
  const parsed = z.object({ clientId: ClientId, deliveryId: z.number().int().positive() }).safeParse(input);
  if (!parsed.success) return { status: 'error', message: 'No such delivery.' };
  const caller = await requireAccount();
  try {
    const result = await redeliver(caller, parsed.data.clientId, parsed.data.deliveryId);
    revalidatePath(`/apps/${parsed.data.clientId}/webhooks`);
    return { status: 'done', result };
  } catch (error) {
    return refused(error);
  }
}

export async function sendTestEventAction(input: unknown): Promise<FormState<{ eventId: string }>> {
  const parsed = z.object({ clientId: ClientId }).safeParse(input);
  if (!parsed.success) return { status: 'error', message: 'No such app.' };
  const caller = await requireAccount();
  try {
    const { eventId } = await sendTestEvent(caller, parsed.data.clientId);
    revalidatePath(`/apps/${parsed.data.clientId}/webhooks`);
    return { status: 'done', result: { eventId } };
  } catch (error) {
    return refused(error);
  }
}
