import { z } from 'zod';
import { channels, templateCategories } from '../enums.js';
import { paramsSchema } from './messages.js';
import { pageQueryShape } from './page.js';

const channelSchema = z.enum(channels);

/** What a template is for. */
export const templateCategorySchema = z.enum(templateCategories).describe('What a template is for.');

/** A template's name: lowercase letters, digits, `_` and `-`, up to 100 characters. */
export const templateNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'must be lowercase letters, digits, _ or -')
  .describe('A template name: lowercase letters, digits, `_` and `-`.');

/**
 * A declared template param. `pattern` is RE2 syntax matched in linear time; the relay refuses, at
 * save time, a pattern it cannot match so (look-arounds, back-references).
 */
export const templateParamSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('text'),
      maxLength: z.number().int().min(1).max(10_000),
      required: z.boolean().optional(),
      /** Line breaks allowed when the caller chooses the recipient (always allowed otherwise). */
      multiline: z.boolean().optional(),
      /** Links and domain names allowed when the caller chooses the recipient (always allowed otherwise). */
      allowLinks: z.boolean().optional(),
    }),
    z.strictObject({ type: z.literal('email'), required: z.boolean().optional() }),
    z.strictObject({
      type: z.literal('number'),
      min: z.number().optional(),
      max: z.number().optional(),
      integer: z.boolean().optional(),
      required: z.boolean().optional(),
    }),
    z.strictObject({
      type: z.literal('pattern'),
      pattern: z.string().min(1).max(500),
      /** The longest value accepted, up to 1,000 characters. @default 200 */
      maxLength: z.number().int().min(1).max(1000).optional(),
      required: z.boolean().optional(),
    }),
  ])
  .describe('A declared template param: its type and bounds.');

/** Who receives a template's messages: always the same address, or the one the caller names. */
export const templateRecipientSchema = z
  .union([
    z.strictObject({ mode: z.literal('fixed'), to: z.string().min(1).max(320) }),
    z.strictObject({ mode: z.literal('caller') }),
  ])
  .describe('`fixed`: always `to` (a contact form); `caller`: the sender names the recipient.');

const definitionShape = {
  channel: channelSchema,
  /** A cascade order starting with `channel` (`["whatsapp", "sms"]`). */
  channels: z.array(channelSchema).min(1).max(5).optional(),
  recipient: templateRecipientSchema,
  /** The email subject (`{{param}}` placeholders allowed). */
  subject: z.string().min(1).max(500).optional(),
  /** The text, with `{{param}}` placeholders, each a declared param. */
  body: z.string().min(1).max(10_000),
  /** An HTML body for email; param values are escaped in it. */
  html: z.string().min(1).max(100_000).optional(),
  params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), templateParamSchema).default({}),
  /** Left out: the template's current category (`other` for a new one). */
  category: templateCategorySchema.optional(),
};

/** `PUT /v1/projects/:projectId/templates/:name`: a template's whole definition (a new version when it changed). */
export const templateDefinitionSchema = z
  .strictObject(definitionShape)
  .describe('A template definition: every save that changes it is kept as a new version.');

/** `POST /v1/projects/:projectId/templates`, and the JSON/YAML files of `messagejs-relay templates add --file`. */
export const templateInputSchema = z
  .strictObject({ name: templateNameSchema, ...definitionShape })
  .describe('A new template: its name and definition.');

/** `PATCH /v1/projects/:projectId/templates/:name`: switch it on or off, or file it under another category. */
export const updateTemplateRequestSchema = z
  .strictObject({
    /** An inactive template refuses sends with `422 template_inactive`; not a new version. */
    active: z.boolean().optional(),
    /** A new version with the same definition under this category. */
    category: templateCategorySchema.optional(),
  })
  .describe('`PATCH …/templates/:name`: `active` and `category`.');

const definitionViewShape = {
  channel: channelSchema,
  channels: z.array(channelSchema).nullable(),
  /** A fixed recipient is shown masked. */
  recipient: z.union([z.object({ mode: z.literal('fixed'), to: z.string() }), z.object({ mode: z.literal('caller') })]),
  subject: z.string().nullable(),
  body: z.string(),
  html: z.string().nullable(),
  params: z.record(z.string(), templateParamSchema),
  category: templateCategorySchema,
};

/** A template in full, as the admin API shows it (a fixed recipient masked). */
export const templateSchema = z
  .object({
    name: z.string(),
    ...definitionViewShape,
    /** The current version: 1 for a new template, one more at every change of its definition. */
    version: z.number().int(),
    active: z.boolean(),
    /** Messages sent with the template (any version). */
    usageCount: z.number().int(),
    lastUsedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('A message template.');

/** A template in a list. */
export const templateSummarySchema = z
  .object({
    name: z.string(),
    channel: channelSchema,
    recipient: z.enum(['fixed', 'caller']),
    params: z.array(z.string()),
    version: z.number().int(),
    active: z.boolean(),
    category: templateCategorySchema,
    usageCount: z.number().int(),
    updatedAt: z.iso.datetime(),
  })
  .describe('A template in a list.');

/** One kept version of a template. */
export const templateVersionSchema = z
  .object({
    version: z.number().int(),
    /** True for the version sends use now. */
    current: z.boolean(),
    createdAt: z.iso.datetime(),
    /** Who saved it: `member:mbr_…`, `admin_token:mat_…`, `cli`, `system` or `migration`. */
    createdBy: z.string(),
    ...definitionViewShape,
  })
  .describe('One kept version of a template.');

/** `POST …/templates/:name/preview`: render it with sample params, sending nothing. */
export const previewTemplateRequestSchema = z
  .strictObject({
    params: paramsSchema.optional(),
    /** The recipient, for a template whose caller chooses it: its country prices the estimate. */
    to: z.string().min(1).max(320).optional(),
    /** A kept version to render instead of the current one. */
    version: z.number().int().min(1).optional(),
  })
  .describe('`POST …/templates/:name/preview`: render a template with sample params.');

/** `200` answer of a preview: what a send would store, and what it would cost. */
export const previewTemplateResponseSchema = z
  .object({
    version: z.number().int(),
    channel: channelSchema,
    subject: z.string().nullable(),
    text: z.string(),
    html: z.string().nullable(),
    /** SMS segments of `text` on phone channels, else null. */
    segments: z.number().int().nullable(),
    encoding: z.enum(['GSM-7', 'UCS-2']).nullable(),
    /** From the project's price table; null when the channel or the recipient's country has no price. */
    estimatedCost: z.object({ eur: z.number(), mad: z.number() }).nullable(),
  })
  .describe('A rendered template: text, segments, encoding and estimated cost.');

/** `GET /v1/projects/:projectId/templates`: `?limit=&cursor=&category=&active=`. */
export const listTemplatesQuerySchema = z
  .strictObject({
    ...pageQueryShape,
    category: templateCategorySchema.optional(),
    active: z.enum(['true', 'false']).optional(),
  })
  .describe('Filters of the template list.');

export type TemplateParam = z.output<typeof templateParamSchema>;
export type TemplateDefinition = z.input<typeof templateDefinitionSchema>;
export type TemplateInput = z.input<typeof templateInputSchema>;
export type UpdateTemplateRequest = z.input<typeof updateTemplateRequestSchema>;
export type TemplateView = z.output<typeof templateSchema>;
export type TemplateSummary = z.output<typeof templateSummarySchema>;
export type TemplateVersionView = z.output<typeof templateVersionSchema>;
export type PreviewTemplateRequest = z.input<typeof previewTemplateRequestSchema>;
export type PreviewTemplateResponse = z.output<typeof previewTemplateResponseSchema>;
