// The Postgres wire-protocol front of the embedded engine: accepts node-postgres clients on a Unix
// socket and takes turns on the one PGlite session, which every client shares.
//
// Written here rather than taken from @electric-sql/pglite-socket so that who holds the engine is
// ours to see and bound. A client holds the engine from its first message until the engine answers
// ReadyForQuery "idle" (status I): that keeps an extended-protocol exchange (Parse … Sync) and an
// explicit transaction whole, since another client's messages in between would overwrite the
// shared session's unnamed statement and portal, or run inside the holder's transaction. A holder
// that goes silent for `holdTimeoutMs` (a paused process, a half-open socket, a transaction held
// across an HTTP call) is disconnected and its work rolled back, so the others proceed.
// Only public PGlite API is used: execProtocolRawStream, exec, isInTransaction.
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { errorFields, log } from '../../log';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Larger messages are refused: nothing Wearhouse sends comes near it, and it bounds buffering. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

const byte = (c: string) => c.charCodeAt(0);
const READY_FOR_QUERY = byte('Z');
const TERMINATE = byte('X');
const QUERY = byte('Q');
const PARSE = byte('P');
// CopyData, CopyDone, CopyFail: COPY FROM STDIN is refused (it aborts PGlite 0.5.14), so these can
// only come from a confused client; PostgreSQL ignores them outside COPY and so do we.
const COPY_IN_MESSAGES = new Set([byte('d'), byte('c'), byte('f')]);

// `COPY … FROM STDIN` in any statement of a simple Query or in a Parse. Measured: PGlite 0.5.14
// exits the whole process ("Program terminated with exit(1)") on it; COPY … TO STDOUT works.
const COPY_FROM_STDIN = /(?:^|;)\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*copy\b[^;]*\bfrom\s+stdin\b/i;
const REFUSE_COPY_SQL =
  "DO $wearhouse$ BEGIN RAISE EXCEPTION USING ERRCODE = 'feature_not_supported', " +
  "MESSAGE = 'COPY FROM STDIN is not supported by the embedded database', " +
  "HINT = 'Insert in batches, or use PostgreSQL (DATABASE_URL) for bulk loads.'; END $wearhouse$";

export type SocketServerOptions = {
  db: PGlite;
  /** Unix socket path. */
  path: string;
  /** How long a client may hold the engine without sending anything before it is cut off. */
  holdTimeoutMs: number;
  maxConnections?: number;
};

type Connection = {
  id: number;
  socket: net.Socket;
  buffer: Buffer;
  pending: Buffer[];
  started: boolean;
  closed: boolean;
  /** Between its first message and the engine's ReadyForQuery "idle". */
  inExchange: boolean;
};

type Job = { run: () => Promise<void> };

export class EngineSocketServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  /** Connections (and owner jobs) with work, in arrival order, waiting for the engine. */
  private readonly waiting: (Connection | Job)[] = [];
  private holder: Connection | null = null;
  private holdTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  private nextId = 1;
  private stopping = false;
  private lastActivity = Date.now();

  constructor(private readonly options: SocketServerOptions) {
    this.server = net.createServer((socket) => this.accept(socket));
    this.server.maxConnections = options.maxConnections ?? 256;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Connected clients and whether one holds the engine (for tests and logs). */
  stats() {
    return { connections: this.connections.size, holder: this.holder?.id ?? null, waiting: this.waiting.length };
  }

  /**
   * Run `work` on the engine between client exchanges, never inside one: maintenance uses this so
   * that it neither lands in a client's transaction nor holds the engine longer than one step.
   */
  runBetweenExchanges<T>(work: () => Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ run: () => work().then(resolve, reject) });
      void this.pump();
    });
  }

  /**
   * Resolves once no client has used the engine for `quietMs` (or after `maxWaitMs` regardless), so
   * that a long maintenance step lands in a lull rather than in front of a burst of requests.
   */
  async quiet(quietMs: number, maxWaitMs: number): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const busy = this.holder !== null || this.waiting.length > 0;
      const idleFor = Date.now() - this.lastActivity;
      if ((!busy && idleFor >= quietMs) || Date.now() >= deadline || this.stopping) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(5, quietMs - idleFor)));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const connection of this.connections) connection.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Let the reset of a holder that was just cut off finish before the caller checkpoints.
    while (this.pumping) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private accept(socket: net.Socket) {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const connection: Connection = { id: this.nextId++, socket, buffer: Buffer.alloc(0), pending: [], started: false, closed: false, inExchange: false };
    this.connections.add(connection);
    socket.setNoDelay?.(true);
    socket.on('data', (data) => this.receive(connection, data));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.closed(connection));
  }

  private receive(connection: Connection, data: Buffer) {
    connection.buffer = connection.buffer.length ? Buffer.concat([connection.buffer, data]) : data;
    for (;;) {
      const message = this.takeMessage(connection);
      if (message === null) break;
      if (message === 'close') {
        connection.socket.destroy();
        return;
      }
      connection.pending.push(message);
    }
    if (connection.pending.length === 0) return;
    if (this.holder === connection) {
      this.disarmHoldTimer();
    } else if (!this.waiting.includes(connection)) {
      this.waiting.push(connection);
    }
    void this.pump();
  }

  /** One complete message off the connection's buffer; null when more bytes are needed. */
  private takeMessage(connection: Connection): Buffer | 'close' | null {
    const buffer = connection.buffer;
    if (!connection.started) {
      if (buffer.length < 8) return null;
      const length = buffer.readInt32BE(0);
      const code = buffer.readInt32BE(4);
      if (length < 8 || length > 10_000) return 'close';
      if (buffer.length < length) return null;
      connection.buffer = buffer.subarray(length);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        connection.socket.write('N'); // no TLS on a local socket; the client goes on in clear
        return this.takeMessage(connection);
      }
      if (code === CANCEL_REQUEST) return 'close'; // nothing to cancel: one session, no backend pid
      if (code !== PROTOCOL_3) return 'close';
      connection.started = true;
      return buffer.subarray(0, length);
    }
    if (buffer.length < 5) return null;
    const length = buffer.readInt32BE(1);
    if (length < 4 || length > MAX_MESSAGE_BYTES) return 'close';
    if (buffer.length < length + 1) return null;
    connection.buffer = buffer.subarray(length + 1);
    return buffer.subarray(0, length + 1);
  }

  private closed(connection: Connection) {
    connection.closed = true;
    connection.pending = [];
    this.connections.delete(connection);
    const index = this.waiting.indexOf(connection);
    if (index >= 0) this.waiting.splice(index, 1);
    // A holder that leaves is reset by the pump, inside its turn.
    if (this.holder === connection) {
      this.disarmHoldTimer();
      void this.pump();
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const holder = this.holder;
        if (holder) {
          if (holder.closed) {
            if (holder.inExchange) await this.rollBackAbandoned(holder);
            this.holder = null;
            continue;
          }
          if (holder.pending.length === 0) {
            this.armHoldTimer(holder);
            return;
          }
          await this.execute(holder, this.takeBatch(holder));
          continue;
        }
        const next = this.waiting.shift();
        if (!next) return;
        if ('run' in next) {
          await next.run();
          continue;
        }
        if (next.closed || next.pending.length === 0) continue;
        this.holder = next;
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The holder's pending messages up to and including the first Terminate, as one batch: a client
   * pipelines a whole exchange (Parse, Bind, Describe, Execute, Sync arrive together), and the
   * engine runs a buffer of messages in one call as it would one message, so the exchange costs
   * one engine call and one socket write instead of five of each (writes were a third of the
   * owner's CPU on the API's hottest request, bench:api profile).
   */
  private takeBatch(connection: Connection): Buffer[] {
    const pending = connection.pending;
    // The startup packet (its first byte is its length's, 0) is answered by the engine on its own.
    if (pending[0]![0] === 0) {
      connection.pending = pending.slice(1);
      return pending.slice(0, 1);
    }
    const end = pending.findIndex((message) => message[0] === TERMINATE || message[0] === 0);
    if (end === -1) {
      connection.pending = [];
      return pending;
    }
    connection.pending = pending.slice(end + (pending[end]![0] === TERMINATE ? 1 : 0));
    return pending.slice(0, end + (pending[end]![0] === TERMINATE ? 1 : 0));
  }

  private async execute(connection: Connection, batch: Buffer[]) {
    const messages: Uint8Array[] = [];
    let terminate = false;
    for (const message of batch) {
      const type = message.length > 0 ? message[0]! : 0;
      if (type === TERMINATE) {
        terminate = true;
        break;
      }
      if (COPY_IN_MESSAGES.has(type)) continue;
      messages.push(refuseCopyFromStdin(message));
    }
    if (messages.length > 0) await this.run(connection, messages);
    if (terminate && !connection.closed) {
      connection.socket.end();
      connection.closed = true; // the pump rolls back whatever it left open; 'close' follows
    }
  }

  private async run(connection: Connection, messages: Uint8Array[]) {
    this.lastActivity = Date.now();
    let tail = Buffer.alloc(0);
    const started = Date.now();
    connection.inExchange = true;
    // Corked while the engine answers: its answer leaves in one write (writev) when it is done.
    const socket = connection.socket;
    socket.cork();
    try {
      await this.options.db.execProtocolRawStream(messages.length === 1 ? messages[0]! : Buffer.concat(messages), {
        onRawData: (data) => {
          // Copied: PGlite may reuse the memory behind `data` once this returns.
          if (!connection.closed && socket.writable) socket.write(Buffer.from(data));
          tail = data.length >= 6 ? Buffer.from(data.subarray(data.length - 6)) : Buffer.concat([tail, data]).subarray(-6);
        },
      });
    } catch (error) {
      log.error({ err: errorFields(error), client: connection.id }, 'embedded database: a protocol message failed');
      socket.destroy();
      connection.closed = true;
      return;
    } finally {
      socket.uncork();
    }
    const elapsed = Date.now() - started;
    if (elapsed > 1_000) log.warn({ client: connection.id, ms: elapsed }, 'embedded database: a slow statement held every client');
    // The turn ends when the engine says it is ready for a new query outside a transaction.
    if (tail.length === 6 && tail[0] === READY_FOR_QUERY && tail.readInt32BE(1) === 5 && tail[5] === byte('I')) {
      connection.inExchange = false;
      this.holder = null;
      if (connection.pending.length > 0) this.waiting.push(connection);
    }
  }

  /**
   * What PostgreSQL does when a client disconnects: abort its transaction. ROLLBACK as a simple
   * query ends an extended-protocol exchange's implicit transaction or an explicit one; Sync ends
   * the skip-to-Sync state an error leaves; a transaction still open after that (the ROLLBACK was
   * skipped) gets a second ROLLBACK.
   */
  private async rollBackAbandoned(connection: Connection) {
    const db = this.options.db;
    const discard = { onRawData: () => {} };
    try {
      await db.execProtocolRawStream(simpleQuery('ROLLBACK'), discard);
      await db.execProtocolRawStream(SYNC, discard);
      if (db.isInTransaction()) await db.execProtocolRawStream(simpleQuery('ROLLBACK'), discard);
    } catch (error) {
      log.error({ err: errorFields(error), client: connection.id }, 'embedded database: rolling back a departed client failed');
    }
  }

  private armHoldTimer(holder: Connection) {
    if (this.holdTimer) return;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      if (this.holder !== holder || holder.pending.length > 0) return;
      log.warn(
        { client: holder.id, holdTimeoutMs: this.options.holdTimeoutMs, waiting: this.waiting.length },
        'embedded database: a client held the engine mid-exchange or mid-transaction without sending anything; disconnecting it and rolling back',
      );
      holder.socket.destroy(); // 'close' → closed() → pump → rollBackAbandoned
    }, this.options.holdTimeoutMs);
    this.holdTimer.unref();
  }

  private disarmHoldTimer() {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
  }
}

function simpleQuery(sql: string): Uint8Array {
  const body = Buffer.from(`${sql}\0`);
  const message = Buffer.alloc(5 + body.length);
  message[0] = QUERY;
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

const SYNC = new Uint8Array([byte('S'), 0, 0, 0, 4]);

/** The message itself, or one whose statement fails cleanly in the engine when it is COPY FROM STDIN. */
function refuseCopyFromStdin(message: Buffer): Uint8Array {
  const type = message[0];
  if (type === QUERY) {
    const sql = message.toString('utf8', 5, message.length - 1);
    return COPY_FROM_STDIN.test(sql) ? simpleQuery(REFUSE_COPY_SQL) : message;
  }
  if (type === PARSE) {
    const nameEnd = message.indexOf(0, 5);
    const sqlEnd = message.indexOf(0, nameEnd + 1);
    if (nameEnd < 0 || sqlEnd < 0) return message;
    const sql = message.toString('utf8', nameEnd + 1, sqlEnd);
    if (!COPY_FROM_STDIN.test(sql)) return message;
    const name = message.subarray(5, nameEnd + 1);
    const body = Buffer.concat([name, Buffer.from(`${REFUSE_COPY_SQL}\0`), Buffer.from([0, 0])]);
    const parse = Buffer.alloc(5);
    parse[0] = PARSE;
    parse.writeInt32BE(4 + body.length, 1);
    return Buffer.concat([parse, body]);
  }
  return message;
}
