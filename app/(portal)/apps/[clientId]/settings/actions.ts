'use server';
// Server actions of an app's settings. Each: zod → requireAccount() → one service (which checks
// that the app is the caller's) → revalidate. New secrets go back to the dialog that asked, once.
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { FieldErrors, FormState } from '@/components/apps/action-state';
import { rotateClientSecret, updateConnectSettings } from '@/lib/apps/apps';
import { createKey, revokeKey } from '@/lib/apps/keys';
import { requireAccount } from '@/lib/auth/session';
import { refused } from './refused';

const ClientId = z.string().regex(/^[0-9a-f]{40}$/, 'No such app.');

const settingsPath = (clientId: string) => `/apps/${clientId}/settings`;

export async function rotateClientSecretAction(input: unknown): Promise<FormState<{ clientSecret: string }>> {
  const parsed = z.object({ clientId: ClientId }).safeParse(input);
  if (!parsed.success) return { status: 'error', message: 'No such app.' };
  const caller = await requireAccount();
  try {
    const clientSecret = await rotateClientSecret(caller, parsed.data.clientId);
    revalidatePath(settingsPath(parsed.data.clientId));
    return { status: 'done', result: { clientSecret } };
  } catch (error) {
    return refused(error);
  }
}

const NewKeyForm = z.object({
  clientId: ClientId,
  label: z.string().trim().max(100, 'A label has at most 100 characters.'),
});

export async function createKeyAction(_previous: FormState<{ secret: string; hint: string }>, formData: FormData): Promise<FormState<{ secret: string; hint: string }>> {
  const parsed = NewKeyForm.safeParse({ clientId: formData.get('clientId'), label: formData.get('label') ?? '' });
  if (!parsed.success) return { status: 'error', message: 'Check the highlighted field.', errors: z.flattenError(parsed.error).fieldErrors };
  const caller = await requireAccount();
  try {
    const { key, secret } = await createKey(caller, parsed.data.clientId, parsed.data.label || 'Portal key');
    revalidatePath(settingsPath(parsed.data.clientId));
    return { status: 'done', result: { secret, hint: key.hint } };
  } catch (error) {
    return refused(error);
  }
}

export async function revokeKeyAction(input: unknown): Promise<FormState<{ hint: string }>> {
  const parsed = z.object({ clientId: ClientId, keyId: z.number().int().positive() }).safeParse(input);
  if (!parsed.success) return { status: 'error', message: 'No such key.' };
  const caller = await requireAccount();
  try {
    const key = await revokeKey(caller, parsed.data.clientId, parsed.data.keyId);
    revalidatePath(settingsPath(parsed.data.clientId));
    return { status: 'done', result: { hint: key.hint } };
  } catch (error) {
    return refused(error);
  }
}

/** One entry per line (or comma), blanks ignored. */
const lines = (value: FormDataEntryValue | null) =>
  String(value ?? '').split(/[\n,]/).map((line) => line.trim()).filter(Boolean);

const ConnectForm = z.object({
  clientId: ClientId,
  connectOrigins: z.array(z.string()).max(20, 'At most 20 origins.'),
  connectRedirectUrls: z.array(z.string()).max(20, 'At most 20 redirect URLs.'),
  offerAllSources: z.boolean(),
  enabledSources: z.array(z.string()),
  oidcEnabled: z.boolean(),
  oidcIssuer: z.string().trim(),
  oidcClientId: z.string().trim(),
  oidcClientSecret: z.string(),
});

/**
 * Save the Connect settings form. The service validates each value; its issues name the field
 * (`connectOrigins.2`), which this maps back to the form's fields.
 */
export async function updateConnectSettingsAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const parsed = ConnectForm.safeParse({
    clientId: formData.get('clientId'),
    connectOrigins: lines(formData.get('connectOrigins')),
    connectRedirectUrls: lines(formData.get('connectRedirectUrls')),
    offerAllSources: formData.get('offerAllSources') === 'on',
    enabledSources: formData.getAll('enabledSources').map(String),
    oidcEnabled: formData.get('oidcEnabled') === 'on',
    oidcIssuer: formData.get('oidcIssuer') ?? '',
    oidcClientId: formData.get('oidcClientId') ?? '',
    oidcClientSecret: formData.get('oidcClientSecret') ?? '',
  });
  if (!parsed.success) return { status: 'error', message: 'Check the highlighted fields.', errors: z.flattenError(parsed.error).fieldErrors };
  const form = parsed.data;
  const caller = await requireAccount();
  try {
    await updateConnectSettings(caller, form.clientId, {
      connectOrigins: form.connectOrigins,
      connectRedirectUrls: form.connectRedirectUrls,
      enabledSources: form.offerAllSources ? null : form.enabledSources,
      oidc: form.oidcEnabled
        ? { issuer: form.oidcIssuer, clientId: form.oidcClientId, ...(form.oidcClientSecret ? { clientSecret: form.oidcClientSecret } : {}) }
        : null,
    });
    revalidatePath(settingsPath(form.clientId));
    return { status: 'done', result: undefined };
  } catch (error) {
    const result = refused(error);
    // `connectOrigins.2` → `connectOrigins`, `oidc.issuer` → `oidcIssuer`: the form's field names.
    const errors: FieldErrors = {};
    for (const [path, messages] of Object.entries(result.errors ?? {})) {
      const [head, sub] = path.split('.');
      const field = head === 'oidc' && sub ? `oidc${sub[0]!.toUpperCase()}${sub.slice(1)}` : head!;
      (errors[field] ??= []).push(...(messages ?? []));
    }
    return { ...result, message: Object.keys(errors).length ? 'Check the highlighted fields.' : result.message, errors };
  }
}
