// While a first sync writes a 90-day history, other clients of the same database keep getting
// quick answers. `npm test` runs this file on its own (vitest.config.ts TIMED_FILES), after the
// rest, so that other test files' work on the same cores does not count against it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getPool } from '../db/client';
import { startJobs, stopJobs } from '../jobs/queue';
import { INGEST_BATCH, INGEST_BATCH_POSTGRES } from '../readings/ingest';
import { createTestApp, createTestUsers, endUserCaller } from '../testing/fixtures';
import { connectSource } from './connections';
import { waitForSyncs } from './sync';

// This file's own pg-boss schema: its drain runs only its own sync.
beforeAll(async () => {
  await startJobs({ schema: 'pgboss_sync_latency_test', pollIntervalMs: 100 });
});
afterAll(async () => {
  await stopJobs();
});

describe(`a first sync on ${inject('databaseKind')}`, () => {
  it('other clients keep getting quick answers while a 90-day history is written', { timeout: 180_000 }, async () => {
    const app = await createTestApp();
    const humanId = (await createTestUsers(app, 1))[0]!.humanId;
    const me = await endUserCaller(app, humanId);
    await connectSource(me, app.clientId, humanId, 'demo-tracker');
    const waits: number[] = [];
    let syncing = true;
    const probe = (async () => {
      while (syncing) {
        const began = performance.now();
        await getPool().query('SELECT 1');
        waits.push(performance.now() - began);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const began = performance.now();
    await waitForSyncs({ now: () => new Date('2026-06-10T15:42:00Z') });
    const seconds = (performance.now() - began) / 1000;
    syncing = false;
    await probe;
    waits.sort((a, b) => a - b);
    const at = (q: number) => waits[Math.min(waits.length - 1, Math.floor(waits.length * q))]!.toFixed(1);
    console.log(`${inject('databaseKind')}, batches of ${inject('databaseKind') === 'pglite' ? INGEST_BATCH : INGEST_BATCH_POSTGRES}: history in ${seconds.toFixed(2)} s; a concurrent SELECT 1 waited p50 ${at(0.5)}, p99 ${at(0.99)}, max ${waits.at(-1)!.toFixed(1)} ms (${waits.length} probes)`);
    // The issue asks for ~100 ms per batch (measured and reported from the log line above). The
    // bound catches the history going back to long transactions (written in one, other clients
    // wait for all of it: seconds) while leaving room for a busy shared machine and for the other
    // test files that share this engine.
    expect(waits.at(-1)!).toBeLessThan(1_000);
  });
});
