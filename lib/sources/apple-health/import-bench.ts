// The Apple Health import measured (a script, not a test): a generated export of N records
// (1,000,000 by default) uploaded through the import service and imported on a fresh database,
// printing the records and readings per second and the importing process's peak memory. Run it
// with a low heap cap to show the export is streamed, never held whole:
//   node --max-old-space-size=96 --import tsx lib/sources/apple-health/import-bench.ts [--records N] [--postgres]
// bench:ingest calls measureAppleHealthImport() for its figures.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reloadConfig } from '../../config';
import { cleanup, log, onCleanup, openDatabase, startJanitor, useDatabase, wholeNumber } from '../../bench/harness';
import { createTestApp, createTestUsers } from '../../testing/fixtures';
import { generateExport } from './generate-export';
import { receiveExport, runImport } from './imports';

export type AppleHealthImportFigures = {
  engine: string;
  records: number;
  readings: number;
  zipBytes: number;
  xmlBytes: number;
  seconds: number;
  recordsPerSecond: number;
  readingsPerSecond: number;
  /** Of the importing process (the embedded engine runs in its own process). */
  peakRssMiB: number;
  peakHeapUsedMiB: number;
  heapLimitMiB: number;
};

/** Import a generated export of `records` records into the database this process uses (migrated). */
export async function measureAppleHealthImport(options: { records: number; engine: string; folder: string }): Promise<AppleHealthImportFigures> {
  process.env.WEARHOUSE_DATA_DIR = path.join(options.folder, 'data');
  process.env.WEARHOUSE_IMPORT_MAX_BYTES = String(64 * 1024 ** 3);
  reloadConfig();
  const file = path.join(options.folder, 'export.zip');
  log(`generating an export of ${options.records.toLocaleString()} records`);
  const generated = await generateExport(file, { records: options.records });
  const app = await createTestApp('Apple Health bench');
  const [user] = await createTestUsers(app, 1);
  const queued = await receiveExport(app.owner, { clientId: app.clientId, humanId: user!.humanId }, fs.createReadStream(file),
    { contentType: 'application/zip' }, { schedule: false });

  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  const sampler = setInterval(sample, 50);
  log(`importing ${(generated.bytes / 1024 ** 2).toFixed(1)} MB zip on ${options.engine}`);
  const began = performance.now();
  const outcome = await runImport(queued.id);
  const seconds = (performance.now() - began) / 1000;
  clearInterval(sampler);
  sample();
  if (outcome !== 'done') throw new Error(`The import ended ${outcome}.`);
  const { default: v8 } = await import('node:v8');
  const { imports } = await import('../../db/schema');
  const { getDb } = await import('../../db/client');
  const { eq } = await import('drizzle-orm');
  const [row] = await getDb().select({ xmlBytes: imports.xmlBytes, readings: imports.readingsWritten }).from(imports).where(eq(imports.id, queued.id));
  const mib = (bytes: number) => Math.round((bytes / 1024 ** 2) * 10) / 10;
  return {
    engine: options.engine,
    records: generated.records,
    readings: row!.readings,
    zipBytes: generated.bytes,
    xmlBytes: row!.xmlBytes,
    seconds: Math.round(seconds * 10) / 10,
    recordsPerSecond: Math.round(generated.records / seconds),
    readingsPerSecond: Math.round(row!.readings / seconds),
    peakRssMiB: mib(peakRss),
    peakHeapUsedMiB: mib(peakHeap),
    heapLimitMiB: mib(v8.getHeapStatistics().heap_size_limit),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const index = args.indexOf(`--${name}`);
    return index === -1 ? undefined : args[index + 1];
  };
  const records = wholeNumber('records', option('records'), 1_000_000, 1);
  await startJanitor();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-apple-bench-'));
  onCleanup(`folder ${folder}`, () => fs.rmSync(folder, { recursive: true, force: true }));
  const database = await openDatabase({ postgres: args.includes('--postgres'), keep: false });
  await useDatabase(database.url, randomBytes(32).toString('hex'));
  const figures = await measureAppleHealthImport({ records, engine: database.describe, folder });
  console.log(JSON.stringify(figures, null, 2));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const stop = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  main().then(() => cleanup(), async (error: unknown) => {
    console.error(error);
    await cleanup();
    process.exitCode = 1;
  });
}
