import type { Metadata } from 'next';
import { scalarEntryUrl } from './scalar-assets';
import { ScalarReference } from './scalar-reference';

export const metadata: Metadata = {
  title: 'API reference',
  description: 'Every operation of the Wearhouse Application API in both dialects, with a console to call each with an App Key.',
};

export default function ApiReferencePage() {
  return (
    // Scalar renders the <main> landmark itself; this is only the skip link's target.
    <div id="main">
      <ScalarReference entryUrl={scalarEntryUrl()} />
      <noscript>
        <p className="mx-auto max-w-7xl px-6 py-10">
          The API reference needs JavaScript. The OpenAPI document it renders is at <a className="underline" href="/openapi.json">/openapi.json</a>.
        </p>
      </noscript>
    </div>
  );
}
