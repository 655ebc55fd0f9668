// The Human API documentation's curl commands, run with the real curl binary against the real API:
// verbatim except for the host, so that what the documentation promises is what a developer gets.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApp, createTestUsers } from '../../testing/fixtures';
import { asHuman, startApi, type HumanUser, type RunningApi } from '../../testing/api';

const run = promisify(execFile);

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const STATUS_MARK = '\n--status:';

/**
 * Run `curl` with the documented arguments (no shell, so no quoting games), plus a trailing
 * `-w` that appends the status code to the output so it can be told apart from the body.
 */
async function curl(...args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('/usr/bin/curl', [...args, '-w', `${STATUS_MARK}%{http_code}`]);
  const at = stdout.lastIndexOf(STATUS_MARK);
  return { status: Number(stdout.slice(at + STATUS_MARK.length)), body: stdout.slice(0, at) };
}


describe(`the documented curl commands on ${inject('databaseKind')}`, () => {
  it('lists the users: curl -X GET -H "Accept: application/json" -u KEY: …/users', async () => {
    const app = await createTestApp();
    const created = await createTestUsers(app, 2);

    const { status, body } = await curl('-X', 'GET', '-H', 'Accept: application/json', '-u', `${app.appKey}:`, `${api.baseUrl}/v1/apps/${app.clientId}/users`);

    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual(created.map(asHuman).reverse());
  });

  it('gets one user: curl -X GET -H "Accept: application/json" -u KEY: …/users/HUMAN_ID', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);

    const { status, body } = await curl(
      '-X', 'GET', '-H', 'Accept: application/json', '-u', `${app.appKey}:`, `${api.baseUrl}/v1/apps/${app.clientId}/users/${user!.humanId}`,
    );

    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual(asHuman(user!));
  });

  it('deletes a user: curl -X DELETE -u KEY: …/users/HUMAN_ID prints nothing and answers 204', async () => {
    const app = await createTestApp();
    const [doomed, survivor] = await createTestUsers(app, 2);
    const url = `${api.baseUrl}/v1/apps/${app.clientId}/users/${doomed!.humanId}`;

    const { stdout } = await run('/usr/bin/curl', ['-X', 'DELETE', '-u', `${app.appKey}:`, url, '-w', '%{http_code}']);
    expect(stdout).toBe('204');

    const again = await curl('-X', 'DELETE', '-u', `${app.appKey}:`, url);
    expect(again.status).toBe(404);
    expect(JSON.parse(again.body)).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const listed = await curl('-X', 'GET', '-H', 'Accept: application/json', '-u', `${app.appKey}:`, `${api.baseUrl}/v1/apps/${app.clientId}/users`);
    expect(JSON.parse(listed.body)).toEqual([asHuman(survivor!)]);
  });

  it('authenticates with an explicit header: curl -H "Authorization: Basic base64(KEY:)" …/users', async () => {
    const app = await createTestApp();
    const [user] = await createTestUsers(app, 1);
    const credentials = Buffer.from(`${app.appKey}:`).toString('base64');

    const { status, body } = await curl('-H', `Authorization: Basic ${credentials}`, `${api.baseUrl}/v1/apps/${app.clientId}/users`);

    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual([asHuman(user!)]);
  });

  it('creates a user from a form: curl -u KEY: -d externalId=… …/users, 201 and then 200 for the same externalId', async () => {
    const app = await createTestApp();
    const url = `${api.baseUrl}/v1/apps/${app.clientId}/users`;

    const first = await curl('-u', `${app.appKey}:`, '-d', 'externalId=alice@example.com', url);
    expect(first.status).toBe(201);
    const user = JSON.parse(first.body) as HumanUser;
    expect(Object.keys(user)).toEqual(['humanId', 'externalId', 'appId', 'createdAt', 'updatedAt']);
    expect(user).toMatchObject({ externalId: 'alice@example.com', appId: app.clientId });

    const again = await curl('-u', `${app.appKey}:`, '-d', 'externalId=alice@example.com', url);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual(user);
  });

  it('answers curl without credentials with 401 and a Basic challenge', async () => {
    const app = await createTestApp();

    const { stdout } = await run('/usr/bin/curl', ['-s', '-i', `${api.baseUrl}/v1/apps/${app.clientId}/users`]);

    const [head, body] = stdout.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 401 /);
    expect(head).toMatch(/^www-authenticate: Basic realm="Wearhouse"$/im);
    expect(JSON.parse(body!)).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });
});
