import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { demoCredentials } from './credentials';
import { signIn } from './portal';

// A developer opens one user's connected source: charts of every data type for each range, the raw
// readings page by page, and the range as a CSV file. The user and their Demo Tracker are made here:
// the user through the API with the demo App Key, the source through Connect as the user would.

const baseURL = `http://localhost:${process.env.E2E_PORT ?? 3100}`;
let sourcePath = '';
let externalId = '';

async function connectDemoTracker(browser: Browser) {
  const { demoApp } = demoCredentials();
  externalId = `charts-${randomBytes(4).toString('hex')}`;
  const created = await fetch(`${baseURL}/v1/apps/${demoApp.clientId}/users`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${demoApp.appKey}:`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ externalId }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const { humanId } = (await created.json()) as { humanId: string };
  const minted = await fetch(`${baseURL}/v1/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: demoApp.clientId, client_secret: demoApp.clientSecret, client_user_id: externalId, type: 'session' }),
  });
  expect(minted.status).toBe(200);
  const { session_token: token } = (await minted.json()) as { session_token: string };
  // The user connects the Demo Tracker in Connect and waits for its 90 days of history.
  const page = await browser.newPage();
  await page.goto(`${baseURL}/connect?token=${token}`);
  await page.getByRole('button', { name: 'Connect Demo Tracker' }).click();
  await expect(page.getByText('Connected', { exact: true })).toBeVisible({ timeout: 90_000 });
  await page.close();
  sourcePath = `/apps/${demoApp.clientId}/users/${humanId}/sources/demo-tracker`;
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  await connectDemoTracker(browser);
});

const panel = (page: Page, name: string) => page.getByRole('region', { name });

/** The heart rate line (and its band) and the steps bars are drawn. */
async function expectPlotted(page: Page) {
  const heartRate = panel(page, 'Heart rate (bpm)').getByRole('figure', { name: 'Heart rate chart' });
  // Generous: the first visit also fetches the charts' code, slow on a busy CI machine.
  await expect(heartRate.locator('path.recharts-curve').first()).toBeVisible({ timeout: 30_000 });
  expect(await heartRate.locator('path.recharts-curve').count()).toBeGreaterThanOrEqual(2); // band and line
  const steps = panel(page, 'Steps (steps)').getByRole('figure', { name: 'Steps chart' });
  await expect(steps.locator('path.recharts-rectangle').first()).toBeVisible();
  const sleep = panel(page, 'Sleep (hours)').getByRole('figure', { name: 'Sleep chart' });
  await expect(sleep.locator('path.recharts-rectangle').first()).toBeVisible();
}

const noSeriousViolations = async (page: Page) => {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join('; ')})`)).toEqual([]);
};

test('the source page shows plotted charts in light and dark, without serious axe violations', async ({ page }) => {
  test.setTimeout(60_000);
  await signIn(page, sourcePath);
  await expect(page.getByRole('heading', { level: 2, name: 'Demo Tracker' })).toBeVisible();
  await expect(page.getByRole('link', { name: `Back to ${externalId}` })).toBeVisible();
  await expectPlotted(page);
  await page.screenshot({ path: test.info().outputPath('source-light.png'), fullPage: true });
  await noSeriousViolations(page);

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1024, height: 900 });
  await expectPlotted(page);
  await page.screenshot({ path: test.info().outputPath('source-dark.png'), fullPage: true });
  await noSeriousViolations(page);
});

test('each range shows plotted charts, kept in the URL', async ({ page }) => {
  test.setTimeout(60_000);
  await signIn(page, sourcePath);
  const ranges = page.getByRole('radiogroup', { name: 'Range' });
  for (const [label, key] of [['24 h', '24h'], ['30 d', '30d'], ['90 d', '90d'], ['1 y', '1y'], ['7 d', '7d']] as const) {
    await ranges.getByRole('radio', { name: label }).click();
    await expect(ranges.getByRole('radio', { name: label })).toBeChecked();
    if (key !== '7d') await expect(page).toHaveURL(new RegExp(`range=${key}`));
    await expectPlotted(page);
    // Never more points than the server's limit, whatever the range.
    const points = Number(await panel(page, 'Heart rate (bpm)').getByRole('figure', { name: 'Heart rate chart' }).getAttribute('data-points'));
    expect(points).toBeGreaterThan(0);
    expect(points).toBeLessThanOrEqual(1000);
  }
});

test('a custom range is typed in and survives a reload', async ({ page }) => {
  test.setTimeout(60_000);
  await signIn(page, sourcePath);
  await page.getByRole('radiogroup', { name: 'Range' }).getByRole('radio', { name: 'Custom' }).click();
  const day = (offset: number) => {
    const d = new Date(Date.now() - offset * 86_400_000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  // Ten days that are over for the user wherever they live (yesterday may still be going on for a
  // user west of UTC, and its steps come once it ends).
  await page.getByLabel('From').fill(day(11));
  await page.getByLabel('To').fill(day(2));
  await expect(page).toHaveURL(new RegExp(`range=custom.*from=${day(11)}.*to=${day(2)}`));
  await expectPlotted(page);
  await page.reload();
  await expect(page.getByLabel('From')).toHaveValue(day(11));
  await expectPlotted(page);
  // The steps of ten whole days, one bar each.
  await expect(panel(page, 'Steps (steps)').getByText('10 readings · 10 days')).toBeVisible();
});

test('the raw readings page forward and back, and the range downloads as CSV', async ({ page }) => {
  test.setTimeout(60_000);
  await signIn(page, sourcePath);
  const table = panel(page, 'Raw readings');
  await table.getByLabel('Type').selectOption({ label: 'Heart rate' });
  await expect(table.getByText('Page 1 · 50 readings')).toBeVisible();
  const firstRow = table.getByRole('row').nth(1);
  const newest = await firstRow.textContent();
  expect(newest).toContain('bpm');
  await table.getByRole('button', { name: 'Next' }).click();
  await expect(table.getByText('Page 2 · 50 readings')).toBeVisible();
  await expect(firstRow).not.toHaveText(newest!);
  await table.getByRole('button', { name: 'Previous' }).click();
  await expect(table.getByText('Page 1 · 50 readings')).toBeVisible();
  await expect(firstRow).toHaveText(newest!);
  await expect(table.getByRole('button', { name: 'Previous' })).toBeDisabled();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^${externalId}-demo-tracker-.*\\.csv$`));
  const lines = fs.readFileSync((await download.path())!, 'utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('type,timestamp,value,value2,unit');
  // A week of five-minute heart rate and the daily totals.
  expect(lines.length).toBeGreaterThan(7 * 288 - 10);
  expect(lines.some((line) => /^heart_rate,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d,\d+,,bpm$/.test(line))).toBe(true);
  expect(lines.some((line) => line.startsWith('steps,'))).toBe(true);
  await page.screenshot({ path: test.info().outputPath('source-table.png'), fullPage: true });
});

test('a source the user does not have is not found, and a bad range is a clear 400', async ({ page }) => {
  await signIn(page, sourcePath.replace('demo-tracker', 'demo-scale'));
  await expect(page.getByRole('heading', { name: 'Source not found' })).toBeVisible();
  const bad = await page.request.get(`${sourcePath}/series?type=heart_rate&range=2w`);
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error).toMatch(/range/);
  const backwards = await page.request.get(`${sourcePath}/series?type=heart_rate&from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z`);
  expect(backwards.status()).toBe(400);
  expect(await backwards.json()).toEqual({ error: 'from must be before to.' });
  const otherApp = await page.request.get(`${sourcePath.replace(/apps\/[0-9a-f]+/, `apps/${'0'.repeat(40)}`)}/series?type=heart_rate&range=7d`);
  expect(otherApp.status()).toBe(404);
});
