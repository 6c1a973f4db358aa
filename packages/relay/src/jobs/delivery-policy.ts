/*
 * What a delivery attempt does next, decided without I/O: the send and fallback-check handlers
 * read the state, ask here, and write what they are told. Tested as a table
 * (`test/delivery-policy.test.ts`).
 */
import type { Channel, MessageStatus } from '@messagejs/shared-types';
import { backoffDelay } from './backoff.js';

/** How hard the relay tries one connector before moving on. */
export interface DeliveryPolicy {
  /** Tries per connector before failing over to the next one of the channel. */
  maxAttemptsPerConnector: number;
  /** First retry delay (ms); doubles each time, with jitter. */
  backoffBaseMs: number;
  /** Longest retry delay (ms). */
  backoffMaxMs: number;
  /** The jitter's source, in [0, 1). */
  random: () => number;
}

/** How an attempt ended, when it did not succeed (a `ConnectorError` is one). */
export interface DeliveryOutcome {
  /**
   * `permanent`: no retry can help (invalid number, opted out, refused content). `transient`: the
   * provider may accept it later (timeout, 5xx, 429).
   */
  kind: 'transient' | 'permanent';
  /** How long the provider asked to wait (`Retry-After`), in ms. */
  retryAfterMs?: number | null | undefined;
}

/** What the policy needs to know about the message and its channel's connectors. */
export interface DeliveryState {
  /** Tries on this channel so far, the one that just ended included (the outbox row's `attempts`). */
  attempts: number;
  /** How many connectors serve the channel. */
  connectors: number;
  /** The channels still to try after this one, in order. */
  cascade: readonly Channel[];
  /** When the attempt ended (ms). */
  at: number;
}

/** Stop on this channel: cascade to the next channel the message names, or fail for good. */
export type GiveUp = { action: 'cascade'; to: Channel; rest: Channel[] } | { action: 'fail' };

/** The next step for a message whose attempt did not succeed. */
export type DeliveryDecision =
  /** Try the same connector again at `at`, `delayMs` after the attempt ended. */
  | { action: 'retry'; at: number; delayMs: number }
  /** This connector is spent: try the channel's connector at index `to` at once. */
  | { action: 'failover'; to: number }
  | GiveUp;

/** The index of the connector that `attempts` tries on a channel have reached. */
export function connectorIndex(attempts: number, policy: Pick<DeliveryPolicy, 'maxAttemptsPerConnector'>): number {
  return Math.floor((attempts - 1) / policy.maxAttemptsPerConnector);
}

/**
 * The connector to send with: the one at `index`, or — while its circuit breaker is open — the
 * first later one whose breaker is closed. Undefined when the channel has no connector left.
 */
export function pickConnector<C extends { id: string }>(
  connectors: readonly C[],
  index: number,
  isOpen: (id: string) => boolean,
): C | undefined {
  return connectors.slice(index).find((c) => !isOpen(c.id)) ?? connectors[index];
}

/** Cascade to the first channel of `cascade`, else fail. */
export function cascadeOrFail(cascade: readonly Channel[]): GiveUp {
  const [next, ...rest] = cascade;
  return next ? { action: 'cascade', to: next, rest } : { action: 'fail' };
}

/**
 * Permanent failures give up at once. Transient ones retry the same connector with backoff (never
 * sooner than the provider's `Retry-After`) until it has had `maxAttemptsPerConnector` tries, then
 * fail over to the next connector of the channel, and give up when there is none.
 */
export function decideDelivery(
  outcome: DeliveryOutcome,
  state: DeliveryState,
  policy: DeliveryPolicy,
): DeliveryDecision {
  if (outcome.kind === 'permanent') return cascadeOrFail(state.cascade);
  const index = connectorIndex(state.attempts, policy);
  const triesWithThis = state.attempts - index * policy.maxAttemptsPerConnector;
  if (triesWithThis >= policy.maxAttemptsPerConnector) {
    return index + 1 < state.connectors ? { action: 'failover', to: index + 1 } : cascadeOrFail(state.cascade);
  }
  const delayMs = Math.max(
    outcome.retryAfterMs ?? 0,
    backoffDelay(triesWithThis, policy.backoffBaseMs, policy.backoffMaxMs, policy.random),
  );
  return { action: 'retry', at: state.at + delayMs, delayMs };
}

/**
 * When a sent message's channel must have reported delivery, else the next channel is tried: only
 * for a message that names channels to cascade to and a `fallbackAfterMs`, and is not already
 * delivered. Undefined when no fallback check is due.
 */
export function fallbackCheckAt(
  message: { cascade: readonly Channel[]; fallbackAfterMs?: number | null | undefined },
  status: MessageStatus,
  at: number,
): number | undefined {
  return message.cascade.length > 0 && message.fallbackAfterMs && status !== 'delivered'
    ? at + message.fallbackAfterMs
    : undefined;
}

/**
 * A fallback check come due: a message delivered or read (or with nothing to cascade to) is
 * finished; otherwise its channel did not report delivery in time and the next channel is tried.
 */
export function afterDeadline(message: {
  status: MessageStatus;
  cascade: readonly Channel[];
}): { action: 'finish' } | GiveUp {
  if (message.status === 'delivered' || message.status === 'read' || message.cascade.length === 0)
    return { action: 'finish' };
  return cascadeOrFail(message.cascade);
}
