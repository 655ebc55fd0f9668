import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { decrypt, encrypt, SecretKeyError } from './encryption';

/** The sealed text with one byte of one of its parts changed. */
function tampered(sealed: string, part: 'iv' | 'tag' | 'body'): string {
  const parts = sealed.split(':');
  const index = { iv: 1, tag: 2, body: 3 }[part];
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join(':');
}

describe('encryption at rest', () => {
  it('gives back what was sealed, and seals the same text differently each time', () => {
    const token = `wha_${randomBytes(24).toString('base64url')}`;
    const first = encrypt(token);
    const second = encrypt(token);

    expect(decrypt(first)).toBe(token);
    expect(decrypt(second)).toBe(token);
    expect(first).not.toBe(second);
    expect(first).not.toContain(token.slice(4));
  });

  it.each(['iv', 'tag', 'body'] as const)('refuses a ciphertext whose %s was altered', (part) => {
    const sealed = encrypt('a user access token');

    expect(() => decrypt(tampered(sealed, part))).toThrow();
  });

  it('refuses a ciphertext cut short or with its tag removed', () => {
    const sealed = encrypt('a user access token');
    const [format, iv, tag, body] = sealed.split(':');

    expect(() => decrypt([format, iv, tag, body!.slice(0, -2)].join(':'))).toThrow();
    expect(() => decrypt([format, iv, '', body].join(':'))).toThrow(SecretKeyError);
    // A prefix of the right tag: GCM checks only as many bytes as it is given unless told otherwise.
    for (const bytes of [4, 8, 12, 15]) {
      const prefix = Buffer.from(tag!, 'base64url').subarray(0, bytes).toString('base64url');
      expect(() => decrypt([format, iv, prefix, body].join(':')), `a ${bytes}-byte tag`).toThrow();
    }
    expect(() => decrypt(`v2:${iv}:${tag}:${body}`)).toThrow(SecretKeyError);
    expect(() => decrypt('not a ciphertext')).toThrow(SecretKeyError);
  });

  it('refuses a ciphertext sealed under another key', async () => {
    const sealed = encrypt('sealed under the first key');
    vi.resetModules();
    vi.stubEnv('WEARHOUSE_SECRET_KEY', randomBytes(32).toString('hex'));
    try {
      const { reloadConfig } = await import('../config');
      reloadConfig();
      const other = await import('./encryption');

      expect(other.decrypt(other.encrypt('fine under the second'))).toBe('fine under the second');
      expect(() => other.decrypt(sealed)).toThrow();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
