import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../../domain/app-error.js';

/**
 * Where the relay may send webhooks. Webhook URLs are hostile input: a project admin could point
 * one at the relay's own admin port, a database on the private network or a cloud metadata
 * service (SSRF). The relay therefore connects only to public unicast addresses, unless the
 * operator names a host or an address range in `MESSAGEJS_ALLOW_PRIVATE_TARGETS` (a receiver
 * on the same machine or network, in development or on purpose).
 */
export interface TargetPolicy {
  /** Host names allowed whatever they resolve to: lower case, without a trailing dot. */
  readonly allowedHosts: ReadonlySet<string>;
  /** Address ranges allowed even when they are not public. */
  readonly allowedRanges: readonly AllowedRange[];
  /** Whether plain `http:` URLs are accepted (`https:` always is). */
  readonly allowHttp: boolean;
}

/** One address range of the allow list, as the operator wrote it and parsed. */
export interface AllowedRange {
  /** The entry in CIDR form (`127.0.0.1/32`), for messages and logs. */
  readonly cidr: string;
  readonly network: ipaddr.IPv4 | ipaddr.IPv6;
  readonly prefix: number;
}

/** A resolver answering every address of a host name, as `dns.promises.lookup(host, { all: true })`. */
export type LookupFn = (hostname: string) => Promise<readonly dns.LookupAddress[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address it answers. */
export const systemLookup: LookupFn = (hostname) => dns.promises.lookup(hostname, { all: true });

/**
 * Ranges ipaddr.js 1.9 classifies as `unicast` that are not public: benchmarking networks
 * (RFC 2544, RFC 5180), often used for internal labs. ipaddr.js 2.x names them `benchmarking`.
 */
const NOT_PUBLIC_UNICAST: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [
  ipaddr.parseCIDR('198.18.0.0/15'),
  ipaddr.parseCIDR('2001:2::/48'),
];

/** Global unicast IPv6 (RFC 4291 §2.4): the rest of the space is not routed on the internet. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** Words for ipaddr.js's range names, for messages. */
const RANGE_WORDS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  reserved: 'reserved',
  uniqueLocal: 'unique local',
};

/**
 * The operator's allow list, parsed once at startup (config validation calls this).
 *
 * @param options.allowPrivateTargets `MESSAGEJS_ALLOW_PRIVATE_TARGETS`: comma-separated host
 *   names (matched exactly, case-insensitively) and IPv4/IPv6 addresses or CIDR ranges.
 * @param options.allowHttp whether plain `http:` webhook URLs are accepted.
 * @throws Error naming the first entry that is neither a host name nor an address or range.
 * @example parseTargetPolicy({ allowPrivateTargets: 'localhost, 127.0.0.1/32, ::1/128' })
 */
export function parseTargetPolicy(options: {
  allowPrivateTargets?: string | undefined;
  allowHttp?: boolean | undefined;
}): TargetPolicy {
  const allowedHosts = new Set<string>();
  const allowedRanges: AllowedRange[] = [];
  for (const raw of (options.allowPrivateTargets ?? '').split(',')) {
    const entry = raw.trim();
    // An empty entry (an empty variable, a trailing comma) allows nothing.
    if (entry === '') continue;
    const range = parseRange(entry);
    if (range) allowedRanges.push(range);
    else if (isHostName(entry)) allowedHosts.add(normalizeHost(entry));
    else {
      throw new Error(
        `MESSAGEJS_ALLOW_PRIVATE_TARGETS: "${entry}" is neither a host name nor an IP address or CIDR range ` +
          '(e.g. localhost, receiver.internal, 127.0.0.1/32, 10.0.0.0/8, ::1/128).',
      );
    }
  }
  return Object.freeze({
    allowedHosts,
    allowedRanges: Object.freeze(allowedRanges),
    allowHttp: options.allowHttp ?? false,
  });
}

/** An address or CIDR entry parsed; null when it is not one (a host name, or invalid). */
function parseRange(entry: string): AllowedRange | null {
  const bare = entry.replace(/^\[(.*)\](\/\d+)?$/, '$1$2');
  const [address = '', prefixText, ...rest] = bare.split('/');
  if (rest.length > 0 || net.isIP(address) === 0) return null;
  const network = ipaddr.parse(address);
  const bits = network.kind() === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return null;
  return Object.freeze({ cidr: `${network.toString()}/${prefix}`, network, prefix });
}

/**
 * A DNS name: labels of letters, digits, `-` and `_` (Docker service names), at most 253
 * characters. A name whose last label is all digits is not one: URL parsers read it as an IPv4
 * address (WHATWG URL, "ends in a number"), so such an entry could never match a host.
 */
function isHostName(entry: string): boolean {
  const name = entry.replace(/\.$/, '');
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (/^\d+$/.test(labels.at(-1)!) || /^0x[0-9a-f]*$/i.test(labels.at(-1)!)) return false;
  return labels.every((label) => /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i.test(label));
}

/** Host names compare lower-case and without the root's trailing dot (`Receiver.Internal.`). */
function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * Whether the relay must not connect to `address`: anything but a public unicast address, unless
 * `hostname` (the name it was resolved from) or the address is in the policy's allow list.
 * A string that is not an IP address is refused.
 *
 * @example isRefusedAddress('169.254.169.254', policy) // true: link-local (cloud metadata)
 */
export function isRefusedAddress(address: string, policy: TargetPolicy, hostname?: string): boolean {
  return refusedRange(address, policy, hostname) !== null;
}

/** Why `address` is refused, in words (`'loopback'`), or null when the relay may connect to it. */
export function refusedRange(address: string, policy: TargetPolicy, hostname?: string): string | null {
  if (hostname !== undefined && policy.allowedHosts.has(normalizeHost(hostname))) return null;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return 'unparsable';
  }
  if (isAllowed(parsed, policy)) return null;
  return parsed.kind() === 'ipv4' ? refusedV4(parsed as ipaddr.IPv4) : refusedV6(parsed as ipaddr.IPv6);
}

function isAllowed(address: ipaddr.IPv4 | ipaddr.IPv6, policy: TargetPolicy): boolean {
  // `::ffff:10.0.0.1` is allowed by `10.0.0.0/8` as well as by an IPv6 range.
  const forms = [address];
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    forms.push((address as ipaddr.IPv6).toIPv4Address());
  }
  return policy.allowedRanges.some((range) => forms.some((form) => inRange(form, [range.network, range.prefix])));
}

/** `match` throws across families; an address is never in a range of the other family. */
function inRange(address: ipaddr.IPv4 | ipaddr.IPv6, range: [ipaddr.IPv4 | ipaddr.IPv6, number]): boolean {
  if (address.kind() !== range[0].kind()) return false;
  return address.kind() === 'ipv4'
    ? (address as ipaddr.IPv4).match(range as [ipaddr.IPv4, number])
    : (address as ipaddr.IPv6).match(range as [ipaddr.IPv6, number]);
}

function refusedV4(address: ipaddr.IPv4): string | null {
  const range = address.range();
  if (range !== 'unicast') return RANGE_WORDS[range] ?? range;
  return NOT_PUBLIC_UNICAST.some((r) => inRange(address, r)) ? 'benchmarking' : null;
}

/**
 * IPv6 ranges that carry an IPv4 address are judged by it: IPv4-mapped (`::ffff:127.0.0.1` is
 * loopback), SIIT (RFC 6145), NAT64 (RFC 6052, `64:ff9b::/96`: on an IPv6-only network with DNS64
 * every IPv4-only receiver has such an address), 6to4 (RFC 3056) and Teredo (RFC 4380: the
 * server's address and the client's, stored inverted). Otherwise only global unicast passes.
 */
function refusedV6(address: ipaddr.IPv6): string | null {
  const range = address.range();
  const p = address.parts;
  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return refusedV4(v4Of(p[6]!, p[7]!));
    case '6to4':
      return refusedV4(v4Of(p[1]!, p[2]!));
    case 'teredo':
      return refusedV4(v4Of(p[2]!, p[3]!)) ?? refusedV4(v4Of(~p[6]! & 0xffff, ~p[7]! & 0xffff));
    case 'unicast':
      if (!inRange(address, GLOBAL_UNICAST_V6)) return 'not global unicast';
      return NOT_PUBLIC_UNICAST.some((r) => inRange(address, r)) ? 'benchmarking' : null;
    default:
      return RANGE_WORDS[range] ?? range;
  }
}

function v4Of(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

const invalidUrl = (message: string) => new AppError('invalid_url', message, { field: 'url' });

/**
 * The URL's form checked, without resolving it: absolute, `https:` (or `http:` when the policy
 * allows it), no user name or password, a host. Throws `invalid_url` saying what is wrong.
 */
export function parseTargetUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl('The webhook URL is not a valid absolute URL (e.g. https://example.com/webhooks).');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw invalidUrl(
      policy.allowHttp
        ? `The webhook URL must use https or http, not ${url.protocol.slice(0, -1)}.`
        : `The webhook URL must use https (this relay does not send webhooks over ${url.protocol.slice(0, -1)}).`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw invalidUrl(
      'The webhook URL must not contain a user name or password: the receiver checks the signature instead.',
    );
  }
  if (url.hostname === '') throw invalidUrl('The webhook URL has no host.');
  return url;
}

/** The URL's host as resolvers and `net.isIP` take it: IPv6 literals without their brackets. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

const ALLOW_HINT = 'ask the relay operator to add it to MESSAGEJS_ALLOW_PRIVATE_TARGETS if it is meant to be reached';

/**
 * Checks a webhook URL when an endpoint is created: its form (`parseTargetUrl`), then every
 * address its host resolves to (an IP literal is judged as it is). One refused address refuses
 * the URL, since the relay cannot choose which one a later connection uses. Delivery checks again
 * (`post-webhook.ts`): a name may resolve elsewhere by then (DNS rebinding).
 *
 * @param lookup the resolver; `systemLookup` by default, injected by tests.
 * @throws AppError `invalid_url` (field `url`) saying why the URL is refused.
 */
export async function checkTargetUrl(raw: string, policy: TargetPolicy, lookup: LookupFn = systemLookup): Promise<URL> {
  const url = parseTargetUrl(raw, policy);
  const host = bareHost(url);
  if (net.isIP(host) !== 0) {
    const why = refusedRange(host, policy);
    if (why !== null) {
      throw invalidUrl(
        `The webhook URL's address ${host} is not public (${why}): the relay delivers only to public addresses (${ALLOW_HINT}).`,
      );
    }
    return url;
  }
  let addresses: readonly dns.LookupAddress[];
  try {
    addresses = await lookup(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const again = code === 'EAI_AGAIN' || code === 'ETIMEOUT' ? ' right now; try again later' : '';
    throw invalidUrl(`The webhook URL's host ${host} could not be resolved${again}.`);
  }
  if (addresses.length === 0) throw invalidUrl(`The webhook URL's host ${host} could not be resolved.`);
  for (const { address } of addresses) {
    const why = refusedRange(address, policy, host);
    // The address itself is not named: the name may be an internal one the admin should not map.
    if (why !== null) {
      throw invalidUrl(
        `The webhook URL's host ${host} resolves to an address that is not public (${why}): the relay delivers only to public addresses (${ALLOW_HINT}).`,
      );
    }
  }
  return url;
}
