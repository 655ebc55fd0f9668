// Portal account passwords: scrypt with a per-password salt, parameters stored with the hash.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Parameters a stored hash may name: what hashPassword writes, within scrypt's memory bound. */
const STORED_HASH = /^scrypt\$(\d{1,7})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{43})$/;
const MAX_MEMORY = 64 * 1024 * 1024;

/**
 * Whether `password` matches a hash from hashPassword. A stored value that is not such a hash
 * (corrupted, truncated, another scheme, parameters past the memory bound) matches nothing rather
 * than throwing: an empty key would otherwise compare equal to an empty derivation, and bad
 * parameters make scrypt throw, turning a sign-in into a server error.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = STORED_HASH.exec(stored);
  if (!match) return false;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const isPowerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!isPowerOfTwo || r < 1 || p < 1 || 128 * N * r * p > MAX_MEMORY / 2) return false;
  const expected = Buffer.from(match[5]!, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await scrypt(password, Buffer.from(match[4]!, 'base64url'), KEY_LENGTH, { N, r, p, maxmem: MAX_MEMORY });
  return timingSafeEqual(actual, expected);
}
