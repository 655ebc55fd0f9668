// POST /v1/human/{type}/readings: the user's own device uploads readings with the user's token (up
// to 10,000 per request, a 10 MB body). Items are checked one by one: the good ones are stored, the
// others come back by index with a code and a message; a retried batch stores nothing twice.
import { z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '../../errors';
import { MAX_UPLOAD_READINGS, UPLOAD_UNITS, UploadReading, uploadReadings } from '../../readings/upload';
import { DATA_TYPES, type DataRouter, errorResponses, HumanError, notFoundResponse, readingTypeOf, security, tags, TypeParam } from './common';

/** The upload's own body cap: 10,000 readings with their sourceData fit with room to spare. */
export const MAX_UPLOAD_BODY_BYTES = 10 * 1024 * 1024;

const UploadReadingDoc = UploadReading.openapi('UploadReading', {
  description:
    "One reading as the user's device has it. `sourceReadingId` is the device's own id for it (HealthKit's UUID, " +
    "Health Connect's metadata id): sending it again updates the stored reading instead of adding one. Blood pressure " +
    'takes `systolic` and `diastolic` instead of `value`. Units per type: ' +
    DATA_TYPES.map((type) => `${type}: ${Object.keys(UPLOAD_UNITS[type]).join(', ')}`).join('; ') +
    ' (case-insensitive; stored in the first). `tzOffset` defaults to the timestamp\'s own offset.',
  example: { sourceReadingId: 'D3A1C1B2-6F1E-4B8A-9C2D-0E7F5A4B3C21', timestamp: '2026-11-20T07:30:00+01:00', value: 62, unit: 'count/min' },
});

const UploadBody = z.object({
  readings: z.array(UploadReadingDoc).max(MAX_UPLOAD_READINGS).openapi({ description: `Up to ${MAX_UPLOAD_READINGS.toLocaleString('en')} readings of the type in the path.` }),
}).openapi('UploadReadingsBody');

const UploadAnswer = z.object({
  inserted: z.number().int().openapi({ description: 'New readings stored.' }),
  updated: z.number().int().openapi({ description: 'Readings sent before (same sourceReadingId) whose time or value changed.' }),
  unchanged: z.number().int().openapi({ description: 'Readings sent before exactly as they are now: nothing written.' }),
  rejected: z.number().int().openapi({ description: 'Items refused; `errors` says why, one entry each.' }),
  errors: z.array(z.object({
    index: z.number().int().openapi({ description: 'The position of the item in `readings`, from 0.' }),
    code: z.enum(['invalid', 'unit', 'range', 'duplicate']).openapi({
      description: 'invalid: a missing or malformed field; unit: a unit this type does not take; range: an implausible value or time; ' +
        'duplicate: a later item has the same sourceReadingId (the later one is stored).',
    }),
    message: z.string(),
  })),
}).openapi('UploadReadingsResult');

const TooLarge = { 413: { description: `Body larger than ${MAX_UPLOAD_BODY_BYTES / 1024 / 1024} MB`, content: { 'application/json': { schema: HumanError } } } };
const Unsupported = { 415: { description: 'Body not sent as application/json', content: { 'application/json': { schema: HumanError } } } };

const limitBody = bodyLimit({
  maxSize: MAX_UPLOAD_BODY_BYTES,
  onError: () => {
    throw new DomainError('payload_too_large', `The request body is larger than ${MAX_UPLOAD_BODY_BYTES / 1024 / 1024} MB: send at most ${MAX_UPLOAD_READINGS.toLocaleString('en')} readings per request.`);
  },
});

/** The request's readings list: JSON with a `readings` array of at most MAX_UPLOAD_READINGS items. */
async function readingsOf(request: Request): Promise<unknown[]> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new DomainError('unsupported_media_type', 'Send the readings as application/json: {"readings": [...]}.');
  }
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new DomainError('invalid_input', 'The body is not valid JSON.');
  }
  const readings = (body as { readings?: unknown } | null)?.readings;
  if (typeof body !== 'object' || body === null || !Array.isArray(readings)) {
    throw new DomainError('invalid_input', 'The body must be {"readings": [...]}.');
  }
  if (readings.length > MAX_UPLOAD_READINGS) {
    throw new DomainError('invalid_input', `readings holds ${readings.length.toLocaleString('en')} items; send at most ${MAX_UPLOAD_READINGS.toLocaleString('en')} per request.`);
  }
  return readings;
}

export function registerUploadRoutes(router: DataRouter) {
  // Documented from the schemas, validated item by item by the service (a zod route would refuse
  // the whole batch for one bad item).
  router.openAPIRegistry.registerPath({
    method: 'post', path: '/{type}/readings', tags, security,
    summary: "Upload the user's readings of a type",
    description: `Stores readings sent by the user's own device on the user's \`mobile\` source (linked on the first upload). ` +
      `Up to ${MAX_UPLOAD_READINGS.toLocaleString('en')} readings and ${MAX_UPLOAD_BODY_BYTES / 1024 / 1024} MB per request. Each item is checked on its own: ` +
      'the others are stored when one is refused. Idempotent by sourceReadingId: retry a batch freely.',
    request: {
      params: z.object({ type: TypeParam }),
      body: { required: true, content: { 'application/json': { schema: UploadBody } } },
    },
    responses: {
      200: { description: 'What was stored and what was refused', content: { 'application/json': { schema: UploadAnswer } } },
      ...errorResponses,
      ...notFoundResponse('No such data type (the message lists the known ones)'),
      409: { description: 'The mobile source was disconnected moments ago and is still being removed', content: { 'application/json': { schema: HumanError } } },
      ...TooLarge,
      ...Unsupported,
    },
  });

  router.post('/:type/readings', limitBody, async (c) => {
    const type = readingTypeOf(c.req.param('type'));
    const items = await readingsOf(c.req.raw);
    return c.json(await uploadReadings(c.var.caller, type, items), 200);
  });
}
