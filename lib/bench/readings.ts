// `node --import tsx lib/bench/readings.ts [--postgres] [--readings N] [--purge N]`: the data layer's
// two heavy paths, timed on a fresh database. (1) One ingestReadings call with a year of minute
// heart rate (525,600 readings). (2) Deleting a user with 1,000,000 readings while another client
// reads a user over HTTP in a loop: that client's longest response while the purger runs. A script
// that prints figures, not a test; it removes its database and data folder, also on failure.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createAccount } from '../accounts/accounts';
import { createApp } from '../apps/apps';
import { operator, type AccountCaller } from '../auth/caller';
import { closeDb, getDb } from '../db/client';
import { spawnOwner } from '../db/embedded/launch';
import { migrate } from '../db/migrate';
import { ingestReadings, type ReadingInput } from '../readings/ingest';
import { refreshRollups } from '../readings/rollups';
import { connectSource } from '../sources/connections';
import { syncCatalog } from '../sources/catalog';
import { basicAuth, startApi } from '../testing/api';
import { createScratchDatabase, dropScratchDatabase } from '../testing/scratch-database';
import { startPurger } from '../users/purge';
import { createUser, deleteUser } from '../users/users';

const { values } = parseArgs({
  options: {
    postgres: { type: 'boolean', default: false },
    readings: { type: 'string', default: '525600' },
    purge: { type: 'string', default: '1000000' },
  },
});
const INGEST = Number(values.readings);
const PURGE = Number(values.purge);
const progress = (message: string) => process.stderr.write(`bench:readings: ${message}\n`);

async function withDatabase(run: (kind: string) => Promise<void>) {
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    if (values.postgres) {
      const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
      const scratch = await createScratchDatabase(adminUrl, 'wearhouse_bench');
      cleanups.push(() => dropScratchDatabase(adminUrl, scratch.name));
      process.env.DATABASE_URL = scratch.url;
    } else {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-bench-readings-'));
      cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
      const owner = await spawnOwner(dataDir);
      cleanups.push(async () => owner.stop?.());
      process.env.DATABASE_URL = owner.url;
    }
    process.env.WEARHOUSE_SECRET_KEY ??= randomBytes(32).toString('hex');
    process.env.WEARHOUSE_RATE_LIMIT = '0';
    cleanups.push(() => closeDb());
    await migrate(getDb());
    await syncCatalog(getDb());
    await run(values.postgres ? 'PostgreSQL' : 'embedded (PGlite)');
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

async function newConnection(owner: AccountCaller, clientId: string, externalId: string) {
  const { user } = await createUser(owner, clientId, { externalId });
  const connectionId = await connectSource(owner, clientId, user.humanId, 'manual');
  return { humanId: user.humanId, connectionId };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

await withDatabase(async (kind) => {
  const account = await createAccount(operator, { email: `bench-${randomBytes(4).toString('hex')}@example.test`, password: randomBytes(12).toString('hex') });
  const owner: AccountCaller = { kind: 'account', accountId: account.id, role: account.role };
  const { app, appKey } = await createApp(owner, { name: 'Readings bench' });

  const ingester = await newConnection(owner, app.clientId, 'ingest');
  const heavy = await newConnection(owner, app.clientId, 'heavy');
  const reader = await newConnection(owner, app.clientId, 'reader');
  const api = await startApi();
  const purger = startPurger({ idleMs: 60_000 });
  try {
    const url = `${api.baseUrl}/v1/apps/${app.clientId}/users/${reader.humanId}`;
    const headers = { authorization: basicAuth(appKey) };
    const get = async () => {
      const began = performance.now();
      const response = await fetch(url, { headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`reader got ${response.status}`);
      return performance.now() - began;
    };
    /** Run `work` while another client reads one user over HTTP in a loop; that client's timings. */
    const whileReading = async (work: () => Promise<void>) => {
      const times: number[] = [];
      let running = true;
      const loop = (async () => {
        while (running) times.push(await get());
      })();
      try {
        await work();
      } finally {
        running = false;
        await loop;
      }
      return times.sort((a, b) => a - b);
    };
    for (let i = 0; i < 200; i++) await get(); // warm up
    const idle: number[] = [];
    for (let i = 0; i < 500; i++) idle.push(await get());

    // (1) One call, a year of minute heart rate; then the same again (a re-sync, nothing changed).
    const start = Date.parse('2025-01-01T00:00:00Z');
    const year: ReadingInput[] = Array.from({ length: INGEST }, (_, i) => ({
      type: 'heart_rate', ts: new Date(start + i * 60_000), value: 50 + (i % 60), sourceReadingId: `hr-${i}`,
    }));
    progress(`ingesting ${INGEST.toLocaleString('en')} readings in one call…`);
    let t0 = performance.now();
    const duringIngest = await whileReading(() => ingestReadings(owner, { clientId: app.clientId, connectionId: ingester.connectionId }, year).then(() => undefined));
    const ingestSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await ingestReadings(owner, { clientId: app.clientId, connectionId: ingester.connectionId }, year);
    const resyncSeconds = (performance.now() - t0) / 1000;

    // (2) A heavy user, loaded set-based (the bench is about the delete, not the load).
    progress(`loading ${PURGE.toLocaleString('en')} readings for the user to delete…`);
    for (let done = 0; done < PURGE; done += 100_000) {
      const n = Math.min(100_000, PURGE - done);
      await getDb().execute(sql`
        INSERT INTO readings (user_id, connection_id, type, ts, value, unit, source_reading_id)
        SELECT c.user_id, c.id, 'heart_rate', timestamptz '2020-01-01T00:00:00Z' + g * interval '1 minute', 60 + g % 40, 'bpm', 'hr-' || g
        FROM connections c, generate_series(${done}::int, ${done + n - 1}::int) AS g WHERE c.id = ${heavy.connectionId}`);
    }
    await refreshRollups(getDb(), [heavy.connectionId], new Date('2020-01-01T00:00:00Z'), new Date(Date.parse('2020-01-01T00:00:00Z') + PURGE * 60_000));
    await getDb().execute(sql`ANALYZE users, connections, readings, reading_rollups`);

    let deleteMs = 0;
    t0 = performance.now();
    const during = await whileReading(async () => {
      await deleteUser(owner, app.clientId, heavy.humanId);
      deleteMs = performance.now() - t0;
      for (;;) {
        const left = await getDb().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM connections WHERE id = ${heavy.connectionId}`);
        if (left.rows[0]!.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    const purgeSeconds = (performance.now() - t0) / 1000;

    idle.sort((a, b) => a - b);
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    console.log(`## Readings on ${kind}\n`);
    console.log(`| figure | value |\n|---|---|`);
    console.log(`| ingest ${INGEST.toLocaleString('en')} readings, one call | ${ingestSeconds.toFixed(1)} s (${Math.round(INGEST / ingestSeconds).toLocaleString('en')}/s) |`);
    console.log(`| reader during the ingest (${duringIngest.length} requests): p50 / p99 / max | ${ms(percentile(duringIngest, 50))} / ${ms(percentile(duringIngest, 99))} / ${ms(duringIngest.at(-1)!)} |`);
    console.log(`| re-ingest the same readings (unchanged) | ${resyncSeconds.toFixed(1)} s |`);
    console.log(`| DELETE of a user with ${PURGE.toLocaleString('en')} readings (answer) | ${ms(deleteMs)} |`);
    console.log(`| purge until the user row is gone | ${purgeSeconds.toFixed(1)} s |`);
    console.log(`| reader GET one user, idle: p50 / p99 / max | ${ms(percentile(idle, 50))} / ${ms(percentile(idle, 99))} / ${ms(idle.at(-1)!)} |`);
    console.log(`| reader during the purge (${during.length} requests): p50 / p99 / max | ${ms(percentile(during, 50))} / ${ms(percentile(during, 99))} / ${ms(during.at(-1)!)} |`);
  } finally {
    await purger.stop();
    await api.close();
  }
});
