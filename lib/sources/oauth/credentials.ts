// Each app's own OAuth2 client at Fitbit and Oura: the developer registers an app with the provider
// and enters its client id and secret in the portal. The secret is stored encrypted (it is sent to
// the provider again on every token request), shown only as its last four characters, replaceable.
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { appIdFor } from '../../apps/access';
import { recordAudit } from '../../audit/audit';
import type { Caller } from '../../auth/caller';
import { decrypt, encrypt } from '../../auth/encryption';
import { config } from '../../config';
import { getDb, type Queryable } from '../../db/client';
import { appProviderCredentials } from '../../db/schema';
import { forbidden, invalidInput, notFound } from '../../errors';
import { callbackPath, isOAuthProvider, OAUTH_PROVIDER_IDS, PROVIDERS, type OAuthProviderId } from './providers';

/** What the portal shows of one provider's credentials: never the secret. */
export type ProviderCredentialsView = {
  provider: OAuthProviderId;
  providerName: string;
  developerConsoleUrl: string;
  /** The redirect URI to register with the provider: absolute when WEARHOUSE_BASE_URL is set, else a path on this server. */
  redirectUri: string;
  /** Null when the app has none for this provider yet (Connect then refuses the provider). */
  clientId: string | null;
  /** `••••abcd`, or null. */
  secretHint: string | null;
  updatedAt: Date | null;
};

const ClientIdValue = z.string().trim()
  .min(1, 'Enter the client ID the provider gave you.')
  .max(200, 'A client ID has at most 200 characters.')
  .regex(/^[\x21-\x7e]+$/, 'A client ID has no spaces or special characters.');
const ClientSecretValue = z.string().trim()
  .min(8, 'A client secret has at least 8 characters.')
  .max(500, 'A client secret has at most 500 characters.')
  .regex(/^[\x21-\x7e]+$/, 'A client secret has no spaces or special characters.');

export const SaveProviderCredentialsInput = z.object({
  clientId: ClientIdValue,
  /** Omitted or empty: keep the secret on file. */
  clientSecret: ClientSecretValue.optional(),
});
export type SaveProviderCredentialsInput = z.input<typeof SaveProviderCredentialsInput>;

const hintOf = (last4: string) => `••••${last4}`;

function requirePortal(caller: Caller) {
  if (caller.kind !== 'account' && caller.kind !== 'operator') throw forbidden("Only the portal or the operator can manage an app's provider credentials.");
}

function providerOf(provider: string): OAuthProviderId {
  if (!isOAuthProvider(provider)) throw invalidInput(`No OAuth2 provider ${provider}; known: ${OAUTH_PROVIDER_IDS.join(', ')}.`);
  return provider;
}

/** Every provider, with the app's credentials for it when it has some. */
export async function listProviderCredentials(caller: Caller, clientId: string): Promise<ProviderCredentialsView[]> {
  requirePortal(caller);
  const appId = await appIdFor(caller, clientId);
  const rows = await getDb()
    .select({ provider: appProviderCredentials.provider, clientId: appProviderCredentials.clientId, last4: appProviderCredentials.clientSecretLast4, updatedAt: appProviderCredentials.updatedAt })
    .from(appProviderCredentials)
    .where(eq(appProviderCredentials.appId, appId))
    .orderBy(asc(appProviderCredentials.provider));
  const byProvider = new Map(rows.map((row) => [row.provider, row]));
  return OAUTH_PROVIDER_IDS.map((id) => {
    const row = byProvider.get(id);
    return {
      provider: id,
      providerName: PROVIDERS[id].name,
      developerConsoleUrl: PROVIDERS[id].developerConsoleUrl,
      redirectUri: `${(config().WEARHOUSE_BASE_URL ?? '').replace(/\/$/, '')}${callbackPath(id)}`,
      clientId: row?.clientId ?? null,
      secretHint: row ? hintOf(row.last4) : null,
      updatedAt: row?.updatedAt ?? null,
    };
  });
}

/**
 * Set the app's client at `provider`. A new secret replaces the stored one; without one the stored
 * secret stays (only the client id changes), and a first save must carry one.
 */
export async function saveProviderCredentials(caller: Caller, clientId: string, provider: string, input: SaveProviderCredentialsInput): Promise<ProviderCredentialsView> {
  requirePortal(caller);
  const id = providerOf(provider);
  const parsed = SaveProviderCredentialsInput.safeParse({ ...input, clientSecret: input.clientSecret?.trim() ? input.clientSecret : undefined });
  if (!parsed.success) {
    throw invalidInput('Check the provider credentials.', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const appId = await appIdFor(caller, clientId);
  const { clientId: providerClientId, clientSecret } = parsed.data;
  await getDb().transaction(async (tx) => {
    const [existing] = await tx.select({ id: appProviderCredentials.id }).from(appProviderCredentials)
      .where(and(eq(appProviderCredentials.appId, appId), eq(appProviderCredentials.provider, id))).for('update');
    if (!existing && !clientSecret) {
      throw invalidInput('Enter the client secret too.', [{ path: 'clientSecret', message: `Enter the client secret ${PROVIDERS[id].name} gave you.` }]);
    }
    if (existing) {
      await tx.update(appProviderCredentials)
        .set({
          clientId: providerClientId,
          ...(clientSecret ? { clientSecretEncrypted: encrypt(clientSecret), clientSecretLast4: clientSecret.slice(-4) } : {}),
          updatedAt: sql`now()`,
        })
        .where(eq(appProviderCredentials.id, existing.id));
    } else {
      await tx.insert(appProviderCredentials).values({
        appId, provider: id, clientId: providerClientId, clientSecretEncrypted: encrypt(clientSecret!), clientSecretLast4: clientSecret!.slice(-4),
      });
    }
    await recordAudit(tx, caller, { appId, action: existing ? 'provider_credentials.update' : 'provider_credentials.create', target: id, details: { secretReplaced: Boolean(clientSecret) } });
  });
  const view = (await listProviderCredentials(caller, clientId)).find((v) => v.provider === id);
  return view!;
}

/** Forget the app's client at `provider`: Connect stops offering to link it (existing connections keep their tokens). */
export async function removeProviderCredentials(caller: Caller, clientId: string, provider: string): Promise<void> {
  requirePortal(caller);
  const id = providerOf(provider);
  const appId = await appIdFor(caller, clientId);
  await getDb().transaction(async (tx) => {
    const [gone] = await tx.delete(appProviderCredentials)
      .where(and(eq(appProviderCredentials.appId, appId), eq(appProviderCredentials.provider, id)))
      .returning({ id: appProviderCredentials.id });
    if (!gone) throw notFound(`This app has no ${PROVIDERS[id].name} credentials.`);
    await recordAudit(tx, caller, { appId, action: 'provider_credentials.delete', target: id });
  });
}

/** The decrypted client of app `appId` at `provider`, for the token plumbing only (never leaves the server). */
export type ProviderClient = { clientId: string; clientSecret: string };

export async function providerClientOf(appId: number, provider: OAuthProviderId, db: Queryable = getDb()): Promise<ProviderClient | null> {
  const [row] = await db.select({ clientId: appProviderCredentials.clientId, secret: appProviderCredentials.clientSecretEncrypted })
    .from(appProviderCredentials)
    .where(and(eq(appProviderCredentials.appId, appId), eq(appProviderCredentials.provider, provider)));
  return row ? { clientId: row.clientId, clientSecret: decrypt(row.secret) } : null;
}
