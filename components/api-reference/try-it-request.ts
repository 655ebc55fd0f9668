// Turning what a developer typed into "Try it" into an HTTP request: the fetch the browser sends,
// the equivalent curl command (App Key masked unless revealed), and what came back.
import type { Operation, ParameterObject, SchemaObject, SecuritySchemeObject } from './openapi-document';

/** Where requests go: `fetchBase` is a same-origin path prefix, `displayBase` the absolute URL for curl. */
export type ApiBase = { fetchBase: string; displayBase: string };

export type TryItDraft = {
  operation: Operation;
  /** Parameter values by parameterKey(); empty means "not sent". */
  parameterValues: Record<string, string>;
  appKey: string;
  body?: { mediaType: string; text: string };
  apiBase: ApiBase;
};

type Authentication =
  | { kind: 'basic'; key: string }
  | { kind: 'bearer'; key: string }
  | { kind: 'header'; headerName: string; key: string };

type PreparedBody =
  | { kind: 'text'; mediaType: string; text: string }
  | { kind: 'form'; fields: [string, string][] }
  | { kind: 'multipart'; fields: [string, string][] };

export type PreparedRequest = {
  method: string;
  /** Path and query, with `{name}` left in place for path parameters not filled in. */
  pathAndQuery: string;
  apiBase: ApiBase;
  authentication?: Authentication;
  /** Headers other than authentication. */
  headers: [string, string][];
  body?: PreparedBody;
  /** Reasons the request cannot be sent as it is. */
  problems: string[];
  /** Things the server will probably reject, sent anyway so their errors can be seen (parameter
   *  values are checked one by one with checkParameterValue). */
  warnings: string[];
};

export type TryItResponse = {
  url: string;
  status: number;
  statusText: string;
  durationMs: number;
  headers: [string, string][];
  bodyText: string;
  /** The parsed body when it is JSON. */
  bodyJson?: unknown;
};

export const parameterKey = (parameter: Pick<ParameterObject, 'in' | 'name'>) => `${parameter.in}:${parameter.name}`;

/** The schemes "Try it" can satisfy with an App Key, from the first requirement that has one. */
export function tryItScheme(operation: Operation): { name: string; scheme: SecuritySchemeObject } | undefined {
  for (const requirement of operation.security) {
    for (const { name, scheme } of requirement) {
      if (!scheme) continue;
      if (scheme.type === 'http' && ['basic', 'bearer'].includes(scheme.scheme?.toLowerCase() ?? '')) return { name, scheme };
      if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.name) return { name, scheme };
    }
  }
  return undefined;
}

export const isJsonMediaType = (mediaType: string) => /^application\/([\w.-]+\+)?json\b/i.test(mediaType);

function prepareBody(body: NonNullable<TryItDraft['body']>, problems: string[], warnings: string[]): PreparedBody {
  const { mediaType, text } = body;
  const isForm = mediaType === 'application/x-www-form-urlencoded';
  const isMultipart = mediaType === 'multipart/form-data';
  if (!isForm && !isMultipart) {
    if (isJsonMediaType(mediaType) && text.trim()) {
      try {
        JSON.parse(text);
      } catch (error) {
        warnings.push(`The body is not valid JSON (${(error as Error).message}); it is sent as typed.`);
      }
    }
    return { kind: 'text', mediaType, text };
  }
  // Form bodies are edited as a JSON object too: each top-level field becomes a form field.
  let fields: [string, string][] = [];
  try {
    const parsed: unknown = text.trim() ? JSON.parse(text) : {};
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    fields = Object.entries(parsed).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]);
  } catch {
    problems.push(`For ${mediaType}, write the body as a JSON object; each field is sent as a form field.`);
  }
  return isForm ? { kind: 'form', fields } : { kind: 'multipart', fields };
}

export function prepareRequest(draft: TryItDraft): PreparedRequest {
  const { operation, parameterValues, appKey } = draft;
  const problems: string[] = [];
  const warnings: string[] = [];
  const valueOf = (parameter: ParameterObject) => (parameterValues[parameterKey(parameter)] ?? '').trim();

  let path = operation.path;
  const query = new URLSearchParams();
  const headers: [string, string][] = [];
  for (const parameter of operation.parameters) {
    if (parameter.in === 'cookie') {
      warnings.push(`The cookie ${parameter.name} cannot be set from this page; use the curl command.`);
      continue;
    }
    const value = valueOf(parameter);
    if (!value) {
      if (parameter.required) problems.push(`Fill in ${parameter.name} (${parameter.in}).`);
      continue;
    }
    if (parameter.in === 'path') path = path.replaceAll(`{${parameter.name}}`, encodeURIComponent(value));
    else if (parameter.in === 'query') query.append(parameter.name, value);
    else if (parameter.in === 'header') headers.push([parameter.name, value]);
  }

  let authentication: Authentication | undefined;
  const selected = tryItScheme(operation);
  if (selected) {
    const key = appKey.trim();
    if (!key) problems.push('Enter an App Key.');
    const { scheme } = selected;
    if (scheme.type === 'apiKey') authentication = { kind: 'header', headerName: scheme.name!, key };
    else if (scheme.scheme?.toLowerCase() === 'basic') authentication = { kind: 'basic', key };
    else {
      authentication = { kind: 'bearer', key };
      // The ngrok dialect (the bearer one) answers 400 without its version header; send it even
      // when an operation forgets to declare it, as ngrok's own clients do.
      const declaresVersion = operation.parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'ngrok-version');
      if (!declaresVersion) headers.push(['Ngrok-Version', '2']);
    }
  } else if (operation.security.length > 0 && !operation.security.some((requirement) => requirement.length === 0)) {
    warnings.push('This operation uses an authentication scheme "Try it" cannot fill in.');
  }

  const search = query.toString();
  return {
    method: operation.method.toUpperCase(),
    pathAndQuery: `${path}${search ? `?${search}` : ''}`,
    apiBase: draft.apiBase,
    authentication,
    headers,
    body: draft.body ? prepareBody(draft.body, problems, warnings) : undefined,
    problems,
    warnings,
  };
}

/** Why a value will probably be rejected by its schema, or undefined when it looks fine. */
export function checkParameterValue(schema: SchemaObject | undefined, value: string): string | undefined {
  if (!schema || !value) return undefined;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.includes('integer') || types.includes('number')) {
    const isInteger = types.includes('integer');
    if (!(isInteger ? /^-?\d+$/ : /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/).test(value)) return isInteger ? 'expected a whole number.' : 'expected a number.';
    const number = Number(value);
    if (schema.minimum !== undefined && number < schema.minimum) return `at least ${schema.minimum}.`;
    if (schema.maximum !== undefined && number > schema.maximum) return `at most ${schema.maximum}.`;
    return undefined;
  }
  if (schema.enum && !schema.enum.map(String).includes(value)) return `one of ${schema.enum.map(String).join(', ')}.`;
  if (schema.minLength !== undefined && value.length < schema.minLength) return `at least ${schema.minLength} characters.`;
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return `at most ${schema.maxLength} characters.`;
  if (schema.pattern) {
    try {
      if (!new RegExp(schema.pattern, 'u').test(value)) return `does not match ${schema.pattern}.`;
    } catch {
      // A pattern this browser cannot compile is the server's to check.
    }
  }
  return undefined;
}

const maskKey = (key: string) => (key.length >= 12 ? `${key.slice(0, 4)}${'•'.repeat(12)}` : '•'.repeat(12));

/** POSIX-shell single quoting. */
const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

export function curlCommand(request: PreparedRequest, { isKeyRevealed }: { isKeyRevealed: boolean }): string {
  const lines = [`curl ${quote(`${request.apiBase.displayBase}${request.pathAndQuery}`)}`];
  const hasBody = request.body !== undefined;
  if (request.method === 'HEAD') lines.push('-I');
  else if (request.method !== 'GET' && !(request.method === 'POST' && hasBody)) lines.push(`-X ${request.method}`);

  const auth = request.authentication;
  if (auth) {
    const key = auth.key ? (isKeyRevealed ? auth.key : maskKey(auth.key)) : '<App Key>';
    if (auth.kind === 'basic') lines.push(`-u ${quote(`${key}:`)}`);
    else if (auth.kind === 'bearer') lines.push(`-H ${quote(`Authorization: Bearer ${key}`)}`);
    else lines.push(`-H ${quote(`${auth.headerName}: ${key}`)}`);
  }
  for (const [name, value] of request.headers) lines.push(`-H ${quote(`${name}: ${value}`)}`);

  const body = request.body;
  if (body?.kind === 'text') {
    lines.push(`-H ${quote(`Content-Type: ${body.mediaType}`)}`);
    lines.push(`--data-raw ${quote(body.text)}`);
  } else if (body?.kind === 'form') {
    for (const [name, value] of body.fields) lines.push(`--data-urlencode ${quote(`${name}=${value}`)}`);
  } else if (body?.kind === 'multipart') {
    for (const [name, value] of body.fields) lines.push(`--form-string ${quote(`${name}=${value}`)}`);
  }
  return lines.join(' \\\n  ');
}

function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Sends the request from the browser. Cookies are left out: the App Key is the only credential. */
export async function sendRequest(request: PreparedRequest, signal?: AbortSignal): Promise<TryItResponse> {
  const headers = new Headers(request.headers);
  const auth = request.authentication;
  if (auth?.kind === 'basic') headers.set('Authorization', `Basic ${base64Utf8(`${auth.key}:`)}`);
  else if (auth?.kind === 'bearer') headers.set('Authorization', `Bearer ${auth.key}`);
  else if (auth?.kind === 'header') headers.set(auth.headerName, auth.key);
  headers.set('Accept', 'application/json');

  let body: BodyInit | undefined;
  if (request.body?.kind === 'text') {
    headers.set('Content-Type', request.body.mediaType);
    body = request.body.text;
  } else if (request.body?.kind === 'form') {
    body = new URLSearchParams(request.body.fields);
  } else if (request.body?.kind === 'multipart') {
    const form = new FormData();
    for (const [name, value] of request.body.fields) form.append(name, value);
    body = form;
  }

  const url = `${request.apiBase.fetchBase}${request.pathAndQuery}`;
  const startedAt = performance.now();
  // `credentials: 'omit'` also keeps the browser from popping up its own Basic-auth dialog on 401.
  const response = await fetch(url, { method: request.method, headers, body, credentials: 'omit', cache: 'no-store', signal });
  const bodyText = await response.text();
  const durationMs = Math.round(performance.now() - startedAt);
  const responseHeaders: [string, string][] = [];
  response.headers.forEach((value, name) => responseHeaders.push([name, value]));
  let bodyJson: unknown;
  if (bodyText && /json/i.test(response.headers.get('content-type') ?? '')) {
    try {
      bodyJson = JSON.parse(bodyText);
    } catch {
      bodyJson = undefined;
    }
  }
  return { url: `${request.apiBase.displayBase}${request.pathAndQuery}`, status: response.status, statusText: response.statusText, durationMs, headers: responseHeaders, bodyText, bodyJson };
}

/** `<url>; rel="next", <url>; rel="prev"` → [{ rel: 'next', url }, …]. */
export function parseLinkHeader(header: string): { rel: string; url: string }[] {
  return [...header.matchAll(/<([^>]*)>\s*((?:;\s*[^,;]+)*)/g)].flatMap((match) => {
    const rel = match[2]?.match(/;\s*rel="?([^";]+)"?/i)?.[1];
    return rel && match[1] ? rel.split(/\s+/).map((name) => ({ rel: name, url: match[1]! })) : [];
  });
}
