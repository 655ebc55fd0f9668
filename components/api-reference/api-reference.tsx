'use client';
// The interactive Application API reference, rendered from the live OpenAPI document: contents,
// authentication, operations by tag (dialect) with "Try it", and the schemas they use.
import { useMemo } from 'react';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { CodeBlock } from '@/components/ui/code-block';
import { DescriptionText } from './description-text';
import { MethodBadge } from './http-badges';
import { OperationPath } from './operation-path';
import {
  groupOperationsByTag,
  resolveReference,
  schemaAnchor,
  type OpenApiDocument,
  type SecuritySchemeObject,
  type TagGroup,
} from './openapi-document';
import { OperationCard } from './operation-card';
import { SchemaView } from './schema-view';
import { SchemeDescription } from './security-summary';
import type { ApiBase } from './try-it-request';
import { TryItSessionProvider } from './try-it-session';
import { useOpenApiDocument } from './use-openapi-document';

const tagAnchor = (tag: string) => `tag-${tag.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

export function ApiReference({ documentUrl }: { documentUrl: string }) {
  const documentQuery = useOpenApiDocument(documentUrl);

  if (documentQuery.isPending) {
    return (
      <div role="status" aria-live="polite" className="mt-10 space-y-4">
        <span className="sr-only">Loading the OpenAPI document…</span>
        {[0, 1, 2].map((index) => (
          <div key={index} aria-hidden="true" className="h-32 animate-pulse rounded-xl border border-zinc-200 bg-white" />
        ))}
      </div>
    );
  }
  if (documentQuery.isError) {
    return (
      <div className="mt-10">
        <Alert title="The OpenAPI document could not be loaded">
          <p>{documentQuery.error.message}</p>
          <Button size="sm" onClick={() => void documentQuery.refetch()} disabled={documentQuery.isFetching}>
            Try again
          </Button>
        </Alert>
      </div>
    );
  }
  return (
    <TryItSessionProvider>
      <ReferenceContent document={documentQuery.data} documentUrl={documentUrl} />
    </TryItSessionProvider>
  );
}

function ReferenceContent({ document, documentUrl }: { document: OpenApiDocument; documentUrl: string }) {
  const groups = useMemo(() => groupOperationsByTag(document), [document]);
  // Requests go to this page's origin (the API has no CORS); curl shows the documented server.
  const apiBase = useMemo<ApiBase>(() => {
    const server = new URL(document.servers?.[0]?.url ?? '/', window.location.href);
    const prefix = server.pathname.replace(/\/$/, '');
    return { fetchBase: prefix, displayBase: `${server.origin}${prefix}` };
  }, [document]);
  const schemes = Object.entries(document.components?.securitySchemes ?? {});
  const schemas = Object.entries(document.components?.schemas ?? {});

  return (
    <div className="mt-8 grid gap-10 lg:grid-cols-[15rem_minmax(0,1fr)]">
      <ReferenceContents groups={groups} schemaNames={schemas.map(([name]) => name)} hasAuthentication={schemes.length > 0} />

      <div className="min-w-0 space-y-14">
        <section aria-labelledby="overview-heading" className="space-y-4">
          <h2 id="overview-heading" className="flex flex-wrap items-center gap-2 text-2xl font-semibold tracking-tight">
            {document.info.title} <Badge tone="brand">v{document.info.version}</Badge>
          </h2>
          {document.info.description ? (
            <p className="max-w-3xl text-zinc-700">
              <DescriptionText text={document.info.description} />
            </p>
          ) : null}
          <div className="max-w-xl">
            <CodeBlock caption="Base URL" code={apiBase.displayBase} />
          </div>
          <p className="text-sm text-zinc-600">
            Rendered from <a href={documentUrl} className="font-medium text-brand-700 underline underline-offset-2">{documentUrl}</a> (OpenAPI{' '}
            {document.openapi}); import it into your HTTP client or code generator.
          </p>
        </section>

        {schemes.length > 0 ? (
          <section id="authentication" aria-labelledby="authentication-heading" className="scroll-mt-6 space-y-4">
            <h2 id="authentication-heading" className="text-2xl font-semibold tracking-tight">Authentication</h2>
            <p className="max-w-3xl text-zinc-700">
              Every request carries one of your app’s App Keys, in the way its dialect expects. Keep keys on your servers; a revoked
              key stops working at once.
            </p>
            <ul className="space-y-2 rounded-xl border border-zinc-200 bg-white p-4">
              {schemes.map(([name, scheme]) => (
                <li key={name}>
                  <SchemeDescription name={name} scheme={resolveReference<SecuritySchemeObject>(document, scheme)} />
                </li>
              ))}
            </ul>
          </section>
        ) : null}

        {groups.map((group) => (
          <section key={group.tag} id={tagAnchor(group.tag)} aria-labelledby={`${tagAnchor(group.tag)}-heading`} className="scroll-mt-6 space-y-5">
            <div>
              <h2 id={`${tagAnchor(group.tag)}-heading`} className="text-2xl font-semibold tracking-tight">
                {group.tag}
              </h2>
              {group.description ? (
                <p className="mt-2 max-w-3xl text-zinc-700">
                  <DescriptionText text={group.description} />
                </p>
              ) : null}
            </div>
            {group.operations.map((operation) => (
              <OperationCard key={operation.id} document={document} operation={operation} apiBase={apiBase} />
            ))}
          </section>
        ))}

        {schemas.length > 0 ? (
          <section id="schemas" aria-labelledby="schemas-heading" className="scroll-mt-6 space-y-5">
            <h2 id="schemas-heading" className="text-2xl font-semibold tracking-tight">Schemas</h2>
            <div className="grid gap-5 2xl:grid-cols-2">
              {schemas.map(([name, schema]) => (
                <section key={name} id={schemaAnchor(name)} aria-labelledby={`${schemaAnchor(name)}-heading`} className="scroll-mt-6 space-y-3 rounded-xl border border-zinc-200 bg-white p-5 shadow-sm">
                  <h3 id={`${schemaAnchor(name)}-heading`} className="font-mono text-base font-semibold">{name}</h3>
                  {schema.description ? (
                    <p className="text-sm text-zinc-700">
                      <DescriptionText text={schema.description} />
                    </p>
                  ) : null}
                  <SchemaView document={document} schema={schema} seen={new Set([`#/components/schemas/${name}`])} />
                </section>
              ))}
            </div>
          </section>
        ) : null}
      </div>
    </div>
  );
}

function ReferenceContents({ groups, schemaNames, hasAuthentication }: { groups: TagGroup[]; schemaNames: string[]; hasAuthentication: boolean }) {
  const linkClasses = 'block rounded-md px-2 py-1 text-sm text-zinc-700 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-brand-600';
  return (
    <nav aria-label="API reference contents" className="text-sm lg:sticky lg:top-6 lg:max-h-[calc(100vh-3rem)] lg:self-start lg:overflow-y-auto">
      <ul className="space-y-5">
        {hasAuthentication ? (
          <li>
            <a href="#authentication" className={`${linkClasses} font-semibold`}>Authentication</a>
          </li>
        ) : null}
        {groups.map((group) => (
          <li key={group.tag}>
            <a href={`#${tagAnchor(group.tag)}`} className={`${linkClasses} font-semibold`}>
              {group.tag}
            </a>
            <ul className="mt-1 space-y-0.5">
              {group.operations.map((operation) => (
                <li key={operation.id}>
                  <a href={`#${operation.id}`} className={`${linkClasses} flex items-center gap-2`}>
                    <MethodBadge method={operation.method} className="w-14 text-[10px]" />{' '}
                    <span className="min-w-0 font-mono text-xs">
                      <OperationPath path={operation.path} />
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </li>
        ))}
        {schemaNames.length > 0 ? (
          <li>
            <a href="#schemas" className={`${linkClasses} font-semibold`}>Schemas</a>
            <ul className="mt-1 space-y-0.5">
              {schemaNames.map((name) => (
                <li key={name}>
                  <a href={`#${schemaAnchor(name)}`} className={`${linkClasses} font-mono text-xs`}>{name}</a>
                </li>
              ))}
            </ul>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}
