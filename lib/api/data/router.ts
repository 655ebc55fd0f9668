// The Data API at /v1/human: an end user's own data, read with their token. The router checks the
// token (Authorization: Bearer, or ?access_token= for old clients), counts failures per client IP,
// rate-limits per user, validates with zod and renders every error as Human API's body. Tokens
// travel in URLs here, so nothing in this module logs a URL, a query string or a header.
import { OpenAPIHono } from '@hono/zod-openapi';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { endUserForAccessToken, touchLastActive } from '../../connect/end-user';
import { DomainError } from '../../errors';
import { errorFields, log } from '../../log';
import type { ApiLimits } from '../dialect';
import { asDomainError, logFailure } from '../errors';
import type { DataEnv } from './common';
import { renderDataError } from './common';
import { registerImportRoutes } from './imports';
import { registerProfileRoutes } from './profile';
import { registerReadingRoutes } from './readings';
import { registerSourceRoutes } from './sources';
import { registerSummaryRoutes } from './summaries';
import { registerUploadRoutes } from './upload';

/** The token a request presents: the Authorization header's bearer token, else ?access_token=. */
export function presentedToken(c: Context): string | null {
  const header = c.req.header('authorization');
  if (header !== undefined) return header.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? null;
  const query = c.req.query('access_token');
  return query ? query : null;
}

// Copied from lib/api/dialect.ts, where it is private.
function clientIp(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

export function dataRoutes(limits: ApiLimits) {
  const router = new OpenAPIHono<DataEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const first = result.error.issues[0];
        const name = first?.path.join('.') ?? '';
        const where = name && !first!.message.startsWith(`${name} `) ? `${name}: ` : '';
        throw new DomainError('invalid_input', `${where}${first?.message ?? 'Invalid request.'}`, {
          issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      }
    },
  });
  router.onError((error, c) => {
    const known = asDomainError(error);
    if (!known || known.kind === 'unavailable') logFailure(error, { method: c.req.method, route: c.req.routePath, requestId: c.get('requestId') });
    return renderDataError(c, known);
  });
  router.notFound((c) => renderDataError(c, new DomainError('not_found', `No route ${c.req.method} ${c.req.path}.`)));

  router.use(async (c, next) => {
    const presented = presentedToken(c);
    if (!presented) throw new DomainError('unauthorized', "A user's access token is required: send Authorization: Bearer <accessToken>.");
    // A client that keeps presenting bad tokens is refused before its tokens are looked up.
    const ip = clientIp(c);
    const client = `ip:${ip ?? 'unknown'}`;
    const gate = await limits.authFailures.check(client);
    if (!gate.allowed) {
      throw new DomainError('rate_limited', `Too many requests with an invalid token from this address; retry in ${gate.retryAfterSeconds} s.`, {
        retryAfterSeconds: gate.retryAfterSeconds,
      });
    }
    const caller = await endUserForAccessToken(presented);
    if (!caller) {
      await limits.authFailures.fail(client);
      throw new DomainError('unauthorized', 'The access token is not valid: unknown, expired, or its user was deleted.');
    }
    const verdict = await limits.perKey.take(`user:${caller.userId}`);
    if (!verdict.allowed) {
      throw new DomainError('rate_limited', `Too many requests for this user's token; retry in ${verdict.retryAfterSeconds} s.`, {
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    }
    c.set('caller', caller);
    c.set('ip', ip);
    // Recorded beside the response, not before it: a read never waits for a write.
    touchLastActive(caller).catch((error: unknown) => log.warn({ error: errorFields(error) }, 'last active not recorded'));
    await next();
  });

  // Fixed paths before /{type}, which would otherwise take "profile" and "sources" for types.
  registerProfileRoutes(router);
  registerSourceRoutes(router);
  registerSummaryRoutes(router);
  registerImportRoutes(router);
  registerReadingRoutes(router);
  registerUploadRoutes(router);

  router.openAPIRegistry.registerComponent('securitySchemes', 'userAccessToken', {
    type: 'http',
    scheme: 'bearer',
    description:
      "A user's accessToken (from the portal or the Connect finish step) or a short-lived access token from " +
      'POST /v1/connect/token (type=access). Old clients may pass it as `?access_token=` instead; Link headers never repeat it.',
  });
  return router;
}
