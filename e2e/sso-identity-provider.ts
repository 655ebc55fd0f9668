// The portal's single sign-on in the e2e runs: the server must know its issuer when it starts
// (playwright.config.ts passes AUTH_OIDC_* to it), so the test identity provider that
// e2e/sign-in.spec.ts starts (lib/testing/identity-provider.ts) listens on a fixed port.
const e2ePort = Number(process.env.E2E_PORT ?? 3100);

export const ssoIdentityProvider = {
  port: Number(process.env.E2E_IDP_PORT ?? e2ePort + 1000),
  clientId: 'wearhouse-portal-e2e',
  clientSecret: 'portal-sso-secret-for-e2e',
};

export const ssoIssuer = `http://127.0.0.1:${ssoIdentityProvider.port}`;
