// `npm run bench:connect`: Connect's two hot paths, measured with autocannon on loopback against the
// bare one-row ceiling that bench:api uses (node:http + node-postgres, same engine, same run):
// session-token mints (POST /v1/connect/token) for existing users rotating over many externalIds and
// for new users, and the first page of /v1/human/heart_rate/readings rotating over several users'
// Data API tokens. Then the Connect widget's first-load JS and CSS (gzip) against its budget. A
// script that prints figures (progress on stderr, markdown on stdout), not a test; `--help`.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createAccount } from '../accounts/accounts';
import { measureWidgetBundle, WIDGET_JS_BUDGET_GZIP } from '../api/connect/widget-assets';
import { createApp } from '../apps/apps';
import { operator } from '../auth/caller';
import { mintAccessForUser, mintSessionForUser } from '../connect/tokens';
import { closeDb, getDb } from '../db/client';
import { seedUsers } from '../demo/seed';
import { log as appLog } from '../log';
import { connectSource } from '../sources/connections';
import { drainSyncQueue } from '../sources/sync';
import {
  beginRun, combined, comparison, cpu, DEFAULT_POSTGRES, expect, type Figures, getJson, type Load, load, log, measure,
  ms, openDatabase, profileChildren, rate, runBench, type Server, shuffled, startServer, type Timing, UsageError,
  useDatabase, wholeNumber,
} from './harness';

const PAGE_SIZE = 50;
/** How many existing users' externalIds the mints rotate through (at most). */
const SAMPLE_SIZE = 10_000;
/** The readers' source: a wrist tracker with heart rate every five minutes over 90 days of history. */
const READER_SOURCE = 'demo-tracker';
/** Each connection cycles through this many requests of the rotation, in its own order. */
const ROTATION = 1_000;

const HELP = `Usage: npm run bench:connect -- [options]

  --postgres         PostgreSQL instead of the embedded engine (also when DATABASE_URL is set):
                     a fresh database wearhouse_bench_<timestamp> on DATABASE_URL's server
                     (default ${DEFAULT_POSTGRES}), dropped afterwards
  --users N          existing users in the app, whose externalIds the session-token mints rotate
                     through (up to ${SAMPLE_SIZE.toLocaleString('en')} of them) (default 100000; 5000 with --quick)
  --readers N        users with a synced ${READER_SOURCE} (90 days of history) whose Data API tokens the
                     readings scenario rotates through (default 8; 4 with --quick)
  --duration S       seconds measured per scenario and round (default 5; 2 with --quick)
  --warmup S         seconds of warm-up per scenario before its first round (default 2; 1 with --quick)
  --connections N    concurrent connections (default 16)
  --rounds N         measure every scenario N times, interleaved, and report medians
                     (default 3; 1 with --quick)
  --cpu-prof DIR     write V8 CPU profiles (.cpuprofile) of the servers under test and of the
                     embedded owner into DIR, for Chrome DevTools or speedscope
  --keep             keep the temporary data folder (or PostgreSQL database) and print where
  --quick            a short run to check that everything works
  --help

The API server runs with rate limits off (WEARHOUSE_RATE_LIMIT=0), so neither the per-client_id
limit on /v1/connect/token nor the per-user limit on the Data API caps the figures.
Progress goes to stderr; the results (markdown) to stdout.`;

// ---- Options -------------------------------------------------------------------------------

type ConnectBenchOptions = Timing & { postgres: boolean; users: number; readers: number; rounds: number; keep: boolean; cpuProf?: string };

function parseOptions(argv: string[]): ConnectBenchOptions | null {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        postgres: { type: 'boolean' },
        users: { type: 'string' },
        readers: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        rounds: { type: 'string' },
        'cpu-prof': { type: 'string' },
        keep: { type: 'boolean' },
        quick: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return null;
  const quick = values.quick ?? false;
  return {
    postgres: values.postgres ?? false,
    users: wholeNumber('users', values.users, quick ? 5_000 : 100_000, 100),
    readers: wholeNumber('readers', values.readers, quick ? 4 : 8, 1),
    duration: wholeNumber('duration', values.duration, quick ? 2 : 5, 1),
    warmup: wholeNumber('warmup', values.warmup, quick ? 1 : 2, 0),
    connections: wholeNumber('connections', values.connections, 16, 1),
    rounds: wholeNumber('rounds', values.rounds, quick ? 1 : 3, 1),
    keep: values.keep ?? false,
    cpuProf: values['cpu-prof'] === undefined ? undefined : path.resolve(values['cpu-prof']),
  };
}

// ---- Data ------------------------------------------------------------------------------------

type Reader = { humanId: string; accessToken: string; heartRateReadings: number };
type ConnectData = {
  clientId: string;
  clientSecret: string;
  /** Existing users, [externalId, humanId]; the mints rotate through them. */
  existing: [string, string][];
  readers: Reader[];
  seedSeconds: number;
  syncSeconds: number;
};

async function seed(options: ConnectBenchOptions): Promise<ConnectData> {
  await createAccount(operator, { email: 'bench@localhost', password: randomBytes(18).toString('base64url'), name: 'Bench', role: 'admin' });
  const { app, clientSecret } = await createApp(operator, { name: `Bench Connect ${options.users.toLocaleString('en')} users` });
  const started = performance.now();
  await seedUsers(operator, app.clientId, { users: options.users, days: 0, seed: 1 });
  const seedSeconds = (performance.now() - started) / 1000;
  log(`seeded ${options.users.toLocaleString('en')} users in ${seedSeconds.toFixed(1)} s`);
  const sample = await getDb().execute<{ external_id: string; human_id: string }>(sql`
    SELECT u.external_id, u.human_id FROM users u JOIN apps a ON a.id = u.app_id
    WHERE a.client_id = ${app.clientId} ORDER BY random() LIMIT ${SAMPLE_SIZE}`);

  // The readers go the way an app's users do: a session token creates the user, they link a
  // source in Connect, its history syncs, and the app mints them a Data API token.
  const syncStarted = performance.now();
  const readers: Reader[] = [];
  for (let i = 0; i < options.readers; i++) {
    const externalId = `bench-reader-${i}`;
    const { humanId } = await mintSessionForUser(operator, app.clientId, { externalId });
    await connectSource(operator, app.clientId, humanId, READER_SOURCE);
    await drainSyncQueue();
    const { accessToken } = await mintAccessForUser(operator, app.clientId, { externalId });
    const [counted] = (await getDb().execute<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM readings r JOIN users u ON u.id = r.user_id
      WHERE u.human_id = ${humanId} AND r.type = 'heart_rate'`)).rows;
    const heartRateReadings = Number(counted?.n ?? 0);
    if (heartRateReadings < PAGE_SIZE) throw new Error(`Reader ${humanId} has ${heartRateReadings} heart-rate readings after the sync; a page needs ${PAGE_SIZE}.`);
    readers.push({ humanId, accessToken, heartRateReadings });
    log(`reader ${i + 1} of ${options.readers}: ${heartRateReadings.toLocaleString('en')} heart-rate readings`);
  }
  const syncSeconds = (performance.now() - syncStarted) / 1000;
  return {
    clientId: app.clientId,
    clientSecret,
    existing: sample.rows.map((r) => [r.external_id, r.human_id]),
    readers,
    seedSeconds,
    syncSeconds,
  };
}

// ---- Scenarios -------------------------------------------------------------------------------

type ScenarioKey = 'rowCeiling' | 'mintExisting' | 'mintNew' | 'readings';
type Scenario = { key: ScenarioKey; name: string; server: 'rowCeiling' | 'api'; load: Load; check(baseUrl: string): Promise<void> };

/** POST a JSON body and return the parsed answer, which must be a 200. */
async function postJson(url: string, headers: Record<string, string>, body: string): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

type SessionToken = { session_token: string; human_id: string; expires_in: number };
const CONNECT_TOKEN = /^whc_[A-Za-z0-9_-]{32,}$/;

function scenarios(data: ConnectData): Scenario[] {
  const humanIds = data.existing.map(([, humanId]) => humanId);
  const userPath = (humanId: string) => `/v1/apps/${data.clientId}/users/${humanId}`;
  const mintHeaders = {
    authorization: `Basic ${Buffer.from(`${data.clientId}:${data.clientSecret}`).toString('base64')}`,
    'content-type': 'application/json',
  };
  const mintBody = (externalId: string) => JSON.stringify({ type: 'session', client_user_id: externalId });
  const TOKEN_PATH = '/v1/connect/token';
  const readingsPath = `/v1/human/heart_rate/readings?limit=${PAGE_SIZE}`;
  const bearer = (reader: Reader) => ({ authorization: `Bearer ${reader.accessToken}` });
  return [
    {
      key: 'rowCeiling',
      name: 'bare node:http + node-postgres, one-row lookup (ceiling)',
      server: 'rowCeiling',
      load: { headers: {}, requestsPerConnection: () => shuffled(humanIds, ROTATION).map((humanId) => ({ method: 'GET', path: userPath(humanId) })) },
      check: async (baseUrl) => {
        const user = (await getJson(`${baseUrl}${userPath(humanIds[0]!)}`, {})) as { humanId: string };
        expect(user.humanId === humanIds[0], 'the ceiling finds the user');
      },
    },
    {
      key: 'mintExisting',
      name: 'POST /v1/connect/token type=session, existing user',
      server: 'api',
      load: {
        headers: mintHeaders,
        requestsPerConnection: () => shuffled(data.existing, ROTATION).map(([externalId]) => ({ method: 'POST', path: TOKEN_PATH, body: mintBody(externalId) })),
      },
      check: async (baseUrl) => {
        const [externalId, humanId] = data.existing[0]!;
        const minted = (await postJson(`${baseUrl}${TOKEN_PATH}`, mintHeaders, mintBody(externalId))) as SessionToken;
        expect(CONNECT_TOKEN.test(minted.session_token), 'a session token is minted');
        expect(minted.human_id === humanId, 'the token is for the existing user with that externalId');
      },
    },
    {
      key: 'mintNew',
      name: 'POST /v1/connect/token type=session, new user',
      server: 'api',
      load: {
        headers: mintHeaders,
        // autocannon puts a fresh id in every request: each one creates a user.
        idReplacement: true,
        requestsPerConnection: () => [{ method: 'POST', path: TOKEN_PATH, body: mintBody('bench-new-[<id>]') }],
      },
      check: async (baseUrl) => {
        const minted = (await postJson(`${baseUrl}${TOKEN_PATH}`, mintHeaders, mintBody(`bench-new-check-${randomBytes(8).toString('hex')}`))) as SessionToken;
        expect(CONNECT_TOKEN.test(minted.session_token), 'a session token is minted');
        expect(!humanIds.includes(minted.human_id), 'a new externalId gets a new user');
      },
    },
    {
      key: 'readings',
      name: `GET /v1/human/heart_rate/readings, first page (limit=${PAGE_SIZE})`,
      server: 'api',
      load: {
        headers: {},
        requestsPerConnection: () => shuffled(
          Array.from({ length: ROTATION }, (_, i) => ({ method: 'GET', path: readingsPath, headers: bearer(data.readers[i % data.readers.length]!) })),
          ROTATION,
        ),
      },
      check: async (baseUrl) => {
        for (const reader of data.readers) {
          const page = (await getJson(`${baseUrl}${readingsPath}`, bearer(reader))) as { humanId: string; unit: string; timestamp: string }[];
          expect(Array.isArray(page) && page.length === PAGE_SIZE, `a reader's first page holds ${PAGE_SIZE} readings`);
          expect(page.every((r) => r.humanId === reader.humanId && r.unit === 'bpm'), "the page holds that reader's heart rate only");
          expect(page.every((r, i) => i === 0 || r.timestamp <= page[i - 1]!.timestamp), 'the page is newest first');
        }
      },
    },
  ];
}

// ---- Run and report ------------------------------------------------------------------------------

type Result = { key: ScenarioKey; name: string; figures: Figures[] };

async function runRounds(plan: Scenario[], env: NodeJS.ProcessEnv, options: ConnectBenchOptions, ownerPid: number | undefined): Promise<Result[]> {
  const results = plan.map((s) => ({ key: s.key, name: s.name, figures: [] as Figures[] }));
  const servers: Partial<Record<Scenario['server'], Server>> = {};
  try {
    servers.rowCeiling = await startServer('row-ceiling-server.ts', 'bare ceiling', env);
    servers.api = await startServer('api-server.ts', 'api server', env);
    for (let round = 1; round <= options.rounds; round++) {
      if (options.rounds > 1) log(`round ${round} of ${options.rounds}`);
      for (const [i, scenario] of plan.entries()) {
        results[i]!.figures.push(await measure(servers[scenario.server]!, scenario, options, round === 1, ownerPid));
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
  return results;
}

type WidgetSizes = Awaited<ReturnType<typeof measureWidgetBundle>>;

function report(describe: string, engine: string, options: ConnectBenchOptions, data: ConnectData, results: Result[], widget: WidgetSizes, startLoad: string) {
  const byKey = (key: ScenarioKey) => results.find((r) => r.key === key)!.figures;
  const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const perReader = data.readers.map((r) => r.heartRateReadings);
  const lines = [
    `## Connect benchmark — ${describe}`,
    '',
    `${os.cpus().length} cores, Node ${process.version}; ${options.users.toLocaleString('en')} users in the app (seeded in ${data.seedSeconds.toFixed(1)} s), ` +
      `mints rotating over ${data.existing.length.toLocaleString('en')} of their externalIds; ${data.readers.length} readers with a synced ${READER_SOURCE} ` +
      `(${Math.min(...perReader).toLocaleString('en')}–${Math.max(...perReader).toLocaleString('en')} heart-rate readings each; created, linked and synced in ${data.syncSeconds.toFixed(1)} s). Tables ANALYZEd after seeding.`,
    `${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s per scenario, autocannon on loopback; ` +
      (options.rounds > 1 ? `${options.rounds} interleaved rounds, figures are medians, ratios the median of each round's ratio (range in brackets).` : 'one round.'),
    'Rate limits OFF in the API server (WEARHOUSE_RATE_LIMIT=0): neither the per-client_id limit on /v1/connect/token nor the per-user limit on the Data API applies, so the figures are throughput, not the limits.',
    'New-user mints each create a user (and audit it) in the same app; existing-user mints add a session token row each.',
    `Load average (1/5/15 min) at start: ${startLoad}; at end: ${load()}. The machine may be shared: compare ratios, not absolute figures.`,
    '',
    '| Scenario | req/s | p50 ms | p99 ms | server CPU ms/req | owner CPU ms/req | responses | non-2xx/errors | load 1m |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(({ name, figures }) => {
      const f = combined(figures);
      return `| ${name} | ${rate(f.requestsPerSecond)} | ${ms(f.p50)} | ${ms(f.p99)} | ${cpu(f.serverCpu)} | ${cpu(f.ownerCpu)} | ${f.responses.toLocaleString('en')} | ${f.failed} | ${f.load1m.toFixed(2)} |`;
    }),
    '',
    '| Engine | Comparison | req/s | p50 | p99 | server CPU/req | goal | met |',
    '|---|---|---:|---:|---:|---:|---|---|',
    comparison(engine, 'session-token mint, existing user ÷ bare one-row ceiling', byKey('mintExisting'), byKey('rowCeiling')),
    comparison(engine, 'session-token mint, new user ÷ bare one-row ceiling', byKey('mintNew'), byKey('rowCeiling')),
    comparison(engine, `heart_rate readings page (limit ${PAGE_SIZE}) ÷ bare one-row ceiling`, byKey('readings'), byKey('rowCeiling')),
    '',
    'Each comparison divides the scenario\'s figures by the ceiling\'s: req/s as a share (100% = as fast), latencies and CPU per request as factors.',
    '',
    '| Widget first load | bytes | gzip | budget (gzip) | within |',
    '|---|---:|---:|---:|---|',
    `| JavaScript | ${widget.js.bytes.toLocaleString('en')} | ${widget.js.gzipBytes.toLocaleString('en')} (${kB(widget.js.gzipBytes)}) | ${kB(WIDGET_JS_BUDGET_GZIP)} | ${widget.js.gzipBytes <= WIDGET_JS_BUDGET_GZIP ? 'yes' : 'no'} |`,
    `| CSS | ${widget.css.bytes.toLocaleString('en')} | ${widget.css.gzipBytes.toLocaleString('en')} (${kB(widget.css.gzipBytes)}) | — | — |`,
    '',
    'The widget\'s assets as the server bundles them (esbuild, minified) and serves them on first load; gzip at the default level.',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  if (!options) return void console.log(HELP);
  const startLoad = await beginRun();
  if (options.cpuProf) profileChildren(options.cpuProf);
  // The app's log writes to stdout, which carries the results: keep the seed's sync lines out of it
  // (the servers under test log as in production, into a pipe nobody reads).
  appLog.level = 'warn';

  const db = await openDatabase(options);
  const secretKey = randomBytes(32).toString('hex');
  await useDatabase(db.url, secretKey);
  const data = await seed(options);
  await getDb().execute(sql`ANALYZE`);
  // The servers get their own pools; this one stays idle from here on.
  await closeDb();

  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', DATABASE_URL: db.url, WEARHOUSE_SECRET_KEY: secretKey, WEARHOUSE_RATE_LIMIT: '0' };
  const results = await runRounds(scenarios(data), env, options, db.ownerPid);
  log('bundling the Connect widget');
  const widget = await measureWidgetBundle();
  report(db.describe, db.kind === 'pglite' ? 'PGlite' : 'PostgreSQL', options, data, results, widget, startLoad);
}

runBench(main);
