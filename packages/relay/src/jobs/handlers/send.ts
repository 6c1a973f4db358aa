import { ConnectorError, type Connector, type OutboundMessage, type SendResult } from '../../providers/types.js';
import type { ClaimedJob, ConnectorRecord, Message, MessageAttemptRecord } from '../../store/types.js';
import { maskAddress, maskText } from '../../domain/mask.js';
import { openContent, withoutCode } from '../../features/messages/queued-message.js';
import type { Sealer } from '../../crypto/sealer.js';
import type { ConnectorPool } from '../../features/connectors/connector-pool.js';
import type { CircuitBreaker } from '../circuit-breaker.js';
import type { JobHandler, JobRecorder } from '../job-handler.js';
import {
  cascadeOrFail,
  connectorIndex,
  decideDelivery,
  fallbackCheckAt,
  pickConnector,
  type DeliveryPolicy,
} from '../delivery-policy.js';
import { maskedError } from '../masked-error.js';
import { giveUp, type DeliveryDeps } from './give-up.js';
import { canSend } from '../../features/connectors/capabilities.js';
import type { SendPacer } from '../send-pacer.js';

/** What the `send` handler needs besides the store. */
export interface SendHandlerDeps extends DeliveryDeps {
  pool: ConnectorPool;
  breaker: CircuitBreaker;
  policy: DeliveryPolicy;
  /** A provider call is aborted after this long and counts as a transient failure. */
  sendTimeoutMs: number;
  /** The public status-callback URL of a connector, when the relay has a public URL. */
  statusCallbackUrl?: ((connectorId: string) => string | undefined) | undefined;
  /** Opens the sealed body of a sensitive message (a verification code) just before it is sent. */
  sealer?: Sealer | undefined;
  /** Paces connectors that have a send rate. */
  pacer: SendPacer;
}

/** A paced connector's slot this close is waited for; a later one sends the message back to the outbox until then. */
export const PACE_WAIT_MS = 500;

/**
 * The `send` job: hands the message to a connector of its channel and records what the provider
 * answered; on failure, does what the delivery policy decides (retry, fail over, cascade, fail).
 */
export function createSendHandler(deps: SendHandlerDeps): JobHandler {
  const { store, now, log, pool, breaker } = deps;
  const isOpen = (connectorId: string) => breaker.isOpen(connectorId);

  async function send(job: ClaimedJob, recorder: JobRecorder): Promise<void> {
    const { message } = job;
    if (message.expireAt != null && now() >= message.expireAt) return expire(deps, job);
    const { connectors, record, none } = await chooseConnector(deps, job, isOpen);
    if (!record) return giveUp(deps, job, cascadeOrFail(message.cascade), null, ...none);
    let outbound: OutboundMessage;
    try {
      outbound = toOutbound(message, deps.sealer);
    } catch (error) {
      // Sealed under a master key this relay no longer has (MESSAGEJS_OLD_MASTER_KEYS lacks it): no retry can help.
      return giveUp(
        deps,
        job,
        cascadeOrFail(message.cascade),
        null,
        'sealed_content_unreadable',
        (error as Error).message,
      );
    }
    if (record.sendRate && !(await paced(deps, job, record, record.sendRate))) return;
    const { connector, credentials } = pool.get(record);
    // The console connector prints a code only for a development project; only sensitive
    // messages pay for the project lookup.
    const revealSensitive =
      message.sensitive === true && (await store.projects.get(message.projectId))?.development === true;
    // The provider call's own duration (monotonic: the relay's clock may be frozen in tests).
    const started = performance.now();
    let result: SendResult;
    try {
      result = await callProvider(deps, connector, outbound, credentials(), record, revealSensitive);
    } catch (error) {
      return failed(deps, job, error, { outbound, record, connectors, latencyMs: performance.now() - started });
    }
    const latencyMs = performance.now() - started;
    const at = now();
    breaker.success(record, at);
    const fallbackAt = fallbackCheckAt(message, result.status, at);
    // The record joins the store's next batch; the job's slot is held until it commits. Should
    // it fail, the lease expires and the message is sent again.
    const attempt = attemptOf(message, record, result.providerMessageId, result.status, null, at, latencyMs);
    recorder.record(
      job,
      store.outbox.complete(job, {
        attempt,
        status: result.status,
        at,
        ...(fallbackAt !== undefined && { fallbackAt }),
      }),
    );
    deps.metrics.worker.providerCall(record.type, 'ok', latencyMs / 1000);
    deps.metrics.messages.sent(message.channel, record.type);
    if (result.status === 'delivered') deps.metrics.messages.delivered(message.channel, record.type);
    log.debug(
      {
        messageId: message.id,
        channel: message.channel,
        connector: record.type,
        to: maskAddress(message.to),
        status: result.status,
        ms: Math.round(latencyMs),
      },
      'message handed to provider',
    );
  }

  return send;
}

/**
 * The connectors of the message's channel that can send it (a chosen sender or a flash SMS goes
 * only through those that can: issue 16), and the one this attempt uses; when none is left, the
 * code and text of the failure.
 */
async function chooseConnector(deps: SendHandlerDeps, job: ClaimedJob, isOpen: (connectorId: string) => boolean) {
  const { message } = job;
  const all = await deps.store.connectors.forChannel(message.projectId, message.channel);
  const connectors = message.sender || message.flash ? all.filter((c) => canSend(c, message)) : all;
  const record = pickConnector(connectors, connectorIndex(job.attempts, deps.policy), isOpen);
  const none =
    all.length > 0 && connectors.length === 0
      ? unsendable(message)
      : (['channel_not_configured', `No connector left for the ${message.channel} channel.`] as const);
  return { connectors, record, none };
}

/**
 * Waits for the message's slot on a paced connector, when it is near: true then. A later slot is
 * held for the message, which goes back to the outbox due at it: false.
 */
async function paced(deps: SendHandlerDeps, job: ClaimedJob, record: ConnectorRecord, rate: number): Promise<boolean> {
  const now = deps.now();
  const slot = deps.pacer.slot(record.id, job.messageId, rate, now);
  if (slot - now > PACE_WAIT_MS) {
    deps.pacer.hold(record.id, job.messageId, slot);
    await deps.store.outbox.defer(job, slot);
    return false;
  }
  if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  return true;
}

/** The message's `expireAt` has passed: it ends `expired`, never sent (no attempt, no cascade). */
async function expire(deps: SendHandlerDeps, job: ClaimedJob): Promise<void> {
  const at = deps.now();
  await deps.store.outbox.fail(job, {
    status: 'expired',
    attempt: null,
    errorCode: 'message_expired',
    errorMessage: 'The message was not sent before it expired (`expireAt`).',
    at,
    event: {
      type: 'failed',
      channel: job.message.channel,
      connectorId: null,
      status: 'expired',
      errorCode: 'message_expired',
      detail: {},
    },
  });
  deps.log.info({ messageId: job.message.id, channel: job.message.channel }, 'message expired before it was sent');
}

/** Why no connector of the channel could take a message with a sender or flash (the send route checked; they changed since). */
function unsendable(message: Message): readonly [string, string] {
  return message.flash
    ? ['flash_not_supported', `No connector of the ${message.channel} channel sends flash SMS.`]
    : ['sender_not_allowed', `No connector of the ${message.channel} channel sends from \`${message.sender}\`.`];
}

/** Calls the provider, aborting the call after `sendTimeoutMs`. */
function callProvider(
  deps: SendHandlerDeps,
  connector: Connector,
  outbound: OutboundMessage,
  credentials: unknown,
  record: ConnectorRecord,
  revealSensitive: boolean,
): Promise<SendResult> {
  // Not AbortSignal.timeout(): its timer would outlive every send by `sendTimeoutMs`, keeping
  // thousands of signals alive under load.
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new DOMException('The provider did not answer in time', 'TimeoutError')),
    deps.sendTimeoutMs,
  );
  const statusCallbackUrl = deps.statusCallbackUrl?.(record.id);
  return connector
    .send(outbound, credentials, {
      signal: abort.signal,
      ...(statusCallbackUrl && { statusCallbackUrl }),
      ...(revealSensitive && { revealSensitive }),
    })
    .finally(() => clearTimeout(timer));
}

/** The provider refused or did not answer: records the attempt and does what the policy decides. */
async function failed(
  deps: SendHandlerDeps,
  job: ClaimedJob,
  error: unknown,
  sent: { outbound: OutboundMessage; record: ConnectorRecord; connectors: ConnectorRecord[]; latencyMs: number },
): Promise<void> {
  const { store, now, log, breaker, policy } = deps;
  const { message } = job;
  const { record } = sent;
  const failure =
    error instanceof ConnectorError
      ? error
      : new ConnectorError('transient', 'provider_unavailable', String((error as Error)?.message ?? error), {
          cause: error,
        });
  if (!(error instanceof ConnectorError))
    log.warn(
      { err: maskedError(error), messageId: message.id },
      'connector threw an unclassified error; treating it as transient',
    );
  // A provider may quote the body it refused: the code stays out of the stored error text.
  const errorText = message.sensitive ? withoutCode(failure.message, sent.outbound.text) : failure.message;
  const at = now();
  const errorCode = failure.providerCode ?? failure.code;
  const attempt = attemptOf(message, record, null, 'failed', errorCode, at, sent.latencyMs);
  deps.metrics.worker.providerCall(record.type, failure.kind, sent.latencyMs / 1000);
  breaker.failure(record, { code: failure.code, transient: failure.kind === 'transient' }, at);
  if (failure.kind === 'permanent' && failure.code === 'recipient_opted_out')
    await store.optOuts.add(message.projectId, message.to, at);
  const decision = decideDelivery(
    failure,
    { attempts: job.attempts, connectors: sent.connectors.length, cascade: message.cascade, at },
    policy,
  );
  const retry = { attempt, errorCode: failure.code, errorMessage: errorText, at };
  const event = failureEvent(message, record, failure, errorText);
  switch (decision.action) {
    case 'retry':
      await store.outbox.retry(job, {
        ...retry,
        dueAt: decision.at,
        event: { ...event, type: 'retry', detail: { retryAt: decision.at, ...event.detail } },
      });
      log.warn(
        {
          messageId: message.id,
          connector: record.type,
          code: failure.code,
          providerCode: failure.providerCode,
          error: maskText(errorText),
          retryInMs: decision.delayMs,
        },
        'transient failure; retrying',
      );
      return;
    case 'failover':
      // This provider is spent: the next connector of the channel sends at once.
      await store.outbox.retry(job, {
        ...retry,
        dueAt: at,
        event: {
          ...event,
          type: 'failover',
          detail: { toConnectorId: sent.connectors[decision.to]!.id, ...event.detail },
        },
      });
      log.warn(
        { messageId: message.id, from: record.type, to: sent.connectors[decision.to]!.type },
        'failing over to the next connector',
      );
      return;
    default:
      return giveUp(deps, job, decision, attempt, failure.code, errorText, failure.providerCode);
  }
}

/** Why a failed attempt's message goes on (or ends), for its timeline: written by the same outbox write. */
function failureEvent(message: Message, record: ConnectorRecord, failure: ConnectorError, errorText: string) {
  return {
    channel: message.channel,
    connectorId: record.id,
    status: null,
    errorCode: failure.code,
    detail: { ...(failure.providerCode !== null && { providerCode: failure.providerCode }), errorMessage: errorText },
  };
}

function toOutbound(message: Message, sealer: Sealer | undefined): OutboundMessage {
  const { body, subject } = openContent(message, sealer);
  return {
    id: message.id,
    projectId: message.projectId,
    channel: message.channel,
    to: message.to,
    text: body,
    ...(message.sender && { from: message.sender }),
    ...(message.flash && { flash: true }),
    ...(message.sensitive && { sensitive: true }),
    ...(subject && { subject }),
    ...(message.html && { html: message.html }),
  };
}

function attemptOf(
  message: Message,
  record: ConnectorRecord,
  providerMessageId: string | null,
  status: MessageAttemptRecord['status'],
  errorCode: string | null,
  at: number,
  latencyMs: number,
): MessageAttemptRecord {
  return {
    messageId: message.id,
    channel: message.channel,
    connectorId: record.id,
    connectorType: record.type,
    providerMessageId,
    status,
    errorCode,
    at,
    latencyMs,
  };
}
