// Runs in every test worker before its test file: point the code under test at this run's database.
import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';

process.env.DATABASE_URL = inject('databaseUrl');
// Encryption only has to round-trip within a test file; each file may use its own key.
process.env.WEARHOUSE_SECRET_KEY = randomBytes(32).toString('hex');
process.env.WEARHOUSE_RATE_LIMIT ??= '0';
// Servers and limiters started by tests keep their Redis keys apart from other runs' (a sign-in
// throttle counted by an earlier run on the same Redis would hold this one back).
process.env.WEARHOUSE_REDIS_PREFIX ??= `wearhouse-test:${randomBytes(6).toString('hex')}:`;

afterAll(async () => {
  const { closeDb } = await import('../db/client');
  await closeDb();
});
