// The ngrok dialect of the Application API: /app/users, `Authorization: Bearer <App Key>`,
// `Ngrok-Version: 2`, snake_case ApplicationUser objects, before_id/limit paging and ngrok's error
// body, so the official ngrok API clients work with only their base URL changed.
import { randomBytes } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DomainError } from '../../errors';
import { HUMAN_ID_PATTERN } from '../../users/human-id';
import { deleteUser, getUser, listUsers, type User } from '../../users/users';
import { baseUrlOf, createDialectRouter, type ApiLimits, integerQueryParam, type ApiContext, type Dialect } from '../dialect';

/**
 * The error code is the HTTP status (`ERR_WEARHOUSE_429` for 429), so that the code and the status
 * never disagree; which check failed is in `msg` and, for a bad parameter, `details.param`.
 */
const errorCode = (status: number) => `ERR_WEARHOUSE_${status}`;

class VersionError extends DomainError {
  constructor(message: string) {
    super('invalid_input', message);
  }
}

export const ngrokDialect: Dialect = {
  precondition(c) {
    const version = c.req.header('ngrok-version');
    if (version === undefined) throw new VersionError('The Ngrok-Version header is required; this API speaks version 2.');
    if (version.trim() !== '2') throw new VersionError(`Ngrok-Version ${version} is not supported; this API speaks version 2.`);
  },
  presentedKey(c) {
    const match = c.req.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i);
    return match?.[1] ?? null;
  },
  renderError(c, error) {
    const status = error?.status ?? 500;
    const operationId = `op_${randomBytes(12).toString('base64url')}`;
    const details: Record<string, string> = { operation_id: operationId };
    if (error instanceof VersionError) details.param = 'Ngrok-Version';
    else if (error?.extra.issues?.[0]?.path) details.param = error.extra.issues[0].path;
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', 'Ngrok-Operation-Id': operationId };
    if (error?.extra.retryAfterSeconds) headers['Retry-After'] = String(error.extra.retryAfterSeconds);
    return c.json(
      { error_code: errorCode(status), status_code: status, msg: error?.message ?? 'Something went wrong on our side.', details },
      status as 400,
      headers,
    );
  },
};

// ---- Schemas ---------------------------------------------------------------------------------

const IdentityProvider = z.object({
  name: z.string().openapi({ example: 'Google' }),
  url: z.string().nullable().openapi({ example: 'https://accounts.google.com' }),
}).openapi('IdentityProvider');

const ApplicationUser = z
  .object({
    id: z.string().openapi({ description: 'The humanId.', example: '0193a1c4e5f80123456789abcdef0123' }),
    uri: z.string().openapi({ format: 'uri' }),
    identity_provider: IdentityProvider,
    provider_user_id: z.string().nullable(),
    username: z.string().nullable(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    created_at: z.string().openapi({ format: 'date-time' }),
    last_active: z.string().nullable().openapi({ format: 'date-time' }),
    last_login: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('ApplicationUser');

const ApplicationUserList = z
  .object({
    application_users: z.array(ApplicationUser),
    uri: z.string().openapi({ format: 'uri' }),
    next_page_uri: z.string().nullable().openapi({ format: 'uri' }),
  })
  .openapi('ApplicationUserList');

const NgrokError = z
  .object({
    error_code: z.string().openapi({ example: 'ERR_WEARHOUSE_404' }),
    status_code: z.number().int().openapi({ example: 404 }),
    msg: z.string(),
    details: z.record(z.string(), z.string()).openapi({ example: { operation_id: 'op_2a9Xc…' } }),
  })
  .openapi('NgrokError');

const Id = z.string().regex(HUMAN_ID_PATTERN, 'id is 32 hexadecimal characters.')
  .openapi({ param: { name: 'id', in: 'path' }, example: '0193a1c4e5f80123456789abcdef0123' });
// Required, as the precondition above enforces (before validation, so with the ngrok error code for
// versions). The parameter's name must be the key Hono validates: header names are lower case there.
const VersionHeader = z.object({
  'ngrok-version': z.enum(['2']).openapi({ param: { name: 'ngrok-version', in: 'header' }, description: 'Ngrok-Version: the API version, 2.' }),
});

const ListQuery = z.object({
  before_id: Id.optional().openapi({ param: { name: 'before_id', in: 'query' }, description: 'Only users older than this id.' }),
  // The official TypeScript client sends `beforeId`: accept it as the same thing.
  beforeId: Id.optional().openapi({ param: { name: 'beforeId', in: 'query' }, description: 'Alias of before_id.' }),
  limit: integerQueryParam('limit', { min: 1, max: 100, default: 100, description: 'Users per page (1–100).' }),
});

const errorResponses = {
  400: { description: 'Missing or unsupported Ngrok-Version, malformed id or paging value', content: { 'application/json': { schema: NgrokError } } },
  401: { description: 'Missing, unknown or revoked App Key', content: { 'application/json': { schema: NgrokError } } },
  413: { description: 'Request body larger than 1 MB', content: { 'application/json': { schema: NgrokError } } },
  429: { description: 'Rate limit for this App Key exceeded, or too many invalid App Keys from this address (see Retry-After)', content: { 'application/json': { schema: NgrokError } } },
  503: { description: 'The database is down or restarting (see Retry-After)', content: { 'application/json': { schema: NgrokError } } },
};
const notFound = { 404: { description: 'No such user in this app', content: { 'application/json': { schema: NgrokError } } } };
const security = [{ appKeyBearer: [] }];
const tags = ['ngrok dialect'];

const listRoute = createRoute({
  method: 'get', path: '/users', tags, security,
  summary: "List the app's users, newest first",
  request: { query: ListQuery, headers: VersionHeader },
  responses: { 200: { description: 'A page of users', content: { 'application/json': { schema: ApplicationUserList } } }, ...errorResponses },
});
const getRoute = createRoute({
  method: 'get', path: '/users/{id}', tags, security,
  summary: 'Get an application user by id',
  request: { params: z.object({ id: Id }), headers: VersionHeader },
  responses: { 200: { description: 'The user', content: { 'application/json': { schema: ApplicationUser } } }, ...errorResponses, ...notFound },
});
const deleteRoute = createRoute({
  method: 'delete', path: '/users/{id}', tags, security,
  summary: 'Delete an application user with all their data',
  request: { params: z.object({ id: Id }), headers: VersionHeader },
  responses: { 204: { description: 'Deleted; empty body' }, ...errorResponses, ...notFound },
});

// ---- Serialisation ---------------------------------------------------------------------------

function toApplicationUser(c: ApiContext, user: User) {
  const base = baseUrlOf(c);
  return {
    id: user.humanId,
    uri: `${base}/app/users/${user.humanId}`,
    // Users who signed up with the developer's own accounts: the app is their identity provider.
    identity_provider: user.identityProvider ?? { name: c.get('caller').appName, url: base },
    provider_user_id: user.identityProvider ? user.providerUserId : user.externalId,
    username: user.username,
    email: user.email,
    name: user.name,
    created_at: user.createdAt.toISOString(),
    last_active: user.lastActiveAt?.toISOString() ?? null,
    last_login: user.lastLoginAt?.toISOString() ?? null,
  };
}

function listUri(c: Context) {
  const url = new URL(c.req.url);
  return `${baseUrlOf(c)}${url.pathname}${url.search}`;
}

// ---- Routes ----------------------------------------------------------------------------------

export function ngrokRoutes(limits: ApiLimits) {
  const router = createDialectRouter(ngrokDialect, limits);

  router.openapi(listRoute, async (c) => {
    const query = c.req.valid('query');
    const caller = c.get('caller');
    const page = await listUsers(caller, caller.clientId, { limit: query.limit, beforeHumanId: query.before_id ?? query.beforeId });
    const last = page.users.at(-1);
    return c.json(
      {
        application_users: page.users.map((user) => toApplicationUser(c, user)),
        uri: listUri(c),
        next_page_uri: page.hasMore && last ? `${baseUrlOf(c)}/app/users?before_id=${last.humanId}&limit=${query.limit}` : null,
      },
      200,
    );
  });

  router.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(toApplicationUser(c, await getUser(c.get('caller'), c.get('caller').clientId, id)), 200);
  });

  router.openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid('param');
    await deleteUser(c.get('caller'), c.get('caller').clientId, id, { ip: c.get('ip') });
    return c.body(null, 204);
  });

  return router;
}
