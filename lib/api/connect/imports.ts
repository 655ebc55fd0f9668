// Apple Health export uploads from the Connect widget: the end user picks the export.zip and the
// widget sends it with its widget token (as a Bearer, like /connect/api/*). Mounted beside the
// widget's JSON endpoints, not under them: those cap bodies at 16 kB, and an export is streamed
// to disk with its own cap (lib/sources/apple-health/imports.ts).
import type { Context, Env, Hono } from 'hono';
import { widgetSession } from '../../connect/tokens';
import { DomainError } from '../../errors';
import { getImport, receiveExport } from '../../sources/apple-health/imports';
import { IMPORT_ID_PATTERN, toImportObject } from '../imports-schema';

/** The widget session a request's Bearer widget token opens (and lets act). */
async function sessionOf(c: Context) {
  const match = c.req.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) throw new DomainError('unauthorized', 'The widget token is missing.');
  const session = await widgetSession(match[1]!);
  if (!session) throw new DomainError('unauthorized', 'This Connect session has ended. Close it and open Connect again from the app.');
  if (session.mustSignIn) throw new DomainError('forbidden', 'Sign in before you import your data.');
  return session;
}

/** Registers POST /imports/apple-health and GET /imports/:importId on the widget's router (under /connect). */
export function registerWidgetImportRoutes<E extends Env>(router: Hono<E>) {
  router.post('/imports/apple-health', async (c) => {
    const { caller } = await sessionOf(c);
    const length = c.req.header('content-length');
    const created = await receiveExport(caller, { clientId: caller.clientId, humanId: caller.humanId }, c.req.raw.body, {
      contentType: c.req.header('content-type'),
      contentLength: length === undefined ? undefined : Number(length),
    });
    return c.json(toImportObject(created), 202);
  });
  router.get('/imports/:importId', async (c) => {
    const { caller } = await sessionOf(c);
    const importId = c.req.param('importId');
    if (!IMPORT_ID_PATTERN.test(importId)) throw new DomainError('not_found', `No import ${importId}.`);
    return c.json(toImportObject(await getImport(caller, { clientId: caller.clientId, humanId: caller.humanId }, importId)));
  });
}
