// A view of the PGlite instance for @electric-sql/pglite-socket (0.2.17, pinned) that keeps each
// client's protocol exchange whole.
//
// The socket server queues every protocol message on its own, and keeps one client's messages
// together only while PGlite reports an open transaction. An extended-protocol exchange (Parse,
// Bind, Describe, Execute … Sync) outside BEGIN/COMMIT is no transaction, so another client's
// messages could run between its parts and overwrite the single shared session's unnamed statement
// and portal: under concurrent writes, requests failed with `portal "" does not exist` or got
// another request's values bound into their statement. This view reports "in a transaction" from
// an exchange's first message until its Sync, and the queue's own stickiness does the rest.
import type { PGlite } from '@electric-sql/pglite';

// Messages that end an exchange: Sync, simple Query, Terminate. A startup message has no type byte.
const EXCHANGE_ENDS = new Set(['S', 'Q', 'X'].map((c) => c.charCodeAt(0)));
const isTypedMessage = (byte: number | undefined) => byte !== undefined && byte >= 0x41 && byte <= 0x7a;

export function keepExchangesWhole(db: PGlite): PGlite {
  let midExchange = false;
  return new Proxy(db, {
    get(target, property) {
      if (property === 'isInTransaction') return () => midExchange || target.isInTransaction();
      if (property === 'execProtocolRawStream') {
        return async (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          try {
            return await target.execProtocolRawStream(message, options);
          } finally {
            midExchange = isTypedMessage(message[0]) && !EXCHANGE_ENDS.has(message[0]!);
          }
        };
      }
      if (property === 'exec') {
        // The server rolls back with exec('ROLLBACK') when a client leaves mid-exchange or
        // mid-transaction: whatever it had open is over.
        return (query: string, options?: Parameters<PGlite['exec']>[1]) => {
          midExchange = false;
          return target.exec(query, options);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
