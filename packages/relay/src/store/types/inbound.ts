import type { Channel, InboundLanguage } from '@messagejs/shared-types';
import type { Page, PageRequest } from './page.js';

/** The opt-out keywords the relay acts on. */
export type InboundKeyword = 'stop' | 'start' | 'help';

/** An attachment of an inbound message, as the provider gave it. */
export interface InboundMediaRecord {
  url: string | null;
  contentType: string | null;
  providerMediaId: string | null;
}

/** A message a recipient sent to one of a project's numbers or bots (features/inbound). */
export interface InboundRecord {
  /** `inb_…`. */
  id: string;
  projectId: string;
  /** The connector whose hook URL it came through. */
  connectorId: string;
  channel: Channel;
  /** The provider's id: a connector stores each one once. */
  providerMessageId: string;
  /** The sender (E.164 for phone channels, a chat id for Telegram): the conversation's counterpart. */
  from: string;
  /** The project's number or bot ('' when the provider does not say). */
  to: string;
  text: string;
  media: InboundMediaRecord[];
  senderName: string | null;
  /** The developer's user id from a phone mapping of the sender; null when unrouted. */
  userId: string | null;
  keyword: InboundKeyword | null;
  /** What the relay answered, or null. */
  autoReply: string | null;
  /** The outbound message that carried the answer, when one did. */
  replyMessageId: string | null;
  receivedAt: number;
  /** The provider's send time, if it says. */
  sentAt: number | null;
  processingMs: number;
}

/** Filters of the inbound list, combined with AND; each one left out matches every message. */
export interface InboundFilter {
  from?: string;
  to?: string;
  /** The last digits of the recipient (the project's number). */
  toSuffix?: string;
  channel?: Channel;
  connectorId?: string;
  userId?: string;
  keyword?: InboundKeyword;
  /** Received at or after (ms). */
  receivedFrom?: number;
  /** Received before (ms). */
  receivedBefore?: number;
  /** Text the body holds, ASCII letters in any case (as the message history's `q`). */
  text?: string;
}

/** Inbound figures over a window. */
export interface InboundStatsRecord {
  inbound: number;
  /** Messages a phone mapping routed to a user. */
  routed: number;
  keywords: Record<InboundKeyword, number>;
  autoReplies: number;
  processingMs: { avg: number | null; p50: number | null; p95: number | null; max: number | null };
}

/** How a phone mapping was verified. */
export type PhoneVerificationMethod = 'verify' | 'manual';

/** A number of one of the developer's users. */
export interface PhoneMappingRecord {
  projectId: string;
  /** E.164. */
  phone: string;
  /** The developer's own user id. */
  userId: string;
  isPrimary: boolean;
  verified: boolean;
  verificationMethod: PhoneVerificationMethod | null;
  verifiedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What may change on a phone mapping (`isPrimary` goes through `setPrimary`). */
export type PhoneMappingPatch = Partial<Pick<PhoneMappingRecord, 'verified' | 'verificationMethod' | 'verifiedAt'>>;

/** An auto-reply rule. */
export interface InboundRuleRecord {
  /** `inr_…`. */
  id: string;
  projectId: string;
  kind: 'keyword' | 'regex';
  pattern: string;
  reply: string;
  /** Lower is tried first. */
  priority: number;
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

export type InboundRulePatch = Partial<Pick<InboundRuleRecord, 'kind' | 'pattern' | 'reply' | 'priority' | 'active'>>;

/** A project's keywords and answers per language (features/inbound/keywords.ts has the defaults). */
export interface InboundSettingsData {
  defaultLanguage: string;
  languages: Record<string, InboundLanguage>;
}

/** The stored settings of a project. */
export interface InboundSettingsRecord {
  settings: InboundSettingsData;
  updatedAt: number;
}

/** Inbound messages: stored once each, listed, counted. */
export interface InboundMessagesRepo {
  /**
   * Stores the message unless its connector already stored one with this provider id (a
   * provider's retry): true when it was stored.
   */
  insert(record: InboundRecord): Promise<boolean>;
  get(projectId: string, id: string): Promise<InboundRecord | null>;
  /** The message a connector stored under a provider id. */
  getByProviderId(connectorId: string, providerMessageId: string): Promise<InboundRecord | null>;
  /**
   * A project's inbound messages, newest first (`received_at`, then id in byte order), filtered.
   * The page's position key is `receivedAt`.
   */
  page(projectId: string, filter: InboundFilter, page: PageRequest): Promise<Page<InboundRecord>>;
  /** How many messages from `sender` the relay answered since `since` (ms): the auto-reply loop guard. */
  countReplies(projectId: string, sender: string, since: number): Promise<number>;
  /** Figures over messages received in [`from`, `before`). */
  stats(projectId: string, from: number, before: number): Promise<InboundStatsRecord>;
}

/** Phone mappings: a project's numbers of the developer's users. */
export interface PhoneMappingsRepo {
  /**
   * The mapping that routes an inbound message from `phone`: a verified one before an unverified
   * one, then the primary number of its user, then the oldest. Null when the number is unmapped.
   */
  routeOf(projectId: string, phone: string): Promise<PhoneMappingRecord | null>;
  getMapping(projectId: string, phone: string, userId: string): Promise<PhoneMappingRecord | null>;
  /** Mappings by number, then user id; the page's position is `{ key: phone, id: userId }`. */
  pageMappings(
    projectId: string,
    filter: { phone?: string; userId?: string },
    page: PageRequest,
  ): Promise<Page<PhoneMappingRecord>>;
  /** Adds one; false when that number was already mapped to that user (nothing changes). */
  createMapping(record: PhoneMappingRecord): Promise<boolean>;
  updateMapping(
    projectId: string,
    phone: string,
    userId: string,
    patch: PhoneMappingPatch,
    at: number,
  ): Promise<PhoneMappingRecord | null>;
  /** Makes `phone` the user's primary number (or not): with `primary`, the user's other numbers stop being primary. */
  setPrimary(projectId: string, phone: string, userId: string, primary: boolean, at: number): Promise<void>;
  removeMapping(projectId: string, phone: string, userId: string): Promise<boolean>;
}

/** Auto-reply rules and the keyword settings. */
export interface InboundConfigRepo {
  /** The project's rules in the order they are tried: priority, then creation, then id. */
  listRules(projectId: string): Promise<InboundRuleRecord[]>;
  getRule(projectId: string, id: string): Promise<InboundRuleRecord | null>;
  createRule(rule: InboundRuleRecord): Promise<void>;
  updateRule(projectId: string, id: string, patch: InboundRulePatch, at: number): Promise<InboundRuleRecord | null>;
  removeRule(projectId: string, id: string): Promise<boolean>;
  /** The stored settings, or null while the project uses the defaults. */
  getSettings(projectId: string): Promise<InboundSettingsRecord | null>;
  saveSettings(projectId: string, settings: InboundSettingsData, at: number): Promise<void>;
}

/** Everything messages in keep (issue 15): one repository, three parts. */
export type InboundRepo = InboundMessagesRepo & PhoneMappingsRepo & InboundConfigRepo;
