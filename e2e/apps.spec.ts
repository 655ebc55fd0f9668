import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { createDeveloper, signIn, expectNoSeriousAxeViolations } from './portal';

// A developer's apps: create one and see its secrets once, its home page, and its settings (App
// Keys that stop working the moment they are revoked, a rotated client secret, Connect settings).

const baseURL = `http://localhost:${process.env.E2E_PORT ?? 3100}`;
test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

type CreatedApp = { name: string; clientId: string; clientSecret: string; appKey: string };


/** Create an app through the "Create app" dialog on /apps; returns what the dialog showed once. */
async function createAppInPortal(page: Page, name = `E2E app ${randomBytes(3).toString('hex')}`): Promise<CreatedApp> {
  await page.getByRole('button', { name: 'Create app' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create an app' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create app' }).click();
  // Generous: right after start the demo data is still being written on the single-threaded database.
  await expect(dialog.getByText('You will not see this again.')).toBeVisible({ timeout: 30_000 });
  const clientSecret = (await dialog.getByLabel('Client secret', { exact: true }).textContent())!.trim();
  const appKey = (await dialog.getByLabel('App Key', { exact: true }).textContent())!.trim();
  const clientId = (await dialog.getByRole('link', { name: `Open ${name}` }).getAttribute('href'))!.split('/').pop()!;
  expect(clientSecret).toMatch(/^whs_/);
  expect(appKey).toMatch(/^whk_/);
  return { name, clientId, clientSecret, appKey };
}

/** The Application API (Human API dialect: the App Key as the Basic user name). */
const api = (path: string, appKey: string, init: RequestInit = {}) =>
  fetch(`${baseURL}${path}`, {
    ...init,
    headers: { Authorization: `Basic ${Buffer.from(`${appKey}:`).toString('base64')}`, 'Content-Type': 'application/json', ...init.headers },
  });

const mintToken = (clientId: string, clientSecret: string) =>
  fetch(`${baseURL}/v1/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: clientId, client_secret: clientSecret, client_user_id: `e2e-${randomBytes(3).toString('hex')}`, type: 'session' }),
  });

test('create an app: its secrets are shown once, with copy buttons, and never again', async ({ page }) => {
  // The first journey after the server starts shares the database with the demo data being written.
  test.setTimeout(60_000);
  await signIn(page, '/apps');
  await expect(page.getByRole('heading', { name: 'Apps', level: 1 })).toBeVisible();

  // A name is required: the field says so.
  await page.getByRole('button', { name: 'Create app' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create an app' });
  await dialog.getByRole('button', { name: 'Create app' }).click();
  await expect(dialog.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.getByText('Give the app a name.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  const app = await createAppInPortal(page);
  const shown = page.getByRole('dialog', { name: 'Create an app' });
  await shown.getByRole('button', { name: 'Copy client secret' }).click();
  await expect(shown.getByRole('button', { name: 'Copy client secret' })).toContainText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(app.clientSecret);
  await expectNoSeriousAxeViolations(page);
  await page.screenshot({ path: test.info().outputPath('apps-created.png'), fullPage: true });

  // The secrets work…
  expect((await mintToken(app.clientId, app.clientSecret)).status).toBe(200);
  expect((await api(`/v1/apps/${app.clientId}/users`, app.appKey)).status).toBe(200);

  // …and once the dialog is closed they are gone from the page, and stay gone after a reload.
  await shown.getByRole('button', { name: 'Close', exact: true }).first().click();
  await expect(shown).toBeHidden();
  const row = page.getByRole('row', { name: new RegExp(app.name) });
  await expect(row).toContainText(app.clientId);
  expect(await page.content()).not.toContain(app.clientSecret);
  await page.reload();
  await expect(page.getByRole('link', { name: app.name })).toBeVisible();
  const html = await page.content();
  expect(html).not.toContain(app.clientSecret);
  expect(html).not.toContain(app.appKey);
  await expectNoSeriousAxeViolations(page);
  await page.screenshot({ path: test.info().outputPath('apps.png'), fullPage: true });
});

test("the app home shows the app's counts, new users and recent activity", async ({ page }) => {
  await signIn(page, '/apps');
  const app = await createAppInPortal(page);
  for (const externalId of ['home-1', 'home-2', 'home-3']) {
    expect((await api(`/v1/apps/${app.clientId}/users`, app.appKey, { method: 'POST', body: JSON.stringify({ externalId }) })).status).toBeLessThan(300);
  }
  await page.goto(`/apps/${app.clientId}`);

  await expect(page.getByRole('heading', { name: app.name, level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');
  const figures = page.getByRole('definition');
  await expect(figures.nth(0)).toHaveText('3');
  await expect(figures.nth(1)).toHaveText('0');
  await expect(figures.nth(2)).toHaveText('0');
  await expect(page.getByText('3 new users in the last 30 days')).toBeVisible();
  const activity = page.getByRole('region', { name: 'Recent activity' });
  await expect(activity.getByRole('listitem')).toHaveCount(4);
  await expect(activity.getByRole('listitem').last()).toContainText('created the app');
  await expect(activity.getByRole('listitem').first()).toContainText('App Key whk_');
  await expectNoSeriousAxeViolations(page);
  await page.screenshot({ path: test.info().outputPath('app-home.png'), fullPage: true });

  // A clientId that is nobody's (or someone else's) is not found, with a way back.
  await page.goto(`/apps/${'0'.repeat(40)}`);
  await expect(page.getByRole('heading', { name: 'App not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Back to your apps' }).click();
  await expect(page).toHaveURL(/\/apps$/);
});

test('settings: an App Key created in the portal works, and stops working the moment it is revoked', async ({ page }) => {
  await signIn(page, '/apps');
  const app = await createAppInPortal(page);
  await page.goto(`/apps/${app.clientId}`);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(new RegExp(`/apps/${app.clientId}/settings$`));
  await expect(page.getByRole('link', { name: 'Settings' })).toHaveAttribute('aria-current', 'page');
  expect(await page.content()).not.toContain(app.clientSecret);

  // Create a key: shown once.
  await page.getByRole('button', { name: 'Create App Key' }).click();
  const create = page.getByRole('dialog', { name: 'Create an App Key' });
  await create.getByLabel('Label').fill('E2E server');
  await create.getByRole('button', { name: 'Create key' }).click();
  await expect(create.getByText('You will not see this again.')).toBeVisible();
  const key = (await create.getByLabel('App Key', { exact: true }).textContent())!.trim();
  await expectNoSeriousAxeViolations(page);
  await create.getByRole('button', { name: 'Done' }).click();
  expect(await page.content()).not.toContain(key);
  const hint = `${key.slice(0, 8)}…${key.slice(-4)}`;
  const keyRow = page.getByRole('row', { name: /E2E server/ });
  await expect(keyRow).toContainText(hint);
  expect((await api(`/v1/apps/${app.clientId}/users`, key)).status).toBe(200);

  // Revoke it (confirm first): the very next request is refused.
  await keyRow.getByRole('button', { name: `Revoke App Key ${hint}` }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke this App Key?' });
  await expect(confirm).toContainText(hint);
  await confirm.getByRole('button', { name: 'Revoke key' }).click();
  await expect(page.getByText(`App Key ${hint} revoked.`)).toBeVisible();
  await expect(keyRow).toContainText('Revoked');
  expect((await api(`/v1/apps/${app.clientId}/users`, key)).status).toBe(401);
  expect((await api(`/v1/apps/${app.clientId}/users`, app.appKey)).status).toBe(200);

  await page.screenshot({ path: test.info().outputPath('app-settings-keys.png'), fullPage: true });
});

test('settings: a rotated client secret replaces the old one; Connect settings are checked and saved', async ({ page }) => {
  await signIn(page, '/apps');
  const app = await createAppInPortal(page);
  await page.goto(`/apps/${app.clientId}/settings`);
  await expect(page.getByRole('link', { name: 'Settings' })).toHaveAttribute('aria-current', 'page');

  // Rotate the client secret: the new one is shown once, the old one is refused.
  await page.getByRole('button', { name: 'Rotate client secret' }).click();
  const rotate = page.getByRole('dialog', { name: 'Rotate the client secret?' });
  await rotate.getByRole('button', { name: 'Rotate secret' }).click();
  const rotated = page.getByRole('dialog', { name: 'New client secret' });
  const newSecret = (await rotated.getByLabel('Client secret', { exact: true }).textContent())!.trim();
  expect(newSecret).not.toBe(app.clientSecret);
  await rotated.getByRole('button', { name: 'Done' }).click();
  expect((await mintToken(app.clientId, app.clientSecret)).status).toBe(401);
  expect((await mintToken(app.clientId, newSecret)).status).toBe(200);
  await expect(page.getByText(`${newSecret.slice(0, 8)}…${newSecret.slice(-4)}`)).toBeVisible();

  // Connect settings: a bad origin is refused beside its field; a good one is saved.
  const origins = page.getByLabel('Allowed Connect origins');
  await origins.fill('not a url');
  await page.getByRole('button', { name: 'Save Connect settings' }).click();
  await expect(origins).toHaveAttribute('aria-invalid', 'true');
  await origins.fill('https://app.example.com');
  await page.getByLabel('Redirect URLs').fill('https://app.example.com/connected');
  await page.getByRole('button', { name: 'Save Connect settings' }).click();
  await expect(page.getByText('Connect settings saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Allowed Connect origins')).toHaveValue('https://app.example.com');
  const html = await page.content();
  expect(html).not.toContain(newSecret);
  expect(html).not.toContain(app.appKey);
  await expectNoSeriousAxeViolations(page);
  await page.screenshot({ path: test.info().outputPath('app-settings.png'), fullPage: true });
});

test("another developer cannot open this app's pages", async ({ page, browser }) => {
  test.setTimeout(60_000); // creating the account runs the CLI in a process of its own
  await signIn(page, '/apps');
  const app = await createAppInPortal(page);
  const other = createDeveloper('apps-outsider');
  const context = await browser.newContext();
  const outsider = await context.newPage();
  await signIn(outsider, '/apps', other);
  await expect(outsider.getByRole('link', { name: app.name })).toHaveCount(0);
  for (const path of [`/apps/${app.clientId}`, `/apps/${app.clientId}/settings`]) {
    await outsider.goto(path);
    await expect(outsider.getByRole('heading', { name: 'App not found' })).toBeVisible();
    expect(await outsider.content()).not.toContain(app.name);
  }
  await context.close();
});
