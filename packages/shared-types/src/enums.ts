/**
 * Phone number types as libphonenumber reports them, in snake case: what a project lists in its
 * allowed number types and `POST /v1/recipients/analyze` reports. `unknown` when the numbering
 * plan cannot tell.
 */
export const numberTypes = [
  'mobile',
  'fixed_line_or_mobile',
  'fixed_line',
  'premium_rate',
  'toll_free',
  'shared_cost',
  'voip',
  'personal_number',
  'pager',
  'uan',
  'voicemail',
  'unknown',
] as const;
export type NumberType = (typeof numberTypes)[number];

/** Delivery channels. `console` is the development channel: printed and kept by the relay. */
export const channels = ['sms', 'whatsapp', 'telegram', 'email', 'chat', 'console'] as const;
export type Channel = (typeof channels)[number];

/** Channels a verification code can be sent on. */
export const verifyChannels = ['sms', 'whatsapp', 'telegram', 'email', 'console'] as const satisfies readonly Channel[];
export type VerifyChannel = (typeof verifyChannels)[number];

/** Message lifecycle: `scheduled → queued → sending → sent → delivered → read`, or a failure. */
export const messageStatuses = [
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'undelivered',
  'canceled',
  'expired',
] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/** How soon a due message is claimed: `high` (OTP, alerts) before `normal` before `low`. */
export const messagePriorities = ['high', 'normal', 'low'] as const;
export type MessagePriority = (typeof messagePriorities)[number];

/**
 * What a message is for. `marketing` waits out the project's quiet hours in the recipient's time
 * zone; every category respects opt-outs.
 */
export const messageCategories = ['transactional', 'marketing', 'otp', 'alert'] as const;
export type MessageCategory = (typeof messageCategories)[number];

/** Statuses after which nothing more will happen to a message. */
export const finalStatuses = ['delivered', 'read', 'failed', 'undelivered', 'canceled', 'expired'] as const;

/**
 * What a member or an admin token may do on the management plane. Roles are sets of these, and an
 * owner or admin may grant or withdraw single ones per member.
 */
export const permissions = [
  'send_messages',
  'view_history',
  'export_data',
  'view_analytics',
  'manage_templates',
  'manage_keys',
  'manage_connectors',
  'manage_webhooks',
  'manage_contacts',
  'manage_campaigns',
  'manage_members',
  'manage_settings',
  'view_audit',
] as const;
export type Permission = (typeof permissions)[number];

/** What a template is for: a label to sort and filter templates by (issue 12). */
export const templateCategories = [
  'marketing',
  'notifications',
  'alerts',
  'reminders',
  'confirmations',
  'promotions',
  'otp',
  'other',
] as const;
export type TemplateCategory = (typeof templateCategories)[number];

/** A member's role in an account, most powerful first. */
export const roles = ['owner', 'admin', 'manager', 'sender', 'viewer'] as const;
export type Role = (typeof roles)[number];

/** CAPTCHA providers a project may ask of public keys, besides the relay's own proof of work (`pow`). */
export const captchaProviders = ['turnstile', 'hcaptcha', 'recaptcha'] as const;
export type CaptchaProvider = (typeof captchaProviders)[number];

/** Headers the relay reads or sets. */
export const headers = {
  idempotencyKey: 'Idempotency-Key',
  requestId: 'X-Request-Id',
  idempotentReplayed: 'Idempotent-Replayed',
  /** Names the project an admin credential sends for on `POST /v1/messages`. */
  project: 'MessageJS-Project',
  /** The CSRF token a cookie-authenticated write sends back. */
  csrfToken: 'X-CSRF-Token',
} as const;
