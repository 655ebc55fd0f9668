// Scalar's browser build, served from the installed npm package (never a CDN, never copied into git):
// the ES module entry and the chunks it imports lazily, under a URL with the package version in it
// so browsers may cache them for a year.
import 'server-only';
import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_DIR = path.join(/* turbopackIgnore: true */ process.cwd(), 'node_modules', '@scalar', 'api-reference');
const BROWSER_DIR = path.join(PACKAGE_DIR, 'dist', 'browser');
const ENTRY = 'standalone.esm.js';
/** The entry, or one of the chunks it imports (`./chunks/<name>.js`); nothing else of the package. */
const SERVED = /^(standalone\.esm\.js|chunks\/[\w.-]+\.js)$/;

let version: string | undefined;
/** The installed @scalar/api-reference version, read once per process. */
export function scalarVersion(): string {
  version ??= (JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}

/** Where the page imports Scalar from: its chunks resolve next to it. */
export const scalarEntryUrl = () => `/docs/api/scalar/${scalarVersion()}/${ENTRY}`;

/** The file to serve for /docs/api/scalar/<version>/<file…>, or null for anything else. */
export function scalarAsset(requestedVersion: string, file: string[]): string | null {
  const relative = file.join('/');
  if (requestedVersion !== scalarVersion() || !SERVED.test(relative) || relative.includes('..')) return null;
  const full = path.join(BROWSER_DIR, relative);
  return full.startsWith(BROWSER_DIR + path.sep) && fs.existsSync(full) ? full : null;
}
