// Human API's batch endpoints: GET /v1/apps/{clientId}/users/{heart_rates|weights|…}?updated_since=…
// with the App Key: the app's readings of one type changed within a window of at most 31 days,
// across all its live users, each record naming its humanId, paged by a cursor in the Link header.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { BATCH_TYPES, type BatchCursor, type BatchTypeName, listUpdatedReadings, MAX_BATCH_PAGE, MAX_BATCH_WINDOW_DAYS } from '../../readings/batch';
import { HUMAN_ID_PATTERN } from '../../users/human-id';
import { HumanReading, toHumanReading } from '../data/common';
import { baseUrlOf, integerQueryParam, type createDialectRouter } from '../dialect';
import { ClientId, errors, security, Since, tags } from './common';

/** `<humanId>_<updated_at to the microsecond, UTC>_<reading id>`: the last record of the page before. */
const CURSOR = /^([0-9a-f]{32})_(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_([1-9]\d{0,18})$/;
const formatCursor = (cursor: BatchCursor) => `${cursor.humanId}_${cursor.updatedAt}_${cursor.id}`;

const BatchQuery = z.object({
  updated_since: Since.openapi({
    param: { name: 'updated_since', in: 'query', required: true }, type: 'string',
    description: `Only readings stored or changed at or after this time (required; at most ${MAX_BATCH_WINDOW_DAYS} days before updated_until).`,
    example: '20261101T000000Z',
  }),
  updated_until: Since.optional().openapi({
    param: { name: 'updated_until', in: 'query' }, type: 'string',
    description: 'Only readings stored or changed before this time (default: now; the next-page link keeps the value used).',
    example: '20261201T000000Z',
  }),
  limit: integerQueryParam('limit', { min: 1, max: MAX_BATCH_PAGE, default: 100, description: `Readings per page (1–${MAX_BATCH_PAGE}).` }),
  after: z.string().transform((value, ctx) => {
    const match = value.match(CURSOR);
    if (!match || !HUMAN_ID_PATTERN.test(match[1]!)) {
      ctx.addIssue({ code: 'custom', message: 'after must be a cursor from a Link header.' });
      return z.NEVER;
    }
    return { humanId: match[1]!, updatedAt: match[2]!, id: match[3]! } satisfies BatchCursor;
  }).optional().openapi({ param: { name: 'after', in: 'query' }, type: 'string', description: 'Continue after this cursor (from the `Link` header of the page before).' }),
});

const LinkHeader = z.object({
  Link: z.string().optional().openapi({
    description: 'The next page (rel="next"), absent on the last page. It keeps the window, with updated_until fixed to the one this page used.',
    example: '<https://host/v1/apps/…/users/heart_rates?updated_since=…&updated_until=…&limit=100&after=…>; rel="next"',
  }),
});

function batchRoute(name: BatchTypeName) {
  return createRoute({
    method: 'get', path: `/{clientId}/users/${name}`, tags, security,
    summary: `${BATCH_TYPES[name]} readings of all the app's users, changed within a window`,
    description: `The app's users' \`${BATCH_TYPES[name]}\` readings stored or changed in [updated_since, updated_until), ` +
      `a window of at most ${MAX_BATCH_WINDOW_DAYS} days, user by user (by humanId), each user's in the order they changed. ` +
      'Deleted users and disconnected sources are left out. Follow the `Link` header to the end to read the window once.',
    request: { params: z.object({ clientId: ClientId }), query: BatchQuery },
    responses: {
      200: { description: 'A page of readings, each with its humanId', headers: LinkHeader, content: { 'application/json': { schema: z.array(HumanReading) } } },
      ...errors,
    },
  });
}

function nextLink(c: Context, page: { limit: number; since: string; until: Date; after: BatchCursor }): string {
  const url = new URL(c.req.url);
  const target = new URL(`${baseUrlOf(c)}${url.pathname}`);
  target.searchParams.set('updated_since', page.since);
  target.searchParams.set('updated_until', page.until.toISOString());
  target.searchParams.set('limit', String(page.limit));
  target.searchParams.set('after', formatCursor(page.after));
  return `<${target.toString()}>; rel="next"`;
}

export function registerBatchRoutes(router: ReturnType<typeof createDialectRouter>) {
  for (const name of Object.keys(BATCH_TYPES) as BatchTypeName[]) {
    router.openapi(batchRoute(name), async (c) => {
      const { clientId } = c.req.valid('param');
      const query = c.req.valid('query');
      const page = await listUpdatedReadings(c.get('caller'), clientId, BATCH_TYPES[name], {
        since: query.updated_since, until: query.updated_until, limit: query.limit, after: query.after,
      });
      if (page.next) c.header('Link', nextLink(c, { limit: query.limit, since: query.updated_since.toISOString(), until: page.until, after: page.next }));
      return c.json(page.readings.map(({ humanId, reading }) => toHumanReading(reading, humanId)), 200);
    });
  }
}
