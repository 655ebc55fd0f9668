// The Connect widget in the browser: plain DOM, no framework, so its first load stays a few kB.
// The server renders the page shell and a boot block (lib/api/connect/widget-page.ts); this code
// lists the app's sources, connects and disconnects them through /connect/api/* with the widget
// token (held in memory only), and tells the embedding page what happened with postMessage.
import type { SourceRef, WidgetSourceView, WidgetStateView } from '../../lib/connect/widget';
import { appleHealthPanel } from './apple-health-upload';
import type { ConnectBoot } from './types';

const boot = JSON.parse(document.getElementById('connect-boot')?.textContent ?? '{}') as ConnectBoot;
const isFramed = window.parent !== window;

// ---- Talking to the page that opened Connect -------------------------------------------------

const connectedThisSession: SourceRef[] = [];
const disconnectedThisSession: SourceRef[] = [];
let currentConnections: SourceRef[] = [];

function note(list: SourceRef[], other: SourceRef[], source: SourceRef) {
  if (!list.some((s) => s.id === source.id)) list.push(source);
  const index = other.findIndex((s) => s.id === source.id);
  if (index !== -1) other.splice(index, 1);
}

type MessageType = 'hapi-connect-connect-source' | 'hapi-connect-disconnect-source' | 'hapi-connect-close';

/**
 * Post to the embedding page: only to the app's configured origins (the one the browser reports as
 * our parent when it is among them, else each of them: the browser drops a message whose target
 * does not match), or to any origin for the error pages, which carry no data.
 */
function tell(type: MessageType, status: string) {
  if (!isFramed) return;
  const message = {
    type,
    status,
    sessionResults: { connectedSources: [...connectedThisSession], disconnectedSources: [...disconnectedThisSession], requestedSources: [] },
    currentConnections: [...currentConnections],
    requestedProviders: [],
  };
  if (boot.targetOrigins === '*') {
    window.parent.postMessage(message, '*');
    return;
  }
  const parentOrigin = location.ancestorOrigins?.[0];
  const targets = parentOrigin && boot.targetOrigins.includes(parentOrigin) ? [parentOrigin] : boot.targetOrigins;
  for (const origin of targets) window.parent.postMessage(message, origin);
}

let closed = false;

/** Close Connect: tell the page (which removes the iframe), or leave by the app's close URL. */
function close(status: string) {
  if (closed) return;
  closed = true;
  tell('hapi-connect-close', status);
  if (boot.redirect) {
    location.assign(boot.redirect.closeUrl);
    return;
  }
  if (!isFramed) {
    window.close();
    // A window the script did not open stays open: say what to do instead.
    replaceContent(el('div', { class: 'panel' }, [el('h2', {}, ['All done']), el('p', {}, ['You can close this window now.'])]));
  }
}

// ---- DOM helpers --------------------------------------------------------------------------------

type Attributes = Record<string, string | boolean | undefined>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, children: (Node | string)[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children);
  return node;
}

const content = document.getElementById('content')!;
const live = document.getElementById('live')!;

function replaceContent(...nodes: Node[]) {
  content.replaceChildren(...nodes);
}

function announce(text: string) {
  live.textContent = '';
  // A fresh text node after a tick, so screen readers announce a repeated message too.
  setTimeout(() => (live.textContent = text), 50);
}

function showError(text: string) {
  const banner = document.getElementById('error')!;
  banner.textContent = text;
  banner.hidden = !text;
}

document.addEventListener('click', (event) => {
  const target = (event.target as Element | null)?.closest<HTMLElement>('[data-action]');
  if (!target) return;
  const action = target.dataset.action;
  if (action === 'close') close(boot.page === 'error' ? boot.status : endedStatus ?? 'SUCCESS');
  if (action === 'done') void finish();
});

/** Set when the widget session ended under the user: what Close then reports. */
let endedStatus: string | null = null;
/** The Done control: close, or in redirect mode go to the app's finish URL (set by start). */
let finish = async () => close('SUCCESS');

// The error pages (no token, a spent or expired one) need no more than the above: the server wrote
// the message, and Close reports the status.
if (boot.page === 'widget') void start(boot.widgetToken);

// ---- The widget ----------------------------------------------------------------------------------

async function start(widgetToken: string) {
  type Answer = { ok: true; body: unknown } | { ok: false; status: number; message: string };
  async function api(method: 'GET' | 'POST', route: string, body?: unknown): Promise<Answer> {
    try {
      const response = await fetch(`/connect/api/${route}`, {
        method,
        headers: { authorization: `Bearer ${widgetToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
      const parsed = (await response.json().catch(() => ({}))) as { message?: string };
      if (response.ok) return { ok: true, body: parsed };
      return { ok: false, status: response.status, message: parsed.message ?? `Something went wrong (${response.status}).` };
    } catch {
      return { ok: false, status: 0, message: 'Wearhouse cannot be reached. Check your connection and try again.' };
    }
  }

  let state: WidgetStateView | null = null;
  let query = '';
  const busy = new Set<string>();
  let poll: ReturnType<typeof setTimeout> | undefined;

  /** A request that failed because the widget session is gone ends the widget, in plain words. */
  function failed(answer: { status: number; message: string }) {
    if (answer.status === 401) {
      endedStatus = 'SESSION_TOKEN_EXPIRED';
      clearTimeout(poll);
      replaceContent(el('div', { class: 'panel', role: 'alert' }, [
        el('h2', {}, ['This Connect session has ended']),
        el('p', {}, ['Close it and open Connect again from the app.']),
      ]));
      document.getElementById('done')?.setAttribute('hidden', '');
      return;
    }
    showError(answer.message);
  }

  async function refresh() {
    const answer = await api('GET', 'state');
    if (!answer.ok) return failed(answer);
    showError('');
    setState(answer.body as WidgetStateView);
  }

  function setState(next: WidgetStateView) {
    state = next;
    currentConnections = next.sources.filter((s) => s.connection).map((s) => ({ name: s.name, id: s.id }));
    render();
    clearTimeout(poll);
    if (next.sources.some((s) => s.connection?.isSyncPending)) poll = setTimeout(() => void refresh(), 2_000);
  }

  // -- rendering

  const search = el('input', { type: 'search', id: 'search', class: 'search', placeholder: 'Search sources', autocomplete: 'off', 'aria-controls': 'sources' });
  search.addEventListener('input', () => {
    query = search.value.trim().toLowerCase();
    renderList();
  });
  const list = el('ul', { id: 'sources', class: 'sources', 'aria-label': 'Sources' });
  const empty = el('p', { class: 'empty', hidden: true }, ['No source matches your search.']);
  const picker = el('div', {}, [
    el('label', { for: 'search', class: 'visually-hidden' }, ['Search sources']),
    search,
    list,
    empty,
  ]);

  function render() {
    if (!state) return;
    if (state.mustSignIn) {
      const host = state.signInWith ?? 'your account';
      const button = el('button', { type: 'button', class: 'button primary' }, [`Sign in with ${host}`]);
      button.addEventListener('click', () => void signIn(button));
      replaceContent(el('div', { class: 'panel' }, [
        el('h2', {}, ['Sign in to continue']),
        el('p', {}, [`${state.appName} asks you to sign in with ${host} before you connect your health data.`]),
        button,
      ]));
      return;
    }
    if (!content.contains(picker)) replaceContent(picker);
    renderList();
  }

  function rank(source: WidgetSourceView): number {
    const index = boot.page === 'widget' ? boot.pinned.findIndex((p) => p === source.id.toLowerCase() || p === source.name.toLowerCase()) : -1;
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  }

  function renderList() {
    if (!state) return;
    const focusKey = (document.activeElement as HTMLElement | null)?.dataset.key;
    const shown = state.sources
      .filter((s) => !query || s.name.toLowerCase().includes(query) || s.description.toLowerCase().includes(query) ||
        s.dataTypes.some((t) => t.replace(/_/g, ' ').includes(query)))
      .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
    list.replaceChildren(...shown.map(sourceItem));
    empty.hidden = shown.length > 0 || state.sources.length === 0;
    if (state.sources.length === 0) {
      list.replaceChildren(el('li', { class: 'empty' }, ['This app offers no sources to connect yet.']));
    }
    if (focusKey) list.querySelector<HTMLElement>(`[data-key="${focusKey}"]`)?.focus();
  }

  function sourceItem(source: WidgetSourceView): HTMLLIElement {
    const initials = source.name.split(/\s+/).map((word) => word[0] ?? '').join('').slice(0, 2).toUpperCase();
    let hue = 7;
    for (const char of source.id) hue = (hue * 33) ^ char.charCodeAt(0);
    hue = Math.abs(hue) % 6;
    const connection = source.connection;
    const status = !connection
      ? null
      : connection.isSyncPending
        ? 'Connected · Importing history…'
        : connection.status === 'error'
          ? 'Connected · The last sync failed'
          : 'Connected';
    const working = busy.has(source.id);
    let action: HTMLButtonElement | null = null;
    if (connection) {
      action = el('button', { type: 'button', class: 'button', 'data-key': `disconnect:${source.id}`, 'aria-label': `Disconnect ${source.name}`, disabled: working }, [working ? 'Disconnecting…' : 'Disconnect']);
      action.addEventListener('click', () => confirmDisconnect(source, action!));
    } else if (source.isAvailable && source.kind !== 'file') {
      action = el('button', { type: 'button', class: 'button primary', 'data-key': `connect:${source.id}`, 'aria-label': `Connect ${source.name}`, disabled: working }, [working ? 'Connecting…' : 'Connect']);
      action.addEventListener('click', () => void connect(source));
    }
    return el('li', { class: 'source' }, [
      el('span', { class: `logo logo-${hue}`, 'aria-hidden': 'true' }, [initials]),
      el('div', { class: 'about' }, [
        el('h2', { class: 'name' }, [source.name]),
        el('p', { class: 'description' }, [source.description]),
        ...(status ? [el('p', { class: `status${connection?.isSyncPending ? ' pending' : ''}` }, [status])] : []),
      ]),
      ...(source.id === 'apple-health' && source.isAvailable ? [importButton(source)] : []),
      ...(action ? [action] : []),
    ]);
  }

  // An Apple Health source is connected by uploading the export.zip (./apple-health-upload.ts).
  function importButton(source: WidgetSourceView): HTMLButtonElement {
    const button = el('button', { type: 'button', class: 'button primary', 'data-key': `import:${source.id}`, 'aria-label': `Import your ${source.name} export` }, ['Import']);
    button.addEventListener('click', () => {
      clearTimeout(poll);
      replaceContent(appleHealthPanel({
        widgetToken, sourceName: source.name, announce,
        onAccepted: () => {
          const ref = { name: source.name, id: source.id };
          note(connectedThisSession, disconnectedThisSession, ref);
          if (!currentConnections.some((s) => s.id === ref.id)) currentConnections.push(ref);
          tell('hapi-connect-connect-source', 'CONNECTED_SOURCE');
        },
        onClose: () => {
          replaceContent(picker);
          void refresh().then(() => list.querySelector<HTMLElement>(`[data-key="import:${source.id}"]`)?.focus());
        },
      }));
    });
    return button;
  }

  // -- actions

  async function connect(source: WidgetSourceView) {
    if (source.kind === 'oauth2') return authorize(source);
    busy.add(source.id);
    renderList();
    const answer = await api('POST', 'connect', { sourceId: source.id });
    busy.delete(source.id);
    if (!answer.ok) {
      renderList();
      return failed(answer);
    }
    const body = answer.body as { source: SourceRef; state: WidgetStateView };
    note(connectedThisSession, disconnectedThisSession, body.source);
    setState(body.state);
    list.querySelector<HTMLElement>(`[data-key="disconnect:${source.id}"]`)?.focus();
    announce(`${source.name} connected. Importing history…`);
    tell('hapi-connect-connect-source', 'CONNECTED_SOURCE');
  }

  /** The source whose provider consent is open in the popup (busy until the popup reports back). */
  let authorizing: WidgetSourceView | null = null;

  /**
   * A provider's source (Fitbit, Oura): its consent page in a popup, opened in the click itself (a
   * popup opened after an await is blocked). The popup lands on /connect/callback/{source}, which
   * links the source and tells this page (the 'wearhouse-source' message below).
   */
  async function authorize(source: WidgetSourceView) {
    const popup = window.open('', 'wearhouse-provider', 'popup,width=520,height=720');
    busy.add(source.id);
    renderList();
    const answer = await api('POST', 'authorize', { sourceId: source.id });
    if (!answer.ok) {
      popup?.close();
      busy.delete(source.id);
      renderList();
      return failed(answer);
    }
    if (!popup) {
      busy.delete(source.id);
      renderList();
      return showError(`Your browser blocked the ${source.name} window. Allow pop-ups for this page and try again.`);
    }
    authorizing = source;
    popup.location.href = (answer.body as { authorizationUrl: string }).authorizationUrl;
    // A popup closed without an answer leaves the source as it was.
    const watch = setInterval(() => {
      if (!popup.closed) return;
      clearInterval(watch);
      setTimeout(() => {
        if (authorizing?.id !== source.id) return;
        authorizing = null;
        busy.delete(source.id);
        renderList();
      }, 500);
    }, 500);
  }

  window.addEventListener('message', (event) => {
    const data = event.data as { type?: string; status?: string; message?: string; source?: SourceRef | null } | null;
    if (event.origin !== location.origin || data?.type !== 'wearhouse-source') return;
    const source = authorizing;
    authorizing = null;
    if (source) busy.delete(source.id);
    if (data.status !== 'connected' || !data.source) {
      renderList();
      showError(data.message || 'The connection did not complete. Try again.');
      return;
    }
    const linked = data.source;
    void refresh().then(() => {
      note(connectedThisSession, disconnectedThisSession, { name: linked.name, id: linked.id });
      list.querySelector<HTMLElement>(`[data-key="disconnect:${linked.id}"]`)?.focus();
      announce(`${linked.name} connected. Importing history…`);
      tell('hapi-connect-connect-source', 'CONNECTED_SOURCE');
    });
  });

  const dialog = document.getElementById('confirm') as HTMLDialogElement;
  const confirmText = document.getElementById('confirm-text')!;
  const confirmButton = document.getElementById('confirm-disconnect') as HTMLButtonElement;
  const cancelButton = document.getElementById('confirm-cancel') as HTMLButtonElement;
  let pending: { source: WidgetSourceView; opener: HTMLElement } | null = null;

  function confirmDisconnect(source: WidgetSourceView, opener: HTMLElement) {
    pending = { source, opener };
    confirmText.textContent = `${state?.appName ?? 'The app'} will stop receiving new data from ${source.name}. Data already shared stays with the app.`;
    document.getElementById('confirm-title')!.textContent = `Disconnect ${source.name}?`;
    dialog.showModal();
    cancelButton.focus();
  }
  function endConfirm() {
    const opener = pending?.opener;
    pending = null;
    if (dialog.open) dialog.close();
    if (opener?.isConnected) opener.focus();
  }
  cancelButton.addEventListener('click', endConfirm);
  // Escape closes a modal dialog by itself ('cancel'); focus still goes back to the opener.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    endConfirm();
  });
  confirmButton.addEventListener('click', () => void disconnect());

  async function disconnect() {
    if (!pending) return;
    const { source } = pending;
    pending = null;
    dialog.close();
    busy.add(source.id);
    renderList();
    const answer = await api('POST', 'disconnect', { sourceId: source.id });
    busy.delete(source.id);
    if (!answer.ok) {
      renderList();
      return failed(answer);
    }
    const body = answer.body as { source: SourceRef; state: WidgetStateView };
    note(disconnectedThisSession, connectedThisSession, body.source);
    setState(body.state);
    (list.querySelector<HTMLElement>(`[data-key="connect:${source.id}"]`) ?? search).focus();
    announce(`${source.name} disconnected.`);
    tell('hapi-connect-disconnect-source', 'DISCONNECTED_SOURCE');
  }

  async function signIn(button: HTMLButtonElement) {
    // Opened in the click itself (a popup opened after an await is blocked), then pointed at the
    // provider once the server has prepared the sign-in.
    const popup = window.open('', 'wearhouse-oidc', 'popup,width=480,height=640');
    button.disabled = true;
    const answer = await api('POST', 'sign-in');
    button.disabled = false;
    if (!answer.ok) {
      popup?.close();
      return failed(answer);
    }
    const { authorizationUrl } = answer.body as { authorizationUrl: string };
    if (!popup) return showError('Your browser blocked the sign-in window. Allow pop-ups for this page and try again.');
    popup.location.href = authorizationUrl;
  }
  window.addEventListener('message', (event) => {
    const data = event.data as { type?: string; status?: string; message?: string } | null;
    if (event.origin !== location.origin || data?.type !== 'wearhouse-oidc') return;
    if (data.status === 'signed-in') {
      announce('Signed in.');
      void refresh();
    } else {
      showError(data.message || 'The sign-in did not complete. Try again.');
    }
  });

  finish = async () => {
    if (boot.page === 'widget' && boot.redirect) {
      const answer = await api('POST', 'finish', { finishUrl: boot.redirect.finishUrl });
      if (!answer.ok) return failed(answer);
      closed = true;
      location.assign((answer.body as { url: string }).url);
      return;
    }
    close('SUCCESS');
  };

  await refresh();
}
