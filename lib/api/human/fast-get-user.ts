// GET one user — the Application API's hottest request — served straight from Node's request and
// response, without building a WHATWG Request, routing through Hono, composing its middleware,
// validating with zod or building a Response. It does what that path does for this one request,
// in the same order and with the same answers: the request id, the failed-authentication gate,
// the App Key, the per-key rate limit, the service call, the Human body, one log line.
// Anything off the common path (another method, a malformed id, no or a bad key, a key of another
// app) is left to the Hono router, before anything is counted, so that every error and its body
// stays defined in one place; only the answers after the rate limit took a token (429, 404, 503)
// are written here, from the same humanError as the router's.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { authenticateAppKey } from '../../apps/keys';
import { DomainError } from '../../errors';
import { requestLog } from '../../log';
import { getUserSummary } from '../../users/users';
import { REQUEST_ID, type ApiLimits } from '../dialect';
import { asDomainError, logFailure } from '../errors';
import { basicAppKey, GET_USER_ROUTE, humanError, toHumanUser } from './users';

const GET_USER_PATH = /^\/v1\/apps\/([0-9a-f]{40})\/users\/([0-9a-f]{32})(?:\?|$)/;

export type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;

/**
 * A Node request handler that answers GET one user itself and hands every other request, and
 * those of its own it leaves to the router, to `router` (the Hono app's Node listener).
 */
export function fastGetUser(limits: ApiLimits): (req: http.IncomingMessage, res: http.ServerResponse, router: NodeHandler) => void {
  return (req, res, router) => {
    const match = req.method === 'GET' ? GET_USER_PATH.exec(req.url ?? '') : null;
    const presented = match ? basicAppKey(req.headers.authorization) : null;
    if (!match || !presented) return void router(req, res);
    void serve(limits, req, res, router, presented, match[1]!, match[2]!, performance.now());
  };
}

async function serve(limits: ApiLimits, req: http.IncomingMessage, res: http.ServerResponse, router: NodeHandler, presented: string, clientId: string, humanId: string, started: number) {
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  let status: number;
  try {
    const ip = req.socket.remoteAddress ?? null;
    const gate = await limits.authFailures.check(`ip:${ip ?? 'unknown'}`);
    const caller = gate.allowed ? await authenticateAppKey(presented) : null;
    if (!caller || caller.clientId !== clientId) return void router(req, res);
    const verdict = await limits.perKey.take(`key:${caller.keyId}`);
    if (!verdict.allowed) {
      throw new DomainError('rate_limited', `Too many requests for this App Key; retry in ${verdict.retryAfterSeconds} s.`, {
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    }
    const body = JSON.stringify(toHumanUser(await getUserSummary(caller, clientId, humanId)));
    status = 200;
    res.writeHead(200, { 'Cache-Control': 'no-store', 'X-Request-Id': requestId, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  } catch (error) {
    const known = asDomainError(error);
    if (!known || known.kind === 'unavailable') logFailure(error, { method: 'GET', route: GET_USER_ROUTE, requestId });
    const answer = humanError(known);
    status = answer.status;
    const body = JSON.stringify(answer.body);
    if (!res.headersSent) {
      res.writeHead(status, { ...answer.headers, 'X-Request-Id': requestId, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    }
    res.end(body);
  }
  requestLog.info({ requestId, method: 'GET', route: GET_USER_ROUTE, status, durationMs: Math.round((performance.now() - started) * 10) / 10 }, 'request');
}
