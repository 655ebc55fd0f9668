// The Application API served on a loopback port for tests, exactly as the server builds it (minus
// Next.js): real HTTP, so clients such as curl and the official ngrok client can talk to it.
import type { AddressInfo } from 'node:net';
import { createApi } from '../api/app';
import { noAttemptLimit, unlimited, type AttemptLimiter, type RateLimiter } from '../api/rate-limit';
import { createAppServer } from '../server/http';

export type RunningApi = {
  baseUrl: string;
  /** TCP connections the server has accepted so far (to tell kept-alive connections from new ones). */
  connections(): number;
  close(): Promise<void>;
};

export async function startApi(options: { limiter?: RateLimiter; authFailures?: AttemptLimiter } = {}): Promise<RunningApi> {
  const api = createApi({
    readiness: { isStarted: () => true },
    limiter: options.limiter ?? unlimited(),
    authFailures: options.authFailures ?? noAttemptLimit(),
  });
  const appServer = createAppServer(api);
  appServer.markStarted();
  let connections = 0;
  appServer.server.on('connection', () => void connections++);
  await new Promise<void>((resolve) => appServer.server.listen(0, '127.0.0.1', resolve));
  const { port } = appServer.server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      await appServer.drain(1_000);
      await api.close();
    },
  };
}

/** `Authorization: Basic base64("KEY:")`, as `curl -u KEY:` sends it. */
export const basicAuth = (appKey: string) => `Basic ${Buffer.from(`${appKey}:`).toString('base64')}`;

export type HumanUser = { humanId: string; externalId: string; appId: string; createdAt: string; updatedAt: string };

/**
 * The Human API's user object for a user of the service, written out independently of the
 * serializer under test so that tests state the contract rather than repeat the code.
 */
export const asHuman = (user: { humanId: string; externalId: string; clientId: string; createdAt: Date; updatedAt: Date }): HumanUser => ({
  humanId: user.humanId,
  externalId: user.externalId,
  appId: user.clientId,
  createdAt: user.createdAt.toISOString(),
  updatedAt: user.updatedAt.toISOString(),
});
