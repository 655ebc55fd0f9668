// Where webhooks may go: only to public unicast addresses unless the operator allows private ones
// (WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE). A host name is resolved and every address it has is checked,
// and the connection is made to the address that was checked (a lookup function handed to the
// socket), so a name cannot resolve to a public address for the check and a private one for the
// connection (DNS rebinding).
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import net from 'node:net';

/** The delivery or the setting refused a destination: loopback, private, link-local, reserved… */
export class PrivateAddressError extends Error {
  constructor(readonly host: string, readonly address: string) {
    super(`${host} resolves to ${address}, a loopback, private or reserved address; webhooks go to public addresses only.`);
    this.name = 'PrivateAddressError';
  }
}

const V4_BLOCKED: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const v4Blocked = new net.BlockList();
for (const [address, prefix] of V4_BLOCKED) v4Blocked.addSubnet(address, prefix, 'ipv4');

/** The eight 16-bit groups of an IPv6 address (any textual form, including a dotted IPv4 tail). */
function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/^\[|\]$/g, '').split('%')[0]!.toLowerCase();
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const parts = dotted[2]!.split('.').map(Number);
    text = `${dotted[1]}${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

const v4Of = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/**
 * Whether `address` (an IP literal) is anything but a public unicast address: loopback, private
 * (RFC 1918, ULA), link-local, carrier-grade NAT, documentation, multicast, unspecified, reserved,
 * and IPv6 forms that carry such an IPv4 address (mapped, compatible, NAT64, 6to4). Unparseable
 * addresses count as private.
 */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address.replace(/^\[|\]$/g, '').split('%')[0]!);
  if (family === 4) return v4Blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const g = ipv6Groups(address);
  if (!g) return true;
  const [a, b, c, d, e, f, h, i] = g as [number, number, number, number, number, number, number, number];
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible; also :: and ::1): the IPv4 address decides.
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && (f === 0xffff || f === 0)) {
    return f === 0 && h === 0 ? true : isPrivateAddress(v4Of(h, i));
  }
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return isPrivateAddress(v4Of(h, i)); // NAT64
  if (a === 0x2002) return isPrivateAddress(v4Of(b, c)); // 6to4
  if ((a & 0xe000) !== 0x2000) return true; // outside global unicast 2000::/3: ULA fc00::/7, link-local fe80::/10, multicast ff00::/8…
  if (a === 0x2001 && b === 0) return true; // Teredo (hides an IPv4 address)
  if (a === 0x2001 && b === 0x0db8) return true; // documentation
  return false;
}

const allowed = (address: string, allowPrivate: boolean) => allowPrivate || !isPrivateAddress(address);

/**
 * A socket lookup that resolves like the system does and refuses when any address of the name is
 * private (unless allowed): hand it to http.request so the connection goes to a checked address.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family, hints: options.hints }, (error, addresses) => {
      if (error) return (callback as (e: Error) => void)(error);
      const refused = addresses.find((a) => !allowed(a.address, allowPrivate));
      if (refused) return (callback as (e: Error) => void)(new PrivateAddressError(hostname, refused.address));
      if (!addresses.length) return (callback as (e: Error) => void)(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
      if (options.all) return (callback as unknown as (e: null, all: dns.LookupAddress[]) => void)(null, addresses);
      (callback as (e: null, address: string, family: number) => void)(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** The host of a URL as the socket sees it: without the brackets of an IPv6 literal. */
export const socketHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Check a notify URL's host now (when the setting is saved): an IP literal must be public; a name
 * must not resolve to a private address. A name that does not resolve (yet) passes: the delivery
 * checks again at every attempt. Throws PrivateAddressError.
 */
export async function checkDestination(url: URL, allowPrivate: boolean, timeoutMs = 3_000): Promise<void> {
  if (allowPrivate) return;
  const host = socketHost(url);
  if (net.isIP(host)) {
    if (!allowed(host, false)) throw new PrivateAddressError(host, host);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const addresses = await Promise.race([
    dns.promises.lookup(host, { all: true }).catch(() => [] as dns.LookupAddress[]),
    new Promise<dns.LookupAddress[]>((resolve) => (timer = setTimeout(() => resolve([]), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
  const refused = addresses.find((a) => !allowed(a.address, false));
  if (refused) throw new PrivateAddressError(host, refused.address);
}
