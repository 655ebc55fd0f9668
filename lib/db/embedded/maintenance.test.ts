import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reloadConfig } from '../../config';
import { createTestApp } from '../../testing/fixtures';
import { createUser } from '../../users/users';
import { closeDb, getDb, getPool } from '../client';
import { migrate } from '../migrate';
import { spawnOwner, type EmbeddedDatabase } from './launch';
import { plan } from './maintenance';

const INTERVAL_MS = 1_000;
const USERS = 2_000;

describe('maintenance thresholds (PostgreSQL autovacuum defaults)', () => {
  const table = { name: 'users', tuples: 10_000, pages: 300, analyzedPages: 300, xidAge: 1_000, modified: 0, dead: 0, inserted: 0 };
  it('analyzes past 50 + 10% changed rows, vacuums past 50 + 20% dead rows or 1000 + 20% inserts', () => {
    expect(plan(table)).toEqual([]);
    expect(plan({ ...table, modified: 1_050 })).toEqual([]);
    expect(plan({ ...table, modified: 1_051 })).toEqual(['analyze']);
    expect(plan({ ...table, dead: 2_051, modified: 2_051 })).toEqual(['vacuum', 'analyze']);
    expect(plan({ ...table, inserted: 3_001 })).toEqual(['vacuum']);
  });
  it('freezes an old table, analyzes one never analyzed, and one that grew while counts were lost', () => {
    expect(plan({ ...table, xidAge: 100_000_001 })).toEqual(['freeze']);
    expect(plan({ ...table, tuples: -1, analyzedPages: 0 })).toEqual(['analyze']);
    expect(plan({ ...table, pages: 400 })).toEqual(['analyze']);
  });
});

// What autovacuum would do, on the embedded engine that has none: after thousands of users are
// created through the users service, the planner soon knows the table's size and looks one user
// up by the unique (app_id, human_id) key instead of scanning an app's users.
describe.runIf(inject('databaseKind') === 'pglite')('embedded maintenance', () => {
  let owner: EmbeddedDatabase;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-maint-'));
    owner = await spawnOwner(dataDir, { maintenanceIntervalMs: INTERVAL_MS });
    await closeDb();
    process.env.DATABASE_URL = owner.url;
    reloadConfig();
    await migrate(getDb());
  });
  afterAll(async () => {
    await closeDb();
    await owner?.stop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('analyzes the users table within the interval, so GET one user uses the unique key', async () => {
    const app = await createTestApp();
    // As the demo seed leaves it: statistics from when the table was small.
    for (let i = 0; i < 25; i++) await createUser(app.owner, app.clientId, { externalId: `early-${i}` });
    await getPool().query('ANALYZE users');
    let last = '';
    for (let i = 0; i < USERS; i += 10) {
      const batch = Array.from({ length: 10 }, (_, j) => createUser(app.owner, app.clientId, { externalId: `user-${i + j}` }));
      last = (await Promise.all(batch)).at(-1)!.user.humanId;
    }
    const created = Date.now();

    const explain = async () => {
      const { rows } = await getPool().query(
        `EXPLAIN SELECT u.* FROM users u JOIN apps a ON a.id = u.app_id
          WHERE u.app_id = (SELECT id FROM apps WHERE client_id = $1) AND u.human_id = $2`,
        [app.clientId, last],
      );
      return rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    };
    const reltuples = async () => (await getPool().query(`SELECT reltuples FROM pg_class WHERE relname = 'users'`)).rows[0].reltuples as number;

    while ((await reltuples()) < USERS * 0.9 && Date.now() - created < 3 * INTERVAL_MS + 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const queryPlan = await explain();
    expect(await reltuples()).toBeGreaterThanOrEqual(USERS * 0.9);
    expect(await reltuples()).toBeLessThanOrEqual(USERS * 1.1 + 25);
    expect(queryPlan).toMatch(/Index Scan using users_(app_id_)?human_id_key on users/);
    expect(queryPlan).not.toMatch(/users_app_id_(updated|created)_at_idx/);
  });

  it('records its counts in the data folder, for the next start (PGlite keeps none)', () => {
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'maintenance.json'), 'utf8'))).toHaveProperty('users');
  });
});
