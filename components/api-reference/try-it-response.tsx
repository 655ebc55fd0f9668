// What the API answered to "Try it": status and time, the headers that matter, the body pretty-
// printed, and the paging links to follow.
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { CodeBlock } from '@/components/ui/code-block';
import { DescriptionText } from './description-text';
import { StatusBadge } from './http-badges';
import type { Operation } from './openapi-document';
import { parseLinkHeader, type TryItResponse } from './try-it-request';

/** Headers a developer looks for, in display spelling; the operation's documented ones are added. */
const NOTABLE_HEADERS = ['Location', 'Link', 'Retry-After', 'WWW-Authenticate', 'Content-Type', 'Ngrok-Operation-Id'];

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** The human-readable message of an error body, whatever the dialect calls it. */
function errorMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  const message = record.message ?? record.msg ?? record.detail ?? record.error;
  return typeof message === 'string' ? message : undefined;
}

export type TryItResponseState =
  | { status: 'idle' }
  | { status: 'pending' }
  | { status: 'error'; error: Error }
  | { status: 'success'; response: TryItResponse };

export function TryItResponseView({
  headingId,
  operation,
  state,
  onFollowLink,
}: {
  headingId: string;
  operation: Operation;
  state: TryItResponseState;
  onFollowLink: (url: string) => void;
}) {
  return (
    <section aria-labelledby={headingId} aria-busy={state.status === 'pending'} className="space-y-3">
      <h5 id={headingId} className="text-sm font-semibold text-zinc-900">
        Response
      </h5>
      {state.status === 'idle' ? (
        <p className="rounded-lg border border-dashed border-zinc-300 px-4 py-6 text-center text-sm text-zinc-500">
          Send the request to see the status, headers and body here.
        </p>
      ) : null}
      {state.status === 'pending' ? (
        <p role="status" className="flex items-center gap-2 text-sm text-zinc-600">
          <span aria-hidden="true" className="size-3 animate-spin rounded-full border-2 border-brand-600 border-t-transparent" />
          Sending…
        </p>
      ) : null}
      {state.status === 'error' ? (
        <Alert title="The request did not reach the API">
          <p>{state.error.message}</p>
        </Alert>
      ) : null}
      {state.status === 'success' ? <ResponseDetails operation={operation} response={state.response} onFollowLink={onFollowLink} /> : null}
    </section>
  );
}

function ResponseDetails({ operation, response, onFollowLink }: { operation: Operation; response: TryItResponse; onFollowLink: (url: string) => void }) {
  const reason = response.statusText || REASONS[response.status] || '';
  const isFailure = response.status >= 400;
  const documented = operation.responses.find((entry) => entry.status === String(response.status))?.response;
  const headerNames = [...NOTABLE_HEADERS, ...Object.keys(documented?.headers ?? {})];
  const seen = new Set<string>();
  const headers = headerNames.flatMap((name) => {
    const lower = name.toLowerCase();
    if (seen.has(lower)) return [];
    seen.add(lower);
    const value = response.headers.find(([header]) => header === lower)?.[1];
    return value === undefined ? [] : [{ name, value }];
  });
  const links = parseLinkHeader(response.headers.find(([name]) => name === 'link')?.[1] ?? '').filter(
    (link) => link.rel === 'next' || link.rel === 'prev',
  );
  const message = isFailure ? errorMessage(response.bodyJson) : undefined;
  const body =
    response.bodyJson !== undefined ? JSON.stringify(response.bodyJson, null, 2) : response.bodyText || '(empty body)';

  return (
    <div className="space-y-3">
      <p role="status" className="flex flex-wrap items-center gap-2 text-sm text-zinc-600">
        <StatusBadge status={String(response.status)} reason={reason} />{' '}
        <span>in {response.durationMs} ms</span>{' '}
        {documented?.description ? (
          <span className="text-zinc-500">
            · <DescriptionText text={documented.description} />
          </span>
        ) : null}
      </p>
      {message ? (
        <p className={`rounded-md border px-3 py-2 text-sm ${response.status >= 500 ? 'border-red-200 bg-red-50 text-red-900' : 'border-amber-200 bg-amber-50 text-amber-900'}`}>
          {message}
        </p>
      ) : null}
      {headers.length > 0 ? (
        <table className="w-full table-fixed text-left text-sm">
          <caption className="mb-1 text-left text-xs font-semibold tracking-wide text-zinc-500 uppercase">Response headers</caption>
          <tbody className="divide-y divide-zinc-100 rounded-md border border-zinc-200">
            {headers.map(({ name, value }) => (
              <tr key={name} className="align-top">
                <th scope="row" className="w-40 py-1.5 pr-3 font-mono text-xs font-semibold text-zinc-700">
                  {name}
                </th>
                <td className="py-1.5 font-mono text-xs break-all text-zinc-800">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {links.length > 0 ? (
        <div className="flex flex-wrap gap-2">
          {links.map((link) => (
            <Button key={link.rel} size="sm" onClick={() => onFollowLink(link.url)}>
              {link.rel === 'next' ? 'Request the next page' : 'Request the previous page'}
            </Button>
          ))}
        </div>
      ) : null}
      <CodeBlock caption="Response body" code={body} maxHeightClassName="max-h-[28rem]" />
    </div>
  );
}
