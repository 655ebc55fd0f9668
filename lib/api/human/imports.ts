// Apple Health export imports in the Human API dialect, for the app's server: upload a user's
// export.zip (the body, streamed to disk) and follow the import's progress.
import { createRoute, z } from '@hono/zod-openapi';
import { CLIENT_ID_PATTERN } from '../../apps/access';
import { getImport, receiveExport } from '../../sources/apple-health/imports';
import { HUMAN_ID_PATTERN } from '../../users/human-id';
import { HumanError } from '../data/common';
import { baseUrlOf, type createDialectRouter } from '../dialect';
import { ImportObject, IMPORT_ID_PATTERN, toImportObject, uploadBody } from '../imports-schema';

/** The upload route's path under the router's prefix: its body is streamed with its own cap, not the API's 1 MB. */
export const IMPORT_UPLOAD_PATH = /^\/v1\/apps\/[^/]+\/users\/[^/]+\/imports\/apple-health$/;

const error = (description: string) => ({ description, content: { 'application/json': { schema: HumanError } } });

const ClientId = z.string().regex(CLIENT_ID_PATTERN, 'clientId is 40 hexadecimal characters.')
  .openapi({ param: { name: 'clientId', in: 'path' }, example: '1d129c20acf6fcef9be0b067cc7859d872ed5ade' });
const HumanId = z.string().regex(HUMAN_ID_PATTERN, 'humanId is 32 hexadecimal characters.')
  .openapi({ param: { name: 'humanId', in: 'path' }, example: '0a34dca6b9fe0b2361038bd371d96539' });
const ImportId = z.string().regex(IMPORT_ID_PATTERN, 'importId is the id an upload answered with (a UUID).')
  .openapi({ param: { name: 'importId', in: 'path' }, example: '3b241101-e2bb-4255-8caf-4136c566a962' });

const tags = ['Human API dialect'];
const security = [{ appKeyBasic: [] }];
const errors = {
  400: error('Malformed id, an empty body, or a zip without apple_health_export/export.xml'),
  401: error('Missing, unknown or revoked App Key'),
  403: error('The App Key belongs to another app'),
  404: error('No such user (or import) in this app'),
  429: error('Rate limit for this App Key exceeded, or too many invalid App Keys from this address (see Retry-After)'),
  503: error('The database is down or restarting (see Retry-After)'),
};

const uploadRoute = createRoute({
  method: 'post', path: '/{clientId}/users/{humanId}/imports/apple-health', tags, security,
  summary: "Import a user's Apple Health export (export.zip)",
  description: 'The body is the `export.zip` the iPhone Health app makes (Health → your picture → Export All Health Data), ' +
    'sent as it is with `Content-Type: application/zip`. It is stored and imported in the background into the user\'s ' +
    '`apple-health` source; follow the import with the `Location` URL. Importing the same export again changes nothing.',
  request: { params: z.object({ clientId: ClientId, humanId: HumanId }), body: uploadBody },
  responses: {
    202: { description: 'Accepted: the import is queued', content: { 'application/json': { schema: ImportObject } } },
    ...errors,
    409: error('The user\'s previous Apple Health connection is still being removed; try again in a minute'),
    413: error('The export is larger than this server accepts (WEARHOUSE_IMPORT_MAX_BYTES, 4 GB by default)'),
    415: error('The body is not a zip (or not sent as application/zip)'),
  },
});

const getRoute = createRoute({
  method: 'get', path: '/{clientId}/users/{humanId}/imports/{importId}', tags, security,
  summary: 'Follow an Apple Health import',
  request: { params: z.object({ clientId: ClientId, humanId: HumanId, importId: ImportId }) },
  responses: { 200: { description: 'The import and its progress', content: { 'application/json': { schema: ImportObject } } }, ...errors },
});

export function registerImportRoutes(router: ReturnType<typeof createDialectRouter>) {
  router.openapi(uploadRoute, async (c) => {
    const { clientId, humanId } = c.req.valid('param');
    const length = c.req.header('content-length');
    const created = await receiveExport(c.get('caller'), { clientId, humanId }, c.req.raw.body, {
      contentType: c.req.header('content-type'),
      contentLength: length === undefined ? undefined : Number(length),
    });
    c.header('Location', `${baseUrlOf(c)}/v1/apps/${clientId}/users/${humanId}/imports/${created.id}`);
    return c.json(toImportObject(created), 202);
  });

  router.openapi(getRoute, async (c) => {
    const { clientId, humanId, importId } = c.req.valid('param');
    return c.json(toImportObject(await getImport(c.get('caller'), { clientId, humanId }, importId)), 200);
  });
}
