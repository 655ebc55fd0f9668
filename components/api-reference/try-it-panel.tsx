'use client';
// "Try it" for one operation: App Key, parameter inputs (defaults and the version header filled
// in, path values shared across operations), a body editor, Send, the equivalent curl command and
// the response. Requests go from this browser straight to the API.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { CodeBlock } from '@/components/ui/code-block';
import { Input, Select, Textarea } from '@/components/ui/input';
import { SecretField } from '@/components/ui/secret-field';
import { DescriptionText } from './description-text';
import { mediaTypeExample, parameterExample, type OpenApiDocument, type Operation, type ParameterObject } from './openapi-document';
import { schemeLabel } from './security-summary';
import {
  checkParameterValue,
  curlCommand,
  isJsonMediaType,
  parameterKey,
  prepareRequest,
  sendRequest,
  tryItScheme,
  type ApiBase,
  type PreparedRequest,
} from './try-it-request';
import { TryItResponseView, type TryItResponseState } from './try-it-response';
import { useTryItSession } from './try-it-session';

const LOCATION_LEGENDS = { path: 'Path parameters', query: 'Query parameters', header: 'Headers' } as const;

/**
 * Defaults are what the server would use anyway; a required parameter with a single allowed value
 * (an API version) has no choice; headers get their example. Everything else starts empty.
 */
function initialValue(parameter: ParameterObject): string {
  const schema = parameter.schema;
  const onlyValue = parameter.required && schema?.enum?.length === 1 ? schema.enum[0] : undefined;
  const value = schema?.default ?? onlyValue ?? (parameter.in === 'header' ? parameterExample(parameter) : undefined);
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function initialBody(document: OpenApiDocument, operation: Operation, mediaType: string | undefined): string {
  if (!mediaType) return '';
  const example = mediaTypeExample(document, operation.requestBody?.content[mediaType]);
  if (example === undefined) return '';
  return typeof example === 'string' && !isJsonMediaType(mediaType) ? example : JSON.stringify(example, null, 2);
}

export function TryItPanel({ document, operation, apiBase }: { document: OpenApiDocument; operation: Operation; apiBase: ApiBase }) {
  const session = useTryItSession();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(operation.parameters.filter((p) => p.in !== 'path').map((p) => [parameterKey(p), initialValue(p)])),
  );
  const mediaTypes = Object.keys(operation.requestBody?.content ?? {});
  const [mediaType, setMediaType] = useState(mediaTypes[0] ?? '');
  const [bodyText, setBodyText] = useState(() => initialBody(document, operation, mediaTypes[0]));
  const [hasTriedToSend, setTriedToSend] = useState(false);
  const send = useMutation({ mutationFn: (request: PreparedRequest) => sendRequest(request) });

  const scheme = tryItScheme(operation);
  const valueOf = (parameter: ParameterObject) =>
    parameter.in === 'path' ? (session.pathValues[parameter.name] ?? '') : (values[parameterKey(parameter)] ?? '');
  const draftFor = (nonPathValues: Record<string, string>) => ({
    operation,
    apiBase,
    appKey: session.appKey,
    parameterValues: {
      ...nonPathValues,
      ...Object.fromEntries(operation.parameters.filter((p) => p.in === 'path').map((p) => [parameterKey(p), valueOf(p)])),
    },
    body: operation.requestBody && mediaType ? { mediaType, text: bodyText } : undefined,
  });
  const request = prepareRequest(draftFor(values));

  function submit(prepared: PreparedRequest) {
    setTriedToSend(true);
    if (prepared.problems.length === 0) send.mutate(prepared);
  }

  /** Paging links point at this operation: take their query values into the inputs and send. */
  function followLink(url: string) {
    const target = new URL(url, window.location.href);
    const next = { ...values };
    for (const parameter of operation.parameters) {
      if (parameter.in === 'query') next[parameterKey(parameter)] = target.searchParams.get(parameter.name) ?? '';
    }
    setValues(next);
    submit(prepareRequest(draftFor(next)));
  }

  const idPrefix = `${operation.id}-try`;
  const state: TryItResponseState =
    send.status === 'pending' ? { status: 'pending' }
    : send.status === 'error' ? { status: 'error', error: send.error }
    : send.status === 'success' ? { status: 'success', response: send.data }
    : { status: 'idle' };
  // Cookie parameters cannot be set from a page's script, so they are not offered.
  const locations = (['path', 'query', 'header'] as const).filter((location) => operation.parameters.some((p) => p.in === location));

  return (
    <div className="grid gap-6 xl:grid-cols-2">
      <form
        noValidate
        aria-label={`Request to ${operation.method.toUpperCase()} ${operation.path}`}
        className="space-y-5"
        onSubmit={(event) => {
          event.preventDefault();
          submit(request);
        }}
      >
        {scheme ? (
          <SecretField
            id={`${idPrefix}-app-key`}
            label="App Key"
            value={session.appKey}
            onValueChange={session.setAppKey}
            isRevealed={session.isKeyRevealed}
            onRevealedChange={session.setKeyRevealed}
            placeholder="whk_…"
            hint={
              <>
                Sent as {schemeLabel(scheme.scheme)}
                {scheme.scheme.scheme?.toLowerCase() === 'basic' ? ' username with an empty password' : ''}. Kept in this tab’s memory
                only and shared by every operation on this page.
              </>
            }
          />
        ) : null}

        {locations.map((location) => (
          <fieldset key={location} className="space-y-3">
            <legend className="text-sm font-semibold text-zinc-900">{LOCATION_LEGENDS[location]}</legend>
            {operation.parameters
              .filter((parameter) => parameter.in === location)
              .map((parameter) => (
                <ParameterField
                  key={parameterKey(parameter)}
                  id={`${idPrefix}-${parameter.in}-${parameter.name}`}
                  parameter={parameter}
                  value={valueOf(parameter)}
                  onValueChange={(value) =>
                    parameter.in === 'path'
                      ? session.setPathValue(parameter.name, value)
                      : setValues((current) => ({ ...current, [parameterKey(parameter)]: value }))
                  }
                />
              ))}
          </fieldset>
        ))}

        {operation.requestBody && mediaType ? (
          <fieldset className="space-y-3">
            <legend className="text-sm font-semibold text-zinc-900">Body</legend>
            {mediaTypes.length > 1 ? (
              <div>
                <label htmlFor={`${idPrefix}-media-type`} className="block text-sm font-medium text-zinc-800">
                  Content type
                </label>
                <Select id={`${idPrefix}-media-type`} value={mediaType} onChange={(event) => setMediaType(event.target.value)} className="mt-1 font-mono">
                  {mediaTypes.map((type) => (
                    <option key={type} value={type}>
                      {type}
                    </option>
                  ))}
                </Select>
              </div>
            ) : null}
            <div>
              <div className="flex items-end justify-between gap-2">
                <label htmlFor={`${idPrefix}-body`} className="block text-sm font-medium text-zinc-800">
                  Request body
                </label>
                <Button variant="ghost" size="sm" onClick={() => setBodyText(initialBody(document, operation, mediaType))}>
                  Reset to example
                </Button>
              </div>
              <Textarea
                id={`${idPrefix}-body`}
                rows={Math.min(12, Math.max(4, bodyText.split('\n').length + 1))}
                value={bodyText}
                spellCheck={false}
                onChange={(event) => setBodyText(event.target.value)}
                aria-describedby={`${idPrefix}-body-hint`}
                className="mt-1"
              />
              <p id={`${idPrefix}-body-hint`} className="mt-1 text-xs text-zinc-500">
                {isJsonMediaType(mediaType)
                  ? 'JSON, sent as typed.'
                  : 'Write a JSON object; each field is sent as a form field.'}
              </p>
            </div>
          </fieldset>
        ) : null}

        {hasTriedToSend && request.problems.length > 0 ? (
          <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
            <p className="font-semibold">Not sent yet:</p>
            <ul className="mt-1 list-disc pl-5">
              {request.problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {request.warnings.length > 0 ? (
          <ul className="list-disc space-y-0.5 pl-5 text-xs text-amber-800" aria-label="Warnings">
            {request.warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        ) : null}

        <div className="flex items-center gap-3">
          <Button type="submit" variant="primary" disabled={send.isPending}>
            Send request
          </Button>
          {send.status !== 'idle' ? (
            <Button variant="ghost" onClick={() => send.reset()}>
              Clear response
            </Button>
          ) : null}
        </div>
      </form>

      <div className="min-w-0 space-y-5">
        <div className="space-y-1">
          <CodeBlock caption="curl command" code={curlCommand(request, { isKeyRevealed: session.isKeyRevealed })} />
          {session.appKey && !session.isKeyRevealed ? (
            <p className="text-xs text-zinc-500">The App Key is masked; reveal it to copy a command that runs as is.</p>
          ) : null}
        </div>
        <TryItResponseView headingId={`${idPrefix}-response`} operation={operation} state={state} onFollowLink={followLink} />
      </div>
    </div>
  );
}

function ParameterField({
  id,
  parameter,
  value,
  onValueChange,
}: {
  id: string;
  parameter: ParameterObject;
  value: string;
  onValueChange: (value: string) => void;
}) {
  const schema = parameter.schema;
  const types = Array.isArray(schema?.type) ? schema.type : schema?.type ? [schema.type] : [];
  const example = parameterExample(parameter);
  const warning = checkParameterValue(schema, value.trim());
  const description = parameter.description ?? schema?.description;
  const hintId = `${id}-hint`;
  const warningId = `${id}-warning`;
  const describedBy = [description || parameter.in === 'path' ? hintId : '', warning ? warningId : ''].filter(Boolean).join(' ') || undefined;
  const options = schema?.enum ?? (types.includes('boolean') ? [true, false] : undefined);

  const common = {
    id,
    'aria-required': parameter.required ? true : undefined,
    'aria-invalid': warning ? true : undefined,
    'aria-describedby': describedBy,
    className: 'mt-1 font-mono',
  } as const;

  return (
    <div>
      <div className="flex items-baseline gap-2">
        <label htmlFor={id} className="font-mono text-sm font-medium text-zinc-800">
          {parameter.name}
        </label>
        <span aria-hidden="true" className={`text-xs ${parameter.required ? 'text-red-700' : 'text-zinc-400'}`}>
          {parameter.required ? 'required' : 'optional'}
        </span>
      </div>
      {options ? (
        <Select {...common} value={value} onChange={(event) => onValueChange(event.target.value)}>
          <option value="">{parameter.required ? 'Choose…' : '(not sent)'}</option>
          {options.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </Select>
      ) : (
        <Input
          {...common}
          type="text"
          inputMode={types.includes('integer') ? 'numeric' : types.includes('number') ? 'decimal' : undefined}
          value={value}
          onChange={(event) => onValueChange(event.target.value)}
          placeholder={example !== undefined ? `e.g. ${typeof example === 'string' ? example : JSON.stringify(example)}` : undefined}
          autoComplete="off"
          spellCheck={false}
        />
      )}
      {description || parameter.in === 'path' ? (
        <p id={hintId} className="mt-1 text-xs text-zinc-500">
          {description ? <DescriptionText text={description} /> : null}
          {parameter.in === 'path' ? `${description ? ' ' : ''}Shared with the other operations on this page that take ${parameter.name}.` : null}
        </p>
      ) : null}
      {warning ? (
        <p id={warningId} className="mt-1 text-xs text-amber-800">
          Probably rejected: {warning} It is sent anyway, so you can see the error.
        </p>
      ) : null}
    </div>
  );
}
