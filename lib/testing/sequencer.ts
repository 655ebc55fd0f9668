// The order `npm test` starts test files in when several run at once: the longest first (measured
// in CI, slowest first), so that none of them starts last and leaves the other workers idle while
// it runs alone. Files not listed keep Vitest's own order (larger files first) after these.
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOWEST_FIRST = [
  // Measured on the embedded database in CI (2 cores, 2026-12-07), longest first.
  'lib/server/stop.test.ts',
  'lib/cli/cli.test.ts',
  'lib/readings/ingest.test.ts',
  'lib/sources/sync.test.ts',
  'lib/server/start.test.ts',
  'lib/sources/apple-health/imports.test.ts',
  'lib/db/embedded/lock.test.ts',
  'lib/db/embedded/maintenance.test.ts',
  'lib/auth/session-restart.test.ts',
  'lib/api/data/data.test.ts',
  'lib/sources/fitbit/fitbit.test.ts',
  'lib/api/malformed.test.ts',
  'lib/api/database-outage.test.ts',
  'lib/sources/oura/connector.test.ts',
  'lib/demo/seed.test.ts',
  'lib/api/isolation.test.ts',
  'lib/jobs/queue.test.ts',
  'lib/db/embedded/data-folder.test.ts',
  'lib/webhooks/queue.test.ts',
  'lib/db/migrate-upgrade.test.ts',
];

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const at = SLOWEST_FIRST.indexOf(path.relative(spec.project.config.root, spec.moduleId));
      return at === -1 ? SLOWEST_FIRST.length : at;
    };
    // Stable: equal ranks keep the base order.
    return base.map((spec, i) => ({ spec, i })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i).map(({ spec }) => spec);
  }
}
