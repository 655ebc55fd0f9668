// A real OpenID Connect provider (oidc-provider) on a loopback port for the Connect sign-in journey.
// Its login and consent screens answer at once, signing in as one test account: the journey tests
// Wearhouse's side of the sign-in (popup, callback, widget), not a provider's forms.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error oidc-provider ships no type declarations
import Provider from 'oidc-provider';

export type TestIdentityProvider = { issuer: string; host: string; clientId: string; clientSecret: string; close(): Promise<void> };

type ProviderApi = {
  callback(): http.RequestListener;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ prompt: { name: string }; params: Record<string, string>; session?: { accountId: string } }>;
  interactionFinished(req: http.IncomingMessage, res: http.ServerResponse, result: unknown, options: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
};

export async function startIdentityProvider(wearhouseBaseUrl: string): Promise<TestIdentityProvider> {
  const client = { id: 'wearhouse-e2e', secret: 'oidc-client-secret-for-e2e' };
  let provider: ProviderApi;
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      void (async () => {
        const details = await provider.interactionDetails(req, res);
        if (details.prompt.name === 'login') {
          await provider.interactionFinished(req, res, { login: { accountId: 'alice' } }, { mergeWithLastSubmission: false });
          return;
        }
        const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id! });
        grant.addOIDCScope(details.params.scope!);
        await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
      })().catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `http://${host}`;
  provider = new Provider(issuer, {
    clients: [{
      client_id: client.id,
      client_secret: client.secret,
      redirect_uris: [`${wearhouseBaseUrl}/connect/oidc/callback`],
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: `${id}@idp.test`, name: 'Alice Liddell', preferred_username: id }),
    }),
    claims: { openid: ['sub'], email: ['email'], profile: ['name', 'preferred_username'] },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['oidc-e2e-cookie-key'] },
  }) as ProviderApi;
  return {
    issuer, host, clientId: client.id, clientSecret: client.secret,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
