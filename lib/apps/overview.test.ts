import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { getDb } from '../db/client';
import { ingestReadings } from '../readings/ingest';
import { connectSource, disconnectSource } from '../sources/connections';
import { createTestApp, createTestUsers } from '../testing/fixtures';
import { deleteUser } from '../users/users';
import { listRecentAuditEvents } from '../audit/events';
import { createKey } from './keys';
import { CHART_DAYS, EXACT_COUNT_CAP, EXACT_CHART_CAP, getAppOverview } from './overview';

const today = () => new Date().toISOString().slice(0, 10);
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/** `count` bare users of the app inserted in one statement (tokens are placeholders: these users are only counted). */
async function bulkUsers(clientId: string, count: number, createdAt: string) {
  await getDb().execute(sql`
    INSERT INTO users (human_id, app_id, external_id, access_token_encrypted, access_token_hash, public_token_encrypted, public_token_hash, created_at, updated_at)
    SELECT md5(${clientId} || i || 'h'), a.id, 'bulk-' || i, 'x', md5(${clientId} || i || 'a') || md5(${clientId} || i || 'A'),
           'x', md5(${clientId} || i || 'p') || md5(${clientId} || i || 'P'), ${createdAt}::timestamptz, ${createdAt}::timestamptz
    FROM apps a, generate_series(1, ${count}) AS i WHERE a.client_id = ${clientId}`);
}

describe(`the app home's figures on ${inject('databaseKind')}`, () => {
  it('counts users, connected sources and the last day of readings exactly for a small app', async () => {
    const app = await createTestApp();
    const [alice, bob, carol] = await createTestUsers(app, 3);
    const aliceConnection = await connectSource(app.owner, app.clientId, alice!.humanId, 'manual');
    await connectSource(app.owner, app.clientId, bob!.humanId, 'manual');
    await connectSource(app.owner, app.clientId, carol!.humanId, 'manual');
    await disconnectSource(app.owner, app.clientId, carol!.humanId, 'manual');
    await ingestReadings(app.owner, { clientId: app.clientId, connectionId: aliceConnection }, [
      { type: 'weight', ts: hoursAgo(2), value: 80, sourceReadingId: 'recent-1' },
      { type: 'blood_glucose', ts: hoursAgo(5), value: 5.4, sourceReadingId: 'recent-2' },
      { type: 'weight', ts: hoursAgo(72), value: 81, sourceReadingId: 'old' },
    ]);
    await deleteUser(app.owner, app.clientId, bob!.humanId);

    const overview = await getAppOverview(app.owner, app.clientId);

    expect(overview.users).toEqual({ value: 2, isEstimate: false });
    expect(overview.connectedSources).toEqual({ value: 1, isEstimate: false });
    expect(overview.readingsLast24h).toEqual({ value: 2, isEstimate: false });
    expect(overview.newUsersByDay).toHaveLength(CHART_DAYS);
    expect(overview.newUsersByDay.at(-1)).toEqual({ day: today(), count: 2 });
    expect(overview.newUsersByDay.slice(0, -1).every((d) => d.count === 0)).toBe(true);
    expect(overview.newUsersIsEstimate).toBe(false);
  });

  it('does not count another app’s users, and hides the app from other accounts', async () => {
    const mine = await createTestApp();
    const theirs = await createTestApp();
    await createTestUsers(theirs, 2);
    expect((await getAppOverview(mine.owner, mine.clientId)).users.value).toBe(0);
    await expect(getAppOverview(mine.owner, theirs.clientId)).rejects.toMatchObject({ status: 404 });
  });

  it('estimates above the caps and says so, instead of counting everything', async () => {
    const app = await createTestApp();
    const total = EXACT_COUNT_CAP + 2_000;
    await bulkUsers(app.clientId, total, hoursAgo(49));

    const overview = await getAppOverview(app.owner, app.clientId);

    expect(overview.users.isEstimate).toBe(true);
    expect(overview.users.value).toBeGreaterThanOrEqual(EXACT_COUNT_CAP);
    expect(overview.users.value).toBeLessThan(total * 2);
    expect(overview.newUsersIsEstimate).toBe(true);
    const busiest = Math.max(...overview.newUsersByDay.map((d) => d.count));
    expect(busiest).toBeGreaterThanOrEqual(EXACT_CHART_CAP);
  });
});

describe(`the app's recent audit events on ${inject('databaseKind')}`, () => {
  it('lists who did what, newest first, with the account by email and never a secret', async () => {
    const app = await createTestApp();
    const { key, secret } = await createKey(app.owner, app.clientId, 'CI');
    const [user] = await createTestUsers(app, 1);
    await deleteUser(app.owner, app.clientId, user!.humanId);

    const events = await listRecentAuditEvents(app.owner, app.clientId, 10);

    expect(events.map((e) => e.action)).toEqual(['user.delete', 'user.create', 'key.create', 'app.create']);
    expect(events[0]!.target).toBe(user!.humanId);
    expect(events[2]!.target).toBe(key.hint.split('…')[0]);
    expect(events.every((e) => e.actor.kind === 'account' && e.actor.label.endsWith('@example.test'))).toBe(true);
    expect(JSON.stringify(events)).not.toContain(secret);
    await expect(listRecentAuditEvents((await createTestApp()).owner, app.clientId)).rejects.toMatchObject({ status: 404 });
  });
});

describe(`the portal's view of the Connect settings on ${inject('databaseKind')}`, () => {
  it('keeps the OIDC client secret on file when the form leaves it out, and never returns it', async () => {
    const { getPortalConnectSettings } = await import('./settings');
    const { updateConnectSettings } = await import('./apps');
    const app = await createTestApp();
    await expect(updateConnectSettings(app.owner, app.clientId, { oidc: { issuer: 'https://id.example.com', clientId: 'wh' } }))
      .rejects.toMatchObject({ status: 400, message: 'The OIDC client secret is required.' });

    await updateConnectSettings(app.owner, app.clientId, { oidc: { issuer: 'https://id.example.com', clientId: 'wh', clientSecret: 'very-secret-1' } });
    await updateConnectSettings(app.owner, app.clientId, { oidc: { issuer: 'https://id2.example.com', clientId: 'wh2' } });

    const shown = await getPortalConnectSettings(app.owner, app.clientId);
    expect(shown.oidc).toEqual({ issuer: 'https://id2.example.com', clientId: 'wh2', hasClientSecret: true });
    expect(JSON.stringify(shown)).not.toContain('very-secret-1');
    await expect(getPortalConnectSettings((await createTestApp()).owner, app.clientId)).rejects.toMatchObject({ status: 404 });
  });
});
