// What both benchmark servers share: listen on a loopback port, announce it on stdout
// (`listening <port>`), and stop when the bench says so (SIGTERM/SIGINT) or dies (IPC closes).
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

export async function serveForBench(server: http.Server, stop: () => Promise<void>): Promise<void> {
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('disconnect', () => void shutdown());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
}
