// `npm run bench:api`: seeds an app with 1,000,000 users (and a second app with 1,000), then measures
// the Application API with autocannon on loopback — one user (rate limit off and on), list pages at
// the top and at 90 % depth by offset and by before_id — against two ceilings on the same database:
// a bare node:http + node-postgres one-row lookup, and node:http making the API's own service call.
// Then it creates users through the API into a new app and measures GET one user on those, with no
// ANALYZE since (what an installation's data looks like). A script that prints figures (progress on
// stderr, markdown on stdout), not a test. Each server runs in its own process, one at a time;
// `--help` lists the options.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createAccount } from '../accounts/accounts';
import { createApp } from '../apps/apps';
import { operator } from '../auth/caller';
import { closeDb, getDb } from '../db/client';
import { seedUsers } from '../demo/seed';
import { listUsers } from '../users/users';
import {
  beginRun, type BenchDatabase as OpenedDatabase, combined, comparison, cpu, DEFAULT_POSTGRES, expect, type Figures,
  getJson, Interrupted, isCleaning, type Load, load, log, measure, median, ms, openDatabase as openBenchDatabase,
  profileChildren, rate, runBench, type Server, shuffled, startServer, times, UsageError, useDatabase, wholeNumber,
} from './harness';

const SMALL_APP_USERS = 1_000;
const PAGE_SIZE = 50;
/** How many distinct users the GET-one scenarios rotate through. */
const SAMPLE_SIZE = 10_000;
/** Bench folders carry this file; a folder without it is someone's database and is left alone. */
const BENCH_FILE = 'bench.json';

const HELP = `Usage: npm run bench:api -- [options]

  --postgres         PostgreSQL instead of the embedded engine (also when DATABASE_URL is set):
                     a fresh database wearhouse_bench_<timestamp> on DATABASE_URL's server
                     (default ${DEFAULT_POSTGRES}), dropped afterwards
  --users N          users in the big app (default 1000000; 100000 with --quick)
  --api-users N      users then created through the API (POST) into a new app, whose GET one
                     user is measured again without ANALYZE (default 5000; 2000 with --quick;
                     0 skips this part)
  --duration S       seconds measured per scenario (default 5; 3 with --quick)
  --warmup S         seconds of warm-up per scenario before its first round (default 2; 1 with --quick)
  --connections N    concurrent connections (default 16)
  --rounds N         measure the GET one user scenarios N times, interleaved, and report medians
                     (default 3; 1 with --quick): on a shared machine the load drifts, and
                     scenarios measured next to each other share it
  --data-dir DIR     embedded only: seed into DIR and keep it; a later run with the same DIR
                     and --users reuses the seeded data and skips the seed
  --keep             keep the temporary data folder (or PostgreSQL database) and print where
  --no-analyze       skip ANALYZE after seeding (the embedded engine has no autovacuum, so an
                     installation's tables are never analyzed; PostgreSQL's autovacuum would,
                     at a moment of its choosing, in the middle of a run)
  --only KEYS        only these scenarios, comma-separated: rowCeiling, serviceCeiling, one,
                     oneLimited, page1, ngrokPage1, beforeId, offset
  --cpu-prof DIR     write V8 CPU profiles (.cpuprofile) of the servers under test and of the
                     embedded owner into DIR, for Chrome DevTools or speedscope
  --quick            a short run to check that everything works
  --help

Progress goes to stderr; the results table (markdown) to stdout.`;

// ---- Options -------------------------------------------------------------------------------

type BenchOptions = {
  postgres: boolean;
  users: number;
  apiUsers: number;
  only?: Set<ScenarioKey>;
  cpuProf?: string;
  duration: number;
  warmup: number;
  connections: number;
  rounds: number;
  dataDir?: string;
  keep: boolean;
  analyze: boolean;
  quick: boolean;
};


const OPTIONS = {
  postgres: { type: 'boolean' },
  users: { type: 'string' },
  'api-users': { type: 'string' },
  only: { type: 'string' },
  'cpu-prof': { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  connections: { type: 'string' },
  rounds: { type: 'string' },
  'data-dir': { type: 'string' },
  keep: { type: 'boolean' },
  'no-analyze': { type: 'boolean' },
  quick: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, strict: true, options: OPTIONS }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parseOptions(argv: string[]): BenchOptions | null {
  const values = parseFlags(argv);
  if (values.help) return null;
  const quick = values.quick ?? false;
  const whole = wholeNumber;
  const options: BenchOptions = {
    postgres: values.postgres ?? false,
    users: whole('users', values.users, quick ? 100_000 : 1_000_000, 1_000),
    apiUsers: whole('api-users', values['api-users'], quick ? 2_000 : 5_000, 0),
    only: values.only === undefined ? undefined : new Set(values.only.split(',').map((key) => {
      const trimmed = key.trim() as ScenarioKey;
      if (!ALL_SCENARIOS.includes(trimmed)) throw new UsageError(`--only takes scenario keys among ${ALL_SCENARIOS.join(', ')}; ${key} is none.`);
      return trimmed;
    })),
    cpuProf: values['cpu-prof'] === undefined ? undefined : path.resolve(values['cpu-prof']),
    duration: whole('duration', values.duration, quick ? 3 : 5, 1),
    warmup: whole('warmup', values.warmup, quick ? 1 : 2, 0),
    connections: whole('connections', values.connections, 16, 1),
    rounds: whole('rounds', values.rounds, quick ? 1 : 3, 1),
    dataDir: values['data-dir'],
    keep: values.keep ?? false,
    analyze: !values['no-analyze'],
    quick,
  };
  if ((options.postgres || process.env.DATABASE_URL) && options.dataDir) {
    throw new UsageError('--data-dir is for the embedded engine; leave it out with --postgres or DATABASE_URL.');
  }
  return options;
}


// ---- The database --------------------------------------------------------------------------

type BenchData = { users: number; clientId: string; appKey: string; secretKey: string; seedSeconds: number; bigSeedSeconds: number };
type BenchDatabase = OpenedDatabase & { seeded?: BenchData; save?: (data: BenchData) => void };

/** The shared openDatabase, plus reusing a seeded `--data-dir` (its bench file says what it holds). */
async function openDatabase(options: BenchOptions): Promise<BenchDatabase> {
  if (options.postgres || process.env.DATABASE_URL) return openBenchDatabase(options);
  let seeded: BenchData | undefined;
  if (options.dataDir) {
    const dataDir = path.resolve(options.dataDir);
    const benchFile = path.join(dataDir, BENCH_FILE);
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
      if (!fs.existsSync(benchFile)) throw new Error(`${dataDir} is not empty and was not made by this benchmark; pick an empty or new folder.`);
      seeded = JSON.parse(fs.readFileSync(benchFile, 'utf8')) as BenchData;
      if (seeded.users !== options.users) {
        throw new Error(`${dataDir} was seeded with ${seeded.users} users, not ${options.users}; pass --users ${seeded.users} or another folder.`);
      }
    }
  }
  const db = await openBenchDatabase(options);
  return {
    ...db,
    describe: `embedded PGlite (owner process, ${seeded ? 'reused' : 'fresh'} data folder)`,
    seeded,
    // The App Key and encryption key of a throwaway bench installation, so that a rerun can reuse it.
    save: (data) => fs.writeFileSync(path.join(db.dataDir!, BENCH_FILE), JSON.stringify(data, null, 2) + '\n', { mode: 0o600 }),
  };
}

async function seed(users: number, secretKey: string): Promise<BenchData> {
  await createAccount(operator, { email: 'bench@localhost', password: randomBytes(18).toString('base64url'), name: 'Bench', role: 'admin' });
  const started = performance.now();
  const big = await createApp(operator, { name: `Bench ${users.toLocaleString('en')} users` });
  let lastShown = 0;
  await seedUsers(operator, big.app.clientId, {
    users,
    days: 0,
    seed: 1,
    onProgress: (done, total) => {
      if (done - lastShown < 100_000 && done < total) return;
      lastShown = done;
      const seconds = (performance.now() - started) / 1000;
      log(`seeded ${done.toLocaleString('en')} / ${total.toLocaleString('en')} users (${Math.round(done / seconds).toLocaleString('en')}/s)`);
    },
  });
  const bigSeedSeconds = (performance.now() - started) / 1000;
  // Another seed: humanIds come from the seeded generator and are unique across apps.
  const small = await createApp(operator, { name: `Bench ${SMALL_APP_USERS.toLocaleString('en')} users` });
  await seedUsers(operator, small.app.clientId, { users: SMALL_APP_USERS, days: 0, seed: 2 });
  const seedSeconds = (performance.now() - started) / 1000;
  return { users, clientId: big.app.clientId, appKey: big.appKey, secretKey, seedSeconds, bigSeedSeconds };
}

/** Random humanIds of the app's users, and the humanId at `position` (1-based) newest first. */
async function pickUsers(clientId: string, users: number, position: number) {
  const rows = await getDb().execute<{ human_id: string }>(sql`
    SELECT u.human_id FROM users u JOIN apps a ON a.id = u.app_id
    WHERE a.client_id = ${clientId} ORDER BY random() LIMIT ${SAMPLE_SIZE}`);
  const [last] = (await listUsers(operator, clientId, { limit: 1, offset: users - 1 })).users;
  const [atDepth] = (await listUsers(operator, clientId, { limit: 1, offset: position - 1 })).users;
  const beyond = await listUsers(operator, clientId, { limit: 1, offset: users });
  if (!last || beyond.users.length > 0 || !atDepth) throw new Error(`The app does not hold exactly ${users} users.`);
  return { sample: rows.rows.map((r) => r.human_id), depthHumanId: atDepth.humanId };
}


// ---- Scenarios -------------------------------------------------------------------------------

const ALL_SCENARIOS = ['rowCeiling', 'serviceCeiling', 'one', 'oneLimited', 'page1', 'ngrokPage1', 'beforeId', 'offset'] as const;
type ScenarioKey = (typeof ALL_SCENARIOS)[number];

/** rowCeiling: bare node:http + node-postgres; serviceCeiling: node:http + getUser; api: the API. */
type ServerKind = 'rowCeiling' | 'serviceCeiling' | 'api' | 'apiLimited';

/** seeded: the seeded (and, unless --no-analyze, analyzed) app; api: users created through the API. */
type PhaseKey = 'seeded' | 'api';

type Scenario = {
  key: ScenarioKey;
  phase: PhaseKey;
  name: string;
  server: ServerKind;
  load: Load;
  /** One request before the load, checking the answer is the expected one. */
  check(baseUrl: string): Promise<void>;
};

const SERVER_SCRIPTS: Record<ServerKind, { script: string; label: string; rateLimited?: boolean }> = {
  rowCeiling: { script: 'row-ceiling-server.ts', label: 'bare ceiling' },
  serviceCeiling: { script: 'ceiling-server.ts', label: 'service ceiling' },
  api: { script: 'api-server.ts', label: 'api server' },
  apiLimited: { script: 'api-server.ts', label: 'api server (rate limited)', rateLimited: true },
};

/**
 * The rate limit "on" for the bench: the default in-process limiter, with a rate so high that it
 * never refuses one key's load — what is measured is what it costs, not what it caps.
 */
const BENCH_RATE_LIMIT = '1000000';


const basicAuth = (appKey: string) => ({ authorization: `Basic ${Buffer.from(`${appKey}:`).toString('base64')}` });

/** GET one user, rotating through `sample`, as the three servers that answer it are measured. */
function oneUserScenarios(phase: PhaseKey, app: { clientId: string; appKey: string }, sample: string[]): Scenario[] {
  const basic = basicAuth(app.appKey);
  const users = `/v1/apps/${app.clientId}/users`;
  const load: Load = {
    headers: basic,
    requestsPerConnection: () => shuffled(sample, 1_000).map((humanId) => ({ method: 'GET', path: `${users}/${humanId}` })),
  };
  const check = async (baseUrl: string) => {
    const humanId = sample[0]!;
    const user = (await getJson(`${baseUrl}${users}/${humanId}`, basic)) as { humanId: string; appId: string };
    expect(user.humanId === humanId && user.appId === app.clientId, 'GET one user returns that user');
  };
  return [
    { key: 'rowCeiling', phase, name: 'bare node:http + node-postgres, one-row lookup (ceiling)', server: 'rowCeiling', load, check },
    { key: 'serviceCeiling', phase, name: 'bare node:http + getUser service (ceiling)', server: 'serviceCeiling', load, check },
    { key: 'one', phase, name: 'GET one user (Human, Basic auth)', server: 'api', load, check },
    { key: 'oneLimited', phase, name: 'GET one user, rate limit on', server: 'apiLimited', load, check },
  ];
}

function listScenarios(data: BenchData, depth: number, depthHumanId: string, expectedAtDepth: string): Scenario[] {
  const basic = basicAuth(data.appKey);
  const bearer = { authorization: `Bearer ${data.appKey}`, 'ngrok-version': '2' };
  const users = `/v1/apps/${data.clientId}/users`;
  const fixed = (headers: Record<string, string>, pathAndQuery: string): Load => ({
    headers,
    requestsPerConnection: () => [{ method: 'GET', path: pathAndQuery }],
  });
  const depthLabel = depth.toLocaleString('en');
  const phase = 'seeded';
  return [
    {
      key: 'page1',
      phase,
      name: `GET list page 1 (Human, limit=${PAGE_SIZE})`,
      server: 'api',
      load: fixed(basic, `${users}?limit=${PAGE_SIZE}`),
      check: async (baseUrl) => {
        const page = (await getJson(`${baseUrl}${users}?limit=${PAGE_SIZE}`, basic)) as unknown[];
        expect(page.length === PAGE_SIZE, `page 1 holds ${PAGE_SIZE} users`);
      },
    },
    {
      // The same dialect as before_id: the ngrok body costs more to build than Human's, so only
      // this baseline isolates what the depth costs.
      key: 'ngrokPage1',
      phase,
      name: `GET list page 1 (ngrok, limit=${PAGE_SIZE})`,
      server: 'api',
      load: fixed(bearer, `/app/users?limit=${PAGE_SIZE}`),
      check: async (baseUrl) => {
        const page = (await getJson(`${baseUrl}/app/users?limit=${PAGE_SIZE}`, bearer)) as { application_users: unknown[] };
        expect(page.application_users.length === PAGE_SIZE, `the ngrok page 1 holds ${PAGE_SIZE} users`);
      },
    },
    {
      key: 'beforeId',
      phase,
      name: `GET list before_id at ${depthLabel} (ngrok)`,
      server: 'api',
      load: fixed(bearer, `/app/users?limit=${PAGE_SIZE}&before_id=${depthHumanId}`),
      check: async (baseUrl) => {
        const page = (await getJson(`${baseUrl}/app/users?limit=${PAGE_SIZE}&before_id=${depthHumanId}`, bearer)) as { application_users: { id: string }[] };
        expect(page.application_users.length === PAGE_SIZE, `the before_id page holds ${PAGE_SIZE} users`);
        expect(page.application_users[0]!.id === expectedAtDepth, 'the before_id page starts where the offset page does');
      },
    },
    {
      key: 'offset',
      phase,
      name: `GET list offset=${depthLabel} (Human)`,
      server: 'api',
      load: fixed(basic, `${users}?limit=${PAGE_SIZE}&offset=${depth}`),
      check: async (baseUrl) => {
        const page = (await getJson(`${baseUrl}${users}?limit=${PAGE_SIZE}&offset=${depth}`, basic)) as { humanId: string }[];
        expect(page.length === PAGE_SIZE, `the offset page holds ${PAGE_SIZE} users`);
        expect(page[0]!.humanId === expectedAtDepth, 'the offset page starts at the expected user');
      },
    },
  ];
}

/**
 * Create `count` users through the API (POST, JSON), `connections` at a time, as an app's backend
 * would; returns their humanIds and the rate.
 */
async function createUsersThroughApi(baseUrl: string, app: { clientId: string; appKey: string }, count: number, connections: number) {
  const headers = { ...basicAuth(app.appKey), 'content-type': 'application/json' };
  const humanIds: string[] = [];
  let next = 0;
  let lastShown = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      if (isCleaning()) throw new Interrupted();
      const i = next++;
      const response = await fetch(`${baseUrl}/v1/apps/${app.clientId}/users`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ externalId: `bench-api-${i}` }),
      });
      const body = await response.text();
      if (response.status !== 201) throw new Error(`POST user ${i} answered ${response.status}: ${body.slice(0, 300)}`);
      humanIds.push((JSON.parse(body) as { humanId: string }).humanId);
      if (humanIds.length - lastShown >= 5_000) {
        lastShown = humanIds.length;
        log(`created ${humanIds.length.toLocaleString('en')} / ${count.toLocaleString('en')} users through the API`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(connections, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { humanIds, seconds, perSecond: count / seconds };
}

// ---- Report ----------------------------------------------------------------------------------


type Result = { scenario: Scenario; round: number; figures: Figures };
type ApiCreated = { users: number; seconds: number; perSecond: number };

const PHASE_TITLES: Record<PhaseKey, string> = {
  seeded: 'seeded app',
  api: 'users created through the API',
};


function report(db: BenchDatabase, options: BenchOptions, data: BenchData, seeded: boolean, results: Result[], created: ApiCreated | undefined, startLoad: string) {
  const rounds = (phase: PhaseKey, key: ScenarioKey) => results.filter((r) => r.scenario.phase === phase && r.scenario.key === key).map((r) => r.figures);
  const scenarios = [...new Map(results.map((r) => [`${r.scenario.phase}/${r.scenario.key}`, r.scenario])).values()];
  const lines = [
    `## Application API benchmark — ${db.describe}`,
    '',
    `${os.cpus().length} cores, Node ${process.version}; ${data.users.toLocaleString('en')} users in the measured app (+${SMALL_APP_USERS.toLocaleString('en')} in a second app); ` +
      `${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s per scenario, autocannon on loopback.`,
    seeded
      ? `Seed: ${data.seedSeconds.toFixed(1)} s (${data.users.toLocaleString('en')} users in ${data.bigSeedSeconds.toFixed(1)} s, ${rate(data.users / data.bigSeedSeconds)} users/s).`
      : `Seed: reused the seeded data folder (its seed took ${data.seedSeconds.toFixed(1)} s).`,
    options.analyze ? 'Tables ANALYZEd after seeding.' : 'Tables not ANALYZEd by this run (--no-analyze).',
    created
      ? `Then ${created.users.toLocaleString('en')} users created through the API (POST, ${options.connections} at a time) into a new app in ${created.seconds.toFixed(1)} s (${rate(created.perSecond)} users/s); no ANALYZE since.`
      : 'No users created through the API (--api-users 0).',
    `Rate limit "on": the in-process limiter at ${Number(BENCH_RATE_LIMIT).toLocaleString('en')} req/s per key, so that it never refuses and only its cost shows.`,
    options.rounds > 1
      ? `GET one user scenarios: ${options.rounds} interleaved rounds; figures are medians over the rounds, comparisons the median of each round's ratio (range in brackets).`
      : 'One round per scenario.',
    `Load average (1/5/15 min) at start: ${startLoad}; at end: ${load()}. The machine may be shared: compare ratios, not absolute figures.`,
    '',
    '| Data | Scenario | req/s | p50 ms | p99 ms | server CPU ms/req | owner CPU ms/req | autocannon CPU ms/req | machine CPU ms/req | responses | non-2xx/errors | load 1m |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...scenarios.map((scenario) => {
      const f = combined(rounds(scenario.phase, scenario.key));
      return `| ${PHASE_TITLES[scenario.phase]} | ${scenario.name} | ${rate(f.requestsPerSecond)} | ${ms(f.p50)} | ${ms(f.p99)} | ${cpu(f.serverCpu)} | ${cpu(f.ownerCpu)} | ${cpu(f.clientCpu)} | ${cpu(f.machineCpu)} | ${f.responses.toLocaleString('en')} | ${f.failed} | ${f.load1m.toFixed(2)} |`;
    }),
    '',
    '| Data | Comparison | req/s | p50 | p99 | server CPU/req | goal | met |',
    '|---|---|---:|---:|---:|---:|---|---|',
  ];
  const compare = (phase: PhaseKey, label: string, measured: ScenarioKey, base: ScenarioKey, kind?: 'at least' | 'within', bound?: number) => {
    const [mine, theirs] = [rounds(phase, measured), rounds(phase, base)];
    if (mine.length === 0 || theirs.length === 0) return;
    lines.push(comparison(PHASE_TITLES[phase], label, mine, theirs, kind, bound));
  };
  for (const phase of ['seeded', 'api'] as const) {
    compare(phase, 'GET one user ÷ bare one-row ceiling', 'one', 'rowCeiling', 'at least', 0.8);
    compare(phase, 'GET one user ÷ getUser service ceiling', 'one', 'serviceCeiling');
    compare(phase, 'rate limit on ÷ off (GET one user)', 'oneLimited', 'one', 'at least', 0.95);
  }
  compare('seeded', 'before_id at 90% depth ÷ ngrok page 1 (same dialect)', 'beforeId', 'ngrokPage1', 'within', 1.5);
  compare('seeded', 'before_id at 90% depth ÷ Human page 1 (includes the dialects\' difference)', 'beforeId', 'page1', 'within', 1.5);
  compare('seeded', 'offset at 90% depth ÷ Human page 1 (shows what keyset paging avoids)', 'offset', 'page1');
  lines.push(
    '',
    'Each comparison divides the first scenario\'s figures by the second\'s: req/s as a share (100% = as fast), latencies and CPU per request as factors (1.00x = as fast).',
    '"≥ 80% of the req/s" compares req/s only; "within 1.5x" means at least 67% of the req/s and at most 1.5x the p50.',
    'CPU ms/req: CPU time (user + system) the process used during the measured seconds, per request sent; it moves far less with the',
    'neighbours\' load than req/s do. On PostgreSQL the engine\'s CPU is in its backends: "machine" (every core, all processes,',
    'neighbours included) minus server and autocannon is mostly theirs, and the kernel\'s loopback networking.',
  );
  process.stdout.write(lines.join('\n') + '\n');
}

// ---- Main ------------------------------------------------------------------------------------

async function withServer<T>(kind: ServerKind, env: NodeJS.ProcessEnv, use: (server: Server) => Promise<T>): Promise<T> {
  const server = await startServerOfKind(kind, env);
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

function startServerOfKind(kind: ServerKind, env: NodeJS.ProcessEnv): Promise<Server> {
  const { script, label, rateLimited } = SERVER_SCRIPTS[kind];
  return startServer(script, label, rateLimited ? { ...env, WEARHOUSE_RATE_LIMIT: BENCH_RATE_LIMIT } : env);
}

const SERVER_ORDER: ServerKind[] = ['rowCeiling', 'serviceCeiling', 'api', 'apiLimited'];
/** The scenarios compared with each other, measured in every round. */
const REPEATED = new Set<ScenarioKey>(['rowCeiling', 'serviceCeiling', 'one', 'oneLimited']);

/**
 * Run a phase's scenarios with every server it needs up at once (idle while another is measured),
 * `rounds` times over for the repeated ones, so that scenarios compared with each other are
 * measured minutes, not a whole run, apart.
 */
async function runScenarios(plan: Scenario[], env: NodeJS.ProcessEnv, options: BenchOptions, results: Result[], ownerPid?: number) {
  const servers = new Map<ServerKind, Server>();
  try {
    for (const kind of SERVER_ORDER) if (plan.some((s) => s.server === kind)) servers.set(kind, await startServerOfKind(kind, env));
    for (let round = 1; round <= options.rounds; round++) {
      if (options.rounds > 1) log(`round ${round} of ${options.rounds}`);
      for (const scenario of plan) {
        if (round > 1 && !REPEATED.has(scenario.key)) continue;
        results.push({ scenario, round, figures: await measure(servers.get(scenario.server)!, scenario, options, round === 1, ownerPid) });
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
  }
}

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  if (!options) return void console.log(HELP);
  const startLoad = await beginRun();
  if (options.cpuProf) profileChildren(options.cpuProf);

  const db = await openDatabase(options);
  const secretKey = db.seeded?.secretKey ?? randomBytes(32).toString('hex');
  await useDatabase(db.url, secretKey);
  let data = db.seeded;
  if (!data) {
    log(`seeding ${options.users.toLocaleString('en')} + ${SMALL_APP_USERS.toLocaleString('en')} users…`);
    data = await seed(options.users, secretKey);
    db.save?.(data);
    log(`seeded in ${data.seedSeconds.toFixed(1)} s`);
  }
  if (options.analyze) {
    const started = performance.now();
    await getDb().execute(sql`ANALYZE`);
    log(`ANALYZE took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const depth = Math.round(options.users * 0.9);
  const { sample, depthHumanId } = await pickUsers(data.clientId, data.users, depth);
  const [expectedAtDepth] = (await listUsers(operator, data.clientId, { limit: 1, offset: depth })).users;
  // A new app, empty, for the users created through the API (after the ANALYZE above).
  const apiApp = options.apiUsers > 0 ? await createApp(operator, { name: `Bench API-created users ${new Date().toISOString()}` }) : undefined;
  // The servers get their own pools; this one stays idle from here on.
  await closeDb();

  const selected = (s: Scenario) => !options.only || options.only.has(s.key);
  const env = (appKey: string): NodeJS.ProcessEnv => ({
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    WEARHOUSE_SECRET_KEY: secretKey,
    WEARHOUSE_RATE_LIMIT: '0',
    BENCH_APP_KEY: appKey,
  });
  const results: Result[] = [];
  const seededPlan = [...oneUserScenarios('seeded', data, sample), ...listScenarios(data, depth, depthHumanId, expectedAtDepth!.humanId)].filter(selected);
  await runScenarios(seededPlan, env(data.appKey), options, results, db.ownerPid);

  let created: ApiCreated | undefined;
  if (apiApp) {
    const app = { clientId: apiApp.app.clientId, appKey: apiApp.appKey };
    const made = await withServer('api', env(app.appKey), (server) => {
      log(`creating ${options.apiUsers.toLocaleString('en')} users through the API…`);
      return createUsersThroughApi(server.baseUrl, app, options.apiUsers, options.connections);
    });
    created = { users: made.humanIds.length, seconds: made.seconds, perSecond: made.perSecond };
    log(`created them in ${made.seconds.toFixed(1)} s (${rate(made.perSecond)} users/s)`);
    const apiPlan = oneUserScenarios('api', app, shuffled(made.humanIds, SAMPLE_SIZE)).filter(selected);
    await runScenarios(apiPlan, env(app.appKey), options, results, db.ownerPid);
  }
  report(db, options, data, !db.seeded, results, created, startLoad);
}

runBench(main);
