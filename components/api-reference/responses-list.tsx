// Every documented response of an operation: status and description at a glance, headers and
// body schema on opening. Success responses start open.
import { Badge } from '@/components/ui/badge';
import { InlineCode } from '@/components/ui/inline-code';
import { DescriptionText } from './description-text';
import { StatusBadge } from './http-badges';
import { resolveReference, type HeaderObject, type OpenApiDocument, type Operation } from './openapi-document';
import { SchemaView, TypeName } from './schema-view';

export function ResponsesList({ document, operation }: { document: OpenApiDocument; operation: Operation }) {
  return (
    <ul className="divide-y divide-zinc-200 overflow-hidden rounded-lg border border-zinc-200">
      {operation.responses.map(({ status, response }) => {
        const headers = Object.entries(response.headers ?? {}).flatMap(([name, header]) => {
          const resolved = resolveReference<HeaderObject>(document, header);
          return resolved ? [{ name, header: resolved }] : [];
        });
        const content = Object.entries(response.content ?? {});
        const hasDetails = headers.length > 0 || content.length > 0;
        return (
          <li key={status}>
            <details open={status.startsWith('2') && hasDetails} className="group">
              <summary className="flex cursor-pointer list-none items-center gap-3 px-3 py-2 text-sm hover:bg-zinc-50 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-600 [&::-webkit-details-marker]:hidden">
                <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className={`size-4 shrink-0 text-zinc-400 transition-transform group-open:rotate-90 ${hasDetails ? '' : 'invisible'}`}>
                  <path d="M7.2 4.7a.75.75 0 0 1 1.06 0l4.75 4.77a.75.75 0 0 1 0 1.06L8.26 15.3a.75.75 0 1 1-1.06-1.06L11.43 10 7.2 5.76a.75.75 0 0 1 0-1.06Z" />
                </svg>
                <StatusBadge status={status} />{' '}
                <span className="text-zinc-700">{response.description ? <DescriptionText text={response.description} /> : null}</span>
              </summary>
              {hasDetails ? (
                <div className="space-y-4 border-t border-zinc-100 bg-zinc-50/60 px-4 py-3 sm:pl-10">
                  {headers.length > 0 ? (
                    <div>
                      <p className="text-xs font-semibold tracking-wide text-zinc-500 uppercase">Headers</p>
                      <ul className="mt-1 space-y-1 text-sm">
                        {headers.map(({ name, header }) => (
                          <li key={name} className="flex flex-wrap items-baseline gap-x-2">
                            <code className="font-mono font-semibold">{name}</code> <TypeName schema={header.schema} />{' '}
                            <span className="text-xs text-zinc-400">{header.required ? 'always' : 'when relevant'}</span>{' '}
                            {header.description ? <span className="text-zinc-600"><DescriptionText text={header.description} /></span> : null}
                            {header.schema?.example !== undefined ? (
                              <span className="text-xs text-zinc-500">
                                e.g. <InlineCode>{String(header.schema.example)}</InlineCode>
                              </span>
                            ) : null}
                          </li>
                        ))}
                      </ul>
                    </div>
                  ) : null}
                  {content.map(([mediaType, media]) => (
                    <div key={mediaType} className="space-y-2">
                      <p className="flex items-center gap-2 text-xs font-semibold tracking-wide text-zinc-500 uppercase">
                        Body <Badge isMonospace className="normal-case">{mediaType}</Badge>
                      </p>
                      <SchemaView document={document} schema={media.schema} />
                    </div>
                  ))}
                </div>
              ) : null}
            </details>
          </li>
        );
      })}
    </ul>
  );
}
