// First start on an empty database: the first admin, a demo app with its client secret and App
// Key, and demo users with readings. The credentials are printed once and kept in the data folder.
import fs from 'node:fs';
import path from 'node:path';
import { ensureFirstAdmin } from '../accounts/accounts';
import { createApp, listApps } from '../apps/apps';
import { operator } from '../auth/caller';
import { seedUsers, type SeedResult } from './seed';

export type DemoCredentials = {
  signIn: { url: string; email: string; password: string };
  demoApp: { name: string; clientId: string; clientSecret: string; appKey: string } | null;
};

export const DEMO_USERS = 25;
export const DEMO_DAYS = 90;

export async function setUpFirstStart(options: {
  baseUrl: string;
  dataDir: string;
  admin: { email?: string; password?: string };
  demo: boolean;
  seed: number;
}): Promise<{ credentials: DemoCredentials; seeded: SeedResult | null } | null> {
  const admin = await ensureFirstAdmin(options.admin);
  if (!admin) return null; // not a first start
  let demoApp: DemoCredentials['demoApp'] = null;
  let seeded: SeedResult | null = null;
  if (options.demo && (await listApps(operator)).length === 0) {
    const created = await createApp(operator, { name: 'Demo Health App', connectOrigins: [new URL(options.baseUrl).origin] });
    seeded = await seedUsers(operator, created.app.clientId, { users: DEMO_USERS, days: DEMO_DAYS, seed: options.seed });
    demoApp = { name: created.app.name, clientId: created.app.clientId, clientSecret: created.clientSecret, appKey: created.appKey };
  }
  const credentials: DemoCredentials = {
    signIn: { url: `${options.baseUrl}/sign-in`, email: admin.email, password: admin.password },
    demoApp,
  };
  const file = path.join(options.dataDir, 'demo-credentials.json');
  fs.mkdirSync(options.dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return { credentials, seeded };
}

export function describeCredentials(credentials: DemoCredentials, file: string): string {
  const lines = [
    '',
    '  Wearhouse is set up. These credentials are shown once; they are also in',
    `  ${file} (readable by you only).`,
    '',
    `  Portal sign-in   ${credentials.signIn.url}`,
    `    email          ${credentials.signIn.email}`,
    `    password       ${credentials.signIn.password}`,
  ];
  if (credentials.demoApp) {
    lines.push(
      '',
      `  Demo app         ${credentials.demoApp.name}`,
      `    clientId       ${credentials.demoApp.clientId}`,
      `    clientSecret   ${credentials.demoApp.clientSecret}`,
      `    App Key        ${credentials.demoApp.appKey}`,
      '',
      '  Try the Application API:',
      `    curl -u ${credentials.demoApp.appKey}: ${new URL(credentials.signIn.url).origin}/v1/apps/${credentials.demoApp.clientId}/users`,
    );
  }
  return lines.join('\n') + '\n';
}
