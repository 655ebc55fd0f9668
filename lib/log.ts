// Structured logs (pino, JSON lines on stdout) for the server, the API and background work. Every
// module logs through this one logger; credentials are redacted by path, and errors go through
// `errorFields`, which never includes a driver's bound parameters or row values.
import pino from 'pino';

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.publicToken',
  '*.clientSecret',
  '*.appKey',
];

export const log = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
  redact: { paths: REDACT, censor: '[redacted]' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

/**
 * What may be logged of an error: its name, a message and, for database errors, the SQLSTATE.
 * drizzle wraps driver errors in one whose message lists the query's parameters, so the message
 * of such a wrapper is never logged; the driver's own error (its `cause`) is described instead.
 */
export function errorFields(error: unknown): { name: string; message: string; code?: string; stack?: string } {
  let current = error;
  while (current && typeof current === 'object' && 'cause' in current && (current as Error).name === 'DrizzleQueryError') {
    current = (current as { cause: unknown }).cause;
  }
  if (!(current instanceof Error)) return { name: 'Error', message: String(current) };
  const code = (current as { code?: unknown }).code;
  return {
    name: current.name,
    message: current.message,
    ...(typeof code === 'string' ? { code } : {}),
    stack: current.stack?.split('\n').slice(1, 6).join('\n'),
  };
}
