// The Connect widget's Apple Health panel: where to find the export on the iPhone, a file input
// for export.zip, the upload with a progress bar (XMLHttpRequest: fetch reports no upload
// progress), then the import's own progress, polled until it is done or failed.

/** What the server answers about an import (lib/api/imports-schema.ts). */
type ImportObject = {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  recordsSeen: number;
  readingsWritten: number;
  error: string | null;
};

export type AppleHealthPanelOptions = {
  widgetToken: string;
  sourceName: string;
  /** Say something to screen readers (the widget's live region). */
  announce(text: string): void;
  /** The upload was accepted: the user now has the source connected. */
  onAccepted(): void;
  /** Back to the list of sources (after an import, or when the user goes back). */
  onClose(): void;
};

const POLL_MS = 1_500;

function node<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, children: (Node | string)[] = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

const percent = (fraction: number) => `${Math.floor(fraction * 100)} %`;
const count = (n: number) => n.toLocaleString();

/** The panel; it removes nothing itself: onClose tells the widget to show its list again. */
export function appleHealthPanel(options: AppleHealthPanelOptions): HTMLElement {
  const input = node('input', { type: 'file', id: 'apple-health-file', accept: '.zip,application/zip', 'aria-describedby': 'apple-health-help' });
  const start = node('button', { type: 'button', class: 'button primary' }, ['Import']);
  const back = node('button', { type: 'button', class: 'button' }, ['Back']);
  const bar = node('progress', { max: '1', value: '0', id: 'apple-health-progress', 'aria-labelledby': 'apple-health-stage' });
  const stage = node('p', { id: 'apple-health-stage', class: 'stage' }, ['']);
  const message = node('p', { class: 'error', role: 'alert', hidden: '' }, ['']);
  const progress = node('div', { class: 'upload-progress', hidden: '' }, [stage, bar]);
  start.disabled = true;

  const panel = node('section', { class: 'panel import', 'aria-labelledby': 'apple-health-title' }, [
    node('h2', { id: 'apple-health-title' }, [`Import from ${options.sourceName}`]),
    node('p', { id: 'apple-health-help' }, [
      'On your iPhone, open the Health app, tap your picture (top right), then “Export All Health Data”. ',
      'Save the export.zip it makes (to Files, or send it to this device), then choose it here. It can take a few minutes for a large export.',
    ]),
    node('label', { for: 'apple-health-file', class: 'file-label' }, ['Your export.zip']),
    input,
    message,
    progress,
    node('div', { class: 'actions' }, [back, start]),
  ]);

  let request: XMLHttpRequest | null = null;
  let poll: ReturnType<typeof setTimeout> | undefined;
  let finished = false;

  function fail(text: string) {
    message.textContent = text;
    message.hidden = false;
    progress.hidden = true;
    start.disabled = !input.files?.length;
    input.disabled = false;
  }

  function show(text: string, fraction: number | null) {
    progress.hidden = false;
    stage.textContent = text;
    if (fraction === null) bar.removeAttribute('value');
    else bar.value = fraction;
  }

  input.addEventListener('change', () => {
    message.hidden = true;
    start.disabled = !input.files?.length;
  });

  back.addEventListener('click', () => {
    // Leaving stops watching, not the import: it goes on on the server.
    request?.abort();
    clearTimeout(poll);
    options.onClose();
  });

  start.addEventListener('click', () => {
    const file = input.files?.[0];
    if (!file) return;
    if (!/\.zip$/i.test(file.name)) return fail('Choose the export.zip file the Health app made.');
    start.disabled = true;
    input.disabled = true;
    message.hidden = true;
    show('Uploading…', 0);
    options.announce('Uploading your export.');

    request = new XMLHttpRequest();
    request.open('POST', '/connect/imports/apple-health');
    request.setRequestHeader('Authorization', `Bearer ${options.widgetToken}`);
    request.setRequestHeader('Content-Type', 'application/zip');
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) show(`Uploading… ${percent(event.loaded / event.total)}`, event.loaded / event.total);
    });
    request.addEventListener('error', () => fail('The upload did not reach Wearhouse. Check your connection and try again.'));
    request.addEventListener('load', () => {
      const answer = (() => {
        try {
          return JSON.parse(request!.responseText) as ImportObject & { message?: string };
        } catch {
          return null;
        }
      })();
      if (request!.status !== 202 || !answer) return fail(answer?.message ?? `The upload failed (${request!.status}).`);
      options.onAccepted();
      options.announce('Uploaded. Importing your data…');
      follow(answer);
    });
    request.send(file);
  });

  function follow(current: ImportObject) {
    if (current.status === 'done') {
      finished = true;
      show(`Imported ${count(current.readingsWritten)} readings from ${count(current.recordsSeen)} records.`, 1);
      options.announce('Your Apple Health data is imported.');
      back.textContent = 'Done';
      back.focus();
      return;
    }
    if (current.status === 'failed') {
      finished = true;
      return fail(current.error ?? 'The import failed.');
    }
    show(current.status === 'queued' ? 'Waiting to import…' : `Importing… ${percent(current.progress)} (${count(current.recordsSeen)} records read)`,
      current.status === 'queued' ? null : current.progress);
    poll = setTimeout(() => void check(current.id), POLL_MS);
  }

  async function check(importId: string) {
    if (finished || !panel.isConnected) return;
    try {
      const response = await fetch(`/connect/imports/${encodeURIComponent(importId)}`, {
        headers: { authorization: `Bearer ${options.widgetToken}` }, credentials: 'omit', cache: 'no-store',
      });
      const answer = (await response.json()) as ImportObject & { message?: string };
      if (!response.ok) return fail(answer.message ?? `Wearhouse answered ${response.status}.`);
      follow(answer);
    } catch {
      // A hiccup of the network: keep watching.
      poll = setTimeout(() => void check(importId), POLL_MS * 2);
    }
  }

  setTimeout(() => input.focus(), 0);
  return panel;
}
