// One Node HTTP server on one port: API paths go to the Hono app, everything else to Next.js.
// Until start-up finishes, non-health requests get 503 instead of hanging.
import http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { isApiPath } from '../api/app';
import { errorFields, log } from '../log';
import { stampClientIp } from './client-ip';
import { guardUnreadBody } from './unread-body';

type NextHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

export type AppServer = {
  server: http.Server;
  /** Attach Next.js once it is prepared. */
  attachNext(handler: NextHandler): void;
  markStarted(): void;
  isStarted(): boolean;
  /** Stop accepting, let in-flight requests finish (up to graceMs), then close the rest. */
  drain(graceMs: number): Promise<void>;
};

/**
 * Anything with a fetch handler: the API app. `serveNode`, when it has one, takes API requests
 * first as Node requests (its fast paths) and passes the rest to the fetch handler's listener.
 */
type FetchApp = {
  fetch: (request: Request, env: object) => Response | Promise<Response>;
  serveNode?: (req: http.IncomingMessage, res: http.ServerResponse, router: (req: http.IncomingMessage, res: http.ServerResponse) => unknown) => void;
};

export function createAppServer(api: FetchApp): AppServer {
  // The API's unread bodies are drained by guardUnreadBody (capped, lingering), not by Hono's own
  // clean-up, which gives up after 500 ms and then destroys the socket under the client.
  const apiListener = getRequestListener((request, env) => api.fetch(request, env), { autoCleanupIncoming: false });
  let next: NextHandler | undefined;
  let started = false;

  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0]!;
    if (isApiPath(pathname)) {
      guardUnreadBody(req, res);
      if (!started && pathname !== '/healthz' && pathname !== '/readyz') return starting(res, true);
      return void (api.serveNode ? api.serveNode(req, res, apiListener) : apiListener(req, res));
    }
    if (!started || !next) return starting(res, false);
    stampClientIp(req);
    next(req, res).catch((error: unknown) => {
      log.error({ method: req.method, error: errorFields(error) }, 'portal request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error');
    });
  });
  server.keepAliveTimeout = 65_000;

  return {
    server,
    attachNext: (handler) => void (next = handler),
    markStarted: () => void (started = true),
    isStarted: () => started,
    drain: (graceMs) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs).unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

function starting(res: http.ServerResponse, json: boolean) {
  res.writeHead(503, { 'retry-after': '2', 'cache-control': 'no-store', 'content-type': json ? 'application/json' : 'text/html; charset=utf-8' });
  res.end(json
    ? JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'Wearhouse is starting.' })
    : '<!doctype html><meta http-equiv="refresh" content="2"><title>Wearhouse</title><p style="font-family:sans-serif;margin:3rem">Wearhouse is starting…</p>');
}
