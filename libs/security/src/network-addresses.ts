import { isIP } from 'node:net';

/**
 * What an IP address is, for deciding whether AmpliFi may connect to it on a customer's behalf (webhook
 * targets): only `public` addresses are reachable by default, everything else could reach our own network.
 */
export type AddressKind =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'unspecified'
  | 'documentation'
  | 'reserved';

interface Range {
  /** Network address as a bigint (IPv4 in 32 bits, IPv6 in 128). */
  base: bigint;
  bits: number;
  kind: Exclude<AddressKind, 'public'>;
}

function v4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

const v4Ranges: Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // future use and the broadcast address
].map(([base, bits, kind]) => ({ base: v4(base as string), bits: bits as number, kind: kind as Range['kind'] }));

function hextets(text: string): bigint {
  return parseIPv6(text) ?? 0n;
}

const v6Ranges: Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'reserved'], // IPv4-compatible (deprecated)
  ['100::', 64, 'reserved'], // discard prefix
  ['64:ff9b:1::', 48, 'private'], // local-use NAT64
  ['2001::', 32, 'reserved'], // Teredo: the IPv4 inside is obfuscated, so it cannot be judged
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // site-local (deprecated)
  ['ff00::', 8, 'multicast'],
].map(([base, bits, kind]) => ({ base: hextets(base as string), bits: bits as number, kind: kind as Range['kind'] }));

function inRange(value: bigint, width: number, range: Range): boolean {
  const shift = BigInt(width - range.bits);
  return value >> shift === range.base >> shift;
}

/** Parses a textual IPv6 address (with `::` and an optional trailing dotted IPv4) into 128 bits. */
function parseIPv6(text: string): bigint | undefined {
  let address = text;
  const words: number[] = [];
  const dotted = address.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted?.[1]) {
    const value = Number(v4(dotted[1]));
    address = address.slice(0, -dotted[1].length) + `${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  if (halves.length === 2) words.push(...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  else words.push(...head);
  if (words.length !== 8 || words.some((w) => Number.isNaN(w) || w < 0 || w > 0xffff)) return undefined;
  return words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

function classifyV4(value: bigint): AddressKind {
  return v4Ranges.find((r) => inRange(value, 32, r))?.kind ?? 'public';
}

/**
 * The kind of an IP address (IPv4, or IPv6 — an IPv4-mapped, NAT64 or 6to4 address is judged by the IPv4
 * address inside it, so `::ffff:127.0.0.1` is loopback). Throws on something that is not an IP address.
 */
export function classifyAddress(address: string): AddressKind {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return classifyV4(v4(bare));
  if (family !== 6) throw new Error('not an IP address');
  const value = parseIPv6(bare.replace(/%.*$/, ''));
  if (value === undefined) throw new Error('not an IP address');
  const low32 = value & 0xffffffffn;
  if (value >> 32n === 0xffffn) return classifyV4(low32); // ::ffff:a.b.c.d, IPv4-mapped
  if (value >> 32n === 0x64ff9b0000000000000000n) return classifyV4(low32); // 64:ff9b::/96, well-known NAT64
  if (value >> 112n === 0x2002n) return classifyV4((value >> 80n) & 0xffffffffn); // 2002::/16, 6to4
  // The most specific range wins (::1 before ::/96).
  const matches = v6Ranges.filter((r) => inRange(value, 128, r)).sort((a, b) => b.bits - a.bits);
  return matches[0]?.kind ?? 'public';
}

/**
 * Why a URL host must not be called when only public targets are allowed, or undefined when nothing is known
 * against it yet. An IP literal is judged by its address; `localhost` and `*.localhost` are loopback by
 * definition (RFC 6761). Any other name is judged only once resolved, at connection time.
 */
export function forbiddenHostReason(host: string): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  if (isIP(bare)) {
    const kind = classifyAddress(bare);
    return kind === 'public' ? undefined : `${bare} is not a public address (${kind})`;
  }
  if (bare === 'localhost' || bare.endsWith('.localhost')) return `${bare} is not a public name (loopback)`;
  return undefined;
}
