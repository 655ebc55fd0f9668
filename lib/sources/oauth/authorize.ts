// Linking an OAuth2 source from the Connect widget: the widget asks for the provider's consent URL
// (opened in a popup), the provider sends the user back to /connect/callback/{source}, and the code
// is exchanged for a grant that is stored encrypted on the user's connection. The authorization in
// flight is a row of its own: found again by the hash of its state, spent on the way back, refused
// after ten minutes; its PKCE verifier is encrypted and never travels in a URL.
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import * as oidc from 'openid-client';
import { decrypt, encrypt } from '../../auth/encryption';
import type { EndUserCaller } from '../../auth/caller';
import { sha256Hex } from '../../auth/secrets';
import { config } from '../../config';
import type { WidgetSession } from '../../connect/tokens';
import { getDb } from '../../db/client';
import { apps, connectSessions, providerAuthorizations, users } from '../../db/schema';
import { DomainError, forbidden, invalidInput, notFound } from '../../errors';
import { errorFields, log } from '../../log';
import { availableSources, connectSource } from '../connections';
import { providerClientOf } from './credentials';
import { callbackPath, isOAuthProvider, PROVIDERS, type OAuthProviderId } from './providers';
import { exchangeCode, oauthConfiguration, revokeInBackground } from './tokens';

/** How long a user may spend on the provider's consent page. */
export const AUTHORIZATION_TTL_MS = 10 * 60_000;

/** The callback URL: WEARHOUSE_BASE_URL when set, else the base the widget's request came in on. */
export function callbackUrl(provider: OAuthProviderId, baseUrl: string | undefined): string {
  const base = config().WEARHOUSE_BASE_URL ?? baseUrl;
  if (!base) throw new DomainError('unavailable', 'Set WEARHOUSE_BASE_URL so that providers know where to send users back.');
  return `${base.replace(/\/$/, '')}${callbackPath(provider)}`;
}

/**
 * Start linking `sourceId` for the open widget: returns the provider's consent URL to open in a
 * popup. Refused before a required sign-in, for a source the app does not offer, and, in words the
 * user can pass on, for an app that has no client credentials at that provider.
 */
export async function beginAuthorization(
  widgetToken: string,
  session: WidgetSession,
  sourceId: string,
  options: { baseUrl?: string } = {},
): Promise<{ authorizationUrl: string }> {
  if (session.mustSignIn) throw forbidden('Sign in first.');
  const { caller } = session;
  if (!isOAuthProvider(sourceId)) throw invalidInput(`Source ${sourceId} is not linked through a provider's sign-in.`);
  const definition = PROVIDERS[sourceId];
  // Checked first: without credentials the source is not offered either, and this says why.
  const client = await providerClientOf(caller.appId, sourceId);
  if (!client) {
    throw new DomainError('conflict', `${session.settings.appName} has not set up ${definition.name} yet, so it cannot be connected. Its developer adds ${definition.name} client credentials in the app's settings.`);
  }
  const offered = await availableSources(caller, caller.clientId);
  if (!offered.some((s) => s.id === sourceId)) throw notFound(`This app does not offer a source ${sourceId}.`);
  const [row] = await getDb().select({ id: connectSessions.id }).from(connectSessions)
    .where(and(eq(connectSessions.tokenHash, sha256Hex(widgetToken)), eq(connectSessions.kind, 'widget')));
  if (!row) throw new DomainError('unauthorized', 'This Connect session has ended. Close it and open Connect again from the app.');

  const redirectUri = callbackUrl(sourceId, options.baseUrl);
  const state = oidc.randomState();
  const codeVerifier = definition.usesPkce ? oidc.randomPKCECodeVerifier() : null;
  await getDb().transaction(async (tx) => {
    // One authorization in flight per widget and source; and expired ones of anyone go, a few at a time.
    await tx.delete(providerAuthorizations).where(and(eq(providerAuthorizations.connectSessionId, row.id), eq(providerAuthorizations.sourceId, sourceId)));
    await tx.execute(sql`DELETE FROM provider_authorizations WHERE id IN (
      SELECT id FROM provider_authorizations WHERE expires_at < now() LIMIT 100)`);
    await tx.insert(providerAuthorizations).values({
      stateHash: sha256Hex(state),
      connectSessionId: row.id,
      sourceId,
      codeVerifierEncrypted: encrypt(codeVerifier ?? ''),
      redirectUri,
      expiresAt: sql`now() + ${AUTHORIZATION_TTL_MS} * interval '1 millisecond'`,
    });
  });
  const url = oidc.buildAuthorizationUrl(oauthConfiguration(sourceId, client), {
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: definition.scopes.join(' '),
    state,
    ...(codeVerifier ? { code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256' } : {}),
  });
  return { authorizationUrl: url.href };
}

export type AuthorizationResult = {
  status: 'connected' | 'failed';
  message: string;
  httpStatus: number;
  /** The linked source, as the widget reports it to the app's page. */
  source: { id: string; name: string } | null;
};

const failed = (message: string, httpStatus = 400): AuthorizationResult => ({ status: 'failed', message, httpStatus, source: null });

/**
 * Finish linking from the provider's redirect to /connect/callback/{source} (`callback` is the full
 * URL). The authorization is spent whatever the outcome, so a callback URL cannot be replayed.
 */
export async function completeAuthorization(source: string, callback: URL): Promise<AuthorizationResult> {
  if (!isOAuthProvider(source)) return failed(`No source ${source} is linked this way.`, 404);
  const definition = PROVIDERS[source];
  const state = callback.searchParams.get('state') ?? '';
  if (!/^[A-Za-z0-9_-]{16,200}$/.test(state)) return failed(`This ${definition.name} link is not valid; start again from Connect.`);

  const [pending] = await getDb().delete(providerAuthorizations)
    .where(eq(providerAuthorizations.stateHash, sha256Hex(state)))
    .returning({
      connectSessionId: providerAuthorizations.connectSessionId,
      sourceId: providerAuthorizations.sourceId,
      verifier: providerAuthorizations.codeVerifierEncrypted,
      redirectUri: providerAuthorizations.redirectUri,
      isExpired: sql<boolean>`${providerAuthorizations.expiresAt} < now()`,
    });
  if (!pending) return failed(`This ${definition.name} connection has already finished, expired, or was not started here; start again from Connect.`);
  if (pending.isExpired) return failed(`Connecting ${definition.name} took too long; start again from Connect.`);
  if (pending.sourceId !== source) return failed(`This link was meant for another source; start again from Connect.`);

  const providerError = callback.searchParams.get('error');
  if (providerError) {
    return providerError === 'access_denied'
      ? failed(`You did not allow access to ${definition.name}, so nothing was connected.`, 200)
      : failed(`${definition.name} refused the connection (${providerError.slice(0, 100)}).`, 502);
  }
  if (!callback.searchParams.get('code')) return failed(`${definition.name} sent no authorization code; start again from Connect.`);

  const [who] = await getDb()
    .select({ appId: apps.id, clientId: apps.clientId, userId: users.id, humanId: users.humanId })
    .from(connectSessions)
    .innerJoin(apps, eq(apps.id, connectSessions.appId))
    .innerJoin(users, eq(users.id, connectSessions.userId))
    .where(and(eq(connectSessions.id, pending.connectSessionId), eq(connectSessions.kind, 'widget'), isNull(users.deletedAt)));
  if (!who) return failed('This user no longer exists.', 410);
  const client = await providerClientOf(who.appId, source);
  if (!client) return failed(`This app no longer has ${definition.name} client credentials.`, 409);

  let grant;
  try {
    // The URL the provider redirected to, rebuilt on the registered redirect URI (a proxy in front
    // may have changed the host this server saw).
    const current = new URL(pending.redirectUri);
    current.search = callback.search;
    const verifier = decrypt(pending.verifier);
    grant = await exchangeCode(source, client, current, { state, codeVerifier: verifier || null });
  } catch (error) {
    log.warn({ event: 'oauth.exchange_failed', provider: source, appId: who.appId, err: errorFields(error) }, 'provider code exchange failed');
    return failed(`The connection could not be completed with ${definition.name}; try again.`, 502);
  }

  const caller: EndUserCaller = { kind: 'end-user', via: 'connect', appId: who.appId, clientId: who.clientId, userId: who.userId, humanId: who.humanId };
  try {
    await connectSource(caller, who.clientId, who.humanId, source, grant);
  } catch (error) {
    // The provider issued a grant that will not be kept: it must not outlive this attempt.
    revokeInBackground({ appId: who.appId, connectionId: 0, grant });
    if (error instanceof DomainError && error.status < 500) return failed(error.message, error.status);
    throw error;
  }
  log.info({ event: 'oauth.connected', provider: source, appId: who.appId }, 'provider connected');
  return { status: 'connected', message: `${definition.name} connected.`, httpStatus: 200, source: { id: source, name: definition.name } };
}

/** Forget authorizations whose time is up (a maintenance step; `begin` also clears a few). */
export async function deleteExpiredAuthorizations(): Promise<number> {
  const gone = await getDb().delete(providerAuthorizations).where(lt(providerAuthorizations.expiresAt, sql`now()`)).returning({ id: providerAuthorizations.id });
  return gone.length;
}
