// Importing Apple Health exports as a user would see it: the readings a small hand-written export
// becomes (values converted to Wearhouse's units, the phone's UTC offsets kept), a generated export
// of every kind of record, a second import of the same file adding nothing, progress that moves,
// and an import stopped part way (a server restart) that finishes with every reading exactly once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reloadConfig } from '../../config';
import { getDb } from '../../db/client';
import { connections, imports, readings } from '../../db/schema';
import { createTestApp, createTestUsers, type TestApp } from '../../testing/fixtures';
import { deleteUser } from '../../users/users';
import { saveWebhookUrl } from '../../webhooks/settings';
import { disconnectSource, listConnections } from '../connections';
import { generateExport, writeExportZip } from './generate-export';
import { startJobs, stopJobs } from '../../jobs/queue';
import { getImport, importsFolder, receiveExport, runImport, startImportWorker } from './imports';

let folder: string;
beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-apple-'));
  process.env.WEARHOUSE_DATA_DIR = path.join(folder, 'data');
  reloadConfig();
  // This file's own pg-boss schema: its worker runs only its own imports.
  await startJobs({ schema: 'pgboss_apple_import_test', pollIntervalMs: 100 });
});
afterAll(async () => {
  await stopJobs();
  fs.rmSync(folder, { recursive: true, force: true });
});

const SMALL_EXPORT = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
]>
<HealthData locale="en_US">
 <ExportDate value="2024-03-01 10:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-04-12"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Ana&#8217;s Apple Watch" unit="count/min" creationDate="2024-01-02 08:04:00 +0100" startDate="2024-01-02 08:03:00 +0100" endDate="2024-01-02 08:03:00 +0100" value="72">
  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>
 </Record>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Ana&#8217;s Apple Watch" unit="count/min" startDate="2024-07-02 21:15:30 -0500" endDate="2024-07-02 21:15:30 -0500" value="58"/>
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Ana&#8217;s iPhone" unit="count" startDate="2024-01-02 09:00:00 +0100" endDate="2024-01-02 09:10:00 +0100" value="845"/>
 <Record type="HKQuantityTypeIdentifierBodyMass" sourceName="Withings" unit="lb" startDate="2024-01-03 07:00:00 +0100" endDate="2024-01-03 07:00:00 +0100" value="150"/>
 <Record type="HKQuantityTypeIdentifierBodyMass" sourceName="Health" unit="kg" startDate="2024-01-04 07:00:00 +0100" endDate="2024-01-04 07:00:00 +0100" value="68.2"/>
 <Record type="HKQuantityTypeIdentifierBodyFatPercentage" sourceName="Withings" unit="%" startDate="2024-01-03 07:00:00 +0100" endDate="2024-01-03 07:00:00 +0100" value="0.251"/>
 <Record type="HKQuantityTypeIdentifierBodyMassIndex" sourceName="Withings" unit="count" startDate="2024-01-03 07:00:00 +0100" endDate="2024-01-03 07:00:00 +0100" value="22.4"/>
 <Record type="HKQuantityTypeIdentifierBloodGlucose" sourceName="OneTouch" unit="mmol&lt;180.1558800000541&gt;/L" startDate="2024-01-03 12:30:00 +0100" endDate="2024-01-03 12:30:00 +0100" value="5.5"/>
 <Record type="HKQuantityTypeIdentifierBloodGlucose" sourceName="OneTouch" unit="mg/dL" startDate="2024-01-03 18:30:00 +0100" endDate="2024-01-03 18:30:00 +0100" value="110"/>
 <Record type="HKQuantityTypeIdentifierOxygenSaturation" sourceName="Ana&#8217;s Apple Watch" unit="%" startDate="2024-01-03 03:00:00 +0100" endDate="2024-01-03 03:00:00 +0100" value="0.97"/>
 <Record type="HKQuantityTypeIdentifierActiveEnergyBurned" sourceName="Ana&#8217;s Apple Watch" unit="Cal" startDate="2024-01-02 09:00:00 +0100" endDate="2024-01-02 09:10:00 +0100" value="31.5"/>
 <Record type="HKQuantityTypeIdentifierActiveEnergyBurned" sourceName="Ana&#8217;s Apple Watch" unit="kJ" startDate="2024-01-02 09:10:00 +0100" endDate="2024-01-02 09:20:00 +0100" value="41.84"/>
 <Record type="HKQuantityTypeIdentifierDistanceWalkingRunning" sourceName="Ana&#8217;s iPhone" unit="km" startDate="2024-01-02 09:00:00 +0100" endDate="2024-01-02 09:10:00 +0100" value="1.2"/>
 <Record type="HKQuantityTypeIdentifierDistanceCycling" sourceName="Ana&#8217;s iPhone" unit="mi" startDate="2024-01-02 17:00:00 +0100" endDate="2024-01-02 17:30:00 +0100" value="5"/>
 <Record type="HKQuantityTypeIdentifierAppleExerciseTime" sourceName="Ana&#8217;s Apple Watch" unit="min" startDate="2024-01-02 09:00:00 +0100" endDate="2024-01-02 09:01:00 +0100" value="1"/>
 <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Ana&#8217;s Apple Watch" startDate="2024-01-02 23:00:00 +0100" endDate="2024-01-02 23:45:00 +0100" value="HKCategoryValueSleepAnalysisAsleepCore"/>
 <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Ana&#8217;s Apple Watch" startDate="2024-01-02 23:45:00 +0100" endDate="2024-01-03 00:05:00 +0100" value="HKCategoryValueSleepAnalysisAsleepDeep"/>
 <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Ana&#8217;s Apple Watch" startDate="2024-01-03 00:05:00 +0100" endDate="2024-01-03 00:10:00 +0100" value="HKCategoryValueSleepAnalysisAwake"/>
 <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Ana&#8217;s iPhone" startDate="2024-01-02 22:30:00 +0100" endDate="2024-01-03 06:30:00 +0100" value="HKCategoryValueSleepAnalysisInBed"/>
 <Record type="HKQuantityTypeIdentifierBasalEnergyBurned" sourceName="Ana&#8217;s Apple Watch" unit="Cal" startDate="2024-01-02 09:00:00 +0100" endDate="2024-01-02 09:10:00 +0100" value="12"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Ana&#8217;s Apple Watch" unit="count/min" startDate="2024-01-02 10:00:00 +0100" endDate="2024-01-02 10:00:00 +0100" value="not a number"/>
 <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" creationDate="2024-01-03 08:00:00 +0100" startDate="2024-01-03 08:00:00 +0100" endDate="2024-01-03 08:00:00 +0100">
  <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" sourceName="Omron" unit="mmHg" startDate="2024-01-03 08:00:00 +0100" endDate="2024-01-03 08:00:00 +0100" value="121"/>
  <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" sourceName="Omron" unit="mmHg" startDate="2024-01-03 08:00:00 +0100" endDate="2024-01-03 08:00:00 +0100" value="79"/>
 </Correlation>
 <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" sourceName="Omron" unit="mmHg" startDate="2024-01-03 08:00:00 +0100" endDate="2024-01-03 08:00:00 +0100" value="121"/>
 <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" sourceName="Omron" unit="mmHg" startDate="2024-01-04 20:00:00 +0100" endDate="2024-01-04 20:00:00 +0100" value="131"/>
 <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" sourceName="Omron" unit="mmHg" startDate="2024-01-03 08:00:00 +0100" endDate="2024-01-03 08:00:00 +0100" value="79"/>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="32.5" durationUnit="min" sourceName="Ana&#8217;s Apple Watch" startDate="2024-01-02 09:00:00 +0100" endDate="2024-01-02 09:32:30 +0100"/>
 <ActivitySummary dateComponents="2024-01-02" activeEnergyBurned="512.3" activeEnergyBurnedUnit="Cal" appleExerciseTime="34"/>
</HealthData>
`;

/** Every reading of the user's apple-health connection, as a person would read them back. */
async function readingsOf(connectionId: number) {
  const rows = await getDb()
    .select({ type: readings.type, ts: readings.ts, tz: readings.tzOffsetMinutes, value: readings.value, value2: readings.value2, unit: readings.unit, sourceData: readings.sourceData })
    .from(readings).where(eq(readings.connectionId, connectionId)).orderBy(asc(readings.type), asc(readings.ts), asc(readings.value));
  return rows.map((r) => ({ ...r, ts: r.ts.toISOString(), value: Math.round(r.value * 1000) / 1000 }));
}

async function upload(app: TestApp, humanId: string, file: string) {
  return receiveExport(app.owner, { clientId: app.clientId, humanId }, fs.createReadStream(file), { contentType: 'application/zip' }, { schedule: false });
}

describe(`Apple Health imports on ${inject('databaseKind')}`, () => {
  it('stores exactly the readings of a hand-written export, in Wearhouse units, with the phone’s UTC offsets', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const file = path.join(folder, 'small.zip');
    await writeExportZip(file, SMALL_EXPORT);

    await saveWebhookUrl(app.owner, app.clientId, 'https://hooks.example.com/wearhouse');
    const queued = await upload(app, user!.humanId, file);
    expect(queued).toMatchObject({ status: 'queued', source: 'apple-health', progress: 0, recordsSeen: 0 });
    expect(fs.existsSync(path.join(importsFolder(), `${queued.id}.zip`))).toBe(true);
    expect(await runImport(queued.id)).toBe('done');

    const done = await getImport(app.owner, { clientId: app.clientId, humanId: user!.humanId }, queued.id);
    expect(done).toMatchObject({
      status: 'done', progress: 1, error: null, recordsSeen: 28, recordsImported: 21, recordsSkipped: 7, readingsWritten: 18, readingsInserted: 18, readingsUpdated: 0,
      skippedTypes: { HKCategoryTypeIdentifierSleepAnalysis: 2, HKQuantityTypeIdentifierBasalEnergyBurned: 1, HKQuantityTypeIdentifierHeartRate: 1, Workout: 1, ActivitySummary: 1, HKCorrelationTypeIdentifierBloodPressure: 1 },
    });
    // The file is removed once imported.
    expect(fs.existsSync(path.join(importsFolder(), `${queued.id}.zip`))).toBe(false);

    const [connection] = await listConnections(app.owner, app.clientId, user!.humanId);
    expect(connection).toMatchObject({ source: { id: 'apple-health', name: 'Apple Health' }, status: 'connected', lastError: null });
    expect(connection!.historySyncedAt).not.toBeNull();
    expect(connection!.oldestReadingAt?.toISOString()).toBe('2024-01-02T07:03:00.000Z');
    expect(connection!.newestReadingAt?.toISOString()).toBe('2024-07-03T02:15:30.000Z');

    const watch = 'Ana’s Apple Watch';
    expect(await readingsOf(connection!.id)).toEqual([
      { type: 'activity', ts: '2024-01-02T08:00:00.000Z', tz: 60, value: 1, value2: null, unit: 'min', sourceData: { sourceName: watch, endDate: '2024-01-02T08:01:00.000Z' } },
      { type: 'blood_glucose', ts: '2024-01-03T11:30:00.000Z', tz: 60, value: 99.086, value2: null, unit: 'mg/dL', sourceData: { sourceName: 'OneTouch' } },
      { type: 'blood_glucose', ts: '2024-01-03T17:30:00.000Z', tz: 60, value: 110, value2: null, unit: 'mg/dL', sourceData: { sourceName: 'OneTouch' } },
      { type: 'blood_oxygen', ts: '2024-01-03T02:00:00.000Z', tz: 60, value: 97, value2: null, unit: '%', sourceData: { sourceName: watch } },
      { type: 'blood_pressure', ts: '2024-01-03T07:00:00.000Z', tz: 60, value: 121, value2: 79, unit: 'mmHg', sourceData: { sourceName: 'Omron' } },
      { type: 'bmi', ts: '2024-01-03T06:00:00.000Z', tz: 60, value: 22.4, value2: null, unit: 'kg/m2', sourceData: { sourceName: 'Withings' } },
      { type: 'body_fat', ts: '2024-01-03T06:00:00.000Z', tz: 60, value: 25.1, value2: null, unit: '%', sourceData: { sourceName: 'Withings' } },
      { type: 'calories', ts: '2024-01-02T08:00:00.000Z', tz: 60, value: 31.5, value2: null, unit: 'kcal', sourceData: { sourceName: watch, endDate: '2024-01-02T08:10:00.000Z' } },
      { type: 'calories', ts: '2024-01-02T08:10:00.000Z', tz: 60, value: 10, value2: null, unit: 'kcal', sourceData: { sourceName: watch, endDate: '2024-01-02T08:20:00.000Z' } },
      { type: 'distance', ts: '2024-01-02T08:00:00.000Z', tz: 60, value: 1200, value2: null, unit: 'm', sourceData: { sourceName: 'Ana’s iPhone', endDate: '2024-01-02T08:10:00.000Z', kind: 'walking_running' } },
      { type: 'distance', ts: '2024-01-02T16:00:00.000Z', tz: 60, value: 8046.72, value2: null, unit: 'm', sourceData: { sourceName: 'Ana’s iPhone', endDate: '2024-01-02T16:30:00.000Z', kind: 'cycling' } },
      { type: 'heart_rate', ts: '2024-01-02T07:03:00.000Z', tz: 60, value: 72, value2: null, unit: 'bpm', sourceData: { sourceName: watch } },
      { type: 'heart_rate', ts: '2024-07-03T02:15:30.000Z', tz: -300, value: 58, value2: null, unit: 'bpm', sourceData: { sourceName: watch } },
      { type: 'sleep', ts: '2024-01-02T22:00:00.000Z', tz: 60, value: 45, value2: null, unit: 'min', sourceData: { sourceName: watch, stage: 'core', endDate: '2024-01-02T22:45:00.000Z' } },
      { type: 'sleep', ts: '2024-01-02T22:45:00.000Z', tz: 60, value: 20, value2: null, unit: 'min', sourceData: { sourceName: watch, stage: 'deep', endDate: '2024-01-02T23:05:00.000Z' } },
      { type: 'steps', ts: '2024-01-02T08:00:00.000Z', tz: 60, value: 845, value2: null, unit: 'steps', sourceData: { sourceName: 'Ana’s iPhone', endDate: '2024-01-02T08:10:00.000Z' } },
      { type: 'weight', ts: '2024-01-03T06:00:00.000Z', tz: 60, value: 68.039, value2: null, unit: 'kg', sourceData: { sourceName: 'Withings' } },
      { type: 'weight', ts: '2024-01-04T06:00:00.000Z', tz: 60, value: 68.2, value2: null, unit: 'kg', sourceData: { sourceName: 'Health' } },
    ]);

    // The same export again: the same readings, none added, none changed.
    const before = await getDb().select({ id: readings.id, updatedAt: readings.updatedAt }).from(readings).where(eq(readings.connectionId, connection!.id)).orderBy(asc(readings.id));
    const again = await upload(app, user!.humanId, file);
    expect(await runImport(again.id)).toBe('done');
    expect(await getImport(app.owner, { clientId: app.clientId, humanId: user!.humanId }, again.id))
      .toMatchObject({ status: 'done', readingsWritten: 18, readingsInserted: 0, readingsUpdated: 0 });
    const after = await getDb().select({ id: readings.id, updatedAt: readings.updatedAt }).from(readings).where(eq(readings.connectionId, connection!.id)).orderBy(asc(readings.id));
    expect(after).toEqual(before);
    expect((await listConnections(app.owner, app.clientId, user!.humanId)).map((c) => c.id)).toEqual([connection!.id]);

    // The app's webhook heard of the first import (one event), not of the second, which changed nothing.
    const events = (await getDb().execute<{ body: string }>(sql`
      SELECT d.body FROM webhook_deliveries d JOIN apps a ON a.id = d.app_id
      WHERE a.client_id = ${app.clientId} AND d.event_type = 'readings.added' ORDER BY d.id`)).rows
      .map((r) => (JSON.parse(r.body) as { data: { humanId: string; types: string[]; count: number } }).data);
    expect(events).toEqual([expect.objectContaining({
      humanId: user!.humanId, count: 18,
      types: ['activity', 'blood_glucose', 'blood_oxygen', 'blood_pressure', 'bmi', 'body_fat', 'calories', 'distance', 'heart_rate', 'sleep', 'steps', 'weight'],
    })]);
  });

  // 12,000 records twice over: on the embedded engine, shared with other test files, over 30 s in CI.
  it('imports a generated export of every kind of record, with progress that moves, and a re-import adds nothing', { timeout: 120_000 }, async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const file = path.join(folder, 'generated.zip');
    const generated = await generateExport(file, { records: 12_000 });
    const queued = await upload(app, user!.humanId, file);

    const seen: number[] = [];
    let running = true;
    const watching = (async () => {
      while (running) {
        const view = await getImport(app.owner, { clientId: app.clientId, humanId: user!.humanId }, queued.id);
        if (view.status === 'running') seen.push(view.progress);
        // Each look is a query on the same engine: often enough to see every batch of 500, no more.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    expect(await runImport(queued.id, { batchSize: 500 })).toBe('done');
    running = false;
    await watching;
    // Progress was seen part way, and never went back.
    expect(seen.filter((p) => p > 0 && p < 1).length).toBeGreaterThan(2);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    const done = await getImport(app.owner, { clientId: app.clientId, humanId: user!.humanId }, queued.id);
    expect(done).toMatchObject({ status: 'done', recordsSeen: generated.records, recordsSkipped: generated.skipped, recordsImported: generated.records - generated.skipped });
    const [connection] = await listConnections(app.owner, app.clientId, user!.humanId);
    const counts = await getDb().select({ type: readings.type, count: sql<number>`count(*)::int` }).from(readings)
      .where(eq(readings.connectionId, connection!.id)).groupBy(readings.type);
    expect(Object.fromEntries(counts.map((c) => [c.type, c.count]))).toEqual(generated.readingsByType);

    const again = await upload(app, user!.humanId, file);
    expect(await runImport(again.id)).toBe('done');
    expect(await getImport(app.owner, { clientId: app.clientId, humanId: user!.humanId }, again.id)).toMatchObject({ readingsInserted: 0, readingsUpdated: 0 });
    const [{ total }] = await getDb().select({ total: sql<number>`count(*)::int` }).from(readings).where(eq(readings.connectionId, connection!.id)) as [{ total: number }];
    expect(total).toBe(generated.readings);
  });

  it('finishes an import stopped part way (a server restart) with every reading exactly once', { timeout: 150_000 }, async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const file = path.join(folder, 'restart.zip');
    const generated = await generateExport(file, { records: 6_000, seed: 7 });
    const queued = await upload(app, user!.humanId, file);

    // The server stops after the first batches: the import is handed back, queued, with its file kept.
    const stop = new AbortController();
    let batches = 0;
    const running = runImport(queued.id, { batchSize: 500, signal: stop.signal });
    const view = () => getImport(app.owner, { clientId: app.clientId, humanId: user!.humanId }, queued.id);
    while ((await view()).readingsWritten < 1_000 && batches++ < 2_000) await new Promise((resolve) => setTimeout(resolve, 2));
    stop.abort(new Error('server stopping'));
    await expect(running).rejects.toThrow();
    const stopped = await view();
    expect(stopped).toMatchObject({ status: 'queued', error: null });
    expect(fs.existsSync(path.join(importsFolder(), `${queued.id}.zip`))).toBe(true);

    // The next start runs it again from the start, and drops files no import will read.
    const orphan = path.join(importsFolder(), '3b241101-e2bb-4255-8caf-4136c566a962.zip');
    fs.writeFileSync(orphan, 'left by an import whose user was deleted');
    await startImportWorker();
    expect(fs.existsSync(orphan)).toBe(false);
    for (let waited = 0; (await view()).status !== 'done' && waited < 120_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    const [connection] = await listConnections(app.owner, app.clientId, user!.humanId);
    const [{ total }] = await getDb().select({ total: sql<number>`count(*)::int` }).from(readings).where(eq(readings.connectionId, connection!.id)) as [{ total: number }];
    expect(total).toBe(generated.readings);
    expect((await view())).toMatchObject({ status: 'done', recordsSeen: generated.records });
    const [row] = await getDb().select({ attempts: imports.attempts }).from(imports).where(eq(imports.id, queued.id));
    expect(row!.attempts).toBe(1); // being stopped is not a failed attempt
  });

  it('fails an import whose export is not well-formed, saying why, and shows the error on the connection', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const file = path.join(folder, 'broken.zip');
    await writeExportZip(file, SMALL_EXPORT.replace('</HealthData>', '</Health>'));
    const queued = await upload(app, user!.humanId, file);
    expect(await runImport(queued.id)).toBe('failed');
    const failed = await getImport(app.owner, { clientId: app.clientId, humanId: user!.humanId }, queued.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/not well-formed XML/);
    const [connection] = await listConnections(app.owner, app.clientId, user!.humanId);
    expect(connection).toMatchObject({ status: 'error', lastError: failed.error });
    expect(fs.existsSync(path.join(importsFolder(), `${queued.id}.zip`))).toBe(false);
  });

  it('stops an import when Apple Health is disconnected meanwhile, saying so', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const file = path.join(folder, 'disconnect.zip');
    await generateExport(file, { records: 12_000, seed: 11 });
    let batches = 0;
    const again = await upload(app, user!.humanId, file);
    const running = runImport(again.id, { batchSize: 500 });
    const view = () => getImport(app.owner, { clientId: app.clientId, humanId: user!.humanId }, again.id);
    while ((await view()).recordsSeen === 0 && batches++ < 5_000) await new Promise((resolve) => setTimeout(resolve, 2));
    await disconnectSource(app.owner, app.clientId, user!.humanId, 'apple-health');
    expect(await running).toBe('gone');
    expect(await view()).toMatchObject({ status: 'failed', error: 'Apple Health was disconnected during the import.' });
    expect(fs.existsSync(path.join(importsFolder(), `${again.id}.zip`))).toBe(false);
  });

  it("keeps an app's imports to that app and a user's to that user", async () => {
    const app = await createTestApp();
    const other = await createTestApp();
    const [user, neighbour] = await createTestUsers(app, 2);
    const file = path.join(folder, 'mine.zip');
    await writeExportZip(file, SMALL_EXPORT);
    const queued = await upload(app, user!.humanId, file);

    await expect(getImport(other.owner, { clientId: app.clientId, humanId: user!.humanId }, queued.id)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(getImport(app.owner, { clientId: app.clientId, humanId: neighbour!.humanId }, queued.id)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(receiveExport(other.owner, { clientId: app.clientId, humanId: user!.humanId }, Readable.from([Buffer.from('PK')]), { contentType: 'application/zip' }, { schedule: false }))
      .rejects.toMatchObject({ kind: 'not_found' });

    // A user deleted before their import runs: nothing runs, the file goes.
    await deleteUser(app.owner, app.clientId, user!.humanId);
    expect(await runImport(queued.id)).toBe('gone');
    expect(fs.existsSync(path.join(importsFolder(), `${queued.id}.zip`))).toBe(false);
  });
});
