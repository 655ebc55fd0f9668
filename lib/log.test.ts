// What the logs may say about a failed query: its SQLSTATE and name, never its parameters or the
// values PostgreSQL quotes in its own messages; drizzle's wrapper (whose message lists the
// parameters) is looked through. Against the run's real database, so the errors are the driver's.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { getDb, schema } from './db/client';
import { errorFields, queryName } from './log';

const SECRET = 'whk_ThisMustNeverReachALogLine0000000';

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the query to fail');
}

describe(`errorFields on ${inject('databaseKind')}`, () => {
  it('gives the SQLSTATE and the query name of a failed parameterised query, and none of its values', async () => {
    const error = await failure(() => getDb().select().from(schema.users).where(eq(schema.users.id, sql`${SECRET}::int`)));
    expect(String((error as Error).message)).toContain(SECRET); // drizzle's own message would leak it

    const fields = errorFields(error);

    expect(fields).toMatchObject({ code: '22P02', query: 'select users' });
    expect(JSON.stringify(fields)).not.toContain(SECRET);
    expect(JSON.stringify(fields)).not.toContain('ThisMustNever');
  });

  it('names the violated constraint of an integrity error, not the duplicate value', async () => {
    const email = `${SECRET.toLowerCase()}@example.test`;
    const insert = () => getDb().insert(schema.accounts).values({ email, name: 'Log test', passwordHash: 'x' });
    await insert();
    const fields = errorFields(await failure(insert));
    expect(fields).toMatchObject({ code: '23505', query: 'insert accounts', constraint: expect.any(String) });
    expect(JSON.stringify(fields)).not.toContain(email);
  });

  it('keeps the message of errors that are not the database’s', () => {
    expect(errorFields(new TypeError('x is not a function'))).toMatchObject({ name: 'TypeError', message: 'x is not a function' });
  });
});

describe('queryName', () => {
  it.each([
    ['select "id", "email" from "users" where "users"."id" = $1', 'select users'],
    ['insert into "readings" ("user_id", "value") values ($1, $2)', 'insert readings'],
    ['update "users" set "name" = $1', 'update users'],
    ['delete from "connections" where "id" = $1', 'delete connections'],
    ['select id, hash from "drizzle"."__drizzle_migrations" order by created_at', 'select drizzle.__drizzle_migrations'],
    ["select 'whk_abc' as secret", 'select'],
  ])('%s → %s', (text, name) => {
    expect(queryName(text)).toBe(name);
  });
});

describe('the log destination', () => {
  // A child process, so that its stdout is a pipe as under a process manager, and its exit is real.
  const run = (code: string, onLine?: (line: string, child: ChildProcess) => void) =>
    new Promise<{ lines: string[]; exitCode: number | null }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: { ...process.env, LOG_LEVEL: 'info', VITEST: '' },
        stdio: ['ignore', 'pipe', 'ignore'], // the crash's stack trace on stderr is expected noise
      });
      const lines: string[] = [];
      let pending = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        pending += chunk;
        const complete = pending.split('\n');
        pending = complete.pop()!;
        for (const line of complete) {
          lines.push(line);
          onLine?.(line, child);
        }
      });
      child.once('error', reject);
      child.once('close', (exitCode) => resolve({ lines, exitCode }));
    });

  it('writes a line within a fraction of a second while the process keeps running, though it batches writes', async () => {
    let lateByMs = Infinity;
    const { lines } = await run(
      "const { requestLog } = await import('./lib/log.ts'); requestLog.info({ n: 1 }, 'first'); setTimeout(() => {}, 20_000);",
      (line, child) => {
        if (!line.includes('"first"')) return;
        lateByMs = Date.now() - Date.parse(JSON.parse(line).time); // the line's own time is when it was logged
        child.kill('SIGKILL');
      },
    );
    expect(lines.some((line) => JSON.parse(line).msg === 'first')).toBe(true);
    expect(lateByMs).toBeLessThan(1_000);
  }, 30_000);

  it('loses no line when the process exits at once after logging, normally or from an uncaught error', async () => {
    const many = await run("const { requestLog } = await import('./lib/log.ts'); for (let n = 0; n < 500; n++) requestLog.info({ n }, 'line'); process.exit(0);");
    expect(many.lines.map((line) => JSON.parse(line).n)).toEqual(Array.from({ length: 500 }, (_, n) => n));
    const crash = await run("const { log } = await import('./lib/log.ts'); log.error({ n: 1 }, 'last words'); throw new Error('boom');");
    expect(crash.exitCode).not.toBe(0);
    expect(crash.lines.some((line) => line.includes('"last words"'))).toBe(true);
  }, 30_000);
});
