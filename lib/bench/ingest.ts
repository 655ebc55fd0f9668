// `npm run bench:ingest`: how fast readings come in and go away. Sections, each a function of the
// run's context (the database, the API server in its own process, an app):
//   upload  POST /v1/human/{type}/readings with 10,000-reading batches over HTTP, several users at
//           once: new readings, then the same batches again (a retry: all unchanged);
//   delete  a user holding 1,000,000 readings deleted through the API and purged, while another
//           client keeps reading through the API: the purge's duration and the longest stall;
//   backfill  one provider-year (Oura: heart rate every 5 minutes and the daily collections) read
//           through the Oura stand-in by the production connector and stored: time and rate.
//   apple-health  a generated Apple Health export.zip imported through the import service: records
//           per second and the importing process's peak memory.
// A script that prints figures (progress on stderr, markdown on stdout), not a test. `--help`.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createAccount } from '../accounts/accounts';
import { createApp } from '../apps/apps';
import { operator } from '../auth/caller';
import { getDb } from '../db/client';
import { ingestReadings } from '../readings/ingest';
import { refreshRollups } from '../readings/rollups';
import { measureAppleHealthImport } from '../sources/apple-health/import-bench';
import { connectSource } from '../sources/connections';
import { PROVIDERS } from '../sources/oauth/providers';
import { ouraConnector } from '../sources/oura/connector';
import { startOuraStandIn } from '../testing/stand-ins/oura';
import { startPurger } from '../users/purge';
import { createUser, revealTokens } from '../users/users';
import {
  beginRun, type BenchDatabase, load, log, ms, onCleanup, openDatabase, rate, runBench, type Server, startServer, UsageError, useDatabase, wholeNumber,
} from './harness';

const HELP = `Usage: npm run bench:ingest -- [options]

  --postgres         PostgreSQL instead of the embedded engine: a fresh database on DATABASE_URL's
                     server (default postgres://postgres@127.0.0.1:5432/test), dropped afterwards
  --only KEYS        only these sections, comma-separated: upload, delete, backfill, apple-health
  --batches N        upload: 10,000-reading batches sent (default 40; 8 with --quick)
  --concurrency N    upload: batches in flight at once, each for its own user (default 4)
  --readings N       delete: readings held by the deleted user (default 1000000; 100000 with --quick)
  --days N           backfill: days of provider history (default 365; 30 with --quick)
  --records N        apple-health: records in the generated export (default 1000000; 50000 with --quick)
  --keep             keep the database (or data folder) and print where
  --quick            a short run to check that everything works
  --help

Progress goes to stderr; the results (markdown) to stdout.`;

const BATCH = 10_000;

type Options = { postgres: boolean; only?: Set<string>; batches: number; concurrency: number; readings: number; days: number; records: number; keep: boolean };

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      postgres: { type: 'boolean', default: false }, only: { type: 'string' }, batches: { type: 'string' },
      concurrency: { type: 'string' }, readings: { type: 'string' }, days: { type: 'string' }, records: { type: 'string' }, keep: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : undefined;
  for (const key of only ?? []) if (!SECTIONS.some((s) => s.key === key)) throw new UsageError(`--only: no section "${key}".`);
  return {
    postgres: values.postgres,
    only,
    batches: wholeNumber('batches', values.batches, values.quick ? 8 : 40, 1),
    concurrency: wholeNumber('concurrency', values.concurrency, 4, 1),
    records: wholeNumber('records', values.records, values.quick ? 50_000 : 1_000_000, 1),
    readings: wholeNumber('readings', values.readings, values.quick ? 100_000 : 1_000_000, 1_000),
    days: wholeNumber('days', values.days, values.quick ? 30 : 365, 1),
    keep: values.keep,
  };
}

/** What every section gets: the options, the database, the API server and an app. */
type Context = { options: Options; db: BenchDatabase; server: Server; clientId: string; appKey: string };
/** A section's findings: rows of (figure, value) and notes, printed under its title. */
type Findings = { rows: [string, string][]; notes?: string[] };
type Section = { key: string; title: string; run(context: Context): Promise<Findings> };

/** The sections, in order. */
const SECTIONS: Section[] = [
  { key: 'upload', title: 'Upload (POST /v1/human/heart_rate/readings, 10,000 readings per request)', run: benchUpload },
  { key: 'delete', title: 'Deleting a user with many readings while others read', run: benchDelete },
  { key: 'backfill', title: 'Provider backfill (Oura through its stand-in)', run: benchBackfill },
  { key: 'apple-health', title: 'Apple Health import (a generated export.zip, streamed)', run: benchAppleHealth },
];

// ---- apple-health ------------------------------------------------------------------------------

async function benchAppleHealth({ options, db }: Context): Promise<Findings> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-bench-apple-'));
  onCleanup(`folder ${folder}`, () => fs.rmSync(folder, { recursive: true, force: true }));
  const figures = await measureAppleHealthImport({ records: options.records, engine: db.describe, folder });
  log(`apple-health: ${rate(figures.recordsPerSecond)} records/s, peak RSS ${figures.peakRssMiB} MiB`);
  return {
    rows: [
      ['export', `${figures.records.toLocaleString('en')} records, ${(figures.zipBytes / 1024 ** 2).toFixed(1)} MB zip, ${(figures.xmlBytes / 1024 ** 2).toFixed(0)} MB export.xml`],
      ['import time', `${figures.seconds.toFixed(1)} s`],
      ['import rate', `**${rate(figures.recordsPerSecond)} records/s** (${rate(figures.readingsPerSecond)} readings/s)`],
      ['peak memory of the importing process (RSS / heap used)', `${figures.peakRssMiB} / ${figures.peakHeapUsedMiB} MiB (heap limit ${figures.heapLimitMiB} MiB)`],
    ],
    notes: ['The zip and its XML are read as streams: memory stays flat whatever the export\'s size. To show it under a low heap cap: ' +
      '`node --max-old-space-size=96 --import tsx lib/sources/apple-health/import-bench.ts --records 1000000`.'],
  };
}

// ---- upload ------------------------------------------------------------------------------------

async function newUserToken(clientId: string): Promise<{ humanId: string; token: string }> {
  const { user } = await createUser(operator, clientId, { externalId: `bench-${randomBytes(6).toString('hex')}` });
  const { accessToken } = await revealTokens(operator, clientId, user.humanId);
  return { humanId: user.humanId, token: accessToken };
}

async function benchUpload({ options, server, clientId }: Context): Promise<Findings> {
  const users = await Promise.all(Array.from({ length: options.concurrency }, () => newUserToken(clientId)));
  // Bodies built before the clock starts: a minute of heart rate per reading, each batch a week.
  const start = Date.parse('2025-01-01T00:00:00Z');
  const bodies = Array.from({ length: options.batches }, (_, b) => JSON.stringify({
    readings: Array.from({ length: BATCH }, (_, i) => {
      const minute = b * BATCH + i;
      return { sourceReadingId: `hr-${minute}`, timestamp: new Date(start + minute * 60_000).toISOString(), value: 50 + (minute % 70), unit: 'count/min' };
    }),
  }));
  log(`upload: ${options.batches} batches of ${BATCH.toLocaleString('en')} (${(bodies[0]!.length / 1024 / 1024).toFixed(1)} MB each), ${options.concurrency} at once`);

  const send = async (pass: string) => {
    const latencies: number[] = [];
    const counts = { inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
    const began = performance.now();
    // User w sends batches w, w + concurrency, …, one after another as from one phone; a retried
    // pass gives every user the same batches again.
    await Promise.all(users.map(async (user, w) => {
      for (let b = w; b < bodies.length; b += users.length) {
        const body = bodies[b]!;
        const sent = performance.now();
        const response = await fetch(`${server.baseUrl}/v1/human/heart_rate/readings`, {
          method: 'POST', headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' }, body,
        });
        const answer = (await response.json()) as typeof counts;
        if (response.status !== 200) throw new Error(`upload answered ${response.status}: ${JSON.stringify(answer)}`);
        latencies.push(performance.now() - sent);
        for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += answer[key];
      }
    }));
    const seconds = (performance.now() - began) / 1000;
    latencies.sort((a, b) => a - b);
    const total = options.batches * BATCH;
    log(`upload ${pass}: ${rate(total / seconds)} readings/s (${JSON.stringify(counts)})`);
    return { perSecond: total / seconds, seconds, median: latencies[Math.floor(latencies.length / 2)]!, worst: latencies.at(-1)!, counts };
  };
  const fresh = await send('new');
  const retry = await send('retried');
  return {
    rows: [
      ['readings uploaded (new)', `${(options.batches * BATCH).toLocaleString('en')} in ${fresh.seconds.toFixed(1)} s`],
      ['throughput, new readings', `**${rate(fresh.perSecond)} readings/s**`],
      ['request time, new (median / worst)', `${ms(fresh.median)} / ${ms(fresh.worst)} ms`],
      ['inserted / updated / unchanged / rejected', `${fresh.counts.inserted} / ${fresh.counts.updated} / ${fresh.counts.unchanged} / ${fresh.counts.rejected}`],
      ['throughput, the same batches retried', `**${rate(retry.perSecond)} readings/s**`],
      ['request time, retried (median / worst)', `${ms(retry.median)} / ${ms(retry.worst)} ms`],
      ['retried: inserted / updated / unchanged', `${retry.counts.inserted} / ${retry.counts.updated} / ${retry.counts.unchanged}`],
    ],
    notes: ['Goal: ≥ 50,000 readings/s on PostgreSQL.'],
  };
}

// ---- delete ------------------------------------------------------------------------------------

async function benchDelete({ options, server, clientId, appKey }: Context): Promise<Findings> {
  const heavy = await newUserToken(clientId);
  const reader = await newUserToken(clientId);
  const connectionId = await connectSource(operator, clientId, heavy.humanId, 'manual');
  // Loaded set-based, 100,000 per statement (as lib/users/purge.test.ts): this section is about the delete.
  const loadStarted = performance.now();
  for (let done = 0; done < options.readings; done += 100_000) {
    const last = Math.min(done + 100_000, options.readings) - 1;
    await getDb().execute(sql`
      INSERT INTO readings (user_id, connection_id, type, ts, value, unit, source_reading_id)
      SELECT c.user_id, c.id, 'heart_rate', timestamptz '2020-01-01T00:00:00Z' + g * interval '1 minute', 60 + g % 40, 'bpm', 'hr-' || g
      FROM connections c, generate_series(${done}::int, ${last}::int) AS g WHERE c.id = ${connectionId}`);
    log(`delete: loaded ${(last + 1).toLocaleString('en')} readings`);
  }
  await refreshRollups(getDb(), [connectionId], new Date('2020-01-01T00:00:00Z'), new Date(Date.parse('2020-01-01T00:00:00Z') + options.readings * 60_000));
  await getDb().execute(sql`ANALYZE readings, reading_rollups`);
  const loadSeconds = (performance.now() - loadStarted) / 1000;

  const users = `${server.baseUrl}/v1/apps/${clientId}/users`;
  const headers = { authorization: `Basic ${Buffer.from(`${appKey}:`).toString('base64')}` };
  const timed = async (url: string, init: RequestInit = {}) => {
    const began = performance.now();
    const response = await fetch(url, { headers, ...init });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - began };
  };
  // Another client of the API all along: GET one user, one request after another.
  let reading = true;
  const times: number[] = [];
  const readerLoop = (async () => {
    while (reading) {
      const answer = await timed(`${users}/${reader.humanId}`);
      if (answer.status !== 200) throw new Error(`reader got ${answer.status}`);
      times.push(answer.ms);
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the reader's baseline
  const baseline = times.length;

  const purger = startPurger({ idleMs: 60_000 });
  const began = performance.now();
  const deleted = await timed(`${users}/${heavy.humanId}`, { method: 'DELETE' });
  if (deleted.status !== 204) throw new Error(`DELETE answered ${deleted.status}`);
  const gone = async () => (await getDb().execute(sql`SELECT 1 FROM connections WHERE id = ${connectionId}`)).rows.length === 0;
  while (!(await gone())) await new Promise((resolve) => setTimeout(resolve, 50));
  const purgeSeconds = (performance.now() - began) / 1000;
  reading = false;
  await readerLoop;
  await purger.stop();

  const before = times.slice(0, baseline).sort((a, b) => a - b);
  const during = times.slice(baseline).sort((a, b) => a - b);
  const pick = (list: number[], q: number) => list[Math.min(list.length - 1, Math.floor(list.length * q))] ?? NaN;
  return {
    rows: [
      ['readings held by the user', options.readings.toLocaleString('en')],
      ['loading them (set-based) + rollups + ANALYZE', `${loadSeconds.toFixed(1)} s`],
      ['DELETE /v1/apps/{clientId}/users/{humanId}', `${ms(deleted.ms)} ms (the user is gone at once; rows are purged after)`],
      ['purge, DELETE to last row removed', `**${purgeSeconds.toFixed(1)} s** (${rate(options.readings / purgeSeconds)} readings/s)`],
      ['reader before (p50 / max)', `${ms(pick(before, 0.5))} / ${ms(before.at(-1) ?? NaN)} ms (${before.length} requests)`],
      ['reader during the purge (p50 / p99 / max)', `${ms(pick(during, 0.5))} / ${ms(pick(during, 0.99))} / **${ms(during.at(-1) ?? NaN)} ms** (${during.length} requests)`],
    ],
    notes: ['Goal: the delete never stalls other requests more than 100 ms (the longest reader request above).'],
  };
}

// ---- backfill ----------------------------------------------------------------------------------

async function benchBackfill({ options, clientId }: Context): Promise<Findings> {
  const redirect = 'http://127.0.0.1/connect/callback/oura';
  const oura = await startOuraStandIn({ redirectUris: [redirect] });
  try {
    oura.addUser({ historyDays: options.days, tzOffsetMinutes: 60 });
    const { humanId } = await newUserToken(clientId);
    const connectionId = await connectSource(operator, clientId, humanId, 'oura');
    // The bench's own token plumbing (one authorization, then Bearer): what is measured is the
    // production connector's paging and mapping and the ingest, not the consent popup.
    const authorize = new URL(oura.authorizationEndpoint);
    authorize.search = new URLSearchParams({ response_type: 'code', client_id: oura.client.clientId, redirect_uri: redirect, scope: PROVIDERS.oura.scopes.join(' ') }).toString();
    const code = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const { access_token: token } = (await (await fetch(oura.tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: oura.client.clientId, client_secret: oura.client.clientSecret }),
    })).json()) as { access_token: string };

    let written = 0;
    const began = performance.now();
    await ouraConnector({ apiBaseUrl: oura.url, historyDays: options.days }).sync({
      connectionId, humanId, clientId, sourceId: 'oura', connectedSince: new Date(), historySyncedAt: null, lastSyncAt: null,
      newestReadingAt: null, now: oura.now(), signal: new AbortController().signal,
      write: async (page) => {
        written += page.length;
        await ingestReadings(operator, { clientId, connectionId }, page);
      },
      providerFetch: (url, init = {}) => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } }),
    });
    const seconds = (performance.now() - began) / 1000;
    log(`backfill: ${written.toLocaleString('en')} readings in ${seconds.toFixed(1)} s`);
    return {
      rows: [
        ['days of history', String(options.days)],
        ['requests to the provider', String(oura.counters.dataRequests)],
        ['readings stored', written.toLocaleString('en')],
        ['backfill time', `**${seconds.toFixed(1)} s** (${rate(written / seconds)} readings/s)`],
      ],
      notes: ['The stand-in answers on this machine: the time is Wearhouse\'s (paging, mapping, ingest), not a network\'s.'],
    };
  } finally {
    await oura.close();
  }
}

// ---- run -----------------------------------------------------------------------------------------

async function main(argv: string[]) {
  const options = parseOptions(argv);
  if (!options) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const startLoad = await beginRun();
  const db = await openDatabase({ postgres: options.postgres, keep: options.keep });
  const secretKey = randomBytes(32).toString('hex');
  await useDatabase(db.url, secretKey);
  await createAccount(operator, { email: 'bench@localhost', password: randomBytes(18).toString('base64url'), name: 'Bench', role: 'admin' });
  const created = await createApp(operator, { name: `Bench ingest ${new Date().toISOString()}` });
  const server = await startServer('api-server.ts', 'api', {
    ...process.env, NODE_ENV: 'production', DATABASE_URL: db.url, WEARHOUSE_SECRET_KEY: secretKey, WEARHOUSE_RATE_LIMIT: '0',
  });
  const context: Context = { options, db, server, clientId: created.app.clientId, appKey: created.appKey };

  const out: string[] = [`# bench:ingest on ${db.describe}`, '', `Load average at start: ${startLoad}`, ''];
  try {
    for (const section of SECTIONS) {
      if (options.only && !options.only.has(section.key)) continue;
      log(`${section.key}: starting (load ${load()})`);
      const findings = await section.run(context);
      out.push(`## ${section.title}`, '', '| figure | value |', '| --- | --- |', ...findings.rows.map(([k, v]) => `| ${k} | ${v} |`), '');
      for (const note of findings.notes ?? []) out.push(note, '');
      out.push(`Load average after: ${load()}`, '');
    }
  } finally {
    await server.stop();
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

runBench(main);
