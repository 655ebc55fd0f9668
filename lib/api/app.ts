// The public HTTP API (everything under /v1, /app, the health checks and /openapi.json), served by
// Hono in front of Next.js. Each dialect lives in its own folder and renders domain errors in its
// own body; this file assembles them, the OpenAPI document, and what every response shares.
import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { config } from '../config';
import { DomainError } from '../errors';
import { requestLog } from '../log';
import { dataRoutes } from './data/router';
import { baseUrlOf, presetHeaders, renderFailure, REQUEST_ID, type ApiEnv } from './dialect';
import { logFailure } from './errors';
import { connectOidcRoutes } from './connect/oidc';
import { connectTokenRoutes } from './connect/tokens';
import { connectRoutes } from './connect/widget';
import { healthRoutes, type Readiness } from './health';
import { fastGetUser } from './human/fast-get-user';
import { humanDialect, humanRoutes } from './human/users';
import { ngrokDialect, ngrokRoutes } from './ngrok/users';
import { attemptLimiter, limiterFromConfig, type AttemptLimiter, type RateLimiter } from './rate-limit';

/**
 * Every path the API owns; the HTTP server hands everything else to Next.js. The API owns the
 * /v1 and /app namespaces whole (an unknown path there gets the API's JSON 404, not a portal
 * page), plus three single paths. Inside a namespace, each router is mounted at its own prefix and
 * authenticates its own kind of credential, so routers for other credentials (client credentials
 * at /v1/connect, user tokens at /v1/human) can be mounted beside them.
 */
export const API_PATHS = {
  namespaces: ['/v1', '/app', '/connect'],
  exact: ['/healthz', '/readyz', '/openapi.json'],
} as const;

/** The routers, by the prefix they are mounted at and the credential they require. */
export const API_ROUTERS = {
  /** Human API dialect: App Key (Basic auth). */
  humanApps: '/v1/apps',
  /** ngrok dialect: App Key (Bearer) and Ngrok-Version: 2. */
  ngrokUsers: '/app',
  /** Connect tokens: the app's client credentials, server to server only. */
  connectTokens: '/v1/connect',
  /** End-user sign-in for Connect (the widget's session; the provider's redirect). */
  connectOidc: '/connect/oidc',
  /** Data API: one end user's token (Bearer, or ?access_token=). */
  data: '/v1/human',
} as const;

export function isApiPath(pathname: string): boolean {
  if ((API_PATHS.exact as readonly string[]).includes(pathname)) return true;
  return API_PATHS.namespaces.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}


export type ApiOptions = {
  readiness: Readiness;
  /** Defaults to WEARHOUSE_RATE_LIMIT / WEARHOUSE_RATE_BURST, through Redis when REDIS_URL is set. */
  limiter?: RateLimiter;
  /** Defaults to WEARHOUSE_AUTH_FAILURE_LIMIT failed authentications per client IP per minute. */
  authFailures?: AttemptLimiter;
};

export function createApi({ readiness, limiter, authFailures }: ApiOptions) {
  const settings = config();
  const rateLimiter = limiter ?? limiterFromConfig({ rate: settings.WEARHOUSE_RATE_LIMIT, burst: settings.WEARHOUSE_RATE_BURST }, { url: settings.REDIS_URL, prefix: settings.WEARHOUSE_REDIS_PREFIX });
  const failureLimiter = authFailures ??
    attemptLimiter({ attempts: settings.WEARHOUSE_AUTH_FAILURE_LIMIT, windowSeconds: 60 }, { redisUrl: settings.REDIS_URL, prefix: `${settings.WEARHOUSE_REDIS_PREFIX}auth-failures:` });
  const limits = { perKey: rateLimiter, authFailures: failureLimiter };

  const api = new OpenAPIHono<ApiEnv>();
  // One log line per request: its id (also sent back as X-Request-Id), the matched route pattern
  // (not the path: no ids, no query string with an externalId or email in it), status and duration.
  // Never headers or bodies: they carry App Keys and personal data.
  api.use(async (c, next) => {
    const started = performance.now();
    const presented = c.req.header('x-request-id');
    const requestId = presented && REQUEST_ID.test(presented) ? presented : randomUUID();
    c.set('requestId', requestId);
    // Set before the handler runs: setting headers on a finished response makes Hono rebuild it
    // as a streamed one (about a fifth of the CPU of GET one user, measured by bench:api).
    presetHeaders(c, { 'Cache-Control': 'no-store', 'X-Request-Id': requestId });
    await next();
    requestLog.info({ requestId, method: c.req.method, route: c.req.routePath, status: c.res.status, durationMs: Math.round((performance.now() - started) * 10) / 10 }, 'request');
  });
  api.route('/', healthRoutes(readiness));
  api.route(API_ROUTERS.humanApps, humanRoutes(limits));
  api.route(API_ROUTERS.ngrokUsers, ngrokRoutes(limits));
  api.route(API_ROUTERS.connectTokens, connectTokenRoutes(limits));
  api.route(API_ROUTERS.data, dataRoutes(limits));
  // Before the widget's /connect router: the more specific prefix first.
  api.route(API_ROUTERS.connectOidc, connectOidcRoutes());
  // The Connect widget (its pages, JSON endpoints and assets); authenticates the widget token itself.
  api.route('/connect', connectRoutes());

  api.openAPIRegistry.registerComponent('securitySchemes', 'appKeyBasic', {
    type: 'http',
    scheme: 'basic',
    description: 'The App Key as username and an empty password: `curl -u <App Key>: …`.',
  });
  api.openAPIRegistry.registerComponent('securitySchemes', 'appKeyBearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'The App Key as bearer token. The ngrok dialect also requires `Ngrok-Version: 2`.',
  });
  api.openAPIRegistry.registerComponent('securitySchemes', 'clientCredentials', {
    type: 'http',
    scheme: 'basic',
    description: 'Your clientId and client secret, as `Authorization: Basic` or as the body fields `client_id`/`client_secret` ' +
      '(`clientId`/`clientSecret` on the v2.1 endpoints). From your server only: requests from a browser are refused.',
  });
  const documentHeader = (c: Context) => ({
    openapi: '3.1.0',
    info: {
      title: 'Wearhouse Application API',
      version: '1.0.0',
      description:
        "Manage an app's users from your servers, in two dialects: Human API's (`/v1/apps/{clientId}/users`) " +
        "and ngrok's application users (`/app/users`), each request authenticated with one of the app's App Keys; " +
        "and read one user's own data through the Data API (`/v1/human`) with that user's access token.",
    },
    servers: [{ url: baseUrlOf(c) }],
  });
  api.get('/openapi.json', (c) => {
    try {
      return c.json(api.getOpenAPI31Document(documentHeader(c)));
    } catch (error) {
      logFailure(error, { method: 'GET', route: '/openapi.json', requestId: c.get('requestId') });
      return c.json({ statusCode: 500, error: 'Internal Server Error', message: 'The OpenAPI document could not be generated.' }, 500);
    }
  });

  api.notFound((c) => {
    const error = new DomainError('not_found', `No route ${c.req.method} ${c.req.path}.`);
    if (c.req.path.startsWith('/app')) return ngrokDialect.renderError(c, error);
    return humanDialect.renderError(c, error);
  });
  const isUnder = (pathname: string, prefix: string) => pathname === prefix || pathname.startsWith(`${prefix}/`);
  api.onError((error, c) => {
    // The dialect routers leave their errors to this handler (see createDialectRouter).
    if (isUnder(c.req.path, API_ROUTERS.humanApps)) return renderFailure(humanDialect, error, c);
    if (isUnder(c.req.path, API_ROUTERS.ngrokUsers)) return renderFailure(ngrokDialect, error, c);
    logFailure(error, { method: c.req.method, route: c.req.routePath, requestId: c.get('requestId') });
    return c.json({ statusCode: 500, error: 'Internal Server Error', message: 'Something went wrong on our side.' }, 500);
  });
  return Object.assign(api, {
    /**
     * For the Node server: GET one user answered without Hono (./human/fast-get-user), anything
     * else passed to `router`, the Hono app's Node listener. Same answers either way.
     */
    serveNode: fastGetUser(limits),
    close: async () => void (await Promise.all([rateLimiter.close(), failureLimiter.close()])),
  });
}
