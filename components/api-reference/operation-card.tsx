'use client';
// One operation: method and path as its heading, then "Try it" (on demand), how to authenticate,
// parameters, request body and responses.
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { DescriptionText } from './description-text';
import { MethodBadge } from './http-badges';
import { OperationPath } from './operation-path';
import type { OpenApiDocument, Operation } from './openapi-document';
import { ParametersTable } from './parameters-table';
import { RequestBodyView } from './request-body-view';
import { ResponsesList } from './responses-list';
import { SecuritySummary } from './security-summary';
import type { ApiBase } from './try-it-request';
import { TryItPanel } from './try-it-panel';

export function OperationCard({ document, operation, apiBase }: { document: OpenApiDocument; operation: Operation; apiBase: ApiBase }) {
  const [isTrying, setTrying] = useState(false);
  const headingId = `${operation.id}-heading`;
  const panelId = `${operation.id}-try-it`;

  return (
    <section id={operation.id} aria-labelledby={headingId} className="scroll-mt-6 overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-sm">
      <header className="flex flex-wrap items-start justify-between gap-3 px-5 py-4">
        <div className="min-w-0">
          <h3 id={headingId} className="flex items-center gap-2.5">
            <MethodBadge method={operation.method} className="w-16" />{' '}
            <code className="font-mono text-[15px] font-semibold text-zinc-900">
              <OperationPath path={operation.path} />
            </code>
          </h3>
          {operation.summary ? <p className="mt-1.5 text-sm text-zinc-700">{operation.summary}</p> : null}
          {operation.isDeprecated ? <p className="mt-1 text-xs font-semibold text-amber-700">Deprecated</p> : null}
        </div>
        <Button variant={isTrying ? 'secondary' : 'primary'} size="sm" aria-expanded={isTrying} aria-controls={panelId} onClick={() => setTrying(!isTrying)}>
          <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="size-3.5">
            <path d="M6.3 2.84A1.5 1.5 0 0 0 4 4.11v11.78a1.5 1.5 0 0 0 2.3 1.27l9.34-5.89a1.5 1.5 0 0 0 0-2.54L6.3 2.84Z" />
          </svg>
          Try it
        </Button>
      </header>

      {/* Kept mounted while hidden, so inputs and the last response survive closing the panel. */}
      <div id={panelId} hidden={!isTrying} className="border-t border-brand-100 bg-brand-50/40 px-5 py-5">
        <h4 className="sr-only">Try it</h4>
        <TryItPanel document={document} operation={operation} apiBase={apiBase} />
      </div>

      <div className="space-y-6 border-t border-zinc-100 px-5 py-5">
        {operation.description ? (
          <p className="text-sm text-zinc-700">
            <DescriptionText text={operation.description} />
          </p>
        ) : null}
        <div className="space-y-2">
          <h4 className="text-sm font-semibold text-zinc-900">Authentication</h4>
          <SecuritySummary operation={operation} />
        </div>
        {operation.parameters.length > 0 ? (
          <div className="space-y-2">
            <h4 className="text-sm font-semibold text-zinc-900">Parameters</h4>
            <ParametersTable operation={operation} />
          </div>
        ) : null}
        {operation.requestBody ? (
          <div className="space-y-2">
            <h4 className="text-sm font-semibold text-zinc-900">Request body</h4>
            <RequestBodyView document={document} requestBody={operation.requestBody} />
          </div>
        ) : null}
        <div className="space-y-2">
          <h4 className="text-sm font-semibold text-zinc-900">Responses</h4>
          <ResponsesList document={document} operation={operation} />
        </div>
      </div>
    </section>
  );
}
