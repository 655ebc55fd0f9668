// Finds or starts the owner of an embedded data folder and hands back a connection string.
// Used by the launcher (npm start), the CLI and the test harness; never by Next.js code.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { liveOwner, OWNER_LOCK_HELD, type LockInfo } from './lock';

const projectRoot = fileURLToPath(new URL('../../..', import.meta.url));
const ownerScript = path.join(projectRoot, 'lib/db/embedded/owner.ts');

export const embeddedUrl = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

export type EmbeddedDatabase = {
  url: string;
  pid: number;
  /** Present when this process started the owner: shuts it down (CHECKPOINT, close, unlock). */
  stop?: () => Promise<void>;
  /** Present when this process started the owner: settles with its exit code when it exits, for whatever reason. */
  exited?: Promise<number | null>;
};

export class EmbeddedStartError extends Error {
  constructor(message: string, readonly exitCode: number | null) {
    super(message);
    this.name = 'EmbeddedStartError';
  }
}

/** Spawn an owner process for dataDir and wait until it serves. */
export function spawnOwner(dataDir: string, options: { port?: number } = {}): Promise<EmbeddedDatabase> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ownerScript, path.resolve(dataDir), String(options.port ?? 0)],
    // Detached: a Ctrl-C in the terminal reaches the launcher, which drains requests first and
    // then stops the owner. The IPC channel ends the owner if the launcher dies.
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true },
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
    child.once('message', (message: { ready?: boolean; port?: number }) => {
      if (!message.ready || !message.port) return;
      child.off('exit', onExit);
      child.stdout!.resume();
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      resolve({ url: embeddedUrl(message.port), pid: child.pid!, stop: () => stopOwner(child), exited });
    });
  });
}

function stopOwner(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function waitForPort(dataDir: string, timeoutMs: number): Promise<LockInfo | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const owner = liveOwner(dataDir);
    if (!owner || owner.port) return owner;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The embedded database for dataDir: the running owner's (the server started by `npm start`,
 * say), or a new owner this process starts and must stop.
 */
export async function openEmbedded(dataDir: string): Promise<EmbeddedDatabase> {
  const running = await waitForPort(dataDir, 60_000);
  if (running?.port) return { url: embeddedUrl(running.port), pid: running.pid };
  try {
    return await spawnOwner(dataDir);
  } catch (error) {
    // Another process started an owner between our look and our spawn: use that one.
    const raced = error instanceof EmbeddedStartError && error.exitCode === OWNER_LOCK_HELD;
    const owner = raced ? await waitForPort(dataDir, 60_000) : null;
    if (owner?.port) return { url: embeddedUrl(owner.port), pid: owner.pid };
    throw error;
  }
}
