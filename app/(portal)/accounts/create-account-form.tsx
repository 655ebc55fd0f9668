'use client';
import { useActionState, useEffect, useRef } from 'react';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { Input, Select } from '@/components/ui/input';
import { createAccountAction, type CreateAccountState } from './actions';

function FieldError({ id, messages }: { id: string; messages?: string[] }) {
  return messages?.length ? <p id={id} className="mt-1 text-xs text-red-700 dark:text-red-400">{messages[0]}</p> : null;
}

export function CreateAccountForm() {
  const [state, action, pending] = useActionState<CreateAccountState, FormData>(createAccountAction, {});
  const form = useRef<HTMLFormElement>(null);
  const created = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (state.created) {
      form.current?.reset();
      created.current?.focus();
    }
  }, [state.created]);
  const errors = state.errors ?? {};
  return (
    <div className="mt-4 space-y-4">
      <form ref={form} action={action} noValidate className="grid gap-4 sm:grid-cols-[2fr_2fr_1fr_auto] sm:items-start">
        <div>
          <label htmlFor="account-email" className="block text-sm font-medium">Email</label>
          <Input id="account-email" name="email" type="email" autoComplete="off" required defaultValue={state.values?.email}
            aria-invalid={errors.email ? true : undefined} aria-describedby={errors.email ? 'account-email-error' : undefined} className="mt-1" />
          <FieldError id="account-email-error" messages={errors.email} />
        </div>
        <div>
          <label htmlFor="account-name" className="block text-sm font-medium">Name <span className="font-normal text-zinc-500 dark:text-zinc-400">(optional)</span></label>
          <Input id="account-name" name="name" autoComplete="off" defaultValue={state.values?.name}
            aria-invalid={errors.name ? true : undefined} aria-describedby={errors.name ? 'account-name-error' : undefined} className="mt-1" />
          <FieldError id="account-name-error" messages={errors.name} />
        </div>
        <div>
          <label htmlFor="account-role" className="block text-sm font-medium">Role</label>
          <Select id="account-role" name="role" defaultValue={state.values?.role ?? 'developer'} key={state.values?.role ?? 'developer'}
            aria-invalid={errors.role ? true : undefined} aria-describedby={errors.role ? 'account-role-error' : undefined} className="mt-1">
            <option value="developer">Developer</option>
            <option value="admin">Admin</option>
          </Select>
          <FieldError id="account-role-error" messages={errors.role} />
        </div>
        <Button type="submit" variant="primary" disabled={pending} className="sm:mt-6">
          {pending ? 'Creating…' : 'Create account'}
        </Button>
      </form>
      <p role="status" aria-live="polite" className="sr-only">{state.message ?? (state.created ? `Account ${state.created.email} created.` : '')}</p>
      {state.message && !state.created && !state.errors ? <p className="text-sm text-red-700 dark:text-red-400">{state.message}</p> : null}
      {state.created ? (
        <div ref={created} tabIndex={-1} role="region" aria-labelledby="new-account-title"
          className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 outline-none focus-visible:ring-2 focus-visible:ring-brand-600 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          <p id="new-account-title" className="font-semibold">Account {state.created.email} created ({state.created.role})</p>
          <p className="mt-1">Copy its password now and hand it over safely: <strong>you will not see it again</strong>.</p>
          <label htmlFor="generated-password" className="mt-3 block text-xs font-medium">Generated password</label>
          <div className="mt-1 flex items-center gap-2 rounded-md bg-zinc-900 px-2 py-1.5">
            <input id="generated-password" readOnly value={state.created.password} spellCheck={false} autoComplete="off"
              onFocus={(event) => event.currentTarget.select()}
              className="min-w-0 flex-1 bg-transparent px-1 font-mono text-sm text-white outline-none focus-visible:ring-2 focus-visible:ring-brand-500" />
            <CopyButton text={state.created.password} label="Copy password" />
          </div>
        </div>
      ) : null}
    </div>
  );
}
