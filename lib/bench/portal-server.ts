// The portal under test, in its own process: API + Next.js on one port as `npm start` serves them
// (createApi + createAppServer + the production build), minus start-up chores (no demo, no workers).
import { fileURLToPath } from 'node:url';
import { createApi } from '../api/app';
import { flushKeyUsage } from '../apps/keys';
import { assertSecretKey } from '../auth/encryption';
import { closeDb } from '../db/client';
import { createAppServer } from '../server/http';
import { serveForBench } from './child';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

async function main() {
  assertSecretKey();
  process.chdir(projectRoot);
  const api = createApi({ readiness: { isStarted: () => appServer.isStarted() } });
  const appServer = createAppServer(api);
  const { default: next } = await import('next');
  const portal = next({ dev: false, dir: projectRoot, hostname: '127.0.0.1' });
  await portal.prepare();
  const handle = portal.getRequestHandler();
  appServer.attachNext((req, res) => handle(req, res));
  appServer.markStarted();
  await serveForBench(appServer.server, async () => {
    await appServer.drain(1_000);
    await flushKeyUsage();
    await api.close();
    await closeDb();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
