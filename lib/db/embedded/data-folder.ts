// Where the embedded engine lives on disk and who may reach it: the data folder and everything in
// it are the owner's alone (0700/0600), and the engine is served on a Unix socket inside it, so
// file permissions are its authentication — pglite-style servers have none of their own.
import fs from 'node:fs';
import path from 'node:path';

/** The socket file's name, as PostgreSQL names it, so `host=<folder>` finds it with the default port. */
const SOCKET_NAME = '.s.PGSQL.5432';
/** sun_path holds 108 bytes on Linux (104 on macOS) including the terminating NUL. */
const MAX_SOCKET_PATH = process.platform === 'linux' ? 107 : 103;

export class DataFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFolderError';
  }
}

export const socketPathFor = (dataDir: string) => path.join(path.resolve(dataDir), SOCKET_NAME);

/** node-postgres: a `host` that is a folder means a Unix socket in it. */
export const embeddedUrl = (dataDir: string) => `postgres://postgres@/postgres?host=${encodeURIComponent(path.resolve(dataDir))}`;

/** Refuse, before anything is started, a data folder whose socket path the OS cannot bind. */
export function assertSocketPathFits(dataDir: string) {
  const socketPath = socketPathFor(dataDir);
  const length = Buffer.byteLength(socketPath);
  if (length > MAX_SOCKET_PATH) {
    throw new DataFolderError(
      `The data folder's path is too long for the embedded database's socket: ${socketPath} is ` +
        `${length} bytes and Unix sockets allow ${MAX_SOCKET_PATH}. Set WEARHOUSE_DATA_DIR to a ` +
        `folder with a path at most ${MAX_SOCKET_PATH - SOCKET_NAME.length - 1} bytes long.`,
    );
  }
}

/**
 * Create the data folder owner-only, or check an existing one: refuse one that other users may
 * write to (they could swap files or the socket under us), and make everything in it owner-only.
 * PGlite 0.5.14 creates its files 0666 whatever the umask (measured), so they are tightened here;
 * the folder's own 0700 is what keeps files it creates later out of reach.
 */
export function prepareDataFolder(dataDir: string) {
  const folder = path.resolve(dataDir);
  assertSocketPathFits(folder);
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const stat = fs.statSync(folder);
  if (!stat.isDirectory()) throw new DataFolderError(`${folder} is not a folder.`);
  if ((stat.mode & 0o022) !== 0) {
    throw new DataFolderError(
      `The data folder ${folder} is writable by ${stat.mode & 0o002 ? 'every user' : 'its group'} ` +
        `(mode ${(stat.mode & 0o777).toString(8)}). The embedded database refuses to start in it: ` +
        `run \`chmod 700 ${folder}\` (and check who changed it), or choose another WEARHOUSE_DATA_DIR.`,
    );
  }
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new DataFolderError(`The data folder ${folder} belongs to another user (uid ${stat.uid}); run Wearhouse as that user.`);
  }
  makeOwnerOnly(folder);
}

/** chmod go-rwx over a tree: folders 0700, files 0600 (executable bits are never needed here). */
export function makeOwnerOnly(folder: string) {
  fs.chmodSync(folder, 0o700);
  for (const entry of fs.readdirSync(folder, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    try {
      if (entry.isDirectory()) fs.chmodSync(full, 0o700);
      else if (entry.isFile()) fs.chmodSync(full, 0o600);
    } catch (error) {
      // A file PGlite removed between the listing and the chmod.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
