import type { Channel, MessageStatus, NumberType } from '@messagejs/shared-types';
import type { PriceTable } from '../core/pricing.js';

/** Rate limits of a project (counts per window). */
export interface ProjectLimits {
  /** Requests per key per hour. @default 1000 */
  perKeyPerHour: number;
  /** Requests per client IP per minute, public keys only. @default 20 */
  perIpPerMinute: number;
  /**
   * Messages per recipient per 10 minutes. For a template with a fixed recipient (a contact form)
   * it is counted per client instead — per client IP for public keys, per key for secret keys —
   * so one visitor cannot close the form for everyone. @default 5
   */
  perRecipientPer10Minutes: number;
  /**
   * Messages per fixed-recipient template per 10 minutes, all clients together: what protects the
   * form's recipient (and the bill) from many clients at once. @default 100
   */
  perTemplatePer10Minutes: number;
  /** Messages per number prefix (country code + 3 digits) per hour, public keys only: SMS-pumping guard. @default 60 */
  perPrefixPerHour: number;
  /** Messages per project per day. @default 10000 */
  perProjectPerDay: number;
}

export const defaultLimits: Readonly<ProjectLimits> = Object.freeze({
  perKeyPerHour: 1000,
  perIpPerMinute: 20,
  perRecipientPer10Minutes: 5,
  perTemplatePer10Minutes: 100,
  perPrefixPerHour: 60,
  perProjectPerDay: 10_000,
});

/** Phone number types (`getType()` of libphonenumber-js, in snake case): part of the wire contract. */
export { numberTypes, type NumberType } from '@messagejs/shared-types';

/** What phone channels send to unless a project allows more: mobiles only (the SMS-pumping defence). */
export const defaultNumberTypes: readonly NumberType[] = Object.freeze(['mobile', 'fixed_line_or_mobile'] as NumberType[]);

export interface Project {
  id: string;
  name: string;
  allowedOrigins: string[];
  /** ISO 3166 alpha-2 codes recipients may be in. Empty means none. */
  allowedCountries: string[];
  /** Country assumed for national-format numbers (`0612345678`). */
  defaultCountry: string | null;
  limits: ProjectLimits;
  /** Prices per channel and country (EUR and MAD) for cost estimates; null uses the relay's defaults. */
  prices: PriceTable | null;
  /** Channels to cascade to, per channel, when a message or template names no `channels`. */
  fallbacks: Partial<Record<Channel, Channel[]>>;
  /** Number types phone channels (SMS, WhatsApp, verification) may send to. @default ['mobile', 'fixed_line_or_mobile'] */
  allowedNumberTypes: NumberType[];
  /** A development project (the demo is one): the console connector may print verification codes in full. */
  development: boolean;
  createdAt: number;
}

export interface ApiKey {
  id: string;
  projectId: string;
  kind: 'public' | 'secret';
  prefix: string;
  name: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

/** A declared template param. */
export type ParamSpec =
  | {
      type: 'text';
      maxLength: number;
      required?: boolean;
      /** Line breaks allowed in templates whose recipient the caller chooses (always allowed otherwise). */
      multiline?: boolean;
      /** Links and domain names allowed in templates whose recipient the caller chooses (always allowed otherwise). */
      allowLinks?: boolean;
    }
  | { type: 'email'; required?: boolean }
  | { type: 'number'; min?: number; max?: number; integer?: boolean; required?: boolean }
  | { type: 'pattern'; pattern: string; maxLength?: number; required?: boolean };

export interface Template {
  id: string;
  projectId: string;
  name: string;
  channel: Channel;
  /** `fixed`: always `to`; `caller`: the caller names the recipient. */
  recipient: { mode: 'fixed'; to: string } | { mode: 'caller' };
  subject: string | null;
  body: string;
  html: string | null;
  params: Record<string, ParamSpec>;
  /** Optional cascade order (e.g. `['whatsapp', 'sms']`); the first is `channel`. */
  channels: Channel[] | null;
  createdAt: number;
  updatedAt: number;
}

export interface ConnectorRecord {
  id: string;
  projectId: string;
  type: string;
  name: string;
  /** Channels this connector serves in this project. */
  channels: Channel[];
  /** Non-secret settings. */
  config: Record<string, unknown>;
  /** Sealed credentials (AES-256-GCM); never leaves the relay. */
  sealedCredentials: string | null;
  /** Lower sends first among connectors of a channel. */
  priority: number;
  enabled: boolean;
  createdAt: number;
}

export interface Message {
  id: string;
  projectId: string;
  keyId: string;
  channel: Channel;
  to: string;
  country: string | null;
  operator: string | null;
  template: string | null;
  subject: string | null;
  body: string;
  html: string | null;
  status: MessageStatus;
  segments: number | null;
  encoding: 'GSM-7' | 'UCS-2' | null;
  costEur: number | null;
  costMad: number | null;
  /** Channels still to try after this one, in order. */
  cascade: Channel[];
  /**
   * The body holds a secret (a verification code): body and subject are stored sealed under the
   * master key (`sealContent`), opened only by the worker, and blanked once the message is final.
   */
  sensitive?: boolean;
  /** With a cascade: try the next channel when this one has not reported delivered/read in this time. */
  fallbackAfterMs?: number | null;
  providerMessageId: string | null;
  connectorId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: number;
  updatedAt: number;
  scheduledAt: number | null;
  sentAt: number | null;
  deliveredAt: number | null;
}

export interface MessageAttemptRecord {
  messageId: string;
  channel: Channel;
  connectorId: string;
  connectorType: string;
  providerMessageId: string | null;
  status: MessageStatus;
  errorCode: string | null;
  at: number;
}

/** A stored answer for an `Idempotency-Key`. */
export interface IdempotencyRecord {
  keyId: string;
  idempotencyKey: string;
  requestHash: string;
  statusCode: number;
  response: unknown;
  createdAt: number;
}

/** One outbox row claimed by a worker under a lease. */
export interface ClaimedJob {
  messageId: string;
  attempts: number;
  leaseUntil: number;
  /** The worker holding the lease; writes from a worker whose lease was taken over are ignored. */
  owner: string;
  /** `send`: deliver the message; `fallback_check`: see whether it arrived, else cascade. */
  kind: 'send' | 'fallback_check';
  /** The message as it was when claimed (read in the claiming transaction). */
  message: Message;
}

export interface ProjectsRepo {
  create(project: Project): Promise<void>;
  get(id: string): Promise<Project | null>;
  list(): Promise<Project[]>;
  update(id: string, patch: Partial<Pick<Project, 'name' | 'allowedOrigins' | 'allowedCountries' | 'defaultCountry' | 'limits' | 'prices' | 'fallbacks' | 'allowedNumberTypes' | 'development'>>): Promise<Project | null>;
}

export interface KeysRepo {
  create(key: ApiKey, hash: string): Promise<void>;
  /** One indexed query by SHA-256 hash, with the key's project. */
  findByHash(hash: string): Promise<{ key: ApiKey; project: Project } | null>;
  list(projectId: string): Promise<ApiKey[]>;
  revoke(id: string, at: number): Promise<boolean>;
}

export interface TemplatesRepo {
  upsert(template: Template): Promise<void>;
  get(projectId: string, name: string): Promise<Template | null>;
  list(projectId: string): Promise<Template[]>;
}

export interface ConnectorsRepo {
  create(record: ConnectorRecord): Promise<void>;
  get(id: string): Promise<ConnectorRecord | null>;
  list(projectId: string): Promise<ConnectorRecord[]>;
  /** Enabled connectors serving `channel`, by priority. */
  forChannel(projectId: string, channel: Channel): Promise<ConnectorRecord[]>;
  remove(id: string): Promise<boolean>;
}

export interface EnqueueInput {
  message: Message;
  /** Stored in the same transaction; a clash on (keyId, idempotencyKey) rolls the message back. */
  idempotency?: Omit<IdempotencyRecord, 'createdAt'> & { createdAt: number };
  dueAt: number;
  /**
   * The outbox row is written already leased (first attempt) to an in-process worker that takes
   * the message from memory: no claim transaction. After a crash the lease expires like any other.
   */
  lease?: OutboxLease;
}

/** Who holds an outbox row, and until when (ms). */
export interface OutboxLease {
  owner: string;
  until: number;
}

export interface MessagesRepo {
  /**
   * Writes the message, its outbox row and its idempotency record in one transaction. When the
   * idempotency key is already taken, nothing is written and the stored record is returned.
   */
  enqueue(input: EnqueueInput): Promise<{ ok: true } | { ok: false; existing: IdempotencyRecord }>;
  /**
   * The message and its outbox lease (null without an outbox row, 0 when free). A `queued` or
   * `scheduled` message whose lease is running is being sent: no status is written for that.
   */
  get(id: string): Promise<(Message & { leaseUntil: number | null }) | null>;
  getByProviderId(connectorId: string, providerMessageId: string): Promise<Message | null>;
  attempts(id: string): Promise<MessageAttemptRecord[]>;
  /** Count of messages in the project (tests and analytics). */
  count(projectId?: string): Promise<number>;
}

export interface OutboxRepo {
  /** Claims up to `limit` due rows whose lease is free or expired (their messages read as `sending`). */
  claim(now: number, limit: number, leaseMs: number, owner: string): Promise<ClaimedJob[]>;
  /**
   * The attempt succeeded: record it and update the message. The outbox row is deleted, or — with
   * `fallbackAt` — kept as a `fallback_check` due then.
   */
  complete(job: ClaimedJob, result: { attempt: MessageAttemptRecord; status: MessageStatus; at: number; fallbackAt?: number }): Promise<void>;
  /** Nothing more to do for the message (a fallback check found it delivered): delete the outbox row. */
  finish(job: ClaimedJob): Promise<void>;
  /** Brings a pending fallback check forward to `at` (the provider reported a failure). */
  expedite(messageId: string, at: number): Promise<void>;
  /** Try again at `dueAt` (transient failure or failover): record the attempt, free the lease. */
  retry(job: ClaimedJob, result: { attempt: MessageAttemptRecord | null; dueAt: number; errorCode: string | null; errorMessage: string | null; at: number; resetAttempts?: boolean; channel?: Channel; cascade?: Channel[] }): Promise<void>;
  /** The message failed for good: record it, delete the outbox row. */
  fail(job: ClaimedJob, result: { attempt: MessageAttemptRecord | null; errorCode: string; errorMessage: string; at: number }): Promise<void>;
  /** Extends the job's lease to `until`; false when the job's worker no longer holds it. */
  renew(job: ClaimedJob, until: number): Promise<boolean>;
  /** Gives the jobs' leases up (a stopping worker), so any worker may claim them at once. */
  release(jobs: ClaimedJob[]): Promise<void>;
  /** Rows waiting (tests, readiness, metrics). */
  pending(): Promise<number>;
  /** The earliest due time among rows, or null. */
  nextDue(): Promise<number | null>;
}

export interface IdempotencyRepo {
  get(keyId: string, idempotencyKey: string): Promise<IdempotencyRecord | null>;
  /** Deletes records older than `before`; returns how many. */
  purge(before: number): Promise<number>;
}

export interface StatusRepo {
  /** Applies a provider-reported status unless it would move the message backwards. */
  applyProviderStatus(input: { messageId: string; status: MessageStatus; errorCode: string | null; at: number }): Promise<boolean>;
}

export interface OptOutsRepo {
  add(projectId: string, address: string, at: number): Promise<void>;
  has(projectId: string, address: string): Promise<boolean>;
}

export interface AuditRepo {
  record(entry: { projectId: string | null; actor: string; action: string; detail?: Record<string, unknown>; at: number }): Promise<void>;
}

/** A project's verification settings (`verify set`); absent fields take their defaults. */
export interface VerifySettings {
  /** Code length, 4–10. @default 6 */
  codeLength: number;
  /** `numeric`, or uppercase `alphanumeric` without look-alike characters. @default 'numeric' */
  alphabet: 'numeric' | 'alphanumeric';
  /** Minutes a code stays valid, 1–30. @default 10 */
  ttlMinutes: number;
  /** Wrong codes accepted before a session closes. @default 5 */
  maxAttempts: number;
  /** Seconds before a code may be sent again to a pending session. @default 30 */
  cooldownSeconds: number;
  /**
   * Codes sent to one recipient per 10 minutes at the request of one client (a public key's
   * client IP, IPv6 by /64; all secret keys of the project count as one client). @default 5
   */
  maxSendsPer10Minutes: number;
  /** Codes sent to one recipient per 10 minutes, all clients and keys together. @default 15 */
  maxSendsPerRecipientPer10Minutes: number;
  /** Codes a public key may have sent per hour (secret keys: the project's `perKeyPerHour`). @default 200 */
  maxSendsPerKeyPerHour: number;
  /** Codes sent to one country per 24 hours, every key. @default 1000 */
  maxSendsPerCountryPerDay: number;
  /** Codes sent to one number range (`+212612`) per 24 hours, every key. @default 200 */
  maxSendsPerPrefixPerDay: number;
  /**
   * Success-rate guard: once `guardMinSends` codes went to a country or number range in the last
   * hour, new sends there are refused while fewer than `guardMinSuccessPercent` % of them were
   * verified. `0` turns the guard off. @default 20
   */
  guardMinSuccessPercent: number;
  /** Codes in the last hour before the guard judges a country or number range. @default 20 */
  guardMinSends: number;
  /** `{{brand}}` in the message. @default the project name */
  brand: string | null;
  /** Message body; `{{code}}`, `{{brand}}` and `{{ttl}}` are filled in. @default '{{code}} is your {{brand}} verification code. It expires in {{ttl}} minutes.' */
  body: string | null;
  /** Email subject. @default '{{brand}} verification code' */
  subject: string | null;
  /** Lifetime of the signed token a valid check returns, in minutes (1–60). @default 10 */
  tokenTtlMinutes: number;
  /**
   * CAPTCHA required from public keys before a code is sent: a third-party service (its secret
   * sealed), or `pow`, the relay's own proof of work. @default null
   */
  captcha: { provider: 'turnstile' | 'hcaptcha' | 'recaptcha'; sealedSecret: string } | { provider: 'pow' } | null;
  /** Whether public-key template sends (`POST /v1/messages`) need the CAPTCHA too. @default false */
  captchaOnSends: boolean;
  /** The proof of work's `maxnumber`: hashes a solver tries at most (half on average). @default 100000 */
  powMaxNumber: number;
}

/** One verification: the code is kept only as its HMAC. */
export interface VerifySession {
  id: string;
  projectId: string;
  /** The key that started it: only that key may check it. */
  keyId: string;
  /**
   * Who asked (an opaque hash of the client IP for public keys, `secret` for secret keys): a
   * pending session is resent only for the client that started it, so a stranger never shares it.
   */
  client: string;
  channel: Channel;
  /** The normalised recipient (E.164 for phone channels). */
  to: string;
  /** Hex HMAC-SHA256 of the current code. */
  codeHmac: string;
  codeLength: number;
  alphabet: 'numeric' | 'alphanumeric';
  /** `expired` is written only when a newer session replaces an expired pending one. */
  status: 'pending' | 'approved' | 'canceled' | 'expired';
  /** Wrong codes so far. */
  attempts: number;
  maxAttempts: number;
  /** Codes sent in this session (first send included). */
  sends: number;
  lastSentAt: number;
  expiresAt: number;
  verifiedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface VerifySendInput {
  /** The session as it is after this send: new, or the pending one with its new code. */
  session: VerifySession;
  /** For a resend, the `lastSentAt` read before: another send in between makes this one a `conflict`. */
  resendOf: { lastSentAt: number } | null;
  message: Message;
  dueAt: number;
  /** Where the code goes, for the counts behind the limits: phone channels have a country and prefix. */
  scope: { country: string | null; prefix: string | null };
  /** The windows the counts look back over (ms since epoch). */
  since: VerifySendWindows;
  /**
   * Decides from the counts, inside the send's transaction (so concurrent sends, from any relay on
   * the database, see each other), whether this send may go: null, or the refusal to answer with.
   */
  admit: (counts: VerifySendCounts) => VerifyRefusal | null;
  idempotency?: IdempotencyRecord;
}

/** Starts of the windows verification sends are counted over. */
export interface VerifySendWindows {
  /** The per-recipient window (10 minutes). */
  recipient: number;
  /** The per-key window and the guard's window (1 hour). */
  hour: number;
  /** The per-country and per-prefix caps' window (24 hours). */
  day: number;
}

/** Counts and oldest send time in one window. */
export interface WindowCount {
  count: number;
  oldestAt: number | null;
}

/** Sends to a country or number range: a day's, the last hour's, and how many of those were verified. */
export interface AreaCounts {
  day: WindowCount;
  hour: WindowCount & { verified: number };
}

/** Codes already sent, as the limits count them; read inside the send's transaction. */
export interface VerifySendCounts {
  recipient: { all: WindowCount; client: WindowCount };
  key: WindowCount;
  country: AreaCounts | null;
  prefix: AreaCounts | null;
}

/** Why a verification send was refused, and when it may be tried again. */
export type VerifyRefusal =
  | { reason: 'recipient_client' | 'recipient' | 'key' | 'country' | 'prefix'; max: number; retryAt: number }
  | { reason: 'throttled'; area: 'country' | 'prefix'; sent: number; verified: number; retryAt: number };

export type VerifySendResult =
  | { ok: true }
  | { ok: false; reason: 'refused'; refusal: VerifyRefusal }
  | { ok: false; reason: 'conflict' }
  | { ok: false; reason: 'idempotent'; existing: IdempotencyRecord };

export interface VerifyCheckInput {
  sessionId: string;
  /** `approved` for a matching code (only while `codeHmac` is still the session's), else a wrong attempt. */
  outcome: { matched: true; codeHmac: string } | { matched: false };
  at: number;
  idempotency?: IdempotencyRecord;
}

export type VerifyCheckResult =
  | { ok: true; session: VerifySession }
  /** The session changed since it was read (or is no longer pending): read it again. */
  | { ok: false; reason: 'conflict' }
  | { ok: false; reason: 'idempotent'; existing: IdempotencyRecord };

export interface VerifyRepo {
  getSettings(projectId: string): Promise<Partial<VerifySettings>>;
  saveSettings(projectId: string, settings: Partial<VerifySettings>): Promise<void>;
  get(id: string): Promise<VerifySession | null>;
  /** The newest unexpired pending session of this key and client for this recipient and channel. */
  findPending(input: { projectId: string; keyId: string; client: string; channel: Channel; to: string; now: number }): Promise<VerifySession | null>;
  /**
   * Writes the session, the message, its outbox row, the send record and the idempotency record
   * in one transaction — or nothing, when `admit`, a concurrent send or the idempotency key says no.
   */
  send(input: VerifySendInput): Promise<VerifySendResult>;
  /**
   * Records a check: approves the session (and marks its sends verified, for the success-rate
   * guard), or counts a wrong code (closing it at `maxAttempts`).
   */
  check(input: VerifyCheckInput): Promise<VerifyCheckResult>;
}

/** A project's token-signing key pair; the private JWK is sealed. */
export interface SigningKeyRecord {
  kid: string;
  projectId: string;
  alg: 'ES256';
  publicJwk: Record<string, unknown>;
  sealedPrivateJwk: string;
  createdAt: number;
}

export interface SigningKeysRepo {
  /** The project's newest keys, newest first. */
  latest(projectId: string, limit: number): Promise<SigningKeyRecord[]>;
  /** Stores `key` unless the project already has a key; returns the project's current key. */
  insertIfNone(key: SigningKeyRecord): Promise<SigningKeyRecord>;
  /** Makes `key` the current one and deletes all but the `keep` newest keys of the project. */
  rotate(key: SigningKeyRecord, keep: number): Promise<void>;
}

/** Every repository of one backend. Nothing outside `store/` writes SQL. */
export interface Store {
  projects: ProjectsRepo;
  keys: KeysRepo;
  templates: TemplatesRepo;
  connectors: ConnectorsRepo;
  messages: MessagesRepo;
  outbox: OutboxRepo;
  idempotency: IdempotencyRepo;
  status: StatusRepo;
  optOuts: OptOutsRepo;
  audit: AuditRepo;
  verify: VerifyRepo;
  signingKeys: SigningKeysRepo;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
