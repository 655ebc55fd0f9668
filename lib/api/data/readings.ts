// Readings in the Data API: GET /v1/human (the user with the latest reading of each type),
// /{type} (the latest reading), /{type}/readings (newest first, filtered, paged by cursor) and
// /{type}/readings/{id}.
import { createRoute, z } from '@hono/zod-openapi';
import { getReading, latestReading, latestReadings, listReadings, profileOf, type ReadingCursor } from '../../readings/query';
import type { ReadingType } from '../../readings/types';
import {
  cursorParam, DATA_TYPES, type DataRouter, errorResponses, HumanReading, LinkHeader, notFoundResponse, pagingParams,
  readingTypeOf, security, setLinkHeader, tags, timeFilterParams, toHumanReading, TypeParam,
} from './common';

const CURSOR = /^\d{1,15}\.[1-9]\d{0,15}$/;
/** A reading cursor is `<timestamp in ms>.<id>`: the position of one reading in newest-first order. */
const readingCursor = (cursor: ReadingCursor) => `${cursor.ts.getTime()}.${cursor.id}`;
function parseReadingCursor(value: string): ReadingCursor | null {
  const [ms, id] = value.split('.').map(Number);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(id)) return null;
  return { ts: new Date(ms!), id: id! };
}

const ReadingsQuery = z.object({
  ...pagingParams,
  ...timeFilterParams,
  before: cursorParam('before', CURSOR, parseReadingCursor, 'Only readings older than this cursor (from a Link header).'),
  after: cursorParam('after', CURSOR, parseReadingCursor, 'Only readings newer than this cursor (from a Link header).'),
});

/** Our types in camelCase, the summary's keys (heart_rate → heartRate). */
const summaryKey = (type: ReadingType) => type.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

const HumanSummary = z
  .object({
    id: z.string().openapi({ description: "The user's humanId." }),
    humanId: z.string(),
    userId: z.string().openapi({ description: 'Deprecated: the same as humanId.' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
    // A union with null rather than .nullable(): on a registered schema, .nullable() documents a bare $ref.
    ...Object.fromEntries(DATA_TYPES.map((type) => [summaryKey(type), z.union([HumanReading, z.null()]).openapi({ description: `The latest ${type} reading, or null.` })])),
  })
  .openapi('HumanSummary');

const TypeParams = z.object({ type: TypeParam });
const unknownType = notFoundResponse('No such data type (the message lists the known ones)');

const summaryRoute = createRoute({
  method: 'get', path: '/', tags, security,
  summary: 'The user, with their latest reading of each type',
  responses: { 200: { description: 'The summary', content: { 'application/json': { schema: HumanSummary } } }, ...errorResponses },
});

const latestRoute = createRoute({
  method: 'get', path: '/{type}', tags, security,
  summary: 'The latest reading of a type',
  request: { params: TypeParams },
  responses: {
    200: { description: 'The newest reading, or null when the user has none of this type', content: { 'application/json': { schema: z.union([HumanReading, z.null()]) } } },
    ...errorResponses, ...unknownType,
  },
});

const listRoute = createRoute({
  method: 'get', path: '/{type}/readings', tags, security,
  summary: 'Readings of a type, newest first',
  request: { params: TypeParams, query: ReadingsQuery },
  responses: {
    200: { description: 'A page of readings. `Link` names the next and previous pages.', headers: LinkHeader, content: { 'application/json': { schema: z.array(HumanReading) } } },
    ...errorResponses, ...unknownType,
  },
});

const getRoute = createRoute({
  method: 'get', path: '/{type}/readings/{id}', tags, security,
  summary: 'One reading',
  request: {
    params: z.object({
      type: TypeParam,
      id: z.string().regex(/^[1-9]\d{0,15}$/, 'id is a reading id: a whole number.').openapi({ param: { name: 'id', in: 'path' }, example: '1234' }),
    }),
  },
  responses: {
    200: { description: 'The reading', content: { 'application/json': { schema: HumanReading } } },
    ...errorResponses, ...notFoundResponse('No such data type, or no reading of this type with this id for this user'),
  },
});

export function registerReadingRoutes(router: DataRouter) {
  router.openapi(summaryRoute, async (c) => {
    const caller = c.var.caller;
    const [profile, latest] = await Promise.all([profileOf(caller), latestReadings(caller)]);
    const readings = Object.fromEntries(DATA_TYPES.map((type) => {
      const reading = latest[type];
      return [summaryKey(type), reading ? toHumanReading(reading, caller.humanId) : null];
    }));
    return c.json({
      id: profile.humanId,
      humanId: profile.humanId,
      userId: profile.humanId,
      createdAt: profile.createdAt.toISOString(),
      updatedAt: profile.updatedAt.toISOString(),
      ...readings,
    }, 200);
  });

  router.openapi(latestRoute, async (c) => {
    const type = readingTypeOf(c.req.valid('param').type);
    const reading = await latestReading(c.var.caller, type);
    return c.json(reading ? toHumanReading(reading, c.var.caller.humanId) : null, 200);
  });

  router.openapi(listRoute, async (c) => {
    const type = readingTypeOf(c.req.valid('param').type);
    const query = c.req.valid('query');
    const page = await listReadings(c.var.caller, type, {
      limit: query.limit,
      offset: query.offset,
      before: query.before,
      after: query.after,
      createdSince: query.created_since,
      createdBefore: query.created_before,
      updatedSince: query.updated_since,
      updatedBefore: query.updated_before,
      startDate: query.start_date,
      endDate: query.end_date,
      source: query.source,
    });
    const cursorOf = (index: number) => {
      const reading = page.readings.at(index);
      return reading ? readingCursor({ ts: reading.timestamp, id: Number(reading.id) }) : undefined;
    };
    setLinkHeader(c, {
      limit: query.limit,
      first: cursorOf(0),
      last: cursorOf(-1),
      hasOlder: query.after ? true : page.hasMore,
      hasNewer: query.after ? page.hasMore : query.before !== undefined || query.offset > 0,
    });
    return c.json(page.readings.map((reading) => toHumanReading(reading, c.var.caller.humanId)), 200);
  });

  router.openapi(getRoute, async (c) => {
    const { type: name, id } = c.req.valid('param');
    const reading = await getReading(c.var.caller, readingTypeOf(name), id);
    return c.json(toHumanReading(reading, c.var.caller.humanId), 200);
  });
}
