'use client';
// The live OpenAPI document, fetched by the browser so the reference always matches the server.
import { useQuery } from '@tanstack/react-query';
import { parseOpenApiDocument } from './openapi-document';

export const openApiKeys = {
  all: ['openapi'] as const,
  document: (documentUrl: string) => [...openApiKeys.all, 'document', documentUrl] as const,
};

export function useOpenApiDocument(documentUrl: string) {
  return useQuery({
    queryKey: openApiKeys.document(documentUrl),
    queryFn: async ({ signal }) => {
      const response = await fetch(documentUrl, { signal, headers: { accept: 'application/json' }, credentials: 'omit' });
      if (!response.ok) throw new Error(`GET ${documentUrl} answered ${response.status} ${response.statusText}.`);
      return parseOpenApiDocument(await response.json());
    },
    staleTime: 5 * 60_000,
    refetchOnWindowFocus: false,
  });
}
