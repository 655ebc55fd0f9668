// The tiny page a Connect popup lands on after a provider sent the user back (end-user sign-in,
// a source's consent): it says what happened, tells its opener through postMessage to its own
// origin only, and closes. The callback URL carries an authorization code: never sent on as a
// Referer, never on the page.
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';

/** JSON for an inline script: `<`, U+2028 and U+2029 escaped so nothing can close the script. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function popupResultPage(c: Context, page: { title: string; text: string; httpStatus: number; message: object }): Response {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem;">
<p role="status">${escapeHtml(page.text)}</p>
<p>You can close this window.</p>
<script nonce="${nonce}">
(function () {
  var message = ${scriptJson(page.message)};
  try { if (window.opener) window.opener.postMessage(message, location.origin); } catch (e) {}
  setTimeout(function () { window.close(); }, 50);
})();
</script>
</body></html>`;
  return c.html(html, page.httpStatus as 200, {
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
    'X-Content-Type-Options': 'nosniff',
  });
}
