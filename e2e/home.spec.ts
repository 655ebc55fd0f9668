import { expect, test } from '@playwright/test';

test('a visitor learns what Wearhouse is and finds the API documents', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Health data connections for your app' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'API reference' })).toBeVisible();

  const documentLink = page.getByRole('link', { name: 'OpenAPI document' });
  const response = await page.request.get((await documentLink.getAttribute('href'))!);
  expect(response.status()).toBe(200);
  expect((await response.json()).openapi).toBe('3.1.0');
});

test('an unknown page says so', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('a visitor who opens the portal is asked to sign in first', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Open the portal' }).click();
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fapps$/);
  await expect(page.getByRole('heading', { name: 'Sign in to the portal' })).toBeVisible();
});
