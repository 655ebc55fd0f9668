// Finds or starts the owner of an embedded data folder and hands back a connection string.
// Used by the launcher (npm start), the CLI and the test harness; never by Next.js code.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { assertSocketPathFits, embeddedUrl } from './data-folder';
import { liveOwner, OWNER_LOCK_HELD } from './lock';

export { embeddedUrl };

const projectRoot = fileURLToPath(new URL('../../..', import.meta.url));
const ownerScript = path.join(projectRoot, 'lib/db/embedded/owner.ts');

export type EmbeddedDatabase = {
  url: string;
  pid: number;
  /** Present when this process started the owner: shuts it down (CHECKPOINT, close, unlock). */
  stop?: () => Promise<void>;
  /** Present when this process started the owner: settles with its exit code when it exits, for whatever reason. */
  exited?: Promise<number | null>;
};

export type OwnerOptions = {
  /** How long a client may hold the engine mid-exchange or mid-transaction without sending (ms). */
  holdTimeoutMs?: number;
  /** How often the owner checks whether tables need ANALYZE/VACUUM/CHECKPOINT (ms). */
  maintenanceIntervalMs?: number;
};

export class EmbeddedStartError extends Error {
  constructor(message: string, readonly exitCode: number | null) {
    super(message);
    this.name = 'EmbeddedStartError';
  }
}

/** Spawn an owner process for dataDir and wait until it serves. */
export function spawnOwner(dataDir: string, options: OwnerOptions = {}): Promise<EmbeddedDatabase> {
  // Fail here, in the caller's process, with the fix in the message.
  assertSocketPathFits(dataDir);
  const env = { ...process.env };
  if (options.holdTimeoutMs) env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = String(options.holdTimeoutMs);
  if (options.maintenanceIntervalMs) env.WEARHOUSE_MAINTENANCE_INTERVAL_MS = String(options.maintenanceIntervalMs);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ownerScript, path.resolve(dataDir)],
    // Detached: a Ctrl-C in the terminal reaches the launcher, which drains requests first and
    // then stops the owner. The IPC channel ends the owner if the launcher dies.
    { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk;
    process.stderr.write(chunk);
  });

  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new EmbeddedStartError(stderr.trim() || `The embedded database exited with code ${code}.`, code));
    child.once('exit', onExit);
    child.once('message', (message: { ready?: boolean; url?: string }) => {
      if (!message.ready || !message.url) return;
      child.off('exit', onExit);
      // The owner's structured log lines (slow statements, cut-off clients, maintenance) join ours.
      child.stdout!.on('data', (chunk: Buffer) => {
        const text = chunk.toString().replace(/^ready .*\n/m, '');
        if (text) process.stdout.write(text);
      });
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      resolve({ url: message.url, pid: child.pid!, stop: () => stopOwner(child), exited });
    });
  });
}

function stopOwner(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function waitUntilServing(dataDir: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const owner = liveOwner(dataDir);
    if (!owner || owner.url) return owner;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The embedded database for dataDir: the running owner's (the server started by `npm start`,
 * say), or a new owner this process starts and must stop.
 */
export async function openEmbedded(dataDir: string, options: OwnerOptions = {}): Promise<EmbeddedDatabase> {
  const running = await waitUntilServing(dataDir, 60_000);
  if (running?.url) return { url: running.url, pid: running.pid };
  try {
    return await spawnOwner(dataDir, options);
  } catch (error) {
    // Another process started an owner between our look and our spawn: use that one.
    const raced = error instanceof EmbeddedStartError && error.exitCode === OWNER_LOCK_HELD;
    const owner = raced ? await waitUntilServing(dataDir, 60_000) : null;
    if (owner?.url) return { url: owner.url, pid: owner.pid };
    throw error;
  }
}

/**
 * Whether the database at `url` answers a trivial query within `timeoutMs`, on a connection of its
 * own: for a launcher's watchdog, which must tell a stuck or dead owner from a busy pool.
 */
export async function answersWithin(url: string, timeoutMs: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    void client.end().catch(() => {});
  }
}
