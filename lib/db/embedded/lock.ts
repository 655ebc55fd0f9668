// The exclusive lock on an embedded data folder. PGlite takes no cross-process lock of its own
// (two openers both "succeed" and writes are lost), so exactly one owner process may exist.
//
// The lock itself is an OS object, not a file: on Linux a Unix socket bound in the abstract
// namespace under a name derived from the folder's real path. Binding is atomic (a second bind
// fails with EADDRINUSE) and the kernel releases the name when the process dies, however it
// dies, so there is no stale lock to clear, no race between two starters clearing one, and no
// trust in a pid that may have been reused. The lock file beside it is only the human-readable
// record of who holds it. Elsewhere (no abstract sockets) the file and a pid check are the lock.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export type LockInfo = {
  pid: number;
  /** The owner's connection string; null while it is still starting. */
  url: string | null;
  dataDir: string;
  startedAt: string;
};

/** The owner's exit code when another process holds the lock. */
export const OWNER_LOCK_HELD = 3;

export class LockHeldError extends Error {
  constructor(readonly holder: LockInfo | null, readonly lockPath: string) {
    super(
      `The embedded database in ${holder?.dataDir ?? path.dirname(lockPath)} is already owned by ` +
        `${holder ? `process ${holder.pid}` : 'another process'} (lock file ${lockPath}). ` +
        'Stop that process first, or point DATABASE_URL at PostgreSQL.',
    );
    this.name = 'LockHeldError';
  }
}

export const lockPathFor = (dataDir: string) => path.join(dataDir, 'pglite.lock');

const hasAbstractSockets = process.platform === 'linux';

/** The abstract socket name that is the lock for dataDir (one name per real folder). */
export function lockNameFor(dataDir: string): string {
  let real = path.resolve(dataDir);
  try {
    real = fs.realpathSync(real);
  } catch {
    // not created yet: its resolved path is what it will be
  }
  return `wearhouse-pglite-${createHash('sha256').update(real).digest('hex').slice(0, 32)}`;
}

export function readLock(lockPath: string): LockInfo | null {
  try {
    return JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/**
 * Whether the abstract socket `name` is bound by some process (Linux: /proc/net/unix lists it,
 * as `@name`; Node pads abstract names with NULs to the full sun_path, which read as `@` too).
 */
function isNameBound(name: string): boolean | null {
  let table: string;
  try {
    table = fs.readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return null;
  }
  return new RegExp(` @${name}@*$`, 'm').test(table);
}

/** Whether pid is a live process (the fallback where no abstract socket can be asked). */
function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner of dataDir as its lock file describes it, if an owner holds the lock now. */
export function liveOwner(dataDir: string): LockInfo | null {
  const info = readLock(lockPathFor(dataDir));
  const bound = hasAbstractSockets ? isNameBound(lockNameFor(dataDir)) : null;
  if (bound === false) return null;
  if (bound === true) return info ?? { pid: 0, url: null, dataDir: path.resolve(dataDir), startedAt: '' };
  return info && isProcessAlive(info.pid) ? info : null;
}

export type Lock = { update(url: string): void; release(): void };

/** Take the lock for this process, or throw LockHeldError naming the holder. */
export async function acquireLock(dataDir: string): Promise<Lock> {
  const lockPath = lockPathFor(dataDir);
  const mine: LockInfo = { pid: process.pid, url: null, dataDir: path.resolve(dataDir), startedAt: new Date().toISOString() };
  const write = (info: LockInfo) => {
    const tmp = `${lockPath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
    fs.renameSync(tmp, lockPath);
  };

  const release = hasAbstractSockets ? await bindAbstract(dataDir, lockPath) : takeFileLock(lockPath, mine);
  write(mine);
  return {
    update(url: string) {
      write({ ...mine, url });
    },
    release() {
      if (readLock(lockPath)?.pid === process.pid) fs.rmSync(lockPath, { force: true });
      release();
    },
  };
}

async function bindAbstract(dataDir: string, lockPath: string): Promise<() => void> {
  const server = net.createServer((socket) => socket.destroy()); // anyone may connect; nobody is served
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new LockHeldError(readLock(lockPath), lockPath) : error);
    });
    server.listen(`\0${lockNameFor(dataDir)}`, () => resolve());
  });
  server.unref(); // the lock must not keep the process alive by itself
  return () => server.close();
}

/** Without abstract sockets: an exclusive create of the lock file, clearing one left by a dead pid. */
function takeFileLock(lockPath: string, mine: LockInfo): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, JSON.stringify(mine), { mode: 0o600, flag: 'wx' });
      return () => {};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(lockPath);
      if (holder && isProcessAlive(holder.pid)) throw new LockHeldError(holder, lockPath);
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${lockPath}: it keeps changing hands.`);
}
