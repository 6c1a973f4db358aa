/**
 * Every action name the audit log records, with what it means: the registry behind
 * `GET /v1/audit-logs/actions`. Names are part of the public contract (filters use them): add
 * new ones, never rename one. A change recorded under a name missing here fails the tests.
 */
export const auditActions = {
  'account.create': 'An account was created.',
  'account.update': 'An account was renamed.',
  'auth.setup': 'The first owner was created through the setup link (or `users create`).',
  'auth.register': 'A new account and its owner signed up.',
  'auth.password': 'A member changed their password; their other sessions ended.',
  'member.create': 'A member was added from the command line.',
  'member.update': 'A member’s role or permissions changed.',
  'member.projects': 'The projects a member is limited to changed.',
  'member.suspend': 'A member was suspended: their sessions ended and their admin tokens paused.',
  'member.activate': 'A suspended member was activated again.',
  'member.remove': 'A member left the account.',
  'invite.create': 'Someone was invited to join the account.',
  'invite.revoke': 'An invite was withdrawn.',
  'invite.accept': 'An invite was accepted: a new member joined.',
  'admin_token.create': 'An admin token (`mat_…`) was created.',
  'admin_token.revoke': 'An admin token was revoked.',
  'project.create': 'A project was created.',
  'project.update': 'A project’s settings changed.',
  'project.delete': 'A project was deleted, with everything in it.',
  'project.origins': 'The origins allowed to use a project’s public keys changed.',
  'project.countries': 'A project’s allowed countries or default country changed.',
  'project.development': 'A project was switched into or out of development.',
  'project.number_types': 'The phone number types a project sends to changed.',
  'project.limits': 'A project’s rate limits changed.',
  'project.prices': 'A project’s price table changed.',
  'project.fallbacks': 'A project’s channel fallbacks changed.',
  'project.quiet_hours': 'A project’s quiet hours (when marketing messages wait) changed.',
  'key.create': 'A project key (`pk_…`/`sk_…`) was created.',
  'key.update': 'A project key’s name or rate limit changed.',
  'key.rotate': 'A project key was replaced by a new one.',
  'key.revoke': 'A project key was revoked.',
  'signing_key.rotate': 'The key that signs a project’s verification tokens was replaced.',
  'connector.create': 'A connector was added to a project.',
  'connector.update': 'A connector’s settings changed.',
  'connector.credentials': 'A connector’s credentials were replaced.',
  'connector.enable': 'A connector was enabled.',
  'connector.disable': 'A connector was disabled.',
  'connector.delete': 'A connector was deleted.',
  'template.save': 'A template was created, or its definition changed (a new version).',
  'template.flags': 'A template was switched on or off, or filed under another category.',
  'template.restore': 'An older version of a template became its next version.',
  'template.delete': 'A template was deleted with its versions.',
  'opt_out.add': 'A recipient was added to a project’s opt-out list.',
  'opt_out.remove': 'A recipient was taken off a project’s opt-out list.',
  'verify.settings': 'A project’s verification settings changed.',
  'webhook.create': 'A webhook endpoint was added to a project.',
  'webhook.update': 'A webhook endpoint’s URL, events, description or state changed.',
  'webhook.rotate': 'A webhook endpoint’s signing secret was replaced (the old one signs beside it for 24 h).',
  'webhook.delete': 'A webhook endpoint was deleted with its delivery log.',
  'webhook.replay': 'Events were sent to a webhook endpoint again.',
  'webhook.disabled': 'The relay turned a webhook endpoint off: it answered 410 Gone, or failed for 5 days.',
  'phone_mapping.create': 'A number was mapped to one of the developer’s users (inbound from it names that user).',
  'phone_mapping.update': 'A phone mapping was made primary or not, or marked verified or not.',
  'phone_mapping.delete': 'A phone mapping was removed.',
  'inbound.settings': 'A project’s inbound keywords or their answers changed.',
  'inbound_rule.create': 'An auto-reply rule was added to a project.',
  'inbound_rule.update': 'An auto-reply rule’s pattern, answer, priority or state changed.',
  'inbound_rule.delete': 'An auto-reply rule was deleted.',
} as const satisfies Readonly<Record<string, string>>;

/** An action name of the audit log. */
export type AuditActionName = keyof typeof auditActions;

/** True for a registered action name. */
export function isAuditAction(name: string): name is AuditActionName {
  return Object.hasOwn(auditActions, name);
}
