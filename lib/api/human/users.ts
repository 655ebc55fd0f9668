// The Human API dialect of the Application API: /v1/apps/{clientId}/users, Basic auth with the App
// Key as username, bare JSON arrays, Link-header paging, Boom-style error bodies.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { CLIENT_ID_PATTERN } from '../../apps/access';
import { DomainError } from '../../errors';
import { HUMAN_ID_PATTERN } from '../../users/human-id';
import { createUser, deleteUser, getUserSummary, listUsers, MAX_PAGE_SIZE, NewUserInput, type UserSummary } from '../../users/users';
import { IMPORT_UPLOAD_PATH, registerImportRoutes } from './imports';
import { registerBatchRoutes } from './batch';
import { ClientId, errors, HumanError, security, Since, tags } from './common';
import { baseUrlOf, createDialectRouter, type ApiLimits, integerQueryParam, type Dialect } from '../dialect';

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Human API's Boom-style error: status, body and headers (the Hono router and the fast path share it). */
export function humanError(error: DomainError | null): { status: number; body: { statusCode: number; error: string; message: string }; headers: Record<string, string> } {
  const status = error?.status ?? 500;
  const body = {
    statusCode: status,
    error: REASONS[status] ?? 'Error',
    message: error?.message ?? 'Something went wrong on our side.',
  };
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (status === 401) headers['WWW-Authenticate'] = 'Basic realm="Wearhouse"';
  if (error?.extra.retryAfterSeconds) headers['Retry-After'] = String(error.extra.retryAfterSeconds);
  return { status, body, headers };
}

/** The App Key in an `Authorization: Basic` header (the key as username), or null. */
export function basicAppKey(header: string | undefined): string | null {
  const match = header?.match(/^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return key || null;
}

export const humanDialect: Dialect = {
  presentedKey: (c) => basicAppKey(c.req.header('authorization')),
  renderError(c, error) {
    const { status, body, headers } = humanError(error);
    return c.json(body, status as 400, headers);
  },
};

// ---- Schemas (they validate requests and produce the OpenAPI document) -----------------------

const HumanUser = z
  .object({
    humanId: z.string().openapi({ example: '0a34dca6b9fe0b2361038bd371d96539' }),
    externalId: z.string().openapi({ example: 'user@example.com' }),
    appId: z.string().openapi({ description: 'The app\'s clientId.', example: '1d129c20acf6fcef9be0b067cc7859d872ed5ade' }),
    createdAt: z.string().openapi({ format: 'date-time', example: '2013-12-28T18:46:10.436Z' }),
    updatedAt: z.string().openapi({ format: 'date-time', example: '2013-12-29T05:05:50.601Z' }),
  })
  .openapi('HumanUser');

const HumanId = z.string().regex(HUMAN_ID_PATTERN, 'humanId is 32 hexadecimal characters.')
  .openapi({ param: { name: 'humanId', in: 'path' }, example: '0a34dca6b9fe0b2361038bd371d96539' });

/**
 * The deepest offset served: OFFSET reads and throws away every row it skips, so at a million users
 * a deep page takes seconds and, on the single-threaded embedded engine, stalls every other app.
 * Deeper pages are reached through the before_id cursor, an index range scan at any depth.
 */
export const MAX_OFFSET = 10_000;

const ListQuery = z.object({
  limit: integerQueryParam('limit', { min: 1, max: MAX_PAGE_SIZE, default: 50, description: `Users per page (1–${MAX_PAGE_SIZE}).` }),
  offset: integerQueryParam('offset', {
    min: 0, max: MAX_OFFSET, default: 0,
    description: `How many users to skip (up to ${MAX_OFFSET}; page further with the \`Link\` header's next URL, which carries a before_id cursor).`,
    tooLarge: "To page further, follow the Link header's next URL: past that depth it carries a before_id cursor, which stays fast at any depth.",
  }),
  before_id: z.string().regex(HUMAN_ID_PATTERN, 'before_id is a humanId: 32 hexadecimal characters.').optional()
    .openapi({ param: { name: 'before_id', in: 'query' }, description: 'Only users listed after this humanId (a cursor from a Link header or next_page_uri).' }), // no example: Scalar's console would send it and list nothing
  external_id: z.string().min(1, 'external_id must be 1 to 255 characters.').max(255, 'external_id must be 1 to 255 characters.').optional()
    .openapi({ param: { name: 'external_id', in: 'query' }, description: 'Only the user with this externalId.' }),
  created_since: Since.optional()
    .openapi({ param: { name: 'created_since', in: 'query' }, type: 'string', description: 'Only users created at or after this time.', example: '20131228T184610Z' }),
  updated_since: Since.optional()
    .openapi({ param: { name: 'updated_since', in: 'query' }, type: 'string', description: 'Only users updated at or after this time.', example: '2013-12-28T18:46:10Z' }),
});

const notFound = { 404: { description: 'No such user in this app', content: { 'application/json': { schema: HumanError } } } };

const listRoute = createRoute({
  method: 'get', path: '/{clientId}/users', tags, security,
  summary: "List an app's users, newest first",
  request: { params: z.object({ clientId: ClientId }), query: ListQuery },
  responses: {
    200: {
      description: 'A page of users. `Link` names the next and previous pages.',
      headers: z.object({ Link: z.string().optional().openapi({ example: '<https://host/v1/apps/…/users?limit=50&offset=50>; rel="next"' }) }),
      content: { 'application/json': { schema: z.array(HumanUser) } },
    },
    ...errors,
  },
});

/** GET one user's route pattern, as the request log names it (also served by ./fast-get-user). */
export const GET_USER_ROUTE = '/v1/apps/:clientId/users/:humanId';

const getRoute = createRoute({
  method: 'get', path: '/{clientId}/users/{humanId}', tags, security,
  summary: 'Get one user',
  request: { params: z.object({ clientId: ClientId, humanId: HumanId }) },
  responses: { 200: { description: 'The user', content: { 'application/json': { schema: HumanUser } } }, ...errors, ...notFound },
});

// NewUserInput is plain zod, built before or after @hono/zod-openapi extends zod depending on import
// order, so its fields may lack .openapi(); the example goes on this schema, which always has it.
const NewUserBody = z
  .object({ externalId: NewUserInput.shape.externalId })
  .openapi('HumanNewUser', { example: { externalId: 'user@example.com' } });

const createRouteDef = createRoute({
  method: 'post', path: '/{clientId}/users', tags, security,
  summary: 'Create a user (idempotent by externalId)',
  request: {
    params: z.object({ clientId: ClientId }),
    body: {
      content: {
        'application/json': { schema: NewUserBody },
        'application/x-www-form-urlencoded': { schema: NewUserBody },
        'multipart/form-data': { schema: NewUserBody },
      },
    },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: HumanUser } } },
    200: { description: 'A user with this externalId existed already; it is returned unchanged', content: { 'application/json': { schema: HumanUser } } },
    ...errors,
    415: { description: 'Body neither JSON nor a form', content: { 'application/json': { schema: HumanError } } },
  },
});

const deleteRoute = createRoute({
  method: 'delete', path: '/{clientId}/users/{humanId}', tags, security,
  summary: 'Delete a user with all their connections, readings, sessions and tokens',
  request: { params: z.object({ clientId: ClientId, humanId: HumanId }) },
  responses: { 204: { description: 'Deleted; empty body' }, ...errors, ...notFound },
});

// ---- Serialisation ---------------------------------------------------------------------------

/** Exactly Human API's user object, keys in its order. */
export const toHumanUser = (user: UserSummary) => ({
  humanId: user.humanId,
  externalId: user.externalId,
  appId: user.clientId,
  createdAt: user.createdAt.toISOString(),
  updatedAt: user.updatedAt.toISOString(),
});

/**
 * Human API's `Link` header. Pages link by offset while the next one is within MAX_OFFSET, and by
 * a before_id cursor (the last humanId listed) past it or once the request itself used a cursor;
 * a cursor page has no "prev" link (going back would need the page's first humanId in reverse).
 */
function linkHeader(c: Context, page: { offset: number; limit: number; beforeId?: string; lastHumanId?: string; hasMore: boolean }): string | undefined {
  const url = new URL(c.req.url);
  const link = (params: { offset: number; beforeId?: string }) => {
    const target = new URL(`${baseUrlOf(c)}${url.pathname}${url.search}`);
    target.searchParams.set('offset', String(params.offset));
    target.searchParams.set('limit', String(page.limit));
    if (params.beforeId) target.searchParams.set('before_id', params.beforeId);
    else target.searchParams.delete('before_id');
    return target.toString();
  };
  const links: string[] = [];
  if (page.hasMore) {
    const byOffset = !page.beforeId && page.offset + page.limit <= MAX_OFFSET;
    links.push(`<${byOffset ? link({ offset: page.offset + page.limit }) : link({ offset: 0, beforeId: page.lastHumanId })}>; rel="next"`);
  }
  if (page.offset > 0 && !page.beforeId) links.push(`<${link({ offset: Math.max(0, page.offset - page.limit) })}>; rel="prev"`);
  return links.length ? links.join(', ') : undefined;
}

// ---- Routes ----------------------------------------------------------------------------------

export function humanRoutes(limits: ApiLimits) {
  const router = createDialectRouter(humanDialect, limits, { streamedBodyPaths: IMPORT_UPLOAD_PATH });

  router.openapi(listRoute, async (c) => {
    const { clientId } = c.req.valid('param');
    const query = c.req.valid('query');
    const page = await listUsers(c.get('caller'), clientId, {
      limit: query.limit,
      offset: query.offset,
      externalId: query.external_id,
      createdSince: query.created_since,
      updatedSince: query.updated_since,
      beforeHumanId: query.before_id,
    });
    const link = linkHeader(c, { offset: query.offset, limit: query.limit, beforeId: query.before_id, lastHumanId: page.users.at(-1)?.humanId, hasMore: page.hasMore });
    if (link) c.header('Link', link);
    return c.json(page.users.map(toHumanUser), 200);
  });

  // Before GET one user: /{clientId}/users/heart_rates is a batch read, not a user.
  registerBatchRoutes(router);

  router.openapi(getRoute, async (c) => {
    const { clientId, humanId } = c.req.valid('param');
    return c.json(toHumanUser(await getUserSummary(c.get('caller'), clientId, humanId)), 200);
  });

  router.openapi(createRouteDef, async (c) => {
    const { clientId } = c.req.valid('param');
    // Only the validator matching the Content-Type fills its part; the other stays empty.
    const body: { externalId?: string } = { ...c.req.valid('json'), ...c.req.valid('form') };
    if (body.externalId === undefined) throw new DomainError('invalid_input', 'externalId is required (as JSON or as a form field).');
    const { user, created } = await createUser(c.get('caller'), clientId, { externalId: body.externalId }, { ip: c.get('ip') });
    if (created) c.header('Location', `${baseUrlOf(c)}/v1/apps/${clientId}/users/${user.humanId}`);
    return c.json(toHumanUser(user), created ? 201 : 200);
  });

  router.openapi(deleteRoute, async (c) => {
    const { clientId, humanId } = c.req.valid('param');
    await deleteUser(c.get('caller'), clientId, humanId, { ip: c.get('ip') });
    return c.body(null, 204);
  });

  registerImportRoutes(router);

  return router;
}
