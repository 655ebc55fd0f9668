// `npm run bench:api`: seeds an app with 1,000,000 users (and a second app with 1,000), then measures
// the Application API with autocannon on loopback — one user, list pages at the top and at 90 %
// depth by offset and by before_id — against a bare node:http ceiling making the same service call
// on the same database. A script that prints figures (progress on stderr, markdown on stdout), not a
// test. Each server runs in its own process, one at a time; `--help` lists the options.
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
  --duration S       seconds measured per scenario (default 10; 3 with --quick)
  --warmup S         seconds of warm-up per scenario, not measured (default 3; 1 with --quick)
  --connections N    concurrent connections (default 16)
  --data-dir DIR     embedded only: seed into DIR and keep it; a later run with the same DIR
                     and --users reuses the seeded data and skips the seed
  --keep             keep the temporary data folder (or PostgreSQL database) and print where
  --no-analyze       skip ANALYZE after seeding (the embedded engine has no autovacuum, so an
                     installation's tables are never analyzed; PostgreSQL's autovacuum would,
                     at a moment of its choosing, in the middle of a run)
  --quick            a short run to check that everything works
  --help

Progress goes to stderr; the results table (markdown) to stdout.`;

// ---- Options -------------------------------------------------------------------------------

type BenchOptions = {
  postgres: boolean;
  users: number;
  duration: number;
  warmup: number;
  connections: number;
  dataDir?: string;
  keep: boolean;
  analyze: boolean;
  quick: boolean;
};

class UsageError extends Error {}

const OPTIONS = {
  postgres: { type: 'boolean' },
  users: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  connections: { type: 'string' },
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
    duration: whole('duration', values.duration, quick ? 3 : 10, 1),
    warmup: whole('warmup', values.warmup, quick ? 1 : 3, 0),
    connections: whole('connections', values.connections, 16, 1),
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
type BenchDatabase = { kind: 'pglite' | 'postgres'; url: string; describe: string; seeded?: BenchData; save?: (data: BenchData) => void };

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
    // pglite-socket 0.2.17 answers a connection that arrives while it stops with end() but never
    // destroys it, so its server.close() — and the owner's SIGTERM handling — can wait forever.
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

type Server = { baseUrl: string; stop(): Promise<void> };

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
      resolve(Number(match[1]));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: () => stopChild(child),
  };
}

// ---- Load ------------------------------------------------------------------------------------

type Load = {
  headers: Record<string, string>;
  /** Every connection cycles through its own list, so requests rotate across users. */
  requestsPerConnection: () => autocannon.Request[];
};

type Figures = { requestsPerSecond: number; responses: number; p50: number; p99: number; failed: number; load1m: number };

function runAutocannon(baseUrl: string, work: Load, seconds: number, connections: number): Promise<Figures> {
  const latencies: number[] = [];
  const load1m = os.loadavg()[0]!;
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
        resolve({ requestsPerSecond: latencies.length / elapsed, responses: latencies.length, p50: at(0.5), p99: at(0.99), failed: result.non2xx + result.errors, load1m });
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

type ScenarioKey = 'ceiling' | 'one' | 'page1' | 'ngrokPage1' | 'beforeId' | 'offset';

type Scenario = {
  key: ScenarioKey;
  name: string;
  server: 'api' | 'ceiling';
  load: Load;
  /** One request before the load, checking the answer is the expected one. */
  check(baseUrl: string): Promise<void>;
};

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

function scenarios(data: BenchData, sample: string[], depth: number, depthHumanId: string, expectedAtDepth: string): Scenario[] {
  const basic = { authorization: `Basic ${Buffer.from(`${data.appKey}:`).toString('base64')}` };
  const bearer = { authorization: `Bearer ${data.appKey}`, 'ngrok-version': '2' };
  const users = `/v1/apps/${data.clientId}/users`;
  const oneUser: Load = {
    headers: basic,
    requestsPerConnection: () => shuffled(sample, 1_000).map((humanId) => ({ method: 'GET', path: `${users}/${humanId}` })),
  };
  const fixed = (headers: Record<string, string>, pathAndQuery: string): Load => ({
    headers,
    requestsPerConnection: () => [{ method: 'GET', path: pathAndQuery }],
  });
  const checkOne = async (baseUrl: string) => {
    const humanId = sample[0]!;
    const user = (await getJson(`${baseUrl}${users}/${humanId}`, basic)) as { humanId: string; appId: string };
    expect(user.humanId === humanId && user.appId === data.clientId, 'GET one user returns that user');
  };
  const depthLabel = depth.toLocaleString('en');
  return [
    { key: 'ceiling', name: 'bare node:http + getUser (ceiling)', server: 'ceiling', load: oneUser, check: checkOne },
    { key: 'one', name: 'GET one user (Human, Basic auth)', server: 'api', load: oneUser, check: checkOne },
    {
      key: 'page1',
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

// ---- Report ----------------------------------------------------------------------------------

const rate = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const times = (n: number) => `${n.toFixed(2)}x`;

function report(db: BenchDatabase, options: BenchOptions, data: BenchData, seeded: boolean, results: { scenario: Scenario; figures: Figures }[], startLoad: string) {
  const of = (key: ScenarioKey) => results.find((r) => r.scenario.key === key)!.figures;
  const [ceiling, one, first, ngrokFirst, before, offset] = (['ceiling', 'one', 'page1', 'ngrokPage1', 'beforeId', 'offset'] as const).map(of) as [Figures, Figures, Figures, Figures, Figures, Figures];
  const lines = [
    `## Application API benchmark — ${db.describe}`,
    '',
    `${os.cpus().length} cores, Node ${process.version}; ${data.users.toLocaleString('en')} users in the measured app (+${SMALL_APP_USERS.toLocaleString('en')} in a second app); ` +
      `${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s per scenario, autocannon on loopback.`,
    seeded
      ? `Seed: ${data.seedSeconds.toFixed(1)} s (${data.users.toLocaleString('en')} users in ${data.bigSeedSeconds.toFixed(1)} s, ${rate(data.users / data.bigSeedSeconds)} users/s).`
      : `Seed: reused the seeded data folder (its seed took ${data.seedSeconds.toFixed(1)} s).`,
    options.analyze ? 'Tables ANALYZEd after seeding.' : 'Tables not ANALYZEd by this run (--no-analyze).',
    `Load average (1/5/15 min) at start: ${startLoad}; at end: ${load()}.`,
    '',
    '| Scenario | req/s | p50 ms | p99 ms | responses | non-2xx/errors | load 1m |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(({ scenario, figures: f }) => `| ${scenario.name} | ${rate(f.requestsPerSecond)} | ${ms(f.p50)} | ${ms(f.p99)} | ${f.responses.toLocaleString('en')} | ${f.failed} | ${f.load1m.toFixed(2)} |`),
    '',
    '| Comparison | req/s | p50 | p99 | goal | met |',
    '|---|---:|---:|---:|---|---|',
    `| GET one user ÷ bare ceiling | ${(100 * one.requestsPerSecond / ceiling.requestsPerSecond).toFixed(0)}% | ${times(one.p50 / ceiling.p50)} | ${times(one.p99 / ceiling.p99)} | ≥ 50% of the ceiling's req/s | ${one.requestsPerSecond >= 0.5 * ceiling.requestsPerSecond ? 'yes' : 'no'} |`,
    comparison('before_id at 90% depth ÷ ngrok page 1 (same dialect)', before, ngrokFirst, 'within 1.5x'),
    comparison('before_id at 90% depth ÷ Human page 1', before, first, 'within 1.5x (includes the dialects\' difference)'),
    comparison('offset at 90% depth ÷ Human page 1', offset, first, '(none: shows what keyset paging avoids)'),
    '',
    'Each comparison divides the first scenario\'s figures by the second\'s: req/s as a share (100% = as fast), latencies as factors (1.00x = as fast).',
    '"Within 1.5x" means at least 67% of the req/s and at most 1.5x the p50.',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function comparison(label: string, deep: Figures, first: Figures, goal: string) {
  const share = deep.requestsPerSecond / first.requestsPerSecond;
  const p50 = deep.p50 / first.p50;
  const met = goal.startsWith('within') ? (share >= 1 / 1.5 && p50 <= 1.5 ? 'yes' : 'no') : '—';
  return `| ${label} | ${(100 * share).toFixed(share < 0.01 ? 2 : 0)}% | ${times(p50)} | ${times(deep.p99 / first.p99)} | ${goal} | ${met} |`;
}

// ---- Main ------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  if (!options) return void console.log(HELP);
  await startJanitor();
  const startLoad = load();
  log(`load average ${startLoad}`);

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
  // The servers get their own pools; this one stays idle from here on.
  await closeDb();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    WEARHOUSE_SECRET_KEY: secretKey,
    WEARHOUSE_RATE_LIMIT: '0',
    BENCH_APP_KEY: data.appKey,
  };
  const results: { scenario: Scenario; figures: Figures }[] = [];
  const plan = scenarios(data, sample, depth, depthHumanId, expectedAtDepth!.humanId);
  for (const kind of ['ceiling', 'api'] as const) {
    const server = await startServer(kind === 'api' ? 'api-server.ts' : 'ceiling-server.ts', kind === 'api' ? 'api server' : 'ceiling server', env);
    try {
      for (const scenario of plan.filter((s) => s.server === kind)) {
        await scenario.check(server.baseUrl);
        if (options.warmup > 0) {
          log(`${scenario.name}: warming up ${options.warmup} s`);
          await runAutocannon(server.baseUrl, scenario.load, options.warmup, options.connections);
          await settle(server.baseUrl, scenario.load);
        }
        log(`${scenario.name}: measuring ${options.duration} s (load ${load()})`);
        const figures = await runAutocannon(server.baseUrl, scenario.load, options.duration, options.connections);
        // Also after the last: stopping a server whose queries are still queued in the engine can
        // leave the embedded owner unable to stop (see openDatabase).
        await settle(server.baseUrl, scenario.load);
        log(`${scenario.name}: ${rate(figures.requestsPerSecond)} req/s, p50 ${ms(figures.p50)} ms, p99 ${ms(figures.p99)} ms${figures.failed ? `, ${figures.failed} failed` : ''}`);
        results.push({ scenario, figures });
      }
    } finally {
      await server.stop();
    }
  }
  report(db, options, data, !db.seeded, results, startLoad);
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
