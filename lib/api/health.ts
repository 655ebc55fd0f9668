// Liveness and readiness for load balancers and the launcher: /healthz answers while the process
// runs; /readyz only once start-up finished, the database answers and no migration is pending.
import { Hono } from 'hono';
import { getDb } from '../db/client';
import { pendingMigrations } from '../db/migrate';
import { errorFields, log } from '../log';
import { DATABASE_RETRY_AFTER_SECONDS } from './errors';

export type Readiness = { isStarted(): boolean };

export function healthRoutes(readiness: Readiness) {
  const routes = new Hono();
  routes.get('/healthz', (c) => c.json({ status: 'ok' }));
  routes.get('/readyz', async (c) => {
    if (!readiness.isStarted()) return c.json({ status: 'starting' }, 503);
    try {
      const pending = await pendingMigrations(getDb());
      if (pending > 0) return c.json({ status: 'migrating', pendingMigrations: pending }, 503);
      return c.json({ status: 'ready', database: 'ok', pendingMigrations: 0 });
    } catch (error) {
      // Anyone may ask /readyz: the why goes to the log (SQLSTATE or socket code), not to them.
      log.warn({ error: errorFields(error) }, 'readiness check: database unavailable');
      return c.json({ status: 'unavailable', message: 'database unavailable' }, 503, { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) });
    }
  });
  return routes;
}
