// The API reference (Scalar, configured in app/docs/api): a developer finds the operations of the
// live OpenAPI document, calls them from the browser with the demo app's App Key, and nothing the
// page needs comes from anywhere but this server: no CDN, no fonts, no telemetry, no proxy.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { demoCredentials } from './credentials';

// Scalar renders the whole document in the browser and axe walks its large DOM: measured 4–7 s per
// page load on this 2-core machine while other builds run, so each journey gets a minute.
test.describe.configure({ timeout: 60_000 });

/** Every URL the page asks for, from the first navigation on. */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  return urls;
}

function expectSameOrigin(urls: string[], page: Page) {
  const origin = new URL(page.url()).origin;
  expect(urls.length).toBeGreaterThan(0);
  expect(urls.filter((url) => !url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin)).toEqual([]);
}

const operation = (page: Page, summary: string) => page.getByRole('region', { name: summary, exact: true });
/** The sidebar's link to an operation: its summary, then its method as Scalar abbreviates it (DEL). */
const sidebarLink = (page: Page, summary: string, method: string) =>
  page.getByRole('complementary').getByRole('link', { name: `${summary} HTTP Method: ${method}`, exact: true });

/** Opens an operation from the sidebar, then its try-it console. */
async function openConsole(page: Page, summary: string): Promise<Locator> {
  // Scalar renders in the browser: ~4 s on a busy 2-core machine before the sidebar is there.
  await sidebarLink(page, summary, 'GET').click({ timeout: 20_000 });
  await operation(page, summary).getByRole('button', { name: /^Test Request/ }).click();
  const client = page.getByRole('dialog', { name: 'API Client' });
  await expect(client).toBeVisible();
  return client;
}

/**
 * Violations in Scalar 1.72.1's own markup that its configuration cannot change, each one rule on
 * one kind of Scalar element; anything else serious or critical fails the test.
 */
const SCALAR_MARKUP_ISSUES: { rule: string; selector: string; why: string }[] = [
  { rule: 'button-name', selector: 'button.scalar-code-copy', why: "code blocks' copy buttons hold only an icon, no label" },
  { rule: 'aria-required-attr', selector: '.code-input-lite__editor[role="combobox"]', why: "the console's inline editors are comboboxes without aria-expanded/aria-controls" },
  { rule: 'aria-input-field-name', selector: '.code-input-lite__editor[role="combobox"]', why: "the Username field's <label for> points at a wrapper <div>, not the editor" },
  { rule: 'aria-input-field-name', selector: '.cm-content[role="textbox"]', why: 'the response body viewer (CodeMirror) has no label' },
  { rule: 'aria-valid-attr-value', selector: 'button[class~="group/copy-button"]', why: "copy buttons' aria-controls names a code block id that is not rendered" },
  { rule: 'aria-prohibited-attr', selector: 'button[role="none"][aria-label]', why: 'the "More Information" popover buttons carry role="none" with an aria-label' },
];

async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const found: string[] = [];
  for (const violation of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
    const known = SCALAR_MARKUP_ISSUES.filter((issue) => issue.rule === violation.id).map((issue) => issue.selector);
    for (const node of violation.nodes) {
      const target = node.target.join(' ');
      const isKnown = known.length > 0 && (await page.evaluate(({ selector, list }) => document.querySelector(selector)?.matches(list) ?? false, { selector: target, list: known.join(',') }));
      if (!isKnown) found.push(`${violation.id}: ${node.html.slice(0, 160)}`);
    }
  }
  return found;
}

/** The colour a person sees behind the reference: the first opaque background up the tree. */
const backgroundLuminance = (element: Locator) =>
  element.evaluate((start) => {
    for (let node: Element | null = start; node; node = node.parentElement) {
      const [r, g, b, a = 1] = getComputedStyle(node).backgroundColor.match(/[\d.]+/g)!.map(Number);
      if (a > 0) return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
    }
    return 1;
  });

test('a developer opens the API reference from the home page and finds both dialects, all from this server', async ({ page }) => {
  const requests = recordRequests(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  await page.getByRole('link', { name: 'API reference' }).click();

  await expect(page).toHaveTitle('API reference · Wearhouse');
  const reference = page.getByRole('main', { name: 'API documentation for Wearhouse Application API' });
  await expect(reference.getByRole('heading', { level: 1, name: 'Wearhouse Application API' })).toBeVisible({ timeout: 20_000 });
  const listUsers = operation(page, "List an app's users, newest first");
  await expect(listUsers).toContainText('/v1/apps/{clientId}/users');
  await expect(listUsers.getByRole('list', { name: 'Query Parameters' })).toContainText('max: 500');
  for (const [summary, method] of [
    ["List the app's users, newest first", 'GET'],
    ['Delete an application user with all their data', 'DEL'],
    ['Readings of a type, newest first', 'GET'],
  ] as const) {
    await expect(sidebarLink(page, summary, method)).toBeVisible();
  }

  // Scalar itself comes from this server, under its version, cached for good.
  const script = await page.request.get(requests.find((url) => /\/docs\/api\/scalar\/[\d.]+\/standalone\.esm\.js$/.test(url))!);
  expect(script.status()).toBe(200);
  expect(script.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  await page.screenshot({ path: test.info().outputPath('api-reference-light.png'), fullPage: true });
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
  expectSameOrigin(requests, page);
});

test('the reference follows the portal theme: the system preference, then the picker', async ({ page }) => {
  const requests = recordRequests(page);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/docs/api');
  const reference = page.getByRole('main', { name: 'API documentation for Wearhouse Application API' });
  await expect(reference.getByRole('heading', { level: 1, name: 'Wearhouse Application API' })).toBeVisible({ timeout: 20_000 });
  await expect.poll(() => backgroundLuminance(reference)).toBeLessThan(0.2);
  await page.screenshot({ path: test.info().outputPath('api-reference-dark.png'), fullPage: true });
  expect(await seriousAccessibilityViolations(page)).toEqual([]);

  await page.getByRole('radio', { name: 'Light theme' }).click();
  await expect.poll(() => backgroundLuminance(reference)).toBeGreaterThan(0.8);
  await page.getByRole('radio', { name: 'Dark theme' }).click();
  await expect.poll(() => backgroundLuminance(reference)).toBeLessThan(0.2);
  expectSameOrigin(requests, page);
});

test("a developer lists the demo app's users from the console with its App Key (HTTP Basic)", async ({ page }) => {
  const { demoApp } = demoCredentials();
  const requests = recordRequests(page);
  await page.goto('/docs/api');
  const client = await openConsole(page, "List an app's users, newest first");

  // The document's appKeyBasic scheme: the App Key as username, an empty password.
  const authentication = client.getByRole('region', { name: /^Authentication/ });
  await expect(authentication).toContainText('The App Key as username and an empty password');
  await authentication.getByRole('combobox').fill(demoApp.appKey);
  await client.getByRole('row', { name: /clientId/ }).getByRole('combobox', { name: 'Value' }).fill(demoApp.clientId);

  const sent = page.waitForRequest((request) => new URL(request.url()).pathname === `/v1/apps/${demoApp.clientId}/users`);
  await client.getByRole('button', { name: /^Send get request to/ }).click();
  expect((await sent).headers().authorization).toBe(`Basic ${Buffer.from(`${demoApp.appKey}:`).toString('base64')}`);

  const response = client.getByRole('region', { name: 'Response', exact: true });
  await expect(response.getByRole('link', { name: '200 OK' })).toBeVisible();
  await expect(response.getByRole('region', { name: 'Body' })).toContainText(`"appId": "${demoApp.clientId}"`);
  await page.screenshot({ path: test.info().outputPath('api-reference-console.png') });

  // The key stays in this tab's memory: not in the address, not in storage.
  expect(page.url()).not.toContain(demoApp.appKey);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  expect(stored).not.toContain(demoApp.appKey);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
  expectSameOrigin(requests, page);
});

test('the ngrok dialect is called with the App Key as bearer token and its Ngrok-Version header', async ({ page }) => {
  const { demoApp } = demoCredentials();
  await page.goto('/docs/api');
  const client = await openConsole(page, "List the app's users, newest first");

  await client.getByRole('textbox', { name: 'Bearer Token' }).fill(demoApp.appKey);
  await expect(client.getByRole('row', { name: /ngrok-version/ })).toContainText('2');
  const sent = page.waitForRequest((request) => new URL(request.url()).pathname === '/app/users');
  await client.getByRole('button', { name: /^Send get request to/ }).click();
  const request = await sent;
  expect(request.headers()).toMatchObject({ authorization: `Bearer ${demoApp.appKey}`, 'ngrok-version': '2' });

  const response = client.getByRole('region', { name: 'Response', exact: true });
  await expect(response.getByRole('link', { name: '200 OK' })).toBeVisible();
  await expect(response.getByRole('region', { name: 'Body' })).toContainText('"application_users"');
});

test('when the reference cannot be loaded the page says so and points to the document', async ({ page }) => {
  await page.route('**/docs/api/scalar/**', (route) => route.abort('connectionrefused'));
  await page.goto('/docs/api');
  const alert = page.getByRole('alert').filter({ hasText: 'The API reference could not be loaded' });
  await expect(alert).toBeVisible();
  await expect(alert.getByRole('link', { name: '/openapi.json' })).toHaveAttribute('href', '/openapi.json');
  await expect(alert.getByRole('button', { name: 'Try again' })).toBeVisible();
});
