import { z } from 'zod';
import { addOptOutRequestSchema, channels, type Channel, type OptOut, type OptOutCheck } from '@messagejs/shared-types';
import type { OptOutRecord, OptOutSource, Page, PageRequest, Project, Store } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { normalizePhone, type CountryCode } from '../../domain/phone.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { systemPrincipal, type Principal } from '../../domain/principal.js';
import { can, forbidden } from '../../domain/permissions.js';
import { maskAddress } from '../../domain/mask.js';
import { recordChange } from '../audit/record-change.js';
import { projectFor } from '../projects/require-project.js';

/**
 * Opt-outs (a project's blacklist): list, add with a reason, remove, check one address. Shared by
 * the CLI and the admin API. Changing them needs `manage_contacts`; reading them, `manage_contacts`
 * or `view_history`. A send to an opted-out recipient is refused with `403 recipient_opted_out`
 * before anything is stored.
 */

const iso = (ms: number) => new Date(ms).toISOString();

/** An opt-out as admin answers show it. */
export function optOutView(o: OptOutRecord): OptOut {
  return { address: o.address, reason: o.reason, source: o.source, createdAt: iso(o.createdAt) };
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

const invalid = (field: string, what: string) =>
  new AppError('validation_failed', `\`${field}\` is not ${what}.`, { field });

/** Built once: a schema made per call cost 10 µs an address (an import checks 100,000). */
const EMAIL = z.email();

/**
 * The address as sends store it, so an opt-out matches them: a phone number in E.164 (a national
 * one needs `channel` sms/whatsapp and the project's default country), an email with its domain in
 * lower case, anything else (a chat id) as given. Without `channel`: `+…` or `00…` is a phone
 * number, `…@…` an email.
 */
export function normaliseAddress(
  input: string,
  channel: Channel | undefined,
  project: Project,
  field = 'address',
): string {
  const value = input.trim();
  const phone = channel ? channel === 'sms' || channel === 'whatsapp' : /^(\+|00)/.test(value);
  if (phone) {
    const result = normalizePhone(value, {
      defaultCountry: (project.defaultCountry ?? undefined) as CountryCode | undefined,
    });
    if (!result.ok) throw invalid(field, 'a valid phone number');
    return result.e164;
  }
  const email = channel ? channel === 'email' : /^[^@\s]+@[^@\s]+$/.test(value);
  if (email) {
    if (value.length > 254 || !EMAIL.safeParse(value).success) throw invalid(field, 'a valid email address');
    const at = value.lastIndexOf('@');
    return value.slice(0, at) + value.slice(at).toLowerCase();
  }
  // No address holds a control character (and PostgreSQL text cannot store a NUL).
  if (value.length === 0 || value.length > 320 || CONTROL.test(value)) throw invalid(field, 'an address');
  return value;
}

/** `?channel=` of the routes that name one address in their path. */
function channelOf(value: string | undefined): Channel | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = z.enum(channels).safeParse(value);
  if (!parsed.success) throw invalid('channel', `a channel (${channels.join(', ')})`);
  return parsed.data;
}

/** The project, for reading opt-outs: `manage_contacts` or, failing that, `view_history`. */
async function readable(store: Store, projectId: string, principal: Principal): Promise<Project> {
  const project = await projectFor(store, projectId, null, principal);
  if (!can(principal, 'manage_contacts') && !can(principal, 'view_history')) throw forbidden('view_history');
  return project;
}

/** The project's opt-outs, newest first. */
export async function pageOptOuts(
  store: Store,
  projectId: string,
  page: PageRequest,
  principal: Principal = systemPrincipal,
): Promise<Page<OptOutRecord>> {
  await readable(store, projectId, principal);
  return store.optOuts.page(projectId, page);
}

/** "Check one number": whether `address` opted out of the project's messages, and why. */
export async function checkOptOut(
  store: Store,
  ids: { projectId: string; address: string; channel?: string },
  principal: Principal = systemPrincipal,
): Promise<OptOutCheck> {
  const project = await readable(store, ids.projectId, principal);
  const address = normaliseAddress(ids.address, channelOf(ids.channel), project);
  const found = await store.optOuts.get(project.id, address);
  return {
    address,
    optedOut: found !== null,
    reason: found?.reason ?? null,
    source: found?.source ?? null,
    createdAt: found ? iso(found.createdAt) : null,
  };
}

/**
 * Adds an opt-out with its reason. `created` is false when the address had already opted out
 * (it keeps its first reason; nothing is written or audited then).
 */
export async function addOptOut(
  store: Store,
  projectId: string,
  body: unknown,
  now: number,
  actor: Actor = systemActor,
): Promise<{ optOut: OptOut; created: boolean }> {
  const project = await projectFor(store, projectId, 'manage_contacts', actor.principal);
  const parsed = addOptOutRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const address = normaliseAddress(parsed.data.address, parsed.data.channel, project);
  const source: OptOutSource = actor.principal.kind === 'cli' ? 'cli' : 'api';
  return store.transaction(async (tx) => {
    const created = await tx.optOuts.add(project.id, address, now, { reason: parsed.data.reason ?? null, source });
    const record = (await tx.optOuts.get(project.id, address))!;
    if (created) {
      await recordChange(tx, actor, {
        projectId: project.id,
        accountId: project.accountId,
        action: 'opt_out.add',
        resource: { type: 'opt_out', id: maskAddress(address) },
        after: optOutView(record),
        at: now,
      });
    }
    return { optOut: optOutView(record), created };
  });
}

/** Removes an opt-out: sends to the address are accepted again. `404 opt_out_not_found` when there is none. */
export async function removeOptOut(
  store: Store,
  ids: { projectId: string; address: string; channel?: string },
  now: number,
  actor: Actor = systemActor,
): Promise<void> {
  const project = await projectFor(store, ids.projectId, 'manage_contacts', actor.principal);
  const address = normaliseAddress(ids.address, channelOf(ids.channel), project);
  const found = await store.optOuts.get(project.id, address);
  if (!found) throw new AppError('opt_out_not_found', 'This address has not opted out.', { field: 'address' });
  await store.transaction(async (tx) => {
    await tx.optOuts.remove(project.id, address);
    await recordChange(tx, actor, {
      projectId: project.id,
      accountId: project.accountId,
      action: 'opt_out.remove',
      resource: { type: 'opt_out', id: maskAddress(address) },
      before: optOutView(found),
      at: now,
    });
  });
}
