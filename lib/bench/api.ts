// `npm run bench:api`: seeds an app with 1,000,000 users (and a second app with 1,000), then measures
// the Application API with autocannon on loopback — one user (rate limit off and on), list pages at
// the top and at 90 % depth by offset and by before_id — against two ceilings on the same database:
// a bare node:http + node-postgres one-row lookup, and node:http making the API's own service call.
// Then it creates users through the API into a new app and measures GET one user on those, with no
// ANALYZE since (what an installation's data looks like). A script that prints figures (progress on
// stderr, markdown on stdout), not a test. Each server runs in its own process, one at a time;
// `--help` lists the options.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { createAccount } from '../accounts/accounts';
import { createApp } from '../apps/apps';
import { operator } from '../auth/caller';
import { reloadConfig } from '../config';
import { closeDb, getDb } from '../db/client';
import { spawnOwner } from '../db/embedded/launch';
import { migrate } from '../db/migrate';
import { seedUsers } from '../demo/seed';
import { syncCatalog } from '../sources/catalog';
import { listUsers } from '../users/users';
import { createScratchDatabase, dropScratchDatabase } from '../testing/scratch-database';
import type { Chore } from './janitor';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const benchDir = path.join(projectRoot, 'lib/bench');
const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
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

class UsageError extends Error {}

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
  const whole = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw.replace(/_/g, ''));
    if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`--${name} takes a whole number of at least ${min}.`);
    return value;
  };
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

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
const load = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

// ---- Clean-up: every resource registers how to release itself; released in reverse ----------

const releases: { name: string; release: () => Promise<void> | void }[] = [];
const children = new Set<ChildProcess>();
let cleaning: Promise<void> | undefined;

function onCleanup(name: string, release: () => Promise<void> | void) {
  releases.push({ name, release });
}

let running: autocannon.Instance | undefined;
class Interrupted extends Error {}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    running?.stop();
    // The servers first, so that nothing queries a database while it goes away.
    await Promise.all([...children].map((child) => stopChild(child)));
    for (const { name, release } of releases.reverse()) {
      try {
        await release();
      } catch (error) {
        log(`clean-up of ${name} failed: ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}

// The fallback for a bench that dies before it cleans up (see janitor.ts).
let janitor: ChildProcess | undefined;

async function startJanitor() {
  janitor = spawn(process.execPath, ['--import', 'tsx', path.join(benchDir, 'janitor.ts')], {
    cwd: projectRoot,
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  // Messages sent before it listens would be lost: wait for its hello.
  await new Promise((resolve, reject) => {
    janitor!.once('message', resolve);
    janitor!.once('exit', (code) => reject(new Error(`The bench janitor exited with code ${code}.`)));
  });
  janitor.unref();
  janitor.channel?.unref();
  onCleanup('the janitor', () => {
    janitor?.send({ kind: 'done' });
    janitor?.disconnect();
  });
}

const leaveToJanitor = (chore: Chore) => janitor?.send(chore);

// ---- The database --------------------------------------------------------------------------

type BenchData = { users: number; clientId: string; appKey: string; secretKey: string; seedSeconds: number; bigSeedSeconds: number };
type BenchDatabase = { kind: 'pglite' | 'postgres'; url: string; describe: string; seeded?: BenchData; save?: (data: BenchData) => void; ownerPid?: number };

async function openDatabase(options: BenchOptions): Promise<BenchDatabase> {
  if (options.postgres || process.env.DATABASE_URL) {
    const adminUrl = process.env.DATABASE_URL ?? DEFAULT_POSTGRES;
    const { name, url: scratchUrl } = await createScratchDatabase(adminUrl, 'wearhouse_bench');
    const url = new URL(scratchUrl);
    if (!options.keep) leaveToJanitor({ kind: 'database', adminUrl, name });
    onCleanup(`database ${name}`, async () => {
      if (options.keep) {
        log(`kept PostgreSQL database ${name}`);
        return;
      }
      await dropScratchDatabase(adminUrl, name);
      log(`dropped database ${name}`);
    });
    const server = `${url.hostname}:${url.port || 5432}`;
    log(`created PostgreSQL database ${name} on ${server}`);
    return { kind: 'postgres', url: url.toString(), describe: `PostgreSQL (${server}, fresh database)` };
  }

  const dataDir = options.dataDir ? path.resolve(options.dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-bench-'));
  const benchFile = path.join(dataDir, BENCH_FILE);
  let seeded: BenchData | undefined;
  if (options.dataDir && fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    if (!fs.existsSync(benchFile)) throw new Error(`${dataDir} is not empty and was not made by this benchmark; pick an empty or new folder.`);
    seeded = JSON.parse(fs.readFileSync(benchFile, 'utf8')) as BenchData;
    if (seeded.users !== options.users) {
      throw new Error(`${dataDir} was seeded with ${seeded.users} users, not ${options.users}; pass --users ${seeded.users} or another folder.`);
    }
  }
  fs.mkdirSync(dataDir, { recursive: true });
  if (!options.dataDir && !options.keep) leaveToJanitor({ kind: 'folder', path: dataDir });
  onCleanup(`data folder ${dataDir}`, () => {
    if (options.dataDir || options.keep) log(`kept the data folder ${dataDir}`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  });
  log(`starting the embedded database in ${dataDir}`);
  const owner = await spawnOwner(dataDir);
  onCleanup('the embedded database', async () => {
    // A benchmark is interrupted at any moment: never let a stop that hangs keep the folder locked.
    const stopped = await Promise.race([owner.stop?.().then(() => true), new Promise((resolve) => setTimeout(resolve, 30_000, false))]);
    if (stopped) return;
    log('the embedded database did not stop within 30 s; killing it');
    try {
      process.kill(owner.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  });
  return {
    kind: 'pglite',
    url: owner.url,
    ownerPid: owner.pid,
    describe: `embedded PGlite (owner process, ${seeded ? 'reused' : 'fresh'} data folder)`,
    seeded,
    // The App Key and encryption key of a throwaway bench installation, so that a rerun can reuse it.
    save: (data) => fs.writeFileSync(benchFile, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 }),
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

// ---- Servers under test ----------------------------------------------------------------------

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

type Server = { baseUrl: string; pid: number; stop(): Promise<void> };

async function startServer(script: string, label: string, env: NodeJS.ProcessEnv): Promise<Server> {
  if (cleaning) throw new Interrupted();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(benchDir, script)], {
    cwd: projectRoot,
    env,
    // The IPC channel ends the child if the bench dies without cleaning up.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.stderr!.on('data', (chunk: Buffer) => {
    if (cleaning) return; // what a server says while it is being stopped under load is noise
    for (const line of chunk.toString().split('\n')) if (line) process.stderr.write(`${label}: ${line}\n`);
  });

  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) => reject(new Error(`${label} exited with code ${code} before listening.`));
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = out.match(/^listening (\d+)$/m);
      if (!match) return;
      child.off('exit', onExit);
      // From here on its output (a log line per request) is discarded unread: collecting and
      // searching it would load this process, which also drives the load.
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve(Number(match[1]));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

// ---- Load ------------------------------------------------------------------------------------

type Load = {
  headers: Record<string, string>;
  /** Every connection cycles through its own list, so requests rotate across users. */
  requestsPerConnection: () => autocannon.Request[];
};

type Figures = {
  requestsPerSecond: number;
  responses: number;
  p50: number;
  p99: number;
  failed: number;
  load1m: number;
  /** CPU time per answered request, in ms, of the server under test and of the embedded owner. */
  serverCpu: number;
  ownerCpu: number;
};

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

/**
 * CPU time (user + system, ms) a process has used so far, from /proc; NaN where there is none.
 * On a shared machine req/s swing with the neighbours' load; CPU per request hardly does.
 */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

function runAutocannon(baseUrl: string, work: Load, seconds: number, connections: number, pids: { server?: number; owner?: number } = {}): Promise<Figures> {
  const latencies: number[] = [];
  const load1m = os.loadavg()[0]!;
  const cpuBefore = { server: cpuMs(pids.server), owner: cpuMs(pids.owner) };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections,
        duration: seconds,
        // Deep OFFSET pages queue behind each other on a single-threaded engine: allow for it.
        timeout: 60,
        headers: work.headers,
        setupClient: (client) => client.setRequests(work.requestsPerConnection()),
      },
      (error, result) => {
        running = undefined;
        if (cleaning) return reject(new Interrupted());
        if (error) return reject(error);
        latencies.sort((a, b) => a - b);
        const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1))] ?? NaN;
        const elapsed = (result.finish.getTime() - result.start.getTime()) / 1000;
        const perRequest = (pid: number | undefined, before: number) => (cpuMs(pid) - before) / Math.max(1, result.requests.total ?? latencies.length);
        resolve({
          requestsPerSecond: latencies.length / elapsed,
          responses: latencies.length,
          p50: at(0.5),
          p99: at(0.99),
          failed: result.non2xx + result.errors,
          load1m,
          serverCpu: perRequest(pids.server, cpuBefore.server),
          ownerCpu: perRequest(pids.owner, cpuBefore.owner),
        });
      },
    );
    running = instance;
    // autocannon's own percentiles are whole milliseconds; keep the exact times of 2xx answers.
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

/** Wait until the server has worked off what the last run left queued (one answered request). */
async function settle(baseUrl: string, work: Load) {
  const [first] = work.requestsPerConnection();
  await fetch(`${baseUrl}${first!.path}`, { headers: work.headers, signal: AbortSignal.timeout(180_000) }).then((r) => r.arrayBuffer());
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

function shuffled<T>(items: T[], count: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

async function getJson(url: string, headers: Record<string, string>): Promise<unknown> {
  const response = await fetch(url, { headers });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

function expect(condition: boolean, message: string) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

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
      if (cleaning) throw new Interrupted();
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

const rate = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const times = (n: number) => `${n.toFixed(2)}x`;
const cpu = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : '—');

type Result = { scenario: Scenario; round: number; figures: Figures };
type ApiCreated = { users: number; seconds: number; perSecond: number };

const PHASE_TITLES: Record<PhaseKey, string> = {
  seeded: 'seeded app',
  api: 'users created through the API',
};

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** One scenario's rounds: the median of each figure, the sums of the counts. */
function combined(rounds: Figures[]): Figures {
  return {
    requestsPerSecond: median(rounds.map((f) => f.requestsPerSecond)),
    p50: median(rounds.map((f) => f.p50)),
    p99: median(rounds.map((f) => f.p99)),
    responses: rounds.reduce((sum, f) => sum + f.responses, 0),
    failed: rounds.reduce((sum, f) => sum + f.failed, 0),
    load1m: median(rounds.map((f) => f.load1m)),
    serverCpu: median(rounds.map((f) => f.serverCpu)),
    ownerCpu: median(rounds.map((f) => f.ownerCpu)),
  };
}

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
    '| Data | Scenario | req/s | p50 ms | p99 ms | server CPU ms/req | owner CPU ms/req | responses | non-2xx/errors | load 1m |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...scenarios.map((scenario) => {
      const f = combined(rounds(scenario.phase, scenario.key));
      return `| ${PHASE_TITLES[scenario.phase]} | ${scenario.name} | ${rate(f.requestsPerSecond)} | ${ms(f.p50)} | ${ms(f.p99)} | ${cpu(f.serverCpu)} | ${cpu(f.ownerCpu)} | ${f.responses.toLocaleString('en')} | ${f.failed} | ${f.load1m.toFixed(2)} |`;
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
    'neighbours\' load than req/s do. On PostgreSQL the engine\'s CPU is in its backends and not counted.',
  );
  process.stdout.write(lines.join('\n') + '\n');
}

/** Round by round (the n-th round of one with the n-th of the other), then the median. */
function comparison(data: string, label: string, measured: Figures[], base: Figures[], kind?: 'at least' | 'within', bound?: number) {
  const pairs = measured.slice(0, base.length).map((m, i) => ({
    share: m.requestsPerSecond / base[i]!.requestsPerSecond,
    p50: m.p50 / base[i]!.p50,
    p99: m.p99 / base[i]!.p99,
    cpu: m.serverCpu / base[i]!.serverCpu,
  }));
  const share = median(pairs.map((p) => p.share));
  const p50 = median(pairs.map((p) => p.p50));
  const percent = (n: number) => `${(100 * n).toFixed(n < 0.01 ? 2 : 0)}%`;
  const range = pairs.length > 1 ? ` (${percent(Math.min(...pairs.map((p) => p.share)))}–${percent(Math.max(...pairs.map((p) => p.share)))})` : '';
  const goal = kind === 'at least' ? `≥ ${(100 * bound!).toFixed(0)}% of the req/s` : kind === 'within' ? `within ${bound}x` : '—';
  const met = kind === 'at least' ? share >= bound! : kind === 'within' ? share >= 1 / bound! && p50 <= bound! : undefined;
  const cpuRatio = median(pairs.map((p) => p.cpu));
  return `| ${data} | ${label} | ${percent(share)}${range} | ${times(p50)} | ${times(median(pairs.map((p) => p.p99)))} | ${Number.isFinite(cpuRatio) ? times(cpuRatio) : '—'} | ${goal} | ${met === undefined ? '—' : met ? 'yes' : 'no'} |`;
}

// ---- Main ------------------------------------------------------------------------------------

/** Check, warm up, measure and settle one scenario on a running server. */
async function measure(server: Server, scenario: Scenario, options: BenchOptions, warmUp: boolean, ownerPid?: number): Promise<Figures> {
  await scenario.check(server.baseUrl);
  if (warmUp && options.warmup > 0) {
    log(`${scenario.name}: warming up ${options.warmup} s`);
    await runAutocannon(server.baseUrl, scenario.load, options.warmup, options.connections);
    await settle(server.baseUrl, scenario.load);
  }
  log(`${scenario.name}: measuring ${options.duration} s (load ${load()})`);
  const figures = await runAutocannon(server.baseUrl, scenario.load, options.duration, options.connections, { server: server.pid, owner: ownerPid });
  // Also after the last: stopping a server whose queries are still queued in the engine can
  // leave the embedded owner unable to stop (see openDatabase).
  await settle(server.baseUrl, scenario.load);
  log(`${scenario.name}: ${rate(figures.requestsPerSecond)} req/s, p50 ${ms(figures.p50)} ms, p99 ${ms(figures.p99)} ms, CPU/request ${cpu(figures.serverCpu)} ms server, ${cpu(figures.ownerCpu)} ms owner${figures.failed ? `, ${figures.failed} failed` : ''}`);
  return figures;
}

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
  await startJanitor();
  const startLoad = load();
  log(`load average ${startLoad}`);
  if (options.cpuProf) {
    // Inherited by the embedded owner and the servers (not by this process, already running).
    fs.mkdirSync(options.cpuProf, { recursive: true });
    // NODE_OPTIONS refuses --cpu-prof; a preloaded module starts the same profiler instead.
    process.env.BENCH_CPU_PROF_DIR = options.cpuProf;
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${path.join(benchDir, 'cpu-profile.mjs')}`.trim();
    log(`writing CPU profiles into ${options.cpuProf}`);
  }

  const db = await openDatabase(options);
  const secretKey = db.seeded?.secretKey ?? randomBytes(32).toString('hex');
  Object.assign(process.env, { DATABASE_URL: db.url, WEARHOUSE_SECRET_KEY: secretKey });
  reloadConfig();
  onCleanup('the bench database pool', () => closeDb());

  await migrate(getDb());
  await syncCatalog(getDb());
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

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: cleaning up…`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}
// Last resort when the process ends without cleanup (the owner ends itself when its IPC closes).
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

main(process.argv.slice(2))
  .then(() => cleanup().then(() => process.exit(0)))
  .catch(async (error: unknown) => {
    if (error instanceof Interrupted || cleaning) return; // the signal handler finishes up
    if (error instanceof UsageError) log(`${error.message} (see --help)`);
    else log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    await cleanup();
    process.exit(error instanceof UsageError ? 2 : 1);
  });
