import type { Metadata } from 'next';
import { ApiReference } from '@/components/api-reference/api-reference';

export const metadata: Metadata = {
  title: 'API reference',
  description: 'Every operation of the Wearhouse Application API in both dialects, with a Try it panel for each.',
};

export default function ApiReferencePage() {
  return (
    <main id="main" className="mx-auto max-w-[90rem] px-6 py-10">
      <p className="text-sm font-semibold tracking-wide text-brand-600 uppercase">Developers</p>
      <h1 className="mt-2 text-4xl font-bold tracking-tight">API reference</h1>
      <p className="mt-3 max-w-3xl text-lg text-zinc-600">
        Manage your app’s users from your servers. Every operation below comes from the live OpenAPI document, so it is always
        what this server speaks. Open <span className="font-medium text-zinc-800">Try it</span> on any operation to call it with one
        of your App Keys: the request goes from your browser straight to the API, and the key stays in this tab’s memory only.
      </p>
      {/* The document is fetched in the browser; the reference renders once it arrives. */}
      <ApiReference documentUrl="/openapi.json" />
    </main>
  );
}
