// Shared steps of the portal journeys: signing in through the real form.
import { randomBytes } from 'node:crypto';
import { expect, type Page } from '@playwright/test';
import { wearhouseCli } from './connect-host';
import { demoCredentials } from './credentials';

/** Sign in through the sign-in page (as the demo admin unless told otherwise) and land on `path`. */
export async function signIn(page: Page, path = '/apps', account: { email: string; password: string } = demoCredentials().signIn): Promise<void> {
  await page.goto(path);
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
}

/** A new developer account (not an admin: it sees only its own apps), created with the operator's CLI. */
export function createDeveloper(label: string): { email: string; password: string } {
  const email = `${label}-${randomBytes(4).toString('hex')}@example.test`;
  const password = randomBytes(12).toString('base64url');
  wearhouseCli(['accounts:create', '--email', email, '--role', 'developer'], { ADMIN_PASSWORD: password });
  return { email, password };
}
