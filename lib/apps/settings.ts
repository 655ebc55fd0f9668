// What the portal's settings page shows of an app's Connect settings: everything but the OIDC
// client secret, of which it learns only whether one is on file.
import { eq } from 'drizzle-orm';
import type { Caller } from '../auth/caller';
import { getDb } from '../db/client';
import { apps } from '../db/schema';
import { forbidden, notFound } from '../errors';
import { CATALOG } from '../sources/catalog';
import { appIdFor } from './access';

export type PortalConnectSettings = {
  connectOrigins: string[];
  connectRedirectUrls: string[];
  /** null: the whole catalog is offered. */
  enabledSources: string[] | null;
  oidc: { issuer: string; clientId: string; hasClientSecret: boolean } | null;
  /** The sources an app can offer, for the choice. */
  catalog: { id: string; name: string; description: string }[];
};

export async function getPortalConnectSettings(caller: Caller, clientId: string): Promise<PortalConnectSettings> {
  if (caller.kind !== 'account' && caller.kind !== 'operator') throw forbidden('Only the portal or the operator can read these settings.');
  const appId = await appIdFor(caller, clientId);
  const [row] = await getDb()
    .select({
      connectOrigins: apps.connectOrigins,
      connectRedirectUrls: apps.connectRedirectUrls,
      enabledSources: apps.enabledSources,
      oidcIssuer: apps.oidcIssuer,
      oidcClientId: apps.oidcClientId,
      oidcClientSecretEncrypted: apps.oidcClientSecretEncrypted,
    })
    .from(apps)
    .where(eq(apps.id, appId));
  if (!row) throw notFound(`No app ${clientId}.`);
  return {
    connectOrigins: row.connectOrigins,
    connectRedirectUrls: row.connectRedirectUrls,
    enabledSources: row.enabledSources,
    oidc: row.oidcIssuer ? { issuer: row.oidcIssuer, clientId: row.oidcClientId ?? '', hasClientSecret: !!row.oidcClientSecretEncrypted } : null,
    catalog: CATALOG.map((s) => ({ id: s.id, name: s.name, description: s.description })),
  };
}
