// Structured logs (pino, JSON lines on stdout) for the server, the API and background work. Every
// module logs through this one logger; credentials are redacted by path, and errors go through
// `errorFields`, which never includes a driver's bound parameters or row values.
import { DrizzleQueryError } from 'drizzle-orm';
import pino from 'pino';
import { processWide } from './process-wide';

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.publicToken',
  '*.connectToken',
  '*.clientSecret',
  '*.appKey',
  '*.secret',
  '*.params',
];

// Written asynchronously and in batches: lines collect until LOG_BATCH_BYTES are pending or
// LOG_FLUSH_MS have passed, then go out in one write. A write system call per line was a twentieth
// of the API's CPU on GET one user (bench:api profile). pino flushes what is left synchronously
// when the process exits, so no line is lost on a normal exit or a crash; a line is at most
// LOG_FLUSH_MS late.
export const LOG_BATCH_BYTES = 8192;
export const LOG_FLUSH_MS = 100;
// One buffered stdout writer per process, shared by the portal's copy of this module (lib/process-wide.ts).
const destination = processWide('log-destination', () =>
  pino.destination({ dest: 1, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS }));
const settings = {
  // Under Vitest, request lines would drown the test report; `npm test` sets LOG_LEVEL=info and
  // keeps the full log in test-logs/ (where it is scanned for leaked secrets).
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'warn' : 'info'),
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
};

export const log = pino({ ...settings, redact: { paths: REDACT, censor: '[redacted]' } }, destination);

/**
 * The API's one line per request. Its fields are fixed by its one caller (ids, route pattern,
 * status, duration: never headers, bodies or query strings), so it skips the redaction pass, which
 * cost the hottest request a tenth of its CPU (bench:api).
 */
export const requestLog = pino(settings, destination);

export type ErrorFields = {
  name: string;
  /** Absent for database errors: PostgreSQL's messages quote values ('invalid input syntax … "x"'). */
  message?: string;
  /** The SQLSTATE (e.g. 23505) or the socket error code (e.g. ECONNREFUSED). */
  code?: string;
  /** The failed query's verb and table (e.g. "insert users"), never its text or parameters. */
  query?: string;
  /** The violated constraint's name, for integrity errors: schema, not data. */
  constraint?: string;
  stack?: string;
};

/** The error a driver raised, under any wrappers (drizzle's DrizzleQueryError names the query and its parameters). */
export function rootCause(error: unknown): { cause: unknown; query?: string } {
  let current = error;
  let query: string | undefined;
  for (let depth = 0; depth < 5 && current instanceof DrizzleQueryError && current.cause !== undefined; depth++) {
    query ??= current.query;
    current = current.cause;
  }
  if (current instanceof DrizzleQueryError) query ??= current.query;
  return { cause: current, query };
}

/**
 * A query's name for logs: its verb and first table ("select users", "delete connections"),
 * read from the SQL text without ever including literals or parameters.
 */
export function queryName(sqlText: string): string {
  const text = sqlText.replace(/\s+/g, ' ').trim();
  const verb = (text.match(/^(?:with\b.*?\)\s*)?(select|insert|update|delete|begin|commit|rollback|savepoint|release|set|show|analyze|vacuum|create|alter|drop|lock|truncate)\b/i)?.[1] ??
    text.match(/^\w+/)?.[0] ?? 'query').toLowerCase();
  const name = String.raw`(?:"[^"]+"|[a-z_]\w*)`;
  const table = text.match(new RegExp(String.raw`\b(?:from|into|update|join|table)\s+(${name}(?:\.${name})?)`, 'i'))?.[1]?.replace(/"/g, '');
  return table ? `${verb} ${table}` : verb;
}

/**
 * What may be logged of an error: its name, its SQLSTATE or socket error code, the failed query's
 * name, and — for errors that are not the database's — its message. drizzle wraps driver errors in
 * one whose message lists the query's parameters, so the wrapper's message is never logged; and a
 * database error's own message can quote a value, so only its code is.
 */
export function errorFields(error: unknown): ErrorFields {
  const { cause, query } = rootCause(error);
  if (!(cause instanceof Error)) {
    return query ? { name: 'DatabaseError', query: queryName(query) } : { name: 'Error', message: String(cause) };
  }
  const code = (cause as { code?: unknown }).code;
  const isDatabaseError = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && 'severity' in cause;
  const constraint = (cause as { constraint?: unknown }).constraint;
  return {
    name: cause.name,
    ...(isDatabaseError ? {} : { message: cause.message }),
    ...(typeof code === 'string' ? { code } : {}),
    ...(query ? { query: queryName(query) } : {}),
    ...(isDatabaseError && typeof constraint === 'string' ? { constraint } : {}),
    stack: cause.stack?.split('\n').slice(1, 6).join('\n'),
  };
}
