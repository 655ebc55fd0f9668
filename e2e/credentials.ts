// The demo credentials the e2e server printed on its first start (written to its data folder).
import fs from 'node:fs';
import path from 'node:path';

export type DemoCredentials = {
  signIn: { url: string; email: string; password: string };
  demoApp: { name: string; clientId: string; clientSecret: string; appKey: string };
};

export function demoCredentials(): DemoCredentials {
  const file = path.join(process.env.WEARHOUSE_E2E_DATA_DIR!, 'demo-credentials.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as DemoCredentials;
}
