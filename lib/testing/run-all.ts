// `npm test`: every suite — unit/integration and API (Vitest, against PGlite and, with
// TEST_DATABASE_URL, PostgreSQL) and the end-to-end journeys (Playwright in Chromium) — then one
// closing line `N passed, N failed` summed over all of them. Exits non-zero if anything failed.
// Every suite's output (with the servers' JSON logs at level info) is kept in test-logs/*.log and
// scanned for secrets: a leaked App Key, client secret or token counts as a failed test.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildIsCurrent, buildPortal } from '../server/build';
import { findLeakedSecrets } from './secret-scan';

const root = fileURLToPath(new URL('../..', import.meta.url));
const results = path.join(root, 'test-results');
// Not under test-results/: Playwright empties that folder when it starts.
const logs = path.join(root, 'test-logs');
type Tally = { passed: number; failed: number; skipped: number };
const tallies = new Map<string, Tally>();
const tally = (suite: string) => tallies.get(suite) ?? tallies.set(suite, { passed: 0, failed: 0, skipped: 0 }).get(suite)!;

/** JSON log lines (ours, or a web server's relayed by Playwright, maybe coloured) go to the log file only. */
const LOG_LINE = /^\s*(?:\[WebServer\]\s*)?\{"level":/;
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Run a suite, its output to the terminal (without JSON log lines) and all of it to `logFile`.
 * With `holdOutput`, its terminal lines are written only when it ends, in one piece: for a suite
 * that runs beside another one, whose lines would otherwise interleave with its own.
 */
function run(command: string, args: string[], logFile: string, env: Record<string, string> = {}, holdOutput = false): Promise<number> {
  return new Promise((resolve) => {
    const file = fs.createWriteStream(logFile);
    const child = spawn(command, args, {
      cwd: root,
      stdio: ['inherit', 'pipe', 'pipe'],
      env: { FORCE_COLOR: process.env.NO_COLOR ? '0' : '1', ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...env },
    });
    const held: [NodeJS.WriteStream, string][] = [];
    const relay = (from: NodeJS.ReadableStream, to: NodeJS.WriteStream) =>
      new Promise<void>((done) => {
        const lines = readline.createInterface({ input: from, crlfDelay: Infinity });
        lines.on('line', (line) => {
          file.write(`${line}\n`);
          if (LOG_LINE.test(line.replace(ANSI, ''))) return;
          if (holdOutput) held.push([to, `${line}\n`]);
          else to.write(`${line}\n`);
        });
        lines.once('close', done);
      });
    const relayed = Promise.all([relay(child.stdout!, process.stdout), relay(child.stderr!, process.stderr)]);
    const finish = (code: number) =>
      void relayed.then(() => {
        for (const [to, line] of held) to.write(line);
        file.end(() => resolve(code));
      });
    child.once('exit', (code) => finish(code ?? 1));
    child.once('error', () => finish(1));
  });
}

function ensureChromium(): void {
  const browser = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (fs.existsSync(browser)) return;
  console.log('npm test: installing Debian chromium for the end-to-end suite…');
  if (process.getuid?.() !== 0) {
    console.error('npm test: Chromium is missing and this is not root: run `sudo apt-get install -y chromium`.');
    return;
  }
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * One Vitest pass (vitest.config.ts): 'parallel', one database's files but the timed and isolated
 * ones, several at a time (`workers`: how many; default, the config's); 'timed', the files that
 * measure pauses and waits, one at a time on otherwise idle cores; 'isolated', those that mock
 * modules, one at a time, each in a fresh process.
 */
async function vitest(pass: 'parallel' | 'timed' | 'isolated', project?: string, { workers, holdOutput = false }: { workers?: number; holdOutput?: boolean } = {}) {
  const name = pass === 'parallel' ? `vitest-${project}` : `vitest-${pass}`;
  const report = path.join(results, `${name}.json`);
  fs.rmSync(report, { force: true });
  const only = project ? ['--project', project] : [];
  const code = await run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...only, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], path.join(logs, `${name}.log`), {
    WEARHOUSE_TEST_PASS: pass,
    ...(workers ? { WEARHOUSE_TEST_WORKERS: String(workers) } : {}),
  }, holdOutput);
  type Report = { testResults: { name: string; assertionResults: { status: string }[] }[] };
  const parsed = readJson<Report>(report);
  if (!parsed) {
    tally('unit/integration').failed += 1; // the runner itself failed before reporting
    return;
  }
  for (const file of parsed.testResults) {
    const suite = path.relative(root, file.name).startsWith('lib/api/') ? 'API' : 'unit/integration';
    for (const test of file.assertionResults) {
      if (test.status === 'passed') tally(suite).passed++;
      else if (test.status === 'failed') tally(suite).failed++;
      else tally(suite).skipped++;
    }
    if (file.assertionResults.length === 0) tally(suite).failed++; // a file that failed to load
  }
  if (code !== 0 && [...tallies.values()].every((t) => t.failed === 0)) tally('unit/integration').failed++;
}

async function playwright() {
  const report = path.join(results, 'e2e.json');
  fs.rmSync(report, { force: true });
  // The server's data folder, made here so that it is removed afterwards (playwright.config.ts
  // would make one of its own and leave it behind).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-e2e-'));
  const code = await run(process.execPath, ['node_modules/@playwright/test/cli.js', 'test'], path.join(logs, 'e2e.log'), {
    PLAYWRIGHT_JSON_OUTPUT_FILE: report,
    WEARHOUSE_E2E_DATA_DIR: dataDir,
  }).finally(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const parsed = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(report);
  const e2e = tally('e2e');
  if (!parsed) {
    e2e.failed += 1;
    return;
  }
  e2e.passed += parsed.stats.expected + parsed.stats.flaky;
  e2e.failed += parsed.stats.unexpected;
  e2e.skipped += parsed.stats.skipped;
  if (code !== 0 && e2e.failed === 0) e2e.failed = 1;
}

/** One test per log: it passes when no secret the suite created (whk_, whs_, whc_, wha_, whp_ …) appears in it. */
function scanLogs(files: string[]) {
  for (const file of files) {
    const scan = tally('log scan');
    if (!fs.existsSync(file)) {
      scan.failed++;
      console.error(`npm test: no log to scan at ${path.relative(root, file)}`);
      continue;
    }
    const leaks = findLeakedSecrets(fs.readFileSync(file, 'utf8'));
    if (leaks.length === 0) {
      scan.passed++;
      continue;
    }
    scan.failed++;
    console.error(`npm test: ${leaks.length} secret(s) in ${path.relative(root, file)}:`);
    for (const leak of leaks.slice(0, 20)) console.error(`  line ${leak.line}: ${leak.masked}`);
  }
}

async function main() {
  fs.mkdirSync(results, { recursive: true });
  fs.mkdirSync(logs, { recursive: true });
  ensureChromium();
  if (!buildIsCurrent(root)) {
    console.log('npm test: building the portal for the server and end-to-end tests…');
    await buildPortal(root);
  }
  // One Vitest run per database in the parallel pass: its workers keep their loaded modules from
  // file to file, and a run that moved them from one database's files to the other's (Vitest
  // replaces them then) ended with tinypool's "Terminating worker thread" now and then.
  const databases = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])];
  await vitest('parallel', 'pglite');
  await vitest('timed');
  // The end-to-end journeys keep about one core busy (the browser waits on the server, the server
  // on the embedded database); PostgreSQL's files, one at a time, use the other. Measured on 2
  // cores: the journeys took 384 s beside them and 378 s alone, and PostgreSQL's files ended first
  // (339 s with one worker, 160 s with two on their own), so they cost the run no time at all.
  // The files that mock modules (timing nothing) follow them there.
  const beside = async () => {
    if (databases.includes('postgres')) await vitest('parallel', 'postgres', { workers: 1, holdOutput: true });
    await vitest('isolated', undefined, { holdOutput: true });
  };
  await Promise.all([playwright(), beside()]);
  scanLogs([...databases.map((database) => `vitest-${database}.log`), 'vitest-timed.log', 'vitest-isolated.log', 'e2e.log'].map((name) => path.join(logs, name)));

  console.log('\nSuites:');
  for (const [suite, t] of tallies) console.log(`  ${suite.padEnd(17)} ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''}`);
  const sum = [...tallies.values()].reduce((a, t) => ({ passed: a.passed + t.passed, failed: a.failed + t.failed, skipped: a.skipped + t.skipped }), { passed: 0, failed: 0, skipped: 0 });
  console.log(`${sum.passed} passed, ${sum.failed} failed${sum.skipped ? `, ${sum.skipped} skipped` : ''}`);
  process.exit(sum.failed > 0 || sum.passed === 0 ? 1 : 0);
}

void main();
