import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network a login attempt is counted against: an IPv4 address as is (IPv4-mapped IPv6 is
 * unwrapped), an IPv6 address by its /64, since one subscriber usually holds a whole /64 and
 * could otherwise rotate through addresses for free.
 */
export function clientNetworkOf(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (!isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, lower-case, without zone or embedded IPv4. */
function expandIPv6(ip: string): string[] {
  const address = ip.split('%')[0] ?? ip;
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(missing, 0)).fill('0'), ...right].map((g) =>
    (g.includes('.') ? g : g.replace(/^0+(?=.)/, '')).toLowerCase(),
  );
}
