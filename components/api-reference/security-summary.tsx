// How to authenticate: an operation's security requirements, or every scheme of the document.
import { Badge } from '@/components/ui/badge';
import { DescriptionText } from './description-text';
import type { Operation, SecuritySchemeObject } from './openapi-document';

export function schemeLabel(scheme: SecuritySchemeObject | undefined): string {
  if (!scheme) return 'Unknown scheme';
  if (scheme.type === 'http') {
    const name = scheme.scheme?.toLowerCase();
    return name === 'basic' ? 'HTTP Basic' : name === 'bearer' ? 'HTTP Bearer' : `HTTP ${scheme.scheme ?? ''}`.trim();
  }
  if (scheme.type === 'apiKey') return `API key in the ${scheme.in ?? ''} ${scheme.name ?? ''}`.replace(/\s+/g, ' ').trim();
  if (scheme.type === 'oauth2') return 'OAuth 2';
  if (scheme.type === 'openIdConnect') return 'OpenID Connect';
  return scheme.type;
}

export function SchemeDescription({ name, scheme }: { name: string; scheme: SecuritySchemeObject | undefined }) {
  return (
    <span className="flex flex-wrap items-baseline gap-x-2 gap-y-1 text-sm">
      <Badge tone="brand">{schemeLabel(scheme)}</Badge> <code className="font-mono text-xs text-zinc-500">{name}</code>{' '}
      {scheme?.description ? (
        <span className="text-zinc-700">
          <DescriptionText text={scheme.description} />
        </span>
      ) : null}
    </span>
  );
}

export function SecuritySummary({ operation }: { operation: Operation }) {
  if (operation.security.length === 0 || operation.security.some((requirement) => requirement.length === 0)) {
    return <p className="text-sm text-zinc-600">No credentials needed.</p>;
  }
  return (
    <ul className="space-y-1">
      {operation.security.map((requirement, index) => (
        <li key={index} className="space-y-1">
          {index > 0 ? <span className="text-xs text-zinc-500">or</span> : null}
          {requirement.map(({ name, scheme }) => (
            <SchemeDescription key={name} name={name} scheme={scheme} />
          ))}
        </li>
      ))}
    </ul>
  );
}
