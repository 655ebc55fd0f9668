// The Connect widget's HTML: one server-rendered shell (the widget, or a page that says in plain
// words why Connect cannot open) plus the headers that decide who may frame it.
import type { ConnectBoot } from '../../../components/connect/types';
import type { WidgetAssets } from './widget-assets';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
/** JSON inside a <script> element: no `</script>` or `<!--` can end or bend it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/**
 * The headers of every widget page. `frameAncestors` is the app's Connect origins plus the portal's
 * own, or '*' for a page that holds nothing of anyone's (a missing or unknown token).
 */
export function pageHeaders(frameAncestors: string[] | '*'): Record<string, string> {
  const ancestors = frameAncestors === '*' ? '*' : frameAncestors.join(' ');
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      `frame-ancestors ${ancestors}`,
    ].join('; '),
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
}

export type PageContent =
  | { kind: 'widget'; appName: string }
  | { kind: 'problem'; appName: string | null; heading: string; message: string; advice: string };

/** The page: its shell, the boot block the script reads, the script and stylesheet by hashed URL. */
export function renderPage(assets: WidgetAssets, boot: ConnectBoot | null, content: PageContent): string {
  const appName = content.appName ? escapeHtml(content.appName) : null;
  const main = content.kind === 'widget'
    ? '<div id="content"><p class="empty" role="status">Loading your sources…</p></div>'
    : `<div id="content"><div class="panel" role="alert"><h2>${escapeHtml(content.heading)}</h2><p>${escapeHtml(content.message)}</p><p>${escapeHtml(content.advice)}</p></div></div>`;
  // Without a boot block (a refused redirect-mode link) the page is plain text: nothing to close.
  const closeButton = boot ? '<button type="button" class="icon-button" data-action="close" aria-label="Close Connect">×</button>' : '';
  const footerButton = !boot ? '' : content.kind === 'widget'
    ? '<button type="button" class="button primary" id="done" data-action="done">Done</button>'
    : '<button type="button" class="button primary" data-action="close">Close</button>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="color-scheme" content="light dark">
<title>Connect your health data${appName ? ` to ${appName}` : ''}</title>
<link rel="stylesheet" href="/connect/assets/${assets.style.name}">
${boot ? `<script type="application/json" id="connect-boot">${scriptJson(boot)}</script>
<script src="/connect/assets/${assets.script.name}" defer></script>` : ''}
</head><body><div class="shell">
<header class="bar"><h1>Connect your health data${appName ? ` <span class="app">to ${appName}</span>` : ''}</h1>${closeButton}</header>
<main><div id="error" class="error" role="alert" hidden></div>${main}</main>
<footer class="footer"><p>Powered by Wearhouse</p>${footerButton}</footer>
</div>
<div id="live" class="visually-hidden" aria-live="polite"></div>
<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-text"><h2 id="confirm-title">Disconnect?</h2><p id="confirm-text"></p>
<div class="actions"><button type="button" class="button" id="confirm-cancel">Cancel</button><button type="button" class="button danger" id="confirm-disconnect">Disconnect</button></div></dialog>
</body></html>`;
}

/** The mark the official client shows in its iframe while Connect loads. */
export const LAUNCH_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="220" height="40" viewBox="0 0 220 40" role="img" aria-label="Connecting…">
<rect x="2" y="6" width="28" height="28" rx="7" fill="#0b5cad"/><path d="M10 20h12M16 14v12" stroke="#fff" stroke-width="3" stroke-linecap="round"/>
<text x="40" y="26" font-family="system-ui, sans-serif" font-size="16" fill="#52606d">Opening Connect…</text></svg>`;
