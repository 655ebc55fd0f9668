import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DataFolderError, prepareDataFolder, socketPathFor } from './data-folder';
import { EmbeddedStartError, spawnOwner, type EmbeddedDatabase } from './launch';

const folders: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-folder-'));
  folders.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the embedded data folder', () => {
  it('refuses a folder other users may write to, saying how to fix it', () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o777);
    expect(() => prepareDataFolder(dir)).toThrow(DataFolderError);
    expect(() => prepareDataFolder(dir)).toThrow(/writable by every user \(mode 777\).*chmod 700/);
    fs.chmodSync(dir, 0o770);
    expect(() => prepareDataFolder(dir)).toThrow(/writable by its group/);
  });

  it('refuses a folder whose socket path is too long for the OS, naming the limit', () => {
    const deep = path.join(tempDir(), 'a'.repeat(100));
    expect(() => spawnOwner(deep)).toThrow(/too long for the embedded database's socket: .* Unix sockets allow 107/);
    expect(fs.existsSync(deep)).toBe(false);
  });

  it('has the owner refuse to start in a world-writable folder', async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o777);
    await expect(spawnOwner(dir)).rejects.toThrow(EmbeddedStartError);
    await expect(spawnOwner(dir)).rejects.toThrow(/writable by every user/);
  });
});

// The test run's own embedded database: its folder, files and socket are the owner's alone.
describe.runIf(inject('databaseKind') === 'pglite')('who may reach the embedded database', () => {
  const url = inject('databaseUrl');
  // postgres://postgres@/postgres?host=<folder>: no TCP host at all, a folder holding the socket.
  const dataDir = new URLSearchParams(url.split('?')[1]).get('host')!;

  it('is served on a Unix socket in the data folder, not on TCP', async () => {
    expect(url).toMatch(/^postgres:\/\/postgres@\/postgres\?host=/);
    expect(fs.statSync(socketPathFor(dataDir)).isSocket()).toBe(true);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('keeps the folder 0700 and every file in it 0600, PGlite’s own files included', () => {
    const loose: string[] = [];
    const check = (file: string) => {
      const stat = fs.lstatSync(file);
      if ((stat.mode & 0o077) !== 0) loose.push(`${file} ${(stat.mode & 0o777).toString(8)}`);
    };
    check(dataDir);
    for (const entry of fs.readdirSync(dataDir, { recursive: true }) as string[]) check(path.join(dataDir, entry));
    expect(loose).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, 'pglite')).length).toBeGreaterThan(5); // it did look at PGlite's files
  });

  const canSwitchUser = process.getuid?.() === 0 && spawnSync('runuser', ['--help']).status === 0;
  it.runIf(canSwitchUser)('cannot be connected to or read by another OS user', () => {
    // As `nobody`: connect to the socket with node-postgres' own protocol start, and read a file.
    const probe = `
      const fs = require('node:fs'); const net = require('node:net');
      const result = {};
      try { fs.readFileSync(process.argv[2]); result.read = 'ok'; } catch (e) { result.read = e.code; }
      try { fs.readdirSync(process.argv[3]); result.list = 'ok'; } catch (e) { result.list = e.code; }
      const s = net.createConnection(process.argv[1]);
      s.on('connect', () => { result.connect = 'ok'; console.log(JSON.stringify(result)); s.destroy(); });
      s.on('error', (e) => { result.connect = e.code; console.log(JSON.stringify(result)); });`;
    const output = execFileSync(
      'runuser',
      ['-u', 'nobody', '--', process.execPath, '-e', probe, socketPathFor(dataDir), path.join(dataDir, 'pglite', 'PG_VERSION'), dataDir],
      { encoding: 'utf8', cwd: '/' },
    );
    expect(JSON.parse(output)).toEqual({ read: 'EACCES', list: 'EACCES', connect: 'EACCES' });
  });
});

describe.runIf(inject('databaseKind') === 'pglite')('an existing folder from an older install', () => {
  let owner: EmbeddedDatabase | undefined;
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x', { mode: 0o644 });
  });
  afterAll(async () => {
    await owner?.stop?.();
  });

  it('is tightened to owner-only when the owner starts', async () => {
    owner = await spawnOwner(dir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'notes.txt')).mode & 0o777).toBe(0o600);
  });
});
