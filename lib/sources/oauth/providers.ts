// The OAuth2 providers Wearhouse syncs from, as data: where their consent page, token, revocation
// and data endpoints are (from their public documentation), which scopes we ask for and how the
// client authenticates. Base URLs can be moved by configuration, for proxies and test stand-ins.
//
// Fitbit Web API: https://dev.fitbit.com/build/reference/web-api/developer-guide/authorization
//   (authorization code with PKCE, client authentication Basic, RFC 7009 revocation at /oauth2/revoke,
//   refresh tokens single-use, 150 requests per user and hour with fitbit-rate-limit-* headers).
// Oura API v2: https://cloud.ouraring.com/v2/docs#section/Authentication
//   (authorization code, client id and secret in the token request body; revocation by
//   GET /oauth/revoke?access_token=…).
import { config, type Config } from '../../config';

export const OAUTH_PROVIDER_IDS = ['fitbit', 'oura'] as const;
export type OAuthProviderId = (typeof OAUTH_PROVIDER_IDS)[number];

export type ProviderDefinition = {
  id: OAuthProviderId;
  name: string;
  /** The consent page's origin (and path prefix); WEARHOUSE_<ID>_AUTH_URL replaces it. */
  authBaseUrl: string;
  /** The data API's origin, also serving the token and revocation endpoints; WEARHOUSE_<ID>_API_URL replaces it. */
  apiBaseUrl: string;
  authorizePath: string;
  tokenPath: string;
  revokePath: string;
  scopes: string[];
  usesPkce: boolean;
  /** How the client proves itself at the token endpoint: HTTP Basic, or id and secret in the body. */
  clientAuthentication: 'basic' | 'post';
  /** RFC 7009 (POST token=…, client authenticated), or Oura's GET with the access token in the query. */
  revocation: 'rfc7009' | 'access-token-query';
  /** A header saying in how many seconds the rate limit resets, used when a 429 has no Retry-After. */
  rateLimitResetHeader?: string;
  /** Where a developer registers an app with the provider (shown in the portal). */
  developerConsoleUrl: string;
};

export const PROVIDERS: Record<OAuthProviderId, ProviderDefinition> = {
  fitbit: {
    id: 'fitbit',
    name: 'Fitbit',
    authBaseUrl: 'https://www.fitbit.com',
    apiBaseUrl: 'https://api.fitbit.com',
    authorizePath: '/oauth2/authorize',
    tokenPath: '/oauth2/token',
    revokePath: '/oauth2/revoke',
    scopes: ['activity', 'heartrate', 'sleep', 'weight', 'profile'],
    usesPkce: true,
    clientAuthentication: 'basic',
    revocation: 'rfc7009',
    rateLimitResetHeader: 'fitbit-rate-limit-reset',
    developerConsoleUrl: 'https://dev.fitbit.com/apps',
  },
  oura: {
    id: 'oura',
    name: 'Oura',
    authBaseUrl: 'https://cloud.ouraring.com',
    apiBaseUrl: 'https://api.ouraring.com',
    authorizePath: '/oauth/authorize',
    tokenPath: '/oauth/token',
    revokePath: '/oauth/revoke',
    // What the Oura connector reads (daily_activity and sleep, heart rate, daily SpO2), nothing more.
    // The SpO2 scope is `spo2Daily` in Oura's OpenAPI document but `spo2` on its older authentication
    // page, its consent screen and in every client library found: we ask for `spo2`. Users may switch
    // scopes off on the consent screen; the connector then skips the collections Oura refuses (403).
    scopes: ['daily', 'heartrate', 'spo2'],
    usesPkce: false,
    clientAuthentication: 'post',
    revocation: 'access-token-query',
    developerConsoleUrl: 'https://cloud.ouraring.com/oauth/applications',
  },
};

/** Where a provider sends the user back: /connect/callback/{source}, registered with the provider. */
export const callbackPath = (provider: OAuthProviderId) => `/connect/callback/${provider}`;

export const isOAuthProvider = (id: string): id is OAuthProviderId => (OAUTH_PROVIDER_IDS as readonly string[]).includes(id);

export type ProviderEndpoints = { authorizeUrl: string; tokenUrl: string; revokeUrl: string; apiBaseUrl: string };

/** `path` under `base`, keeping a path prefix the base may have (a proxy at https://proxy/fitbit). */
export function underBase(base: string, path: string): string {
  return new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`).href;
}

/** The provider's endpoints as configured now. */
export function providerEndpoints(id: OAuthProviderId, settings: Config = config()): ProviderEndpoints {
  const provider = PROVIDERS[id];
  const overrides = {
    fitbit: { auth: settings.WEARHOUSE_FITBIT_AUTH_URL, api: settings.WEARHOUSE_FITBIT_API_URL },
    oura: { auth: settings.WEARHOUSE_OURA_AUTH_URL, api: settings.WEARHOUSE_OURA_API_URL },
  }[id];
  const authBase = overrides.auth ?? provider.authBaseUrl;
  const apiBase = overrides.api ?? provider.apiBaseUrl;
  return {
    authorizeUrl: underBase(authBase, provider.authorizePath),
    tokenUrl: underBase(apiBase, provider.tokenPath),
    revokeUrl: underBase(apiBase, provider.revokePath),
    apiBaseUrl: apiBase.replace(/\/$/, ''),
  };
}
