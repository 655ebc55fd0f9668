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

  it('finds the first-start banner written to a log (a start without a terminal never shows its secrets)', () => {
    const credentials = {
      signIn: { url: 'http://localhost:3100/sign-in', email: 'owner@example.test', password: 'correct horse battery' },
      demoApp: { name: 'Demo', clientId: 'a'.repeat(40), clientSecret: issueSecret('clientSecret').value, appKey: issueSecret('appKey').value },
    } as Parameters<typeof describeCredentials>[0];
    const relayed = (text: string) => text.split('\n').map((line) => `[WebServer] ${line}`).join('\n');
    expect(findLeakedSecrets(relayed(describeCredentials(credentials, '/tmp/demo-credentials.json', false)))).toEqual([]);
    // clientSecret, App Key and the curl line each carry one.
    expect(findLeakedSecrets(relayed(describeCredentials(credentials, '/tmp/demo-credentials.json', true)))).toHaveLength(3);
  });
});
