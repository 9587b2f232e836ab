import { isIP } from 'node:net';
import { ipv6Groups } from '../common/ip-address';

/** RFC 5952's spelling: lower case, no leading zeros, the longest run of zero groups as `::`. */
function formatIpv6(groups: number[]): string {
  let best = { at: -1, length: 1 };
  for (let at = 0; at < 8;) {
    let end = at;
    while (end < 8 && groups[end] === 0) end++;
    if (end - at > best.length) best = { at, length: end - at };
    at = end === at ? at + 1 : end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for. */
function mappedIpv4(groups: number[]): string | undefined {
  if (groups[5] !== 0xffff || groups.slice(0, 5).some((group) => group !== 0)) return undefined;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
}

/**
 * Who a client address is for the checkout limit, one string per client however the address is
 * written: an IPv4 address as itself (also when written IPv4-mapped), an IPv6 address as its
 * network of `ipv6Prefix` bits (a host is given a whole /64, so counting its addresses one by
 * one would give it 2^64 budgets). Undefined when the text is not an address.
 */
export function clientOf(address: string, ipv6Prefix: number): string | undefined {
  if (isIP(address) === 4) return address;
  const groups = ipv6Groups(address);
  if (!groups) return undefined;
  const ipv4 = mappedIpv4(groups);
  if (ipv4) return ipv4;
  const network = groups.map((group, i) => {
    const bits = Math.min(16, Math.max(0, ipv6Prefix - 16 * i));
    return group & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${formatIpv6(network)}/${ipv6Prefix}`;
}

/** What the limit needs of a Fastify request: its client address, and the hops it came through. */
export interface AddressedRequest {
  ip?: string;
  /** proxy-addr's order, set when TRUST_PROXY is: the socket's peer first, the client last. */
  ips?: string[];
}

/**
 * The client of a request: the address TRUST_PROXY makes it (`request.ip`), or, when that entry
 * of X-Forwarded-For is not an address, the nearest hop that is one (ultimately the socket's
 * peer). Junk is never a client, and skipping it towards the socket gives a sender of junk the
 * budget of the proxy it came through, never one of its own choosing.
 */
export function clientIdentity(request: AddressedRequest, ipv6Prefix: number): string {
  const hops = request.ips ?? [request.ip];
  for (let i = hops.length - 1; i >= 0; i--) {
    const client = hops[i] === undefined ? undefined : clientOf(hops[i]!, ipv6Prefix);
    if (client) return client;
  }
  return 'unknown';
}
