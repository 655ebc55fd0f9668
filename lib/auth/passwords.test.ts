import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords';

describe('account passwords', () => {
  it('match only the password they were made from', async () => {
    const stored = await hashPassword('correct horse battery staple');

    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('are salted: the same password hashes differently each time, and both verify', async () => {
    const first = await hashPassword('same password twice');
    const second = await hashPassword('same password twice');

    expect(first).not.toBe(second);
    expect(first).not.toContain('same password twice');
    expect(await verifyPassword('same password twice', first)).toBe(true);
    expect(await verifyPassword('same password twice', second)).toBe(true);
  });

  it('refuse a stored hash whose derived key was altered', async () => {
    const stored = await hashPassword('a password of mine');
    const parts = stored.split('$');
    const key = parts[5]!;
    parts[5] = (key[0] === 'A' ? 'B' : 'A') + key.slice(1);

    expect(await verifyPassword('a password of mine', parts.join('$'))).toBe(false);
  });

  it('refuse, without throwing, stored values that are not such a hash', async () => {
    const password = 'whatever they typed';
    const malformed = [
      '',
      'bcrypt$2b$10$abcdefghijklmnopqrstuv',
      'scrypt$abc$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      // Past scrypt's memory bound: scrypt itself would throw.
      'scrypt$1048576$64$64$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      // An empty key would compare equal to an empty derivation of any password.
      'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$A',
      'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$',
    ];
    for (const stored of malformed) {
      await expect(verifyPassword(password, stored), stored).resolves.toBe(false);
    }
  });
});
