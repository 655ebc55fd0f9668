// Another developer can reach nothing of an app that is not theirs: not its users page, not a user's
// page, and not its server actions — not even by replaying the action's POST by hand.
import { randomBytes } from 'node:crypto';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { demoCredentials } from './credentials';
import { createDeveloper, signIn } from './portal';

const api = () => {
  const { clientId, appKey } = demoCredentials().demoApp;
  return { clientId, headers: { Authorization: `Basic ${Buffer.from(`${appKey}:`).toString('base64')}` } };
};

async function createUser(request: APIRequestContext, externalId: string): Promise<{ humanId: string; externalId: string }> {
  const { clientId, headers } = api();
  // A server just started is still writing its demo readings and may answer 503 for a moment; a
  // client retries that, as the API asks.
  let response = await request.post(`/v1/apps/${clientId}/users`, { headers, data: { externalId } });
  for (let tries = 0; response.status() === 503 && tries < 20; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    response = await request.post(`/v1/apps/${clientId}/users`, { headers, data: { externalId } });
  }
  expect(response.status()).toBe(201);
  return response.json();
}

type CapturedAction = { url: string; headers: Record<string, string>; body: string };

test("another account can neither open this app's pages nor call its actions", async ({ page, browser }) => {
  // Two accounts, a CLI call and replays: longer than one journey, and slow while a freshly started
  // server is still writing its demo readings.
  test.slow();
  const { clientId, headers } = api();
  const tag = randomBytes(4).toString('hex');
  const victim = await createUser(page.request, `victim-${tag}`);
  const decoy = await createUser(page.request, `decoy-${tag}`);
  const usersPath = `/apps/${clientId}/users`;

  // The owner reveals and deletes the decoy; we keep the action requests their page sent.
  await signIn(page, `${usersPath}?q=decoy-${tag}`);
  const actions: CapturedAction[] = [];
  page.on('request', (request) => {
    const id = request.headers()['next-action'];
    if (request.method() === 'POST' && id) actions.push({ url: request.url(), headers: request.headers(), body: request.postData() ?? '' });
  });
  await page.getByRole('button', { name: `Reveal access token for ${decoy.externalId}` }).click();
  await expect(page.getByRole('table')).toContainText('wha_', { timeout: 30_000 });
  await page.getByRole('button', { name: `Delete user ${decoy.externalId}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete user' }).click();
  await expect(page.getByText(`Deleted user ${decoy.externalId}`)).toBeVisible({ timeout: 30_000 });
  const [reveal, remove] = actions;
  expect(reveal?.body).toContain(decoy.humanId);
  expect(remove?.body).toContain(decoy.humanId);
  expect(remove!.headers['next-action']).not.toBe(reveal!.headers['next-action']);

  // Signed in as someone else.
  const stranger = createDeveloper('stranger');
  const context = await browser.newContext();
  const other = await context.newPage();
  await signIn(other, '/apps', stranger);
  await expect(other.getByText('Demo Health App')).toHaveCount(0);

  for (const path of [usersPath, `${usersPath}?q=victim`, `${usersPath}/${victim.humanId}`]) {
    // (The status is 404 unless the page had begun streaming its loading skeleton: then 200 with
    // the not-found page, as Next does for any streamed notFound().)
    const response = await other.goto(path);
    // The app's own layout answers first: to a stranger the app itself does not exist.
    await expect(other.getByRole('heading', { name: 'App not found' })).toBeVisible();
    const html = await response!.text();
    expect(html, path).not.toContain(victim.externalId);
    expect(html, path).not.toMatch(/••••|wha_|whp_/);
  }
  await other.goto(usersPath);
  await other.screenshot({ path: test.info().outputPath('isolation-not-found.png'), fullPage: true });

  // The owner's own action requests, replayed with the stranger's session and the victim's humanId.
  const replay = async (action: CapturedAction, request: APIRequestContext) => {
    const { cookie: _, 'content-length': __, ...rest } = action.headers;
    return request.post(action.url, { headers: rest, data: action.body.replaceAll(decoy.humanId, victim.humanId), maxRedirects: 0 });
  };
  for (const action of [reveal!, remove!]) {
    const response = await replay(action, context.request);
    const body = await response.text();
    expect(response.status()).toBeLessThan(500);
    expect(body).not.toMatch(/wha_|whp_/);
    expect(body).toContain('This user no longer exists.');
  }
  // And with no session at all: sent to sign in, nothing done.
  const anonymous = await browser.newContext();
  for (const action of [reveal!, remove!]) {
    const response = await replay(action, anonymous.request);
    expect(await response.text()).not.toMatch(/wha_|whp_/);
  }

  // The victim is still there, for the API and for its owner.
  expect((await page.request.get(`/v1/apps/${clientId}/users/${victim.humanId}`, { headers })).status()).toBe(200);
  await page.goto(`${usersPath}?q=${victim.externalId}`);
  await expect(page.getByRole('link', { name: victim.humanId })).toBeVisible();
  await anonymous.close();
  await context.close();
});
