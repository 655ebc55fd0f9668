// Turning anything a handler throws into a DomainError, so each dialect renders one kind of thing.
// Errors that are not ours (bugs, a lost database) are logged here and never shown in detail.
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { DatabaseUnavailableError } from '../db/client';
import { DomainError } from '../errors';
import { errorFields, log, rootCause } from '../log';

/** How long a client is asked to wait while the database is down or restarting. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

// SQLSTATEs of a server that is going away, starting up, or refusing connections: class 08
// (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect now), 53300 (too many
// connections) and 55000 with "not currently accepting connections" (ALLOW_CONNECTIONS false).
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[1-3]|53300)$/;
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// node-postgres reports a connection lost or never made with plain Errors and no code.
const UNAVAILABLE_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection ended unexpectedly)/;

/** Whether an error (under any drizzle wrapper) means the database cannot be reached right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { cause } = rootCause(error);
  if (cause instanceof DatabaseUnavailableError) return true;
  if (!(cause instanceof Error)) return false;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_SOCKET_CODES.has(code)) return true;
    if (code === '55000' && /not currently accepting connections/.test(cause.message)) return true;
  }
  // A failed connect surfaces as an AggregateError of the addresses tried (IPv4 and IPv6).
  if (cause instanceof AggregateError) return cause.errors.some(isDatabaseUnavailable);
  return UNAVAILABLE_MESSAGES.test(cause.message);
}

export function asDomainError(error: unknown): DomainError | null {
  if (error instanceof DomainError) return error;
  if (error instanceof ZodError) {
    return new DomainError('invalid_input', error.issues[0]?.message ?? 'Invalid request.', {
      issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  if (error instanceof HTTPException) {
    if (error.status === 413) return new DomainError('payload_too_large', 'The request body is larger than 1 MB.');
    if (error.status === 415) {
      return new DomainError('unsupported_media_type', 'Send the body as application/json or as a form (application/x-www-form-urlencoded).');
    }
    if (error.status >= 400 && error.status < 500) return new DomainError('invalid_input', error.message || 'Malformed request.');
  }
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  return null;
}

export const databaseUnavailable = () =>
  new DomainError('unavailable', `The database is not available right now; retry in ${DATABASE_RETRY_AFTER_SECONDS} s.`, {
    retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
  });

/**
 * Log a request that failed on our side: a lost database as a warning (it is an outage, not a
 * bug), anything else as an error. Only errorFields of the error: no parameters, no row values.
 */
export function logFailure(error: unknown, request: { method: string; route: string; requestId?: string }) {
  if (isDatabaseUnavailable(error)) log.warn({ ...request, error: errorFields(error) }, 'database unavailable');
  else log.error({ ...request, error: errorFields(error) }, 'request failed');
}
