import { isIPv4, isIPv6 } from 'node:net';

/**
 * An IP address made coarse enough not to identify a device: IPv4 loses its last octet, IPv6 its last 80 bits (what
 * remains is the /48 network). Anything that is not an address becomes null.
 */
export function truncateIp(ip: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1] : ip;
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0`;
  if (isIPv6(address)) {
    const groups = expandIpv6(address);
    return `${groups.slice(0, 3).join(':')}::`;
  }
  return null;
}

function expandIpv6(address: string): string[] {
  const halves = address.split('::');
  const parts = (part: string | undefined) => (part ? part.split(':') : []);
  const left = parts(halves.at(0));
  const right = parts(halves.at(1));
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(missing, 0)).fill('0'), ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
