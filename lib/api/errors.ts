// Turning anything a handler throws into a DomainError, so each dialect renders one kind of thing.
// Errors that are not ours (bugs, a lost database) are logged here and never shown in detail.
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { DatabaseUnavailableError } from '../db/client';
import { DomainError } from '../errors';

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
  if (error instanceof DatabaseUnavailableError) return new DomainError('unavailable', 'The database is not available.');
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ECONNREFUSED' || code === '57P01' || code === '57P03') return new DomainError('unavailable', 'The database is not available.');
  return null;
}

export function logUnexpected(error: unknown, method: string, path: string) {
  console.error(`wearhouse: ${method} ${path} failed:`, error);
}
