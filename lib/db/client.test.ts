import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reloadConfig } from '../config';
import { closeDb, getPool } from './client';

// On PostgreSQL every session of the app's pool carries its own time budgets (sent at connection
// start-up, never a shared SET): a runaway statement is cancelled, and a transaction left idle —
// holding its row locks — is ended, so nobody waits on it for ever. (The embedded engine enforces
// the idle budget in its owner: socket-server.test.ts.)
describe.runIf(inject('databaseKind') === 'postgres')('database time budgets on PostgreSQL', () => {
  const table = `budget_${Date.now()}`;
  beforeAll(async () => {
    await closeDb();
    process.env.DATABASE_STATEMENT_TIMEOUT_MS = '1500';
    process.env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = '300';
    reloadConfig();
    await getPool().query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int NOT NULL)`);
    await getPool().query(`INSERT INTO ${table} VALUES (1, 0)`);
  });
  afterAll(async () => {
    await getPool().query(`DROP TABLE IF EXISTS ${table}`);
    await closeDb();
    delete process.env.DATABASE_STATEMENT_TIMEOUT_MS;
    delete process.env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS;
    reloadConfig();
  });

  it('cancels a statement past the statement budget', async () => {
    await expect(getPool().query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
  });

  it('ends a transaction left idle past the budget, releasing its locks for the others', async () => {
    const idle = await getPool().connect();
    idle.on('error', () => {}); // the server ends this session
    await idle.query('BEGIN');
    await idle.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`);

    const started = Date.now();
    await getPool().query(`UPDATE ${table} SET n = n + 10 WHERE id = 1`); // waits for the idle one's row lock
    const waited = Date.now() - started;

    expect(waited).toBeLessThan(3_000);
    await expect(idle.query('COMMIT')).rejects.toThrow();
    idle.release(true);
    expect((await getPool().query(`SELECT n FROM ${table}`)).rows).toEqual([{ n: 10 }]);
  });

  it('sets the budget on each of its sessions at start-up', async () => {
    const { rows } = await getPool().query(`SHOW statement_timeout`);
    expect(rows).toEqual([{ statement_timeout: '1500ms' }]);
  });
});
