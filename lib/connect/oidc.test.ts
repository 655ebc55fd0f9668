// End-user sign-in against a real OpenID Connect provider (oidc-provider on a loopback port), driven
// like a browser would: open the authorization URL, sign in, follow the redirects back to Wearhouse.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { updateConnectSettings } from '../apps/apps';
import { getDb } from '../db/client';
import { apps } from '../db/schema';
import { startApi, type RunningApi } from '../testing/api';
import { createTestApp, type TestApp } from '../testing/fixtures';
import { startIdentityProvider, type TestAccount, type TestIdentityProvider } from '../testing/identity-provider';
import { getUser } from '../users/users';
import { mintSessionForUser, openConnect, widgetSession } from './tokens';

const ACCOUNTS: Record<string, TestAccount> = {
  alice: { sub: 'alice', email: 'alice@idp.test', name: 'Alice Liddell', preferred_username: 'alice.l' },
  bob: { sub: 'bob', email: 'bob@idp.test', name: 'Bob Builder', preferred_username: 'bob' },
  // An address the provider has not verified.
  carol: { sub: 'carol', email: 'carol@unverified.test', email_verified: false, name: 'Carol' },
};

let api: RunningApi;
let idp: TestIdentityProvider;
let issuer: string;

beforeAll(async () => {
  api = await startApi();
  idp = await startIdentityProvider({ redirectUris: [`${api.baseUrl}/connect/oidc/callback`], accounts: ACCOUNTS });
  issuer = idp.issuer;
});

afterAll(async () => {
  await api.close();
  await idp.close();
});

/**
 * A browser in miniature: follows redirects, keeps the provider's cookies, and stops when it is
 * sent back to Wearhouse. Returns the callback URL the provider sent it to.
 */
async function signInAtProvider(authorizationUrl: string, account: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(api.baseUrl)) return url;
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { Cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'X-Test-Account': account },
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`The provider stopped at ${url} with ${response.status}: ${await response.text()}`);
    url = new URL(location, url).href;
  }
  throw new Error('Too many redirects');
}

async function openWidgetFor(app: TestApp, externalId: string) {
  const [row] = await getDb().select({ id: apps.id }).from(apps).where(eq(apps.clientId, app.clientId));
  const minted = await mintSessionForUser({ kind: 'client', appId: row!.id, clientId: app.clientId }, app.clientId, { externalId });
  const opened = await openConnect(minted.sessionToken);
  if (!opened.ok) throw new Error(opened.message);
  return { widgetToken: opened.widgetToken, humanId: minted.humanId };
}

async function begin(widgetToken: string) {
  const response = await fetch(`${api.baseUrl}/connect/oidc/begin`, { method: 'POST', headers: { Authorization: `Bearer ${widgetToken}` } });
  return { status: response.status, body: (await response.json()) as { authorizationUrl: string; message?: string } };
}

async function callback(url: string) {
  const response = await fetch(url);
  const html = await response.text();
  const message = JSON.parse(/var message = (\{.*\});/.exec(html)![1]!) as { type: string; status: string; message: string };
  return { status: response.status, html, message, headers: response.headers };
}

async function appWithSignIn(): Promise<TestApp> {
  const app = await createTestApp('Sign-in app');
  await updateConnectSettings(app.owner, app.clientId, { oidc: { issuer, clientId: idp.clientId, clientSecret: idp.clientSecret } });
  return app;
}

describe(`end-user sign-in through OpenID Connect on ${inject('databaseKind')}`, () => {
  it("fills the user's identity from the verified ID token and lets Connect go on", async () => {
    const app = await appWithSignIn();
    const { widgetToken, humanId } = await openWidgetFor(app, 'customer-1');
    expect(await widgetSession(widgetToken)).toMatchObject({ mustSignIn: true });

    const started = await begin(widgetToken);
    expect(started.status).toBe(200);
    const authorizationUrl = new URL(started.body.authorizationUrl);
    expect(authorizationUrl.origin).toBe(issuer);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(`${api.baseUrl}/connect/oidc/callback`);
    expect(authorizationUrl.searchParams.get('state')).toBeTruthy();
    expect(authorizationUrl.searchParams.get('nonce')).toBeTruthy();
    expect(authorizationUrl.href).not.toMatch(/code_verifier/);

    const back = await signInAtProvider(started.body.authorizationUrl, 'alice');
    const done = await callback(back);
    expect(done.status).toBe(200);
    expect(done.message).toEqual({ type: 'wearhouse-oidc', status: 'signed-in', message: 'Signed in.' });
    expect(done.html).toMatch(/window\.opener\.postMessage\(message, location\.origin\)/);
    expect(done.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    expect(done.headers.get('referrer-policy')).toBe('no-referrer');

    expect(await widgetSession(widgetToken)).toMatchObject({ mustSignIn: false });
    const user = await getUser(app.owner, app.clientId, humanId);
    expect(user).toMatchObject({
      email: 'alice@idp.test',
      name: 'Alice Liddell',
      username: 'alice.l',
      providerUserId: 'alice',
      identityProvider: { name: new URL(issuer).host, url: issuer },
    });
    expect(user.lastLoginAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);

    // The ngrok dialect shows them.
    const ngrok = await fetch(`${api.baseUrl}/app/users/${humanId}`, { headers: { Authorization: `Bearer ${app.appKey}`, 'Ngrok-Version': '2' } });
    expect(await ngrok.json()).toMatchObject({
      id: humanId,
      identity_provider: { name: new URL(issuer).host, url: issuer },
      provider_user_id: 'alice',
      email: 'alice@idp.test',
      name: 'Alice Liddell',
      username: 'alice.l',
      last_login: user.lastLoginAt!.toISOString(),
    });

    // The callback URL cannot be used twice.
    const replay = await callback(back);
    expect(replay.message).toMatchObject({ status: 'failed', message: expect.stringMatching(/already finished|expired|not started/) });

    // Signing in again later (a new Connect session, the same account) is the same user: last_login moves.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await openWidgetFor(app, 'customer-1');
    expect(again.humanId).toBe(humanId);
    const second = await callback(await signInAtProvider((await begin(again.widgetToken)).body.authorizationUrl, 'alice'));
    expect(second.message.status).toBe('signed-in');
    expect((await getUser(app.owner, app.clientId, humanId)).lastLoginAt!.getTime()).toBeGreaterThan(user.lastLoginAt!.getTime());
  });

  it('one identity, one user: a second user of the app cannot claim the same account', async () => {
    const app = await appWithSignIn();
    const first = await openWidgetFor(app, 'customer-a');
    await callback(await signInAtProvider((await begin(first.widgetToken)).body.authorizationUrl, 'bob'));
    const second = await openWidgetFor(app, 'customer-b');
    const refused = await callback(await signInAtProvider((await begin(second.widgetToken)).body.authorizationUrl, 'bob'));
    expect(refused.status).toBe(409);
    expect(refused.message).toMatchObject({ status: 'failed', message: expect.stringMatching(/already linked to another user/) });
    expect(await widgetSession(second.widgetToken)).toMatchObject({ mustSignIn: true });
    expect((await getUser(app.owner, app.clientId, second.humanId)).providerUserId).toBeNull();

    // The same account in another app is another identity: allowed.
    const otherApp = await appWithSignIn();
    const elsewhere = await openWidgetFor(otherApp, 'customer-a');
    const ok = await callback(await signInAtProvider((await begin(elsewhere.widgetToken)).body.authorizationUrl, 'bob'));
    expect(ok.message.status).toBe('signed-in');
  });

  it('keeps the email the app gave when the provider has not verified the one it sends', async () => {
    const app = await appWithSignIn();
    const [row] = await getDb().select({ id: apps.id }).from(apps).where(eq(apps.clientId, app.clientId));
    const minted = await mintSessionForUser({ kind: 'client', appId: row!.id, clientId: app.clientId }, app.clientId, { externalId: 'customer-c', email: 'carol@app.test' });
    const opened = await openConnect(minted.sessionToken);
    if (!opened.ok) throw new Error(opened.message);
    const done = await callback(await signInAtProvider((await begin(opened.widgetToken)).body.authorizationUrl, 'carol'));
    expect(done.message.status).toBe('signed-in');
    expect(await getUser(app.owner, app.clientId, minted.humanId)).toMatchObject({ email: 'carol@app.test', name: 'Carol', providerUserId: 'carol' });
  });

  it('a cancelled, forged or unknown sign-in fails with a clear message and changes nothing', async () => {
    const app = await appWithSignIn();
    const { widgetToken, humanId } = await openWidgetFor(app, 'customer-x');
    const { authorizationUrl } = (await begin(widgetToken)).body;
    const state = new URL(authorizationUrl).searchParams.get('state')!;

    const forged = await callback(`${api.baseUrl}/connect/oidc/callback?code=abc&state=${encodeURIComponent(state.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')))}`);
    expect(forged).toMatchObject({ status: 400, message: { status: 'failed' } });
    const garbage = await callback(`${api.baseUrl}/connect/oidc/callback?code=abc&state=%3Cscript%3E`);
    expect(garbage).toMatchObject({ status: 400, message: { status: 'failed' } });
    expect(garbage.html).not.toContain('<script>alert');

    const cancelled = await callback(`${api.baseUrl}/connect/oidc/callback?error=access_denied&state=${encodeURIComponent(state)}`);
    expect(cancelled.message).toMatchObject({ status: 'failed', message: 'Sign-in was cancelled.' });
    expect(await widgetSession(widgetToken)).toMatchObject({ mustSignIn: true });
    expect((await getUser(app.owner, app.clientId, humanId)).lastLoginAt).toBeNull();
  });

  it('begin refuses an unknown widget session and an app without sign-in', async () => {
    expect((await begin('whc_' + 'A'.repeat(32))).status).toBe(401);
    const missing = await fetch(`${api.baseUrl}/connect/oidc/begin`, { method: 'POST' });
    expect(missing.status).toBe(401);
    const plain = await createTestApp();
    const { widgetToken } = await openWidgetFor(plain, 'customer-y');
    expect(await begin(widgetToken)).toMatchObject({ status: 409, body: { message: expect.stringMatching(/does not ask/) } });
  });
});
