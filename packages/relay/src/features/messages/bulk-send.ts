import {
  bulkRequestSchema,
  maxBulkMessages,
  type BulkRejection,
  type BulkResponse,
  type Channel,
} from '@messagejs/shared-types';
import type { BatchRecord, ConnectorRecord, EnqueueInput, Message, Store, Template } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { newId } from '../../crypto/tokens.js';
import { enforceLimit } from '../../store/rate-limits.js';
import { controlFieldOf } from '../../domain/control-characters.js';
import { idempotencyRecord, replayAnswer, storedAnswer, type Answer } from './idempotent-answer.js';
import type { SendDeps } from './send-message.js';
import { prepareSend, preparedMessage, storeLookups, type PreparedSend, type SendLookups } from './prepare-send.js';
import { readOptions } from './message-options.js';

/** An item of a bulk request once checked: where it was, and what it sends. */
interface Item {
  index: number;
  /** The message to store: built as the item is checked, so its draft can go at once. */
  input: EnqueueInput;
}

type Shared = Omit<ReturnType<typeof bulkRequestSchema.parse>, 'messages' | 'recipients' | 'atomic'>;

/**
 * `POST /v1/messages/bulk` (issue 16): up to 10,000 messages in one request — recipients of one
 * shared template or text, or full messages — each checked as `POST /v1/messages` checks a body.
 * A bad item is refused alone and named in `rejected` (with `atomic`, it refuses the whole
 * batch); the accepted ones, the batch and the request's idempotency record are stored in one
 * transaction. The project's daily limit counts every accepted message; opt-outs are read once
 * for all recipients.
 */
export async function sendBulk(
  deps: SendDeps,
  caller: KeyPrincipal,
  body: unknown,
  idempotency?: { key: string; requestHash: string },
): Promise<Answer<BulkResponse>> {
  const { store } = deps;
  const { key, project } = caller;
  if (key.kind !== 'secret') {
    throw new AppError('forbidden', 'Bulk sends take a secret key (a public key lives in web pages).');
  }
  const list = itemsOf(body);
  const stored = await storedAnswer<BulkResponse>(store, key.id, idempotency);
  if (stored) return stored;
  const parsed = bulkRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { messages, atomic, ...rest } = parsed.data;
  const shared: Shared = { ...rest };
  delete (shared as { recipients?: unknown }).recipients;
  // The shared fields are checked once: a past `sendAt` is the request's fault, not each item's.
  const field = controlFieldOf(shared);
  if (field !== undefined) {
    throw new AppError('validation_failed', `\`${field}\` must not contain control characters.`, { field });
  }
  readOptions(caller, shared, deps.now());

  const lookups = cachedLookups(storeLookups(store, project.id));
  const batchId = newId('bat');
  const now = deps.now();
  const rejected: BulkRejection[] = [];
  const items: Item[] = [];
  for (let index = 0; index < list.items.length; index++) {
    try {
      const itemBody = merged(shared, list.items[index], messages !== undefined);
      // The parsed item is not needed again: a 10,000-item request holds only what it stores.
      list.items[index] = null;
      items.push({ index, input: inputOf(caller, await prepareSend(deps, caller, itemBody, lookups), batchId, now) });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      rejected.push({ index, code: error.code, field: error.field ?? null, message: error.message });
    }
  }
  const optedOut = await store.optOuts.among(project.id, [...new Set(items.map((i) => i.input.message.to))]);
  const accepted = optedOut.size === 0 ? items : items.filter((i) => !refusedOptOut(i, optedOut, rejected));
  rejected.sort((a, b) => a.index - b.index);
  if (atomic && rejected.length > 0) {
    throw new AppError(
      'validation_failed',
      `${rejected.length} of ${list.items.length} messages were refused, so none was sent (\`atomic\`).`,
      { field: list.field, detail: { rejected } },
    );
  }
  if (accepted.length > 0) {
    await enforceLimit(deps.limits, project.limits, 'project', project.id, undefined, accepted.length);
  }
  return storeBatch(deps, caller, { batchId, now, total: list.items.length, accepted, rejected }, idempotency);
}

/** The request's list of items, refused at once when it has more than 10,000. */
function itemsOf(body: unknown): { field: 'messages' | 'recipients'; items: unknown[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('validation_failed', 'The body must be a JSON object.');
  }
  const field = 'messages' in body ? 'messages' : 'recipients';
  const items = (body as Record<string, unknown>)[field];
  if (!Array.isArray(items)) {
    throw new AppError(
      'validation_failed',
      'Give `messages` (full messages) or `recipients` (of one template or text).',
      {
        field,
      },
    );
  }
  if (items.length > maxBulkMessages) {
    throw new AppError(
      'too_many_messages',
      `A bulk request carries at most ${maxBulkMessages.toLocaleString('en')} messages; this one has ${items.length.toLocaleString('en')}: split it.`,
      { field },
    );
  }
  return { field, items };
}

/**
 * One item as a `POST /v1/messages` body: the request's shared fields, then the item's own (its
 * `params` over the shared ones). A recipient may be just its address.
 */
function merged(shared: Shared, item: unknown, fullMessages: boolean): object {
  const own: Record<string, unknown> =
    !fullMessages && typeof item === 'string'
      ? { to: item }
      : typeof item === 'object' && item !== null && !Array.isArray(item)
        ? (item as Record<string, unknown>)
        : invalidItem(fullMessages);
  const field = controlFieldOf(own);
  if (field !== undefined) {
    throw new AppError('validation_failed', `\`${field}\` must not contain control characters.`, { field });
  }
  // An item's own params go over the shared ones; a value that is no object is left for the schema to refuse.
  const ownParams = own.params;
  const mergeable =
    ownParams === undefined || (typeof ownParams === 'object' && ownParams !== null && !Array.isArray(ownParams));
  const params = shared.params && mergeable ? { ...shared.params, ...ownParams } : ownParams;
  // A template item takes no shared text and a text item no shared template.
  const base: Record<string, unknown> = { ...shared };
  if ('text' in own) delete base.template;
  if ('template' in own) delete base.text;
  return { ...base, ...own, ...(params !== undefined && { params }) };
}

function invalidItem(fullMessages: boolean): never {
  throw new AppError(
    'validation_failed',
    fullMessages ? 'A message is a JSON object.' : 'A recipient is an address or an object with `to`.',
  );
}

/** True (and the item refused) when its recipient opted out. */
function refusedOptOut(item: Item, optedOut: ReadonlySet<string>, rejected: BulkRejection[]): boolean {
  if (!optedOut.has(item.input.message.to)) return false;
  rejected.push({
    index: item.index,
    code: 'recipient_opted_out',
    field: 'to',
    message: 'This recipient has opted out of messages from this project.',
  });
  return true;
}

/** Lookups read once per request: the items of a bulk request share templates and connectors. */
function cachedLookups(inner: SendLookups): SendLookups {
  const templates = new Map<string, Promise<Template | null>>();
  const connectors = new Map<Channel, Promise<ConnectorRecord[]>>();
  let endpoint: Promise<boolean> | undefined;
  return {
    template(name) {
      let found = templates.get(name);
      if (!found) templates.set(name, (found = inner.template(name)));
      return found;
    },
    connectors(channel) {
      let found = connectors.get(channel);
      if (!found) connectors.set(channel, (found = inner.connectors(channel)));
      return found;
    },
    hasWebhookEndpoint: () => (endpoint ??= inner.hasWebhookEndpoint()),
  };
}

/** The message an item stores, in batch `batchId`. */
function inputOf(caller: KeyPrincipal, send: PreparedSend, batchId: string, now: number): EnqueueInput {
  const { message, dueAt } = preparedMessage(caller, send, now);
  message.batchId = batchId;
  return { message, dueAt, ...(send.draft.templateUse && { templateId: send.draft.templateUse.id }) };
}

/** Stores the batch and its messages, and answers what was accepted and refused. */
async function storeBatch(
  deps: SendDeps,
  caller: KeyPrincipal,
  outcome: { batchId: string; now: number; total: number; accepted: Item[]; rejected: BulkRejection[] },
  idempotency?: { key: string; requestHash: string },
): Promise<Answer<BulkResponse>> {
  const { now } = outcome;
  const batch: BatchRecord = {
    id: outcome.batchId,
    projectId: caller.project.id,
    keyId: caller.key.id,
    total: outcome.total,
    accepted: outcome.accepted.length,
    rejected: outcome.rejected.length,
    createdAt: now,
  };
  const inputs = outcome.accepted.map((item) => item.input);
  const response = summary(batch.id, outcome, inputs);
  const record = idempotency && idempotencyRecord(caller.key.id, idempotency, 202, response, now);
  const result = await deps.store.batches.create(batch, inputs, record);
  if (!result.ok) return replayAnswer(result.existing, idempotency!.requestHash);
  // Wake the in-process worker: the messages wait in the outbox.
  if (inputs.length > 0) deps.dispatch?.stored(inputs[0]!.message, null);
  return { status: 202, body: response, replayed: false };
}

/** The `202` answer: ids by index, refusals, and the accepted messages' segments and cost, by country and operator. */
function summary(
  batchId: string,
  outcome: { accepted: Item[]; rejected: BulkRejection[] },
  inputs: EnqueueInput[],
): BulkResponse {
  const tally = () => ({ messages: 0, segments: 0, cost: { eur: 0, mad: 0 } });
  const total = tally();
  const byCountry: BulkResponse['byCountry'] = {};
  const byOperator: BulkResponse['byOperator'] = {};
  const add = (t: ReturnType<typeof tally>, m: Message) => {
    t.messages += 1;
    t.segments += m.segments ?? 0;
    t.cost.eur += m.costEur ?? 0;
    t.cost.mad += m.costMad ?? 0;
  };
  for (const { message } of inputs) {
    add(total, message);
    const country = message.country ?? 'unknown';
    add((byCountry[country] ??= tally()), message);
    add((byOperator[`${country}:${message.operator ?? 'unknown'}`] ??= tally()), message);
  }
  const round = (t: ReturnType<typeof tally>) => {
    t.cost.eur = Math.round(t.cost.eur * 1e6) / 1e6;
    t.cost.mad = Math.round(t.cost.mad * 1e6) / 1e6;
  };
  [total, ...Object.values(byCountry), ...Object.values(byOperator)].forEach(round);
  return {
    batchId,
    accepted: inputs.length,
    rejected: outcome.rejected,
    ids: outcome.accepted.map((item, i) => ({ index: item.index, id: inputs[i]!.message.id })),
    segments: total.segments,
    cost: total.cost,
    byCountry,
    byOperator,
  };
}

/** `GET /v1/batches/:id`: the batch (its project's keys and members only) and its messages by status. */
export async function getBatch(store: Store, caller: KeyPrincipal, id: string) {
  const batch = /^bat_[0-9A-Za-z_-]{1,64}$/.test(id) ? await store.batches.get(id) : null;
  if (!batch || batch.projectId !== caller.project.id || caller.key.kind !== 'secret') {
    throw new AppError('not_found', 'No such batch in this project.', { field: 'id' });
  }
  const statuses = await store.batches.statuses(id);
  const waiting = (statuses.scheduled ?? 0) + (statuses.queued ?? 0) + (statuses.sending ?? 0);
  return {
    id: batch.id,
    createdAt: new Date(batch.createdAt).toISOString(),
    total: batch.total,
    accepted: batch.accepted,
    rejected: batch.rejected,
    statuses,
    done: waiting === 0,
  };
}
