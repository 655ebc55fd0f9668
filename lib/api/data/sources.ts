// The user's connected sources in the Data API, in Human API's shape: GET /v1/human/sources.
import { createRoute, z } from '@hono/zod-openapi';
import { listConnections, type Connection } from '../../sources/connections';
import { type DataRouter, errorResponses, security, tags } from './common';

const HumanSource = z
  .object({
    id: z.string().openapi({ description: 'The connection id.', example: '42' }),
    source: z.string().openapi({ description: 'The source id.', example: 'fitbit' }),
    sourceName: z.string().openapi({ example: 'Fitbit' }),
    supportedDataTypes: z.array(z.string()).openapi({ example: ['steps', 'heart_rate', 'sleep'] }),
    devices: z.array(z.object({ id: z.string(), name: z.string() })).openapi({ description: 'Devices the source reported (none yet: sources do not report devices).' }),
    connectedSince: z.string().openapi({ format: 'date-time' }),
    historySync: z.object({
      status: z.enum(['pending', 'completed']).openapi({ description: 'Whether the backfill of past data has finished.' }),
      oldestDate: z.string().nullable().openapi({ format: 'date-time', description: 'The oldest reading received.' }),
    }),
    syncStatus: z.object({
      status: z.enum(['ok', 'syncing', 'error', 'pending']).openapi({
        description: '`syncing` while a sync is queued or running, `error` when the last one failed, `pending` before the first, else `ok`.',
      }),
      synchedAt: z.string().nullable().openapi({ format: 'date-time', description: 'When the last sync finished.' }),
      newestDate: z.string().nullable().openapi({ format: 'date-time', description: 'The newest reading received.' }),
    }),
  })
  .openapi('HumanSource');

const sourcesRoute = createRoute({
  method: 'get', path: '/sources', tags, security,
  summary: "The user's connected sources and their sync state",
  responses: { 200: { description: 'Connected sources, by name', content: { 'application/json': { schema: z.array(HumanSource) } } }, ...errorResponses },
});

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function syncStatusOf(connection: Connection): 'ok' | 'syncing' | 'error' | 'pending' {
  if (connection.status === 'error') return 'error';
  if (connection.status === 'syncing' || connection.isSyncPending) return 'syncing';
  return connection.lastSyncAt ? 'ok' : 'pending';
}

export const toHumanSource = (connection: Connection): z.infer<typeof HumanSource> => ({
  id: String(connection.id),
  source: connection.source.id,
  sourceName: connection.source.name,
  supportedDataTypes: connection.source.dataTypes,
  devices: [],
  connectedSince: connection.connectedSince.toISOString(),
  historySync: { status: connection.historySyncedAt ? 'completed' : 'pending', oldestDate: iso(connection.oldestReadingAt) },
  syncStatus: { status: syncStatusOf(connection), synchedAt: iso(connection.lastSyncAt), newestDate: iso(connection.newestReadingAt) },
});

export function registerSourceRoutes(router: DataRouter) {
  router.openapi(sourcesRoute, async (c) => {
    const caller = c.var.caller;
    const connections = await listConnections(caller, caller.clientId, caller.humanId);
    // A disconnected source is gone for the Data API (its readings are not served either).
    return c.json(connections.filter((connection) => connection.status !== 'disconnected').map(toHumanSource), 200);
  });
}
