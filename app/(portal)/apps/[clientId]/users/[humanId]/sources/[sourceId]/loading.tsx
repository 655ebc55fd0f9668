// While the header's data loads: the page's shape, so nothing jumps when it arrives.
export default function Loading() {
  return (
    <main aria-busy="true" className="space-y-6">
      <div role="status" aria-label="Loading the source" className="space-y-3">
        <div className="h-4 w-32 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" />
        <div className="h-8 w-72 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" />
        <div className="h-4 w-96 max-w-full animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        {Array.from({ length: 4 }, (_, i) => <div key={i} className="h-[306px] animate-pulse rounded-lg bg-zinc-100 dark:bg-zinc-900" />)}
      </div>
    </main>
  );
}
