// Shared steps of the portal journeys: signing in (through the real form, then with the session it gave).
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Cookie, type Page } from '@playwright/test';
import { wearhouseCli } from './connect-host';
import { demoCredentials } from './credentials';

/** Session cookies of the accounts this worker has signed in, so later journeys skip the form. */
const sessions = new Map<string, Cookie[]>();

/**
 * Land on `path` signed in (as the demo admin unless told otherwise): through the sign-in page the
 * first time for an account, or `viaForm`; after that with the session that gave, as a browser
 * that stayed signed in would (the form when the session no longer holds).
 */
export async function signIn(page: Page, path = '/apps', account: { email: string; password: string } = demoCredentials().signIn, options: { viaForm?: boolean } = {}): Promise<void> {
  const saved = options.viaForm ? undefined : sessions.get(account.email);
  if (saved) await page.context().addCookies(saved);
  await page.goto(path);
  const landed = new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  if (saved && new URL(page.url()).pathname !== '/sign-in') {
    await expect(page).toHaveURL(landed);
    return;
  }
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(landed);
  sessions.set(account.email, (await page.context().cookies()).filter((cookie) => cookie.name.includes('session-token')));
}

/** A new developer account (not an admin: it sees only its own apps), created with the operator's CLI. */
export function createDeveloper(label: string): { email: string; password: string } {
  const email = `${label}-${randomBytes(4).toString('hex')}@example.test`;
  const password = randomBytes(12).toString('base64url');
  wearhouseCli(['accounts:create', '--email', email, '--role', 'developer'], { ADMIN_PASSWORD: password });
  return { email, password };
}

/** No serious or critical axe violations on the page as it is now. */
export async function expectNoSeriousAxeViolations(page: Page): Promise<void> {
  // After a server action the page's metadata is streamed again: check once the title is back.
  await expect(page).toHaveTitle(/\S/);
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`)).toEqual([]);
}
