// What the benchmark scripts (bench:api, bench:connect) share: option parsing helpers, a clean-up
// registry with a detached janitor as the fallback, the database (an embedded owner in a temporary
// folder or a scratch PostgreSQL database), servers under test in child processes, autocannon runs
// with CPU per request, and the figures' formatting. Progress goes to stderr, results to stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { reloadConfig } from '../config';
import { closeDb, getDb } from '../db/client';
import { spawnOwner } from '../db/embedded/launch';
import { migrate } from '../db/migrate';
import { syncCatalog } from '../sources/catalog';
import { createScratchDatabase, dropScratchDatabase } from '../testing/scratch-database';
import type { Chore } from './janitor';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const benchDir = path.join(projectRoot, 'lib/bench');
export const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

// ---- Options -------------------------------------------------------------------------------

export class UsageError extends Error {}

/** A whole-number option (underscores allowed: 1_000_000), or `fallback` when not given. */
export function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`--${name} takes a whole number of at least ${min}.`);
  return value;
}

/** What every measured scenario is run with. */
export type Timing = { duration: number; warmup: number; connections: number };

export const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
export const load = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

// ---- Clean-up: every resource registers how to release itself; released in reverse ----------

const releases: { name: string; release: () => Promise<void> | void }[] = [];
const children = new Set<ChildProcess>();
let cleaning: Promise<void> | undefined;
/** Whether the bench is cleaning up (interrupted or done): nothing new should start. */
export const isCleaning = () => cleaning !== undefined;

export function onCleanup(name: string, release: () => Promise<void> | void) {
  releases.push({ name, release });
}

let running: autocannon.Instance | undefined;
export class Interrupted extends Error {}

export function cleanup(): Promise<void> {
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

export async function startJanitor() {
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

export const leaveToJanitor = (chore: Chore) => janitor?.send(chore);

// ---- The database --------------------------------------------------------------------------

export type BenchDatabase = { kind: 'pglite' | 'postgres'; url: string; describe: string; ownerPid?: number; dataDir?: string };

/**
 * A database for one run: with `postgres` (or DATABASE_URL set) a fresh database on that server,
 * else an embedded owner in a temporary folder, or in `dataDir`, which is then kept. Both are
 * removed at clean-up (by the janitor if the bench dies first) unless `keep`.
 */
export async function openDatabase(options: { postgres: boolean; keep: boolean; dataDir?: string }): Promise<BenchDatabase> {
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
  return { kind: 'pglite', url: owner.url, ownerPid: owner.pid, describe: 'embedded PGlite (owner process)', dataDir };
}

/** Point this process at the run's database (URL and encryption key), migrated, with the source catalog. */
export async function useDatabase(url: string, secretKey: string): Promise<void> {
  Object.assign(process.env, { DATABASE_URL: url, WEARHOUSE_SECRET_KEY: secretKey });
  reloadConfig();
  onCleanup('the bench database pool', () => closeDb());
  await migrate(getDb());
  await syncCatalog(getDb());
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

export type Server = { baseUrl: string; pid: number; stop(): Promise<void> };

export async function startServer(script: string, label: string, env: NodeJS.ProcessEnv): Promise<Server> {
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

export type Load = {
  /** autocannon replaces `[<id>]` in each request with a fresh unique id (new users per request). */
  idReplacement?: boolean;
  headers: Record<string, string>;
  /** Every connection cycles through its own list, so requests rotate across users. */
  requestsPerConnection: () => autocannon.Request[];
};

export type Figures = {
  requestsPerSecond: number;
  responses: number;
  p50: number;
  p99: number;
  failed: number;
  load1m: number;
  /** CPU time per answered request, in ms, of the server under test and of the embedded owner. */
  serverCpu: number;
  ownerCpu: number;
  /** CPU time per answered request of the whole machine (every core) and of this process (autocannon). */
  machineCpu: number;
  clientCpu: number;
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

/** CPU time (ms, every core, user + system + interrupts) the machine has used so far, from /proc/stat. */
function machineCpuMs(): number {
  try {
    const [cpu] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
    // user nice system idle iowait irq softirq steal …: busy is all but idle and iowait.
    const [user, nice, system, , , irq, softirq] = cpu!.trim().split(/\s+/).slice(1).map(Number);
    return ((user! + nice! + system! + irq! + softirq!) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export function runAutocannon(baseUrl: string, work: Load, seconds: number, connections: number, pids: { server?: number; owner?: number } = {}): Promise<Figures> {
  const latencies: number[] = [];
  const load1m = os.loadavg()[0]!;
  const cpuBefore = { server: cpuMs(pids.server), owner: cpuMs(pids.owner), machine: machineCpuMs(), client: ownCpuMs() };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections,
        duration: seconds,
        // Deep OFFSET pages queue behind each other on a single-threaded engine: allow for it.
        timeout: 60,
        headers: work.headers,
        ...(work.idReplacement ? { idReplacement: true } : {}),
        setupClient: (client) => client.setRequests(work.requestsPerConnection()),
      },
      (error, result) => {
        running = undefined;
        if (cleaning) return reject(new Interrupted());
        if (error) return reject(error);
        latencies.sort((a, b) => a - b);
        const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1))] ?? NaN;
        const elapsed = (result.finish.getTime() - result.start.getTime()) / 1000;
        const requests = Math.max(1, result.requests.total ?? latencies.length);
        const perRequest = (pid: number | undefined, before: number) => (cpuMs(pid) - before) / requests;
        resolve({
          requestsPerSecond: latencies.length / elapsed,
          responses: latencies.length,
          p50: at(0.5),
          p99: at(0.99),
          failed: result.non2xx + result.errors,
          load1m,
          serverCpu: perRequest(pids.server, cpuBefore.server),
          ownerCpu: perRequest(pids.owner, cpuBefore.owner),
          machineCpu: (machineCpuMs() - cpuBefore.machine) / requests,
          clientCpu: (ownCpuMs() - cpuBefore.client) / requests,
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
export async function settle(baseUrl: string, work: Load) {
  const [first] = work.requestsPerConnection();
  // A request with an id placeholder gets its own fresh id, as autocannon would give it.
  const body = work.idReplacement ? first!.body?.replaceAll('[<id>]', randomBytes(12).toString('hex')) : first!.body;
  await fetch(`${baseUrl}${first!.path}`, {
    method: first!.method ?? 'GET',
    headers: { ...work.headers, ...first!.headers },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(180_000),
  }).then((r) => r.arrayBuffer());
}

export function shuffled<T>(items: T[], count: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

export async function getJson(url: string, headers: Record<string, string>): Promise<unknown> {
  const response = await fetch(url, { headers });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

export function expect(condition: boolean, message: string) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

// ---- Figures ---------------------------------------------------------------------------------

export const rate = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const times = (n: number) => `${n.toFixed(2)}x`;
export const cpu = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : '—');

export const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** One scenario's rounds: the median of each figure, the sums of the counts. */
export function combined(rounds: Figures[]): Figures {
  return {
    requestsPerSecond: median(rounds.map((f) => f.requestsPerSecond)),
    p50: median(rounds.map((f) => f.p50)),
    p99: median(rounds.map((f) => f.p99)),
    responses: rounds.reduce((sum, f) => sum + f.responses, 0),
    failed: rounds.reduce((sum, f) => sum + f.failed, 0),
    load1m: median(rounds.map((f) => f.load1m)),
    serverCpu: median(rounds.map((f) => f.serverCpu)),
    ownerCpu: median(rounds.map((f) => f.ownerCpu)),
    machineCpu: median(rounds.map((f) => f.machineCpu)),
    clientCpu: median(rounds.map((f) => f.clientCpu)),
  };
}

/** Round by round (the n-th round of one with the n-th of the other), then the median. */
export function comparison(data: string, label: string, measured: Figures[], base: Figures[], kind?: 'at least' | 'within', bound?: number) {
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

/** What `measure` needs of a scenario: a name for the progress lines, its load, and its check. */
export type MeasuredScenario = { name: string; load: Load; check(baseUrl: string): Promise<void> };

/** Check, warm up, measure and settle one scenario on a running server. */
export async function measure(server: Server, scenario: MeasuredScenario, options: Timing, warmUp: boolean, ownerPid?: number): Promise<Figures> {
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
  log(`${scenario.name}: ${rate(figures.requestsPerSecond)} req/s, p50 ${ms(figures.p50)} ms, p99 ${ms(figures.p99)} ms, CPU/request ${cpu(figures.serverCpu)} ms server, ${cpu(figures.ownerCpu)} ms owner, ${cpu(figures.clientCpu)} ms autocannon, ${cpu(figures.machineCpu)} ms machine${figures.failed ? `, ${figures.failed} failed` : ''}`);
  return figures;
}

// ---- Running a bench script -----------------------------------------------------------------

/** The start of a run: the janitor up, and the load average then (the report shows it). */
export async function beginRun(): Promise<string> {
  await startJanitor();
  const startLoad = load();
  log(`load average ${startLoad}`);
  return startLoad;
}

/** Write V8 CPU profiles of every process started from here on (servers, embedded owner) into `dir`. */
export function profileChildren(dir: string): void {
  // Inherited by the embedded owner and the servers (not by this process, already running).
  fs.mkdirSync(dir, { recursive: true });
  // NODE_OPTIONS refuses --cpu-prof; a preloaded module starts the same profiler instead.
  process.env.BENCH_CPU_PROF_DIR = dir;
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${path.join(benchDir, 'cpu-profile.mjs')}`.trim();
  log(`writing CPU profiles into ${dir}`);
}

/**
 * Run `main` with the process's arguments; clean up after it, on failure, and on Ctrl-C or SIGTERM,
 * then exit (2 for a usage error, 1 for a failure).
 */
export function runBench(main: (argv: string[]) => Promise<void>): void {
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
}
