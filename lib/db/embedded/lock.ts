// The exclusive lock on an embedded data folder. PGlite takes no cross-process lock of its own
// (two openers both "succeed" and writes are lost), so exactly one owner process may hold this file.
import fs from 'node:fs';
import path from 'node:path';

export type LockInfo = {
  pid: number;
  /** Loopback port of the owner's Postgres-protocol socket; null while it is still starting. */
  port: number | null;
  dataDir: string;
  startedAt: string;
};

/** The owner's exit code when another live process holds the lock. */
export const OWNER_LOCK_HELD = 3;

export class LockHeldError extends Error {
  constructor(readonly holder: LockInfo, readonly lockPath: string) {
    super(
      `The embedded database in ${holder.dataDir} is already owned by process ${holder.pid} ` +
        `(lock file ${lockPath}). Stop that process first, or point DATABASE_URL at PostgreSQL.`,
    );
    this.name = 'LockHeldError';
  }
}

export const lockPathFor = (dataDir: string) => path.join(dataDir, 'pglite.lock');

export function readLock(lockPath: string): LockInfo | null {
  try {
    return JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/** Whether pid is a live process, and (where /proc tells) still an embedded-database owner. */
export function isOwnerAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Guard against pid reuse after a crash: the holder must still be running our owner script.
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('embedded') || pid === process.pid;
  } catch {
    return true;
  }
}

/** The owner described by the lock, if that owner is alive and serving. */
export function liveOwner(dataDir: string): LockInfo | null {
  const info = readLock(lockPathFor(dataDir));
  return info && isOwnerAlive(info.pid) ? info : null;
}

/**
 * Take the lock for this process, or throw LockHeldError naming the live holder. A lock left by a
 * dead process is removed. Creation is atomic (link fails if the file exists); a re-read after a
 * short pause catches the one race left, two starters clearing the same stale lock at once.
 */
export async function acquireLock(dataDir: string): Promise<{ update(port: number): void; release(): void }> {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = lockPathFor(dataDir);
  const mine: LockInfo = { pid: process.pid, port: null, dataDir, startedAt: new Date().toISOString() };
  const write = (info: LockInfo) => {
    const tmp = `${lockPath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
    return tmp;
  };

  for (let attempt = 0; attempt < 3; attempt++) {
    const tmp = write(mine);
    try {
      fs.linkSync(tmp, lockPath);
      fs.unlinkSync(tmp);
    } catch (error) {
      fs.unlinkSync(tmp);
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(lockPath);
      if (holder && isOwnerAlive(holder.pid)) throw new LockHeldError(holder, lockPath);
      fs.rmSync(lockPath, { force: true }); // stale: its owner is gone
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const check = readLock(lockPath);
    if (check?.pid !== process.pid) {
      if (check && isOwnerAlive(check.pid)) throw new LockHeldError(check, lockPath);
      continue;
    }
    return {
      update(port: number) {
        fs.renameSync(write({ ...mine, port }), lockPath);
      },
      release() {
        if (readLock(lockPath)?.pid === process.pid) fs.rmSync(lockPath, { force: true });
      },
    };
  }
  throw new Error(`Could not take the lock ${lockPath}: it keeps changing hands.`);
}
