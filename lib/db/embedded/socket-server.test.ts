import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { socketPathFor } from './data-folder';
import { answersWithin, spawnOwner, type EmbeddedDatabase } from './launch';

// A client that holds the one shared engine (mid-exchange or mid-transaction) and then goes
// silent, dies or fails must not keep every other client waiting: the owner cuts it off after the
// hold budget and rolls its work back. Embedded engine only (PostgreSQL has sessions of its own).
const HOLD_BUDGET_MS = 600;
// Generous: two busy cores, Node and PGlite in other processes.
const SLACK_MS = 2_500;

// The Postgres wire protocol by hand, so that a test can stop between any two messages.
const message = (type: string, body: Buffer) => {
  const head = Buffer.alloc(5);
  head.write(type, 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
};
const cstring = (text: string) => Buffer.from(`${text}\0`);
const startup = () => {
  const params = Buffer.concat([cstring('user'), cstring('postgres'), cstring('database'), cstring('postgres'), Buffer.from([0])]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, params]);
};
const parse = (sql: string) => message('P', Buffer.concat([cstring(''), cstring(sql), Buffer.from([0, 0])]));
const query = (sql: string) => message('Q', cstring(sql));

/** A raw connection that has finished start-up; `until` waits for bytes matching a predicate. */
async function rawClient(socketPath: string) {
  const socket = net.createConnection(socketPath);
  let received = Buffer.alloc(0);
  let closed = false;
  socket.on('data', (data) => (received = Buffer.concat([received, data])));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  const until = async (done: (bytes: Buffer) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done(received)) {
      if (Date.now() > deadline) throw new Error('no answer from the embedded database');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(startup());
  await until((bytes) => bytes.includes(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]))); // ReadyForQuery idle
  received = Buffer.alloc(0);
  return {
    socket,
    send: (bytes: Buffer) => socket.write(bytes),
    until,
    received: () => received,
    isClosed: () => closed,
  };
}

describe.runIf(inject('databaseKind') === 'pglite')('one client cannot stall the embedded engine', () => {
  let owner: EmbeddedDatabase;
  let dataDir: string;
  let pool: pg.Pool;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-stall-'));
    owner = await spawnOwner(dataDir, { holdTimeoutMs: HOLD_BUDGET_MS });
    pool = new pg.Pool({ connectionString: owner.url, max: 4 });
    await pool.query('CREATE TABLE held (id int PRIMARY KEY)');
  });
  afterAll(async () => {
    await pool?.end();
    await owner?.stop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** How long another client waits for a one-row answer, starting now. */
  async function otherClientWait() {
    const started = Date.now();
    const { rows } = await pool.query('SELECT $1::int AS answer', [42]);
    expect(rows).toEqual([{ answer: 42 }]);
    return Date.now() - started;
  }

  it('cuts off a client that stalls after Parse, and serves the others within the budget', async () => {
    const staller = await rawClient(socketPathFor(dataDir));
    staller.send(parse('INSERT INTO held VALUES (1)'));
    await staller.until((bytes) => bytes.length > 0); // ParseComplete: it holds the engine now

    const waited = await otherClientWait();

    expect(waited).toBeGreaterThanOrEqual(HOLD_BUDGET_MS - 50); // it did hold everyone …
    expect(waited).toBeLessThan(HOLD_BUDGET_MS + SLACK_MS); // … but only for the budget
    await staller.until(() => staller.isClosed());
    expect((await pool.query('SELECT count(*)::int AS n FROM held')).rows[0].n).toBe(0);
  });

  it('lets a watchdog tell a held engine from a free one', async () => {
    expect(await answersWithin(owner.url, 2_000)).toBe(true);
    const staller = await rawClient(socketPathFor(dataDir));
    staller.send(parse('SELECT 1'));
    await staller.until((bytes) => bytes.length > 0);
    expect(await answersWithin(owner.url, 200)).toBe(false); // held: no answer within 200 ms
    await staller.until(() => staller.isClosed()); // cut off after the hold budget
    expect(await answersWithin(owner.url, 2_000)).toBe(true);
  });

  it('frees the engine at once when a client is killed after Parse', async () => {
    // A separate process, killed with SIGKILL: the kernel closes its socket, nothing says goodbye.
    const script = `
      const net = require('node:net');
      const s = net.createConnection(process.argv[1]);
      const m = (t, b) => { const h = Buffer.alloc(5); h.write(t, 0); h.writeInt32BE(b.length + 4, 1); return Buffer.concat([h, b]); };
      const p = Buffer.from('user\\0postgres\\0database\\0postgres\\0\\0');
      const st = Buffer.alloc(8); st.writeInt32BE(8 + p.length, 0); st.writeInt32BE(196608, 4);
      let got = Buffer.alloc(0); let parsed = false;
      s.on('data', (d) => { got = Buffer.concat([got, d]);
        if (!parsed && got.includes(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]))) { parsed = true; s.write(m('P', Buffer.from('\\0INSERT INTO held VALUES (2)\\0\\0\\0'))); }
        else if (parsed && got.includes(Buffer.from('1'))) process.stdout.write('holding\\n'); });
      s.write(Buffer.concat([st, p]));`;
    const child = spawn(process.execPath, ['-e', script, socketPathFor(dataDir)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.includes('holding') && resolve()));
    child.kill('SIGKILL');

    const waited = await otherClientWait();

    expect(waited).toBeLessThan(HOLD_BUDGET_MS); // no need to wait for the budget: the socket closed
    expect((await pool.query('SELECT count(*)::int AS n FROM held')).rows[0].n).toBe(0);
  });

  it('rolls back a client that stalls inside BEGIN, and serves the others within the budget', async () => {
    const holder = await pool.connect();
    holder.on('error', () => {}); // it will be cut off
    await holder.query('BEGIN');
    await holder.query('INSERT INTO held VALUES (3)');

    const waited = await otherClientWait();

    expect(waited).toBeGreaterThanOrEqual(HOLD_BUDGET_MS - 50);
    expect(waited).toBeLessThan(HOLD_BUDGET_MS + SLACK_MS);
    await expect(holder.query('COMMIT')).rejects.toThrow();
    holder.release(true);
    expect((await pool.query('SELECT count(*)::int AS n FROM held')).rows[0].n).toBe(0);
  });

  it('leaves the session usable after a client errs mid-exchange and disconnects', async () => {
    // An error in the extended protocol makes PostgreSQL skip messages until Sync; inside BEGIN it
    // also leaves the transaction failed. Neither may be inherited by the next client.
    const erring = await rawClient(socketPathFor(dataDir));
    erring.send(Buffer.concat([query('BEGIN'), parse('SELEC not sql')]));
    await erring.until((bytes) => bytes.includes(Buffer.from('42601')));
    erring.socket.destroy();

    const waited = await otherClientWait();

    expect(waited).toBeLessThan(HOLD_BUDGET_MS);
    const { rows } = await pool.query('INSERT INTO held VALUES (4) RETURNING id');
    expect(rows).toEqual([{ id: 4 }]);
  });

  it('refuses COPY FROM STDIN, which would abort the engine, with an SQL error', async () => {
    await expect(pool.query('COPY held FROM STDIN')).rejects.toMatchObject({ code: '0A000' });
    const client = await rawClient(socketPathFor(dataDir));
    client.send(query("SELECT 1; copy held (id) from stdin with (format csv)"));
    await client.until((bytes) => bytes.includes(Buffer.from([0x5a, 0, 0, 0, 5, 0x49])));
    expect(client.received().includes(Buffer.from('0A000'))).toBe(true);
    client.socket.destroy();
    expect(await otherClientWait()).toBeLessThan(HOLD_BUDGET_MS);
  });

  it('does not cut off a transaction that keeps talking', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (let i = 0; i < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, HOLD_BUDGET_MS / 3));
        await client.query('INSERT INTO held VALUES ($1)', [100 + i]);
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect((await pool.query('SELECT count(*)::int AS n FROM held WHERE id >= 100')).rows[0].n).toBe(4);
  });
});
