import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { demoCredentials } from './credentials';
import { createDeveloper, signIn } from './portal';

// A developer looks after one of their app's users from the user's page: who they are, which
// sources they have, connecting one for them in Connect, syncing, disconnecting, deleting them.

const baseURL = `http://localhost:${process.env.E2E_PORT ?? 3100}`;

/** The demo app's Human API with its App Key. */
function humanApi(method: 'POST' | 'GET', path: string, body?: unknown) {
  const { clientId, appKey } = demoCredentials().demoApp;
  return fetch(`${baseURL}/v1/apps/${clientId}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${appKey}:`).toString('base64')}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

async function createUser(): Promise<{ humanId: string; externalId: string }> {
  const externalId = `user-page-${randomBytes(4).toString('hex')}`;
  // A fresh server may still be writing its demo data and answer 503 (with Retry-After) meanwhile.
  let response = await humanApi('POST', '/users', { externalId });
  for (let tries = 0; response.status === 503 && tries < 60; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(response.headers.get('retry-after') ?? 1)));
    response = await humanApi('POST', '/users', { externalId });
  }
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as { humanId: string; externalId: string };
}

async function expectNoSeriousAxeViolations(page: Page) {
  // The toasts are the portal layout's (sonner with rich colours), not this page's: checked there.
  const results = await new AxeBuilder({ page }).exclude('[data-sonner-toaster]').analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test.describe('The user page', () => {
  // A fresh server writes its demo data first (a minute on a busy machine), holding the embedded
  // database for seconds at a time: when this spec runs first, wait until the API answers promptly.
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    for (let prompt = 0, tries = 0; prompt < 3 && tries < 300; tries++) {
      const started = Date.now();
      const response = await humanApi('GET', '/users?limit=1');
      prompt = response.status === 200 && Date.now() - started < 300 ? prompt + 1 : 0;
      if (prompt === 0) await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });

  test('shows who the user is, connects a source in the Connect modal, syncs, disconnects, and deletes the user', async ({ page }) => {
    test.setTimeout(60_000);
    const { clientId } = demoCredentials().demoApp;
    const user = await createUser();
    const userPath = `/apps/${clientId}/users/${user.humanId}`;
    await signIn(page, userPath);

    // Identity header.
    await expect(page.getByRole('heading', { level: 2, name: user.externalId })).toBeVisible();
    const identity = page.getByRole('region', { name: 'Identity' });
    await expect(identity.getByText(user.humanId)).toBeVisible();
    await expect(identity.getByText(user.externalId)).toBeVisible();
    for (const term of ['Email', 'Name', 'Identity provider', 'Last login', 'Last active', 'Created']) {
      await expect(identity.getByRole('term').filter({ hasText: new RegExp(`^${term}$`) })).toBeVisible();
    }
    await expect(page.getByText('No connected sources')).toBeVisible();
    await expectNoSeriousAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath('user-page.png'), fullPage: true });

    // Everything below happens without a reload: this mark would be gone after one.
    await page.evaluate(() => ((window as unknown as { noReload: boolean }).noReload = true));

    // Connect in the modal, preconfigured for this user. Escape closes it, even with focus in the widget.
    const connectButton = page.getByRole('button', { name: 'Connect a source' });
    await connectButton.click();
    const modal = page.getByRole('dialog', { name: `Connect for ${user.externalId}` });
    const widget = modal.getByTitle(`Connect health data for ${user.externalId}`).contentFrame();
    await expect(widget.getByRole('button', { name: 'Connect Demo Scale' })).toBeVisible();
    await widget.getByRole('searchbox').or(widget.getByPlaceholder('Search sources')).first().focus();
    await page.keyboard.press('Escape');
    await expect(modal).toBeHidden();
    await expect(connectButton).toBeFocused();

    await connectButton.click();
    await expect(widget.getByRole('button', { name: 'Connect Demo Scale' })).toBeVisible();
    await expectNoSeriousAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath('user-page-connect-modal.png') });

    await widget.getByRole('button', { name: 'Connect Demo Scale' }).click();
    await expect(page.getByText('Demo Scale connected')).toBeVisible();
    // The card is there behind the modal already: the widget's message refreshed the cards.
    await expect(page.getByRole('article', { name: 'Demo Scale', includeHidden: true })).toBeAttached();
    await widget.getByRole('button', { name: 'Done' }).click();
    await expect(modal).toBeHidden();

    const card = page.getByRole('article', { name: 'Demo Scale' });
    await expect(card).toBeVisible();
    await expect(card.getByRole('link', { name: 'Demo Scale' })).toHaveAttribute('href', `${userPath}/sources/demo-scale`);
    await expect(card.getByText('weight', { exact: true })).toBeVisible();
    // The history sync runs in the background; the card polls until its readings are counted.
    await expect(card.getByRole('definition').filter({ hasText: /^[1-9][\d,]*$/ })).toBeVisible({ timeout: 20_000 });
    await expect(card.getByText('Connected', { exact: true })).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('user-page-with-source.png'), fullPage: true });

    await card.getByRole('button', { name: 'Sync now Demo Scale' }).click();
    await expect(page.getByText('Sync of Demo Scale requested')).toBeVisible();

    // Disconnect, after confirming.
    await card.getByRole('button', { name: 'Disconnect Demo Scale' }).click();
    const confirmDisconnect = page.getByRole('alertdialog', { name: 'Disconnect Demo Scale?' });
    await expect(confirmDisconnect).toBeVisible();
    await expectNoSeriousAxeViolations(page);
    await confirmDisconnect.getByRole('button', { name: 'Disconnect' }).click();
    await expect(page.getByText('Demo Scale disconnected')).toBeVisible();
    await expect(card).toHaveCount(0);
    await expect(page.getByText('No connected sources')).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);

    // Delete the user from here: back on the list, and the API no longer knows them.
    await page.getByRole('button', { name: 'Delete user' }).click();
    const confirmDelete = page.getByRole('alertdialog', { name: `Delete user ${user.externalId}?` });
    await confirmDelete.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirmDelete).toBeHidden();
    await page.getByRole('button', { name: 'Delete user' }).click();
    // The toast is raised as the page leaves for the list: note every toast shown from here on.
    const toasts: string[] = [];
    await page.exposeFunction('noteToast', (text: string) => toasts.push(text));
    await page.evaluate(() => {
      const note = (window as unknown as { noteToast: (text: string) => void }).noteToast;
      new MutationObserver(() => {
        for (const toast of document.querySelectorAll('[data-sonner-toast]')) if (toast.textContent) note(toast.textContent);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await confirmDelete.getByRole('button', { name: 'Delete user' }).click();
    await expect(page).toHaveURL(new RegExp(`/apps/${clientId}/users$`));
    await expect.poll(() => toasts).toContainEqual(expect.stringContaining(`User ${user.externalId} deleted`));
    expect((await humanApi('GET', `/users/${user.humanId}`)).status).toBe(404);

    await page.goto(userPath);
    await expect(page.getByRole('heading', { name: 'User not found' })).toBeVisible();
  });

  test("another developer gets not-found for this user, and the cards' JSON refuses them too", async ({ page }) => {
    const { clientId } = demoCredentials().demoApp;
    const user = await createUser();
    const userPath = `/apps/${clientId}/users/${user.humanId}`;
    await signIn(page, userPath, createDeveloper('stranger'));
    // The app's layout answers first: to a stranger the whole app does not exist.
    await expect(page.getByRole('heading', { name: 'App not found' })).toBeVisible();
    await expect(page.getByText(user.externalId)).toHaveCount(0);
    await expectNoSeriousAxeViolations(page);
    await page.screenshot({ path: test.info().outputPath('user-page-not-found.png'), fullPage: true });
    const cards = await page.request.get(`${userPath}/connections`);
    expect(cards.status()).toBe(404);
    expect(await cards.text()).not.toContain(user.externalId);
  });
});
