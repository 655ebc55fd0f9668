import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser } from '@playwright/test';
import { wearhouseCli } from './connect-host';
import { demoCredentials } from './credentials';
import { createDeveloper, signIn } from './portal';

// Admins manage who can sign in: they create developers (the password is shown once), a developer
// sees only their own apps and never another account's, and a deleted account is signed out at once.

async function signedInPage(browser: Browser, path: string, account: { email: string; password: string }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, path, account);
  return { page, close: () => context.close() };
}

const stamp = () => Math.random().toString(16).slice(2, 10);

test('an admin creates a developer, who signs in with the password shown once and sees only their own apps', async ({ page, browser, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page, '/accounts');
  await expect(page.getByRole('heading', { name: 'Accounts', level: 1 })).toBeVisible();
  // The form works before hydration too, but a click then reloads the page: wait for the scripts.
  await page.waitForLoadState('networkidle');

  const email = `new-dev-${stamp()}@example.test`;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Name').fill('New Developer');
  await page.getByLabel('Role').selectOption('developer');
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/accounts');
  await page.getByRole('button', { name: 'Create account' }).click();
  await answered;

  const created = page.getByRole('region', { name: `Account ${email} created (developer)` });
  await expect(created).toBeVisible();
  await expect(created).toContainText('you will not see it again');
  const password = await page.getByLabel('Generated password').inputValue();
  expect(password).toMatch(/^[\w-]{24}$/);
  await page.getByRole('button', { name: 'Copy password' }).click();
  await expect(page.getByRole('button', { name: 'Copy password' })).toContainText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);
  await expect(page.getByRole('row', { name: new RegExp(email) })).toContainText('developer');
  await page.screenshot({ path: test.info().outputPath('accounts.png'), fullPage: true });

  // Shown once: gone after a reload, and nowhere in the page's HTML.
  await page.reload();
  await expect(page.getByLabel('Generated password')).toHaveCount(0);
  expect(await page.content()).not.toContain(password);

  // The new developer signs in with it: an account with no apps yet, and none of the demo's.
  const developer = await signedInPage(browser, '/apps', { email, password });
  try {
    await expect(developer.page.getByRole('banner').getByText(email, { exact: true })).toBeVisible();
    await expect(developer.page.getByRole('link', { name: demoCredentials().demoApp.name })).toHaveCount(0);
    // No accounts page for a developer, not even by its address.
    await expect(developer.page.getByRole('link', { name: 'Accounts' })).toHaveCount(0);
    const response = await developer.page.goto('/accounts');
    expect(response?.status()).toBe(404);
    await expect(developer.page.getByRole('heading', { name: /not found/i }).first()).toBeVisible();
    await expect(developer.page.getByText(demoCredentials().signIn.email)).toHaveCount(0);
  } finally {
    await developer.close();
  }
});

test("a developer sees only their own apps, and opening another account's app gets not-found, never its data", async ({ browser }) => {
  const developer = createDeveloper('nosy');
  // Their own app, made by the operator for them.
  const own = JSON.parse(wearhouseCli(['apps:create', '--name', `Own app ${stamp()}`, '--owner', developer.email, '--json'])) as { clientId: string; name: string };
  const { page, close } = await signedInPage(browser, '/apps', developer);
  try {
    const demo = demoCredentials().demoApp;
    await expect(page.getByRole('link', { name: own.name })).toBeVisible();
    await expect(page.getByRole('link', { name: demo.name })).toHaveCount(0);
    for (const path of [`/apps/${demo.clientId}`, `/apps/${demo.clientId}/users`, `/apps/${demo.clientId}/settings`]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(404);
      await expect(page.getByRole('heading', { name: /not found/i }).first()).toBeVisible();
      await expect(page.getByText(demo.name)).toHaveCount(0);
      expect(await page.content()).not.toContain(demo.clientSecret);
    }
  } finally {
    await close();
  }
});

test('a deleted account is signed out at once', async ({ page, browser }) => {
  const developer = createDeveloper('leaving');
  const victim = await signedInPage(browser, '/apps', developer);
  try {
    await signIn(page, '/accounts');
    await page.getByRole('button', { name: `Delete account ${developer.email}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete account ${developer.email}?` });
    await expect(dialog).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('accounts-delete.png'), fullPage: true });
    await dialog.getByRole('button', { name: 'Delete account' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByText(`Account ${developer.email} deleted.`)).toBeVisible();
    await expect(page.getByRole('row', { name: new RegExp(developer.email) })).toHaveCount(0);

    // The developer's next step finds them signed out, with the same session cookie as before.
    await victim.page.reload();
    await expect(victim.page).toHaveURL(/\/sign-in/);
  } finally {
    await victim.close();
  }
});

test('the form explains a bad or taken email beside the field', async ({ page }) => {
  const taken = createDeveloper('taken');
  await signIn(page, '/accounts');
  await page.getByLabel('Email').fill('not an email');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByLabel('Email')).toHaveAccessibleDescription('Enter an email address.');
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Email').fill(taken.email);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByLabel('Email')).toHaveAccessibleDescription(`An account with the email ${taken.email} exists already.`);
  await expect(page.getByLabel('Generated password')).toHaveCount(0);
});

test('the accounts page has no serious accessibility problems, in light and dark', async ({ page }) => {
  await signIn(page, '/accounts');
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.reload();
    await expect(page.getByRole('table')).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.screenshot({ path: test.info().outputPath('accounts-dark-1024.png'), fullPage: true });
});
