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
    expect(keys.find((k) => k.id === second.key.id)!.revokedAt).toBeInstanceOf(Date);
    expect(keys.filter((k) => k.revokedAt !== null)).toHaveLength(1);
  });

  it('are listed by a hint that tells them apart but reveals too little to use', async () => {
    const app = await createTestApp();
    const second = await createKey(app.owner, app.clientId, 'ci');
    const secrets = [app.appKey, second.secret];

    const keys = await listKeys(app.owner, app.clientId);

    // Newest first; each hint is its key's first 8 and last 4 characters, nothing more.
    expect(keys.map((k) => k.hint)).toEqual(secrets.reverse().map((s) => `${s.slice(0, 8)}…${s.slice(-4)}`));
    const listed = JSON.stringify(keys);
    for (const secret of secrets) {
      // 28 of the key's 32 random characters: any 8 of them in a row would be too many.
      const hidden = secret.slice(8, -4);
      for (let i = 0; i + 8 <= hidden.length; i++) expect(listed).not.toContain(hidden.slice(i, i + 8));
    }
  });

  it('can be revoked by the hint the portal shows', async () => {
    const app = await createTestApp();
    const second = await createKey(app.owner, app.clientId, 'ci');

    const revoked = await revokeKey(app.owner, app.clientId, second.key.hint);

    expect(revoked.id).toBe(second.key.id);
    expect(await authenticateAppKey(second.secret)).toBeNull();
    expect(await authenticateAppKey(app.appKey)).not.toBeNull();
  });

  it("cannot be managed by another developer's account", async () => {
    const mine = await createTestApp();
    const theirs = await createTestApp();
    await expect(createKey(mine.owner, theirs.clientId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(revokeKey(mine.owner, theirs.clientId, 1)).rejects.toMatchObject({ kind: 'not_found' });
  });
});
