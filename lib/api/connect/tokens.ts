// /v1/connect: the app's server mints Connect tokens for its end users with its client credentials
// (POST /token), and old integrations finalize the v2.1 way (POST /tokens, /publictokens). Server to
// server only: a browser request is refused, so no CORS headers are ever sent here. Errors are
// Human API's `{statusCode, error, message}`.
import { getConnInfo } from '@hono/node-server/conninfo';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { authenticateClient } from '../../apps/apps';
import type { ClientCaller } from '../../auth/caller';
import {
  finalizeSession,
  currentPublicToken,
  mintAccessForUser,
  mintIdTokenForUser,
  mintSessionForUser,
  refreshAccess,
} from '../../connect/tokens';
import { DomainError } from '../../errors';
import { MAX_BODY_BYTES, type ApiLimits } from '../dialect';
import { asDomainError, logFailure } from '../errors';

type ConnectEnv = { Variables: { requestId: string } };

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 410: 'Gone',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export function renderConnectError(c: Context, error: DomainError | null): Response {
  const status = error?.status ?? 500;
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (error?.extra.retryAfterSeconds) headers['Retry-After'] = String(error.extra.retryAfterSeconds);
  return c.json({ statusCode: status, error: REASONS[status] ?? 'Error', message: error?.message ?? 'Something went wrong on our side.' }, status as 400, headers);
}

/**
 * Whether the request comes from a web page. Browsers send Origin on every POST; Sec-Fetch-Mode
 * `navigate`/`no-cors` only from a browser. `cors` alone is not enough: Node's own fetch (undici)
 * sends `Sec-Fetch-Mode: cors` from servers too, but never Sec-Fetch-Site or Sec-Fetch-Dest, which
 * browsers always send with it.
 */
export function isBrowserRequest(c: Context): boolean {
  if (c.req.header('origin') !== undefined) return true;
  const mode = c.req.header('sec-fetch-mode')?.toLowerCase();
  if (mode === 'navigate' || mode === 'no-cors') return true;
  if (mode === 'cors') return c.req.header('sec-fetch-site') !== undefined || c.req.header('sec-fetch-dest') !== undefined;
  return false;
}

// ---- Schemas ---------------------------------------------------------------------------------

const ConnectError = z.object({
  statusCode: z.number().int().openapi({ example: 401 }),
  error: z.string().openapi({ example: 'Unauthorized' }),
  message: z.string(),
}).openapi('ConnectError');

const field = (name: string, max = 2000) => z.string({ error: `${name} must be a string.` }).max(max, `${name} is at most ${max} characters.`);

const TokenRequest = z.object({
  client_id: field('client_id', 100).optional().openapi({ description: 'Your clientId (or send it with the secret in `Authorization: Basic`).', example: '1d129c20acf6fcef9be0b067cc7859d872ed5ade' }),
  client_secret: field('client_secret', 200).optional().openapi({ description: 'Your client secret. Never send it from a browser.' }),
  type: z.enum(['session', 'id', 'id_token', 'access', 'refresh'], { error: 'type must be session, id, access or refresh.' }).optional()
    .openapi({ description: '`session` opens Connect (creating the user if new); `id` relaunches it for an existing user; `access` reads the Data API; `refresh` renews an access token.' }),
  grant_type: z.string().max(50).optional().openapi({ description: 'OAuth style: `refresh_token` is the same as type=refresh.' }),
  client_user_id: field('client_user_id', 255).optional().openapi({ description: "Your id for the user (the user's externalId).", example: 'user-42' }),
  client_user_email: field('client_user_email', 254).optional(),
  refresh_token: field('refresh_token', 200).optional(),
}).openapi('ConnectTokenRequest');

const SessionTokenResponse = z.object({
  session_token: z.string(),
  human_id: z.string(),
  expires_in: z.number().int().openapi({ example: 3600 }),
}).openapi('ConnectSessionToken');
const IdTokenResponse = z.object({ id_token: z.string(), expires_in: z.number().int().openapi({ example: 3600 }) }).openapi('ConnectIdToken');
const AccessTokenResponse = z.object({
  access_token: z.string(),
  expires_in: z.number().int().openapi({ example: 86400 }),
  token_type: z.literal('Bearer'),
  refresh_token: z.string(),
}).openapi('ConnectAccessToken');

const FinalizeRequest = z.object({
  humanId: field('humanId', 64),
  clientId: field('clientId', 100).optional(),
  clientSecret: field('clientSecret', 200).optional(),
  sessionToken: field('sessionToken', 200),
}).openapi('ConnectFinalizeRequest');
const FinalizeResponse = z.object({
  humanId: z.string(), clientId: z.string(), clientUserId: z.string(), accessToken: z.string(), publicToken: z.string(),
}).openapi('ConnectFinalize');
const PublicTokenRequest = z.object({ humanId: field('humanId', 64), clientId: field('clientId', 100).optional(), clientSecret: field('clientSecret', 200).optional() }).openapi('ConnectPublicTokenRequest');
const PublicTokenResponse = z.object({ humanId: z.string(), publicToken: z.string() }).openapi('ConnectPublicToken');

const body = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
});
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = {
  400: json(ConnectError, 'Missing or malformed field'),
  401: json(ConnectError, 'Wrong client_id or client_secret, or an unknown, expired or used token'),
  403: json(ConnectError, 'Sent from a browser (tokens are minted on your server), or the user belongs to another app'),
  413: json(ConnectError, 'Body larger than 1 MB'),
  415: json(ConnectError, 'Body neither JSON nor a form'),
  429: json(ConnectError, 'Too many requests for this client_id, or too many wrong secrets from this address (see Retry-After)'),
  503: json(ConnectError, 'The database is down or restarting (see Retry-After)'),
};
const security = [{ clientCredentials: [] }];
const tags = ['Connect tokens'];

const tokenRoute = createRoute({
  method: 'post', path: '/token', tags, security,
  summary: 'Mint a Connect session, id or Data API access token for one of your users',
  description: 'Server to server: requests from a browser are refused. `client_secret` authenticates your app.',
  request: { body: body(TokenRequest) },
  responses: {
    200: { description: 'The token; its shape depends on `type`', content: { 'application/json': { schema: z.union([SessionTokenResponse, IdTokenResponse, AccessTokenResponse]) } } },
    ...errors,
    404: json(ConnectError, 'type=id or access: no such user in this app (never created, or deleted)'),
    409: json(ConnectError, 'type=access: the user has no connected source yet'),
  },
});
const finalizeRoute = createRoute({
  method: 'post', path: '/tokens', tags, security,
  summary: "v2.1 finalize: the user's long-lived accessToken and publicToken, for a session token you minted",
  request: { body: body(FinalizeRequest) },
  responses: { 200: json(FinalizeResponse, "The user's tokens"), ...errors },
});
const publicTokenRoute = createRoute({
  method: 'post', path: '/publictokens', tags, security,
  summary: "v2.1: the user's current publicToken (it changes when they connect a new source)",
  request: { body: body(PublicTokenRequest) },
  responses: { 200: json(PublicTokenResponse, "The user's publicToken"), ...errors, 404: json(ConnectError, 'No such user in this app') },
});

// ---- Routes ----------------------------------------------------------------------------------

function clientIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Client credentials in `Authorization: Basic` (OAuth's client_secret_basic: form-encoded id and
 * secret), as an alternative to the body's fields.
 */
function basicCredentials(c: Context): { clientId: string; clientSecret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(c.req.header('authorization') ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  try {
    const form = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { clientId: form(decoded.slice(0, colon)), clientSecret: form(decoded.slice(colon + 1)) };
  } catch {
    throw new DomainError('invalid_input', 'The Authorization header is malformed.');
  }
}

/** The JSON or form body the route validated (the other content type's slot holds `{}`). */
function validBody<T>(c: Context, valid: (target: 'json' | 'form') => unknown): T {
  const isForm = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header('content-type') ?? '');
  return valid(isForm ? 'form' : 'json') as T;
}

export function connectTokenRoutes(limits: ApiLimits) {
  const router = new OpenAPIHono<ConnectEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        const first = result.error.issues[0];
        const name = first?.path.join('.') ?? '';
        const message = first?.code === 'invalid_type' && first.input === undefined ? `${name} is required.` : first?.message ?? 'Invalid request.';
        throw new DomainError('invalid_input', name && !message.startsWith(name) ? `${name}: ${message}` : message, { issues });
      }
    },
  });
  router.onError((error, c) => {
    const known = asDomainError(error);
    if (!known || known.kind === 'unavailable') logFailure(error, { method: c.req.method, route: c.req.routePath, requestId: c.get('requestId') });
    return renderConnectError(c, known);
  });
  router.notFound((c) => renderConnectError(c, new DomainError('not_found', `No route ${c.req.method} ${c.req.path}.`)));

  router.use(async (c, next) => {
    if (isBrowserRequest(c)) {
      throw new DomainError('forbidden', 'Connect tokens must be minted on your server with your client secret, never from a browser: call this endpoint from your backend and pass the token to your page.');
    }
    await next();
  });
  router.use(bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new DomainError('payload_too_large', 'The request body is larger than 1 MB.');
    },
  }));

  /**
   * The client credentials: a per-IP gate on failed secrets (the same limiter as App Keys), then
   * the secret, then the per-client_id rate limit.
   */
  async function authenticate(c: Context, bodyClientId: string | undefined, bodySecret: string | undefined): Promise<ClientCaller> {
    const basic = basicCredentials(c);
    const clientId = basic?.clientId ?? bodyClientId;
    const clientSecret = basic?.clientSecret ?? bodySecret;
    if (!clientId) throw new DomainError('invalid_input', 'client_id is required.');
    if (!clientSecret) throw new DomainError('invalid_input', 'client_secret is required.');
    const ip = `ip:${clientIp(c)}`;
    const gate = await limits.authFailures.check(ip);
    if (!gate.allowed) {
      throw new DomainError('rate_limited', `Too many wrong client secrets from this address; retry in ${gate.retryAfterSeconds} s.`, { retryAfterSeconds: gate.retryAfterSeconds });
    }
    const caller = await authenticateClient(clientId, clientSecret);
    if (!caller) {
      await limits.authFailures.fail(ip);
      throw new DomainError('unauthorized', 'The client_id or client_secret is wrong.');
    }
    const verdict = await limits.perKey.take(`client:${caller.clientId}`);
    if (!verdict.allowed) {
      throw new DomainError('rate_limited', `Too many requests for this client_id; retry in ${verdict.retryAfterSeconds} s.`, { retryAfterSeconds: verdict.retryAfterSeconds });
    }
    return caller;
  }

  router.openapi(tokenRoute, async (c) => {
    const input = validBody<z.infer<typeof TokenRequest>>(c, (t) => c.req.valid(t as 'json'));
    const type = input.type ?? (input.grant_type === 'refresh_token' ? 'refresh' : undefined);
    if (!type) throw new DomainError('invalid_input', 'type is required: session, id, access or refresh.');
    const externalId = input.client_user_id;
    if (type !== 'refresh' && !externalId) throw new DomainError('invalid_input', 'client_user_id is required.');
    if (type === 'refresh' && !input.refresh_token) throw new DomainError('invalid_input', 'refresh_token is required.');
    const caller = await authenticate(c, input.client_id, input.client_secret);
    switch (type) {
      case 'session': {
        const minted = await mintSessionForUser(caller, caller.clientId, { externalId: externalId!, ...(input.client_user_email ? { email: input.client_user_email } : {}) });
        return c.json({ session_token: minted.sessionToken, human_id: minted.humanId, expires_in: minted.expiresIn }, 200);
      }
      case 'id':
      case 'id_token': {
        const minted = await mintIdTokenForUser(caller, caller.clientId, { externalId: externalId! });
        return c.json({ id_token: minted.idToken, expires_in: minted.expiresIn }, 200);
      }
      case 'access':
      case 'refresh': {
        const minted = type === 'access'
          ? await mintAccessForUser(caller, caller.clientId, { externalId: externalId! })
          : await refreshAccess(caller, input.refresh_token!);
        return c.json({ access_token: minted.accessToken, expires_in: minted.expiresIn, token_type: 'Bearer' as const, refresh_token: minted.refreshToken }, 200);
      }
    }
  });

  router.openapi(finalizeRoute, async (c) => {
    const input = validBody<z.infer<typeof FinalizeRequest>>(c, (t) => c.req.valid(t as 'json'));
    for (const name of ['humanId', 'sessionToken'] as const) {
      if (input[name] === undefined) throw new DomainError('invalid_input', `${name} is required.`);
    }
    const caller = await authenticate(c, input.clientId, input.clientSecret);
    return c.json(await finalizeSession(caller, { humanId: input.humanId, sessionToken: input.sessionToken }), 200);
  });

  router.openapi(publicTokenRoute, async (c) => {
    const input = validBody<z.infer<typeof PublicTokenRequest>>(c, (t) => c.req.valid(t as 'json'));
    if (input.humanId === undefined) throw new DomainError('invalid_input', 'humanId is required.');
    const caller = await authenticate(c, input.clientId, input.clientSecret);
    return c.json(await currentPublicToken(caller, input.humanId), 200);
  });

  return router;
}
