// GET /connect/callback/{source}: where Fitbit or Oura send the user back after consent, in the
// popup the Connect widget opened. The page finishes linking (lib/sources/oauth/authorize.ts),
// tells its opener through postMessage to its own origin, and closes. Neither page nor log line
// carries the code or the state.
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { completeAuthorization, type AuthorizationResult } from '../../sources/oauth/authorize';
import { logFailure } from '../errors';

/** JSON for an inline script: `<`, U+2028 and U+2029 escaped so nothing can close the script. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The message the widget listens for (components/connect/widget.ts). */
export type SourceCallbackMessage = { type: 'wearhouse-source'; status: AuthorizationResult['status']; message: string; source: AuthorizationResult['source'] };

export function sourceResultPage(c: Context, result: AuthorizationResult): Response {
  const nonce = randomBytes(16).toString('base64');
  const message: SourceCallbackMessage = { type: 'wearhouse-source', status: result.status, message: result.message, source: result.source };
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${result.status === 'connected' ? 'Connected' : 'Not connected'}</title></head>
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

/** The route's handler: every outcome is a page for the popup, a bug included (logged, no details). */
export async function handleSourceCallback(c: Context): Promise<Response> {
  try {
    return sourceResultPage(c, await completeAuthorization(c.req.param('source') ?? '', new URL(c.req.url)));
  } catch (error) {
    logFailure(error, { method: 'GET', route: '/connect/callback/:source', requestId: c.get('requestId') as string | undefined });
    return sourceResultPage(c, { status: 'failed', message: 'Something went wrong on our side; try again.', httpStatus: 500, source: null });
  }
}
