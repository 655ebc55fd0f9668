// The portal build and whether it is current. On a laptop `npm start` builds when there is no build
// yet or what Next.js bundles changed, so a fresh clone needs no separate step and a `git pull` is
// picked up; in production (DATABASE_URL) the deploy step `npm run build` makes it, and a start
// refuses a missing or stale one rather than race other instances into .next.
// `npm run build` runs this file: `next build`, then the stamp that says what it was built from.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCES = ['app', 'components', 'lib', 'public'];
/** Code under lib/ that Next.js never bundles: the CLI, benchmarks, the test harness. */
// components/connect is the Connect widget's browser code, bundled by esbuild at server start
// (lib/api/connect/widget-assets.ts), never by Next.js.
const NOT_BUNDLED = ['lib/bench', 'lib/cli', 'lib/testing', 'components/connect'];
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;
const FILES = ['next.config.js', 'proxy.ts', 'postcss.config.mjs', 'tsconfig.json', 'package-lock.json'];
/** Next.js reads these at build time (NEXT_PUBLIC_* values are inlined into the bundle). */
const ENV_FILES = ['.env', '.env.production', '.env.local', '.env.production.local'];
const STAMP = '.next/wearhouse-sources';

/**
 * A fingerprint of what the portal build is made from: paths, sizes and modification times of the
 * bundled sources and config files, and the NEXT_PUBLIC_* values in `env`.
 */
export function sourceFingerprint(root: string, env: Record<string, string | undefined> = process.env): string {
  const hash = createHash('sha256');
  const excluded = new Set(NOT_BUNDLED.map((dir) => path.join(root, dir)));
  const visit = (dir: string) => {
    if (excluded.has(dir)) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile() && !TEST_FILE.test(entry.name)) {
        const stat = fs.statSync(full);
        hash.update(`${path.relative(root, full)}:${stat.size}:${stat.mtimeMs}\n`);
      }
    }
  };
  for (const dir of SOURCES) visit(path.join(root, dir));
  for (const file of [...FILES, ...ENV_FILES]) {
    const full = path.join(root, file);
    if (fs.existsSync(full)) hash.update(`${file}:${fs.statSync(full).size}:${fs.statSync(full).mtimeMs}\n`);
  }
  for (const name of Object.keys(env).filter((n) => n.startsWith('NEXT_PUBLIC_')).sort()) {
    hash.update(`env ${name}=${env[name]}\n`);
  }
  return hash.digest('hex');
}

export type BuildState = 'current' | 'missing' | 'stale';

export function buildState(root: string, env: Record<string, string | undefined> = process.env): BuildState {
  if (!fs.existsSync(path.join(root, '.next/BUILD_ID'))) return 'missing';
  try {
    return fs.readFileSync(path.join(root, STAMP), 'utf8') === sourceFingerprint(root, env) ? 'current' : 'stale';
  } catch {
    return 'stale';
  }
}

export const buildIsCurrent = (root: string): boolean => buildState(root) === 'current';

/** Why a production start refuses to run, or null when the build may be served. */
export function productionBuildProblem(state: BuildState): string | null {
  if (state === 'current') return null;
  return (
    `${state === 'missing' ? 'There is no portal build' : 'The portal build is out of date (the sources or NEXT_PUBLIC_* settings changed since it was made)'}. ` +
    'With DATABASE_URL set, npm start does not build (several instances would race into .next): run `npm run build` as the deploy step, then start.'
  );
}

/** Run `next build` (output to `output`, the terminal by default) and stamp the result. */
export async function buildPortal(root: string, options: { output?: 'inherit' | 'ignore' } = {}): Promise<void> {
  const fingerprint = sourceFingerprint(root);
  const nextBin = path.join(root, 'node_modules/next/dist/bin/next');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build'], {
      cwd: root,
      stdio: ['ignore', options.output ?? 'inherit', 'inherit'],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    });
    // The build must not outlive a launcher that is stopped while it runs.
    const stop = () => child.kill('SIGTERM');
    process.once('exit', stop);
    child.once('error', reject);
    child.once('exit', (code) => {
      process.off('exit', stop);
      if (code === 0) resolve();
      else reject(new Error(`next build failed with exit code ${code}.`));
    });
  });
  fs.writeFileSync(path.join(root, STAMP), fingerprint);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  buildPortal(root).catch((error: unknown) => {
    console.error(`wearhouse: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
