// End users signing in through the app's OpenID Connect provider before Connect: the authorization
// code flow with PKCE (S256), state and nonce, through openid-client. The in-flight sign-in lives in
// the widget row's `details` (the verifier never travels in a URL); a completed one fills the user's
// identity fields from the verified ID token and marks the widget session signed in.
import { timingSafeEqual } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import * as oidc from 'openid-client';
import { decrypt } from '../auth/encryption';
import { sha256Hex } from '../auth/secrets';
import { config } from '../config';
import { getDb } from '../db/client';
import { apps, connectSessions, users } from '../db/schema';
import { DomainError } from '../errors';
import { errorFields, log } from '../log';
import { isConnectTokenShape, type WidgetDetails } from './tokens';

/** Where providers send the user back; registered with the provider as the redirect URI. */
export const OIDC_CALLBACK_PATH = '/connect/oidc/callback';
/** How long a started sign-in may take before its state is refused. */
export const SIGN_IN_TTL_MS = 10 * 60_000;
/** How long a discovered provider configuration is reused. */
const DISCOVERY_TTL_MS = 10 * 60_000;
const HTTP_TIMEOUT_SECONDS = 10;

type AppOidc = { appId: number; issuer: string; clientId: string; secretEncrypted: string };
type CachedConfiguration = { key: string; at: number; configuration: Promise<oidc.Configuration> };
const discovered = new Map<number, CachedConfiguration>();

const isLoopback = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

/**
 * The provider's configuration, discovered once per app and reused for a while; changed settings
 * (another issuer, client or secret) discover afresh. A failed discovery is not kept.
 */
function configurationFor(app: AppOidc): Promise<oidc.Configuration> {
  const key = sha256Hex(`${app.issuer}\n${app.clientId}\n${app.secretEncrypted}`);
  const cached = discovered.get(app.appId);
  if (cached && cached.key === key && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.configuration;
  const issuer = new URL(app.issuer);
  // Plain http only for a provider on this machine (settings validation says the same).
  const insecure = issuer.protocol === 'http:' && isLoopback(issuer);
  const configuration = oidc.discovery(issuer, app.clientId, decrypt(app.secretEncrypted), undefined, {
    timeout: HTTP_TIMEOUT_SECONDS,
    ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
  });
  discovered.set(app.appId, { key, at: Date.now(), configuration });
  configuration.catch(() => {
    if (discovered.get(app.appId)?.configuration === configuration) discovered.delete(app.appId);
  });
  return configuration;
}

/** The callback URL: WEARHOUSE_BASE_URL when set, else the base the caller saw the request on. */
function callbackUrl(baseUrl: string | undefined): string {
  const base = config().WEARHOUSE_BASE_URL ?? baseUrl;
  if (!base) throw new DomainError('unavailable', 'Set WEARHOUSE_BASE_URL so that sign-in knows where to send users back.');
  return `${base.replace(/\/$/, '')}${OIDC_CALLBACK_PATH}`;
}

/**
 * Start a sign-in for the open widget `widgetToken`: returns the provider's authorization URL to
 * open (in a popup). `baseUrl` is this server's origin as the request saw it (see baseUrlOf).
 */
export async function beginSignIn(widgetToken: string, options: { baseUrl?: string } = {}): Promise<{ authorizationUrl: string }> {
  const unknown = () => new DomainError('unauthorized', 'This Connect session is not valid any more; open Connect again.');
  if (!isConnectTokenShape(widgetToken)) throw unknown();
  const [row] = await getDb()
    .select({ id: connectSessions.id, details: connectSessions.details, appId: apps.id, issuer: apps.oidcIssuer, clientId: apps.oidcClientId, secretEncrypted: apps.oidcClientSecretEncrypted })
    .from(connectSessions)
    .innerJoin(apps, eq(apps.id, connectSessions.appId))
    .innerJoin(users, eq(users.id, connectSessions.userId))
    .where(and(eq(connectSessions.tokenHash, sha256Hex(widgetToken)), eq(connectSessions.kind, 'widget'), gt(connectSessions.expiresAt, sql`now()`), isNull(users.deletedAt)));
  if (!row) throw unknown();
  if (!row.issuer || !row.clientId || !row.secretEncrypted) throw new DomainError('conflict', 'This app does not ask its users to sign in.');
  const redirectUri = callbackUrl(options.baseUrl);
  let configuration: oidc.Configuration;
  try {
    configuration = await configurationFor({ appId: row.appId, issuer: row.issuer, clientId: row.clientId, secretEncrypted: row.secretEncrypted });
  } catch (error) {
    log.warn({ event: 'connect.oidc_discovery_failed', appId: row.appId, err: errorFields(error) }, 'OIDC discovery failed');
    throw new DomainError('unavailable', "The app's sign-in provider cannot be reached right now; try again in a moment.", { retryAfterSeconds: 5 });
  }
  const codeVerifier = oidc.randomPKCECodeVerifier();
  // The row id in the state finds the sign-in again on the way back (a primary-key lookup); the
  // random part, compared in constant time, is what proves it.
  const state = `${row.id}.${oidc.randomState()}`;
  const nonce = oidc.randomNonce();
  const details: WidgetDetails = {
    ...((row.details ?? {}) as WidgetDetails),
    oidc: { state, nonce, codeVerifier, redirectUri, startedAt: new Date().toISOString() },
  };
  await getDb().update(connectSessions).set({ details }).where(eq(connectSessions.id, row.id));
  const url = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { authorizationUrl: url.href };
}

export type SignInResult = { status: 'signed-in' | 'failed'; message: string; httpStatus: number };

const failed = (message: string, httpStatus = 400): SignInResult => ({ status: 'failed', message, httpStatus });

const sameString = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Complete a sign-in from the provider's redirect (`callback` is the full URL it sent the user
 * to). The state is spent whatever the outcome, so a callback URL cannot be replayed.
 */
export async function completeSignIn(callback: URL): Promise<SignInResult> {
  const state = callback.searchParams.get('state') ?? '';
  const match = /^(\d{1,18})\.[A-Za-z0-9_-]{16,200}$/.exec(state);
  if (!match) return failed('This sign-in link is not valid; start again from Connect.');
  const rowId = Number(match[1]);

  // Take the pending sign-in out of the row in one transaction: check and spend.
  const pending = await getDb().transaction(async (tx) => {
    const [row] = await tx
      .select({ details: connectSessions.details, appId: connectSessions.appId, userId: connectSessions.userId })
      .from(connectSessions)
      .where(and(eq(connectSessions.id, rowId), eq(connectSessions.kind, 'widget'), gt(connectSessions.expiresAt, sql`now()`)))
      .for('update');
    const details = (row?.details ?? {}) as WidgetDetails;
    if (!row?.userId || !details.oidc || !sameString(details.oidc.state, state)) return null;
    const { oidc: started, ...rest } = details;
    await tx.update(connectSessions).set({ details: rest }).where(eq(connectSessions.id, rowId));
    return { started, appId: row.appId, userId: row.userId, rowId };
  });
  if (!pending) return failed('This sign-in has already finished, expired, or was not started here; start again from Connect.');
  if (Date.now() - Date.parse(pending.started.startedAt) > SIGN_IN_TTL_MS) return failed('This sign-in took too long; start again from Connect.');

  const providerError = callback.searchParams.get('error');
  if (providerError) {
    return failed(providerError === 'access_denied' ? 'Sign-in was cancelled.' : `The sign-in provider refused: ${providerError}.`);
  }

  const [app] = await getDb()
    .select({ issuer: apps.oidcIssuer, clientId: apps.oidcClientId, secretEncrypted: apps.oidcClientSecretEncrypted })
    .from(apps)
    .where(eq(apps.id, pending.appId));
  if (!app?.issuer || !app.clientId || !app.secretEncrypted) return failed('This app no longer asks its users to sign in.', 409);

  let claims: oidc.IDToken;
  try {
    const configuration = await configurationFor({ appId: pending.appId, issuer: app.issuer, clientId: app.clientId, secretEncrypted: app.secretEncrypted });
    // The URL the provider redirected to, rebuilt on the registered redirect URI (a proxy in
    // front may have changed the host this server saw).
    const current = new URL(pending.started.redirectUri);
    current.search = callback.search;
    const tokens = await oidc.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: pending.started.codeVerifier,
      expectedState: pending.started.state,
      expectedNonce: pending.started.nonce,
      idTokenExpected: true,
    });
    const verified = tokens.claims();
    if (!verified) return failed('The sign-in provider sent no ID token.', 502);
    claims = verified;
  } catch (error) {
    log.warn({ event: 'connect.oidc_sign_in_failed', appId: pending.appId, err: errorFields(error) }, 'OIDC sign-in failed');
    return failed('The sign-in could not be verified with the provider; try again.', 502);
  }

  const text = (value: unknown, max: number) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : undefined);
  const issuerUrl = claims.iss;
  const identity = {
    providerUserId: claims.sub,
    identityProviderName: new URL(issuerUrl).host,
    identityProviderUrl: issuerUrl,
    // An address the provider says it has not verified is not recorded as the user's.
    email: claims.email_verified === false ? undefined : text(claims.email, 254),
    name: text(claims.name, 200),
    username: text(claims.preferred_username, 200),
  };

  return getDb().transaction(async (tx) => {
    // One identity, one user: sign-ins of one app take turns (a lock on the app's row), so two
    // users cannot both claim the same `sub` at once.
    await tx.select({ id: apps.id }).from(apps).where(eq(apps.id, pending.appId)).for('update');
    const [taken] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(
        eq(users.appId, pending.appId),
        eq(users.providerUserId, identity.providerUserId),
        eq(users.identityProviderUrl, identity.identityProviderUrl),
        isNull(users.deletedAt),
        sql`${users.id} <> ${pending.userId}`,
      ));
    if (taken) return failed('This account is already linked to another user of this app; sign in with a different account.', 409);
    const [updated] = await tx
      .update(users)
      .set({
        providerUserId: identity.providerUserId,
        identityProviderName: identity.identityProviderName,
        identityProviderUrl: identity.identityProviderUrl,
        ...(identity.email ? { email: identity.email } : {}),
        ...(identity.name ? { name: identity.name } : {}),
        ...(identity.username ? { username: identity.username } : {}),
        lastLoginAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(users.id, pending.userId), isNull(users.deletedAt)))
      .returning({ id: users.id });
    if (!updated) return failed('This user no longer exists.', 410);
    await tx
      .update(connectSessions)
      .set({ details: sql`coalesce(${connectSessions.details}, '{}'::jsonb) || '{"signedIn": true}'::jsonb` })
      .where(eq(connectSessions.id, pending.rowId));
    return { status: 'signed-in', message: 'Signed in.', httpStatus: 200 } satisfies SignInResult;
  });
}

/** Forget discovered providers (tests that restart a provider on a new port). */
export function forgetDiscoveredProviders(): void {
  discovered.clear();
}
