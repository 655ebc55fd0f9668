'use client';
// The app's own OAuth2 clients at Fitbit and Oura: one small form per provider (client ID, and a
// secret that is stored encrypted and shown only as its last four characters), the redirect URI to
// register with the provider, and removing them. Connect offers a provider once its credentials are in.
import { useActionState, useEffect, useState } from 'react';
import { toast } from 'sonner';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import type { ProviderCredentialsView } from '@/lib/sources/oauth/credentials';
import { idle, type FieldErrors, type FormState } from '../action-state';

type SaveAction = (previous: FormState, formData: FormData) => Promise<FormState>;
type RemoveAction = (input: { clientId: string; provider: string }) => Promise<FormState>;

export function ProviderCredentials({ clientId, providers, save, remove }: {
  clientId: string;
  providers: ProviderCredentialsView[];
  save: SaveAction;
  remove: RemoveAction;
}) {
  return (
    <div className="space-y-6">
      {providers.map((provider) => (
        <ProviderForm key={provider.provider} clientId={clientId} provider={provider} save={save} remove={remove} />
      ))}
    </div>
  );
}

function ProviderForm({ clientId, provider, save, remove }: { clientId: string; provider: ProviderCredentialsView; save: SaveAction; remove: RemoveAction }) {
  const [state, formAction, isPending] = useActionState(async (previous: FormState, formData: FormData) => {
    const result = await save(previous, formData);
    if (result.status === 'done') toast.success(`${provider.providerName} credentials saved.`);
    return result;
  }, idle);
  const errors: FieldErrors = state.status === 'error' ? (state.errors ?? {}) : {};
  const id = (field: string) => `${provider.provider}-${field}`;
  // The redirect URI is a path when no base URL is configured: this page's origin completes it.
  const [redirectUri, setRedirectUri] = useState(provider.redirectUri);
  useEffect(() => {
    if (provider.redirectUri.startsWith('/')) setRedirectUri(`${window.location.origin}${provider.redirectUri}`);
  }, [provider.redirectUri]);

  return (
    <form action={formAction} noValidate aria-labelledby={id('heading')} className="space-y-4 rounded-md border border-zinc-200 p-4 dark:border-zinc-800">
      <input type="hidden" name="clientId" value={clientId} />
      <input type="hidden" name="provider" value={provider.provider} />
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h4 id={id('heading')} className="text-sm font-semibold">{provider.providerName}</h4>
        <span className="text-xs text-zinc-500 dark:text-zinc-400">{provider.clientId ? 'Offered in Connect' : 'Not set up: not offered in Connect'}</span>
      </div>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        Register an app at <a className="underline" href={provider.developerConsoleUrl} target="_blank" rel="noreferrer">{provider.developerConsoleUrl}</a> with the redirect URI{' '}
        <span className="font-mono break-all">{redirectUri}</span>
      </p>
      {state.status === 'error' ? <p role="alert" className="text-sm font-medium text-red-700 dark:text-red-400">{state.message}</p> : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id={id('client-id')} label={`${provider.providerName} client ID`} errors={errors.providerClientId}>
          {(props) => <Input {...props} name="providerClientId" defaultValue={provider.clientId ?? ''} autoComplete="off" />}
        </Field>
        <Field
          id={id('client-secret')}
          label={`${provider.providerName} client secret`}
          hint={provider.secretHint ? `A secret ending in ${provider.secretHint.slice(-4)} is on file; leave empty to keep it.` : 'Stored encrypted; never shown again.'}
          errors={errors.providerClientSecret}
        >
          {(props) => <Input {...props} name="providerClientSecret" type="password" autoComplete="new-password" data-1p-ignore="" data-lpignore="true" />}
        </Field>
      </div>
      <div className="flex flex-wrap justify-end gap-2">
        {provider.clientId ? (
          <ConfirmDialog
            trigger={<Button type="button">Remove {provider.providerName} credentials</Button>}
            title={`Remove the ${provider.providerName} credentials?`}
            description={`Connect stops offering ${provider.providerName} to your users. Users connected already keep syncing until the provider refuses.`}
            confirmLabel="Remove"
            pendingLabel="Removing…"
            onConfirm={async () => {
              const result = await remove({ clientId, provider: provider.provider });
              if (result.status === 'error') {
                toast.error(result.message);
                return false;
              }
              toast.success(`${provider.providerName} credentials removed.`);
              return true;
            }}
          />
        ) : null}
        <Button type="submit" variant="primary" disabled={isPending}>{isPending ? 'Saving…' : `Save ${provider.providerName} credentials`}</Button>
      </div>
    </form>
  );
}
