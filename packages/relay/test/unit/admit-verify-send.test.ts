import { describe, expect, it } from 'vitest';
import {
  admitVerifySend,
  clientOf,
  DAY_MS,
  HOUR_MS,
  networkOf,
  SEND_WINDOW_MS,
} from '../../src/features/verify/admit-verify-send.js';
import { defaultVerifySettings } from '../../src/features/verify/verify-settings.js';
import type { AreaCounts, VerifySendCounts } from '../../src/store/types.js';

const now = Date.parse('2026-04-01T10:00:00Z');
const ago = (ms: number) => now - ms;
const area = (day: number, hour: number, verified: number): AreaCounts => ({
  day: { count: day, oldestAt: ago(DAY_MS / 2) },
  hour: { count: hour, oldestAt: ago(HOUR_MS / 2), verified },
});
const counts = (patch: Partial<VerifySendCounts> = {}): VerifySendCounts => ({
  recipient: { all: { count: 0, oldestAt: null }, client: { count: 0, oldestAt: null } },
  key: { count: 0, oldestAt: null },
  country: area(0, 0, 0),
  prefix: area(0, 0, 0),
  ...patch,
});
const settings = defaultVerifySettings;

describe('admitVerifySend', () => {
  it.each([
    ['nothing sent yet', counts(), 'public', null],
    [
      '5 codes from this client to this number',
      counts({ recipient: { all: { count: 5, oldestAt: ago(60_000) }, client: { count: 5, oldestAt: ago(60_000) } } }),
      'public',
      { reason: 'recipient_client', max: 5, retryAt: ago(60_000) + SEND_WINDOW_MS },
    ],
    [
      '14 codes to this number from other clients',
      counts({ recipient: { all: { count: 14, oldestAt: ago(1) }, client: { count: 0, oldestAt: null } } }),
      'public',
      null,
    ],
    [
      '15 codes to this number from all clients',
      counts({ recipient: { all: { count: 15, oldestAt: ago(1000) }, client: { count: 0, oldestAt: null } } }),
      'public',
      { reason: 'recipient', max: 15, retryAt: ago(1000) + SEND_WINDOW_MS },
    ],
    [
      '200 codes from this public key in the hour',
      counts({ key: { count: 200, oldestAt: ago(HOUR_MS - 5000) } }),
      'public',
      { reason: 'key', max: 200, retryAt: now + 5000 },
    ],
    ['200 codes from this secret key in the hour', counts({ key: { count: 200, oldestAt: ago(1) } }), 'secret', null],
    [
      '1000 codes to the country today',
      counts({ country: area(1000, 10, 10) }),
      'secret',
      { reason: 'country', max: 1000, retryAt: now + DAY_MS / 2 },
    ],
    [
      '200 codes to the range today',
      counts({ prefix: area(200, 10, 10) }),
      'public',
      { reason: 'prefix', max: 200, retryAt: now + DAY_MS / 2 },
    ],
    ['19 unverified codes to the country in the hour', counts({ country: area(19, 19, 0) }), 'public', null],
    [
      '20 codes to the country in the hour, 3 verified',
      counts({ country: area(20, 20, 3) }),
      'public',
      { reason: 'throttled', area: 'country', sent: 20, verified: 3, retryAt: now + HOUR_MS / 2 },
    ],
    ['20 codes to the country in the hour, 4 verified (20 %)', counts({ country: area(20, 20, 4) }), 'public', null],
    [
      '40 codes to the range in the hour, 7 verified',
      counts({ prefix: area(40, 40, 7) }),
      'secret',
      { reason: 'throttled', area: 'prefix', sent: 40, verified: 7, retryAt: now + HOUR_MS / 2 },
    ],
    ['no country or range (email)', counts({ country: null, prefix: null }), 'public', null],
  ] as const)('%s → %j', (_name, c, kind, expected) => {
    expect(admitVerifySend(settings, c, kind, now)).toEqual(expected);
  });

  it('leaves a collapsed success rate alone when the guard is off', () => {
    expect(
      admitVerifySend(
        { ...settings, guardMinSuccessPercent: 0 },
        counts({ country: area(500, 500, 0) }),
        'public',
        now,
      ),
    ).toBeNull();
  });
});

describe('clients', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:bbbb:cccc:dddd:eeee', '2001:db8:1:2::/64'],
  ])('counts %s as %s', (ip, network) => {
    expect(networkOf(ip)).toBe(network);
  });

  it('are one keyed hash per network for public keys, and the backend for secret keys', () => {
    const key = Buffer.alloc(32, 7);
    expect(clientOf('public', '2001:db8:1:2::1', key)).toBe(clientOf('public', '2001:db8:1:2::ffff', key));
    expect(clientOf('public', '203.0.113.7', key)).not.toBe(clientOf('public', '203.0.113.8', key));
    expect(clientOf('public', '203.0.113.7', key)).not.toContain('203');
    expect(clientOf('secret', '203.0.113.7', key)).toBe(clientOf('secret', '198.51.100.1', key));
  });
});
