// The interactive API reference: a developer finds both dialects' operations, rendered from the
// live OpenAPI document, and calls them from the browser with the demo app's App Key.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { demoCredentials } from './credentials';

const operation = (page: Page, methodAndPath: string) => page.getByRole('region', { name: methodAndPath, exact: true });

async function responseBody(response: Locator): Promise<unknown> {
  return JSON.parse(await response.getByRole('figure', { name: 'Response body' }).getByRole('code').innerText());
}

test('a developer opens the API reference from the home page and sees both dialects', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'API reference' }).click();

  await expect(page).toHaveTitle('API reference · Wearhouse');
  await expect(page.getByRole('heading', { level: 1, name: 'API reference' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Human API dialect' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'ngrok dialect' })).toBeVisible();

  const listUsers = operation(page, 'GET /v1/apps/{clientId}/users');
  await expect(listUsers).toContainText("List an app's users, newest first");
  await expect(listUsers).toContainText('HTTP Basic');
  await expect(listUsers.getByRole('row', { name: /^limit/ })).toContainText('maximum 500');
  await expect(listUsers.getByRole('link', { name: 'HumanUser', exact: true }).first()).toBeVisible();

  const deleteUser = operation(page, 'DELETE /app/users/{id}');
  await expect(deleteUser).toContainText('Delete an application user with all their data');
  await expect(deleteUser).toContainText('HTTP Bearer');
});

test("a developer lists the demo app's users with its App Key and pages through them", async ({ page }) => {
  const { demoApp } = demoCredentials();
  await page.goto('/docs/api');
  const listUsers = operation(page, 'GET /v1/apps/{clientId}/users');

  await listUsers.getByRole('button', { name: 'Try it' }).click();
  await listUsers.getByLabel('App Key', { exact: true }).fill(demoApp.appKey);
  await listUsers.getByLabel('clientId', { exact: true }).fill(demoApp.clientId);
  await listUsers.getByLabel('limit', { exact: true }).fill('10');

  const curl = listUsers.getByRole('figure', { name: 'curl command' });
  await expect(curl).toContainText(`/v1/apps/${demoApp.clientId}/users?limit=10&offset=0`);
  await expect(curl).toContainText("-u 'whk_");
  await expect(curl).not.toContainText(demoApp.appKey);

  await listUsers.getByRole('button', { name: 'Send request' }).click();

  const response = listUsers.getByRole('region', { name: 'Response' });
  await expect(response.getByRole('status')).toContainText('200 OK');
  await expect(response.getByRole('row', { name: /^Link/ })).toContainText('rel="next"');
  const users = (await responseBody(response)) as { humanId: string; appId: string }[];
  expect(users).toHaveLength(10);
  for (const user of users) expect(user.appId).toBe(demoApp.clientId);

  await response.getByRole('button', { name: 'Request the next page' }).click();
  await expect(curl).toContainText('offset=10');
  await expect(response.getByRole('row', { name: /^Link/ })).toContainText('rel="prev"');
  const nextPage = (await responseBody(response)) as { humanId: string }[];
  expect(nextPage).toHaveLength(10);
  expect(nextPage.map((user) => user.humanId)).not.toContain(users[0]!.humanId);

  // The key is only ever in memory: not in the address, not in storage, shown only when asked.
  expect(page.url()).not.toContain(demoApp.appKey);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  expect(stored).not.toContain(demoApp.appKey);
  await listUsers.getByRole('button', { name: 'Show App Key' }).click();
  await expect(curl).toContainText(`-u '${demoApp.appKey}:'`);
});

test('with a wrong App Key the developer sees 401 and the error body', async ({ page }) => {
  const { demoApp } = demoCredentials();
  await page.goto('/docs/api');
  const listUsers = operation(page, 'GET /v1/apps/{clientId}/users');

  await listUsers.getByRole('button', { name: 'Try it' }).click();
  await listUsers.getByLabel('App Key', { exact: true }).fill('whk_this-is-not-a-valid-key');
  await listUsers.getByLabel('clientId', { exact: true }).fill(demoApp.clientId);
  await listUsers.getByRole('button', { name: 'Send request' }).click();

  const response = listUsers.getByRole('region', { name: 'Response' });
  await expect(response.getByRole('status')).toContainText('401 Unauthorized');
  await expect(response).toContainText('The App Key is not valid, or has been revoked.');
  await expect(response.getByRole('row', { name: /^WWW-Authenticate/ })).toContainText('Basic');
  expect(await responseBody(response)).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
});

test('the App Key typed once also calls the ngrok dialect, with a bearer token and its version header', async ({ page }) => {
  const { demoApp } = demoCredentials();
  await page.goto('/docs/api');
  const humanList = operation(page, 'GET /v1/apps/{clientId}/users');
  await humanList.getByRole('button', { name: 'Try it' }).click();
  await humanList.getByLabel('App Key', { exact: true }).fill(demoApp.appKey);

  const ngrokList = operation(page, 'GET /app/users');
  await ngrokList.getByRole('button', { name: 'Try it' }).click();
  await expect(ngrokList.getByLabel('App Key', { exact: true })).toHaveValue(demoApp.appKey);
  const curl = ngrokList.getByRole('figure', { name: 'curl command' });
  await expect(curl).toContainText("-H 'Authorization: Bearer whk_");
  await expect(curl).toContainText(/Ngrok-Version: 2/i);

  await ngrokList.getByRole('button', { name: 'Send request' }).click();
  const response = ngrokList.getByRole('region', { name: 'Response' });
  await expect(response.getByRole('status')).toContainText('200 OK');
  const page1 = (await responseBody(response)) as { application_users: unknown[] };
  expect(page1.application_users.length).toBeGreaterThan(0);
});

test('when the OpenAPI document cannot be loaded the page says so and offers to try again', async ({ page }) => {
  let isServerDown = true;
  await page.route('**/openapi.json', (route) =>
    isServerDown ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"Wearhouse is starting."}' }) : route.continue(),
  );
  await page.goto('/docs/api');

  const alert = page.getByRole('alert').filter({ hasText: 'The OpenAPI document could not be loaded' });
  await expect(alert).toContainText('answered 503');

  isServerDown = false;
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Human API dialect' })).toBeVisible();
});
