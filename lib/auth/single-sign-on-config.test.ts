import { afterEach, describe, expect, it } from 'vitest';
import { config, issuerProblem, reloadConfig, singleSignOn } from '../config';

const NAMES = ['AUTH_OIDC_ISSUER', 'AUTH_OIDC_ID', 'AUTH_OIDC_SECRET'] as const;
const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  reloadConfig();
});

function configure(values: Partial<Record<(typeof NAMES)[number], string>>) {
  for (const name of NAMES) delete process.env[name];
  Object.assign(process.env, values);
  reloadConfig();
}

describe('portal single sign-on settings', () => {
  it('is off unless configured, and on with all three variables', () => {
    configure({});
    expect(singleSignOn()).toBeNull();
    configure({ AUTH_OIDC_ISSUER: 'https://login.example.com', AUTH_OIDC_ID: 'portal', AUTH_OIDC_SECRET: 's3cret' });
    expect(singleSignOn()).toEqual({ issuer: 'https://login.example.com', clientId: 'portal', clientSecret: 's3cret' });
  });

  it('stops the start with the variable named when only some are set', () => {
    configure({ AUTH_OIDC_ISSUER: 'https://login.example.com' });
    expect(() => config()).toThrow(/AUTH_OIDC_ISSUER: single sign-on needs AUTH_OIDC_ISSUER, AUTH_OIDC_ID and AUTH_OIDC_SECRET together/);
  });

  it('takes https issuers, and plain http only on loopback', () => {
    expect(issuerProblem('https://login.example.com/realms/dev')).toBeNull();
    expect(issuerProblem('http://127.0.0.1:4100')).toBeNull();
    expect(issuerProblem('http://localhost:8080/realms/dev')).toBeNull();
    expect(issuerProblem('http://[::1]:4100')).toBeNull();
    expect(issuerProblem('http://login.example.com')).toMatch(/must be https/);
    expect(issuerProblem('http://10.0.0.5')).toMatch(/must be https/);
    expect(issuerProblem('ftp://login.example.com')).toMatch(/must be https/);
    expect(issuerProblem('not a url')).toMatch(/must be a URL/);
    configure({ AUTH_OIDC_ISSUER: 'http://sso.internal', AUTH_OIDC_ID: 'portal', AUTH_OIDC_SECRET: 's3cret' });
    expect(() => config()).toThrow(/AUTH_OIDC_ISSUER: must be https/);
  });
});
