// What an operation accepts as its body: the media types, and the fields of each distinct schema.
import { Fragment } from 'react';
import { Badge } from '@/components/ui/badge';
import { DescriptionText } from './description-text';
import type { OpenApiDocument, RequestBodyObject } from './openapi-document';
import { SchemaView } from './schema-view';

export function RequestBodyView({ document, requestBody }: { document: OpenApiDocument; requestBody: RequestBodyObject }) {
  // Media types that share a schema (JSON and form fields of the same object) are shown together.
  const bySchema = new Map<string, { mediaTypes: string[]; schema: RequestBodyObject['content'][string]['schema'] }>();
  for (const [mediaType, content] of Object.entries(requestBody.content)) {
    const key = JSON.stringify(content.schema ?? null);
    const group = bySchema.get(key) ?? { mediaTypes: [], schema: content.schema };
    group.mediaTypes.push(mediaType);
    bySchema.set(key, group);
  }
  return (
    <div className="space-y-3">
      <p className="text-sm text-zinc-600">
        {requestBody.required ? 'Required. ' : 'Optional. '}
        {requestBody.description ? <DescriptionText text={requestBody.description} /> : null}
      </p>
      {[...bySchema.values()].map((group) => (
        <div key={group.mediaTypes.join()} className="space-y-2">
          <p className="flex flex-wrap items-center gap-1.5 text-sm text-zinc-600">
            <span>Accepted as</span>
            {group.mediaTypes.map((mediaType) => (
              <Fragment key={mediaType}>
                {' '}
                <Badge isMonospace>{mediaType}</Badge>
              </Fragment>
            ))}
          </p>
          <SchemaView document={document} schema={group.schema} />
        </div>
      ))}
    </div>
  );
}
