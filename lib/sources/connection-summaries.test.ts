import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { ingestReadings } from '../readings/ingest';
import { createTestApp, createTestUsers } from '../testing/fixtures';
import { connectSource, disconnectSource, listConnectionSummaries } from './connections';

const minutes = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => ({
    type: 'heart_rate' as const,
    ts: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    value: 60 + (i % 30),
    sourceReadingId: `${prefix}-${i}`,
  }));

describe(`connection summaries on ${inject('databaseKind')}`, () => {
  it('count each connection\'s readings (across hours and types), and only the caller\'s own', async () => {
    const app = await createTestApp();
    const [user, other] = await createTestUsers(app, 2);
    const cuff = await connectSource(app.owner, app.clientId, user!.humanId, 'demo-cuff');
    await connectSource(app.owner, app.clientId, user!.humanId, 'demo-scale');
    // 150 minutes span three hours; a second type counts too.
    await ingestReadings(app.owner, { clientId: app.clientId, connectionId: cuff }, [
      ...minutes(150, 'hr'),
      { type: 'blood_pressure', ts: '2026-01-02T08:00:00Z', value: 120, value2: 80, sourceReadingId: 'bp1' },
    ]);
    const otherCuff = await connectSource(app.owner, app.clientId, other!.humanId, 'demo-cuff');
    await ingestReadings(app.owner, { clientId: app.clientId, connectionId: otherCuff }, minutes(7, 'x'));

    const summaries = await listConnectionSummaries(app.owner, app.clientId, user!.humanId);
    expect(summaries.map((s) => [s.source.id, s.readingCount])).toEqual([['demo-cuff', 151], ['demo-scale', 0]]);
    expect(summaries[0]).toMatchObject({ status: 'connected', source: { name: 'Demo BP Cuff' }, lastError: null });

    // Re-sending the same readings changes nothing (idempotent ingest keeps the rollups exact).
    await ingestReadings(app.owner, { clientId: app.clientId, connectionId: cuff }, minutes(10, 'hr'));
    expect((await listConnectionSummaries(app.owner, app.clientId, user!.humanId))[0]!.readingCount).toBe(151);

    await disconnectSource(app.owner, app.clientId, user!.humanId, 'demo-cuff');
    expect((await listConnectionSummaries(app.owner, app.clientId, user!.humanId)).map((s) => s.source.id)).toEqual(['demo-scale']);
  });

  it("another account cannot read them (the user is reported missing)", async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    await connectSource(app.owner, app.clientId, user!.humanId, 'demo-scale');
    const stranger = await createTestApp();
    await expect(listConnectionSummaries(stranger.owner, app.clientId, user!.humanId)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(listConnectionSummaries(app.owner, app.clientId, randomBytes(16).toString('hex'))).rejects.toMatchObject({ kind: 'not_found' });
  });
});
