// When `npm start` rebuilds the portal: only for changes to what Next.js bundles (and NEXT_PUBLIC_*
// values, which it inlines); and with DATABASE_URL it refuses a missing or stale build instead.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildState, sourceFingerprint } from './build';

const root = path.resolve(import.meta.dirname, '../..');

describe.runIf(inject('databaseKind') === 'pglite')('the portal build check', () => {
  let checkout = '';
  afterAll(() => void (checkout && fs.rmSync(checkout, { recursive: true, force: true })));

  const write = (file: string, content = 'x') => {
    fs.mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
    fs.writeFileSync(path.join(checkout, file), content);
  };
  // A later modification time, as an edit would leave.
  const touch = (file: string) => {
    const later = new Date(Date.now() + 60_000 * Math.random() + 1_000);
    fs.utimesSync(path.join(checkout, file), later, later);
  };
  const files = ['app/page.tsx', 'components/ui/button.tsx', 'lib/readings/readings.ts', 'public/logo.svg', 'lib/cli/main.ts', 'lib/bench/api.ts', 'lib/testing/fixtures.ts', 'lib/readings/readings.test.ts', 'e2e/home.spec.ts', 'next.config.js'];
  beforeAll(() => {
    checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-build-'));
    for (const file of files) write(file);
  });

  it.each(['app/page.tsx', 'components/ui/button.tsx', 'lib/readings/readings.ts', 'public/logo.svg', 'next.config.js'])('rebuilds when %s changes', (file) => {
    const before = sourceFingerprint(checkout, {});
    touch(file);
    expect(sourceFingerprint(checkout, {})).not.toBe(before);
  });

  it.each(['lib/cli/main.ts', 'lib/bench/api.ts', 'lib/testing/fixtures.ts', 'lib/readings/readings.test.ts', 'e2e/home.spec.ts'])('does not rebuild when %s changes (Next.js does not bundle it)', (file) => {
    const before = sourceFingerprint(checkout, {});
    touch(file);
    expect(sourceFingerprint(checkout, {})).toBe(before);
  });

  it('rebuilds when a NEXT_PUBLIC_* value changes, not for other settings', () => {
    const base = sourceFingerprint(checkout, { NEXT_PUBLIC_SUPPORT_URL: 'https://a.example' });
    expect(sourceFingerprint(checkout, { NEXT_PUBLIC_SUPPORT_URL: 'https://b.example' })).not.toBe(base);
    expect(sourceFingerprint(checkout, { NEXT_PUBLIC_SUPPORT_URL: 'https://a.example', PORT: '4000' })).toBe(base);
  });

  it('tells a missing build from a stale and a current one', () => {
    expect(buildState(checkout, {})).toBe('missing');
    write('.next/BUILD_ID', 'abc');
    expect(buildState(checkout, {})).toBe('stale');
    write('.next/wearhouse-sources', sourceFingerprint(checkout, {}));
    expect(buildState(checkout, {})).toBe('current');
    touch('lib/readings/readings.ts');
    expect(buildState(checkout, {})).toBe('stale');
  });

  it('with DATABASE_URL, refuses to start on a build that is not current, and builds nothing', async () => {
    // A NEXT_PUBLIC_* value no build was made with makes this checkout's build stale (or missing).
    const { WEARHOUSE_SKIP_BUILD, ...env } = process.env;
    const started = Date.now();
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'lib/server/start.ts'], {
        cwd: root,
        env: { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', WEARHOUSE_SECRET_KEY: 'a'.repeat(64), NEXT_PUBLIC_BUILD_CHECK: String(Date.now()), PORT: '0' },
      }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }));
    });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/portal build is out of date|no portal build/);
    expect(result.output).toContain('npm run build');
    expect(result.output).not.toContain('building the portal');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
