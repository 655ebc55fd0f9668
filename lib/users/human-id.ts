// humanIds: 32 lowercase hex characters. The first 12 are the creation time in milliseconds and the
// other 20 are random (80 bits), so sorting by humanId sorts by age and a page boundary stays valid
// after the user it names is deleted.
import { randomBytes } from 'node:crypto';

export const HUMAN_ID_PATTERN = /^[0-9a-f]{32}$/;

export function newHumanId(createdAt: Date = new Date(), random: Buffer = randomBytes(10)): string {
  return createdAt.getTime().toString(16).padStart(12, '0') + random.subarray(0, 10).toString('hex');
}
