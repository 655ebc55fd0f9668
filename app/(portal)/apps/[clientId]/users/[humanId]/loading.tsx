// The user page's shape while it loads, so nothing jumps when the data arrives.
export default function Loading() {
  const bar = 'animate-pulse rounded bg-zinc-200 dark:bg-zinc-800';
  return (
    <main aria-busy="true" aria-label="Loading the user" className="space-y-8">
      <div className="space-y-4">
        <div className={`h-4 w-64 max-w-full ${bar}`} />
        <div className="flex flex-wrap items-start justify-between gap-4">
          <div className="min-w-0 space-y-2">
            <div className={`h-8 w-56 max-w-full ${bar}`} />
            <div className={`h-3 w-72 max-w-full ${bar}`} />
          </div>
          <div className="flex gap-2">
            <div className={`h-10 w-40 ${bar}`} />
            <div className={`h-10 w-32 ${bar}`} />
          </div>
        </div>
      </div>
      <div className="rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
        <div className={`h-5 w-24 ${bar}`} />
        <div className="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          {Array.from({ length: 8 }, (_, i) => <div key={i} className={`h-9 ${bar}`} />)}
        </div>
      </div>
      <div className="space-y-4">
        <div className={`h-6 w-44 ${bar}`} />
        <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
          {Array.from({ length: 2 }, (_, i) => <div key={i} className={`h-56 ${bar}`} />)}
        </div>
      </div>
    </main>
  );
}
