// A JSON schema as a reader wants it: type on top, then each field with its type, whether it is
// required, its rules, description and example; referenced schemas are expanded in place (once
// per branch, so recursive schemas stay finite) and link to their definition.
import { Fragment } from 'react';
import { InlineCode } from '@/components/ui/inline-code';
import { DescriptionText } from './description-text';
import {
  describeConstraints,
  describeType,
  referenceName,
  resolveReference,
  schemaAnchor,
  type Constraint,
  type OpenApiDocument,
  type SchemaObject,
} from './openapi-document';

type SchemaProps = { document: OpenApiDocument; schema: SchemaObject | undefined; seen?: ReadonlySet<string> };

export function SchemaView({ document, schema, seen = new Set() }: SchemaProps) {
  return (
    <div className="space-y-2">
      <p className="flex flex-wrap items-baseline gap-2 text-sm">
        <TypeName schema={schema} /> <ConstraintList constraints={describeConstraints(schema)} />
      </p>
      <SchemaChildren document={document} schema={schema} seen={seen} />
    </div>
  );
}

/** A type, with referenced schemas as links to their definition. */
export function TypeName({ schema }: { schema: SchemaObject | undefined }) {
  if (schema?.$ref) {
    const name = referenceName(schema.$ref);
    return (
      <a href={`#${schemaAnchor(name)}`} className="font-mono text-sm font-medium text-brand-700 underline decoration-brand-100 underline-offset-2 hover:decoration-brand-600">
        {name}
      </a>
    );
  }
  const types = Array.isArray(schema?.type) ? schema.type : schema?.type ? [schema.type] : [];
  if (schema?.items && types.includes('array')) {
    const others = types.filter((type) => type !== 'array');
    return (
      <span className="font-mono text-sm text-zinc-600">
        array of <TypeName schema={schema.items} />
        {others.length ? ` | ${others.join(' | ')}` : null}
      </span>
    );
  }
  return <span className="font-mono text-sm text-zinc-600">{describeType(schema)}</span>;
}

export function ConstraintList({ constraints }: { constraints: Constraint[] }) {
  if (constraints.length === 0) return null;
  return (
    <span className="inline-flex flex-wrap gap-1">
      {constraints.map((constraint) => (
        <Fragment key={constraint.label}>
          {' '}
          <span className="inline-flex items-baseline gap-1 rounded bg-zinc-100 px-1.5 py-0.5 text-xs text-zinc-500">
            {constraint.label}{' '}
            <code className="font-mono break-all text-zinc-800">{constraint.value}</code>
          </span>
        </Fragment>
      ))}
    </span>
  );
}

/** The object (or the alternatives) to expand below a schema, following references and arrays. */
function expandable(document: OpenApiDocument, schema: SchemaObject | undefined, seen: ReadonlySet<string>) {
  let current = schema;
  let visited = seen;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current.$ref) {
      if (visited.has(current.$ref)) return { recursiveName: referenceName(current.$ref) };
      visited = new Set([...visited, current.$ref]);
      current = resolveReference<SchemaObject>(document, current);
    } else if (current.items) {
      current = current.items;
    } else if (current.properties) {
      return { object: current, seen: visited };
    } else if (current.oneOf ?? current.anyOf) {
      return { alternatives: (current.oneOf ?? current.anyOf)!, seen: visited };
    } else if (typeof current.additionalProperties === 'object') {
      current = current.additionalProperties;
    } else {
      return undefined;
    }
  }
  return undefined;
}

function SchemaChildren({ document, schema, seen = new Set() }: SchemaProps) {
  const expansion = expandable(document, schema, seen);
  if (!expansion) return null;
  if ('recursiveName' in expansion) {
    return <p className="text-xs text-zinc-500">Recursive: the same {expansion.recursiveName} as above.</p>;
  }
  if (expansion.alternatives) {
    return (
      <div className="space-y-2">
        <p className="text-xs font-medium text-zinc-500">One of:</p>
        {expansion.alternatives.map((alternative, index) => (
          <div key={index} className="border-l-2 border-zinc-200 pl-3">
            <SchemaView document={document} schema={alternative} seen={expansion.seen} />
          </div>
        ))}
      </div>
    );
  }
  return <PropertyList document={document} schema={expansion.object!} seen={expansion.seen!} />;
}

function PropertyList({ document, schema, seen }: { document: OpenApiDocument; schema: SchemaObject; seen: ReadonlySet<string> }) {
  const required = new Set(schema.required ?? []);
  return (
    <ul className="divide-y divide-zinc-100 rounded-md border border-zinc-200 bg-white">
      {Object.entries(schema.properties ?? {}).map(([name, property]) => {
        const target = property.$ref ? resolveReference<SchemaObject>(document, property) : property;
        const description = property.description ?? target?.description;
        const example = property.example ?? property.examples?.[0];
        const hasChildren = expandable(document, property, seen) !== undefined;
        return (
          <li key={name} className="px-3 py-2">
            <div className="flex flex-wrap items-baseline gap-x-2 gap-y-1">
              <code className="font-mono text-sm font-semibold text-zinc-900">{name}</code> <TypeName schema={property} />{' '}
              {required.has(name) ? (
                <span className="text-xs font-medium text-red-700">required</span>
              ) : (
                <span className="text-xs text-zinc-400">optional</span>
              )}{' '}
              <ConstraintList constraints={describeConstraints(property)} />
            </div>
            {description ? (
              <p className="mt-1 text-sm text-zinc-600">
                <DescriptionText text={description} />
              </p>
            ) : null}
            {example !== undefined ? (
              <p className="mt-1 text-xs text-zinc-500">
                Example: <InlineCode>{JSON.stringify(example)}</InlineCode>
              </p>
            ) : null}
            {hasChildren ? (
              <div className="mt-2 border-l-2 border-zinc-100 pl-3">
                <SchemaChildren document={document} schema={property} seen={seen} />
              </div>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
