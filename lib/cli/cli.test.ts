import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findAccountByEmail, signIn } from '../accounts/accounts';
import { spawnOwner } from '../db/embedded/launch';
import { basicAuth, startApi, type RunningApi } from '../testing/api';

const root = path.resolve(import.meta.dirname, '../..');

type CliResult = { code: number; stdout: string; stderr: string };

/** Run `npm run wearhouse -- …` as an operator would (same entry point, no npm wrapper); `input` is piped to stdin. */
function wearhouse(args: string[], env: Record<string, string | undefined> = {}, input = ''): Promise<CliResult> {
  const { DATABASE_URL, WEARHOUSE_SECRET_KEY, ADMIN_PASSWORD, ...inherited } = process.env;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'lib/cli/main.ts', ...args],
      { cwd: root, env: { ...inherited, DATABASE_URL, WEARHOUSE_SECRET_KEY, ...env } as NodeJS.ProcessEnv },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

const PASSWORD = 'correct horse battery';
const tempDirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-cli-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`the wearhouse CLI on ${inject('databaseKind')}`, () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi();
    // apps:create gives new apps to the first admin: make sure there is one.
    const admin = await wearhouse(['admin:create', '--email', `cli-${Date.now()}@example.test`], {}, `${PASSWORD}\n`);
    expect(admin.code).toBe(0);
  });
  afterAll(async () => {
    await api.close();
  });

  it('creates a developer account, which signs in but is not an admin', async () => {
    const email = `dev-${Date.now()}@example.test`;
    const created = await wearhouse(['accounts:create', '--email', email, '--json'], { ADMIN_PASSWORD: 'a developer passphrase' });
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ email, role: 'developer' });
    expect(await signIn(email, 'a developer passphrase')).toMatchObject({ kind: 'account', role: 'developer' });
    const wrongRole = await wearhouse(['accounts:create', '--email', `x-${email}`, '--role', 'owner'], { ADMIN_PASSWORD: 'x' });
    expect(wrongRole.code).not.toBe(0);
    expect(wrongRole.stderr).toMatch(/--role is developer or admin/);
  });

  it('creates an app whose App Key authenticates against the Application API', async () => {
    const created = await wearhouse(['apps:create', '--name', 'From the CLI', '--json']);
    expect(created.code).toBe(0);
    const app = JSON.parse(created.stdout) as { clientId: string; clientSecret: string; appKey: string };
    expect(app.clientId).toMatch(/^[0-9a-f]{40}$/);
    expect(app.clientSecret).toMatch(/^whs_/);

    const users = await fetch(`${api.baseUrl}/v1/apps/${app.clientId}/users`, { headers: { authorization: basicAuth(app.appKey) } });
    expect(users.status).toBe(200);
    expect(await users.json()).toEqual([]);

    const listed = JSON.parse((await wearhouse(['apps:list', '--json'])).stdout) as { clientId: string; name: string }[];
    expect(listed).toContainEqual(expect.objectContaining({ clientId: app.clientId, name: 'From the CLI' }));
  });

  it('issues extra keys and revokes them', async () => {
    const app = JSON.parse((await wearhouse(['apps:create', '--name', 'Keys', '--json'])).stdout) as { clientId: string };
    const issued = await wearhouse(['keys:create', '--app', app.clientId, '--label', 'backend', '--json']);
    const key = JSON.parse(issued.stdout) as { id: number; appKey: string };
    expect(key.appKey).toMatch(/^whk_/);

    const revoked = await wearhouse(['keys:revoke', '--app', app.clientId, '--key', String(key.id)]);
    expect(revoked.code).toBe(0);
    const refused = await fetch(`${api.baseUrl}/v1/apps/${app.clientId}/users`, { headers: { authorization: basicAuth(key.appKey) } });
    expect(refused.status).toBe(401);

    const keys = JSON.parse((await wearhouse(['keys:list', '--app', app.clientId, '--json'])).stdout) as { id: number; hint: string; revokedAt: string | null }[];
    expect(keys.find((k) => k.id === key.id)?.revokedAt).not.toBeNull();
    expect(JSON.stringify(keys)).not.toContain(key.appKey);
  });

  it('seeds users into an app', async () => {
    const app = JSON.parse((await wearhouse(['apps:create', '--name', 'Seeded', '--json'])).stdout) as { clientId: string; appKey: string };
    const seeded = await wearhouse(['seed', '--app', app.clientId, '--users', '30', '--days', '0', '--json']);
    expect(seeded.code).toBe(0);
    expect(JSON.parse(seeded.stdout)).toMatchObject({ users: 30 });
    const users = await fetch(`${api.baseUrl}/v1/apps/${app.clientId}/users?limit=100`, { headers: { authorization: basicAuth(app.appKey) } });
    expect(await users.json()).toHaveLength(30);
  });

  it('takes an admin password from stdin or ADMIN_PASSWORD, never from the command line', async () => {
    const piped = `piped-${Date.now()}@example.test`;
    expect((await wearhouse(['admin:create', '--email', piped], {}, 'a piped passphrase\n')).code).toBe(0);
    expect(await signIn(piped, 'a piped passphrase')).not.toBeNull();

    const fromEnv = `env-${Date.now()}@example.test`;
    expect((await wearhouse(['admin:create', '--email', fromEnv], { ADMIN_PASSWORD: 'from the environment' })).code).toBe(0);
    expect(await signIn(fromEnv, 'from the environment')).not.toBeNull();

    const onCommandLine = `argv-${Date.now()}@example.test`;
    const refused = await wearhouse(['admin:create', '--email', onCommandLine, '--password', 'visible in ps']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('stdin');
    expect(await findAccountByEmail(onCommandLine)).toBeNull();

    const empty = await wearhouse(['admin:create', '--email', `empty-${Date.now()}@example.test`], {}, '');
    expect(empty.code).toBe(2);
  });

  it("sets an app's Connect settings, with the OIDC client secret from stdin or the environment only", async () => {
    const app = JSON.parse((await wearhouse(['apps:create', '--name', 'Connect settings', '--json'])).stdout) as { clientId: string };
    const set = await wearhouse([
      'apps:connect', '--app', app.clientId, '--origin', 'https://app.example.com', '--redirect-url', 'https://app.example.com/cb/',
      '--source', 'demo-scale', '--source', 'demo-cuff', '--oidc-issuer', 'https://login.example.com', '--oidc-client-id', 'wearhouse', '--json',
    ], {}, 'oidc-secret-from-stdin\n');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({
      clientId: app.clientId, appName: 'Connect settings', connectOrigins: ['https://app.example.com'],
      connectRedirectUrls: ['https://app.example.com/cb/'], enabledSources: ['demo-scale', 'demo-cuff'], oidcIssuer: 'https://login.example.com',
    });
    expect(set.stdout + set.stderr).not.toContain('oidc-secret-from-stdin');

    const shown = await wearhouse(['apps:connect', '--app', app.clientId]);
    expect(shown.stdout).toMatch(/sources\s+demo-scale demo-cuff/);
    expect(shown.stdout).toMatch(/sign-in\s+OIDC through https:\/\/login\.example\.com/);

    const viaEnv = await wearhouse(['apps:connect', '--app', app.clientId, '--oidc-issuer', 'https://id.example.org', '--oidc-client-id', 'x', '--all-sources', '--json'], { WEARHOUSE_OIDC_CLIENT_SECRET: 'from-env' });
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ oidcIssuer: 'https://id.example.org', enabledSources: null });

    const onCommandLine = await wearhouse(['apps:connect', '--app', app.clientId, '--oidc-issuer', 'https://x.example', '--oidc-client-id', 'x', '--oidc-client-secret', 'visible']);
    expect(onCommandLine.code).toBe(2);
    expect(onCommandLine.stderr).toContain('stdin');
    const bad = await wearhouse(['apps:connect', '--app', app.clientId, '--origin', 'https://app.example.com/path', '--json']);
    expect(bad.code).toBe(4);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { kind: 'invalid_input' } });
    const off = await wearhouse(['apps:connect', '--app', app.clientId, '--no-oidc', '--no-origins', '--json']);
    expect(JSON.parse(off.stdout)).toMatchObject({ oidcIssuer: null, connectOrigins: [] });
  });

  it('answers with usage and exit codes a script can rely on', async () => {
    const help = await wearhouse(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('apps:create');
    expect((await wearhouse(['no:such-command'])).code).toBe(2);
    expect((await wearhouse(['keys:create'])).code).toBe(2);
    expect((await wearhouse(['seed', '--app', 'x', '--users', 'many'])).code).toBe(2);
    const missing = await wearhouse(['keys:create', '--app', '0'.repeat(40), '--json']);
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { kind: 'not_found' } });
  });
});

describe.runIf(inject('databaseKind') === 'pglite')('the wearhouse CLI with the embedded database', () => {
  const embedded = { DATABASE_URL: undefined, WEARHOUSE_SECRET_KEY: undefined };

  // Three CLI runs, each starting and checkpointing an embedded database of its own: ~20 s on a
  // quiet machine, near 30 s on a busy one.
  it('starts the embedded database for itself when no server runs, and keeps what it wrote', { timeout: 120_000 }, async () => {
    const dataDir = tempDir();
    const env = { ...embedded, WEARHOUSE_DATA_DIR: dataDir };
    expect((await wearhouse(['admin:create', '--email', 'op@example.test'], env, PASSWORD)).code).toBe(0);
    const first = await wearhouse(['apps:create', '--name', 'One', '--json'], env);
    expect(first.code).toBe(0);
    const listed = JSON.parse((await wearhouse(['apps:list', '--json'], env)).stdout) as { name: string }[];
    expect(listed.map((a) => a.name)).toEqual(['One']);
    // Each run stopped the database it started: nothing holds the folder now.
    expect(fs.existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
  });

  it('uses the running owner of the folder instead of starting a second one', async () => {
    const dataDir = tempDir();
    const owner = await spawnOwner(dataDir);
    try {
      const env = { ...embedded, WEARHOUSE_DATA_DIR: dataDir };
      expect((await wearhouse(['admin:create', '--email', 'op@example.test'], env, PASSWORD)).code).toBe(0);
      const created = await wearhouse(['apps:create', '--name', 'While running', '--json'], env);
      expect(created.code).toBe(0);
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')).pid).toBe(owner.pid);
    } finally {
      await owner.stop!();
    }
  });
});
