// A real OpenID Connect provider (oidc-provider) on a loopback port, for the tests of end-user
// sign-in (and, later, the portal's single sign-on). Its login and consent screens answer at once:
// the tests exercise Wearhouse's side of a sign-in, not a provider's forms. The account signed in
// is named by an `X-Test-Account` request header (a test's stand-in for the person typing their
// password), else the first account given.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error oidc-provider ships no type declarations
import Provider from 'oidc-provider';

export type TestAccount = { sub: string; email?: string; email_verified?: boolean; name?: string; preferred_username?: string };

export type TestIdentityProvider = { issuer: string; host: string; clientId: string; clientSecret: string; close(): Promise<void> };

type ProviderApi = {
  callback(): http.RequestListener;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ prompt: { name: string }; params: Record<string, string>; session?: { accountId: string } }>;
  interactionFinished(req: http.IncomingMessage, res: http.ServerResponse, result: unknown, options: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
};

export async function startIdentityProvider(options: {
  /** Where the provider may send people back to (Wearhouse's callback URLs). */
  redirectUris: string[];
  /** The accounts that can sign in, by account id; the first is the default. */
  accounts: Record<string, TestAccount>;
  client?: { id: string; secret: string };
  /** How the client authenticates at the token endpoint (default client_secret_post). */
  tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic';
  /** A fixed port, for a server that must know the issuer before the provider starts (default: any free port). */
  port?: number;
}): Promise<TestIdentityProvider> {
  const client = options.client ?? { id: 'wearhouse-test', secret: 'oidc-client-secret-for-tests' };
  const defaultAccount = Object.keys(options.accounts)[0]!;
  // The provider needs its own URL before it can be built: listen first, then create it.
  let provider: ProviderApi;
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      void (async () => {
        const details = await provider.interactionDetails(req, res);
        if (details.prompt.name === 'login') {
          const accountId = String(req.headers['x-test-account'] ?? defaultAccount);
          await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `http://${host}`;
  provider = new Provider(issuer, {
    clients: [{
      client_id: client.id,
      client_secret: client.secret,
      redirect_uris: options.redirectUris,
      token_endpoint_auth_method: options.tokenEndpointAuthMethod ?? 'client_secret_post',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    findAccount: async (_ctx: unknown, id: string) => {
      const account = options.accounts[id];
      return account ? { accountId: id, claims: async () => account } : undefined;
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    // The profile claims in the ID token itself, as many providers send them.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['oidc-test-cookie-key'] },
  }) as ProviderApi;
  return {
    issuer,
    host,
    clientId: client.id,
    clientSecret: client.secret,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
