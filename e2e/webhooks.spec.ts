import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { Webhook } from 'standardwebhooks';
import { startTestReceiver } from '../lib/webhooks/test-receiver';
import { createDeveloper, signIn, expectNoSeriousAxeViolations } from './portal';

// A developer's webhooks: set a notify URL (loopback refused), see the signing secret once, send a
// test event and redeliver it from the delivery log; another developer sees none of it.

// The server under test inherits the runner's environment: with WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE=1
// it delivers to this runner's loopback receiver, and the journey checks what arrives.
const deliversToLoopback = process.env.WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE === '1';


async function createAppInPortal(page: Page): Promise<{ name: string; clientId: string }> {
  const name = `Hooks ${randomBytes(3).toString('hex')}`;
  await page.getByRole('button', { name: 'Create app' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create an app' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create app' }).click();
  await expect(dialog.getByText('You will not see this again.')).toBeVisible({ timeout: 30_000 });
  const clientId = (await dialog.getByRole('link', { name: `Open ${name}` }).getAttribute('href'))!.split('/').pop()!;
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  return { name, clientId };
}

/** Save a notify URL on the settings page; returns the signing secret the dialog shows once. */
async function saveNotifyUrl(page: Page, url: string): Promise<string> {
  await page.getByLabel('Notify URL').fill(url);
  await page.getByRole('button', { name: 'Save webhook URL' }).click();
  const dialog = page.getByRole('dialog', { name: 'Your signing secret' });
  await expect(dialog.getByText('You will not see this again.')).toBeVisible();
  const secret = (await dialog.getByLabel('Signing secret', { exact: true }).textContent())!.trim();
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByText(`${secret.slice(0, 10)}…${secret.slice(-4)}`)).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  return secret;
}

test('webhooks: a notify URL with a secret shown once, a test event in the delivery log, redelivered by hand', async ({ page, browser }) => {
  test.slow();
  const receiver = await startTestReceiver();
  try {
    await signIn(page, '/apps');
    const app = await createAppInPortal(page);
    await page.goto(`/apps/${app.clientId}/settings`);

    if (!deliversToLoopback) {
      // Loopback and private destinations are refused up front, beside the field.
      await page.getByLabel('Notify URL').fill(receiver.url);
      await page.getByRole('button', { name: 'Save webhook URL' }).click();
      await expect(page.getByText(/public addresses only/)).toBeVisible();
      await expect(page.getByLabel('Notify URL')).toHaveAttribute('aria-invalid', 'true');
    }
    // hooks.invalid never resolves (RFC 6761): accepted when saved, its attempts fail and are logged.
    const secret = await saveNotifyUrl(page, deliversToLoopback ? receiver.url : 'https://hooks.invalid/wearhouse');
    await expectNoSeriousAxeViolations(page);
    await page.getByRole('heading', { name: 'Webhooks', level: 3 }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: test.info().outputPath('webhook-settings.png') });

    // The Webhooks tab: the log is empty until a test event is sent.
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/apps/${app.clientId}/webhooks$`));
    await expect(page.getByRole('link', { name: 'Webhooks', exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByText(/No deliveries yet/)).toBeVisible();
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect(page.getByText('Test event queued.')).toBeVisible();
    const row = page.getByRole('row', { name: /webhook\.test/ });
    await expect(row).toBeVisible();
    const eventId = (await row.getByText(/^msg_/).textContent())!.replace(/: attempts$/, '').trim();

    if (deliversToLoopback) {
      // The receiver verifies the signature with the secret shown once.
      await receiver.waitFor(1);
      const payload = new Webhook(secret).verify(receiver.received[0]!.body, receiver.received[0]!.headers as Record<string, string>);
      expect(payload).toMatchObject({ type: 'webhook.test' });
      await expect(async () => {
        await page.reload();
        await expect(page.getByRole('row', { name: /webhook\.test/ })).toContainText('Delivered');
      }).toPass({ timeout: 20_000 });
    } else {
      // Each attempt's outcome shows in the log once the queue has made it.
      await expect(async () => {
        await page.reload();
        await expect(page.getByRole('row', { name: /webhook\.test/ })).toContainText(/Could not connect|Pending/);
      }).toPass({ timeout: 20_000 });
    }

    // Redeliver: the same event (same webhook-id) goes again.
    await page.getByRole('button', { name: `Redeliver ${eventId}` }).click();
    await expect(page.getByText(`Redelivery of ${eventId} queued.`)).toBeVisible();
    if (deliversToLoopback) {
      await receiver.waitFor(2);
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId]);
    }
    await expectNoSeriousAxeViolations(page);

    // Narrow screens: the table scrolls inside its frame, the page itself does not.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: test.info().outputPath('webhooks-log-narrow-dark.png'), fullPage: true });

    // Another developer: not found, and no trace of the app's deliveries.
    const other = createDeveloper('webhooks-outsider');
    const context = await browser.newContext();
    const outsider = await context.newPage();
    await signIn(outsider, '/apps', other);
    await outsider.goto(`/apps/${app.clientId}/webhooks`);
    await expect(outsider.getByRole('heading', { name: 'App not found' })).toBeVisible();
    expect(await outsider.content()).not.toContain(eventId);
    await context.close();
  } finally {
    await receiver.close();
  }
});
