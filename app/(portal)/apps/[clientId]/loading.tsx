// While the app home's figures load: the same boxes, empty, so nothing moves when they arrive.
export default function AppHomeLoading() {
  return (
    <div aria-busy="true" aria-live="polite">
      <span className="sr-only">Loading…</span>
      <div className="grid gap-4 sm:grid-cols-3">
        {[0, 1, 2].map((i) => (
          <div key={i} className="h-[104px] animate-pulse rounded-lg border border-zinc-200 bg-zinc-100 dark:border-zinc-800 dark:bg-zinc-900" />
        ))}
      </div>
      <div className="mt-6 grid gap-6 lg:grid-cols-5">
        <div className="h-[292px] animate-pulse rounded-lg border border-zinc-200 bg-zinc-100 lg:col-span-3 dark:border-zinc-800 dark:bg-zinc-900" />
        <div className="h-[292px] animate-pulse rounded-lg border border-zinc-200 bg-zinc-100 lg:col-span-2 dark:border-zinc-800 dark:bg-zinc-900" />
      </div>
    </div>
  );
}
