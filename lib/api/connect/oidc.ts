// /connect/oidc: end users signing in to the app's OpenID Connect provider from the Connect widget.
// POST /begin (the widget's credential as bearer) returns the provider URL to open in a popup; the
// provider sends the user back to GET /callback, which finishes the sign-in and tells the widget
// through postMessage to its own origin. Neither page nor log line ever carries the code or state.
import { Hono, type Context } from 'hono';
import { beginSignIn, completeSignIn, type SignInResult } from '../../connect/oidc';
import { DomainError } from '../../errors';
import { baseUrlOf } from '../dialect';
import { asDomainError, logFailure } from '../errors';
import { popupResultPage } from './popup-page';
import { renderConnectError } from './tokens';

type OidcEnv = { Variables: { requestId: string } };

/** The tiny page the popup lands on: tells its opener (same origin only) and closes. */
export function signInResultPage(c: Context, result: SignInResult): Response {
  return popupResultPage(c, {
    title: result.status === 'signed-in' ? 'Signed in' : 'Sign-in failed',
    text: result.message,
    httpStatus: result.httpStatus,
    message: { type: 'wearhouse-oidc', status: result.status, message: result.message },
  });
}

export function connectOidcRoutes() {
  const router = new Hono<OidcEnv>();
  router.onError((error, c) => {
    const known = asDomainError(error);
    if (!known || known.kind === 'unavailable') logFailure(error, { method: c.req.method, route: c.req.routePath, requestId: c.get('requestId') });
    if (c.req.path.endsWith('/callback')) return signInResultPage(c, { status: 'failed', message: known?.message ?? 'Something went wrong on our side.', httpStatus: known?.status ?? 500 });
    return renderConnectError(c, known);
  });
  router.notFound((c) => renderConnectError(c, new DomainError('not_found', `No route ${c.req.method} ${c.req.path}.`)));

  router.post('/begin', async (c) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!match) throw new DomainError('unauthorized', "Send the widget's Connect session as a Bearer token.");
    return c.json(await beginSignIn(match[1]!, { baseUrl: baseUrlOf(c) }), 200);
  });

  router.get('/callback', async (c) => signInResultPage(c, await completeSignIn(new URL(c.req.url))));
  return router;
}
