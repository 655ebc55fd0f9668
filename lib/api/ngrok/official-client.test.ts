// The official ngrok API client (@ngrok/ngrok-api), unchanged but for its base URL, against the
// real API: the promise of the ngrok dialect is that such clients just work.
import { Ngrok } from '@ngrok/ngrok-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApi, type RunningApi } from '../../testing/api';
import type { RateLimiter } from '../rate-limit';
import { createTestApp, createTestUsers } from '../../testing/fixtures';
import { createUser } from '../../users/users';

// Never limits; counts the requests each App Key makes, to see how the client pages.
const requestsByKey = new Map<string, number>();
const countingLimiter: RateLimiter = {
  take: async (bucket) => {
    requestsByKey.set(bucket, (requestsByKey.get(bucket) ?? 0) + 1);
    return { allowed: true, retryAfterSeconds: 0 };
  },
  close: async () => {},
};
const requestCount = () => [...requestsByKey.values()].reduce((sum, n) => sum + n, 0);

let api: RunningApi;
beforeAll(async () => {
  api = await startApi({ limiter: countingLimiter });
});
afterAll(async () => {
  await api.close();
});

/**
 * The client's delete() parses the empty body of a 204 as JSON and rejects with a SyntaxError on
 * success (its bug, not ours). Swallow exactly that; an error response still rejects.
 */
async function deleteIgnoringEmptyBody(client: Ngrok, id: string) {
  try {
    await client.applicationUsers.delete(id);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
}

describe(`the official @ngrok/ngrok-api client on ${inject('databaseKind')}`, () => {
  it('lists every user across several small pages, newest first', async () => {
    const app = await createTestApp();
    const created = await createTestUsers(app, 7);
    const other = await createTestApp();
    await createTestUsers(other, 2);
    const client = new Ngrok({ apiToken: app.appKey, baseUrl: api.baseUrl });

    const before = requestCount();
    const listed = await client.applicationUsers.list(undefined, '2');

    expect(listed.map((u) => u.id)).toEqual(created.map((u) => u.humanId).reverse());
    expect(requestCount() - before).toBe(4); // 2 + 2 + 2 + 1
    expect(listed[0]).toMatchObject({ uri: `${api.baseUrl}/app/users/${created.at(-1)!.humanId}`, providerUserId: created.at(-1)!.externalId });

    const older = await client.applicationUsers.list(created[4]!.humanId, '2');
    expect(older.map((u) => u.id)).toEqual(created.slice(0, 4).map((u) => u.humanId).reverse());
  });

  it('gets one user, in the client’s camelCase', async () => {
    const app = await createTestApp('Cycle Log');
    const { user } = await createUser(app.owner, app.clientId, {
      externalId: 'grace',
      identityProvider: { name: 'GitHub', url: 'https://github.com' },
      providerUserId: 'gh-42',
      email: 'grace@example.com',
      name: 'Grace Hopper',
      username: 'grace',
    });
    const client = new Ngrok({ apiToken: app.appKey, baseUrl: api.baseUrl });

    const got = await client.applicationUsers.get(user.humanId);

    expect(got).toEqual({
      id: user.humanId,
      uri: `${api.baseUrl}/app/users/${user.humanId}`,
      identityProvider: { name: 'GitHub', url: 'https://github.com' },
      providerUserId: 'gh-42',
      username: 'grace',
      email: 'grace@example.com',
      name: 'Grace Hopper',
      createdAt: user.createdAt.toISOString(),
      lastActive: null,
      lastLogin: null,
    });
  });

  it('deletes a user, after which get rejects with the ngrok error object', async () => {
    const app = await createTestApp();
    const [doomed, survivor] = await createTestUsers(app, 2);
    const client = new Ngrok({ apiToken: app.appKey, baseUrl: api.baseUrl });

    await deleteIgnoringEmptyBody(client, doomed!.humanId);

    const error = await client.applicationUsers.get(doomed!.humanId).then(
      () => expect.fail('the deleted user was still found'),
      (rejection: unknown) => rejection as { errorCode: string; statusCode: number; msg: string; details: Map<string, string> },
    );
    expect(error).toMatchObject({ errorCode: 'ERR_WEARHOUSE_404', statusCode: 404, msg: expect.stringContaining(doomed!.humanId) });
    // The client camel-cases every key it receives, the details' too: operation_id → operationId.
    expect(error.details).toBeInstanceOf(Map);
    expect(error.details.get('operationId')).toMatch(/^op_[\w-]+$/);
    // Deleting again is an error the client reports as such, not the swallowed parse error.
    await expect(client.applicationUsers.delete(doomed!.humanId)).rejects.toMatchObject({ statusCode: 404 });
    expect((await client.applicationUsers.list()).map((u) => u.id)).toEqual([survivor!.humanId]);
  });

  it('is turned away with 401 for a wrong key', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const client = new Ngrok({ apiToken: 'whk_notarealkeynotarealkeynotarealkey', baseUrl: api.baseUrl });

    await expect(client.applicationUsers.get(user!.humanId)).rejects.toMatchObject({ errorCode: 'ERR_WEARHOUSE_401', statusCode: 401 });
    await expect(client.applicationUsers.list()).rejects.toMatchObject({ statusCode: 401 });
  });
});
