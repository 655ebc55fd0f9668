'use client';
import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { signInWithPassword, type SignInState } from './actions';

export function SignInForm({ callbackUrl }: { callbackUrl?: string }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signInWithPassword, {});
  return (
    <form action={action} className="space-y-4" noValidate>
      {callbackUrl ? <input type="hidden" name="callbackUrl" value={callbackUrl} /> : null}
      <div>
        <label htmlFor="email" className="block text-sm font-medium">Email</label>
        <Input id="email" name="email" type="email" autoComplete="username" required defaultValue={state.email} className="mt-1 w-full" />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium">Password</label>
        <Input id="password" name="password" type="password" autoComplete="current-password" required className="mt-1 w-full" />
      </div>
      <p role="alert" aria-live="polite" className="min-h-5 text-sm text-red-700 dark:text-red-400">{state.message}</p>
      <Button type="submit" variant="primary" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
