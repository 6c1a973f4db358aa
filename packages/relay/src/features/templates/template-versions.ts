import {
  previewTemplateRequestSchema,
  type PreviewTemplateResponse,
  type TemplateVersionView,
  type TemplateView,
} from '@messagejs/shared-types';
import type { Page, PageRequest, Project, Template, TemplateVersionRecord } from '../../store/types.js';
import type { Principal } from '../../domain/principal.js';
import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { countSegments } from '../../domain/segments.js';
import { defaultPriceTable, estimateCost } from '../../domain/pricing.js';
import { isPhoneChannel, resolveRecipient } from '../recipients/recipients.js';
import { renderTemplate, validateParams } from './templates.js';
import { writeVersion } from './admin-templates.js';
import { projectFor, templateFor, viewOf, type TemplateDeps } from './manage-templates.js';
import { versionView } from './views.js';

/** A kept version of the template, or `404 template_version_not_found`. */
async function versionFor(deps: TemplateDeps, template: Template, raw: string): Promise<TemplateVersionRecord> {
  const n = /^[1-9]\d{0,8}$/.test(raw) ? Number(raw) : NaN;
  const found = Number.isInteger(n) ? await deps.store.templates.version(template.id, n) : null;
  if (!found) {
    throw new AppError(
      'template_version_not_found',
      `Template \`${template.name}\` has no version ${raw.slice(0, 20)}.`,
      { field: 'version' },
    );
  }
  return found;
}

/** `GET …/templates/:name/versions`: newest first. */
export async function listVersions(
  deps: TemplateDeps,
  principal: Principal,
  ids: { projectId: string; name: string },
  page: PageRequest,
): Promise<Page<TemplateVersionView>> {
  const project = await projectFor(deps.store, principal, ids.projectId);
  const template = await templateFor(deps.store, project, ids.name);
  const found = await deps.store.templates.versions(template.id, page);
  return { items: found.items.map((v) => versionView(v, template.version)), next: found.next };
}

/** `GET …/templates/:name/versions/:version`. */
export async function getVersion(
  deps: TemplateDeps,
  principal: Principal,
  ids: { projectId: string; name: string; version: string },
): Promise<TemplateVersionView> {
  const project = await projectFor(deps.store, principal, ids.projectId);
  const template = await templateFor(deps.store, project, ids.name);
  return versionView(await versionFor(deps, template, ids.version), template.version);
}

/**
 * `POST …/templates/:name/versions/:version/restore` (`manage_templates`): the kept version's
 * definition becomes the template's next version (history is never rewritten).
 */
export async function restoreVersion(
  deps: TemplateDeps,
  principal: Principal,
  ids: { projectId: string; name: string; version: string },
  actor: Actor,
): Promise<TemplateView> {
  const project = await projectFor(deps.store, principal, ids.projectId, 'manage_templates');
  const template = await templateFor(deps.store, project, ids.name);
  const kept = await versionFor(deps, template, ids.version);
  const input = { projectId: project.id, name: template.name, definition: kept.definition, now: deps.now(), actor };
  const outcome = await writeVersion(deps.store, input, {
    force: true,
    action: 'template.restore',
    detail: { restoredFrom: kept.version },
  });
  return viewOf(deps.store, outcome.template);
}

/** The country a preview is priced for: the recipient's, else the project's default. */
function previewCountry(project: Project, template: Template, to: string | undefined): string | null {
  if (!isPhoneChannel(template.channel)) return null;
  const address = template.recipient.mode === 'fixed' ? template.recipient.to : to;
  if (address === undefined) return project.defaultCountry;
  return resolveRecipient(template.channel, address, project, 'to').country;
}

/**
 * `POST …/templates/:name/preview` (any member who sees the project): the template (or one of its
 * versions) rendered with sample params — checked as a send checks them — with the segments,
 * encoding and estimated cost a send would have. Sends and stores nothing.
 */
export async function previewTemplate(
  deps: TemplateDeps,
  principal: Principal,
  ids: { projectId: string; name: string },
  body: unknown,
): Promise<PreviewTemplateResponse> {
  const project = await projectFor(deps.store, principal, ids.projectId);
  const current = await templateFor(deps.store, project, ids.name);
  const parsed = previewTemplateRequestSchema.safeParse(body ?? {});
  if (!parsed.success) throw toValidationError(parsed.error);
  const { params, to, version } = parsed.data;
  const template: Template =
    version === undefined || version === current.version
      ? current
      : { ...current, ...(await versionFor(deps, current, String(version))).definition, version };
  if (to !== undefined && template.recipient.mode === 'fixed') {
    throw new AppError(
      'validation_failed',
      `Template \`${template.name}\` has a fixed recipient; do not pass \`to\`.`,
      {
        field: 'to',
      },
    );
  }
  const rendered = renderTemplate(template, validateParams(template, params));
  const seg = isPhoneChannel(template.channel) ? countSegments(rendered.text) : null;
  const country = previewCountry(project, template, to);
  const cost = seg
    ? estimateCost(project.prices ?? defaultPriceTable, { channel: template.channel, country, segments: seg.segments })
    : null;
  return {
    version: template.version,
    channel: template.channel,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    segments: seg?.segments ?? null,
    encoding: seg?.encoding ?? null,
    estimatedCost: cost,
  };
}
