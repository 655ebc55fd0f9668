// The users table as a developer uses it: find users, reveal and copy their tokens, open a user's
// data sources, delete a user. Every test makes its own users through the API with the demo App Key.
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { wearhouseCli } from './connect-host';
import { demoCredentials } from './credentials';
import { signIn } from './portal';

type ApiUser = { humanId: string; externalId: string };

const api = () => {
  const { clientId, appKey } = demoCredentials().demoApp;
  return { clientId, headers: { Authorization: `Basic ${Buffer.from(`${appKey}:`).toString('base64')}` } };
};

async function createUsers(request: APIRequestContext, externalIds: string[]): Promise<ApiUser[]> {
  const { clientId, headers } = api();
  const users: ApiUser[] = [];
  for (const externalId of externalIds) {
    // A server just started is still writing its demo readings and may answer 503 for a moment; a
    // client retries that, as the API asks.
    let response = await request.post(`/v1/apps/${clientId}/users`, { headers, data: { externalId } });
    for (let tries = 0; response.status() === 503 && tries < 20; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      response = await request.post(`/v1/apps/${clientId}/users`, { headers, data: { externalId } });
    }
    expect(response.status()).toBe(201);
    users.push(await response.json());
  }
  return users;
}

const usersPath = (query = '') => `/apps/${api().clientId}/users${query}`;
const tag = () => randomBytes(4).toString('hex');
/** The table's body rows (the header row has no cells). */
const bodyRows = (page: Page) => page.getByRole('table').getByRole('row').filter({ has: page.getByRole('cell') });

async function expectNoSeriousAxeViolations(page: Page) {
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

test('the table shows humanId, externalId and masked tokens; revealing and copying a token is audited', async ({ page, context }) => {
  const [user] = await createUsers(page.request, [`tokens-${tag()}`]);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page, usersPath(`?q=${user!.externalId}`));

  const row = bodyRows(page).filter({ hasText: user!.externalId });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('link', { name: user!.humanId })).toHaveAttribute('href', `/apps/${api().clientId}/users/${user!.humanId}`);
  const accessCell = row.getByRole('cell').nth(2);
  const publicCell = row.getByRole('cell').nth(3);
  await expect(accessCell).toHaveText(/^••••ending in [A-Za-z0-9_-]{4}$/);
  const accessLast4 = (await accessCell.textContent())!.slice(-4);
  const publicLast4 = (await publicCell.textContent())!.slice(-4);
  await page.screenshot({ path: test.info().outputPath('users.png'), fullPage: true });
  await expectNoSeriousAxeViolations(page);

  const reveal = row.getByRole('button', { name: `Reveal access token for ${user!.externalId}` });
  await reveal.click();
  await expect(reveal).toHaveAttribute('aria-pressed', 'true');
  await expect(accessCell).toHaveText(new RegExp(`^wha_[A-Za-z0-9_-]{28}${accessLast4}$`));
  const accessToken = (await accessCell.textContent())!;

  await row.getByRole('button', { name: `Copy public token for ${user!.externalId}` }).click();
  await expect(page.getByText(`Copied the public token of ${user!.externalId}`)).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toMatch(new RegExp(`^whp_[A-Za-z0-9_-]{28}${publicLast4}$`));
  // Copying did not show the token on the page.
  await expect(publicCell).toHaveText(`••••ending in ${publicLast4}`);

  // The tokens are in the action's answer only: not in the page's HTML or its RSC payload.
  const html = await (await page.request.get(usersPath(`?q=${user!.externalId}`))).text();
  const rsc = await (await page.request.get(usersPath(`?q=${user!.externalId}`), { headers: { RSC: '1' } })).text();
  for (const body of [html, rsc]) {
    expect(body).toContain(user!.humanId);
    expect(body).not.toContain(accessToken);
    expect(body).not.toContain(copied);
  }

  const audit = JSON.parse(wearhouseCli(['audit:list', '--app', api().clientId, '--action', 'user.reveal_tokens', '--json'])) as { target: string; actor: string }[];
  // One entry for the reveal; the copy used the tokens that reveal had already fetched.
  expect(audit.filter((entry) => entry.target === user!.humanId)).toHaveLength(1);
  expect(audit.find((entry) => entry.target === user!.humanId)!.actor).toMatch(/^account:\d+$/);
});

test('search narrows the table and keyset pages go forward and back, in the URL', async ({ page }) => {
  const prefix = `page-${tag()}`;
  const users = await createUsers(page.request, Array.from({ length: 27 }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`));
  const newestFirst = [...users].reverse();
  await signIn(page, usersPath());

  await page.getByRole('searchbox', { name: 'Search users' }).fill(prefix);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${prefix}`));
  await expect(bodyRows(page)).toHaveCount(25);
  await expect(bodyRows(page).first()).toContainText(newestFirst[0]!.externalId);

  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/[?&]after=[0-9a-f]{32}/);
  await expect(bodyRows(page)).toHaveCount(2);
  await expect(bodyRows(page).last()).toContainText(newestFirst[26]!.externalId);
  await expect(page.getByText('Next', { exact: true })).toHaveAttribute('aria-disabled', 'true');

  await page.getByRole('link', { name: 'Previous' }).click();
  await expect(bodyRows(page)).toHaveCount(25);
  await expect(bodyRows(page).first()).toContainText(newestFirst[0]!.externalId);

  await page.getByLabel('Rows per page').selectOption('50');
  await expect(page).toHaveURL(/[?&]size=50/);
  await expect(bodyRows(page)).toHaveCount(27);

  // Oldest first.
  await page.getByRole('button', { name: /^Created/ }).click();
  await expect(page).toHaveURL(/[?&]dir=asc/);
  await expect(bodyRows(page).first()).toContainText(users[0]!.externalId);
  await expect(page.getByRole('columnheader', { name: /Created/ })).toHaveAttribute('aria-sort', 'ascending');

  // A humanId prefix finds its user; nonsense finds nobody and says so.
  const search = page.getByRole('searchbox', { name: 'Search users' });
  await search.fill(users[13]!.humanId.slice(0, 24));
  await expect(bodyRows(page)).toHaveCount(1);
  await expect(bodyRows(page).first()).toContainText(users[13]!.externalId);
  await search.fill(`${prefix}-nobody`);
  await expect(page.getByText(/No users match/)).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('users-search-empty.png'), fullPage: true });
});

test('the bar-chart icon leads to the user’s data sources page', async ({ page }) => {
  const [user] = await createUsers(page.request, [`sources-${tag()}`]);
  await signIn(page, usersPath(`?q=${user!.externalId}`));
  await page.getByRole('link', { name: `Data sources for ${user!.externalId}` }).click();
  await expect(page).toHaveURL(new RegExp(`/apps/${api().clientId}/users/${user!.humanId}$`));
});

test('deleting a user asks first, removes the row at once, and the API no longer knows the user', async ({ page }) => {
  const prefix = `delete-${tag()}`;
  const [doomed, neighbour, vanishing] = await createUsers(page.request, [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
  await signIn(page, usersPath(`?q=${prefix}`));
  await expect(bodyRows(page)).toHaveCount(3);

  // Escape closes the dialog and nothing happens.
  await page.getByRole('button', { name: `Delete user ${doomed!.externalId}` }).click();
  const dialog = page.getByRole('dialog', { name: `Delete user ${doomed!.externalId}?` });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: `Delete user ${doomed!.externalId}` })).toBeFocused();

  await page.getByRole('button', { name: `Delete user ${doomed!.externalId}` }).click();
  await expect(dialog).toContainText(doomed!.externalId);
  await expectNoSeriousAxeViolations(page);
  await page.screenshot({ path: test.info().outputPath('users-delete-dialog.png'), fullPage: true });
  await dialog.getByRole('button', { name: 'Delete user' }).click();
  await expect(bodyRows(page).filter({ hasText: doomed!.externalId })).toHaveCount(0);
  await expect(page.getByText(`Deleted user ${doomed!.externalId}`)).toBeVisible();
  // Focus moves to a neighbouring row (newest first, a was last: b, just above it).
  await expect(page.getByRole('link', { name: neighbour!.humanId })).toBeFocused();

  await page.reload();
  await expect(bodyRows(page)).toHaveCount(2);
  await expect(bodyRows(page).filter({ hasText: doomed!.externalId })).toHaveCount(0);
  const { clientId, headers } = api();
  expect((await page.request.get(`/v1/apps/${clientId}/users/${doomed!.humanId}`, { headers })).status()).toBe(404);
  expect((await page.request.get(`/v1/apps/${clientId}/users/${neighbour!.humanId}`, { headers })).status()).toBe(200);

  // A delete that fails (the user went away meanwhile) puts the row back and says why.
  await page.getByRole('button', { name: `Delete user ${vanishing!.externalId}` }).click();
  expect((await page.request.delete(`/v1/apps/${clientId}/users/${vanishing!.humanId}`, { headers })).status()).toBe(204);
  await page.getByRole('dialog').getByRole('button', { name: 'Delete user' }).click();
  await expect(page.getByText(`Could not delete ${vanishing!.externalId}: This user no longer exists.`)).toBeVisible();
  await expect(bodyRows(page).filter({ hasText: vanishing!.externalId })).toHaveCount(1);
});
