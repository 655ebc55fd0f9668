'use client';
// "Create app": a dialog with the name field; once created, the same dialog shows the client secret
// and the first App Key once. The form (and so the secrets in its action state) is remounted on
// every opening, so nothing of them is left in the page after the dialog closes.
import { Plus } from 'lucide-react';
import Link from 'next/link';
import { useActionState, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions, DialogClose } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { idle, type FormState } from './action-state';
import { NotShownAgain, OneTimeSecret } from './one-time-secret';

export type CreatedApp = { name: string; clientId: string; clientSecret: string; appKey: string };
type CreateAppAction = (previous: FormState<CreatedApp>, formData: FormData) => Promise<FormState<CreatedApp>>;

export function CreateAppDialog({ createApp }: { createApp: CreateAppAction }) {
  const [isOpen, setIsOpen] = useState(false);
  const [generation, setGeneration] = useState(0);

  function onOpenChange(open: boolean) {
    setIsOpen(open);
    if (!open) setGeneration((g) => g + 1);
  }

  return (
    <>
      <Button variant="primary" onClick={() => setIsOpen(true)}>
        <Plus aria-hidden="true" className="size-4" />
        Create app
      </Button>
      <Dialog open={isOpen} onOpenChange={onOpenChange} title="Create an app" size="lg">
        <CreateAppForm key={generation} createApp={createApp} />
      </Dialog>
    </>
  );
}

function CreateAppForm({ createApp }: { createApp: CreateAppAction }) {
  const [state, formAction, isPending] = useActionState(createApp, idle);

  if (state.status === 'done') {
    const app = state.result;
    return (
      <div className="space-y-4">
        <p className="text-sm text-zinc-700 dark:text-zinc-300">
          <strong>{app.name}</strong> is ready. Its server uses the client secret to mint Connect tokens; the App Key
          calls the Application API.
        </p>
        <NotShownAgain>Copy both now. Wearhouse keeps only hashes; if you lose one, rotate the secret or create a new key in the app’s settings.</NotShownAgain>
        <div>
          <p className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Client ID</p>
          <p className="mt-1 font-mono text-sm break-all text-zinc-600 dark:text-zinc-400">{app.clientId}</p>
        </div>
        <OneTimeSecret label="Client secret" value={app.clientSecret} />
        <OneTimeSecret label="App Key" value={app.appKey} />
        <DialogActions>
          <DialogClose>
            <Button>Close</Button>
          </DialogClose>
          <Link
            href={`/apps/${app.clientId}`}
            className="inline-flex h-10 items-center rounded-md bg-brand-600 px-4 text-sm font-medium text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
          >
            Open {app.name}
          </Link>
        </DialogActions>
      </div>
    );
  }

  const nameErrors = state.status === 'error' ? state.errors?.name : undefined;
  return (
    <form action={formAction} noValidate className="space-y-4">
      <div>
        <label htmlFor="new-app-name" className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
          Name
        </label>
        <Input
          id="new-app-name"
          name="name"
          required
          maxLength={100}
          autoComplete="off"
          placeholder="e.g. Acme Health"
          aria-invalid={nameErrors ? true : undefined}
          aria-describedby={nameErrors ? 'new-app-name-error' : 'new-app-name-hint'}
          className="mt-1"
          autoFocus
        />
        {nameErrors ? (
          <p id="new-app-name-error" className="mt-1 text-sm text-red-700 dark:text-red-400">{nameErrors.join(' ')}</p>
        ) : (
          <p id="new-app-name-hint" className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">Shown to your users in Connect.</p>
        )}
      </div>
      {state.status === 'error' && !nameErrors ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">{state.message}</p>
      ) : null}
      <DialogActions>
        <DialogClose>
          <Button>Cancel</Button>
        </DialogClose>
        <Button type="submit" variant="primary" disabled={isPending}>
          {isPending ? 'Creating…' : 'Create app'}
        </Button>
      </DialogActions>
    </form>
  );
}
