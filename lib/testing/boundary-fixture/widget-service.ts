// Fixture for lib/portal-boundaries.test.ts: a "service" that queries, one step from a client module.
import { getDb, schema } from '@/lib/db/client';
export type { Widget } from './widget-types';

export async function countWidgets(): Promise<number> {
  await getDb().$count(schema.accounts);
  return 1;
}
