import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { startHostPage, setConnectSettings, wearhouseCli, type HostPage } from './connect-host';
import { startIdentityProvider } from '../lib/testing/identity-provider';
import { demoCredentials } from './credentials';

// Connect as a developer's users meet it: the app's page on another origin opens the widget with the
// real humanapi-connect-client, the user connects a source, and the app's server reads the data.

const baseURL = `http://localhost:${process.env.E2E_PORT ?? 3100}`;
let host: HostPage;
test.beforeAll(async () => {
  host = await startHostPage();
});
test.afterAll(async () => host?.close());

/** POST /v1/connect/token from the app's server with its client secret. */
async function mintToken(
  type: 'session' | 'access',
  externalId: string,
  app: { clientId: string; clientSecret: string } = demoCredentials().demoApp,
): Promise<{ session_token: string; access_token: string }> {
  const response = await fetch(`${baseURL}/v1/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: app.clientId, client_secret: app.clientSecret, client_user_id: externalId, type }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { session_token: string; access_token: string };
}

const newExternalId = () => `e2e-${randomBytes(4).toString('hex')}`;

type ConnectEvent = { event: string; payload: Record<string, unknown> };
const eventsOf = (page: Page) => page.evaluate(() => (window as unknown as { connectEvents: ConnectEvent[] }).connectEvents);

test.describe('Connect', () => {
  test.beforeAll(() => {
    // The demo app lets the host page frame Connect and allows the host's /mobile/ pages as redirects.
    setConnectSettings(demoCredentials().demoApp.clientId, { origins: [host.origin], redirectUrls: [`${host.origin}/mobile/`] });
  });

  test("a user connects the demo source from the app's page and the app reads the new readings", async ({ page }) => {
    test.setTimeout(120_000);
    const externalId = newExternalId();
    const { session_token: sessionToken } = await mintToken('session', externalId);
    await page.goto(`${host.origin}/?${new URLSearchParams({ token: sessionToken, base: `${baseURL}/connect` })}`);
    await page.getByRole('button', { name: 'Connect your health data' }).click();

    const widget = page.frameLocator('#human-api');
    await widget.getByRole('button', { name: 'Connect Demo Tracker' }).click();
    await expect(widget.getByText('Connected · Importing history…')).toBeVisible();
    // The history arrives in the background; the widget polls until it is in.
    await expect(widget.getByText('Connected', { exact: true })).toBeVisible({ timeout: 60_000 });
    await widget.getByRole('button', { name: 'Done' }).click();

    await expect(page.locator('#human-api')).toHaveCount(0);
    const demoTracker = { name: 'Demo Tracker', id: 'demo-tracker' };
    expect(await eventsOf(page)).toEqual([
      {
        event: 'connect',
        payload: {
          type: 'hapi-connect-connect-source', status: 'CONNECTED_SOURCE',
          sessionResults: { connectedSources: [demoTracker], disconnectedSources: [], requestedSources: [] },
          currentConnections: [demoTracker], requestedProviders: [],
        },
      },
      {
        event: 'close',
        payload: {
          type: 'hapi-connect-close', status: 'SUCCESS',
          sessionResults: { connectedSources: [demoTracker], disconnectedSources: [], requestedSources: [] },
          currentConnections: [demoTracker], requestedProviders: [],
        },
      },
    ]);

    // The app's server turns the user into a Data API token and reads what the source delivered.
    const { access_token: accessToken } = await mintToken('access', externalId);
    const auth = { authorization: `Bearer ${accessToken}` };
    const sources = await fetch(`${baseURL}/v1/human/sources`, { headers: auth });
    expect(sources.status).toBe(200);
    expect(JSON.stringify(await sources.json())).toContain('demo-tracker');
    const readings = await fetch(`${baseURL}/v1/human/heart_rate/readings`, { headers: auth });
    expect(readings.status).toBe(200);
    const body = (await readings.json()) as unknown[] | { data?: unknown[] };
    expect((Array.isArray(body) ? body : body.data ?? []).length).toBeGreaterThan(0);
  });

  test('a page on an origin the app has not configured cannot frame Connect', async ({ page }) => {
    const { session_token: sessionToken } = await mintToken('session', newExternalId());
    const response = await page.request.get(`${baseURL}/connect?token=${sessionToken}`);
    expect(response.headers()['content-security-policy']).toContain(`frame-ancestors ${host.origin} ${baseURL}`);
    expect(response.headers()['referrer-policy']).toBe('no-referrer');

    // localhost and 127.0.0.1 are different origins: the same host page under the other name.
    const { session_token: second } = await mintToken('session', newExternalId());
    const stranger = `http://localhost:${host.port}`;
    await page.goto(`${stranger}/?${new URLSearchParams({ token: second, base: `${baseURL}/connect` })}`);
    await page.getByRole('button', { name: 'Connect your health data' }).click();
    await expect(page.locator('#human-api')).toHaveCount(1);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    await expect.poll(() => frame?.url()).toMatch(/^chrome-error:/);
    expect(await eventsOf(page)).toEqual([]);
  });

  test('a spent link says so in plain words and tells the page why it closes', async ({ page }) => {
    const { session_token: sessionToken } = await mintToken('session', newExternalId());
    expect((await page.request.get(`${baseURL}/connect?token=${sessionToken}`)).status()).toBe(200);
    await page.goto(`${host.origin}/?${new URLSearchParams({ token: sessionToken, base: `${baseURL}/connect` })}`);
    await page.getByRole('button', { name: 'Connect your health data' }).click();
    const widget = page.frameLocator('#human-api');
    await expect(widget.getByRole('heading', { name: 'This link cannot be used' })).toBeVisible();
    await expect(widget.getByText('This link was already used')).toBeVisible();
    await widget.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(page.locator('#human-api')).toHaveCount(0);
    expect(await eventsOf(page)).toEqual([{
      event: 'close',
      payload: { type: 'hapi-connect-close', status: 'SESSION_TOKEN_INVALID', sessionResults: { connectedSources: [], disconnectedSources: [], requestedSources: [] }, currentConnections: [], requestedProviders: [] },
    }]);
  });

  test('the redirect mode goes only to URLs the app allows, and back to the app when done', async ({ page }) => {
    const { demoApp } = demoCredentials();
    const externalId = newExternalId();
    const link = (finish: string) => `${baseURL}/connect/embed?${new URLSearchParams({
      client_id: demoApp.clientId, client_user_id: externalId, finish_url: finish, close_url: `${host.origin}/mobile/closed`,
    })}`;
    const refused = await page.goto(link('https://evil.example.test/mobile/finish'));
    expect(refused?.status()).toBe(400);
    await expect(page.getByText("finish_url is not one of this app's allowed redirect URLs.")).toBeVisible();

    await page.goto(link(`${host.origin}/mobile/finish`));
    await page.getByRole('button', { name: 'Connect Demo Scale' }).click();
    await expect(page.getByText('Connected · Importing history…')).toBeVisible();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.waitForURL(`${host.origin}/mobile/finish?**`);
    const finished = new URL(page.url());
    expect(finished.searchParams.get('human_id')).toMatch(/^[0-9a-f]{32}$/);
    expect(finished.searchParams.get('session_token')).toMatch(/^whc_/);
  });

  test('works by keyboard alone, passes an accessibility check, and fits a phone in light and dark', async ({ page }) => {
    // Top-level, as the portal or a webview opens it.
    const { session_token: sessionToken } = await mintToken('session', newExternalId());
    const requested: string[] = [];
    page.on('request', (request) => void requested.push(new URL(request.url()).origin));
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`/connect?token=${sessionToken}&pinnedProviders=demo-scale`);
    await expect(page.getByRole('button', { name: 'Connect Demo Scale' })).toBeVisible();
    // Pinned first; the search narrows the list.
    await expect(page.getByRole('listitem').first()).toContainText('Demo Scale');
    await page.getByRole('searchbox', { name: 'Search sources' }).fill('glucose meter');
    await expect(page.getByRole('listitem')).toHaveCount(1);
    await expect(page.getByRole('listitem')).toContainText('Demo Glucose Meter');
    await page.getByRole('searchbox', { name: 'Search sources' }).fill('');
    // The four demo sources and Apple Health (an import: it needs no provider credentials).
    await expect(page.getByRole('listitem')).toHaveCount(5);
    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
    for (let i = 0; i < 10 && (await focused()) !== 'Connect Demo Tracker'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('Connect Demo Tracker');
    await page.keyboard.press('Enter');
    await expect(page.getByText('Connected · Importing history…').first()).toBeVisible();
    // Focus follows to the source's new control; the confirmation is keyboard-only too.
    await expect.poll(focused).toBe('Disconnect Demo Tracker');
    await page.screenshot({ path: 'test-results/connect-360-light.png', fullPage: true });
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Disconnect Demo Tracker?' });
    await expect(dialog).toBeVisible();
    expect(await focused()).toBe('Cancel');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    expect(await focused()).toBe('Disconnect Demo Tracker');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Disconnect');
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('Connect Demo Tracker');
    await expect(page.getByText('Connected · Importing history…')).toHaveCount(0);

    await page.emulateMedia({ colorScheme: 'dark' });
    const darkAxe = await new AxeBuilder({ page }).analyze();
    expect(darkAxe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    await page.screenshot({ path: 'test-results/connect-360-dark.png', fullPage: true });

    // A reload spends nothing more: the link was used.
    await page.reload();
    await expect(page.getByText('This link was already used')).toBeVisible();
    // No third-party requests: no CDN, no remote font, nothing but Wearhouse itself.
    expect([...new Set(requested)]).toEqual([new URL(baseURL).origin]);
  });

  test("an app that asks its users to sign in: the widget signs in through a popup, then offers the sources", async ({ page }) => {
    const idp = await startIdentityProvider({
      redirectUris: [`${baseURL}/connect/oidc/callback`],
      accounts: { alice: { sub: 'alice', email: 'alice@idp.test', name: 'Alice Liddell', preferred_username: 'alice' } },
    });
    try {
      const app = JSON.parse(wearhouseCli(['apps:create', '--name', 'Signed Steps', '--json'])) as { clientId: string; clientSecret: string };
      wearhouseCli(['apps:connect', '--app', app.clientId, '--oidc-issuer', idp.issuer, '--oidc-client-id', idp.clientId], { WEARHOUSE_OIDC_CLIENT_SECRET: idp.clientSecret });
      const { session_token: sessionToken } = await mintToken('session', newExternalId(), app);
      await page.goto(`/connect?token=${sessionToken}`);
      await expect(page.getByRole('heading', { name: 'Sign in to continue' })).toBeVisible();
      // Nothing of the user's before the sign-in.
      await expect(page.getByRole('button', { name: 'Connect Demo Tracker' })).toHaveCount(0);
      const popup = page.waitForEvent('popup');
      await page.getByRole('button', { name: `Sign in with ${idp.host}` }).click();
      await (await popup).waitForEvent('close');
      await expect(page.getByRole('button', { name: 'Connect Demo Tracker' })).toBeVisible();
      await page.getByRole('button', { name: 'Connect Demo Tracker' }).click();
      await expect(page.getByText('Connected · Importing history…')).toBeVisible();
    } finally {
      await idp.close();
    }
  });
});
