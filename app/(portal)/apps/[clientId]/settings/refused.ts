// How the settings page's actions answer a refusal: domain errors a person can act on become the
// form's message and per-field errors; anything else is a bug and stays a 500.
import type { FieldErrors } from '@/components/apps/action-state';
import { DomainError } from '@/lib/errors';

export function refused(
  error: unknown,
  options: { notFound: string; fieldOf?: (path: string) => string } = { notFound: 'This app no longer exists.' },
): { status: 'error'; message: string; errors?: FieldErrors } {
  if (error instanceof DomainError && error.status < 500) {
    const errors: FieldErrors = {};
    for (const issue of error.extra.issues ?? []) (errors[options.fieldOf?.(issue.path) ?? issue.path] ??= []).push(issue.message);
    return { status: 'error', message: error.status === 404 ? options.notFound : error.message, errors };
  }
  throw error;
}
