// A connection's provider grant (access and refresh token) and everything done with it: the code
// exchange after consent, refreshing when it has expired or the provider answers 401, revoking it on
// disconnect, and the authorized fetch a connector syncs through. The OAuth2 requests themselves go
// through openid-client (already how Connect signs users in; it takes endpoints as data, so the
// configured base URLs and the test stand-ins need nothing special). The grant is stored encrypted
// in connections.credentials_encrypted; no database transaction is held across a provider request.
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import * as oidc from 'openid-client';
import { decrypt, encrypt } from '../../auth/encryption';
import { getDb, type Queryable } from '../../db/client';
import { connections, users } from '../../db/schema';
import { errorFields, log } from '../../log';
import { ProviderAuthorizationError, ProviderRateLimitedError } from '../connector';
import { providerClientOf, type ProviderClient } from './credentials';
import { isOAuthProvider, OAUTH_PROVIDER_IDS, PROVIDERS, providerEndpoints, type OAuthProviderId } from './providers';

/** What connections.credentials_encrypted holds for an OAuth2 source (as JSON, encrypted). */
export type StoredGrant = {
  provider: OAuthProviderId;
  accessToken: string;
  refreshToken: string | null;
  /** ISO 8601; null when the provider gave no lifetime. */
  expiresAt: string | null;
  scope: string | null;
  /** The provider's id for the user (Fitbit's user_id), when it says. */
  providerUserId: string | null;
};

/** A token is refreshed this long before it expires, so a request never races its expiry. */
export const EXPIRY_MARGIN_MS = 60_000;
/** Seconds an OAuth2 request to a provider may take. */
const HTTP_TIMEOUT_SECONDS = 15;
/** A 429 without Retry-After (or a reset header) is retried after this. */
export const DEFAULT_RATE_LIMIT_BACKOFF_MS = 60_000;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * openid-client's view of the provider with the app's client. Plain http is allowed for a base URL
 * on this machine only (a test stand-in, a local proxy): tokens never cross a network in clear.
 */
export function oauthConfiguration(provider: OAuthProviderId, client: ProviderClient): oidc.Configuration {
  const definition = PROVIDERS[provider];
  const endpoints = providerEndpoints(provider);
  const urls = [endpoints.authorizeUrl, endpoints.tokenUrl, endpoints.revokeUrl].map((u) => new URL(u));
  const insecure = urls.filter((u) => u.protocol === 'http:');
  if (insecure.some((u) => !LOOPBACK.has(u.hostname))) {
    throw new Error(`${definition.name}'s endpoints must be https (plain http only on localhost); check WEARHOUSE_${provider.toUpperCase()}_AUTH_URL and _API_URL.`);
  }
  const configuration = new oidc.Configuration(
    {
      issuer: new URL(endpoints.authorizeUrl).origin,
      authorization_endpoint: endpoints.authorizeUrl,
      token_endpoint: endpoints.tokenUrl,
      revocation_endpoint: endpoints.revokeUrl,
    },
    client.clientId,
    { client_secret: client.clientSecret },
    definition.clientAuthentication === 'basic' ? oidc.ClientSecretBasic(client.clientSecret) : oidc.ClientSecretPost(client.clientSecret),
  );
  configuration.timeout = HTTP_TIMEOUT_SECONDS;
  if (insecure.length > 0) oidc.allowInsecureRequests(configuration);
  return configuration;
}

/** A token endpoint answer as we store it. */
export function grantFrom(provider: OAuthProviderId, tokens: oidc.TokenEndpointResponse, previous?: StoredGrant, now = Date.now()): StoredGrant {
  const extra = tokens as unknown as Record<string, unknown>;
  const expiresIn = typeof tokens.expires_in === 'number' ? tokens.expires_in : Number(tokens.expires_in ?? NaN);
  return {
    provider,
    accessToken: tokens.access_token,
    // A provider that does not rotate refresh tokens sends none with a refresh: keep the old one.
    refreshToken: tokens.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt: Number.isFinite(expiresIn) ? new Date(now + expiresIn * 1000).toISOString() : null,
    scope: tokens.scope ?? previous?.scope ?? null,
    providerUserId: typeof extra.user_id === 'string' ? extra.user_id : (previous?.providerUserId ?? null),
  };
}

export const sealGrant = (grant: StoredGrant) => encrypt(JSON.stringify(grant));

export function openGrant(sealed: string): StoredGrant {
  const grant = JSON.parse(decrypt(sealed)) as StoredGrant;
  if (!grant || typeof grant.accessToken !== 'string' || !isOAuthProvider(grant.provider)) throw new Error('The stored provider grant is unreadable.');
  return grant;
}

// ---- Telling the provider's refusals apart ---------------------------------------------------------

type ProviderRefusal = { status: number; code: string | null; retryAfterMs: number | null };

/** Milliseconds from a Retry-After (seconds or an HTTP date) or a provider's reset header (seconds). */
export function retryAfterMsOf(headers: Headers, resetHeader?: string, now = Date.now()): number | null {
  const value = headers.get('retry-after')?.trim();
  if (value) {
    if (/^\d+$/.test(value)) return Number(value) * 1000;
    const at = Date.parse(value);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const reset = resetHeader ? headers.get(resetHeader)?.trim() : undefined;
  if (reset && /^\d+$/.test(reset)) return Number(reset) * 1000;
  return null;
}

/**
 * The status and OAuth error code of a failed token or revocation request, whatever shape the
 * provider answered in: RFC 6749 `{error}` (openid-client's ResponseBodyError) or Fitbit's
 * `{errors: [{errorType}]}`, which openid-client reports as a non-conforming response.
 */
async function refusalOf(error: unknown, provider: OAuthProviderId): Promise<ProviderRefusal | null> {
  if (error instanceof oidc.ResponseBodyError) {
    return { status: error.status, code: error.error, retryAfterMs: retryAfterMsOf(error.response.headers, PROVIDERS[provider].rateLimitResetHeader) };
  }
  // Duck-typed: the Response may come from another realm's fetch (instanceof fails under test runners).
  const isResponse = (value: unknown): value is Response =>
    typeof value === 'object' && value !== null && typeof (value as Response).status === 'number' && typeof (value as Response).clone === 'function' && (value as Response).headers instanceof Object;
  let response: unknown = error;
  for (let depth = 0; depth < 3 && response && !isResponse(response); depth++) response = (response as { cause?: unknown }).cause;
  if (!isResponse(response)) return null;
  let code: string | null = null;
  try {
    const body = JSON.parse(await response.clone().text()) as { error?: unknown; errors?: { errorType?: unknown }[] };
    const candidate = body.error ?? body.errors?.[0]?.errorType;
    code = typeof candidate === 'string' ? candidate : null;
  } catch {
    // Not JSON, or already read: the status alone decides.
  }
  return { status: response.status, code, retryAfterMs: retryAfterMsOf(response.headers, PROVIDERS[provider].rateLimitResetHeader) };
}

/** The domain error for a refused token request (refresh or exchange). */
async function tokenRequestFailure(error: unknown, provider: OAuthProviderId): Promise<Error> {
  const name = PROVIDERS[provider].name;
  const refusal = await refusalOf(error, provider);
  if (!refusal) return new Error(`${name} could not be reached to renew the connection's access.`, { cause: error });
  if (refusal.status === 429) return new ProviderRateLimitedError(refusal.retryAfterMs ?? DEFAULT_RATE_LIMIT_BACKOFF_MS);
  if (refusal.code === 'invalid_client' || refusal.code === 'unauthorized_client') {
    return new Error(`${name} refused this app's client credentials (${refusal.code}); check them in the app's settings.`);
  }
  if (refusal.code === 'invalid_grant' || refusal.status === 400) {
    return new ProviderAuthorizationError(`${name} no longer accepts this connection's grant; connect ${name} again.`);
  }
  return new Error(`${name} answered ${refusal.status} when renewing the connection's access.`);
}

// ---- The code exchange -------------------------------------------------------------------------------

/**
 * Exchange the authorization code the provider sent back to `callback` (the registered redirect URI
 * with the provider's query) for a grant. `state` was checked by the caller; openid-client checks it
 * again along with the response's shape.
 */
export async function exchangeCode(
  provider: OAuthProviderId,
  client: ProviderClient,
  callback: URL,
  checks: { state: string; codeVerifier: string | null },
): Promise<StoredGrant> {
  const configuration = oauthConfiguration(provider, client);
  const tokens = await oidc.authorizationCodeGrant(configuration, callback, {
    expectedState: checks.state,
    ...(checks.codeVerifier ? { pkceCodeVerifier: checks.codeVerifier } : {}),
    idTokenExpected: false,
  });
  return grantFrom(provider, tokens);
}

// ---- Refreshing ---------------------------------------------------------------------------------------

type LoadedGrant = { connectionId: number; appId: number; sealed: string; grant: StoredGrant };

/** The connection's current grant, or a ProviderAuthorizationError when it has none any more. */
async function loadGrant(connectionId: number, db: Queryable = getDb()): Promise<LoadedGrant> {
  const [row] = await db
    .select({ sealed: connections.credentialsEncrypted, appId: users.appId })
    .from(connections)
    .innerJoin(users, eq(users.id, connections.userId))
    .where(and(eq(connections.id, connectionId), ne(connections.status, 'disconnected'), isNull(users.deletedAt)));
  if (!row?.sealed) throw new ProviderAuthorizationError('This connection has no provider grant (it was disconnected); connect the source again.');
  return { connectionId, appId: Number(row.appId), sealed: row.sealed, grant: openGrant(row.sealed) };
}

/** One refresh at a time per connection in this process (a second asker shares the first's result). */
const refreshing = new Map<number, Promise<LoadedGrant>>();

/**
 * Renew the connection's access token with its refresh token and store the new grant (Fitbit's
 * refresh tokens are single-use: the rotated one must be kept). `stale` is the grant the caller
 * found wanting; if the stored one is already newer (refreshed meanwhile), that one is used.
 * The store is a compare-and-set on the sealed value, so two refreshes in two processes cannot
 * overwrite each other's newer grant. `now` dates the new token's expiry (the clock that checks it).
 */
export function refreshConnectionGrant(stale: LoadedGrant, now = Date.now()): Promise<LoadedGrant> {
  const running = refreshing.get(stale.connectionId);
  if (running) return running;
  const refresh = (async () => {
    const current = await loadGrant(stale.connectionId);
    if (current.sealed !== stale.sealed) return current;
    const { provider } = current.grant;
    if (!current.grant.refreshToken) throw new ProviderAuthorizationError(`${PROVIDERS[provider].name} gave this connection no refresh token; connect it again.`);
    const client = await providerClientOf(current.appId, provider);
    if (!client) throw new Error(`This app has no ${PROVIDERS[provider].name} client credentials any more; add them in the app's settings.`);
    let tokens: oidc.TokenEndpointResponse;
    try {
      tokens = await oidc.refreshTokenGrant(oauthConfiguration(provider, client), current.grant.refreshToken);
    } catch (error) {
      const failure = await tokenRequestFailure(error, provider);
      log.warn({ event: 'oauth.refresh_failed', provider, connectionId: current.connectionId, err: errorFields(failure) }, 'provider token refresh failed');
      throw failure;
    }
    const renewed = grantFrom(provider, tokens, current.grant, now);
    const sealed = sealGrant(renewed);
    const stored = await getDb().execute(sql`
      UPDATE connections SET credentials_encrypted = ${sealed}, updated_at = now()
      WHERE id = ${current.connectionId} AND credentials_encrypted = ${current.sealed} AND status <> 'disconnected'
      RETURNING id`);
    if (stored.rows.length === 0) {
      // Disconnected meanwhile (or, impossible with one refresh token, refreshed elsewhere): the
      // new grant must not outlive the connection.
      revokeInBackground({ appId: current.appId, connectionId: current.connectionId, grant: renewed });
      return loadGrant(current.connectionId);
    }
    log.info({ event: 'oauth.refreshed', provider, connectionId: current.connectionId }, 'provider token refreshed');
    return { ...current, sealed, grant: renewed };
  })();
  refreshing.set(stale.connectionId, refresh);
  const forget = () => {
    if (refreshing.get(stale.connectionId) === refresh) refreshing.delete(stale.connectionId);
  };
  refresh.then(forget, forget);
  return refresh;
}

// ---- The authorized fetch -----------------------------------------------------------------------------

export type ProviderFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

const isExpired = (grant: StoredGrant, now: number) => grant.expiresAt !== null && Date.parse(grant.expiresAt) - EXPIRY_MARGIN_MS <= now;

/**
 * The `providerFetch` of a SyncContext for connection `connectionId`: fetches a URL of the
 * connection's provider API with its access token as Bearer, refreshing first when the token has
 * expired and once more on a 401. A 429 throws ProviderRateLimitedError (Retry-After, else the
 * provider's reset header, else a minute); a grant the provider refuses throws
 * ProviderAuthorizationError. The token is only ever sent to the provider's configured API base.
 */
export function providerFetchFor(connectionId: number, options: { now?: () => Date } = {}): ProviderFetch {
  const now = () => (options.now ? options.now().getTime() : Date.now());
  let loaded: LoadedGrant | null = null;
  return async (url, init = {}) => {
    loaded ??= await loadGrant(connectionId);
    const { provider } = loaded.grant;
    const target = new URL(url);
    const base = new URL(`${providerEndpoints(provider).apiBaseUrl}/`);
    if (target.origin !== base.origin || !target.pathname.startsWith(base.pathname)) {
      throw new Error(`Refusing to send a ${PROVIDERS[provider].name} token to ${target.origin}: not the provider's API.`);
    }
    if (isExpired(loaded.grant, now())) loaded = await refreshConnectionGrant(loaded, now());
    // The grant this request used: on its 401 that one is stale, not whatever a concurrent request
    // of this fetch has stored in `loaded` since (already renewed: refreshing it again would waste
    // the new token, and Fitbit's single-use refresh token with it).
    const used = loaded;
    let response = await send(target, used.grant.accessToken, init);
    if (response.status === 401) {
      await response.body?.cancel();
      loaded = await refreshConnectionGrant(used, now());
      response = await send(target, loaded.grant.accessToken, init);
      if (response.status === 401) {
        await response.body?.cancel();
        throw new ProviderAuthorizationError(`${PROVIDERS[provider].name} refused a freshly renewed token; connect it again.`);
      }
    }
    if (response.status === 429) {
      await response.body?.cancel();
      throw new ProviderRateLimitedError(retryAfterMsOf(response.headers, PROVIDERS[provider].rateLimitResetHeader) ?? DEFAULT_RATE_LIMIT_BACKOFF_MS);
    }
    return response;
  };
}

function send(url: URL, accessToken: string, init: RequestInit): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${accessToken}`);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  return fetch(url, {
    ...init,
    headers,
    redirect: 'error',
    signal: init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(HTTP_TIMEOUT_SECONDS * 1000)]) : AbortSignal.timeout(HTTP_TIMEOUT_SECONDS * 1000),
  });
}

// ---- Revoking -----------------------------------------------------------------------------------------

/** Tell the provider to forget the grant. Throws when the provider cannot be reached or refuses. */
export async function revokeGrant(appId: number, grant: StoredGrant): Promise<void> {
  const { provider } = grant;
  const client = await providerClientOf(appId, provider);
  if (!client) throw new Error(`This app has no ${PROVIDERS[provider].name} client credentials to revoke with.`);
  if (PROVIDERS[provider].revocation === 'access-token-query') {
    const url = new URL(providerEndpoints(provider).revokeUrl);
    url.searchParams.set('access_token', grant.accessToken);
    oauthConfiguration(provider, client); // the same https rule as every other request
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(HTTP_TIMEOUT_SECONDS * 1000) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${PROVIDERS[provider].name} answered ${response.status} to the revocation.`);
    return;
  }
  // Revoking the refresh token ends the whole grant (RFC 7009 2.1; Fitbit disables every token of it).
  const token = grant.refreshToken ?? grant.accessToken;
  try {
    await oidc.tokenRevocation(oauthConfiguration(provider, client), token, { token_type_hint: grant.refreshToken ? 'refresh_token' : 'access_token' });
  } catch (error) {
    const refusal = await refusalOf(error, provider);
    throw new Error(`${PROVIDERS[provider].name} refused the revocation${refusal ? ` (${refusal.status}${refusal.code ? ` ${refusal.code}` : ''})` : ''}.`, { cause: error });
  }
}

const pendingRevocations = new Set<Promise<void>>();

/**
 * Revoke a grant without holding anyone up (disconnect, user delete): best effort, logged with ids
 * only. A grant that cannot be opened or an app without credentials is logged and left.
 */
export function revokeInBackground(target: { appId: number; connectionId: number; grant?: StoredGrant; sealed?: string | null }): void {
  const run = (async () => {
    try {
      const grant = target.grant ?? (target.sealed ? openGrant(target.sealed) : null);
      if (!grant) return;
      await revokeGrant(target.appId, grant);
      log.info({ event: 'oauth.revoked', provider: grant.provider, connectionId: target.connectionId }, 'provider grant revoked');
    } catch (error) {
      log.warn({ event: 'oauth.revoke_failed', connectionId: target.connectionId, err: errorFields(error) }, 'provider grant not revoked');
    }
  })();
  pendingRevocations.add(run);
  void run.finally(() => pendingRevocations.delete(run));
}

/** Wait for the revocations started so far (tests; a server stopping). */
export async function settleRevocations(): Promise<void> {
  while (pendingRevocations.size > 0) await Promise.allSettled([...pendingRevocations]);
}

/**
 * The sealed grants of a user's OAuth2 connections, read inside the transaction that deletes the
 * user (before anything wipes them), to revoke with revokeInBackground once it has committed.
 */
export async function grantsOfUser(db: Queryable, userId: number): Promise<{ appId: number; connectionId: number; sealed: string }[]> {
  const rows = await db
    .select({ connectionId: connections.id, sealed: connections.credentialsEncrypted, appId: users.appId })
    .from(connections)
    .innerJoin(users, eq(users.id, connections.userId))
    .where(and(eq(connections.userId, userId), ne(connections.status, 'disconnected'), inArray(connections.sourceId, [...OAUTH_PROVIDER_IDS])));
  return rows.filter((r): r is typeof r & { sealed: string } => r.sealed !== null)
    .map((r) => ({ appId: Number(r.appId), connectionId: Number(r.connectionId), sealed: r.sealed }));
}
