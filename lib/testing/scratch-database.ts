// Throwaway PostgreSQL databases beside an admin connection's, for test runs and benchmarks.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

async function onAdmin(adminUrl: string, statement: string) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** Create an empty database named `<prefix>_<time>_<random>` on adminUrl's server. */
export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await onAdmin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export async function dropScratchDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^\w+$/.test(name)) throw new Error(`Not a scratch database name: ${name}`);
  await onAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
