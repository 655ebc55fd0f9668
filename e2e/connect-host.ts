// A developer's page on another origin, for the Connect journeys: it loads the real
// humanapi-connect-client build and records every event the client emits in window.connectEvents.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const CLIENT = path.join(process.cwd(), 'node_modules/humanapi-connect-client/build/humanapi-connect-client.js');

export type HostPage = { origin: string; port: number; close(): Promise<void> };

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function hostHtml(token: string, baseUrl: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Steps Co</title>
<script src="/humanapi-connect-client.js"></script></head><body>
<h1>Steps Co</h1>
<div class="hapi__token-container">
  <button type="button" data-hapi-token="${escape(token)}" data-hapi-base-url="${escape(baseUrl)}">Connect your health data</button>
</div>
<script>
  window.connectEvents = [];
  for (const name of ['connect', 'disconnect', 'close']) {
    HumanConnect.on(name, (payload) => window.connectEvents.push({ event: name, payload: JSON.parse(JSON.stringify(payload)) }));
  }
</script></body></html>`;
}

/** Serves GET /?token=…&base=… (the page), the client script, and anything else as a plain page. */
export async function startHostPage(): Promise<HostPage> {
  const script = fs.readFileSync(CLIENT);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (url.pathname === '/humanapi-connect-client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostHtml(url.searchParams.get('token') ?? '', url.searchParams.get('base') ?? ''));
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Steps Co</title><h1>Back in Steps Co</h1>`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * Run the operator's CLI (`npm run wearhouse -- …`) against the running e2e server's database (it
 * connects to the server's embedded database owner); returns what it printed.
 */
export function wearhouseCli(args: string[], extraEnv: Record<string, string> = {}): string {
  // The server's own environment (see playwright.config.ts): its data folder, its key file.
  const env = Object.fromEntries(Object.entries(process.env)
    .filter(([key]) => !['DATABASE_URL', 'WEARHOUSE_SECRET_KEY', 'NODE_ENV'].includes(key))) as NodeJS.ProcessEnv;
  Object.assign(env, { WEARHOUSE_DATA_DIR: process.env.WEARHOUSE_E2E_DATA_DIR!, ...extraEnv });
  return execFileSync(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'inherit'], timeout: 60_000, encoding: 'utf8' });
}

/** Set the app's Connect origins and redirect URLs (and offer every source) with `apps:connect`. */
export function setConnectSettings(clientId: string, settings: { origins: string[]; redirectUrls: string[] }) {
  wearhouseCli(['apps:connect', '--app', clientId, '--all-sources',
    ...settings.origins.flatMap((origin) => ['--origin', origin]),
    ...settings.redirectUrls.flatMap((url) => ['--redirect-url', url])]);
}
