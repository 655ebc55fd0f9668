'use server';
// Server actions of the settings page's Webhooks section. Each: zod → requireAccount() → one
// service (which checks the app is the caller's) → revalidate. A new signing secret goes back to
// the dialog that asked, once.
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { FormState } from '@/components/apps/action-state';
import { requireAccount } from '@/lib/auth/session';
import { removeWebhook, rotateWebhookSecret, saveWebhookUrl } from '@/lib/webhooks/settings';
import { refused as refusedFor } from './refused';

const refused = (error: unknown) => refusedFor(error, { notFound: 'This app or its webhook no longer exists.' });

const ClientId = z.string().regex(/^[0-9a-f]{40}$/, 'No such app.');

const revalidate = (clientId: string) => {
  revalidatePath(`/apps/${clientId}/settings`);
  revalidatePath(`/apps/${clientId}/webhooks`);
};

const WebhookForm = z.object({ clientId: ClientId, url: z.string().max(2000, 'At most 2,000 characters.') });

export async function saveWebhookUrlAction(_previous: FormState<{ secret: string | null }>, formData: FormData): Promise<FormState<{ secret: string | null }>> {
  const parsed = WebhookForm.safeParse({ clientId: formData.get('clientId'), url: formData.get('url') ?? '' });
  if (!parsed.success) return { status: 'error', message: 'Check the highlighted field.', errors: z.flattenError(parsed.error).fieldErrors };
  const caller = await requireAccount();
  try {
    const { secret } = await saveWebhookUrl(caller, parsed.data.clientId, parsed.data.url);
    revalidate(parsed.data.clientId);
    return { status: 'done', result: { secret } };
  } catch (error) {
    return refused(error);
  }
}

export async function rotateWebhookSecretAction(input: unknown): Promise<FormState<{ secret: string }>> {
  const parsed = z.object({ clientId: ClientId }).safeParse(input);
  if (!parsed.success) return { status: 'error', message: 'No such app.' };
  const caller = await requireAccount();
  try {
    const secret = await rotateWebhookSecret(caller, parsed.data.clientId);
    revalidate(parsed.data.clientId);
    return { status: 'done', result: { secret } };
  } catch (error) {
    return refused(error);
  }
}

export async function removeWebhookAction(input: unknown): Promise<FormState> {
  const parsed = z.object({ clientId: ClientId }).safeParse(input);
  if (!parsed.success) return { status: 'error', message: 'No such app.' };
  const caller = await requireAccount();
  try {
    await removeWebhook(caller, parsed.data.clientId);
    revalidate(parsed.data.clientId);
    return { status: 'done', result: undefined };
  } catch (error) {
    return refused(error);
  }
}
