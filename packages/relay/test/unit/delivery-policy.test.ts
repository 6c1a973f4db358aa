import { describe, expect, it } from 'vitest';
import type { Channel, MessageStatus } from '@messagejs/shared-types';
import {
  afterDeadline,
  connectorIndex,
  decideDelivery,
  fallbackCheckAt,
  pickConnector,
  type DeliveryDecision,
  type DeliveryOutcome,
  type DeliveryPolicy,
} from '../../src/jobs/delivery-policy.js';

// Three tries per connector; equal jitter at 0.5 keeps ¾ of the capped delay: 750, 1500, 3000 ms…
const policy: DeliveryPolicy = {
  maxAttemptsPerConnector: 3,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  random: () => 0.5,
};
const at = 10_000;
const permanent: DeliveryOutcome = { kind: 'permanent' };
const transient: DeliveryOutcome = { kind: 'transient', retryAfterMs: null };
const retryAfter = (ms: number): DeliveryOutcome => ({ kind: 'transient', retryAfterMs: ms });

describe('decideDelivery', () => {
  it.each<
    [
      string,
      DeliveryOutcome,
      { attempts: number; connectors: number; cascade: Channel[] },
      DeliveryDecision,
      Partial<DeliveryPolicy>?,
    ]
  >([
    [
      'fails a permanent failure with nothing to cascade to',
      permanent,
      { attempts: 1, connectors: 2, cascade: [] },
      { action: 'fail' },
    ],
    [
      'cascades a permanent failure to the next channel',
      permanent,
      { attempts: 1, connectors: 2, cascade: ['sms'] },
      { action: 'cascade', to: 'sms', rest: [] },
    ],
    [
      'keeps the channels after the next for later',
      permanent,
      { attempts: 1, connectors: 1, cascade: ['sms', 'email'] },
      { action: 'cascade', to: 'sms', rest: ['email'] },
    ],
    [
      'gives up on a permanent failure even with tries left',
      permanent,
      { attempts: 1, connectors: 3, cascade: [] },
      { action: 'fail' },
    ],
    [
      'retries a first transient failure after the base delay',
      transient,
      { attempts: 1, connectors: 1, cascade: [] },
      { action: 'retry', at: at + 750, delayMs: 750 },
    ],
    [
      'doubles the delay on the second try',
      transient,
      { attempts: 2, connectors: 1, cascade: [] },
      { action: 'retry', at: at + 1500, delayMs: 1500 },
    ],
    [
      'waits as long as the provider asked when that is longer',
      retryAfter(5000),
      { attempts: 1, connectors: 1, cascade: [] },
      { action: 'retry', at: at + 5000, delayMs: 5000 },
    ],
    [
      'keeps its own backoff when the provider asked for less',
      retryAfter(100),
      { attempts: 2, connectors: 1, cascade: [] },
      { action: 'retry', at: at + 1500, delayMs: 1500 },
    ],
    [
      'caps the delay at backoffMaxMs',
      transient,
      { attempts: 9, connectors: 1, cascade: [] },
      { action: 'retry', at: at + 45_000, delayMs: 45_000 },
      { maxAttemptsPerConnector: 10 },
    ],
    [
      'fails over when a connector has had all its tries',
      transient,
      { attempts: 3, connectors: 2, cascade: ['sms'] },
      { action: 'failover', to: 1 },
    ],
    [
      'cascades when the last connector has had all its tries',
      transient,
      { attempts: 3, connectors: 1, cascade: ['sms'] },
      { action: 'cascade', to: 'sms', rest: [] },
    ],
    [
      'fails when the last connector has had all its tries and no channel is left',
      transient,
      { attempts: 3, connectors: 1, cascade: [] },
      { action: 'fail' },
    ],
    [
      'starts the backoff again on the next connector',
      transient,
      { attempts: 4, connectors: 2, cascade: [] },
      { action: 'retry', at: at + 750, delayMs: 750 },
    ],
    [
      'fails over from the second connector to the third',
      transient,
      { attempts: 6, connectors: 3, cascade: [] },
      { action: 'failover', to: 2 },
    ],
    [
      'fails once the second and last connector is spent',
      transient,
      { attempts: 6, connectors: 2, cascade: [] },
      { action: 'fail' },
    ],
    [
      'fails at once with one try per connector and one connector',
      transient,
      { attempts: 1, connectors: 1, cascade: [] },
      { action: 'fail' },
      { maxAttemptsPerConnector: 1 },
    ],
  ])('%s', (_name, outcome, state, decision, overrides) => {
    expect(decideDelivery(outcome, { ...state, at }, { ...policy, ...overrides })).toEqual(decision);
  });
});

describe('connectorIndex', () => {
  it.each([
    [1, 0],
    [3, 0],
    [4, 1],
    [6, 1],
    [7, 2],
  ])('puts try %i on connector %i (three tries each)', (attempts, index) => {
    expect(connectorIndex(attempts, policy)).toBe(index);
  });
});

describe('pickConnector', () => {
  const connectors = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  it.each<[string, number, string[], string | undefined, { id: string }[]?]>([
    ['takes the connector at the index', 0, [], 'a'],
    ['skips one whose breaker is open', 0, ['a'], 'b'],
    ['skips every open one after it', 0, ['a', 'b'], 'c'],
    ['takes the one at the index when every breaker is open', 0, ['a', 'b', 'c'], 'a'],
    ['never goes back to an earlier connector', 1, ['b'], 'c'],
    ['keeps the last connector even with its breaker open', 2, ['c'], 'c'],
    ['finds none past the last connector', 3, [], undefined],
    ['finds none for a channel without connectors', 0, [], undefined, []],
  ])('%s', (_name, index, open, expected, list = connectors) => {
    expect(pickConnector(list, index, (id) => open.includes(id))?.id).toBe(expected);
  });
});

describe('fallbackCheckAt', () => {
  it.each<[string, Channel[], number | null, MessageStatus, number | undefined]>([
    ['checks a sent message with a channel to fall back to', ['sms'], 30_000, 'sent', at + 30_000],
    ['checks one the provider only queued', ['sms'], 30_000, 'queued', at + 30_000],
    ['does not check one already delivered', ['sms'], 30_000, 'delivered', undefined],
    ['does not check without a channel to fall back to', [], 30_000, 'sent', undefined],
    ['does not check without fallbackAfter', ['sms'], null, 'sent', undefined],
    ['does not check with a zero fallbackAfter', ['sms'], 0, 'sent', undefined],
  ])('%s', (_name, cascade, fallbackAfterMs, status, expected) => {
    expect(fallbackCheckAt({ cascade, fallbackAfterMs }, status, at)).toBe(expected);
  });
});

describe('afterDeadline', () => {
  it.each<[string, MessageStatus, Channel[], ReturnType<typeof afterDeadline>]>([
    ['finishes a delivered message', 'delivered', ['sms'], { action: 'finish' }],
    ['finishes a read message', 'read', ['sms'], { action: 'finish' }],
    ['finishes a message with nothing to cascade to', 'sent', [], { action: 'finish' }],
    ['cascades a message still only sent', 'sent', ['sms', 'email'], { action: 'cascade', to: 'sms', rest: ['email'] }],
    ['cascades a message reported undelivered', 'undelivered', ['sms'], { action: 'cascade', to: 'sms', rest: [] }],
  ])('%s', (_name, status, cascade, expected) => {
    expect(afterDeadline({ status, cascade })).toEqual(expected);
  });
});
