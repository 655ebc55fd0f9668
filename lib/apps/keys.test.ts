import { describe, expect, inject, it } from 'vitest';
import { createTestApp } from '../testing/fixtures';
import { authenticateAppKey, createKey, flushKeyUsage, listKeys, revokeKey } from './keys';

describe(`App Keys on ${inject('databaseKind')}`, () => {
  it('authenticate as their own app only', async () => {
    const app = await createTestApp('Keyed');
    const caller = await authenticateAppKey(app.appKey);
    expect(caller).toMatchObject({ kind: 'app', clientId: app.clientId, appName: 'Keyed' });
    expect(await authenticateAppKey(app.appKey.slice(0, -1) + (app.appKey.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(await authenticateAppKey(app.clientSecret)).toBeNull();
    expect(await authenticateAppKey('')).toBeNull();
  });

  it('record when they were last used, written in a batch rather than on every request', async () => {
    const app = await createTestApp();
    const before = new Date();
    await authenticateAppKey(app.appKey);
    await authenticateAppKey(app.appKey);
    expect((await listKeys(app.owner, app.clientId))[0]!.lastUsedAt).toBeNull();

    await flushKeyUsage();

    const [key] = await listKeys(app.owner, app.clientId);
    expect(key!.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1);
  });

  it('stop working once revoked, and only the revoked one', async () => {
    const app = await createTestApp();
    const second = await createKey(app.owner, app.clientId, 'ci');
    expect(await authenticateAppKey(second.secret)).not.toBeNull();

    await revokeKey(app.owner, app.clientId, second.key.id);

    expect(await authenticateAppKey(second.secret)).toBeNull();
    expect(await authenticateAppKey(app.appKey)).not.toBeNull();
    const keys = await listKeys(app.owner, app.clientId);
    expect(keys.map((k) => k.hint).join(' ')).not.toContain(second.secret);
  });

  it("cannot be managed by another developer's account", async () => {
    const mine = await createTestApp();
    const theirs = await createTestApp();
    await expect(createKey(mine.owner, theirs.clientId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(revokeKey(mine.owner, theirs.clientId, 1)).rejects.toMatchObject({ kind: 'not_found' });
  });
});
