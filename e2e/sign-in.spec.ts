import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { startIdentityProvider, type TestIdentityProvider } from '../lib/testing/identity-provider';
import { demoCredentials } from './credentials';
import { createDeveloper, signIn } from './portal';
import { ssoIdentityProvider } from './sso-identity-provider';

// Signing in to the portal as developers do: the password form, its throttle, the way back to the
// page you asked for, signing out, and single sign-on through an OpenID Connect issuer.

const baseURL = `http://localhost:${process.env.E2E_PORT ?? 3100}`;

/** Fill in and send the form; resolves once the server has answered (the message is then current). */
async function fillSignIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/sign-in');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await answered;
}

const formMessage = (page: Page) => page.getByRole('main').getByRole('alert');

test('signed out, a deep link sends you to sign in and then back to it; signing out ends the session', async ({ page }) => {
  const deepLink = '/accounts?from=bookmark';
  await page.goto(deepLink);
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Faccounts%3Ffrom%3Dbookmark$/);
  await expect(page.getByRole('heading', { name: 'Sign in to the portal' })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('sign-in.png'), fullPage: true });

  const admin = demoCredentials().signIn;
  await fillSignIn(page, admin.email, admin.password);
  await expect(page).toHaveURL(new RegExp(`${deepLink.replace('?', '\\?')}$`));
  await expect(page.getByRole('heading', { name: 'Accounts', level: 1 })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto('/apps');
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fapps$/);
});

test('a wrong password says so and signs nobody in', async ({ page }) => {
  // One failure for the demo admin (far below any throttle; a right password starts it afresh).
  const admin = demoCredentials().signIn;
  await page.goto('/sign-in');
  await fillSignIn(page, admin.email, `${admin.password}-typo`);
  await expect(formMessage(page)).toHaveText('Wrong email or password.');
  // The email stays typed in; the password does not.
  await expect(page.getByLabel('Email')).toHaveValue(admin.email);
  await expect(page.getByLabel('Password')).toHaveValue('');
  await page.goto('/apps');
  await expect(page).toHaveURL(/\/sign-in/);
});

test('repeated wrong passwords are throttled, even the right one then waits, and nobody else is locked out', async ({ page, browser }) => {
  // A throwaway account: the demo admin must stay usable for every other spec.
  const developer = createDeveloper('throttled');
  await page.goto('/sign-in');
  for (let attempt = 1; attempt <= 5; attempt++) {
    await fillSignIn(page, developer.email, `guess-${attempt}`);
    await expect(formMessage(page)).toHaveText('Wrong email or password.');
    // The form has taken the answer in (it clears the password) before the next attempt is typed.
    await expect(page.getByLabel('Password')).toHaveValue('');
  }
  await fillSignIn(page, developer.email, 'guess-6');
  await expect(formMessage(page)).toHaveText(/^Too many attempts, try again in \d+ s\.$/);
  await expect(page.getByLabel('Password')).toHaveValue('');
  const seconds = Number((await formMessage(page).textContent())!.match(/\d+/)![0]);
  expect(seconds).toBeGreaterThan(60);

  // Refused before the password is looked at: the right one gets the same answer.
  await fillSignIn(page, developer.email, developer.password);
  await expect(formMessage(page)).toHaveText(/^Too many attempts/);
  await page.screenshot({ path: test.info().outputPath('sign-in-throttled.png'), fullPage: true });

  // Someone else, from the same address, signs in as usual.
  const context = await browser.newContext();
  try {
    await signIn(await context.newPage(), '/apps', demoCredentials().signIn, { viaForm: true });
  } finally {
    await context.close();
  }
});

test('the sign-in page has no serious accessibility problems, in light and dark', async ({ page }) => {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.goto('/sign-in');
    await expect(page.getByRole('link', { name: 'Sign in with single sign-on' })).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }
  await page.setViewportSize({ width: 380, height: 800 });
  await page.screenshot({ path: test.info().outputPath('sign-in-dark-narrow.png'), fullPage: true });
});

test.describe('single sign-on', () => {
  let idp: TestIdentityProvider;
  let developer: { email: string; password: string };

  test.beforeAll(async () => {
    developer = createDeveloper('sso');
    idp = await startIdentityProvider({
      port: ssoIdentityProvider.port,
      client: { id: ssoIdentityProvider.clientId, secret: ssoIdentityProvider.clientSecret },
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: [`${baseURL}/api/auth/callback/oidc`],
      accounts: {
        // The issuer spells the email its own way; Wearhouse matches it whatever its case.
        developer: { sub: 'sso-developer', email: developer.email.toUpperCase(), email_verified: true, name: 'Sso Developer' },
        stranger: { sub: 'sso-stranger', email: 'stranger@idp.test', email_verified: true },
        unverified: { sub: 'sso-unverified', email: developer.email, email_verified: false },
      },
    });
  });
  test.afterAll(async () => idp?.close());

  test('a developer signs in through the issuer and lands on the page they asked for', async ({ page }) => {
    await page.goto('/apps?via=sso');
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await expect(page).toHaveURL(/\/apps\?via=sso$/);
    await expect(page.getByRole('heading', { name: 'Apps', level: 1 })).toBeVisible();
    await expect(page.getByRole('banner').getByText(developer.email, { exact: true })).toBeVisible();
    // A developer, not an admin: no accounts page.
    await expect(page.getByRole('link', { name: 'Accounts' })).toHaveCount(0);
  });

  test('an email without an account is refused with a clear message, and so is an unverified one', async ({ browser }) => {
    for (const [who, message] of [
      ['stranger', 'No Wearhouse account has the email your single sign-on confirmed. Ask an admin to create your account, then sign in again.'],
      ['unverified', 'Your single sign-on did not confirm your email address, so it cannot be matched to an account.'],
    ] as const) {
      const context = await browser.newContext({ extraHTTPHeaders: { 'x-test-account': who } });
      try {
        const page = await context.newPage();
        await page.goto('/sign-in');
        await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
        await expect(page).toHaveURL(/\/sign-in\?error=/);
        await expect(formMessage(page).first()).toHaveText(message);
        if (who === 'stranger') await page.screenshot({ path: test.info().outputPath('sign-in-sso-refused.png'), fullPage: true });
        await page.goto('/apps');
        await expect(page).toHaveURL(/\/sign-in/);
      } finally {
        await context.close();
      }
    }
  });
});
