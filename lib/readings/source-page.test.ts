import { describe, expect, inject, it } from 'vitest';
import { connectSource, disconnectSource } from '../sources/connections';
import { createTestApp, createTestUsers } from '../testing/fixtures';
import { CSV_HEADER, exportSourceReadings } from './export';
import { ingestReadings, type ReadingInput } from './ingest';
import { sourceReadings } from './query';
import { MAX_POINTS, sourceChart, sourceOverview } from './series';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A user of a new app with Fitbit and Withings connected (neither syncs by itself), each with its readings. */
async function userWithTwoSources(fitbit: ReadingInput[], withings: ReadingInput[] = []) {
  const app = await createTestApp();
  const [user] = await createTestUsers(app, 1);
  const humanId = user!.humanId;
  const fitbitId = await connectSource(app.owner, app.clientId, humanId, 'fitbit');
  const withingsId = await connectSource(app.owner, app.clientId, humanId, 'withings');
  if (fitbit.length) await ingestReadings(app.owner, { clientId: app.clientId, connectionId: fitbitId }, fitbit);
  if (withings.length) await ingestReadings(app.owner, { clientId: app.clientId, connectionId: withingsId }, withings);
  return { app, user: user!, fitbit: { clientId: app.clientId, humanId, sourceId: 'fitbit' }, withings: { clientId: app.clientId, humanId, sourceId: 'withings' } };
}

const hourly = (type: ReadingInput['type'], start: number, hours: number, value: (i: number) => number, prefix: string = type): ReadingInput[] =>
  Array.from({ length: hours }, (_, i) => ({ type, ts: new Date(start + i * HOUR), value: value(i), sourceReadingId: `${prefix}-${i}` }));

describe(`a source's charts, readings table and CSV on ${inject('databaseKind')}`, () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const yearAgo = now.getTime() - 365 * DAY;

  it("charts only this source's readings, in at most 1,000 points for a year", async () => {
    const { app, fitbit, withings } = await userWithTwoSources(
      hourly('heart_rate', yearAgo, 365 * 24, (i) => 60 + (i % 20)),
      hourly('heart_rate', now.getTime() - 40 * DAY, 40 * 24, () => 150, 'w'),
    );
    const year = await sourceChart(app.owner, fitbit, { type: 'heart_rate', range: '1y' }, now);
    if (year.kind !== 'series') throw new Error('heart rate is a series');
    expect(year.resolution).toBe('rollups');
    expect(year.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(year.points.length).toBeGreaterThan(MAX_POINTS / 2);
    expect(year.points.reduce((n, p) => n + p.count, 0)).toBe(365 * 24);
    expect(Math.max(...year.points.map((p) => p.max))).toBe(79);
    expect(Math.min(...year.points.map((p) => p.min))).toBe(60);

    const day = await sourceChart(app.owner, fitbit, { type: 'heart_rate', range: '24h' }, now);
    if (day.kind !== 'series') throw new Error('heart rate is a series');
    expect(day.resolution).toBe('readings');
    expect(day.points.reduce((n, p) => n + p.count, 0)).toBe(24);
    expect(day.points.every((p) => p.max < 150)).toBe(true);

    const other = await sourceChart(app.owner, withings, { type: 'heart_rate', range: '30d' }, now);
    if (other.kind !== 'series') throw new Error('heart rate is a series');
    expect(other.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(new Set(other.points.map((p) => p.avg))).toEqual(new Set([150]));
  }, 120_000); // a year of hourly readings to ingest, on a shared single-threaded engine

  it('totals amounts per local day, a night of sleep on the morning it ends', async () => {
    const start = Date.parse('2025-12-20T00:00:00Z');
    const { app, fitbit } = await userWithTwoSources([
      ...Array.from({ length: 10 }, (_, d) => ({ type: 'steps' as const, ts: new Date(start + d * DAY), value: 1_000 + d, sourceReadingId: `steps-${d}` })),
      // Bedtimes of 23:30 and 00:30: both nights end on the next/same morning, one a day.
      { type: 'sleep', ts: '2025-12-24T23:30:00Z', value: 420, sourceReadingId: 'night-1' },
      { type: 'sleep', ts: '2025-12-26T00:30:00Z', value: 390, sourceReadingId: 'night-2' },
    ]);
    const steps = await sourceChart(app.owner, fitbit, { type: 'steps', from: '2025-12-20T00:00:00Z', to: '2025-12-30T00:00:00Z' });
    expect(steps.kind).toBe('daily');
    if (steps.kind !== 'daily') return;
    expect(steps.points.map((p) => p.day)).toEqual(Array.from({ length: 10 }, (_, d) => new Date(start + d * DAY).toISOString().slice(0, 10)));
    expect(steps.points[3]).toMatchObject({ day: '2025-12-23', sum: 1_003 });

    const sleep = await sourceChart(app.owner, fitbit, { type: 'sleep', from: '2025-12-20T00:00:00Z', to: '2025-12-30T00:00:00Z' });
    if (sleep.kind !== 'daily') throw new Error('sleep is daily');
    expect(sleep.points.map((p) => [p.day, p.sum])).toEqual([['2025-12-25', 420], ['2025-12-26', 390]]);
  });

  it("a rolling range's daily bars are the local days that overlap it, west of UTC too", async () => {
    // A user eight hours behind UTC: each day's steps are stamped at their local midnight (08:00 UTC).
    const days = ['2025-12-22', '2025-12-23', '2025-12-24', '2025-12-25', '2025-12-26', '2025-12-27', '2025-12-28', '2025-12-29', '2025-12-30'];
    const { app, fitbit } = await userWithTwoSources(days.map((day, i) => ({
      type: 'steps' as const, ts: new Date(Date.parse(`${day}T08:00:00Z`)), tzOffsetMinutes: -480, value: 5_000 + i, sourceReadingId: `s-${day}`,
    })));
    // 00:30 UTC on New Year's Day is 16:30 on the 31st for them: the 30th is their last whole day.
    const justAfterUtcMidnight = new Date('2026-01-01T00:30:00Z');
    const day = await sourceChart(app.owner, fitbit, { type: 'steps', range: '24h' }, justAfterUtcMidnight);
    if (day.kind !== 'daily') throw new Error('steps are daily');
    expect(day.points.map((p) => [p.day, p.sum])).toEqual([['2025-12-30', 5_008]]);
    const week = await sourceChart(app.owner, fitbit, { type: 'steps', range: '7d' }, justAfterUtcMidnight);
    if (week.kind !== 'daily') throw new Error('steps are daily');
    expect(week.points.map((p) => p.day)).toEqual(days.slice(2));
  });

  it('pages the raw readings newest first with keyset cursors, both ways, ties included', async () => {
    const start = Date.parse('2025-12-30T00:00:00Z');
    // 120 readings; every tenth shares its timestamp with the one before.
    const readings: ReadingInput[] = Array.from({ length: 120 }, (_, i) => ({
      type: 'weight', ts: new Date(start + (i - (i % 10 === 9 ? 1 : 0)) * 60_000), tzOffsetMinutes: 330, value: 70 + i / 100, sourceReadingId: `w-${i}`,
    }));
    const { app, fitbit } = await userWithTwoSources(readings, [{ type: 'weight', ts: new Date(start), value: 99, sourceReadingId: 'x' }]);
    const range = { type: 'weight', range: '7d' };
    const first = await sourceReadings(app.owner, fitbit, range, now);
    expect(first.readings).toHaveLength(50);
    expect(first.newer).toBeNull();
    expect(first.readings[0]).toMatchObject({ value: 71.19, unit: 'kg', timestamp: '2025-12-30T07:28:00.000+05:30' });
    const second = await sourceReadings(app.owner, fitbit, { ...range, before: first.older }, now);
    const third = await sourceReadings(app.owner, fitbit, { ...range, before: second.older }, now);
    expect([second.readings.length, third.readings.length]).toEqual([50, 20]);
    expect(third.older).toBeNull();
    const all = [...first.readings, ...second.readings, ...third.readings];
    expect(new Set(all.map((r) => r.id)).size).toBe(120);
    expect(all.some((r) => r.value === 99)).toBe(false);
    // Back from the last page: the middle page again, then the first.
    const back = await sourceReadings(app.owner, fitbit, { ...range, after: third.newer }, now);
    expect(back.readings.map((r) => r.id)).toEqual(second.readings.map((r) => r.id));
    const front = await sourceReadings(app.owner, fitbit, { ...range, after: back.newer }, now);
    expect(front.readings.map((r) => r.id)).toEqual(first.readings.map((r) => r.id));
    expect(front.newer).toBeNull();
    await expect(sourceReadings(app.owner, fitbit, { ...range, before: "1' OR 1=1" }, now)).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(sourceReadings(app.owner, fitbit, { ...range, limit: '5000' }, now)).rejects.toMatchObject({ kind: 'invalid_input' });
  });

  it("exports the range's readings of this source as CSV, batch after batch", async () => {
    const start = Date.parse('2025-12-01T00:00:00Z');
    const { app, user, fitbit } = await userWithTwoSources(
      [...hourly('heart_rate', start, 50, (i) => 60 + i), { type: 'weight', ts: new Date(start), tzOffsetMinutes: -300, value: 72.5, sourceReadingId: 'w' }],
      hourly('heart_rate', start, 50, () => 150, 'w'),
    );
    const { filename, chunks } = await exportSourceReadings(app.owner, fitbit, { from: '2025-12-01T00:00:00Z', to: '2025-12-02T00:00:00Z' }, { batch: 7 });
    expect(filename).toMatch(new RegExp(`^${user.externalId}-fitbit-2025-12-01-to-2025-12-01\\.csv$`));
    let csv = '';
    let pieces = 0;
    for await (const chunk of chunks) {
      csv += chunk;
      pieces++;
    }
    expect(csv.startsWith(CSV_HEADER)).toBe(true);
    const lines = csv.trimEnd().split('\n').slice(1);
    // 24 hours of heart rate in the range and the weigh-in; none of Withings' 150 bpm.
    expect(lines).toHaveLength(25);
    expect(pieces).toBeGreaterThan(4);
    expect(lines[0]).toBe('heart_rate,2025-12-01T00:00:00.000+00:00,60,,bpm');
    expect(lines[23]).toBe('heart_rate,2025-12-01T23:00:00.000+00:00,83,,bpm');
    expect(lines[24]).toBe('weight,2025-11-30T19:00:00.000-05:00,72.5,,kg');

    const one = await exportSourceReadings(app.owner, fitbit, { type: 'weight', range: '1y' }, { now: new Date('2026-01-01T00:00:00Z') });
    let text = '';
    for await (const chunk of one.chunks) text += chunk;
    expect(text.trimEnd().split('\n')).toHaveLength(2);
  });

  it("shows nobody else's sources: other apps, unknown or disconnected sources, bad ranges", async () => {
    const { app, user, fitbit } = await userWithTwoSources([{ type: 'steps', ts: '2025-12-30T00:00:00Z', value: 5, sourceReadingId: 's' }]);
    expect(await sourceOverview(app.owner, fitbit)).toMatchObject({ user: { humanId: user.humanId, externalId: user.externalId }, source: { id: 'fitbit', name: 'Fitbit' }, status: 'connected' });
    const stranger = await createTestApp('Stranger');
    const query = { type: 'steps', range: '7d' };
    await expect(sourceOverview(stranger.owner, fitbit)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(sourceChart(stranger.owner, fitbit, query)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(sourceReadings(stranger.owner, fitbit, query)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(exportSourceReadings(stranger.owner, fitbit, query)).rejects.toMatchObject({ kind: 'not_found' });
    // The stranger's own app with the victim's humanId: still nobody.
    await expect(sourceChart(stranger.owner, { ...fitbit, clientId: stranger.clientId }, query)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(sourceChart(app.owner, { ...fitbit, sourceId: 'oura' }, query)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(sourceChart(app.owner, { ...fitbit, sourceId: '../x' }, query)).rejects.toMatchObject({ kind: 'not_found' });

    await expect(sourceChart(app.owner, fitbit, { type: 'steps', range: '2w' })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(sourceChart(app.owner, fitbit, { type: 'steps', from: 'yesterday', to: '2025-01-01' })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(sourceChart(app.owner, fitbit, { type: 'steps', from: '2025-02-01', to: '2025-01-01' })).rejects.toMatchObject({ kind: 'invalid_input', message: 'from must be before to.' });
    await expect(sourceChart(app.owner, fitbit, { type: 'steps', from: '2000-01-01', to: '2025-01-01' })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(sourceChart(app.owner, fitbit, { type: 'blood_glucose', range: '7d' })).rejects.toMatchObject({ kind: 'invalid_input', message: 'Fitbit does not provide blood_glucose.' });

    await disconnectSource(app.owner, app.clientId, user.humanId, 'fitbit');
    await expect(sourceChart(app.owner, fitbit, query)).rejects.toMatchObject({ kind: 'not_found' });
  });
});
