import type dns from 'node:dns';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/domain/app-error.js';
import {
  checkTargetUrl,
  isRefusedAddress,
  parseTargetPolicy,
  refusedRange,
  type LookupFn,
} from '../../src/features/webhooks/target-policy.js';

const strict = parseTargetPolicy({});

/** A resolver answering `addresses` for any name, recording the names asked. */
function answering(...addresses: string[]) {
  return vi.fn<LookupFn>(async () =>
    addresses.map((address): dns.LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })),
  );
}

function failingWith(code: string) {
  return vi.fn<LookupFn>(async (hostname) => {
    throw Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code, hostname });
  });
}

/** The AppError `promise` rejects with, or a failed assertion if it resolves. */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => expect.fail('expected invalid_url, got a URL'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code: 'invalid_url', field: 'url' });
  return error as AppError;
}

describe('isRefusedAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['100.64.1.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['192.0.0.192', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['2001:2::1', 'benchmarking'],
    ['fc00::1', 'unique local'],
    ['fd00:ec2::254', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:0:7f00:1', 'loopback'], // SIIT, RFC 6145
    ['64:ff9b::7f00:1', 'loopback'], // NAT64 of 127.0.0.1
    ['64:ff9b::a9fe:a9fe', 'link-local'], // NAT64 of 169.254.169.254
    ['2002:7f00:1::1', 'loopback'], // 6to4 of 127.0.0.1
    ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
    ['2001:0:7f00:1::', 'loopback'], // Teredo, server 127.0.0.1
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'], // Teredo, client 10.0.0.1 (inverted)
    ['::7f00:1', 'not global unicast'], // IPv4-compatible, deprecated
    ['64:ff9b:1::a00:1', 'not global unicast'], // local-use NAT64, RFC 8215
    ['fec0::1', 'not global unicast'], // site-local, deprecated
    ['100::1', 'not global unicast'], // discard-only
    ['127.1', 'unparsable'],
    ['localhost', 'unparsable'],
    ['', 'unparsable'],
  ])('refuses %s (%s)', (address, why) => {
    expect(refusedRange(address, strict)).toBe(why);
    expect(isRefusedAddress(address, strict)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '2606:4700::1111',
    '2a00:1450:4007:80c::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808', // NAT64 of 8.8.8.8 (DNS64 on an IPv6-only network)
    '2002:808:808::1', // 6to4 of 8.8.8.8
  ])('allows the public address %s', (address) => {
    expect(refusedRange(address, strict)).toBe(null);
    expect(isRefusedAddress(address, strict)).toBe(false);
  });

  it('allows any address of a host name in the allow list, matched exactly and case-insensitively', () => {
    const policy = parseTargetPolicy({ allowPrivateTargets: 'receiver.internal' });
    expect(isRefusedAddress('10.0.0.5', policy, 'receiver.internal')).toBe(false);
    expect(isRefusedAddress('127.0.0.1', policy, 'Receiver.INTERNAL.')).toBe(false);
    expect(isRefusedAddress('10.0.0.5', policy, 'other.internal')).toBe(true);
    expect(isRefusedAddress('10.0.0.5', policy, 'evil.receiver.internal')).toBe(true);
    expect(isRefusedAddress('10.0.0.5', policy, 'receiver.internal.evil.com')).toBe(true);
    expect(isRefusedAddress('10.0.0.5', policy)).toBe(true);
  });

  it('allows addresses in a CIDR of the allow list, IPv4-mapped ones by their IPv4, and no others', () => {
    const policy = parseTargetPolicy({ allowPrivateTargets: '10.0.0.0/8, ::1/128, fd00:1::/32' });
    expect(isRefusedAddress('10.1.2.3', policy)).toBe(false);
    expect(isRefusedAddress('::ffff:10.1.2.3', policy)).toBe(false);
    expect(isRefusedAddress('::1', policy)).toBe(false);
    expect(isRefusedAddress('fd00:1::9', policy)).toBe(false);
    expect(isRefusedAddress('fd00:2::9', policy)).toBe(true);
    expect(isRefusedAddress('11.0.0.1', policy)).toBe(false); // public anyway
    expect(isRefusedAddress('127.0.0.1', policy)).toBe(true);
    expect(isRefusedAddress('192.168.0.1', policy)).toBe(true);
    expect(isRefusedAddress('169.254.169.254', policy)).toBe(true);
  });
});

describe('parseTargetPolicy', () => {
  it('parses host names and IPv4 and IPv6 addresses and ranges, ignoring blanks', () => {
    const policy = parseTargetPolicy({
      allowPrivateTargets:
        ' localhost, Receiver.Internal., my_service ,127.0.0.1/32,10.0.0.0/8, ::1/128,192.168.1.7,[fd00::]/8,,',
      allowHttp: true,
    });
    expect([...policy.allowedHosts]).toEqual(['localhost', 'receiver.internal', 'my_service']);
    expect(policy.allowedRanges.map((r) => r.cidr)).toEqual([
      '127.0.0.1/32',
      '10.0.0.0/8',
      '::1/128',
      '192.168.1.7/32',
      'fd00::/8',
    ]);
    expect(policy.allowHttp).toBe(true);
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it('allows nothing and no http by default', () => {
    for (const policy of [parseTargetPolicy({}), parseTargetPolicy({ allowPrivateTargets: '' })]) {
      expect(policy.allowedHosts.size).toBe(0);
      expect(policy.allowedRanges).toEqual([]);
      expect(policy.allowHttp).toBe(false);
    }
  });

  it.each([
    '10.0.0.0/33',
    '::1/129',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    '1.2.3.4/-1',
    '10.0.0.0/0x8',
    '256.1.1.1',
    '127.1',
    '010.0.0.1',
    '0x7f.0.0.1',
    'http://receiver.internal',
    'receiver.internal:8080',
    'exa mple.com',
    '*.internal',
    '-bad.example',
    'a..b',
    `${'a'.repeat(64)}.example`,
  ])('refuses the entry %j, naming it', (entry) => {
    expect(() => parseTargetPolicy({ allowPrivateTargets: `localhost, ${entry}` })).toThrow(
      `MESSAGEJS_ALLOW_PRIVATE_TARGETS: "${entry}" is neither a host name nor an IP address or CIDR range ` +
        '(e.g. localhost, receiver.internal, 127.0.0.1/32, 10.0.0.0/8, ::1/128).',
    );
  });
});

describe('checkTargetUrl', () => {
  it.each([
    ['not a url', 'The webhook URL is not a valid absolute URL (e.g. https://example.com/webhooks).'],
    ['/relative/path', 'The webhook URL is not a valid absolute URL (e.g. https://example.com/webhooks).'],
    ['http://example.com/hook', 'The webhook URL must use https (this relay does not send webhooks over http).'],
    ['ftp://example.com/hook', 'The webhook URL must use https (this relay does not send webhooks over ftp).'],
    ['file:///etc/passwd', 'The webhook URL must use https (this relay does not send webhooks over file).'],
    ['javascript:alert(1)', 'The webhook URL must use https (this relay does not send webhooks over javascript).'],
    [
      'https://user:secret@example.com/hook',
      'The webhook URL must not contain a user name or password: the receiver checks the signature instead.',
    ],
    [
      'https://user@example.com/hook',
      'The webhook URL must not contain a user name or password: the receiver checks the signature instead.',
    ],
  ])('refuses %j as invalid_url without resolving it', async (raw, message) => {
    const lookup = answering('93.184.215.14');
    const error = await refusal(checkTargetUrl(raw, strict, lookup));
    expect(error.message).toBe(message);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('accepts http only when the policy allows it, and then only http and https', async () => {
    const policy = parseTargetPolicy({ allowHttp: true });
    const url = await checkTargetUrl('http://example.com/hook', policy, answering('93.184.215.14'));
    expect(url.href).toBe('http://example.com/hook');
    const error = await refusal(checkTargetUrl('ws://example.com/hook', policy, answering('93.184.215.14')));
    expect(error.message).toBe('The webhook URL must use https or http, not ws.');
  });

  it.each([
    ['https://127.0.0.1/hook', '127.0.0.1', 'loopback'],
    ['https://127.0.0.1:8443/hook', '127.0.0.1', 'loopback'],
    ['https://2130706433/hook', '127.0.0.1', 'loopback'], // one number: WHATWG URL reads it as IPv4
    ['https://0x7f.1/hook', '127.0.0.1', 'loopback'],
    ['https://0/hook', '0.0.0.0', 'unspecified'],
    ['https://[::1]/hook', '::1', 'loopback'],
    ['https://[::ffff:127.0.0.1]/hook', '::ffff:7f00:1', 'loopback'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254', 'link-local'],
    ['https://[fd00:ec2::254]/latest/meta-data/', 'fd00:ec2::254', 'unique local'],
    ['https://10.0.0.1/hook', '10.0.0.1', 'private'],
    ['https://100.64.1.1/hook', '100.64.1.1', 'carrier-grade NAT'],
  ])('refuses the address in %s without resolving it', async (raw, address, why) => {
    const lookup = answering('93.184.215.14');
    const error = await refusal(checkTargetUrl(raw, strict, lookup));
    expect(error.message).toBe(
      `The webhook URL's address ${address} is not public (${why}): the relay delivers only to public addresses ` +
        '(ask the relay operator to add it to MESSAGEJS_ALLOW_PRIVATE_TARGETS if it is meant to be reached).',
    );
    expect(lookup).not.toHaveBeenCalled();
  });

  it('accepts a public IP literal without resolving it', async () => {
    const lookup = answering('127.0.0.1');
    expect((await checkTargetUrl('https://8.8.8.8/hook', strict, lookup)).href).toBe('https://8.8.8.8/hook');
    expect((await checkTargetUrl('https://[2606:4700::1111]/h', strict, lookup)).href).toBe(
      'https://[2606:4700::1111]/h',
    );
    expect(lookup).not.toHaveBeenCalled();
  });

  it('resolves the host and accepts it when every address is public', async () => {
    const lookup = answering('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c');
    const url = await checkTargetUrl('https://Hooks.Example.com:8443/in?project=1', strict, lookup);
    expect(url.href).toBe('https://hooks.example.com:8443/in?project=1');
    expect(lookup.mock.calls).toEqual([['hooks.example.com']]);
  });

  it.each([
    [['10.0.0.5'], 'private'],
    [['93.184.215.14', '127.0.0.1'], 'loopback'],
    [['2606:4700::1111', 'fe80::1'], 'link-local'],
    [['169.254.169.254'], 'link-local'],
  ])('refuses a name resolving to %j, without naming the address', async (addresses, why) => {
    const error = await refusal(checkTargetUrl('https://hooks.example.com/in', strict, answering(...addresses)));
    expect(error.message).toBe(
      `The webhook URL's host hooks.example.com resolves to an address that is not public (${why}): the relay ` +
        'delivers only to public addresses (ask the relay operator to add it to MESSAGEJS_ALLOW_PRIVATE_TARGETS if ' +
        'it is meant to be reached).',
    );
    for (const address of addresses) expect(error.message).not.toContain(address);
  });

  it.each([
    ['ENOTFOUND', "The webhook URL's host nowhere.example could not be resolved."],
    ['ENODATA', "The webhook URL's host nowhere.example could not be resolved."],
    ['EAI_AGAIN', "The webhook URL's host nowhere.example could not be resolved right now; try again later."],
  ])('refuses a name that does not resolve (%s)', async (code, message) => {
    const error = await refusal(checkTargetUrl('https://nowhere.example/in', strict, failingWith(code)));
    expect(error.message).toBe(message);
  });

  it('refuses a name that resolves to no address', async () => {
    const error = await refusal(checkTargetUrl('https://nowhere.example/in', strict, answering()));
    expect(error.message).toBe("The webhook URL's host nowhere.example could not be resolved.");
  });

  it('refuses localhost through the system resolver, and accepts it once the operator allows the name', async () => {
    const error = await refusal(checkTargetUrl('https://localhost:8443/hook', strict));
    expect(error.message).toBe(
      "The webhook URL's host localhost resolves to an address that is not public (loopback): the relay delivers " +
        'only to public addresses (ask the relay operator to add it to MESSAGEJS_ALLOW_PRIVATE_TARGETS if it is ' +
        'meant to be reached).',
    );
    const allowed = parseTargetPolicy({ allowPrivateTargets: 'localhost', allowHttp: true });
    expect((await checkTargetUrl('http://localhost:8443/hook', allowed)).href).toBe('http://localhost:8443/hook');
  });

  it('accepts a private address inside an allowed range, and refuses one outside it', async () => {
    const policy = parseTargetPolicy({ allowPrivateTargets: '127.0.0.1/32, 10.20.0.0/16' });
    expect((await checkTargetUrl('https://127.0.0.1:8443/hook', policy)).href).toBe('https://127.0.0.1:8443/hook');
    const url = await checkTargetUrl('https://receiver.internal/hook', policy, answering('10.20.3.4'));
    expect(url.hostname).toBe('receiver.internal');
    await refusal(checkTargetUrl('https://127.0.0.2/hook', policy));
    await refusal(checkTargetUrl('https://receiver.internal/hook', policy, answering('10.20.3.4', '10.21.0.1')));
  });
});
