// What both API dialects share: a router whose requests are size-limited, authenticated by an App
// Key (after a per-IP check on failed authentications), rate-limited per key and validated with
// zod, and whose every error, from any of those steps or from a service, is rendered once, in the
// dialect's own error body.
import { ServerResponse } from 'node:http';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { authenticateAppKey } from '../apps/keys';
import type { AppCaller } from '../auth/caller';
import { config } from '../config';
import { DomainError } from '../errors';
import { asDomainError, logFailure } from './errors';
import type { AttemptLimiter, RateLimiter } from './rate-limit';

export type ApiEnv = { Variables: { caller: AppCaller; ip: string | null; requestId: string } };
export type ApiContext = Context<ApiEnv>;

export type Dialect = {
  /** The App Key the request presents, or null when it presents none in this dialect's way. */
  presentedKey(c: Context): string | null;
  /** Checks every request must pass before authentication (e.g. a version header). */
  precondition?(c: Context): void;
  /** The dialect's error response; `error` is null for an unexpected failure (500). */
  renderError(c: Context, error: DomainError | null): Response;
};

/** The limits a dialect router applies: failed authentications per client IP, then requests per key. */
export type ApiLimits = { perKey: RateLimiter; authFailures: AttemptLimiter };

export const MAX_BODY_BYTES = 1024 * 1024;

/** A request id a proxy in front may pass on; anything else is replaced by a fresh one. */
export const REQUEST_ID = /^[\w.:-]{1,128}$/;

function clientIp(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/**
 * Any error from a dialect router's middleware, validation or service, rendered once in the
 * dialect's own body; failures on our side (bugs, a lost database) are logged, never shown.
 */
export function renderFailure(dialect: Dialect, error: unknown, c: Context): Response {
  const known = asDomainError(error);
  if (!known || known.kind === 'unavailable') logFailure(error, { method: c.req.method, route: c.req.routePath, requestId: c.get('requestId') });
  return dialect.renderError(c, known);
}

/** `streamedBodyPaths`: routes that stream their body with a cap of their own (an Apple Health export) instead of the 1 MB limit. */
export function createDialectRouter(dialect: Dialect, limits: ApiLimits, options: { streamedBodyPaths?: RegExp } = {}) {
  const router = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        const first = result.error.issues[0];
        // Name the parameter, unless the message already starts with it (integerQueryParam's do).
        const name = first?.path.join('.') ?? '';
        const where = name && !first!.message.startsWith(`${name} `) ? `${name}: ` : '';
        throw new DomainError('invalid_input', `${where}${first?.message ?? 'Invalid request.'}`, { issues });
      }
    },
  });

  // No router.onError here: Hono wraps every middleware and handler of a router that has its own
  // error handler in a composition of its own, on every request. The app renders these routers'
  // errors with renderFailure instead, choosing the dialect by path (see createApi).
  router.notFound((c) => dialect.renderError(c, new DomainError('not_found', `No route ${c.req.method} ${c.req.path}.`)));

  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new DomainError('payload_too_large', 'The request body is larger than 1 MB.');
    },
  });
  const authenticate = async (c: ApiContext, next: () => Promise<void>) => {
    dialect.precondition?.(c);
    const presented = dialect.presentedKey(c);
    if (!presented) throw new DomainError('unauthorized', 'An App Key is required.');
    // A client that keeps presenting bad keys is refused before its keys are looked up: each
    // lookup costs the database a query, and a flood of them would cost every app.
    const ip = clientIp(c);
    const client = `ip:${ip ?? 'unknown'}`;
    const gate = await limits.authFailures.check(client);
    if (!gate.allowed) {
      throw new DomainError('rate_limited', `Too many requests with an invalid App Key from this address; retry in ${gate.retryAfterSeconds} s.`, {
        retryAfterSeconds: gate.retryAfterSeconds,
      });
    }
    const caller = await authenticateAppKey(presented);
    if (!caller) {
      await limits.authFailures.fail(client);
      throw new DomainError('unauthorized', 'The App Key is not valid, or has been revoked.');
    }
    const verdict = await limits.perKey.take(`key:${caller.keyId}`);
    if (!verdict.allowed) {
      throw new DomainError('rate_limited', `Too many requests for this App Key; retry in ${verdict.retryAfterSeconds} s.`, {
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    }
    c.set('caller', caller);
    c.set('ip', ip);
    await next();
  };
  // One middleware for the body limit and authentication: Hono wraps each middleware of a router
  // with its own error handler in a composition of its own, per request. GET and HEAD carry no
  // body; skipping the limiter there spares building a full Request per call, measured at about a
  // fifth of the API's CPU on the hottest path (GET one user).
  router.use((c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' || options.streamedBodyPaths?.test(c.req.path)
      ? authenticate(c, next) : limitBody(c, () => authenticate(c, next)));
  return router;
}

/**
 * Headers every response of a request carries, set before its handler runs. Served by Node, they go
 * straight onto the Node response, which merges them with the handler's own when it writes the
 * head: Hono's c.header() would make a WHATWG Headers object for the response, and
 * @hono/node-server then converts it back header by header (a twentieth of the CPU of GET one user,
 * bench:api profile), where a handler's plain headers object is written as it is. Served
 * in-process (`api.request()`, no Node response), they go through Hono as usual.
 */
export function presetHeaders(c: Context, headers: Record<string, string>): void {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  if (outgoing instanceof ServerResponse && !outgoing.headersSent) {
    for (const name in headers) outgoing.setHeader(name, headers[name]!);
  } else {
    for (const name in headers) c.header(name, headers[name]);
  }
}

/** The absolute URL of this server: WEARHOUSE_BASE_URL when set, else the request's own host. */
export function baseUrlOf(c: Context): string {
  const configured = config().WEARHOUSE_BASE_URL;
  if (configured) return configured.replace(/\/$/, '');
  const url = new URL(c.req.url);
  return `${url.protocol}//${url.host}`;
}

/**
 * An integer query parameter: validated with coercion from the query string, and documented with
 * the same bounds (zod's coercion alone would document it as "integer or null", without them).
 * Every way of getting it wrong gets one message in plain words (`limit=abc` would otherwise read
 * "expected number, received NaN"); `tooLarge` may say more, e.g. how to go further instead.
 */
export function integerQueryParam(name: string, bounds: { min: number; max: number; default: number; description: string; tooLarge?: string }) {
  const message = `${name} must be a whole number from ${bounds.min} to ${bounds.max}.`;
  return z.coerce.number({ error: message }).int({ error: message }).min(bounds.min, { error: message })
    .max(bounds.max, { error: bounds.tooLarge ? `${message} ${bounds.tooLarge}` : message })
    .default(bounds.default).openapi({
      param: { name, in: 'query' },
      type: 'integer',
      minimum: bounds.min,
      maximum: bounds.max,
      default: bounds.default,
      description: bounds.description,
      example: bounds.default,
    });
}
