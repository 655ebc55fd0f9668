// While the users page renders: the same frame as the page (heading, search, table header, rows of
// the same height, pager), so nothing moves when the users arrive.
const COLUMNS = ['humanId', 'externalId', 'accessToken', 'publicToken', 'Created', 'Last active', 'Options'];

export default function UsersLoading() {
  return (
    <main aria-busy="true">
      <div className="h-5 w-40 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" />
      <div className="mt-2 flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <h2 className="text-2xl font-semibold tracking-tight">Users</h2>
        <div className="h-9 w-full animate-pulse rounded-md bg-zinc-200 sm:max-w-sm dark:bg-zinc-800" />
      </div>
      <p className="sr-only" role="status">Loading users…</p>
      <div className="relative mt-4 overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <table className="w-full text-left text-sm">
          <thead className="border-b border-zinc-200 bg-zinc-50 text-xs text-zinc-600 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-400">
            <tr>
              {COLUMNS.map((name) => (
                <th key={name} scope="col" className="h-10 px-2.5 font-medium whitespace-nowrap">{name}</th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {Array.from({ length: 10 }, (_, row) => (
              <tr key={row} className="h-14">
                {COLUMNS.map((name) => (
                  <td key={name} className="px-2.5 py-1.5">
                    <div className="h-4 w-full max-w-[9rem] animate-pulse rounded bg-zinc-100 dark:bg-zinc-800" />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}
