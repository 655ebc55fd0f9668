import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { connectSettings, isAllowedRedirect, updateConnectSettings, type ConnectSettings } from '../apps/apps';
import type { ClientCaller } from '../auth/caller';
import { operator } from '../auth/caller';
import { sha256Hex } from '../auth/secrets';
import { getDb } from '../db/client';
import { apps, auditLog, connections, connectSessions } from '../db/schema';
import { createTestApp, type TestApp } from '../testing/fixtures';
import { deleteUser, getUser, revealTokens } from '../users/users';
import { endUserForAccessToken } from './end-user';
import {
  deleteExpiredTokens,
  finalizeSession,
  mintAccessForUser,
  mintIdTokenForUser,
  mintSessionForUser,
  openConnect,
  refreshAccess,
  startTokenCleanup,
  widgetSession,
} from './tokens';

async function clientOf(app: TestApp): Promise<ClientCaller> {
  const [row] = await getDb().select({ id: apps.id }).from(apps).where(eq(apps.clientId, app.clientId));
  return { kind: 'client', appId: row!.id, clientId: app.clientId };
}

const ext = () => `user-${randomBytes(4).toString('hex')}`;

async function expireToken(token: string) {
  await getDb().update(connectSessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(connectSessions.tokenHash, sha256Hex(token)));
}

describe(`Connect tokens on ${inject('databaseKind')}`, () => {
  it('a session token creates the user once and opens Connect exactly once', async () => {
    const app = await createTestApp('Steps Co');
    const client = await clientOf(app);
    const externalId = ext();
    const first = await mintSessionForUser(client, app.clientId, { externalId, email: 'a@example.test' });
    expect(first.sessionToken).toMatch(/^whc_[A-Za-z0-9_-]{32}$/);
    expect(first.expiresIn).toBe(3600);
    const again = await mintSessionForUser(client, app.clientId, { externalId });
    expect(again.humanId).toBe(first.humanId);
    expect(again.sessionToken).not.toBe(first.sessionToken);
    expect((await getUser(app.owner, app.clientId, first.humanId)).email).toBe('a@example.test');
    // Only the hash is on file.
    const stored = await getDb().select().from(connectSessions).where(eq(connectSessions.tokenHash, sha256Hex(first.sessionToken)));
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(await getDb().select().from(connectSessions))).not.toContain(first.sessionToken);

    const opened = await openConnect(first.sessionToken);
    expect(opened).toMatchObject({ ok: true, caller: { kind: 'end-user', via: 'connect', humanId: first.humanId, clientId: app.clientId }, settings: { appName: 'Steps Co', clientId: app.clientId } });
    if (!opened.ok) throw new Error('not opened');
    expect(opened.widgetToken).not.toBe(first.sessionToken);
    expect(opened.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3500_000);

    const twice = await openConnect(first.sessionToken);
    expect(twice).toMatchObject({ ok: false, status: 'SESSION_TOKEN_INVALID', message: expect.stringMatching(/already used/), settings: { clientId: app.clientId } });

    const widget = await widgetSession(opened.widgetToken);
    expect(widget).toMatchObject({ caller: { humanId: first.humanId, via: 'connect' }, mustSignIn: false, settings: { clientId: app.clientId } });
    // A session token is not a widget credential.
    expect(await widgetSession(again.sessionToken)).toBeNull();
  });

  it('concurrent first mints for one new user make one user, audited once', async () => {
    const app = await createTestApp();
    const client = await clientOf(app);
    const externalId = ext();
    const minted = await Promise.all(Array.from({ length: 4 }, () => mintSessionForUser(client, app.clientId, { externalId })));
    expect(new Set(minted.map((m) => m.humanId)).size).toBe(1);
    expect(new Set(minted.map((m) => m.sessionToken)).size).toBe(4);
    const audits = await getDb().select().from(auditLog).where(eq(auditLog.target, minted[0]!.humanId));
    expect(audits.map((a) => a.action)).toEqual(['user.create']);
    for (const { sessionToken } of minted) expect(await openConnect(sessionToken)).toMatchObject({ ok: true });
  });

  it('two concurrent opens of one token: one wins', async () => {
    const app = await createTestApp();
    const client = await clientOf(app);
    const { sessionToken } = await mintSessionForUser(client, app.clientId, { externalId: ext() });
    const results = await Promise.all([openConnect(sessionToken), openConnect(sessionToken), openConnect(sessionToken)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('missing, malformed, unknown and expired tokens say why', async () => {
    expect(await openConnect(undefined)).toMatchObject({ ok: false, status: 'MISSING_SESSION_TOKEN', settings: null });
    expect(await openConnect('nope')).toMatchObject({ ok: false, status: 'SESSION_TOKEN_INVALID', settings: null });
    expect(await openConnect(`whc_${randomBytes(24).toString('base64url')}`)).toMatchObject({ ok: false, status: 'SESSION_TOKEN_INVALID', settings: null });
    const app = await createTestApp('Expiring');
    const client = await clientOf(app);
    const { sessionToken } = await mintSessionForUser(client, app.clientId, { externalId: ext() });
    await expireToken(sessionToken);
    expect(await openConnect(sessionToken)).toMatchObject({ ok: false, status: 'SESSION_TOKEN_EXPIRED', settings: { appName: 'Expiring' } });
  });

  it('an id token relaunches Connect for an existing user only, once', async () => {
    const app = await createTestApp();
    const client = await clientOf(app);
    await expect(mintIdTokenForUser(client, app.clientId, { externalId: 'nobody' })).rejects.toMatchObject({ kind: 'not_found' });
    const externalId = ext();
    const { humanId } = await mintSessionForUser(client, app.clientId, { externalId });
    const { idToken } = await mintIdTokenForUser(client, app.clientId, { externalId });
    const opened = await openConnect(idToken);
    expect(opened).toMatchObject({ ok: true, caller: { humanId } });
    expect(await openConnect(idToken)).toMatchObject({ ok: false, status: 'SESSION_TOKEN_INVALID' });
  });

  it("another app's credentials cannot mint for this app, nor finalize its users", async () => {
    const app = await createTestApp();
    const other = await createTestApp();
    const client = await clientOf(app);
    const otherClient = await clientOf(other);
    await expect(mintSessionForUser(otherClient, app.clientId, { externalId: ext() })).rejects.toMatchObject({ kind: 'forbidden' });
    const { sessionToken, humanId } = await mintSessionForUser(client, app.clientId, { externalId: ext() });
    await expect(finalizeSession(otherClient, { humanId, sessionToken })).rejects.toMatchObject({ kind: 'unauthorized' });
    const finalized = await finalizeSession(client, { humanId, sessionToken });
    expect(finalized).toEqual({ humanId, clientId: app.clientId, clientUserId: expect.any(String), ...(await revealTokens(app.owner, app.clientId, humanId)) });
  });

  it("a deleted user's tokens stop working at once", async () => {
    const app = await createTestApp();
    const client = await clientOf(app);
    const externalId = ext();
    const { sessionToken, humanId } = await mintSessionForUser(client, app.clientId, { externalId });
    const spare = await mintSessionForUser(client, app.clientId, { externalId });
    const opened = await openConnect(sessionToken);
    if (!opened.ok) throw new Error('not opened');
    await deleteUser(app.owner, app.clientId, humanId);
    expect(await widgetSession(opened.widgetToken)).toBeNull();
    expect(await openConnect(spare.sessionToken)).toMatchObject({ ok: false, status: 'SESSION_TOKEN_INVALID' });
    await expect(mintAccessForUser(client, app.clientId, { externalId })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('access tokens need a connected source, read as the user, and refresh with rotation', async () => {
    const app = await createTestApp();
    const client = await clientOf(app);
    const externalId = ext();
    const { humanId } = await mintSessionForUser(client, app.clientId, { externalId });
    await expect(mintAccessForUser(client, app.clientId, { externalId })).rejects.toMatchObject({ kind: 'conflict', message: expect.stringMatching(/no connected source/) });
    const user = await getUser(app.owner, app.clientId, humanId);
    const [row] = await getDb().execute<{ id: number }>(sql`SELECT id FROM users WHERE human_id = ${user.humanId}`).then((r) => r.rows);
    await getDb().insert(connections).values({ userId: Number(row!.id), sourceId: 'demo-scale' });

    const tokens = await mintAccessForUser(client, app.clientId, { externalId });
    expect(tokens.expiresIn).toBe(86_400);
    expect(await endUserForAccessToken(tokens.accessToken)).toMatchObject({ humanId, via: 'access-token' });

    const renewed = await refreshAccess(client, tokens.refreshToken);
    // An access token stops working when it expires.
    await expireToken(tokens.accessToken);
    expect(await endUserForAccessToken(tokens.accessToken)).toBeNull();
    expect(await endUserForAccessToken(renewed.accessToken)).toMatchObject({ humanId });
    await expect(refreshAccess(client, tokens.refreshToken)).rejects.toMatchObject({ kind: 'unauthorized' });
    const other = await clientOf(await createTestApp());
    await expect(refreshAccess(other, renewed.refreshToken)).rejects.toMatchObject({ kind: 'unauthorized' });
    // So does an expired refresh token.
    await expireToken(renewed.refreshToken);
    await expect(refreshAccess(client, renewed.refreshToken)).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('the clean-up deletes expired rows only', async () => {
    const app = await createTestApp();
    const client = await clientOf(app);
    const old = await mintSessionForUser(client, app.clientId, { externalId: ext() });
    const fresh = await mintSessionForUser(client, app.clientId, { externalId: ext() });
    await expireToken(old.sessionToken);
    expect(await deleteExpiredTokens()).toBeGreaterThanOrEqual(1);
    const left = await getDb().select({ hash: connectSessions.tokenHash }).from(connectSessions).where(eq(connectSessions.appId, client.appId));
    expect(left.map((r) => r.hash)).toEqual([sha256Hex(fresh.sessionToken)]);
  });

  it('the periodic clean-up started with the server removes expired tokens and stops cleanly', async () => {
    const app = await createTestApp();
    const client = await clientOf(app);
    const old = await mintSessionForUser(client, app.clientId, { externalId: ext() });
    await expireToken(old.sessionToken);
    const cleanup = startTokenCleanup({ intervalMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await cleanup.stop();
    expect(await getDb().select().from(connectSessions).where(eq(connectSessions.tokenHash, sha256Hex(old.sessionToken)))).toEqual([]);
  });
});

describe(`Connect settings on ${inject('databaseKind')}`, () => {
  it('the owner sets them; the end user reads their own app; others are refused', async () => {
    const app = await createTestApp();
    const stranger = await createTestApp();
    const updated = await updateConnectSettings(app.owner, app.clientId, {
      connectOrigins: ['https://app.example.com/'],
      connectRedirectUrls: ['https://app.example.com/done', 'https://app.example.com/cb/'],
      enabledSources: ['demo-scale'],
    });
    expect(updated).toMatchObject({ connectOrigins: ['https://app.example.com'], enabledSources: ['demo-scale'], oidcIssuer: null });
    await expect(updateConnectSettings(stranger.owner, app.clientId, { enabledSources: null })).rejects.toMatchObject({ kind: 'not_found' });
    const client = await clientOf(app);
    await expect(updateConnectSettings(client, app.clientId, { enabledSources: null })).rejects.toMatchObject({ kind: 'forbidden' });

    const { sessionToken } = await mintSessionForUser(client, app.clientId, { externalId: ext() });
    const opened = await openConnect(sessionToken);
    if (!opened.ok) throw new Error('not opened');
    expect(await connectSettings(opened.caller, app.clientId)).toEqual(updated);
    await expect(connectSettings(opened.caller, stranger.clientId)).rejects.toMatchObject({ kind: 'forbidden' });
  });

  it('rejects bad input with a clear message', async () => {
    const app = await createTestApp();
    await expect(updateConnectSettings(operator, app.clientId, { connectOrigins: ['https://a.example.com/path'] })).rejects.toMatchObject({ kind: 'invalid_input', message: expect.stringMatching(/origin/) });
    await expect(updateConnectSettings(operator, app.clientId, { connectRedirectUrls: ['/relative'] })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(updateConnectSettings(operator, app.clientId, { connectRedirectUrls: ['javascript:alert(1)'] })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(updateConnectSettings(operator, app.clientId, { enabledSources: ['nope'] })).rejects.toMatchObject({ kind: 'invalid_input', message: expect.stringMatching(/No source nope/) });
    await expect(updateConnectSettings(operator, app.clientId, { oidc: { issuer: 'http://idp.example.com', clientId: 'x', clientSecret: 'y' } })).rejects.toMatchObject({ kind: 'invalid_input', message: expect.stringMatching(/https/) });
  });

  it('turning OIDC on makes open widgets require sign-in; the secret is stored encrypted', async () => {
    const app = await createTestApp();
    const client = await clientOf(app);
    const { sessionToken } = await mintSessionForUser(client, app.clientId, { externalId: ext() });
    const opened = await openConnect(sessionToken);
    if (!opened.ok) throw new Error('not opened');
    await updateConnectSettings(app.owner, app.clientId, { oidc: { issuer: 'https://login.example.com/', clientId: 'wearhouse', clientSecret: 'very-secret-value' } });
    expect(await widgetSession(opened.widgetToken)).toMatchObject({ mustSignIn: true, settings: { oidcIssuer: 'https://login.example.com/' } });
    const [row] = await getDb().select({ secret: apps.oidcClientSecretEncrypted }).from(apps).where(eq(apps.clientId, app.clientId));
    expect(row!.secret).not.toContain('very-secret-value');
  });
});

describe('isAllowedRedirect', () => {
  const settings = { connectRedirectUrls: ['https://app.example.com/done', 'https://app.example.com/cb/'] } as ConnectSettings;
  it.each([
    ['https://app.example.com/done', true],
    ['https://app.example.com/cb/', true],
    ['https://app.example.com/cb/step?x=1', true],
    ['https://app.example.com/done?x=1', false],
    ['https://app.example.com/donez', false],
    ['https://app.example.com/cb', false],
    ['https://app.example.com/cb/../../evil', false],
    ['https://app.example.com.evil.test/cb/', false],
    ['http://app.example.com/done', false],
    ['https://user@app.example.com/cb/', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedRedirect(settings, url)).toBe(allowed);
  });
});
