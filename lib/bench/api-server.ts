// The server under test, in its own process: the real Application API (createApi + createAppServer)
// as `npm start` builds it, minus Next.js. Configured from the environment like production; the
// bench sets WEARHOUSE_RATE_LIMIT to 0 (off), or so high that the limiter costs but never refuses.
import { createApi } from '../api/app';
import { flushKeyUsage } from '../apps/keys';
import { assertSecretKey } from '../auth/encryption';
import { closeDb } from '../db/client';
import { createAppServer } from '../server/http';
import { serveForBench } from './child';

async function main() {
  assertSecretKey();
  const api = createApi({ readiness: { isStarted: () => appServer.isStarted() } });
  const appServer = createAppServer(api);
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
