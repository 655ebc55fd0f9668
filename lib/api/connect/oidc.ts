// /connect/oidc: end users signing in to the app's OpenID Connect provider from the Connect widget.
// POST /begin (the widget's credential as bearer) returns the provider URL to open in a popup; the
// provider sends the user back to GET /callback, which finishes the sign-in and tells the widget
// through postMessage to its own origin. Neither page nor log line ever carries the code or state.
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { beginSignIn, completeSignIn, type SignInResult } from '../../connect/oidc';
import { DomainError } from '../../errors';
import { baseUrlOf } from '../dialect';
import { asDomainError, logFailure } from '../errors';
import { renderConnectError } from './tokens';

type OidcEnv = { Variables: { requestId: string } };

/** JSON for an inline script: `<`, U+2028 and U+2029 escaped so nothing can close the script. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The tiny page the popup lands on: tells its opener (same origin only) and closes. */
export function signInResultPage(c: Context, result: SignInResult): Response {
  const nonce = randomBytes(16).toString('base64');
  const message = { type: 'wearhouse-oidc', status: result.status, message: result.message };
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${result.status === 'signed-in' ? 'Signed in' : 'Sign-in failed'}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem;">
<p role="status">${escapeHtml(result.message)}</p>
<p>You can close this window.</p>
<script nonce="${nonce}">
(function () {
  var message = ${scriptJson(message)};
  try { if (window.opener) window.opener.postMessage(message, location.origin); } catch (e) {}
  setTimeout(function () { window.close(); }, 50);
})();
</script>
</body></html>`;
  return c.html(html, result.httpStatus as 200, {
    'Cache-Control': 'no-store',
    // The callback URL carries the authorization code: never send it on as a Referer.
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
    'X-Content-Type-Options': 'nosniff',
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
