// The public HTTP API (everything under /v1, /app, the health checks and /openapi.json), served by
// Hono in front of Next.js. Each dialect lives in its own folder and turns domain errors into its
// own error body; this file only assembles them and applies what every response shares.
import { Hono } from 'hono';
import { healthRoutes, type Readiness } from './health';

/** Paths the API answers; the HTTP server hands everything else to Next.js. */
export function isApiPath(pathname: string): boolean {
  return (
    pathname.startsWith('/v1/') || pathname === '/v1' ||
    pathname.startsWith('/app/') || pathname === '/app' ||
    pathname === '/healthz' || pathname === '/readyz' || pathname === '/openapi.json'
  );
}

export function createApi(readiness: Readiness) {
  const api = new Hono();
  api.use(async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  api.route('/', healthRoutes(readiness));
  return api;
}
