import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Many clients at once, as a busy server's pool makes them: every statement must see its own
// parameters and every transaction only its own writes, on the embedded engine as on PostgreSQL.
describe(`concurrent clients on ${inject('databaseKind')}`, () => {
  const pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 12 });
  const table = `concurrency_${Date.now()}`;
  beforeAll(async () => {
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, label text NOT NULL)`);
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  it('keeps each parameterised statement and each transaction to itself', async () => {
    const work = Array.from({ length: 240 }, async (_, i) => {
      if (i % 3 === 0) {
        const { rows } = await pool.query('SELECT $1::int * 2 AS doubled, $2::text AS label', [i, `q${i}`]);
        expect(rows[0]).toEqual({ doubled: i * 2, label: `q${i}` });
        return;
      }
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${table} (id, label) VALUES ($1, $2)`, [i, `t${i}`]);
        const { rows } = await client.query(`SELECT label FROM ${table} WHERE id = $1`, [i]);
        expect(rows[0]?.label).toBe(`t${i}`);
        await client.query(i % 3 === 1 ? 'COMMIT' : 'ROLLBACK');
      } finally {
        client.release();
      }
    });
    await Promise.all(work);

    const { rows } = await pool.query(`SELECT id FROM ${table} ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 240 }, (_, i) => i).filter((i) => i % 3 === 1));
  });
});
