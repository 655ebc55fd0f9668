// Oura's OAuth2 as plain data, for the provider table of lib/sources/oauth (the integrator merges it
// there). From Oura's authentication page (https://cloud.ouraring.com/docs/authentication) and the
// OpenAPI document of API v2 (https://cloud.ouraring.com/v2/docs), read 2026-12.

/** Where Oura answers in production; the config overrides both (test stand-ins, proxies). */
export const OURA_AUTH_BASE_URL = 'https://cloud.ouraring.com';
export const OURA_API_BASE_URL = 'https://api.ouraring.com';

/**
 * The scopes the connector needs: `daily` (daily_activity and sleep), `heartrate` and `spo2`
 * (daily_spo2). Oura publishes eight: email, personal, daily, heartrate, workout, tag, session and
 * the SpO2 one, which the OpenAPI document and the newer authentication page spell `spo2Daily` but
 * the older page, Oura's own consent screen and every client library we found spell `spo2`; we ask
 * for `spo2`. Users may switch each scope off on Oura's consent screen: the connector then skips
 * the collections Oura refuses (403) instead of failing the whole sync.
 */
export const OURA_SCOPES = ['daily', 'heartrate', 'spo2'] as const;

export type OuraEndpoints = {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  /** Data lives under `${apiBaseUrl}/v2/usercollection/…`. */
  apiBaseUrl: string;
};

/** Oura's endpoints under the given base URLs (production when none are given). */
export function ouraEndpoints(bases: { authBaseUrl?: string; apiBaseUrl?: string } = {}): OuraEndpoints {
  const auth = (bases.authBaseUrl ?? OURA_AUTH_BASE_URL).replace(/\/+$/, '');
  const api = (bases.apiBaseUrl ?? OURA_API_BASE_URL).replace(/\/+$/, '');
  return {
    authorizationEndpoint: `${auth}/oauth/authorize`,
    tokenEndpoint: `${api}/oauth/token`,
    revocationEndpoint: `${api}/oauth/revoke`,
    apiBaseUrl: api,
  };
}

/** How Wearhouse talks OAuth2 to Oura. */
export const OURA_PROVIDER = {
  id: 'oura',
  /** Space separated in the authorize request's `scope`. */
  scopes: OURA_SCOPES,
  scopeSeparator: ' ',
  /**
   * Oura documents the plain server-side authorization code flow with a client secret and says
   * nothing of PKCE; its stand-in verifies a code_verifier when a code_challenge was sent, so
   * sending one is harmless, but Oura's own documentation gives no guarantee it checks it.
   */
  pkce: false,
  /** client_id and client_secret as form fields of the token request (Oura's examples). */
  tokenEndpointAuthMethod: 'client_secret_post' as const,
  /** Access tokens live `expires_in` seconds (a day at Oura); refresh tokens are single-use:
   * every refresh answers a new refresh token and the old one stops working. */
  refreshTokenRotates: true,
  /** Revocation is `GET {revocationEndpoint}?access_token=…` (Oura's example; no client auth). */
  revocation: { method: 'GET' as const, tokenParameter: 'access_token' },
  /** Oura's rate limit: 5,000 requests per 5 minutes, answered with 429 and Retry-After (seconds). */
  rateLimit: { requests: 5_000, windowSeconds: 300 },
} as const;
