import { z } from 'zod';
import { channels, numberTypes } from '../enums.js';

/**
 * The WHATWG URL parser, global in Node and in browsers alike; the contract compiles with neither's
 * type library, so it names the part it reads.
 */
declare const URL: new (input: string) => {
  protocol: string;
  username: string;
  password: string;
  pathname: string;
  search: string;
  hash: string;
  origin: string;
};

const iso = z.iso.datetime();
const nameSchema = z.string().trim().min(1).max(100);

/** True for an origin, written with or without a trailing slash: a scheme (http, https), a host, maybe a port. */
function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') &&
      u.username === '' &&
      u.password === '' &&
      u.pathname === '/' &&
      u.search === '' &&
      u.hash === ''
    );
  } catch {
    return false;
  }
}

/**
 * A browser origin a project's public keys may be used from. A trailing slash and upper-case
 * letters are read as the origin itself (`HTTPS://Shop.Example/` is `https://shop.example`); a
 * path, a query or credentials are refused.
 */
export const originSchema = z
  .string()
  .max(300)
  .refine(isOrigin, 'must be an origin such as https://example.com (scheme, host and port only)')
  .overwrite((o) => (isOrigin(o) ? new URL(o).origin : o))
  .describe('A browser origin: `https://shop.example` (a trailing slash is dropped).');

/** An ISO 3166 alpha-2 country code, in any case (`ma` is `MA`). */
export const countrySchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as MA')
  .describe('An ISO 3166 alpha-2 country code.');

const numberTypesSchema = z.array(z.enum(numberTypes)).min(1, 'name at least one number type').max(numberTypes.length);

/** A project's rate limits (counts per window). */
export const projectLimitsSchema = z
  .object({
    perKeyPerHour: z.number().int(),
    perIpPerMinute: z.number().int(),
    perRecipientPer10Minutes: z.number().int(),
    perTemplatePer10Minutes: z.number().int(),
    perPrefixPerHour: z.number().int(),
    perProjectPerDay: z.number().int(),
  })
  .describe('A project’s rate limits.');

const limit = z.number().int().min(1).max(1_000_000_000);

/** `PATCH /v1/projects/:projectId/limits`: the limits to change; the others keep their value. */
export const limitsPatchSchema = z
  .strictObject({
    perKeyPerHour: limit.optional(),
    perIpPerMinute: limit.optional(),
    perRecipientPer10Minutes: limit.optional(),
    perTemplatePer10Minutes: limit.optional(),
    perPrefixPerHour: limit.optional(),
    perProjectPerDay: limit.optional(),
  })
  .describe('`PATCH /v1/projects/:projectId/limits`: change some rate limits.');

const priceSchema = z.strictObject({ eur: z.number().min(0).max(100), mad: z.number().min(0).max(1000) });

/** A price table: channel → country code (or `*` for any other) → price per SMS segment or per message. */
export const priceTableSchema = z
  .partialRecord(
    z.enum(channels),
    z.record(z.string().regex(/^([A-Z]{2}|\*)$/, 'must be a country code such as MA, or *'), priceSchema),
  )
  .describe('Prices per channel and country (`*`: any other), in EUR and MAD.');

/** A project, as the admin API shows it. */
export const projectSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    accountId: z.string().nullable(),
    allowedOrigins: z.array(z.string()),
    allowedCountries: z.array(z.string()),
    defaultCountry: z.string().nullable(),
    allowedNumberTypes: z.array(z.enum(numberTypes)),
    /** A development project (the demo): the console connector may print verification codes in full. */
    development: z.boolean(),
    limits: projectLimitsSchema,
    createdAt: iso,
  })
  .describe('A project: what its keys may send, where, and how fast.');

const projectFields = {
  name: nameSchema,
  allowedOrigins: z.array(originSchema).max(100),
  allowedCountries: z.array(countrySchema).max(250),
  defaultCountry: countrySchema.nullable(),
  allowedNumberTypes: numberTypesSchema,
  development: z.boolean(),
};

/** `POST /v1/projects`: a project of the caller's account. */
export const createProjectRequestSchema = z
  .strictObject({
    name: projectFields.name,
    allowedOrigins: projectFields.allowedOrigins.optional(),
    allowedCountries: projectFields.allowedCountries.optional(),
    defaultCountry: projectFields.defaultCountry.optional(),
    allowedNumberTypes: projectFields.allowedNumberTypes.optional(),
    development: projectFields.development.optional(),
  })
  .describe('`POST /v1/projects`: create a project.');

/** `PATCH /v1/projects/:projectId`: the settings to change. */
export const updateProjectRequestSchema = createProjectRequestSchema
  .partial()
  .describe('`PATCH /v1/projects/:projectId`: rename a project or change its settings.');

/** `DELETE /v1/projects/:projectId?confirm=<projectId>`: the id again, so nothing is deleted by mistake. */
export const deleteProjectQuerySchema = z
  .object({ confirm: z.string().max(100).optional() })
  .describe('`confirm` must repeat the project id.');

/** `POST /v1/projects/:projectId/origins`. */
export const addOriginRequestSchema = z
  .strictObject({ origin: originSchema })
  .describe('`POST /v1/projects/:projectId/origins`: allow an origin.');

/** The origins a project allows. */
export const originsResponseSchema = z
  .object({ allowedOrigins: z.array(z.string()) })
  .describe('The browser origins a project allows.');

/** `PUT /v1/projects/:projectId/countries`. */
export const countriesRequestSchema = z
  .strictObject({
    allowedCountries: projectFields.allowedCountries,
    /** Left out: unchanged; null: none. */
    defaultCountry: projectFields.defaultCountry.optional(),
  })
  .describe('`PUT /v1/projects/:projectId/countries`: the countries a project sends to.');

/** The countries a project sends to. */
export const countriesResponseSchema = z
  .object({ allowedCountries: z.array(z.string()), defaultCountry: z.string().nullable() })
  .describe('The destination countries of a project.');

/** `PUT /v1/projects/:projectId/number-types`. */
export const numberTypesRequestSchema = z
  .strictObject({ allowedNumberTypes: projectFields.allowedNumberTypes })
  .describe('`PUT /v1/projects/:projectId/number-types`: the number types phone channels send to.');

/** The number types a project's phone channels send to. */
export const numberTypesResponseSchema = z
  .object({ allowedNumberTypes: z.array(z.enum(numberTypes)) })
  .describe('The number types a project’s phone channels send to.');

/** `PUT /v1/projects/:projectId/prices`. */
export const pricesRequestSchema = z
  .strictObject({ prices: priceTableSchema })
  .describe('`PUT /v1/projects/:projectId/prices`: the project’s own price table.');

/** A project's price table: its own, or the relay's default. */
export const pricesResponseSchema = z
  .object({ prices: priceTableSchema, source: z.enum(['project', 'default']) })
  .describe('The price table cost estimates use.');

/** `PUT /v1/projects/:projectId/fallbacks/:channel`: the channels to fall back to (empty: none). */
export const fallbackRequestSchema = z
  .strictObject({ to: z.array(z.enum(channels)).max(4) })
  .describe('`PUT /v1/projects/:projectId/fallbacks/:channel`: where a channel falls back to.');

/** A project's channel fallbacks. */
export const fallbacksResponseSchema = z
  .object({ fallbacks: z.partialRecord(z.enum(channels), z.array(z.enum(channels))) })
  .describe('The channels each channel falls back to when a message names none.');

/** True when `zone` is an IANA time zone the runtime knows (`Europe/Paris`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone (`Africa/Casablanca`). */
export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, 'an IANA time zone, like Europe/Paris')
  .describe('An IANA time zone, like `Europe/Paris`.');

const localTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM (24 h), like 21:00')
  .describe('A local time, `HH:MM` (24 h).');

/**
 * `PUT /v1/projects/:projectId/quiet-hours`: marketing messages wait until `end` when they would
 * be sent between `start` and `end` in the recipient's time zone (the window may cross midnight);
 * `timeZone` stands in when the recipient's is not known.
 */
export const quietHoursSchema = z
  .strictObject({ start: localTime, end: localTime, timeZone: timeZoneSchema.default('UTC') })
  .refine((q) => q.start !== q.end, { message: 'start and end must differ', path: ['end'] })
  .describe('Quiet hours: marketing messages wait them out in the recipient’s time zone.');

/** A project's quiet hours, or null when it has none. */
export const quietHoursResponseSchema = z
  .object({
    quietHours: z.object({ start: z.string(), end: z.string(), timeZone: z.string() }).nullable(),
  })
  .describe('The project’s quiet hours (null: none).');

export type Project = z.output<typeof projectSchema>;
export type CreateProjectRequest = z.input<typeof createProjectRequestSchema>;
export type UpdateProjectRequest = z.input<typeof updateProjectRequestSchema>;
export type LimitsPatch = z.input<typeof limitsPatchSchema>;
export type PriceTableInput = z.input<typeof priceTableSchema>;
