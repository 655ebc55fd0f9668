import { eq } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { sha256Hex } from '../auth/secrets';
import { getDb } from '../db/client';
import { apps, auditLog } from '../db/schema';
import { createTestApp } from '../testing/fixtures';
import { getApp, rotateClientSecret } from './apps';
import { authenticateAppKey } from './keys';

async function storedSecretHash(clientId: string) {
  const [row] = await getDb().select({ hash: apps.clientSecretHash, id: apps.id }).from(apps).where(eq(apps.clientId, clientId));
  return row!;
}

describe(`rotating the client secret on ${inject('databaseKind')}`, () => {
  it('replaces the secret: only the new one is on file, and the portal shows its hint', async () => {
    const app = await createTestApp();
    expect((await storedSecretHash(app.clientId)).hash).toBe(sha256Hex(app.clientSecret));

    const rotated = await rotateClientSecret(app.owner, app.clientId);

    expect(rotated).toMatch(/^whs_[A-Za-z0-9_-]{32}$/);
    expect(rotated).not.toBe(app.clientSecret);
    expect((await storedSecretHash(app.clientId)).hash).toBe(sha256Hex(rotated));
    const shown = await getApp(app.owner, app.clientId);
    expect(shown.clientSecretHint).toBe(`${rotated.slice(0, 8)}…${rotated.slice(-4)}`);
  });

  it('leaves other apps and the App Keys alone, and is audited', async () => {
    const app = await createTestApp();
    const other = await createTestApp();
    const otherHash = (await storedSecretHash(other.clientId)).hash;

    await rotateClientSecret(app.owner, app.clientId);

    expect((await storedSecretHash(other.clientId)).hash).toBe(otherHash);
    expect(await authenticateAppKey(app.appKey)).toMatchObject({ clientId: app.clientId });
    const { id } = await storedSecretHash(app.clientId);
    const entries = await getDb().select().from(auditLog).where(eq(auditLog.appId, id));
    expect(entries.filter((e) => e.action === 'app.rotate_client_secret')).toEqual([
      expect.objectContaining({ actor: `account:${app.owner.accountId}`, target: app.clientId }),
    ]);
    // The audit entry names the app, never the secret.
    expect(JSON.stringify(entries)).not.toMatch(/whs_/);
  });

  it("is refused to an App Key and to another developer's account, changing nothing", async () => {
    const app = await createTestApp();
    const stranger = await createTestApp();
    const before = (await storedSecretHash(app.clientId)).hash;
    const appCaller = (await authenticateAppKey(app.appKey))!;

    await expect(rotateClientSecret(appCaller, app.clientId)).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(rotateClientSecret(stranger.owner, app.clientId)).rejects.toMatchObject({ kind: 'not_found' });

    expect((await storedSecretHash(app.clientId)).hash).toBe(before);
  });
});
