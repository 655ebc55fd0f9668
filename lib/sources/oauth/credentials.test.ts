// Per-app provider credentials: saved by the app's owner only, the secret encrypted and shown as
// its last four characters, replaceable, and what makes Connect offer the provider at all. And the
// provider endpoints as configuration moves them.
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createAccount } from '../../accounts/accounts';
import type { AccountCaller } from '../../auth/caller';
import { config, reloadConfig } from '../../config';
import { getDb } from '../../db/client';
import { appProviderCredentials, apps } from '../../db/schema';
import { createTestApp } from '../../testing/fixtures';
import { availableSources } from '../connections';
import { listProviderCredentials, providerClientOf, removeProviderCredentials, saveProviderCredentials } from './credentials';
import { providerEndpoints } from './providers';
import { oauthConfiguration } from './tokens';

const appIdOf = async (clientId: string) => (await getDb().select({ id: apps.id }).from(apps).where(eq(apps.clientId, clientId)))[0]!.id;

afterEach(() => {
  delete process.env.WEARHOUSE_FITBIT_API_URL;
  delete process.env.WEARHOUSE_OURA_AUTH_URL;
  reloadConfig();
});

describe(`provider credentials on ${inject('databaseKind')}`, () => {
  it('stores the secret encrypted, shows only its last four characters, keeps it when only the client id changes', async () => {
    const app = await createTestApp();
    expect((await listProviderCredentials(app.owner, app.clientId)).map((p) => [p.provider, p.clientId, p.secretHint])).toEqual([
      ['fitbit', null, null],
      ['oura', null, null],
    ]);

    // A first save needs the secret, and says so beside the field.
    await expect(saveProviderCredentials(app.owner, app.clientId, 'fitbit', { clientId: '23ABCD' }))
      .rejects.toMatchObject({ kind: 'invalid_input', extra: { issues: [{ path: 'clientSecret' }] } });
    await expect(saveProviderCredentials(app.owner, app.clientId, 'fitbit', { clientId: 'has space', clientSecret: 'short' }))
      .rejects.toMatchObject({ kind: 'invalid_input', extra: { issues: [{ path: 'clientId' }, { path: 'clientSecret' }] } });
    await expect(saveProviderCredentials(app.owner, app.clientId, 'withings', { clientId: 'x', clientSecret: 'y'.repeat(10) }))
      .rejects.toMatchObject({ kind: 'invalid_input' });

    const secret = 'f1tb1t-s3cret-0123456789abcdef';
    const saved = await saveProviderCredentials(app.owner, app.clientId, 'fitbit', { clientId: '23ABCD', clientSecret: secret });
    expect(saved).toMatchObject({ provider: 'fitbit', clientId: '23ABCD', secretHint: '••••cdef' });
    expect(JSON.stringify(saved)).not.toContain(secret);
    const [row] = await getDb().select().from(appProviderCredentials).where(eq(appProviderCredentials.appId, await appIdOf(app.clientId)));
    expect(row!.clientSecretEncrypted).not.toContain(secret);

    await saveProviderCredentials(app.owner, app.clientId, 'fitbit', { clientId: '23WXYZ', clientSecret: '' });
    expect(await providerClientOf(await appIdOf(app.clientId), 'fitbit')).toEqual({ clientId: '23WXYZ', clientSecret: secret });
    await saveProviderCredentials(app.owner, app.clientId, 'fitbit', { clientId: '23WXYZ', clientSecret: 'another-secret-9876' });
    expect((await listProviderCredentials(app.owner, app.clientId))[0]).toMatchObject({ clientId: '23WXYZ', secretHint: '••••9876' });

    await removeProviderCredentials(app.owner, app.clientId, 'fitbit');
    await expect(removeProviderCredentials(app.owner, app.clientId, 'fitbit')).rejects.toMatchObject({ kind: 'not_found' });
    expect(await providerClientOf(await appIdOf(app.clientId), 'fitbit')).toBeNull();
  });

  it("is the app owner's alone: another developer sees no such app, an App Key may not touch it", async () => {
    const app = await createTestApp();
    const stranger = await createAccount({ kind: 'operator' }, { email: `stranger-${Date.now()}@example.test`, password: 'correct horse battery' });
    const other: AccountCaller = { kind: 'account', accountId: stranger.id, role: stranger.role };
    await expect(listProviderCredentials(other, app.clientId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(saveProviderCredentials(other, app.clientId, 'oura', { clientId: 'x', clientSecret: 'y'.repeat(10) })).rejects.toMatchObject({ kind: 'not_found' });
    const key = { kind: 'app', appId: await appIdOf(app.clientId), clientId: app.clientId, appName: 'x', keyId: 1, keyPrefix: 'whk_x' } as const;
    await expect(listProviderCredentials(key, app.clientId)).rejects.toMatchObject({ kind: 'forbidden' });
  });

  it("makes Connect offer the provider to the app's users once the app has credentials for it", async () => {
    const app = await createTestApp();
    expect((await availableSources(app.owner, app.clientId)).map((s) => s.id)).not.toContain('oura');
    await saveProviderCredentials(app.owner, app.clientId, 'oura', { clientId: 'oura-client', clientSecret: 'oura-secret-123456' });
    const offered = (await availableSources(app.owner, app.clientId)).map((s) => s.id);
    expect(offered).toContain('oura');
    expect(offered).not.toContain('fitbit');
  });

  it("moves a provider's endpoints by configuration, keeping a proxy's path, and refuses plain http off this machine", () => {
    expect(providerEndpoints('fitbit')).toEqual({
      authorizeUrl: 'https://www.fitbit.com/oauth2/authorize',
      tokenUrl: 'https://api.fitbit.com/oauth2/token',
      revokeUrl: 'https://api.fitbit.com/oauth2/revoke',
      apiBaseUrl: 'https://api.fitbit.com',
    });
    process.env.WEARHOUSE_FITBIT_API_URL = 'https://proxy.internal/fitbit/';
    reloadConfig();
    expect(providerEndpoints('fitbit')).toMatchObject({ tokenUrl: 'https://proxy.internal/fitbit/oauth2/token', apiBaseUrl: 'https://proxy.internal/fitbit' });

    process.env.WEARHOUSE_OURA_AUTH_URL = 'http://oura.example.com';
    reloadConfig();
    expect(config().WEARHOUSE_OURA_AUTH_URL).toBe('http://oura.example.com');
    expect(() => oauthConfiguration('oura', { clientId: 'a', clientSecret: 'b' })).toThrow(/must be https/);

    process.env.WEARHOUSE_OURA_AUTH_URL = 'ftp://oura.example.com';
    reloadConfig();
    expect(() => config()).toThrow(/WEARHOUSE_OURA_AUTH_URL/);
  });
});
