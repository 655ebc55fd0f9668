// The service ceiling, in its own process: a bare node:http server making the same service call as
// the API's GET one user — getUser with an AppCaller built once — on the same database, without
// Hono, key authentication, rate limiting or zod. It answers the Human dialect's path and body.
// Between it and the bare one-row ceiling (row-ceiling-server.ts) lies what the service costs.
import http from 'node:http';
import { authenticateAppKey } from '../apps/keys';
import { closeDb } from '../db/client';
import { DomainError } from '../errors';
import { getUser } from '../users/users';
import { serveForBench } from './child';

const USER_PATH = /^\/v1\/apps\/([0-9a-f]{40})\/users\/([0-9a-f]{32})$/;

async function main() {
  const caller = await authenticateAppKey(process.env.BENCH_APP_KEY ?? '');
  if (!caller) throw new Error('BENCH_APP_KEY is not a valid App Key for this database.');

  const server = http.createServer((req, res) => {
    const match = USER_PATH.exec(req.url ?? '');
    if (!match) return void res.writeHead(404).end();
    getUser(caller, match[1]!, match[2]!).then(
      (user) => {
        const body = JSON.stringify({
          humanId: user.humanId,
          externalId: user.externalId,
          appId: user.clientId,
          createdAt: user.createdAt.toISOString(),
          updatedAt: user.updatedAt.toISOString(),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      },
      (error: unknown) => {
        if (!(error instanceof DomainError)) console.error(error);
        res.writeHead(error instanceof DomainError ? error.status : 500).end();
      },
    );
  });
  await serveForBench(server, async () => {
    server.close();
    server.closeAllConnections();
    await closeDb();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
