// The Connect widget under /connect: the page an app frames (GET /connect?token=…), the v2.1
// redirect mode for mobile webviews (GET /connect/embed), the page's JSON endpoints
// (/connect/api/*, authenticated by the widget token as a Bearer, never by cookies, which browsers
// drop in third-party iframes), and its static assets. Never logs a URL: tokens travel in them.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { ConnectSettings } from '../../apps/apps';
import type { ConnectBoot } from '../../../components/connect/types';
import type { EndUserCaller } from '../../auth/caller';
import { touchLastActive } from '../../connect/end-user';
import { beginSignIn } from '../../connect/oidc';
import { openConnect, widgetSession, type WidgetSession } from '../../connect/tokens';
import { connectFromWidget, disconnectFromWidget, finishRedirect, openEmbed, widgetState } from '../../connect/widget';
import { DomainError } from '../../errors';
import { errorFields, log } from '../../log';
import { baseUrlOf } from '../dialect';
import { asDomainError, isDatabaseUnavailable, logFailure } from '../errors';
import { registerWidgetImportRoutes } from './imports';
import { beginAuthorization } from '../../sources/oauth/authorize';
import { handleSourceCallback } from './source-callback';
import { widgetAssets } from './widget-assets';
import { LAUNCH_SVG, pageHeaders, renderPage } from './widget-page';

type WidgetEnv = { Variables: { requestId: string; session: WidgetSession; widgetToken: string } };

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 503: 'Service Unavailable',
};

/** The origin of this server as the browser sees it (WEARHOUSE_BASE_URL when set). */
const portalOrigin = (c: Context) => new URL(baseUrlOf(c)).origin;

/**
 * The origins that may frame a page of this app and receive its messages: the app's Connect origins
 * and the portal's own (which opens the widget on a user's page). With no origins configured that
 * is the portal only, so such an app's widget works top-level or inside the portal, never framed by
 * another site. One list for both, so what may frame the widget is exactly what hears from it.
 */
const trustedOriginsOf = (c: Context, settings: ConnectSettings) => [...new Set([...settings.connectOrigins, portalOrigin(c)])];

/** Using Connect moves the user's last_active (throttled; never holds up the answer). */
function noteActive(caller: EndUserCaller) {
  touchLastActive(caller).catch((error: unknown) => log.warn({ error: errorFields(error) }, 'last active not recorded'));
}

const short = (max: number) => z.string().max(max, `at most ${max} characters`);
const PageQuery = z.object({
  token: short(200).optional(),
  mode: z.enum(['auth', 'select'], { error: 'mode is auth or select.' }).optional(),
  segment: short(200).optional(),
  pinnedProviders: short(2000).optional(),
  preseed: short(20).optional(),
  config: short(4000).optional(),
});

const EmbedQuery = z.object({
  client_id: z.string({ error: 'client_id is required.' }).max(100),
  client_user_id: z.string({ error: 'client_user_id is required.' }).max(255, 'client_user_id is at most 255 characters.'),
  public_token: short(200).optional(),
  finish_url: z.string({ error: 'finish_url is required.' }).max(2000),
  close_url: z.string({ error: 'close_url is required.' }).max(2000),
});

const SourceBody = z.object({ sourceId: z.string().min(1).max(100) }).strict();
const FinishBody = z.object({ finishUrl: z.string().min(1).max(2000) }).strict();

const PROBLEMS = {
  MISSING_SESSION_TOKEN: { http: 400, heading: 'Connect could not open' },
  SESSION_TOKEN_INVALID: { http: 401, heading: 'This link cannot be used' },
  SESSION_TOKEN_EXPIRED: { http: 401, heading: 'This link has expired' },
} as const;
const REOPEN = 'Close this window and open Connect again from the app.';

/** Parse a JSON body (or fail with a clear 400). */
async function jsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const raw: unknown = await c.req.json().catch(() => {
    throw new DomainError('invalid_input', 'The body must be JSON.');
  });
  return schema.parse(raw);
}

export function connectRoutes() {
  const router = new Hono<WidgetEnv>();
  // Bundle while the server starts rather than on the first visitor's request.
  widgetAssets().catch((error: unknown) => logFailure(error, { method: 'GET', route: '/connect/assets' }));

  router.use(async (c, next) => {
    await next();
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
  });

  router.get('/', async (c) => {
    const assets = await widgetAssets();
    const query = PageQuery.safeParse(c.req.query());
    if (!query.success) {
      const message = query.error.issues[0]?.message ?? 'Malformed link.';
      return c.html(renderPage(assets, { page: 'error', status: 'SESSION_TOKEN_INVALID', targetOrigins: '*', redirect: null }, {
        kind: 'problem', appName: null, heading: 'This link is malformed', message: `${query.error.issues[0]?.path.join('.') ?? 'query'}: ${message}`, advice: REOPEN,
      }), 400, pageHeaders('*'));
    }
    // Spends the session token at once: the page keeps the widget token, in memory only.
    const opened = await openConnect(query.data.token || undefined);
    if (!opened.ok) {
      const problem = PROBLEMS[opened.status];
      const known = opened.settings;
      const boot: ConnectBoot = { page: 'error', status: opened.status, targetOrigins: known ? trustedOriginsOf(c, known) : '*', redirect: null };
      const message = opened.status === 'SESSION_TOKEN_INVALID' && /already used/i.test(opened.message)
        ? 'This link was already used: each Connect link opens once (reloading the page uses it again).'
        : opened.message;
      return c.html(renderPage(assets, boot, { kind: 'problem', appName: known?.appName ?? null, heading: problem.heading, message, advice: REOPEN }),
        problem.http, pageHeaders(known ? trustedOriginsOf(c, known) : '*'));
    }
    noteActive(opened.caller);
    const pinned = (query.data.pinnedProviders ?? '').split(',').map((p) => p.trim().toLowerCase()).filter(Boolean).slice(0, 50);
    const boot: ConnectBoot = { page: 'widget', widgetToken: opened.widgetToken, targetOrigins: trustedOriginsOf(c, opened.settings), pinned, redirect: null };
    return c.html(renderPage(assets, boot, { kind: 'widget', appName: opened.settings.appName }), 200, pageHeaders(trustedOriginsOf(c, opened.settings)));
  });

  router.get('/embed', async (c) => {
    const assets = await widgetAssets();
    const refuse = (status: 400 | 403, message: string) =>
      c.html(renderPage(assets, null, { kind: 'problem', appName: null, heading: 'This link cannot be opened', message, advice: 'Go back to the app and try again.' }),
        status, pageHeaders([portalOrigin(c)]));
    const query = EmbedQuery.safeParse(c.req.query());
    if (!query.success) return refuse(400, query.error.issues[0]?.message ?? 'Malformed link.');
    const q = query.data;
    try {
      const { opened, settings } = await openEmbed({ clientId: q.client_id, externalId: q.client_user_id, publicToken: q.public_token, finishUrl: q.finish_url, closeUrl: q.close_url });
      const boot: ConnectBoot = {
        page: 'widget', widgetToken: opened.widgetToken, targetOrigins: trustedOriginsOf(c, settings), pinned: [],
        redirect: { finishUrl: q.finish_url, closeUrl: q.close_url },
      };
      return c.html(renderPage(assets, boot, { kind: 'widget', appName: settings.appName }), 200, pageHeaders(trustedOriginsOf(c, settings)));
    } catch (error) {
      const known = asDomainError(error);
      if (known && (known.status === 400 || known.status === 403)) return refuse(known.status, known.message);
      throw error;
    }
  });

  router.get('/assets/:name', async (c) => {
    const { script, style } = await widgetAssets();
    const asset = [script, style].find((a) => a.name === c.req.param('name'));
    if (!asset) return c.json({ statusCode: 404, error: 'Not Found', message: 'No such asset (the widget was updated: reload Connect).' }, 404);
    return c.body(new Uint8Array(asset.body), 200, {
      'Content-Type': asset.contentType,
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
  });

  router.get('/images/data-source-type-icons/launch-connect-text.svg', (c) =>
    c.body(LAUNCH_SVG, 200, {
      'Content-Type': 'image/svg+xml',
      'Cache-Control': 'public, max-age=86400',
      // The official client shows it as its iframe's background, on the app's page.
      'Cross-Origin-Resource-Policy': 'cross-origin',
    }));

  // Where Fitbit and Oura send the user back (in the widget's popup) after consent.
  router.get('/callback/:source', handleSourceCallback);

  // ---- The widget page's JSON endpoints -------------------------------------------------------
  const api = new Hono<WidgetEnv>();
  api.use(bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw new DomainError('payload_too_large', 'The request body is larger than 16 kB.');
    },
  }));
  api.use(async (c, next) => {
    const match = c.req.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) throw new DomainError('unauthorized', 'The widget token is missing.');
    const session = await widgetSession(match[1]!);
    if (!session) throw new DomainError('unauthorized', 'This Connect session has ended. Close it and open Connect again from the app.');
    c.set('session', session);
    c.set('widgetToken', match[1]!);
    noteActive(session.caller);
    await next();
  });
  api.get('/state', async (c) => c.json(await widgetState(c.var.session)));
  api.post('/connect', async (c) => c.json(await connectFromWidget(c.var.session, (await jsonBody(c, SourceBody)).sourceId)));
  // An OAuth2 source (Fitbit, Oura): the provider's consent URL, which the widget opens in a popup.
  api.post('/authorize', async (c) =>
    c.json(await beginAuthorization(c.var.widgetToken, c.var.session, (await jsonBody(c, SourceBody)).sourceId, { baseUrl: baseUrlOf(c) })));
  api.post('/disconnect', async (c) => c.json(await disconnectFromWidget(c.var.session, (await jsonBody(c, SourceBody)).sourceId)));
  api.post('/sign-in', async (c) => {
    if (!c.var.session.mustSignIn) throw new DomainError('conflict', 'You are signed in already.');
    return c.json(await beginSignIn(c.var.widgetToken, { baseUrl: baseUrlOf(c) }));
  });
  api.post('/finish', async (c) => {
    const { finishUrl } = await jsonBody(c, FinishBody);
    return c.json({ url: await finishRedirect(c.var.session, finishUrl) });
  });
  api.notFound((c) => c.json({ statusCode: 404, error: 'Not Found', message: `No route ${c.req.method} ${c.req.path}.` }, 404));
  api.onError((error, c) => renderApiError(c, error));
  router.route('/api', api);
  registerWidgetImportRoutes(router);

  router.notFound((c) => c.json({ statusCode: 404, error: 'Not Found', message: `No route ${c.req.method} ${c.req.path}.` }, 404));
  router.onError((error, c) => renderApiError(c, error));
  return router;
}

function renderApiError(c: Context, error: unknown) {
  const known = asDomainError(error);
  // Our own refusals are answers, not failures; a bug or a lost database is logged.
  if (!known || isDatabaseUnavailable(error)) logFailure(error, { method: c.req.method, route: c.req.routePath, requestId: c.get('requestId') as string | undefined });
  const status = known?.status ?? 500;
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (known?.extra.retryAfterSeconds) headers['Retry-After'] = String(known.extra.retryAfterSeconds);
  return c.json({
    statusCode: status,
    error: REASONS[status] ?? 'Internal Server Error',
    message: known?.message ?? 'Something went wrong on our side.',
    ...(known?.extra.issues ? { issues: known.extra.issues } : {}),
  }, status as 400, headers);
}
