import Link from 'next/link';

const apiExamples = [
  { method: 'GET', path: '/v1/apps/{clientId}/users', note: 'Human API dialect, Basic auth with an App Key' },
  { method: 'DELETE', path: '/v1/apps/{clientId}/users/{humanId}', note: 'removes the user and all their data' },
  { method: 'GET', path: '/app/users', note: 'ngrok dialect, Bearer App Key, Ngrok-Version: 2' },
];

export default function HomePage() {
  return (
    <main id="main" className="mx-auto max-w-3xl px-6 py-16">
      <p className="text-sm font-semibold uppercase tracking-wide text-brand-600">Wearhouse</p>
      <h1 className="mt-2 text-4xl font-bold tracking-tight">Health data connections for your app</h1>
      <p className="mt-4 text-lg text-zinc-600 dark:text-zinc-400">
        Your users connect wearables, scales, glucose meters and health records. You manage them from this
        portal and from your servers through the Application API.
      </p>
      <div className="mt-8 flex flex-wrap gap-3">
        <Link href="/apps" className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Open the portal
        </Link>
        <Link href="/docs/api" className="rounded-md border border-zinc-300 bg-white px-4 py-2 font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800">
          API reference
        </Link>
        <a href="/openapi.json" className="rounded-md border border-zinc-300 bg-white px-4 py-2 font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800">
          OpenAPI document
        </a>
      </div>
      <section aria-labelledby="api-heading" className="mt-12">
        <h2 id="api-heading" className="text-xl font-semibold">Application API</h2>
        <ul className="mt-4 divide-y divide-zinc-200 rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
          {apiExamples.map((example) => (
            <li key={example.method + example.path} className="px-4 py-3">
              <code className="font-mono text-sm">
                <span className="font-semibold text-brand-700 dark:text-brand-400">{example.method}</span> {example.path}
              </code>
              <p className="text-sm text-zinc-500 dark:text-zinc-400">{example.note}</p>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
