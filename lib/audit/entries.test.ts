import { describe, expect, inject, it } from 'vitest';
import { createTestApp, createTestUsers } from '../testing/fixtures';
import { deleteUser, revealTokens } from '../users/users';
import { listAuditEntries } from './entries';

describe(`the audit log on ${inject('databaseKind')}`, () => {
  it("lists an app's entries newest first, by action, to its owner only", async () => {
    const app = await createTestApp();
    const other = await createTestApp('Other');
    const [revealed, deleted] = await createTestUsers(app, 2);
    await revealTokens(app.owner, app.clientId, revealed!.humanId);
    await deleteUser(app.owner, app.clientId, deleted!.humanId);

    const all = await listAuditEntries(app.owner, app.clientId);
    expect(all.slice(0, 2).map((e) => [e.action, e.target])).toEqual([['user.delete', deleted!.humanId], ['user.reveal_tokens', revealed!.humanId]]);
    expect(all.every((e) => e.actor === `account:${app.owner.accountId}`)).toBe(true);
    expect(await listAuditEntries(app.owner, app.clientId, { action: 'user.reveal_tokens' })).toMatchObject([{ target: revealed!.humanId }]);
    expect(await listAuditEntries(app.owner, app.clientId, { limit: 1 })).toHaveLength(1);
    await expect(listAuditEntries(other.owner, app.clientId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(listAuditEntries(app.owner, app.clientId, { limit: 0 })).rejects.toMatchObject({ kind: 'invalid_input' });
  });
});
