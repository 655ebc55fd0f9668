// `npm start` builds the portal when there is no build yet or the sources changed since the last
// one, so a fresh clone needs no separate build step and a `git pull` is picked up.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const SOURCES = ['app', 'components', 'lib', 'public'];
const FILES = ['next.config.js', 'postcss.config.mjs', 'tsconfig.json', 'package-lock.json'];
const STAMP = '.next/wearhouse-sources';

/** A fingerprint of the portal's sources: paths, sizes and modification times. */
export function sourceFingerprint(root: string): string {
  const hash = createHash('sha256');
  const visit = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile() && !entry.name.endsWith('.test.ts')) {
        const stat = fs.statSync(full);
        hash.update(`${path.relative(root, full)}:${stat.size}:${stat.mtimeMs}\n`);
      }
    }
  };
  for (const dir of SOURCES) visit(path.join(root, dir));
  for (const file of FILES) {
    const full = path.join(root, file);
    if (fs.existsSync(full)) hash.update(`${file}:${fs.statSync(full).mtimeMs}\n`);
  }
  return hash.digest('hex');
}

export function buildIsCurrent(root: string): boolean {
  try {
    return (
      fs.existsSync(path.join(root, '.next/BUILD_ID')) &&
      fs.readFileSync(path.join(root, STAMP), 'utf8') === sourceFingerprint(root)
    );
  } catch {
    return false;
  }
}

/** Run `next build` (output streamed) and stamp the result. */
export async function buildPortal(root: string): Promise<void> {
  const fingerprint = sourceFingerprint(root);
  const nextBin = path.join(root, 'node_modules/next/dist/bin/next');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build failed with exit code ${code}.`))));
  });
  fs.writeFileSync(path.join(root, STAMP), fingerprint);
}
