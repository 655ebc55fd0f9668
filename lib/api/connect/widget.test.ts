import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { updateConnectSettings } from '../../apps/apps';
import { operator, type ClientCaller } from '../../auth/caller';
import { sha256Hex } from '../../auth/secrets';
import { mintSessionForUser, openConnect } from '../../connect/tokens';
import { getDb } from '../../db/client';
import { apps, connectSessions, users } from '../../db/schema';
import { listConnections } from '../../sources/connections';
import { startApi, type RunningApi } from '../../testing/api';
import { createTestApp, type TestApp } from '../../testing/fixtures';
import { revealTokens } from '../../users/users';
import type { ConnectBoot } from '../../../components/connect/types';
import type { WidgetStateView } from '../../connect/widget';
import { measureWidgetBundle, WIDGET_JS_BUDGET_GZIP } from './widget-assets';

let api: RunningApi;
beforeAll(async () => void (api = await startApi()));
afterAll(async () => api?.close());

const APP_ORIGIN = 'https://app.example.test';
const ext = () => `user-${randomBytes(4).toString('hex')}`;

async function clientOf(app: TestApp): Promise<ClientCaller> {
  const [row] = await getDb().select({ id: apps.id }).from(apps).where(eq(apps.clientId, app.clientId));
  return { kind: 'client', appId: row!.id, clientId: app.clientId };
}

async function sessionToken(app: TestApp, externalId = ext()) {
  return mintSessionForUser(await clientOf(app), app.clientId, { externalId });
}

function bootOf(html: string): ConnectBoot {
  const match = html.match(/<script type="application\/json" id="connect-boot">(.*?)<\/script>/s);
  if (!match) throw new Error('The page has no boot block.');
  return JSON.parse(match[1]!) as ConnectBoot;
}

const frameAncestors = (response: Response) => response.headers.get('content-security-policy')?.match(/frame-ancestors ([^;]*)/)?.[1];

async function openWidget(app: TestApp, externalId = ext()) {
  const minted = await sessionToken(app, externalId);
  const response = await fetch(`${api.baseUrl}/connect?token=${minted.sessionToken}&mode=auth`);
  expect(response.status).toBe(200);
  const boot = bootOf(await response.text());
  if (boot.page !== 'widget') throw new Error('The widget did not open.');
  return { ...minted, widgetToken: boot.widgetToken, boot };
}

function call(widgetToken: string | null, method: 'GET' | 'POST', route: string, body?: unknown) {
  return fetch(`${api.baseUrl}/connect/api/${route}`, {
    method,
    headers: { ...(widgetToken ? { authorization: `Bearer ${widgetToken}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe(`The Connect widget on ${inject('databaseKind')}`, () => {
  it("moves the user's last_active when they open Connect", async () => {
    const app = await createTestApp('Active app');
    const externalId = ext();
    const minted = await sessionToken(app, externalId);
    const lastActive = async () => {
      const [row] = await getDb().select({ at: users.lastActiveAt }).from(users).where(eq(users.humanId, minted.humanId));
      return row!.at;
    };
    expect(await lastActive()).toBeNull();
    const before = Date.now();
    const response = await fetch(`${api.baseUrl}/connect?token=${minted.sessionToken}`);
    expect(response.status).toBe(200);
    // Recorded beside the answer, not before it: give it a moment.
    await expect.poll(lastActive, { timeout: 5_000 }).not.toBeNull();
    expect((await lastActive())!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
  });

  it("opens once per session token, framed only by the app's origins and the portal", async () => {
    const app = await createTestApp('Framed app');
    await updateConnectSettings(operator, app.clientId, { connectOrigins: [APP_ORIGIN] });
    const minted = await sessionToken(app);
    const response = await fetch(`${api.baseUrl}/connect?token=${minted.sessionToken}&mode=auth&pinnedProviders=demo-scale`);
    expect(response.status).toBe(200);
    expect(frameAncestors(response)).toBe(`${APP_ORIGIN} ${api.baseUrl}`);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain('Framed app');
    const boot = bootOf(html);
    expect(boot).toMatchObject({ page: 'widget', targetOrigins: [APP_ORIGIN, api.baseUrl], pinned: ['demo-scale'], redirect: null });
    // The page holds the widget's own token, never the session token it spent.
    expect(html).not.toContain(minted.sessionToken);

    const reload = await fetch(`${api.baseUrl}/connect?token=${minted.sessionToken}`);
    expect(reload.status).toBe(401);
    const again = await reload.text();
    expect(again).toContain('already used');
    expect(bootOf(again)).toEqual({ page: 'error', status: 'SESSION_TOKEN_INVALID', targetOrigins: [APP_ORIGIN, api.baseUrl], redirect: null });
    expect(frameAncestors(reload)).toBe(`${APP_ORIGIN} ${api.baseUrl}`);
  });

  it('says why it cannot open, and posts to anyone only when it holds nothing', async () => {
    const missing = await fetch(`${api.baseUrl}/connect?mode=auth`);
    expect(missing.status).toBe(400);
    expect(frameAncestors(missing)).toBe('*');
    expect(bootOf(await missing.text())).toEqual({ page: 'error', status: 'MISSING_SESSION_TOKEN', targetOrigins: '*', redirect: null });

    const unknown = await fetch(`${api.baseUrl}/connect?token=whc_${'A'.repeat(32)}`);
    expect(unknown.status).toBe(401);
    expect(bootOf(await unknown.text())).toMatchObject({ status: 'SESSION_TOKEN_INVALID', targetOrigins: '*' });

    const app = await createTestApp('Expiring app');
    await updateConnectSettings(operator, app.clientId, { connectOrigins: [APP_ORIGIN] });
    const minted = await sessionToken(app);
    await getDb().update(connectSessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(connectSessions.tokenHash, sha256Hex(minted.sessionToken)));
    const expired = await fetch(`${api.baseUrl}/connect?token=${minted.sessionToken}`);
    expect(expired.status).toBe(401);
    const html = await expired.text();
    expect(html).toContain('This link has expired');
    expect(bootOf(html)).toMatchObject({ status: 'SESSION_TOKEN_EXPIRED', targetOrigins: [APP_ORIGIN, api.baseUrl] });
    expect(frameAncestors(expired)).toBe(`${APP_ORIGIN} ${api.baseUrl}`);

    const badMode = await fetch(`${api.baseUrl}/connect?token=${(await sessionToken(app)).sessionToken}&mode=everything`);
    expect(badMode.status).toBe(400);
    expect(await badMode.text()).toContain('mode is auth or select');
  });

  it('without configured origins, only the portal may frame it and hear from it', async () => {
    const app = await createTestApp('Portal-only app');
    const response = await fetch(`${api.baseUrl}/connect?token=${(await sessionToken(app)).sessionToken}`);
    expect(frameAncestors(response)).toBe(api.baseUrl);
    expect(bootOf(await response.text())).toMatchObject({ page: 'widget', targetOrigins: [api.baseUrl] });
  });

  it('lists the offered sources, connects and disconnects one for its own user only', async () => {
    const app = await createTestApp('Source app');
    await updateConnectSettings(operator, app.clientId, { enabledSources: ['demo-tracker', 'demo-scale', 'fitbit'] });
    const widget = await openWidget(app);

    const state = await call(widget.widgetToken, 'GET', 'state');
    expect(state.status).toBe(200);
    const view = (await state.json()) as WidgetStateView;
    expect(view).toMatchObject({ appName: 'Source app', humanId: widget.humanId, mustSignIn: false });
    // Only sources the app enables that can be connected today (Fitbit's OAuth comes later).
    expect(view.sources.map((s) => s.id)).toEqual(['demo-scale', 'demo-tracker']);
    expect(view.sources.every((s) => s.connection === null)).toBe(true);

    const connected = await call(widget.widgetToken, 'POST', 'connect', { sourceId: 'demo-tracker' });
    expect(connected.status).toBe(200);
    const after = (await connected.json()) as { source: { id: string; name: string }; state: WidgetStateView };
    expect(after.source).toEqual({ name: 'Demo Tracker', id: 'demo-tracker' });
    expect(after.state.sources.find((s) => s.id === 'demo-tracker')?.connection).toMatchObject({ status: 'connected', isSyncPending: true });
    expect((await listConnections(app.owner, app.clientId, widget.humanId)).map((c) => c.source.id)).toEqual(['demo-tracker']);

    const notOffered = await call(widget.widgetToken, 'POST', 'connect', { sourceId: 'demo-cuff' });
    expect(notOffered.status).toBe(404);
    expect(await notOffered.json()).toMatchObject({ statusCode: 404, message: expect.stringContaining('demo-cuff') });
    const malformed = await call(widget.widgetToken, 'POST', 'connect', '{"sourceId":');
    expect(malformed.status).toBe(400);

    // Another user's widget sees none of it.
    const other = await openWidget(app);
    const otherView = (await (await call(other.widgetToken, 'GET', 'state')).json()) as WidgetStateView;
    expect(otherView.sources.every((s) => s.connection === null)).toBe(true);
    expect((await call(other.widgetToken, 'POST', 'disconnect', { sourceId: 'demo-tracker' })).status).toBe(404);

    const disconnected = await call(widget.widgetToken, 'POST', 'disconnect', { sourceId: 'demo-tracker' });
    expect(disconnected.status).toBe(200);
    const gone = (await disconnected.json()) as { state: WidgetStateView };
    expect(gone.state.sources.find((s) => s.id === 'demo-tracker')?.connection).toBeNull();
    expect(await listConnections(app.owner, app.clientId, widget.humanId)).toEqual([]);
  });

  it('refuses the JSON endpoints without a live widget token', async () => {
    expect((await call(null, 'GET', 'state')).status).toBe(401);
    const app = await createTestApp('Token app');
    const minted = await sessionToken(app);
    // The session token itself is no widget token.
    expect((await call(minted.sessionToken, 'GET', 'state')).status).toBe(401);
    const widget = await openWidget(app);
    await getDb().update(connectSessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(connectSessions.tokenHash, sha256Hex(widget.widgetToken)));
    const ended = await call(widget.widgetToken, 'GET', 'state');
    expect(ended.status).toBe(401);
    expect(await ended.json()).toMatchObject({ statusCode: 401, message: expect.stringContaining('ended') });
  });

  it('asks for the sign-in first when the app requires one, and refuses to connect before it', async () => {
    const app = await createTestApp('Signed app');
    await updateConnectSettings(operator, app.clientId, { oidc: { issuer: 'https://login.example.test', clientId: 'wearhouse', clientSecret: 'not-a-real-secret' } });
    const widget = await openWidget(app);
    const view = (await (await call(widget.widgetToken, 'GET', 'state')).json()) as WidgetStateView;
    expect(view).toMatchObject({ mustSignIn: true, signInWith: 'login.example.test', sources: [] });
    const refused = await call(widget.widgetToken, 'POST', 'connect', { sourceId: 'demo-tracker' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ message: expect.stringContaining('Sign in with login.example.test') });
    expect((await call(widget.widgetToken, 'POST', 'disconnect', { sourceId: 'demo-tracker' })).status).toBe(403);
    expect(await listConnections(app.owner, app.clientId, widget.humanId)).toEqual([]);

    // Signing in starts at the app's provider; one that cannot be reached is said so, not a 500.
    await updateConnectSettings(operator, app.clientId, { oidc: { issuer: 'http://127.0.0.1:9', clientId: 'wearhouse', clientSecret: 'not-a-real-secret' } });
    const unreachable = await call(widget.widgetToken, 'POST', 'sign-in');
    expect(unreachable.status).toBe(503);
    expect(await unreachable.json()).toMatchObject({ message: expect.stringContaining('cannot be reached') });

    // An app without sign-in has nothing to start.
    const plain = await openWidget(await createTestApp('Plain app'));
    expect((await call(plain.widgetToken, 'POST', 'sign-in')).status).toBe(409);
  });

  it('redirect mode: only to URLs the app allows, an existing user only with their public token', async () => {
    const app = await createTestApp('Mobile app');
    await updateConnectSettings(operator, app.clientId, { connectRedirectUrls: ['https://app.example.test/connect/'] });
    const finish = 'https://app.example.test/connect/finish';
    const closeUrl = 'https://app.example.test/connect/closed';
    const embed = (params: Record<string, string>) => fetch(`${api.baseUrl}/connect/embed?${new URLSearchParams(params)}`, { redirect: 'manual' });
    const externalId = ext();
    const base = { client_id: app.clientId, client_user_id: externalId, finish_url: finish, close_url: closeUrl };

    for (const bad of [{ finish_url: 'https://evil.example.test/connect/finish' }, { close_url: 'https://app.example.test.evil.test/connect/' }, { finish_url: 'https://app.example.test/other' }]) {
      const refused = await embed({ ...base, ...bad });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
      expect(await refused.text()).toContain('allowed redirect URLs');
    }
    const incomplete = await embed({ client_id: app.clientId, client_user_id: externalId });
    expect(incomplete.status).toBe(400);
    expect(await incomplete.text()).toContain('finish_url is required');
    expect((await embed({ ...base, client_id: 'f'.repeat(40) })).status).toBe(400);

    // A new user is created and the widget opens in redirect mode.
    const opened = await embed(base);
    expect(opened.status).toBe(200);
    const boot = bootOf(await opened.text());
    if (boot.page !== 'widget') throw new Error('not opened');
    expect(boot.redirect).toEqual({ finishUrl: finish, closeUrl });

    // Finishing hands the app a fresh session token for that user, on the allowed URL only.
    expect((await call(boot.widgetToken, 'POST', 'finish', { finishUrl: 'https://evil.example.test/' })).status).toBe(400);
    const finished = await call(boot.widgetToken, 'POST', 'finish', { finishUrl: finish });
    expect(finished.status).toBe(200);
    const url = new URL(((await finished.json()) as { url: string }).url);
    expect(`${url.origin}${url.pathname}`).toBe(finish);
    const humanId = url.searchParams.get('human_id')!;
    const reopened = await openConnect(url.searchParams.get('session_token')!);
    expect(reopened).toMatchObject({ ok: true, caller: { humanId, clientId: app.clientId } });

    // The user exists now: the link must carry their current public token.
    const noToken = await embed(base);
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('public_token');
    expect((await embed({ ...base, public_token: `whp_${'A'.repeat(32)}` })).status).toBe(403);
    const { publicToken } = await revealTokens(app.owner, app.clientId, humanId);
    expect((await embed({ ...base, public_token: publicToken })).status).toBe(200);
  });

  it('serves its bundle under a fingerprinted URL, within the size budget, and the loading mark', async () => {
    const app = await createTestApp('Asset app');
    const html = await (await fetch(`${api.baseUrl}/connect?token=${(await sessionToken(app)).sessionToken}`)).text();
    const script = html.match(/src="(\/connect\/assets\/widget\.[0-9a-f]{16}\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${api.baseUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await asset.text()).length).toBeGreaterThan(1000);
    expect((await fetch(`${api.baseUrl}/connect/assets/widget.0000000000000000.js`)).status).toBe(404);

    const sizes = await measureWidgetBundle();
    expect(sizes.js.gzipBytes).toBeLessThanOrEqual(WIDGET_JS_BUDGET_GZIP);

    const svg = await fetch(`${api.baseUrl}/connect/images/data-source-type-icons/launch-connect-text.svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
  });
});
