import type { Channel, VerifySessionStatus } from '@messagejs/shared-types';
import type { IdempotencyRecord } from './idempotency.js';
import type { Message } from './messages.js';
import type { Page, PageRequest } from './page.js';

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
  /** The phone number's country (ISO 3166-1 alpha-2); null for other channels and for sessions older than schema 13 whose messages were gone. */
  country: string | null;
  /** The messages that carried its codes, oldest first: the last `MAX_SESSION_MESSAGE_IDS` of them. */
  messageIds: string[];
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

/** How many of a session's message ids it keeps: the newest (`sends` counts them all). */
export const MAX_SESSION_MESSAGE_IDS = 20;

/**
 * Filters of the verification sessions' history, combined with AND; each one left out matches
 * every session.
 */
export interface VerifySessionFilter {
  /**
   * As the history shows them, judged at `now`: a pending session whose code ran out is `expired`,
   * and only one whose code is still good is `pending`.
   */
  statuses?: readonly VerifySessionStatus[];
  channel?: Channel;
  country?: string;
  /** The recipient: the whole address, or (`suffix`) its last digits. */
  to?: { exact: string } | { suffix: string };
  /** Created at or after (ms). */
  createdFrom?: number;
  /** Created before (ms). */
  createdBefore?: number;
  /** The time `statuses` are judged at (ms). */
  now: number;
}

/** What `verify.send` writes for one code sent, and how it decides whether it may. */
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

/** Whether a code was sent, or why not. */
export type VerifySendResult =
  | { ok: true }
  | { ok: false; reason: 'refused'; refusal: VerifyRefusal }
  | { ok: false; reason: 'conflict' }
  | { ok: false; reason: 'idempotent'; existing: IdempotencyRecord };

/** What `verify.check` records for one code checked. */
export interface VerifyCheckInput {
  sessionId: string;
  /** `approved` for a matching code (only while `codeHmac` is still the session's), else a wrong attempt. */
  outcome: { matched: true; codeHmac: string } | { matched: false };
  at: number;
  idempotency?: IdempotencyRecord;
}

/** The session after a check, or why it was not recorded. */
export type VerifyCheckResult =
  | { ok: true; session: VerifySession }
  /** The session changed since it was read (or is no longer pending): read it again. */
  | { ok: false; reason: 'conflict' }
  | { ok: false; reason: 'idempotent'; existing: IdempotencyRecord };

/** Verification settings, sessions and the log of codes sent. */
export interface VerifyRepo {
  getSettings(projectId: string): Promise<Partial<VerifySettings>>;
  saveSettings(projectId: string, settings: Partial<VerifySettings>): Promise<void>;
  get(id: string): Promise<VerifySession | null>;
  /** The newest unexpired pending session of this key and client for this recipient and channel. */
  findPending(input: {
    projectId: string;
    keyId: string;
    client: string;
    channel: Channel;
    to: string;
    now: number;
  }): Promise<VerifySession | null>;
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
  /**
   * A project's sessions, newest first (`created_at`, then id, both descending), filtered: the
   * history. The page's position key is `createdAt`. The sessions' `codeHmac` is left empty: the
   * history never reads it.
   */
  page(projectId: string, filter: VerifySessionFilter, page: PageRequest): Promise<Page<VerifySession>>;
}
