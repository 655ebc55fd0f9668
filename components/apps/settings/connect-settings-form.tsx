'use client';
// Connect settings: which sites may embed the widget, where redirect mode may return, which sources
// are offered, and the optional end-user sign-in (OIDC). One form, saved by one server action; the
// service's per-value errors come back beside the field they concern.
import { useActionState, useState } from 'react';
import { toast } from 'sonner';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input, Textarea } from '@/components/ui/input';
import type { PortalConnectSettings } from '@/lib/apps/settings';
import { idle, type FieldErrors, type FormState } from '../action-state';

type SaveAction = (previous: FormState, formData: FormData) => Promise<FormState>;

export function ConnectSettingsForm({ clientId, settings, save }: { clientId: string; settings: PortalConnectSettings; save: SaveAction }) {
  const [state, formAction, isPending] = useActionState(async (previous: FormState, formData: FormData) => {
    const result = await save(previous, formData);
    if (result.status === 'done') toast.success('Connect settings saved.');
    return result;
  }, idle);
  const [offerAll, setOfferAll] = useState(settings.enabledSources === null);
  const [isOidcEnabled, setIsOidcEnabled] = useState(settings.oidc !== null);
  const errors: FieldErrors = state.status === 'error' ? (state.errors ?? {}) : {};
  const enabled = new Set(settings.enabledSources ?? []);

  return (
    <form action={formAction} noValidate className="space-y-6">
      <input type="hidden" name="clientId" value={clientId} />
      {state.status === 'error' ? <p role="alert" className="text-sm font-medium text-red-700 dark:text-red-400">{state.message}</p> : null}

      <Field id="connect-origins" label="Allowed Connect origins" hint="One per line, like https://app.example.com. Pages on these origins may embed the Connect widget." errors={errors.connectOrigins}>
        {(props) => <Textarea {...props} name="connectOrigins" rows={3} defaultValue={settings.connectOrigins.join('\n')} placeholder="https://app.example.com" />}
      </Field>

      <Field id="connect-redirects" label="Redirect URLs" hint="One per line. Connect's redirect mode returns only to these (a URL ending in / allows the paths below it)." errors={errors.connectRedirectUrls}>
        {(props) => <Textarea {...props} name="connectRedirectUrls" rows={3} defaultValue={settings.connectRedirectUrls.join('\n')} placeholder="https://app.example.com/connected" />}
      </Field>

      <fieldset aria-describedby={errors.enabledSources ? 'offered-sources-error' : undefined}>
        <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Offered sources</legend>
        <label className="mt-2 flex items-center gap-2 text-sm">
          <input type="checkbox" name="offerAllSources" checked={offerAll} onChange={(e) => setOfferAll(e.target.checked)} className="size-4 accent-brand-600" />
          Offer every source in the catalog (new ones included)
        </label>
        {!offerAll ? (
          <div className="mt-3 grid gap-2 sm:grid-cols-2">
            {settings.catalog.map((source) => (
              <label key={source.id} className="flex items-start gap-2 rounded-md border border-zinc-200 p-2 text-sm dark:border-zinc-800">
                <input type="checkbox" name="enabledSources" value={source.id} defaultChecked={enabled.has(source.id)} className="mt-0.5 size-4 accent-brand-600" />
                <span>
                  <span className="font-medium">{source.name}</span>
                  <span className="block text-xs text-zinc-500 dark:text-zinc-400">{source.description}</span>
                </span>
              </label>
            ))}
          </div>
        ) : null}
        {errors.enabledSources ? <p id="offered-sources-error" className="mt-1 text-sm text-red-700 dark:text-red-400">{errors.enabledSources.join(' ')}</p> : null}
      </fieldset>

      <fieldset>
        <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">End-user sign-in (OpenID Connect)</legend>
        <label className="mt-2 flex items-center gap-2 text-sm">
          <input type="checkbox" name="oidcEnabled" checked={isOidcEnabled} onChange={(e) => setIsOidcEnabled(e.target.checked)} className="size-4 accent-brand-600" />
          Users sign in with your identity provider before they connect sources
        </label>
        {isOidcEnabled ? (
          <div className="mt-3 grid gap-4 sm:grid-cols-2">
            <div className="sm:col-span-2">
              <Field id="oidc-issuer" label="Issuer URL" hint="https, like https://login.example.com (plain http only on localhost)." errors={errors.oidcIssuer}>
                {(props) => <Input {...props} name="oidcIssuer" type="url" defaultValue={settings.oidc?.issuer ?? ''} autoComplete="off" />}
              </Field>
            </div>
            <Field id="oidc-client-id" label="OIDC client ID" errors={errors.oidcClientId}>
              {(props) => <Input {...props} name="oidcClientId" defaultValue={settings.oidc?.clientId ?? ''} autoComplete="off" />}
            </Field>
            <Field
              id="oidc-client-secret"
              label="OIDC client secret"
              hint={settings.oidc?.hasClientSecret ? 'A secret is on file; leave empty to keep it.' : 'Stored encrypted; never shown again.'}
              errors={errors.oidcClientSecret}
            >
              {(props) => <Input {...props} name="oidcClientSecret" type="password" autoComplete="new-password" data-1p-ignore="" data-lpignore="true" />}
            </Field>
          </div>
        ) : null}
      </fieldset>

      <div className="flex justify-end">
        <Button type="submit" variant="primary" disabled={isPending}>{isPending ? 'Saving…' : 'Save Connect settings'}</Button>
      </div>
    </form>
  );
}
