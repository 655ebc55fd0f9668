// Each router authenticates its own kind of credential, at its own prefix: a router mounted beside
// the App Key routers under /v1 (client credentials at /v1/connect, user tokens at /v1/human)
// reaches its handlers, and the server's table of API paths says exactly what the API owns.
import { Hono } from 'hono';
import { describe, expect, inject, it } from 'vitest';
import { createTestApp } from '../testing/fixtures';
import { basicAuth } from '../testing/api';
import { createApi, isApiPath } from './app';
import { unlimited } from './rate-limit';

describe(`routers scoped to their credentials on ${inject('databaseKind')}`, () => {
  it('lets routers for other credentials under /v1 answer without an App Key, while /v1/apps still requires one', async () => {
    const api = createApi({ readiness: { isStarted: () => true }, limiter: unlimited() });
    const users = new Hono();
    users.get('/me', (c) => c.json({ reached: 'user token' }));
    api.route('/v1/elsewhere', users);
    try {
      // The Connect token router (client credentials) answers for itself: no App Key challenge.
      const token = await api.request('/v1/connect/token', { method: 'POST' });
      expect(token.status).toBe(400);
      expect((await token.json()).message).toMatch(/is required/);
      const me = await api.request('/v1/elsewhere/me');
      expect(await me.json()).toEqual({ reached: 'user token' });
      // The Data API at /v1/human challenges for a user's token, not for an App Key.
      const data = await api.request('/v1/human/profile');
      expect(data.status).toBe(401);
      expect(data.headers.get('www-authenticate')).toBe('Bearer realm="Wearhouse"');

      const app = await createTestApp();
      const refused = await api.request(`/v1/apps/${app.clientId}/users`);
      expect(refused.status).toBe(401);
      expect((await refused.json()).message).toBe('An App Key is required.');
      const allowed = await api.request(`/v1/apps/${app.clientId}/users`, { headers: { Authorization: basicAuth(app.appKey) } });
      expect(allowed.status).toBe(200);

      // An unknown path under /v1 is the API's JSON 404, not an App Key challenge.
      const unknown = await api.request('/v1/nothing-here', { headers: { Authorization: basicAuth(app.appKey) } });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    } finally {
      await api.close();
    }
  });

  it('hands the server exactly the API’s paths, and everything else to the portal', () => {
    for (const path of ['/v1', '/v1/apps/x/users', '/v1/connect/token', '/v1/human/me', '/app', '/app/users', '/healthz', '/readyz', '/openapi.json', '/connect/oidc/callback', '/connect', '/connect/api/state', '/connect/embed']) {
      expect(isApiPath(path), path).toBe(true);
    }
    for (const path of ['/', '/apps', '/apps/abc/users', '/v10', '/v1x/apps', '/application', '/healthz/x', '/openapi.json.bak', '/sign-in', '/connected', '/connections']) {
      expect(isApiPath(path), path).toBe(false);
    }
  });
});
