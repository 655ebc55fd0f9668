import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { spawnOwner, type EmbeddedDatabase } from './launch';
import { liveOwner, lockPathFor, OWNER_LOCK_HELD, readLock } from './lock';

const ownerScript = path.resolve(import.meta.dirname, 'owner.ts');
const lockModule = path.resolve(import.meta.dirname, 'lock.ts');
const started: EmbeddedDatabase[] = [];
const folders: string[] = [];
const racers: ChildProcessWithoutNullStreams[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-lock-'));
  folders.push(dir);
  return dir;
};

function runSecondOwner(dataDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', ownerScript, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

/**
 * A process that takes the lock on command: "take <dir>" answers "won" or "lost", "release"
 * answers "released". Kept alive across rounds so that a race is decided by the lock, not by
 * which process started faster.
 */
function startRacer() {
  const script = `
    import readline from 'node:readline';
    import { acquireLock, LockHeldError } from ${JSON.stringify(lockModule)};
    let held = null;
    for await (const line of readline.createInterface({ input: process.stdin })) {
      const [command, dir] = line.split(' ');
      if (command === 'take') {
        try { held = await acquireLock(dir); console.log('won'); }
        catch (error) { console.log(error instanceof LockHeldError ? 'lost' : 'error ' + error.message); }
      } else if (command === 'release') { held?.release(); held = null; console.log('released'); }
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  racers.push(child);
  const answers = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    async ask(command: string): Promise<string> {
      child.stdin.write(`${command}\n`);
      const { value } = await answers.next();
      return String(value);
    },
  };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((db) => db.stop?.()));
});
afterAll(() => {
  for (const racer of racers) racer.kill('SIGKILL');
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

// About processes and the OS, not the database kind: run once, with the embedded project.
describe.runIf(inject('databaseKind') === 'pglite')('the embedded data folder lock', () => {
  it('refuses a second owner, naming the pid that holds the folder', async () => {
    const dataDir = tempDir();
    const first = await spawnOwner(dataDir);
    started.push(first);

    const second = await runSecondOwner(dataDir);

    expect(second.code).toBe(OWNER_LOCK_HELD);
    expect(second.stderr).toContain(`owned by process ${first.pid}`);
    expect(readLock(lockPathFor(dataDir))?.pid).toBe(first.pid);
    expect(liveOwner(dataDir)?.url).toBe(first.url);
  });

  it('is not blocked by a lock file naming a live process that is not an owner (pid reuse)', async () => {
    const dataDir = tempDir();
    // This test's own pid: alive for sure, and certainly not holding the folder.
    fs.writeFileSync(lockPathFor(dataDir), JSON.stringify({ pid: process.pid, url: null, dataDir, startedAt: '' }));
    expect(liveOwner(dataDir)).toBeNull();

    const owner = await spawnOwner(dataDir);
    started.push(owner);

    expect(readLock(lockPathFor(dataDir))?.pid).toBe(owner.pid);
  });

  it('is released by the kernel when its holder is killed', async () => {
    const dataDir = tempDir();
    const holder = startRacer();
    expect(await holder.ask(`take ${dataDir}`)).toBe('won');
    expect(liveOwner(dataDir)?.pid).toBe(holder.child.pid);

    holder.child.kill('SIGKILL');
    await new Promise((resolve) => holder.child.once('exit', resolve));

    expect(readLock(lockPathFor(dataDir))?.pid).toBe(holder.child.pid); // the record stays behind …
    expect(liveOwner(dataDir)).toBeNull(); // … but nobody holds the folder
    const next = startRacer();
    expect(await next.ask(`take ${dataDir}`)).toBe('won');
    await next.ask('release');
  });

  it('lets exactly one of several starters take a stale lock, every time', async () => {
    const contenders = [startRacer(), startRacer(), startRacer()];
    for (let round = 0; round < 60; round++) {
      const dataDir = tempDir();
      // Stale records of both kinds: a pid that is gone, and a live pid that is not an owner.
      const stalePid = round % 2 === 0 ? 2 ** 22 + round : process.pid;
      fs.writeFileSync(lockPathFor(dataDir), JSON.stringify({ pid: stalePid, url: null, dataDir, startedAt: '' }));

      // One starter stalls at a random point of its attempt (a paused process, a busy machine):
      // a lock that is checked and then taken in two steps lets the others act in between.
      const stalled = contenders[round % contenders.length]!.child;
      const asked = Promise.all(contenders.map((c) => c.ask(`take ${dataDir}`)));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
      stalled.kill('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, 80));
      stalled.kill('SIGCONT');
      const outcomes = await asked;

      expect(outcomes.filter((o) => o === 'won'), `round ${round}: ${outcomes.join(', ')}`).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'lost')).toHaveLength(contenders.length - 1);
      const winner = contenders[outcomes.indexOf('won')]!;
      expect(readLock(lockPathFor(dataDir))?.pid).toBe(winner.child.pid);
      await Promise.all(contenders.map((c) => c.ask('release')));
      expect(fs.existsSync(lockPathFor(dataDir))).toBe(false);
    }
  });

  it('releases the lock on a clean stop', async () => {
    const dataDir = tempDir();
    const owner = await spawnOwner(dataDir);
    await owner.stop!();
    expect(fs.existsSync(lockPathFor(dataDir))).toBe(false);
    expect(liveOwner(dataDir)).toBeNull();
  });
});
