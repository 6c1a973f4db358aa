import type { Channel } from '@messagejs/shared-types';
import type { VerifySession } from './types/index.js';

/**
 * A row of `verify_sessions`. The same on every backend (the PostgreSQL schema mirrors SQLite's
 * columns and value representations), and so is the mapper below, shared by both.
 */
export interface VerifySessionRow {
  id: string;
  project_id: string;
  key_id: string;
  client: string;
  channel: Channel;
  recipient: string;
  country: string | null;
  /** JSON array of message ids. */
  message_ids: string;
  code_hmac: string;
  code_length: number;
  alphabet: VerifySession['alphabet'];
  status: VerifySession['status'];
  attempts: number;
  max_attempts: number;
  sends: number;
  last_sent_at: number;
  expires_at: number;
  verified_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Maps a `verify_sessions` row to its session. */
export const toVerifySession = (r: VerifySessionRow): VerifySession => ({
  id: r.id,
  projectId: r.project_id,
  keyId: r.key_id,
  client: r.client,
  channel: r.channel,
  to: r.recipient,
  country: r.country,
  messageIds: JSON.parse(r.message_ids) as string[],
  codeHmac: r.code_hmac,
  codeLength: r.code_length,
  alphabet: r.alphabet,
  status: r.status,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  sends: r.sends,
  lastSentAt: r.last_sent_at,
  expiresAt: r.expires_at,
  verifiedAt: r.verified_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The columns the history reads (`verify.page`), in `VerifySessionRow`'s shape: every one but the
 * code's hash, which it reads as ''. A list never holds what could test a guessed code.
 */
export const verifyHistoryColumns = [
  'id',
  'project_id',
  'key_id',
  'client',
  'channel',
  'recipient',
  'country',
  'message_ids',
  "'' AS code_hmac",
  'code_length',
  'alphabet',
  'status',
  'attempts',
  'max_attempts',
  'sends',
  'last_sent_at',
  'expires_at',
  'verified_at',
  'created_at',
  'updated_at',
] as const;
