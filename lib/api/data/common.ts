// What the Data API's resources share: the router's environment (an end user as the caller), the
// Human API error body with a Bearer challenge, query parameters (times, days, cursors, paging),
// the reading object and the Link header.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { EndUserCaller } from '../../auth/caller';
import { DomainError } from '../../errors';
import { isCalendarDay, MAX_READINGS_OFFSET, MAX_READINGS_PAGE, type Reading } from '../../readings/query';
import { READING_TYPES, type ReadingType } from '../../readings/types';
import { baseUrlOf, integerQueryParam } from '../dialect';

export type DataEnv = { Variables: { caller: EndUserCaller; ip: string | null; requestId: string } };
export type DataRouter = OpenAPIHono<DataEnv>;

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Human API's error body; a 401 challenges for a bearer token (RFC 6750). */
export function renderDataError(c: Context, error: DomainError | null): Response {
  const status = error?.status ?? 500;
  const body = { statusCode: status, error: REASONS[status] ?? 'Error', message: error?.message ?? 'Something went wrong on our side.' };
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="Wearhouse"';
  if (error?.extra.retryAfterSeconds) headers['Retry-After'] = String(error.extra.retryAfterSeconds);
  return c.json(body, status as 400, headers);
}

// ---- Types in the path -----------------------------------------------------------------------

/** Human API's type names in the path are ours (heart_rate, blood_pressure, body_fat, …). */
export const DATA_TYPES = Object.keys(READING_TYPES) as ReadingType[];

export function readingTypeOf(name: string): ReadingType {
  if ((DATA_TYPES as string[]).includes(name)) return name as ReadingType;
  throw new DomainError('not_found', `No data type "${name}". Known types: ${DATA_TYPES.join(', ')}.`);
}

export const TypeParam = z.string().openapi({
  param: { name: 'type', in: 'path' },
  enum: DATA_TYPES,
  description: 'A data type (an unknown one answers 404 listing the known ones).',
  example: 'heart_rate',
});

// ---- Schemas ---------------------------------------------------------------------------------

export const HumanError = z
  .object({
    statusCode: z.number().int().openapi({ example: 401 }),
    error: z.string().openapi({ example: 'Unauthorized' }),
    message: z.string(),
  })
  .openapi('HumanError');

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: HumanError } } });

export const errorResponses = {
  400: errorResponse('A query parameter with a bad value (the message names it)'),
  401: errorResponse('Missing, unknown or expired access token, or its user was deleted'),
  429: errorResponse("Rate limit for this user's token exceeded, or too many invalid tokens from this address (see Retry-After)"),
  503: errorResponse('The database is down or restarting (see Retry-After)'),
};
export const notFoundResponse = (what: string) => ({ 404: errorResponse(what) });

export const security = [{ userAccessToken: [] }];
export const tags = ['Data API'];

export const LinkHeader = z.object({
  Link: z.string().optional().openapi({
    description: 'The next (older) and previous (newer) pages, as cursors. They keep your filters but not `access_token`.',
    example: '<https://host/v1/human/heart_rate/readings?limit=50&before=1700000000000.1234>; rel="next"',
  }),
});

export const HumanReading = z
  .object({
    id: z.string().openapi({ example: '1234' }),
    humanId: z.string().openapi({ example: '0a34dca6b9fe0b2361038bd371d96539' }),
    userId: z.string().openapi({ description: 'Deprecated: the same as humanId.', example: '0a34dca6b9fe0b2361038bd371d96539' }),
    timestamp: z.string().openapi({ format: 'date-time', example: '2026-11-20T07:30:00.000Z' }),
    tzOffset: z.string().openapi({ description: 'UTC offset where the reading was taken.', example: '-05:00' }),
    value: z.number().optional().openapi({ description: 'Absent for blood pressure, which has systolic and diastolic instead.', example: 62 }),
    systolic: z.number().optional().openapi({ description: 'Blood pressure only.', example: 121 }),
    diastolic: z.number().optional().openapi({ description: 'Blood pressure only.', example: 79 }),
    unit: z.string().openapi({ example: 'bpm' }),
    source: z.string().openapi({ description: 'The source id.', example: 'fitbit' }),
    sourceData: z.record(z.string(), z.unknown()).openapi({ description: 'What the source sent beyond the value ({} when nothing).' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('HumanReading');

/** `+05:30`, `-08:00`: Human API's tzOffset. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Human API's reading object; blood pressure carries systolic and diastolic instead of value. */
export function toHumanReading(reading: Reading, humanId: string): z.infer<typeof HumanReading> {
  const values = reading.type === 'blood_pressure'
    ? { systolic: reading.value, diastolic: reading.value2 ?? undefined }
    : { value: reading.value };
  return {
    id: reading.id,
    humanId,
    userId: humanId,
    timestamp: reading.timestamp.toISOString(),
    tzOffset: formatOffset(reading.tzOffsetMinutes),
    ...values,
    unit: reading.unit,
    source: reading.source,
    sourceData: reading.sourceData ?? {},
    createdAt: reading.createdAt.toISOString(),
    updatedAt: reading.updatedAt.toISOString(),
  };
}

// ---- Query parameters ------------------------------------------------------------------------

const COMPACT_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?Z$/i;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * A time written YYYYMMDDTHHmmssZ (Human API's form) or as an ISO 8601 date-time with Z or an
 * offset, or null. Checked field by field: `Date` would roll 30 February over into March.
 * (The same rules as the users list's created_since, whose parser is private to its module.)
 */
export function parseTime(value: string): Date | null {
  const match = value.match(COMPACT_TIME) ?? value.match(ISO_TIME);
  if (!match) return null;
  const [year, month, day, hour, minute, second = 0] = match.slice(1, 7).map((part) => Number(part ?? 0)) as number[];
  const millisecond = Number((match[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour, minute, second, millisecond));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month! - 1 || date.getUTCDate() !== day ||
      hour! > 23 || minute! > 59 || second > 59) return null;
  const zone = match[8]?.toUpperCase();
  if (!zone || zone === 'Z') return date;
  const [offsetHours, offsetMinutes = 0] = zone.slice(1).replace(':', '').match(/\d{2}/g)!.map(Number);
  if (offsetHours! > 23 || offsetMinutes > 59) return null;
  return new Date(date.getTime() - (zone.startsWith('-') ? -1 : 1) * (offsetHours! * 60 + offsetMinutes) * 60_000);
}

const timeParam = (name: string, description: string) =>
  z.string().transform((value, ctx) => {
    const date = parseTime(value);
    if (!date) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a time written YYYYMMDDTHHmmssZ (or ISO 8601 with an offset).` });
      return z.NEVER;
    }
    return date;
  }).optional().openapi({ param: { name, in: 'query' }, type: 'string', description, example: '20261120T000000Z' });

const dayParam = (name: string, description: string) =>
  z.string().refine(isCalendarDay, { message: `${name} must be a day written YYYY-MM-DD.` })
    .optional().openapi({ param: { name, in: 'query' }, format: 'date', description, example: '2026-11-20' });

const SOURCE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** What every list of the Data API accepts besides its cursors. */
export const pagingParams = {
  limit: integerQueryParam('limit', { min: 1, max: MAX_READINGS_PAGE, default: 50, description: `Items per page (1–${MAX_READINGS_PAGE}).` }),
  offset: integerQueryParam('offset', {
    min: 0, max: MAX_READINGS_OFFSET, default: 0,
    description: `How many items to skip (up to ${MAX_READINGS_OFFSET}; to go further follow the \`Link\` header, whose cursors stay fast at any depth).`,
    tooLarge: "To page further, follow the Link header's next URL: its cursor stays fast at any depth.",
  }),
  start_date: dayParam('start_date', 'Only items on or after this local day.'),
  end_date: dayParam('end_date', 'Only items on or before this local day.'),
  source: z.string().regex(SOURCE_ID, 'source must be a source id such as fitbit or demo-tracker.').optional()
    .openapi({ param: { name: 'source', in: 'query' }, description: 'Only items from this source (its id).', example: 'fitbit' }),
};

export const timeFilterParams = {
  created_since: timeParam('created_since', 'Only readings stored at or after this time.'),
  created_before: timeParam('created_before', 'Only readings stored before this time.'),
  updated_since: timeParam('updated_since', 'Only readings last changed at or after this time.'),
  updated_before: timeParam('updated_before', 'Only readings last changed before this time.'),
};

/** A cursor parameter: `pattern` checks its form, `parse` reads it. */
export function cursorParam<T>(name: 'before' | 'after', pattern: RegExp, parse: (value: string) => T | null, description: string) {
  return z.string().transform((value, ctx) => {
    const parsed = pattern.test(value) ? parse(value) : null;
    if (parsed === null) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a cursor from a Link header.` });
      return z.NEVER;
    }
    return parsed;
  }).optional().openapi({ param: { name, in: 'query' }, type: 'string', description });
}

/**
 * Human API's `Link` header with cursors: rel="next" (older) after the last item when there is
 * more, rel="prev" (newer) before the first item when the page was not the first. The request's
 * filters are kept; its offset, cursors and access_token are not (a token never travels in a
 * header the server writes).
 */
export function setLinkHeader(
  c: Context,
  page: { limit: number; first?: string; last?: string; hasOlder: boolean; hasNewer: boolean },
): void {
  const url = new URL(c.req.url);
  const link = (rel: 'before' | 'after', cursor: string) => {
    const target = new URL(`${baseUrlOf(c)}${url.pathname}${url.search}`);
    for (const name of ['offset', 'before', 'after', 'access_token']) target.searchParams.delete(name);
    target.searchParams.set('limit', String(page.limit));
    target.searchParams.set(rel, cursor);
    return target.toString();
  };
  const links: string[] = [];
  if (page.hasOlder && page.last) links.push(`<${link('before', page.last)}>; rel="next"`);
  if (page.hasNewer && page.first) links.push(`<${link('after', page.first)}>; rel="prev"`);
  if (links.length) c.header('Link', links.join(', '));
}
