import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { getDb } from '../db/client';
import { auditLog, users } from '../db/schema';
import { createTestApp, createTestUsers } from '../testing/fixtures';
import { deleteUser } from '../users/users';
import { mintSessionForHumanId, openConnect } from './tokens';

describe(`the portal's Connect session for a user on ${inject('databaseKind')}`, () => {
  it('opens Connect once for that very user, and is audited', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const minted = await mintSessionForHumanId(app.owner, app.clientId, user!.humanId);
    const opened = await openConnect(minted.sessionToken);
    expect(opened).toMatchObject({ ok: true, caller: { kind: 'end-user', humanId: user!.humanId, clientId: app.clientId } });
    expect(await openConnect(minted.sessionToken)).toMatchObject({ ok: false, status: 'SESSION_TOKEN_INVALID' });
    const entries = await getDb().select({ action: auditLog.action, actor: auditLog.actor }).from(auditLog)
      .where(and(eq(auditLog.target, user!.humanId), eq(auditLog.action, 'connect.session')));
    expect(entries).toEqual([{ action: 'connect.session', actor: `account:${app.owner.accountId}` }]);
  });

  it("never brings back a deleted user, and refuses another account's user as missing", async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    await deleteUser(app.owner, app.clientId, user!.humanId);
    await expect(mintSessionForHumanId(app.owner, app.clientId, user!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
    const live = await getDb().select({ id: users.id }).from(users).where(eq(users.externalId, user!.externalId));
    expect(live).toHaveLength(1); // only the deleted row: no new user under the same externalId

    const [mine] = await createTestUsers(app, 1);
    const stranger = await createTestApp();
    await expect(mintSessionForHumanId(stranger.owner, app.clientId, mine!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(mintSessionForHumanId(stranger.owner, stranger.clientId, mine!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(mintSessionForHumanId(app.owner, app.clientId, 'not-a-human-id')).rejects.toMatchObject({ kind: 'not_found' });
    await expect(mintSessionForHumanId(app.owner, app.clientId, randomBytes(16).toString('hex'))).rejects.toMatchObject({ kind: 'not_found' });
  });
});
