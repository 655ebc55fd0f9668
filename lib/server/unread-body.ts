// What happens to a request body the API refused without reading it (too large, no valid key, a
// wrong path or type): it is still on its way from the client. Closing the socket under it makes
// the client's kernel reset the connection, often before the client has read the answer, so the
// client sees a dropped connection instead of a 4xx. Like nginx's lingering close, the body is
// read and discarded instead: up to a cap the connection stays open for the next request; past
// the cap the answer says `Connection: close`, and the socket is half-closed and drained for a
// few seconds before it is destroyed.
import type http from 'node:http';
import type net from 'node:net';

/** Bytes of an unread body discarded while keeping the connection. */
export const DRAIN_CAP_BYTES = 1024 * 1024;
/** How long a connection closing under an oversized body keeps reading (nginx: lingering_time). */
export const LINGER_MS = 5_000;

/**
 * Call before handing the request to a handler that may answer without reading the body.
 * A body announced larger than the cap and still unread when the answer starts is answered with
 * `Connection: close`.
 */
export function guardUnreadBody(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method === 'GET' || req.method === 'HEAD') return;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > DRAIN_CAP_BYTES) {
    // Decided when the answer starts: a route that read the whole body (an upload) keeps the
    // connection; one that answers before reading it closes it, lingering.
    const writeHead = res.writeHead;
    res.writeHead = function answering(this: http.ServerResponse, ...args: unknown[]) {
      res.writeHead = writeHead;
      if (!req.complete) {
        res.shouldKeepAlive = false;
        lingerOnClose(req);
      }
      return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, args);
    } as typeof res.writeHead;
  }

  res.once('finish', () => {
    if (req.complete) return;
    // Discard the rest. Node's own discarding is skipped once a handler has wrapped the stream,
    // and the wrapper (a web stream nobody reads) would pause it when its queue fills, stalling
    // the connection; so drop its listeners and keep the bytes flowing.
    req.removeAllListeners('data');
    let discarded = 0;
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      // A body without a declared length that runs past the cap: stop keeping the connection.
      if (discarded > DRAIN_CAP_BYTES && res.shouldKeepAlive && !req.socket.writableEnded) lingeringEnd(req.socket);
    });
    req.resume();
  });
}

/**
 * Node closes a `Connection: close` socket with `destroySoon()` as soon as the answer is written
 * (before any 'finish' listener of ours runs); make that a lingering close while the body is unread.
 */
function lingerOnClose(req: http.IncomingMessage) {
  const socket = req.socket;
  const destroySoon = socket.destroySoon;
  socket.destroySoon = function lingering(this: net.Socket) {
    socket.destroySoon = destroySoon;
    if (req.complete) destroySoon.call(this);
    else lingeringEnd(this);
  };
}

/** Half-close (the client reads our FIN after the answer), keep discarding its data, then destroy. */
function lingeringEnd(socket: net.Socket) {
  if (socket.destroyed) return;
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // The HTTP parser keeps reading the socket and discards the body; once the client has sent it
  // all and seen our FIN, it closes its side and 'close' ends the timer.
  socket.resume();
}
