// What autovacuum does on PostgreSQL, done by the embedded owner: PGlite runs PostgreSQL in
// single-user mode, so nothing ever runs ANALYZE or VACUUM by itself (stale statistics made the
// planner read thousands of index entries for GET one user; dead rows were never reclaimed; xids
// were never frozen) and WAL is recycled only at a checkpoint.
//
// Which tables need work comes from PostgreSQL's own counters. Measured on PGlite 0.5.14: they
// stay 0 because the single session's pending statistics are never flushed, but
// `SELECT pg_stat_force_next_flush()` flushes them at the end of that statement, after which
// pg_stat_user_tables is right. They start at 0 again on every open (no stats file is kept), so
// the counts are carried across restarts in maintenance.json in the data folder.
//
// Each ANALYZE/VACUUM/CHECKPOINT is one step, run in a lull between client exchanges (never inside
// one), so clients take turns with maintenance; a step over 100 ms is logged as a warning. Measured
// (warm, 2 busy cores): ANALYZE of a large table with the reduced sample 35–135 ms (cold, just
// after a start, up to ~320 ms); VACUUM after inserts only 2–130 ms; VACUUM of 1M readings with
// 5–30 % dead rows 230 ms–1.6 s, which PostgreSQL cannot split (no page-range VACUUM), so it
// waits for a lull; CHECKPOINT 5–240 ms depending on dirty pages.
import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { errorFields, log } from '../../log';

/** PostgreSQL's autovacuum defaults (autovacuum_*_threshold and *_scale_factor). */
export const THRESHOLDS = {
  analyze: { base: 50, fraction: 0.1 },
  vacuum: { base: 50, fraction: 0.2 },
  /** Inserts alone: a vacuum sets the visibility map (index-only scans) and freezes early. */
  insertVacuum: { base: 1000, fraction: 0.2 },
  /** Below autovacuum_freeze_max_age (200M): a table this old is frozen, whatever else happened. */
  freezeAge: 100_000_000,
  /**
   * ANALYZE samples 300 × default_statistics_target rows: 30,000 at PostgreSQL's 100, measured at
   * 160–420 ms (warm) on a 100k-row users table and 1M readings. Past this many rows a table is
   * analyzed with a target of 30 (a 9,000-row sample, ~35–135 ms), which is plenty to know its size
   * and pick its indexes.
   */
  reducedAnalyzeAbove: 9_000,
  reducedStatisticsTarget: 30,
  /** WAL written since the last checkpoint that triggers one (bytes). */
  checkpointWal: 32 * 1024 * 1024,
} as const;

type Counts = { modified: number; dead: number; inserted: number };
type TableState = Counts & { name: string; tuples: number; pages: number; analyzedPages: number; xidAge: number };

export type MaintenanceStep = { action: 'analyze' | 'vacuum' | 'freeze' | 'checkpoint'; table?: string; ms: number };

/** Runs `work` when no client is mid-exchange (EngineSocketServer.runBetweenExchanges). */
type Turn = <T>(work: () => Promise<T>) => Promise<T>;

const TABLES_SQL = `
  SELECT c.oid::regclass::text AS name,
         c.reltuples::float8 AS tuples,
         c.relpages AS analyzed_pages,
         (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages,
         age(c.relfrozenxid)::int AS xid_age,
         coalesce(s.n_mod_since_analyze, 0)::float8 AS modified,
         coalesce(s.n_dead_tup, 0)::float8 AS dead,
         coalesce(s.n_ins_since_vacuum, 0)::float8 AS inserted
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
   WHERE c.relkind IN ('r', 'm') AND c.relpersistence = 'p'
     AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;

/** What a table needs now, by PostgreSQL's rules; counts include those carried over a restart. */
export function plan(table: TableState): MaintenanceStep['action'][] {
  const size = Math.max(table.tuples, 0);
  const actions: MaintenanceStep['action'][] = [];
  if (table.xidAge > THRESHOLDS.freezeAge) actions.push('freeze');
  else if (
    table.dead > THRESHOLDS.vacuum.base + THRESHOLDS.vacuum.fraction * size ||
    table.inserted > THRESHOLDS.insertVacuum.base + THRESHOLDS.insertVacuum.fraction * size
  ) {
    actions.push('vacuum');
  }
  const neverAnalyzed = table.tuples < 0 && table.pages > 0;
  // Counters are lost if the owner was killed before it saved them: a table whose size moved
  // away from what the last ANALYZE saw is analyzed too.
  const grown = Math.abs(table.pages - table.analyzedPages) > 1 + THRESHOLDS.analyze.fraction * table.analyzedPages;
  if (neverAnalyzed || grown || table.modified > THRESHOLDS.analyze.base + THRESHOLDS.analyze.fraction * size) actions.push('analyze');
  return actions;
}

export type Maintenance = { stop(): Promise<void>; runOnce(): Promise<MaintenanceStep[]> };

export function startMaintenance(db: PGlite, options: { dataDir: string; intervalMs: number; turn: Turn }): Maintenance {
  const statePath = path.join(options.dataDir, 'maintenance.json');
  const carried = loadCarried(statePath);
  let lastCheckpointLsn: string | null = null;
  let running: Promise<MaintenanceStep[]> | null = null;
  let stopped = false;

  const timed = async (step: Omit<MaintenanceStep, 'ms'>, sql: string): Promise<MaintenanceStep> => {
    const ms = await options.turn(async () => {
      const started = performance.now();
      await db.exec(sql);
      return performance.now() - started;
    });
    const done = { ...step, ms: Math.round(ms) };
    // Over ~100 ms every client waited for it: worth seeing without debug logging.
    log[done.ms > 100 ? 'warn' : 'debug'](done, `embedded database maintenance: ${step.action}${step.table ? ` ${step.table}` : ''}`);
    return done;
  };

  async function round(): Promise<MaintenanceStep[]> {
    const steps: MaintenanceStep[] = [];
    // One statement to flush the session's pending counters, the next one reads them.
    await options.turn(() => db.query('SELECT pg_stat_force_next_flush()'));
    const { rows } = await options.turn(() =>
      db.query<{ name: string; tuples: number; analyzed_pages: number; pages: number; xid_age: number } & Counts>(TABLES_SQL),
    );
    const current: Record<string, Counts> = {};
    for (const row of rows) {
      if (stopped) break;
      const before = carried[row.name] ?? { modified: 0, dead: 0, inserted: 0 };
      const table: TableState = {
        name: row.name,
        tuples: row.tuples,
        pages: row.pages,
        analyzedPages: row.analyzed_pages,
        xidAge: row.xid_age,
        modified: before.modified + row.modified,
        dead: before.dead + row.dead,
        inserted: before.inserted + row.inserted,
      };
      const quoted = row.name; // regclass text is already quoted where it needs to be
      for (const action of plan(table)) {
        if (action === 'analyze') {
          const sql =
            row.tuples > THRESHOLDS.reducedAnalyzeAbove || row.pages > THRESHOLDS.reducedAnalyzeAbove / 10
              ? `BEGIN; SET LOCAL default_statistics_target = ${THRESHOLDS.reducedStatisticsTarget}; ANALYZE ${quoted}; COMMIT`
              : `ANALYZE ${quoted}`;
          steps.push(await timed({ action, table: row.name }, sql));
          table.modified = 0;
        } else {
          steps.push(await timed({ action, table: row.name }, action === 'freeze' ? `VACUUM (FREEZE) ${quoted}` : `VACUUM ${quoted}`));
          table.dead = 0;
          table.inserted = 0;
        }
        delete carried[row.name]; // PostgreSQL reset its own counters for the table just now
      }
      current[row.name] = { modified: table.modified, dead: table.dead, inserted: table.inserted };
    }
    const { rows: wal } = await options.turn(() =>
      db.query<{ lsn: string; behind: string | null }>(
        'SELECT pg_current_wal_insert_lsn()::text AS lsn, (pg_current_wal_insert_lsn() - $1::text::pg_lsn)::text AS behind',
        [lastCheckpointLsn ?? '0/0'],
      ),
    );
    if (lastCheckpointLsn === null || Number(wal[0]!.behind) > THRESHOLDS.checkpointWal || steps.some((s) => s.action !== 'analyze')) {
      steps.push(await timed({ action: 'checkpoint' }, 'CHECKPOINT'));
      lastCheckpointLsn = wal[0]!.lsn;
    }
    saveCarried(statePath, current);
    return steps;
  }

  const runOnce = () => {
    running ??= round().finally(() => {
      running = null;
    });
    return running;
  };

  const timer = setInterval(() => {
    if (running || stopped) return;
    runOnce().catch((error: unknown) => log.error({ err: errorFields(error) }, 'embedded database maintenance failed'));
  }, options.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

function loadCarried(statePath: string): Record<string, Counts> {
  try {
    return JSON.parse(fs.readFileSync(statePath, 'utf8')) as Record<string, Counts>;
  } catch {
    return {};
  }
}

function saveCarried(statePath: string, counts: Record<string, Counts>) {
  const tmp = `${statePath}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(counts), { mode: 0o600 });
  fs.renameSync(tmp, statePath);
}
