import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnOwner, type EmbeddedDatabase } from './launch';
import { lockPathFor, OWNER_LOCK_HELD, readLock } from './lock';

const ownerScript = path.resolve(import.meta.dirname, 'owner.ts');
const started: EmbeddedDatabase[] = [];
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-lock-'));

function runSecondOwner(dataDir: string) {
  const begun = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ownerScript, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - begun })),
  );
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((db) => db.stop?.()));
});

describe('the embedded data folder lock', () => {
  it('refuses a second owner quickly, naming the pid that holds the folder', async () => {
    const dataDir = tempDir();
    const first = await spawnOwner(dataDir);
    started.push(first);

    const second = await runSecondOwner(dataDir);

    expect(second.code).toBe(OWNER_LOCK_HELD);
    expect(second.stderr).toContain(`owned by process ${first.pid}`);
    // Node and tsx start-up included; the lock check itself precedes opening PGlite.
    expect(second.ms).toBeLessThan(3_000);
    expect(readLock(lockPathFor(dataDir))?.pid).toBe(first.pid);
  });

  it('takes over a lock left behind by a process that died', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(lockPathFor(dataDir), JSON.stringify({ pid: 2 ** 22 + 12345, port: 1, dataDir, startedAt: '' }));

    const owner = await spawnOwner(dataDir);
    started.push(owner);

    expect(readLock(lockPathFor(dataDir))?.pid).toBe(owner.pid);
  });

  it('releases the lock on a clean stop', async () => {
    const dataDir = tempDir();
    const owner = await spawnOwner(dataDir);
    await owner.stop!();
    expect(fs.existsSync(lockPathFor(dataDir))).toBe(false);
  });
});
