// The log scan of `npm test` finds every kind of secret and fingerprint, wherever it sits in a
// line, and lets through only the first-start banner's own lines.
import { describe, expect, it } from 'vitest';
import { describeCredentials } from '../demo/installation';
import { issueSecret, SECRET_PREFIXES, type SecretKind } from '../auth/secrets';
import { findLeakedSecrets } from './secret-scan';

describe('findLeakedSecrets', () => {
  it('finds each kind of secret and its SHA-256, in JSON, in text and in a URL', () => {
    for (const kind of Object.keys(SECRET_PREFIXES) as SecretKind[]) {
      const secret = issueSecret(kind);
      const log = [
        '{"level":30,"msg":"request"}',
        `{"level":50,"error":{"message":"bad key ${secret.value}"}}`,
        `GET /v1/x?token=${secret.value}&y=1`,
        `params: 42,${secret.hash},x`,
      ].join('\n');
      expect(findLeakedSecrets(log).map((leak) => leak.line)).toEqual([2, 3, 4]);
      expect(JSON.stringify(findLeakedSecrets(log))).not.toContain(secret.value);
    }
  });

  it('allows the first-start banner, also as relayed by Playwright, and nothing like it elsewhere', () => {
    const appKey = issueSecret('appKey').value;
    const banner = describeCredentials(
      {
        signIn: { url: 'http://localhost:3100/sign-in', email: 'owner@example.test', password: 'correct horse battery' },
        demoApp: { name: 'Demo', clientId: 'a'.repeat(40), clientSecret: issueSecret('clientSecret').value, appKey },
      } as Parameters<typeof describeCredentials>[0],
      '/tmp/demo-credentials.json',
    );
    expect(findLeakedSecrets(banner)).toEqual([]);
    expect(findLeakedSecrets(banner.split('\n').map((line) => `[WebServer] ${line}`).join('\n'))).toEqual([]);
    expect(findLeakedSecrets(`{"level":30,"msg":"App Key        ${appKey}"}`)).toHaveLength(1);
  });
});
