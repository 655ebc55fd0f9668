'use server';
// Server actions of the settings page's provider credentials (Fitbit, Oura): zod → requireAccount()
// → the service, which checks the app is the caller's → revalidate. The secret is never sent back.
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { FormState } from '@/components/apps/action-state';
import { requireAccount } from '@/lib/auth/session';
import { removeProviderCredentials, saveProviderCredentials } from '@/lib/sources/oauth/credentials';
import { OAUTH_PROVIDER_IDS } from '@/lib/sources/oauth/providers';
import { refused as refusedFor } from './refused';

// The service names its fields clientId/clientSecret; the form's are the provider's.
const refused = (error: unknown) => refusedFor(error, {
  notFound: 'This app no longer exists.',
  fieldOf: (path) => (path === 'clientSecret' ? 'providerClientSecret' : 'providerClientId'),
});

const ClientId = z.string().regex(/^[0-9a-f]{40}$/, 'No such app.');
const Provider = z.enum(OAUTH_PROVIDER_IDS, { error: 'No such provider.' });

const ProviderForm = z.object({
  clientId: ClientId,
  provider: Provider,
  providerClientId: z.string().trim().min(1, 'Enter the client ID the provider gave you.').max(200, 'A client ID has at most 200 characters.'),
  providerClientSecret: z.string().max(500, 'A client secret has at most 500 characters.'),
});

export async function saveProviderCredentialsAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const parsed = ProviderForm.safeParse({
    clientId: formData.get('clientId'),
    provider: formData.get('provider'),
    providerClientId: formData.get('providerClientId') ?? '',
    providerClientSecret: formData.get('providerClientSecret') ?? '',
  });
  if (!parsed.success) return { status: 'error', message: 'Check the highlighted fields.', errors: z.flattenError(parsed.error).fieldErrors };
  const form = parsed.data;
  const caller = await requireAccount();
  try {
    await saveProviderCredentials(caller, form.clientId, form.provider, { clientId: form.providerClientId, clientSecret: form.providerClientSecret });
    revalidatePath(`/apps/${form.clientId}/settings`);
    return { status: 'done', result: undefined };
  } catch (error) {
    return refused(error);
  }
}

export async function removeProviderCredentialsAction(input: unknown): Promise<FormState> {
  const parsed = z.object({ clientId: ClientId, provider: Provider }).safeParse(input);
  if (!parsed.success) return { status: 'error', message: 'No such provider credentials.' };
  const caller = await requireAccount();
  try {
    await removeProviderCredentials(caller, parsed.data.clientId, parsed.data.provider);
    revalidatePath(`/apps/${parsed.data.clientId}/settings`);
    return { status: 'done', result: undefined };
  } catch (error) {
    return refused(error);
  }
}
