// Runs `npm start` for tests as an operator would (npm → node → the embedded owner), and finds every
// process it started by a marker in their environment, so that a test can assert none is left and
// clean up whatever is, also when it fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const MARKER = 'WEARHOUSE_TEST_LAUNCH';

export type Launched = {
  npm: ChildProcess;
  marker: string;
  port: number;
  baseUrl: string;
  output(): string;
  /** npm's exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}

/**
 * `npm start` in its own process group (so a test can Ctrl-C it like a terminal would); with
 * `terminal`, under `script` so that its stdout is a pseudo-terminal, as in an operator's shell.
 */
export async function launch(options: { dataDir: string; env?: Record<string, string | undefined>; terminal?: boolean }): Promise<Launched> {
  const port = await freePort();
  const marker = randomBytes(8).toString('hex');
  // The test worker's own database settings must not leak into the server under test.
  const { DATABASE_URL, WEARHOUSE_SECRET_KEY, NODE_ENV, ...inherited } = process.env;
  const env = {
    ...inherited,
    PORT: String(port),
    WEARHOUSE_DATA_DIR: options.dataDir,
    WEARHOUSE_SKIP_BUILD: '1',
    [MARKER]: marker,
    ...options.env,
  };
  const [command, args] = options.terminal ? ['script', ['-qfec', 'npm start --silent', '/dev/null']] : ['npm', ['start', '--silent']];
  const npm = spawn(command, args, { cwd: root, env: env as unknown as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  npm.stdout!.on('data', (chunk) => (output += chunk));
  npm.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  return { npm, marker, port, baseUrl: `http://127.0.0.1:${port}`, output: () => output, exited };
}

export async function waitForReady(launched: Launched, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (launched.npm.exitCode !== null) throw new Error(`npm start exited with ${launched.npm.exitCode}:\n${launched.output()}`);
    const ready = await fetch(`${launched.baseUrl}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`npm start was not ready in time:\n${launched.output()}`);
}

export async function waitForOutput(launched: Launched, text: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!launched.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`"${text}" did not appear:\n${launched.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export type MarkedProcess = { pid: number; command: string };

/** Every live process whose environment carries this launch's marker (npm, node, the owner, …). */
export function processesOf(marker: string): MarkedProcess[] {
  const found: MarkedProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (!environ.split('\0').includes(`${MARKER}=${marker}`)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, not yet reaped
      found.push({ pid: Number(entry), command: fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ').trim() });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

export const serverProcess = (marker: string) => processesOf(marker).find((p) => p.command.includes('lib/server/start.ts') && !p.command.startsWith('npm') && !p.command.startsWith('sh '));
export const ownerProcess = (marker: string) => processesOf(marker).find((p) => p.command.includes('owner.ts'));

/** Wait until no process of this launch is left; returns the ones still there at the deadline. */
export async function waitUntilGone(marker: string, timeoutMs = 20_000): Promise<MarkedProcess[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = processesOf(marker);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Cleanup after a test, pass or fail: kill whatever this launch left behind. */
export function killAll(marker: string): void {
  for (const { pid } of processesOf(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
