// The bare ceiling, in its own process: node:http + node-postgres doing a one-row lookup by the
// users table's unique humanId key — the least any server can do to answer GET one user on this
// engine. No framework, no authentication, no app scoping, no ORM; one constant unnamed statement
// (the embedded engine allows no named ones). It answers the Human dialect's path and body.
// Importing the driver here, outside lib/db, is the point: this is what the stack is measured against.
import http from 'node:http';
import pg from 'pg';
import { serveForBench } from './child';

const USER_PATH = /^\/v1\/apps\/([0-9a-f]{40})\/users\/([0-9a-f]{32})$/;
const LOOKUP = 'SELECT human_id, external_id, created_at, updated_at FROM users WHERE human_id = $1';

type Row = { human_id: string; external_id: string; created_at: Date; updated_at: Date };

async function main() {
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    // The same pool size as the API's, so that both get the same share of the engine.
    max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
  });
  pool.on('error', (error) => console.error(`bare ceiling: ${error.message}`));

  const server = http.createServer((req, res) => {
    const match = USER_PATH.exec(req.url ?? '');
    if (!match) return void res.writeHead(404).end();
    const clientId = match[1]!;
    pool.query<Row>(LOOKUP, [match[2]]).then(
      ({ rows: [row] }) => {
        if (!row) return void res.writeHead(404).end();
        const body = JSON.stringify({
          humanId: row.human_id,
          externalId: row.external_id,
          appId: clientId,
          createdAt: row.created_at.toISOString(),
          updatedAt: row.updated_at.toISOString(),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      },
      (error: Error) => {
        console.error(error.message);
        res.writeHead(500).end();
      },
    );
  });
  await serveForBench(server, async () => {
    server.close();
    server.closeAllConnections();
    await pool.end();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
