// What the Human API dialect's routes share: its error body, the clientId parameter, the time
// parameters, and the error responses, security and tag every route documents.
import { z } from '@hono/zod-openapi';
import { CLIENT_ID_PATTERN } from '../../apps/access';

export const HumanError = z
  .object({
    statusCode: z.number().int().openapi({ example: 404 }),
    error: z.string().openapi({ example: 'Not Found' }),
    message: z.string(),
  })
  .openapi('HumanError');

export const ClientId = z.string().regex(CLIENT_ID_PATTERN, 'clientId is 40 hexadecimal characters.')
  .openapi({ param: { name: 'clientId', in: 'path' }, example: '1d129c20acf6fcef9be0b067cc7859d872ed5ade' });

const COMPACT_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?Z$/i;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * A time in Human API's compact form (`20131228T184610Z`) or ISO 8601 (a date, or a date-time that
 * is UTC unless it names an offset), or null. Checked field by field: `Date` would roll 30 February
 * over into March instead of refusing it, and read an ISO time without an offset as server-local.
 */
export function parseSince(value: string): Date | null {
  const match = value.match(COMPACT_TIME) ?? value.match(ISO_TIME);
  if (!match) return null;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const millisecond = Number((match[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour, minute, second, millisecond));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month! - 1 || date.getUTCDate() !== day ||
      hour > 23 || minute > 59 || second > 59) return null;
  const zone = match[8]?.toUpperCase();
  if (!zone || zone === 'Z') return date;
  const [offsetHours, offsetMinutes = 0] = zone.slice(1).replace(':', '').match(/\d{2}/g)!.map(Number);
  if (offsetHours! > 23 || offsetMinutes > 59) return null;
  const offsetMs = (zone.startsWith('-') ? -1 : 1) * (offsetHours! * 60 + offsetMinutes) * 60_000;
  return new Date(date.getTime() - offsetMs);
}

export const Since = z.string().transform((value, ctx) => {
  const date = parseSince(value);
  if (!date) {
    ctx.addIssue({ code: 'custom', message: 'Use YYYYMMDDTHHmmssZ or an ISO 8601 date-time.' });
    return z.NEVER;
  }
  return date;
});

export const errors = {
  400: { description: 'Malformed id, paging value or body', content: { 'application/json': { schema: HumanError } } },
  401: { description: 'Missing, unknown or revoked App Key', content: { 'application/json': { schema: HumanError } } },
  403: { description: 'The App Key belongs to another app', content: { 'application/json': { schema: HumanError } } },
  413: { description: 'Request body larger than 1 MB', content: { 'application/json': { schema: HumanError } } },
  429: { description: 'Rate limit for this App Key exceeded, or too many invalid App Keys from this address (see Retry-After)', content: { 'application/json': { schema: HumanError } } },
  503: { description: 'The database is down or restarting (see Retry-After)', content: { 'application/json': { schema: HumanError } } },
};

export const security = [{ appKeyBasic: [] }];
export const tags = ['Human API dialect'];
