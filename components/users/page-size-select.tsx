'use client';
// How many users a page shows (25, 50 or 100), kept in the URL; changing it starts from the first page.
import { useQueryStates } from 'nuqs';
import { useTransition } from 'react';
import { PAGE_SIZES, usersSearchParams } from './search-params';

export function PageSizeSelect() {
  const [isPending, startTransition] = useTransition();
  const [{ size }, setParams] = useQueryStates(usersSearchParams, { shallow: false, startTransition });
  return (
    <label className="flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
      Rows per page
      <select
        value={size}
        disabled={isPending}
        onChange={(event) => void setParams({ size: Number(event.target.value) as (typeof PAGE_SIZES)[number], after: null, before: null })}
        className="h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        {PAGE_SIZES.map((n) => (
          <option key={n} value={n}>{n}</option>
        ))}
      </select>
    </label>
  );
}
