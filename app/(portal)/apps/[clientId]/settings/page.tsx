import type { Metadata } from 'next';
import { CopyValueButton } from '@/components/apps/copy-value-button';
import { AppKeysPanel } from '@/components/apps/settings/app-keys-panel';
import { ClientSecretPanel } from '@/components/apps/settings/client-secret-panel';
import { ConnectSettingsForm } from '@/components/apps/settings/connect-settings-form';
import { ProviderCredentials } from '@/components/apps/settings/provider-credentials';
import { listKeys } from '@/lib/apps/keys';
import { getPortalConnectSettings } from '@/lib/apps/settings';
import { listProviderCredentials } from '@/lib/sources/oauth/credentials';
import { appOfPage } from '../app-of-page';
import { createKeyAction, revokeKeyAction, rotateClientSecretAction, updateConnectSettingsAction } from './actions';
import { removeProviderCredentialsAction, saveProviderCredentialsAction } from './provider-actions';
import { WebhookSettings } from '@/components/apps/settings/webhook-settings';
import { getWebhookSettings } from '@/lib/webhooks/settings';
import { removeWebhookAction, rotateWebhookSecretAction, saveWebhookUrlAction } from './webhook-actions';

export const metadata: Metadata = { title: 'Settings' };

export default async function AppSettingsPage({ params }: { params: Promise<{ clientId: string }> }) {
  const { caller, app } = await appOfPage((await params).clientId);
  const appKeys = await listKeys(caller, app.clientId);
  const connect = await getPortalConnectSettings(caller, app.clientId);
  return (
    <main aria-labelledby="settings-heading" className="space-y-8">
      <h2 id="settings-heading" className="sr-only">Settings</h2>
      <Section id="credentials" title="Client credentials" intro="Your server authenticates with these to mint Connect tokens (POST /v1/connect/token).">
        <div className="space-y-4">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <div className="min-w-0">
              <p className="text-sm font-medium">Client ID</p>
              <p className="mt-1 font-mono text-sm break-all text-zinc-600 dark:text-zinc-400">{app.clientId}</p>
            </div>
            <CopyValueButton value={app.clientId} label="Copy client ID" />
          </div>
          <ClientSecretPanel clientId={app.clientId} secretHint={app.clientSecretHint} rotate={rotateClientSecretAction} />
        </div>
      </Section>
      <Section id="app-keys" title="App Keys">
        <AppKeysPanel clientId={app.clientId} appKeys={appKeys} createKey={createKeyAction} revokeKey={revokeKeyAction} />
      </Section>
      <Section id="connect" title="Connect" intro="How your users reach the Connect widget and what it offers them.">
        <ConnectSettingsForm clientId={app.clientId} settings={connect} save={updateConnectSettingsAction} />
      </Section>
      <Section id="providers" title="Fitbit and Oura" intro="Your own OAuth2 clients at the providers. Connect offers a provider to your users once its credentials are here."><ProviderCredentials clientId={app.clientId} providers={await listProviderCredentials(caller, app.clientId)} save={saveProviderCredentialsAction} remove={removeProviderCredentialsAction} /></Section>
      <Section id="webhooks" title="Webhooks" intro="Signed notifications to your server when users' readings arrive."><WebhookSettings clientId={app.clientId} settings={await getWebhookSettings(caller, app.clientId)} save={saveWebhookUrlAction} rotate={rotateWebhookSecretAction} remove={removeWebhookAction} /></Section>
    </main>
  );
}

function Section({ id, title, intro, children }: { id: string; title: string; intro?: string; children: React.ReactNode }) {
  return (
    <section aria-labelledby={`${id}-heading`} className="rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
      <h3 id={`${id}-heading`} className="text-base font-semibold">{title}</h3>
      {intro ? <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{intro}</p> : null}
      <div className="mt-4">{children}</div>
    </section>
  );
}
