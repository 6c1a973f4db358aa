import type { Logger } from 'pino';
import type { ConnectorRecord, InboundRecord, Message, Project, Store } from '../../store/types.js';
import type { InboundMessage } from '../../providers/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { isAppError } from '../../domain/app-error.js';
import { newId } from '../../crypto/tokens.js';
import { queuedMessage } from '../messages/queued-message.js';
import { isPhoneChannel, resolveRecipient } from '../recipients/recipients.js';
import { loadInboundSettings } from './inbound-settings.js';
import { keywordReply, matchKeyword, normalizeKeyword, type KeywordMatch } from './keywords.js';
import { firstMatchingRule } from './rule-match.js';

/**
 * Messages in (issue 15): an inbound message carried by a verified provider webhook is stored once
 * (per connector and provider id), in its connector's project, with what the relay made of it —
 * the sender's user (a phone mapping), an opt-out keyword, an answer — in one transaction: the
 * message, the opt-out added or removed (whose triggers raise `opt_out.added`/`removed`), the
 * answer's outbound message, and (by trigger) `inbound.received`.
 */

export interface InboundDeps {
  store: Store;
  now: () => number;
  logger: Logger;
  /** Wakes the worker after an answer was stored as an outbound message. */
  onEnqueued?: () => void;
  /** Wakes this process's webhook dispatcher after a message came in (`inbound.received`). */
  onEvent?: () => void;
}

/** Where a message came in, and how its webhook is answered. */
export interface InboundSource {
  connector: ConnectorRecord;
  /**
   * True when the provider takes the answer inside the webhook's HTTP answer (Twilio's TwiML):
   * the answer is then not an outbound message of its own.
   */
  answersInline: boolean;
  /** When the webhook arrived: ms since the epoch, and `performance.now()` for the processing time. */
  receivedAt: number;
  startedAt: number;
}

/** A message once received: as stored (the first one, for a provider's retry), and the answer the webhook carries. */
export interface ReceivedInbound {
  record: InboundRecord;
  /** False for a provider's retry of a message already stored. */
  stored: boolean;
  /** The text to answer in the webhook's own answer (`answersInline`), or null. */
  inlineReply: string | null;
}

/** The most answers one sender gets in an hour (`withinBudget`). */
export const MAX_REPLIES_PER_HOUR = 5;

/** The key an answer is sent under: no project key sent it, and the usage report names it so. */
export const AUTO_REPLY_KEY_ID = 'auto_reply';

/** Who an answer is stored as sent by (a secret key of the project's own, as an invite is sent by its member). */
function replyCaller(project: Project): KeyPrincipal {
  return {
    kind: 'key',
    project,
    key: {
      id: AUTO_REPLY_KEY_ID,
      projectId: project.id,
      kind: 'secret',
      prefix: AUTO_REPLY_KEY_ID,
      name: 'Auto-reply',
      createdAt: 0,
      expiresAt: null,
      revokedAt: null,
    },
  };
}

/**
 * What the relay answers `message`, and which keyword it was: keywords first, then the project's
 * rules (not for a sender who opted out).
 */
async function answerOf(
  store: Store,
  project: Project,
  message: InboundMessage,
): Promise<{ keyword: KeywordMatch['kind'] | null; reply: string | null }> {
  // The provider already answered its own keyword (Twilio Advanced Opt-Out): record it, say nothing.
  if (message.providerHandledKeyword) return { keyword: message.providerHandledKeyword, reply: null };
  const settings = await loadInboundSettings(store, project.id);
  const match = matchKeyword(message.text, settings);
  if (match) return { keyword: match.kind, reply: keywordReply(match, settings, project.name) };
  const rule = firstMatchingRule(await store.inbound.listRules(project.id), message.text);
  // A sender who opted out gets the answers to keywords (the STOP confirmation, HELP), never an auto-reply.
  if (!rule || (await store.optOuts.has(project.id, message.from))) return { keyword: null, reply: null };
  return { keyword: null, reply: rule.reply };
}

/**
 * The outbound message that carries `reply` to the sender, on the channel it wrote on, stored
 * through the send path's own `queuedMessage` (a real message of the history); null when the
 * sender cannot be sent to there (a country or number type the project refuses, no connector).
 */
async function replyMessage(
  store: Store,
  project: Project,
  message: InboundMessage,
  reply: string,
  now: number,
): Promise<Message | null> {
  let recipient;
  try {
    recipient = resolveRecipient(message.channel, message.from, project);
  } catch (error) {
    if (isAppError(error)) return null;
    throw error;
  }
  if ((await store.connectors.forChannel(project.id, message.channel)).length === 0) return null;
  return queuedMessage({
    caller: replyCaller(project),
    channel: message.channel,
    recipient,
    template: null,
    subject: null,
    body: reply,
    html: null,
    now,
  });
}

/**
 * `reply`, unless its sender was answered `MAX_REPLIES_PER_HOUR` times in the last hour (then
 * null, logged): two auto-responders must not keep answering each other.
 */
async function withinBudget(
  deps: InboundDeps,
  projectId: string,
  sender: string,
  reply: string | null,
  now: number,
): Promise<string | null> {
  if (reply === null) return null;
  if ((await deps.store.inbound.countReplies(projectId, sender, now - 3_600_000)) < MAX_REPLIES_PER_HOUR) return reply;
  deps.logger.info(
    { projectId },
    `inbound message not answered: its sender was answered ${MAX_REPLIES_PER_HOUR} times this hour`,
  );
  return null;
}

/** Why the sender is opted out: the word they sent (letters and digits only), as the opt-out list shows it. */
function optOutReason(message: InboundMessage): string {
  const word = normalizeKeyword(message.text.slice(0, 64))
    .replace(/[^\p{L}\p{N}]/gu, '')
    .slice(0, 32);
  return `Replied ${word || 'STOP'}${message.providerHandledKeyword ? ' (the provider answered it)' : ''}`;
}

/** The row of a received message, with what the relay made of it. */
function inboundRecord(
  project: Project,
  source: InboundSource,
  message: InboundMessage,
  made: {
    userId: string | null;
    keyword: InboundRecord['keyword'];
    reply: string | null;
    replyMessageId: string | null;
  },
): InboundRecord {
  return {
    id: newId('inb'),
    projectId: project.id,
    connectorId: source.connector.id,
    channel: message.channel,
    providerMessageId: message.providerMessageId,
    from: message.from,
    to: message.to,
    text: message.text,
    media: message.media.map((m) => ({
      url: m.url,
      contentType: m.contentType,
      providerMediaId: m.providerMediaId ?? null,
    })),
    senderName: message.senderName ?? null,
    userId: made.userId,
    keyword: made.keyword,
    autoReply: made.reply,
    replyMessageId: made.replyMessageId,
    receivedAt: source.receivedAt,
    sentAt: message.at,
    processingMs: Math.max(Math.round(performance.now() - source.startedAt), 0),
  };
}

/** Stores one inbound message and acts on it; see the module's comment. */
export async function receiveInbound(
  deps: InboundDeps,
  source: InboundSource,
  message: InboundMessage,
): Promise<ReceivedInbound> {
  const { store } = deps;
  const { connector } = source;
  const retry = async (): Promise<ReceivedInbound | null> => {
    const first = await store.inbound.getByProviderId(connector.id, message.providerMessageId);
    // A provider retries when it did not get the answer: the inline one is given again.
    return first && { record: first, stored: false, inlineReply: source.answersInline ? first.autoReply : null };
  };
  const earlier = await retry();
  if (earlier) return earlier;
  const project = await store.projects.get(connector.projectId);
  if (!project) throw new Error(`connector ${connector.id} has no project`);
  const now = deps.now();
  const answer = await answerOf(store, project, message);
  const userId = isPhoneChannel(message.channel)
    ? ((await store.inbound.routeOf(project.id, message.from))?.userId ?? null)
    : null;
  let reply = await withinBudget(deps, project.id, message.from, answer.reply, now);
  const outbound =
    reply !== null && !source.answersInline ? await replyMessage(store, project, message, reply, now) : null;
  if (outbound === null && !source.answersInline) reply = null;
  const record = inboundRecord(project, source, message, {
    userId,
    keyword: answer.keyword,
    reply,
    replyMessageId: outbound?.id ?? null,
  });
  // A message that changes nothing else is one insert (group-committed with others on SQLite).
  const alone = answer.keyword !== 'stop' && answer.keyword !== 'start' && !outbound;
  const stored = alone
    ? await store.inbound.insert(record)
    : await store.transaction(async (tx) => {
        if (!(await tx.inbound.insert(record))) return false;
        if (answer.keyword === 'stop') {
          await tx.optOuts.add(project.id, message.from, now, { reason: optOutReason(message), source: 'provider' });
        } else if (answer.keyword === 'start') {
          await tx.optOuts.remove(project.id, message.from);
        }
        if (outbound) await tx.messages.enqueue({ message: outbound, dueAt: now });
        return true;
      });
  // Two deliveries of one message at once: the other stored it first.
  if (!stored) return (await retry())!;
  deps.onEvent?.();
  if (outbound) deps.onEnqueued?.();
  deps.logger.info(
    {
      connectorId: connector.id,
      inboundId: record.id,
      channel: record.channel,
      keyword: record.keyword,
      routed: userId !== null,
      answered: reply !== null,
    },
    'inbound message stored',
  );
  return { record, stored: true, inlineReply: source.answersInline ? reply : null };
}
