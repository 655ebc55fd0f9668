// Developers' apps: creation (with their first client secret and App Key), listing, details.
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/audit';
import type { Caller, ClientCaller } from '../auth/caller';
import { encrypt } from '../auth/encryption';
import { issueSecret, matchesHash, randomHex, sha256Hex } from '../auth/secrets';
import { getDb, type Queryable } from '../db/client';
import { accounts, appKeys, apps } from '../db/schema';
import { forbidden, invalidInput, notFound } from '../errors';
import { CATALOG } from '../sources/catalog';
import { appIdFor, CLIENT_ID_PATTERN } from './access';

export type App = {
  clientId: string;
  name: string;
  ownerEmail: string;
  connectOrigins: string[];
  /** What the portal may show of the client secret, e.g. `whs_Ab3d…9xYz`. */
  clientSecretHint: string;
  createdAt: Date;
  updatedAt: Date;
};

export type CreatedApp = { app: App; clientSecret: string; appKey: string };

const Origin = z.url().refine((u) => {
  if (!URL.canParse(u)) return false;
  const url = new URL(u);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === u.replace(/\/$/, '');
}, 'An origin is a scheme, host and optional port, like https://app.example.com.');

export const NewAppInput = z.object({
  name: z.string().trim().min(1, 'An app needs a name.').max(100),
  connectOrigins: z.array(Origin).max(20).default([]),
  /** Operator only: who owns the app (defaults to the first admin). */
  ownerEmail: z.string().trim().min(3).max(254).optional(),
});

const appColumns = {
  id: apps.id,
  clientId: apps.clientId,
  name: apps.name,
  ownerEmail: accounts.email,
  connectOrigins: apps.connectOrigins,
  clientSecretPrefix: apps.clientSecretPrefix,
  clientSecretLast4: apps.clientSecretLast4,
  createdAt: apps.createdAt,
  updatedAt: apps.updatedAt,
};

const toApp = (row: { clientId: string; name: string; ownerEmail: string; connectOrigins: string[]; clientSecretPrefix: string; clientSecretLast4: string; createdAt: Date; updatedAt: Date }): App => ({
  clientId: row.clientId,
  name: row.name,
  ownerEmail: row.ownerEmail,
  connectOrigins: row.connectOrigins,
  clientSecretHint: `${row.clientSecretPrefix}…${row.clientSecretLast4}`,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

async function ownerIdFor(caller: Caller, ownerEmail: string | undefined): Promise<number> {
  if (caller.kind === 'account') {
    if (ownerEmail) throw forbidden('Apps you create belong to you.');
    return caller.accountId;
  }
  if (caller.kind !== 'operator') throw forbidden('An App Key cannot create apps.');
  const [owner] = await getDb()
    .select({ id: accounts.id })
    .from(accounts)
    .where(ownerEmail ? sql`lower(${accounts.email}) = lower(${ownerEmail})` : eq(accounts.role, 'admin'))
    .orderBy(asc(accounts.id))
    .limit(1);
  if (!owner) throw notFound(ownerEmail ? `No account ${ownerEmail}.` : 'No admin account exists yet; create one first.');
  return owner.id;
}

/** Create an app with its client secret and first App Key; both are returned in full only here. */
export async function createApp(caller: Caller, input: z.input<typeof NewAppInput>): Promise<CreatedApp> {
  const parsed = NewAppInput.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid app.');
  const ownerId = await ownerIdFor(caller, parsed.data.ownerEmail);
  const clientSecret = issueSecret('clientSecret');
  const appKey = issueSecret('appKey');

  const clientId = await getDb().transaction(async (tx) => {
    const [app] = await tx
      .insert(apps)
      .values({
        clientId: randomHex(20),
        name: parsed.data.name,
        ownerId,
        connectOrigins: parsed.data.connectOrigins,
        clientSecretHash: clientSecret.hash,
        clientSecretPrefix: clientSecret.prefix,
        clientSecretLast4: clientSecret.last4,
      })
      .returning({ id: apps.id, clientId: apps.clientId });
    await tx.insert(appKeys).values({
      appId: app!.id,
      label: 'Default key',
      keyHash: appKey.hash,
      keyPrefix: appKey.prefix,
      keyLast4: appKey.last4,
      createdById: caller.kind === 'account' ? caller.accountId : null,
    });
    await recordAudit(tx, caller, { appId: app!.id, action: 'app.create', target: app!.clientId });
    return app!.clientId;
  });
  return { app: await getApp(caller, clientId), clientSecret: clientSecret.value, appKey: appKey.value };
}

export async function getApp(caller: Caller, clientId: string): Promise<App> {
  const appId = await appIdFor(caller, clientId);
  const [row] = await getDb().select(appColumns).from(apps).innerJoin(accounts, eq(accounts.id, apps.ownerId)).where(eq(apps.id, appId));
  if (!row) throw notFound(`No app ${clientId}.`);
  return toApp(row);
}

/** The apps a caller may see, oldest first. */
export async function listApps(caller: Caller): Promise<App[]> {
  if (caller.kind === 'app' || caller.kind === 'client' || caller.kind === 'end-user') return [await getApp(caller, caller.clientId)];
  const rows = await getDb()
    .select(appColumns)
    .from(apps)
    .innerJoin(accounts, eq(accounts.id, apps.ownerId))
    .where(caller.kind === 'account' && caller.role !== 'admin' ? eq(apps.ownerId, caller.accountId) : undefined)
    .orderBy(asc(apps.id));
  return rows.map(toApp);
}

/** Replace the client secret; the old one stops working at once. Returns the new one in full. */
export async function rotateClientSecret(caller: Caller, clientId: string): Promise<string> {
  if (caller.kind !== 'account' && caller.kind !== 'operator') throw forbidden('Only the portal or the operator can rotate the client secret.');
  const appId = await appIdFor(caller, clientId);
  const secret = issueSecret('clientSecret');
  await getDb().transaction(async (tx) => {
    await tx
      .update(apps)
      .set({ clientSecretHash: secret.hash, clientSecretPrefix: secret.prefix, clientSecretLast4: secret.last4, clientSecretRotatedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(apps.id, appId)));
    await recordAudit(tx, caller, { appId, action: 'app.rotate_client_secret', target: clientId });
  });
  return secret.value;
}

/** What Connect needs to know about an app: who may frame it, where it may redirect, what it offers. */
export type ConnectSettings = {
  appId: number;
  clientId: string;
  appName: string;
  connectOrigins: string[];
  connectRedirectUrls: string[];
  enabledSources: string[] | null;
  oidcIssuer: string | null;
};

/** The columns of ConnectSettings, for queries that read them beside others (lib/connect/tokens.ts). */
export const connectColumns = {
  appId: apps.id,
  clientId: apps.clientId,
  appName: apps.name,
  connectOrigins: apps.connectOrigins,
  connectRedirectUrls: apps.connectRedirectUrls,
  enabledSources: apps.enabledSources,
  oidcIssuer: apps.oidcIssuer,
};

/**
 * The Connect settings of the app with internal id `appId`, for code that has already established
 * the caller's right to it (a Connect token names its app). Null if the app is gone.
 */
export async function connectSettingsForAppId(appId: number, db: Queryable = getDb()): Promise<ConnectSettings | null> {
  const [row] = await db.select(connectColumns).from(apps).where(eq(apps.id, appId));
  return row ?? null;
}

/** An app's Connect settings. Its end users (the open widget) may read their own app's. */
export async function connectSettings(caller: Caller, clientId: string): Promise<ConnectSettings> {
  let appId: number;
  if (caller.kind === 'end-user') {
    if (caller.clientId !== clientId) throw forbidden("An end user's token acts on that user's app only.");
    appId = caller.appId;
  } else {
    appId = await appIdFor(caller, clientId);
  }
  const settings = await connectSettingsForAppId(appId);
  if (!settings) throw notFound(`No app ${clientId}.`);
  return settings;
}

/** z.url()'s refinements still run on a string it rejected: parse without throwing. */
const parseUrl = (u: string) => (URL.canParse(u) ? new URL(u) : null);

const RedirectUrl = z.url().max(2000).refine((u) => {
  const url = parseUrl(u);
  return !!url && (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.hash;
}, 'A redirect URL is an absolute http(s) URL without credentials or #fragment, like https://app.example.com/connected.');

const Issuer = z.url().max(2000).refine((u) => {
  const url = parseUrl(u);
  if (!url || url.search || url.hash || url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  // Plain http only for a provider on this machine (development, tests).
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}, 'The OIDC issuer is an https URL (plain http only on localhost), without query or fragment.');

const SOURCE_IDS = new Set(CATALOG.map((s) => s.id));

export const ConnectSettingsInput = z.object({
  connectOrigins: z.array(Origin).max(20).optional(),
  connectRedirectUrls: z.array(RedirectUrl).max(20).optional(),
  /** null offers the whole catalog. */
  enabledSources: z.array(z.string().refine((id) => SOURCE_IDS.has(id), { error: (i) => `No source ${String(i.input)}.` })).max(100).nullable().optional(),
  /**
   * null turns end-user sign-in off; an object turns it on. The client secret may be left out only
   * when one is on file already (the portal cannot show it, so its form keeps it unless replaced).
   */
  oidc: z.object({
    issuer: Issuer,
    clientId: z.string().trim().min(1, 'The OIDC client id is required.').max(500),
    clientSecret: z.string().min(1, 'The OIDC client secret is required.').max(2000).optional(),
  }).nullable().optional(),
}).strict();
export type ConnectSettingsChange = z.input<typeof ConnectSettingsInput>;

/** Change an app's Connect settings (portal and operator only). Fields left out stay as they are. */
export async function updateConnectSettings(caller: Caller, clientId: string, input: unknown): Promise<ConnectSettings> {
  if (caller.kind !== 'account' && caller.kind !== 'operator') throw forbidden("Only the portal or the operator can change an app's Connect settings.");
  const parsed = ConnectSettingsInput.safeParse(input);
  if (!parsed.success) {
    throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid Connect settings.', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const appId = await appIdFor(caller, clientId);
  const change = parsed.data;
  const set: Partial<typeof apps.$inferInsert> = {};
  if (change.connectOrigins !== undefined) set.connectOrigins = [...new Set(change.connectOrigins.map((o) => new URL(o).origin))];
  if (change.connectRedirectUrls !== undefined) set.connectRedirectUrls = [...new Set(change.connectRedirectUrls)];
  if (change.enabledSources !== undefined) set.enabledSources = change.enabledSources === null ? null : [...new Set(change.enabledSources)];
  if (change.oidc !== undefined) {
    // Kept exactly as given: discovery checks it against the provider's own `issuer`, slash and all.
    set.oidcIssuer = change.oidc?.issuer ?? null;
    set.oidcClientId = change.oidc?.clientId ?? null;
    if (change.oidc?.clientSecret === undefined && change.oidc) {
      const [current] = await getDb().select({ secret: apps.oidcClientSecretEncrypted }).from(apps).where(eq(apps.id, appId));
      if (!current?.secret) throw invalidInput('The OIDC client secret is required.', [{ path: 'oidc.clientSecret', message: 'The OIDC client secret is required.' }]);
    } else {
      set.oidcClientSecretEncrypted = change.oidc ? encrypt(change.oidc.clientSecret!) : null;
    }
  }
  await getDb().transaction(async (tx) => {
    if (Object.keys(set).length > 0) await tx.update(apps).set({ ...set, updatedAt: sql`now()` }).where(eq(apps.id, appId));
    // The audit entry says what changed, never the OIDC client secret.
    const details = { ...change, ...(change.oidc ? { oidc: { issuer: change.oidc.issuer, clientId: change.oidc.clientId } } : {}) };
    await recordAudit(tx, caller, { appId, action: 'app.update_connect_settings', target: clientId, details });
  });
  return (await connectSettingsForAppId(appId))!;
}

/**
 * May Connect's redirect mode send the user to `url`? Yes for a URL listed exactly, or one under a
 * listed prefix ending in `/` (same origin, path below it). Compared on parsed URLs, so
 * `https://app.example.com/cb/../../evil` or `https://app.example.com.evil.test/` never match.
 */
export function isAllowedRedirect(settings: ConnectSettings, url: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return false;
  if (target.username || target.password) return false;
  const normalized = target.href;
  return settings.connectRedirectUrls.some((allowed) => {
    let base: URL;
    try {
      base = new URL(allowed);
    } catch {
      return false;
    }
    if (normalized === base.href || url === allowed) return true;
    if (!base.pathname.endsWith('/') || base.search || base.hash) return false;
    return target.origin === base.origin && target.pathname.startsWith(base.pathname);
  });
}

/** A hash no secret has: unknown apps cost the same comparison as known ones. */
const NO_SECRET_HASH = sha256Hex('wearhouse: no such app');

/**
 * The app's own server, by clientId and client secret (POST /v1/connect/token…), or null when either
 * is wrong. The secret is compared with its stored hash in constant time.
 */
export async function authenticateClient(clientId: string, clientSecret: string): Promise<ClientCaller | null> {
  const [row] = CLIENT_ID_PATTERN.test(clientId)
    ? await getDb().select({ id: apps.id, hash: apps.clientSecretHash }).from(apps).where(eq(apps.clientId, clientId))
    : [];
  const ok = matchesHash(clientSecret, row?.hash ?? NO_SECRET_HASH);
  return ok && row ? { kind: 'client', appId: row.id, clientId } : null;
}
