import type { ZodType } from 'zod';
import {
  addOriginRequestSchema,
  countriesRequestSchema,
  countriesResponseSchema,
  fallbackRequestSchema,
  fallbacksResponseSchema,
  limitsPatchSchema,
  numberTypesRequestSchema,
  numberTypesResponseSchema,
  originsResponseSchema,
  pricesRequestSchema,
  pricesResponseSchema,
  projectLimitsSchema,
  quietHoursResponseSchema,
  quietHoursSchema,
  verifySettingsPatchSchema,
  verifySettingsSchema,
} from '@messagejs/shared-types';
import { jsonBody } from '../../http/platform/json-body.js';
import type { Route, RouteDoc, RouteRequest } from '../../http/platform/route.js';
import { toValidationError } from '../../domain/validation.js';
import { defaultPriceTable } from '../../domain/pricing.js';
import { setVerifySettings, showVerifySettings } from '../verify/verify-settings.js';
import { projectFor } from './require-project.js';
import {
  readSettings,
  setCountries,
  setFallbacks,
  setLimits,
  setNumberTypes,
  setPrices,
  setQuietHours,
  updateOrigins,
} from './settings.js';
import type { ProjectAdminDeps } from './route-deps.js';
import { changing, projectIdOf } from './routes.js';
import type { Project } from '../../store/types.js';

const BASE = '/v1/projects/:projectId';
const tag = 'Project settings';
const body = [jsonBody({ limit: '64kb' })];

/** A settings route's doc: `manage_settings`, with its body and answer. */
const doc = (summary: string, responses: RouteDoc['responses'], requestBody?: ZodType): RouteDoc => ({
  summary,
  tag,
  auth: 'admin',
  permission: 'manage_settings',
  ...(requestBody && { body: requestBody }),
  responses,
});

/** The request's body after the project (404) and `manage_settings` (403) checks, validated by `schema`. */
async function settingsBody<T>(deps: ProjectAdminDeps, request: RouteRequest, schema: ZodType<T>): Promise<T> {
  await projectFor(deps.store, projectIdOf(request), 'manage_settings', request.adminPrincipal());
  const parsed = schema.safeParse(request.body);
  if (!parsed.success) throw toValidationError(parsed.error);
  return parsed.data;
}

const settings = (deps: ProjectAdminDeps, request: RouteRequest) =>
  readSettings(deps.store, projectIdOf(request), request.adminPrincipal());

const origins = (p: Pick<Project, 'allowedOrigins'>) => ({ allowedOrigins: p.allowedOrigins });
const countries = (p: Pick<Project, 'allowedCountries' | 'defaultCountry'>) => ({
  allowedCountries: p.allowedCountries,
  defaultCountry: p.defaultCountry,
});

/** A project's settings routes (`manage_settings`), behind the admin access step. */
export function settingsRoutes(deps: ProjectAdminDeps): Route[] {
  return [
    ...originRoutes(deps),
    ...countryRoutes(deps),
    ...limitRoutes(deps),
    ...priceRoutes(deps),
    ...verifyRoutes(deps),
  ];
}

function originRoutes(deps: ProjectAdminDeps): Route[] {
  const { store, now } = deps;
  const change = (request: RouteRequest, op: 'add' | 'remove', origin: string) =>
    changing(deps, updateOrigins(store, projectIdOf(request), op, origin, now(), request.actor()));
  return [
    {
      method: 'GET',
      path: `${BASE}/origins`,
      doc: doc('The browser origins a project allows', { 200: originsResponseSchema }),
      handle: async (request) => ({ body: origins(await settings(deps, request)) }),
    },
    {
      method: 'POST',
      path: `${BASE}/origins`,
      use: body,
      doc: doc(
        'Allow a browser origin (a trailing slash is dropped)',
        { 200: originsResponseSchema },
        addOriginRequestSchema,
      ),
      async handle(request) {
        const { origin } = await settingsBody(deps, request, addOriginRequestSchema);
        return { body: origins(await change(request, 'add', origin)) };
      },
    },
    {
      method: 'DELETE',
      path: `${BASE}/origins/:origin`,
      doc: doc('Stop allowing a browser origin (percent-encoded in the path)', { 200: originsResponseSchema }),
      handle: async (request) => ({ body: origins(await change(request, 'remove', request.params.origin!)) }),
    },
  ];
}

function countryRoutes(deps: ProjectAdminDeps): Route[] {
  const { store, now } = deps;
  return [
    {
      method: 'GET',
      path: `${BASE}/countries`,
      doc: doc('The countries a project sends to', { 200: countriesResponseSchema }),
      handle: async (request) => ({ body: countries(await settings(deps, request)) }),
    },
    {
      method: 'PUT',
      path: `${BASE}/countries`,
      use: body,
      doc: doc('Set the countries a project sends to', { 200: countriesResponseSchema }, countriesRequestSchema),
      async handle(request) {
        const input = await settingsBody(deps, request, countriesRequestSchema);
        const project = await changing(
          deps,
          setCountries(
            store,
            projectIdOf(request),
            input.allowedCountries,
            input.defaultCountry,
            now(),
            request.actor(),
          ),
        );
        return { body: countries(project) };
      },
    },
    {
      method: 'GET',
      path: `${BASE}/number-types`,
      doc: doc('The number types phone channels send to', { 200: numberTypesResponseSchema }),
      handle: async (request) => ({
        body: { allowedNumberTypes: (await settings(deps, request)).allowedNumberTypes },
      }),
    },
    {
      method: 'PUT',
      path: `${BASE}/number-types`,
      use: body,
      doc: doc(
        'Set the number types phone channels send to',
        { 200: numberTypesResponseSchema },
        numberTypesRequestSchema,
      ),
      async handle(request) {
        const input = await settingsBody(deps, request, numberTypesRequestSchema);
        const project = await changing(
          deps,
          setNumberTypes(store, projectIdOf(request), input.allowedNumberTypes, now(), request.actor()),
        );
        return { body: { allowedNumberTypes: project.allowedNumberTypes } };
      },
    },
  ];
}

function limitRoutes(deps: ProjectAdminDeps): Route[] {
  const { store, now } = deps;
  return [
    {
      method: 'GET',
      path: `${BASE}/limits`,
      doc: doc('A project’s rate limits', { 200: projectLimitsSchema }),
      handle: async (request) => ({ body: (await settings(deps, request)).limits }),
    },
    {
      method: 'PATCH',
      path: `${BASE}/limits`,
      use: body,
      doc: doc('Change some rate limits; the others keep their value', { 200: projectLimitsSchema }, limitsPatchSchema),
      async handle(request) {
        const patch = await settingsBody(deps, request, limitsPatchSchema);
        return {
          body: (await changing(deps, setLimits(store, projectIdOf(request), patch, now(), request.actor()))).limits,
        };
      },
    },
    {
      method: 'GET',
      path: `${BASE}/quiet-hours`,
      doc: doc('The hours marketing messages wait out', { 200: quietHoursResponseSchema }),
      handle: async (request) => ({ body: { quietHours: (await settings(deps, request)).quietHours } }),
    },
    {
      method: 'PUT',
      path: `${BASE}/quiet-hours`,
      use: body,
      doc: doc(
        'Set the hours marketing messages wait out, in the recipient’s time zone',
        { 200: quietHoursResponseSchema },
        quietHoursSchema,
      ),
      async handle(request) {
        const input = await settingsBody(deps, request, quietHoursSchema);
        const project = await changing(deps, setQuietHours(store, projectIdOf(request), input, now(), request.actor()));
        return { body: { quietHours: project.quietHours ?? null } };
      },
    },
    {
      method: 'DELETE',
      path: `${BASE}/quiet-hours`,
      doc: doc('Remove the quiet hours: marketing messages go at any hour', { 200: quietHoursResponseSchema }),
      async handle(request) {
        const project = await changing(deps, setQuietHours(store, projectIdOf(request), null, now(), request.actor()));
        return { body: { quietHours: project.quietHours ?? null } };
      },
    },
    {
      method: 'GET',
      path: `${BASE}/fallbacks`,
      doc: doc('The channels each channel falls back to', { 200: fallbacksResponseSchema }),
      handle: async (request) => ({ body: { fallbacks: (await settings(deps, request)).fallbacks } }),
    },
    {
      method: 'PUT',
      path: `${BASE}/fallbacks/:channel`,
      use: body,
      doc: doc(
        'Set where a channel falls back to (an empty list: nowhere)',
        { 200: fallbacksResponseSchema },
        fallbackRequestSchema,
      ),
      async handle(request) {
        const { to } = await settingsBody(deps, request, fallbackRequestSchema);
        const channel = request.params.channel!;
        const change = setFallbacks(store, projectIdOf(request), channel, to, now(), request.actor());
        const project = await changing(deps, change);
        return { body: { fallbacks: project.fallbacks } };
      },
    },
  ];
}

function priceRoutes(deps: ProjectAdminDeps): Route[] {
  const { store, now } = deps;
  const answer = (prices: Project['prices']) => ({
    prices: prices ?? defaultPriceTable,
    source: prices ? ('project' as const) : ('default' as const),
  });
  return [
    {
      method: 'GET',
      path: `${BASE}/prices`,
      doc: doc('The price table cost estimates use', { 200: pricesResponseSchema }),
      handle: async (request) => ({ body: answer((await settings(deps, request)).prices) }),
    },
    {
      method: 'PUT',
      path: `${BASE}/prices`,
      use: body,
      doc: doc('Set the project’s own price table', { 200: pricesResponseSchema }, pricesRequestSchema),
      async handle(request) {
        const { prices } = await settingsBody(deps, request, pricesRequestSchema);
        const change = setPrices(store, projectIdOf(request), prices, now(), request.actor());
        return { body: answer((await changing(deps, change)).prices) };
      },
    },
    {
      method: 'DELETE',
      path: `${BASE}/prices`,
      doc: doc('Use the relay’s default price table again', { 200: pricesResponseSchema }),
      handle: async (request) => ({
        body: answer(
          (await changing(deps, setPrices(store, projectIdOf(request), null, now(), request.actor()))).prices,
        ),
      }),
    },
  ];
}

function verifyRoutes(deps: ProjectAdminDeps): Route[] {
  const { store, sealer, now } = deps;
  return [
    {
      method: 'GET',
      path: `${BASE}/verify-settings`,
      doc: doc('Phone verification settings (the CAPTCHA secret is never shown)', { 200: verifySettingsSchema }),
      handle: async (request) => ({
        body: await showVerifySettings(store, projectIdOf(request), request.adminPrincipal()),
      }),
    },
    {
      method: 'PATCH',
      path: `${BASE}/verify-settings`,
      use: body,
      doc: doc(
        'Change phone verification settings (`captchaSecret` is write-only)',
        { 200: verifySettingsSchema },
        verifySettingsPatchSchema,
      ),
      async handle(request) {
        const patch = await settingsBody(deps, request, verifySettingsPatchSchema);
        return { body: await setVerifySettings(store, sealer, projectIdOf(request), patch, now(), request.actor()) };
      },
    },
  ];
}
