// The part of OpenAPI 3.1 the reference renders, and the lookups over it: operations grouped by
// tag, $ref resolution, and readable types, constraints and examples for schemas.

export type Reference = { $ref: string };

export type SchemaObject = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  title?: string;
  description?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  items?: SchemaObject;
  additionalProperties?: boolean | SchemaObject;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  example?: unknown;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  nullable?: boolean;
  readOnly?: boolean;
  writeOnly?: boolean;
  deprecated?: boolean;
  oneOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  allOf?: SchemaObject[];
};

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

export type ParameterObject = {
  name: string;
  in: ParameterLocation;
  required?: boolean;
  description?: string;
  deprecated?: boolean;
  schema?: SchemaObject;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
};

export type MediaTypeObject = { schema?: SchemaObject; example?: unknown; examples?: Record<string, { value?: unknown }> };

export type RequestBodyObject = { description?: string; required?: boolean; content: Record<string, MediaTypeObject> };

export type HeaderObject = { description?: string; required?: boolean; schema?: SchemaObject; example?: unknown };

export type ResponseObject = {
  description?: string;
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, MediaTypeObject>;
};

export type SecuritySchemeObject = {
  type: string;
  scheme?: string;
  bearerFormat?: string;
  description?: string;
  name?: string;
  in?: string;
};

type OperationObject = {
  tags?: string[];
  summary?: string;
  description?: string;
  operationId?: string;
  deprecated?: boolean;
  parameters?: (ParameterObject | Reference)[];
  requestBody?: RequestBodyObject | Reference;
  responses?: Record<string, ResponseObject | Reference>;
  security?: Record<string, string[]>[];
};

type PathItemObject = Partial<Record<HttpMethod, OperationObject>> & { parameters?: (ParameterObject | Reference)[] };

export type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  paths?: Record<string, PathItemObject>;
  security?: Record<string, string[]>[];
  components?: {
    schemas?: Record<string, SchemaObject>;
    securitySchemes?: Record<string, SecuritySchemeObject | Reference>;
    parameters?: Record<string, ParameterObject | Reference>;
    requestBodies?: Record<string, RequestBodyObject | Reference>;
    responses?: Record<string, ResponseObject | Reference>;
    headers?: Record<string, HeaderObject | Reference>;
  };
};

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One way to authenticate: every scheme listed must be satisfied together. */
export type SecurityRequirement = { name: string; scheme: SecuritySchemeObject | undefined }[];

export type Operation = {
  /** Unique within the document; used for anchors and element ids. */
  id: string;
  method: HttpMethod;
  path: string;
  summary?: string;
  description?: string;
  isDeprecated: boolean;
  parameters: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses: { status: string; response: ResponseObject }[];
  /** Alternatives; an empty requirement means the operation may be called without credentials. */
  security: SecurityRequirement[];
};

export type TagGroup = { tag: string; description?: string; operations: Operation[] };

/** Checks the fetched JSON is an OpenAPI 3.x document before anything renders it. */
export function parseOpenApiDocument(json: unknown): OpenApiDocument {
  const candidate = json as Partial<OpenApiDocument> | null;
  if (!candidate || typeof candidate !== 'object' || typeof candidate.openapi !== 'string' || !candidate.openapi.startsWith('3.')) {
    throw new Error('The response is not an OpenAPI 3 document.');
  }
  if (!candidate.info || typeof candidate.info.title !== 'string') throw new Error('The OpenAPI document has no info.title.');
  return candidate as OpenApiDocument;
}

const isReference = (value: unknown): value is Reference =>
  typeof value === 'object' && value !== null && typeof (value as Reference).$ref === 'string';

/** Follows a local `$ref` (`#/components/…`), repeatedly; unresolvable references become undefined. */
export function resolveReference<T extends object>(document: OpenApiDocument, value: T | Reference | undefined): T | undefined {
  let current: unknown = value;
  for (let hops = 0; isReference(current) && hops < 16; hops++) {
    if (!current.$ref.startsWith('#/')) return undefined;
    current = current.$ref
      .slice(2)
      .split('/')
      .map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), document);
  }
  return isReference(current) ? undefined : (current as T | undefined);
}

/** `#/components/schemas/HumanUser` → `HumanUser`. */
export const referenceName = (ref: string) => ref.split('/').at(-1) ?? ref;

export const schemaAnchor = (name: string) => `schema-${name}`;

function operationAnchor(method: string, path: string, operationId: string | undefined) {
  const slug = (operationId ?? `${method} ${path}`).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `operation-${slug}`;
}

function collectOperation(document: OpenApiDocument, path: string, method: HttpMethod, pathItem: PathItemObject, operation: OperationObject): Operation {
  // Operation-level parameters override path-level ones with the same name and location.
  const parameters = new Map<string, ParameterObject>();
  for (const candidate of [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])]) {
    const parameter = resolveReference<ParameterObject>(document, candidate);
    if (parameter) parameters.set(`${parameter.in}:${parameter.name}`, parameter);
  }
  const order: Record<ParameterLocation, number> = { path: 0, query: 1, header: 2, cookie: 3 };
  const responses = Object.entries(operation.responses ?? {})
    .map(([status, response]) => ({ status, response: resolveReference<ResponseObject>(document, response) ?? {} }))
    .sort((a, b) => a.status.localeCompare(b.status));
  const schemes = document.components?.securitySchemes ?? {};
  return {
    id: operationAnchor(method, path, operation.operationId),
    method,
    path,
    summary: operation.summary,
    description: operation.description,
    isDeprecated: operation.deprecated === true,
    parameters: [...parameters.values()].sort((a, b) => order[a.in] - order[b.in]),
    requestBody: resolveReference<RequestBodyObject>(document, operation.requestBody),
    responses,
    security: (operation.security ?? document.security ?? []).map((requirement) =>
      Object.keys(requirement).map((name) => ({ name, scheme: resolveReference<SecuritySchemeObject>(document, schemes[name]) })),
    ),
  };
}

/** Operations grouped by their first tag, tags in the document's order, then in order of appearance. */
export function groupOperationsByTag(document: OpenApiDocument): TagGroup[] {
  const groups = new Map<string, TagGroup>();
  for (const tag of document.tags ?? []) groups.set(tag.name, { tag: tag.name, description: tag.description, operations: [] });
  for (const [path, pathItem] of Object.entries(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? 'Other operations';
      if (!groups.has(tag)) groups.set(tag, { tag, operations: [] });
      groups.get(tag)!.operations.push(collectOperation(document, path, method, pathItem, operation));
    }
  }
  return [...groups.values()].filter((group) => group.operations.length > 0);
}

/** A readable type: `string`, `integer | null`, `array of HumanUser`, `map of string`. */
export function describeType(schema: SchemaObject | undefined): string {
  if (!schema) return 'any';
  if (schema.$ref) return referenceName(schema.$ref);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return alternatives.map(describeType).join(' | ');
  if (schema.allOf) return schema.allOf.map(describeType).join(' & ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const named = types.map((type) => {
    if (type === 'array') return `array of ${describeType(schema.items)}`;
    if (type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
      return `map of ${describeType(schema.additionalProperties)}`;
    }
    return type;
  });
  if (schema.nullable && !named.includes('null')) named.push('null');
  if (named.length === 0) return schema.properties ? 'object' : 'any';
  return named.join(' | ');
}

export type Constraint = { label: string; value: string };

/** The validation rules a value must satisfy, plus its format and default. */
export function describeConstraints(schema: SchemaObject | undefined): Constraint[] {
  if (!schema) return [];
  const constraints: Constraint[] = [];
  const add = (label: string, value: unknown) => {
    if (value !== undefined) constraints.push({ label, value: typeof value === 'string' ? value : JSON.stringify(value) });
  };
  add('format', schema.format);
  if (schema.enum) add('one of', schema.enum.map((value) => JSON.stringify(value)).join(', '));
  add('minimum', schema.minimum);
  add('exclusive minimum', schema.exclusiveMinimum);
  add('maximum', schema.maximum);
  add('exclusive maximum', schema.exclusiveMaximum);
  add('multiple of', schema.multipleOf);
  add('min length', schema.minLength);
  add('max length', schema.maxLength);
  add('pattern', schema.pattern);
  add('min items', schema.minItems);
  add('max items', schema.maxItems);
  if (schema.uniqueItems) add('unique items', true);
  add('default', schema.default);
  return constraints;
}

/** The documented example of a parameter, if any. */
export function parameterExample(parameter: ParameterObject): unknown {
  if (parameter.example !== undefined) return parameter.example;
  const named = Object.values(parameter.examples ?? {})[0];
  if (named?.value !== undefined) return named.value;
  return parameter.schema?.example ?? parameter.schema?.examples?.[0];
}

/**
 * A value shaped like the schema: documented examples first, then defaults, then a placeholder
 * per type. References are followed once per branch, so recursive schemas stay finite.
 */
export function exampleFromSchema(document: OpenApiDocument, schema: SchemaObject | undefined, seen: ReadonlySet<string> = new Set()): unknown {
  if (!schema) return null;
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return {};
    return exampleFromSchema(document, resolveReference<SchemaObject>(document, schema), new Set([...seen, schema.$ref]));
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.[0] !== undefined) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const alternatives = schema.oneOf ?? schema.anyOf ?? schema.allOf;
  if (alternatives?.[0]) return exampleFromSchema(document, alternatives[0], seen);
  const type = (Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type) ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, exampleFromSchema(document, property, seen)]));
    case 'array':
      return [exampleFromSchema(document, schema.items, seen)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    case 'string':
      return schema.format === 'date-time' ? new Date(0).toISOString() : 'string';
    default:
      return null;
  }
}

/** The example body for a media type: its own example, else one built from its schema. */
export function mediaTypeExample(document: OpenApiDocument, mediaType: MediaTypeObject | undefined): unknown {
  if (!mediaType) return undefined;
  if (mediaType.example !== undefined) return mediaType.example;
  const named = Object.values(mediaType.examples ?? {})[0];
  if (named?.value !== undefined) return named.value;
  return exampleFromSchema(document, mediaType.schema);
}
