// Apple Health export imports in the Data API, for the end user's own app (or Connect): upload the
// user's export.zip with their token and follow the import. The body is streamed to disk with its
// own cap (this router has no 1 MB limit on bodies).
import { createRoute, z } from '@hono/zod-openapi';
import { getImport, listImports, receiveExport } from '../../sources/apple-health/imports';
import { ImportObject, IMPORT_ID_PATTERN, toImportObject, uploadBody } from '../imports-schema';
import { baseUrlOf } from '../dialect';
import { type DataRouter, errorResponses, HumanError, notFoundResponse, security, tags } from './common';

const error = (description: string) => ({ description, content: { 'application/json': { schema: HumanError } } });
const ImportId = z.string().regex(IMPORT_ID_PATTERN, 'importId is the id an upload answered with (a UUID).')
  .openapi({ param: { name: 'importId', in: 'path' }, example: '3b241101-e2bb-4255-8caf-4136c566a962' });

const uploadRoute = createRoute({
  method: 'post', path: '/imports/apple-health', tags, security,
  summary: 'Import your Apple Health export (export.zip)',
  description: 'The body is the `export.zip` the iPhone Health app makes (Health → your picture → Export All Health Data), ' +
    'sent as it is with `Content-Type: application/zip`. It is imported in the background into your `apple-health` source; ' +
    'follow it with the `Location` URL. Importing the same export again changes nothing.',
  request: { body: uploadBody },
  responses: {
    202: { description: 'Accepted: the import is queued', content: { 'application/json': { schema: ImportObject } } },
    ...errorResponses,
    400: error('An empty body, a zip without apple_health_export/export.xml, or an app that does not offer Apple Health'),
    409: error('Your previous Apple Health connection is still being removed; try again in a minute'),
    413: error('The export is larger than this server accepts (4 GB by default)'),
    415: error('The body is not a zip (or not sent as application/zip)'),
  },
});

const listRoute = createRoute({
  method: 'get', path: '/imports', tags, security,
  summary: 'Your Apple Health imports, newest first (the last 20)',
  responses: { 200: { description: 'Imports', content: { 'application/json': { schema: z.array(ImportObject) } } }, ...errorResponses },
});

const getRoute = createRoute({
  method: 'get', path: '/imports/{importId}', tags, security,
  summary: 'Follow an Apple Health import',
  request: { params: z.object({ importId: ImportId }) },
  responses: {
    200: { description: 'The import and its progress', content: { 'application/json': { schema: ImportObject } } },
    ...errorResponses,
    ...notFoundResponse('No such import of yours'),
  },
});

export function registerImportRoutes(router: DataRouter) {
  router.openapi(uploadRoute, async (c) => {
    const caller = c.var.caller;
    const length = c.req.header('content-length');
    const created = await receiveExport(caller, { clientId: caller.clientId, humanId: caller.humanId }, c.req.raw.body, {
      contentType: c.req.header('content-type'),
      contentLength: length === undefined ? undefined : Number(length),
    });
    c.header('Location', `${baseUrlOf(c)}/v1/human/imports/${created.id}`);
    return c.json(toImportObject(created), 202);
  });

  router.openapi(listRoute, async (c) => {
    const caller = c.var.caller;
    return c.json((await listImports(caller, { clientId: caller.clientId, humanId: caller.humanId })).map(toImportObject), 200);
  });

  router.openapi(getRoute, async (c) => {
    const caller = c.var.caller;
    const { importId } = c.req.valid('param');
    return c.json(toImportObject(await getImport(caller, { clientId: caller.clientId, humanId: caller.humanId }, importId)), 200);
  });
}
