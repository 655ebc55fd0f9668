// While the settings load: their three panels, empty.
export default function SettingsLoading() {
  return (
    <div aria-busy="true" className="space-y-8">
      <span className="sr-only">Loading…</span>
      {[160, 220, 420].map((height) => (
        <div key={height} style={{ height }} className="animate-pulse rounded-lg border border-zinc-200 bg-zinc-100 dark:border-zinc-800 dark:bg-zinc-900" />
      ))}
    </div>
  );
}
