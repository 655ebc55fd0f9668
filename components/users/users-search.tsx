'use client';
// The search box of the users table: typing updates the URL after a pause (nuqs, debounced) and the
// server renders the matches; a new search starts again from the first page.
import { LoaderCircle, Search } from 'lucide-react';
import { debounce, useQueryStates } from 'nuqs';
import { useTransition } from 'react';
import { usersSearchParams } from './search-params';

export function UsersSearch({ inputId }: { inputId: string }) {
  const [isPending, startTransition] = useTransition();
  const [{ q }, setParams] = useQueryStates(usersSearchParams, { shallow: false, startTransition });
  return (
    <div className="relative w-full sm:max-w-sm">
      <label htmlFor={inputId} className="sr-only">Search users</label>
      <Search aria-hidden="true" className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-zinc-400" />
      <input
        id={inputId}
        type="search"
        value={q}
        maxLength={200}
        autoComplete="off"
        spellCheck={false}
        placeholder="humanId, externalId or email"
        onChange={(event) =>
          void setParams(
            { q: event.target.value || null, after: null, before: null },
            // Clearing the box shows everyone at once; typing waits for a pause.
            { limitUrlUpdates: event.target.value ? debounce(300) : undefined },
          )
        }
        className="block h-9 w-full rounded-md border border-zinc-300 bg-white pr-8 pl-8 text-sm text-zinc-900 shadow-sm placeholder:text-zinc-400 focus:border-brand-500 focus:outline-2 focus:outline-offset-0 focus:outline-brand-500/30 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:placeholder:text-zinc-500"
      />
      {isPending ? (
        <LoaderCircle aria-label="Searching" className="absolute top-1/2 right-2.5 size-4 -translate-y-1/2 animate-spin text-zinc-400" />
      ) : null}
    </div>
  );
}
