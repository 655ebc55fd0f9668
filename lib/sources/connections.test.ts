import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { getDb } from '../db/client';
import { ingestReadings } from '../readings/ingest';
import { createTestApp, createTestUsers, endUserCaller as endUser } from '../testing/fixtures';
import { purgeAll } from '../users/purge';
import { revealTokens } from '../users/users';
import { availableSources, connectSource, disconnectSource, listConnections, requestSync } from './connections';


async function twoUsers() {
  const app = await createTestApp();
  const [a, b] = await createTestUsers(app, 2);
  return { app, a: a!.humanId, b: b!.humanId, me: await endUser(app, a!.humanId) };
}

const countOf = async (table: 'readings' | 'reading_rollups' | 'connections', connectionId: number) =>
  (await getDb().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE ${sql.identifier(table === 'connections' ? 'id' : 'connection_id')} = ${connectionId}`)).rows[0]!.n;

describe(`connections on ${inject('databaseKind')}`, () => {
  it("offers the app's enabled demo sources by name, to the app and its own end users only", async () => {
    const { app, me } = await twoUsers();
    const all = await availableSources(app.owner, app.clientId);
    expect(all.map((s) => s.id)).toEqual(['apple-health', 'demo-cuff', 'demo-glucose', 'demo-scale', 'demo-tracker']);
    expect(all.find((s) => s.id === 'demo-tracker')!.dataTypes).toContain('blood_oxygen');
    expect(await availableSources(me, app.clientId)).toEqual(all);

    await getDb().execute(sql`UPDATE apps SET enabled_sources = ARRAY['demo-scale', 'fitbit', 'demo-glucose'] WHERE client_id = ${app.clientId}`);
    // Fitbit cannot be connected yet, so it is not offered even when enabled.
    expect((await availableSources(me, app.clientId)).map((s) => s.name)).toEqual(['Demo Glucose Meter', 'Demo Scale']);

    const other = await createTestApp();
    await expect(availableSources(me, other.clientId)).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(availableSources(other.owner, app.clientId)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('connecting a new source queues its history sync and rotates the publicToken; connecting it again changes nothing', async () => {
    const { app, a, me } = await twoUsers();
    const before = await revealTokens(app.owner, app.clientId, a);
    const id = await connectSource(me, app.clientId, a, 'demo-tracker');
    const [connection] = await listConnections(me, app.clientId, a);
    expect(connection).toMatchObject({ id, source: { id: 'demo-tracker' }, status: 'connected', isSyncPending: true, historySyncedAt: null });
    const after = await revealTokens(app.owner, app.clientId, a);
    expect(after.publicToken).not.toBe(before.publicToken);
    expect(after.publicToken).toMatch(/^whp_/);
    expect(after.accessToken).toBe(before.accessToken);

    expect(await connectSource(me, app.clientId, a, 'demo-tracker')).toBe(id);
    expect((await revealTokens(app.owner, app.clientId, a)).publicToken).toBe(after.publicToken);
    const audit = await getDb().execute<{ action: string; actor: string }>(sql`
      SELECT action, actor FROM audit_log WHERE target = ${`${a}/demo-tracker`} ORDER BY id`);
    expect(audit.rows).toEqual([{ action: 'connection.create', actor: `user:${a}` }, { action: 'connection.update', actor: `user:${a}` }]);
  });

  it('an end user may connect only sources the app offers', async () => {
    const { app, a, me } = await twoUsers();
    await expect(connectSource(me, app.clientId, a, 'manual')).rejects.toMatchObject({ kind: 'invalid_input' });
    await getDb().execute(sql`UPDATE apps SET enabled_sources = ARRAY['demo-scale'] WHERE client_id = ${app.clientId}`);
    await expect(connectSource(me, app.clientId, a, 'demo-tracker')).rejects.toMatchObject({ kind: 'invalid_input' });
    await connectSource(me, app.clientId, a, 'demo-scale');
    expect((await listConnections(me, app.clientId, a)).map((c) => c.source.id)).toEqual(['demo-scale']);
  });

  it('disconnecting hides the connection at once; its readings, rollups and row are purged afterwards; reconnecting starts afresh', async () => {
    const { app, a, me } = await twoUsers();
    const id = await connectSource(app.owner, app.clientId, a, 'demo-scale', { note: 'secret-ish' });
    await ingestReadings(app.owner, { clientId: app.clientId, connectionId: id }, [
      { type: 'weight', ts: '2026-01-05T07:10:00Z', value: 80.2, sourceReadingId: 'w1' },
      { type: 'weight', ts: '2026-01-12T07:10:00Z', value: 79.9, sourceReadingId: 'w2' },
    ]);
    await disconnectSource(me, app.clientId, a, 'demo-scale');
    expect(await listConnections(me, app.clientId, a)).toEqual([]);
    const [row] = (await getDb().execute<{ status: string; credentials_encrypted: string | null }>(sql`
      SELECT status, credentials_encrypted FROM connections WHERE id = ${id}`)).rows;
    expect(row).toEqual({ status: 'disconnected', credentials_encrypted: null });
    await expect(disconnectSource(me, app.clientId, a, 'demo-scale')).rejects.toMatchObject({ kind: 'not_found' });
    await expect(requestSync(me, app.clientId, a, 'demo-scale')).rejects.toMatchObject({ kind: 'not_found' });

    await purgeAll(1);
    expect([await countOf('readings', id), await countOf('reading_rollups', id), await countOf('connections', id)]).toEqual([0, 0, 0]);

    const tokenBefore = (await revealTokens(app.owner, app.clientId, a)).publicToken;
    const again = await connectSource(me, app.clientId, a, 'demo-scale');
    expect(again).not.toBe(id);
    expect(await listConnections(me, app.clientId, a)).toMatchObject([{ id: again, status: 'connected', isSyncPending: true, lastSyncAt: null }]);
    expect((await revealTokens(app.owner, app.clientId, a)).publicToken).not.toBe(tokenBefore);
  });

  it('reconnecting before the purge is done keeps the row, stops its purge and starts it afresh', async () => {
    const { app, a, me } = await twoUsers();
    const id = await connectSource(app.owner, app.clientId, a, 'demo-scale');
    await ingestReadings(app.owner, { clientId: app.clientId, connectionId: id }, [
      { type: 'weight', ts: '2026-01-05T07:10:00Z', value: 80.2, sourceReadingId: 'w1' },
    ]);
    await getDb().execute(sql`UPDATE connections SET history_synced_at = now(), last_sync_at = now(), newest_reading_at = now() WHERE id = ${id}`);
    await disconnectSource(me, app.clientId, a, 'demo-scale');
    expect(await connectSource(me, app.clientId, a, 'demo-scale')).toBe(id);
    const [connection] = await listConnections(me, app.clientId, a);
    expect(connection).toMatchObject({ id, status: 'connected', isSyncPending: true, historySyncedAt: null, lastSyncAt: null, newestReadingAt: null });
    await purgeAll();
    expect(await countOf('connections', id)).toBe(1);
    const audit = await getDb().execute<{ action: string }>(sql`SELECT action FROM audit_log WHERE target = ${`${a}/demo-scale`} ORDER BY id`);
    expect(audit.rows.map((r) => r.action)).toEqual(['connection.create', 'connection.delete', 'connection.reconnect']);
  });

  it('a source that sends its own readings can be re-linked once the purge of its old rows is done', async () => {
    const { app, a } = await twoUsers();
    const id = await connectSource(app.owner, app.clientId, a, 'manual');
    await ingestReadings(app.owner, { clientId: app.clientId, connectionId: id }, [
      { type: 'weight', ts: '2026-01-05T07:10:00Z', value: 80.2, sourceReadingId: 'w1' },
    ]);
    await disconnectSource(app.owner, app.clientId, a, 'manual');
    await expect(connectSource(app.owner, app.clientId, a, 'manual')).rejects.toMatchObject({ kind: 'conflict' });
    await purgeAll();
    const again = await connectSource(app.owner, app.clientId, a, 'manual');
    expect(again).not.toBe(id);
    expect(await countOf('readings', again)).toBe(0);
  });

  it('"sync now" queues a sync of a demo connection, and refuses sources with nothing to sync', async () => {
    const { app, a, me } = await twoUsers();
    await connectSource(me, app.clientId, a, 'demo-glucose');
    await getDb().execute(sql`UPDATE connections c SET sync_requested_at = NULL FROM users u WHERE u.id = c.user_id AND u.human_id = ${a}`);
    expect((await listConnections(me, app.clientId, a))[0]!.isSyncPending).toBe(false);
    await requestSync(me, app.clientId, a, 'demo-glucose');
    expect((await listConnections(me, app.clientId, a))[0]!.isSyncPending).toBe(true);

    await connectSource(app.owner, app.clientId, a, 'manual');
    await expect(requestSync(app.owner, app.clientId, a, 'manual')).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(requestSync(app.owner, app.clientId, a, 'demo-scale')).rejects.toMatchObject({ kind: 'not_found' });
  });

  it("an end user cannot see or touch another user's connections, nor can another app", async () => {
    const { app, b, me } = await twoUsers();
    await connectSource(app.owner, app.clientId, b, 'demo-cuff');
    const notFound = { kind: 'not_found' };
    await expect(listConnections(me, app.clientId, b)).rejects.toMatchObject(notFound);
    await expect(connectSource(me, app.clientId, b, 'demo-scale')).rejects.toMatchObject(notFound);
    await expect(disconnectSource(me, app.clientId, b, 'demo-cuff')).rejects.toMatchObject(notFound);
    await expect(requestSync(me, app.clientId, b, 'demo-cuff')).rejects.toMatchObject(notFound);

    const other = await createTestApp();
    await expect(disconnectSource(other.owner, app.clientId, b, 'demo-cuff')).rejects.toMatchObject(notFound);
    await expect(requestSync(other.owner, app.clientId, b, 'demo-cuff')).rejects.toMatchObject(notFound);
    const otherKey = { kind: 'app' as const, appId: -1, clientId: other.clientId, appName: 'x', keyId: 1, keyPrefix: 'whk_x' };
    await expect(disconnectSource(otherKey, app.clientId, b, 'demo-cuff')).rejects.toMatchObject({ kind: 'forbidden' });
    expect((await listConnections(app.owner, app.clientId, b)).map((c) => c.status)).toEqual(['connected']);
  });
});
