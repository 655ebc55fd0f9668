import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { updateConnectSettings } from '../../apps/apps';
import { operator } from '../../auth/caller';
import { reloadConfig } from '../../config';
import { mintSessionForHumanId } from '../../connect/tokens';
import { startApi, type RunningApi } from '../../testing/api';
import { createTestApp, createTestUsers } from '../../testing/fixtures';
import type { ConnectBoot } from '../../../components/connect/types';

// The portal opens Connect in a modal on a user's page: the widget must let the installation's own
// origin frame it and hear from it (beside the app's Connect origins), and no one else.

let api: RunningApi;
beforeAll(async () => void (api = await startApi()));
afterAll(async () => api?.close());

const bootOf = (html: string) => JSON.parse(html.match(/id="connect-boot">(.*?)<\/script>/s)![1]!) as ConnectBoot;
const frameAncestors = (response: Response) => response.headers.get('content-security-policy')?.match(/frame-ancestors ([^;]*)/)?.[1];

async function openFromPortal() {
  const app = await createTestApp('Portal app');
  await updateConnectSettings(operator, app.clientId, { connectOrigins: ['https://app.example.test'] });
  const [user] = await createTestUsers(app, 1, `portal-${randomBytes(2).toString('hex')}`);
  const { sessionToken } = await mintSessionForHumanId(app.owner, app.clientId, user!.humanId);
  return fetch(`${api.baseUrl}/connect?token=${sessionToken}&mode=auth`);
}

describe(`Connect opened from the portal on ${inject('databaseKind')}`, () => {
  it("trusts the request's own origin when no base URL is configured", async () => {
    const response = await openFromPortal();
    expect(response.status).toBe(200);
    expect(frameAncestors(response)).toBe(`https://app.example.test ${api.baseUrl}`);
    expect(bootOf(await response.text())).toMatchObject({ page: 'widget', targetOrigins: ['https://app.example.test', api.baseUrl] });
  });

  it('trusts the configured WEARHOUSE_BASE_URL instead of whatever host the request named', async () => {
    const previous = process.env.WEARHOUSE_BASE_URL;
    process.env.WEARHOUSE_BASE_URL = 'https://portal.example.test/';
    reloadConfig();
    try {
      const response = await openFromPortal();
      expect(frameAncestors(response)).toBe('https://app.example.test https://portal.example.test');
      const boot = bootOf(await response.text());
      expect(boot).toMatchObject({ page: 'widget', targetOrigins: ['https://app.example.test', 'https://portal.example.test'] });
      expect(JSON.stringify(boot)).not.toContain(api.baseUrl);
    } finally {
      if (previous === undefined) delete process.env.WEARHOUSE_BASE_URL;
      else process.env.WEARHOUSE_BASE_URL = previous;
      reloadConfig();
    }
  });
});
