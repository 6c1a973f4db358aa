import type { z } from 'zod';
import type { Permission } from '@messagejs/shared-types';
import {
  createInboundRuleRequestSchema,
  createPhoneMappingRequestSchema,
  inboundRuleListSchema,
  inboundRuleSchema,
  inboundSettingsRequestSchema,
  inboundSettingsSchema,
  inboundStatsQuerySchema,
  inboundStatsSchema,
  phoneMappingListSchema,
  phoneMappingSchema,
  phoneMappingsQuerySchema,
  updateInboundRuleRequestSchema,
  updatePhoneMappingRequestSchema,
} from '@messagejs/shared-types';
import { jsonBody } from '../../http/platform/json-body.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route, RouteDoc, RouteRequest } from '../../http/platform/route.js';
import { projectIdOf } from '../projects/routes.js';
import type { InboundAdminDeps } from './inbound-settings.js';
import { replaceInboundSettings, showInboundSettings } from './inbound-settings.js';
import {
  createInboundRule,
  deleteInboundRule,
  getInboundRule,
  listInboundRules,
  updateInboundRule,
} from './inbound-rules.js';
import {
  createPhoneMapping,
  deletePhoneMapping,
  mappingView,
  pagePhoneMappings,
  updatePhoneMapping,
} from './phone-mappings.js';
import { inboundStats } from './inbound-stats.js';

const BASE = '/v1/projects/:projectId';
const MAPPINGS = `${BASE}/phone-mappings`;
const MAPPING = `${MAPPINGS}/:phone/:userId`;
const RULES = `${BASE}/inbound-rules`;
const RULE = `${RULES}/:ruleId`;
const tag = 'Inbound messages';
const body = [jsonBody({ limit: '64kb' })];

const doc = (
  summary: string,
  permission: Permission,
  responses: RouteDoc['responses'],
  extra: { body?: z.ZodType; query?: z.ZodType } = {},
): RouteDoc => ({ summary, tag, auth: 'admin', permission, responses, ...extra });

const mappingIds = (request: RouteRequest) => ({
  projectId: projectIdOf(request),
  phone: request.params.phone!,
  userId: request.params.userId!,
});

/**
 * The inbound admin API of a project, behind the admin access step: phone mappings
 * (`manage_contacts`; reading them also `view_history`), keyword settings and auto-reply rules
 * (`manage_settings`), and the figures (`view_analytics`). Every change is audited.
 */
export function inboundAdminRoutes(deps: InboundAdminDeps): Route[] {
  return [...mappingRoutes(deps), ...settingsRoutes(deps), ...ruleRoutes(deps)];
}

function mappingRoutes(deps: InboundAdminDeps): Route[] {
  return [
    {
      method: 'GET',
      path: MAPPINGS,
      doc: doc(
        'List a project’s phone mappings, by number',
        'view_history',
        { 200: phoneMappingListSchema },
        {
          query: phoneMappingsQuerySchema,
        },
      ),
      async handle(request) {
        const query = request.query();
        const { limit, cursor, ...filter } = query;
        const page = pageRequest({ ...(limit !== undefined && { limit }), ...(cursor !== undefined && { cursor }) });
        const found = await pagePhoneMappings(deps, projectIdOf(request), { ...filter }, page, request.actor());
        return { body: pageReply(found, mappingView) };
      },
    },
    {
      method: 'POST',
      path: MAPPINGS,
      use: body,
      doc: doc(
        'Map a number to one of the developer’s users',
        'manage_contacts',
        { 201: phoneMappingSchema },
        {
          body: createPhoneMappingRequestSchema,
        },
      ),
      handle: async (request) => ({
        status: 201,
        body: await createPhoneMapping(deps, projectIdOf(request), request.body, request.actor()),
      }),
    },
    {
      method: 'PATCH',
      path: MAPPING,
      use: body,
      doc: doc(
        'Make a mapping primary, or mark it verified or not',
        'manage_contacts',
        { 200: phoneMappingSchema },
        {
          body: updatePhoneMappingRequestSchema,
        },
      ),
      handle: async (request) => ({
        body: await updatePhoneMapping(deps, mappingIds(request), request.body, request.actor()),
      }),
    },
    {
      method: 'DELETE',
      path: MAPPING,
      doc: doc('Remove a phone mapping', 'manage_contacts', { 200: phoneMappingSchema }),
      handle: async (request) => ({ body: await deletePhoneMapping(deps, mappingIds(request), request.actor()) }),
    },
  ];
}

function settingsRoutes(deps: InboundAdminDeps): Route[] {
  return [
    {
      method: 'GET',
      path: `${BASE}/inbound-settings`,
      doc: doc('Inbound keywords and answers, per language (the defaults until changed)', 'manage_settings', {
        200: inboundSettingsSchema,
      }),
      handle: async (request) => ({
        body: await showInboundSettings(deps, projectIdOf(request), request.actor()),
      }),
    },
    {
      method: 'PUT',
      path: `${BASE}/inbound-settings`,
      use: body,
      doc: doc(
        'Replace the inbound keywords and answers',
        'manage_settings',
        { 200: inboundSettingsSchema },
        {
          body: inboundSettingsRequestSchema,
        },
      ),
      handle: async (request) => ({
        body: await replaceInboundSettings(deps, projectIdOf(request), request.body, request.actor()),
      }),
    },
    {
      method: 'GET',
      path: `${BASE}/inbound/stats`,
      doc: doc(
        'Inbound figures: messages in, routed or not, keywords, answers, processing time',
        'view_analytics',
        {
          200: inboundStatsSchema,
        },
        { query: inboundStatsQuerySchema },
      ),
      handle: async (request) => ({
        body: await inboundStats(deps, projectIdOf(request), request.query(), request.actor()),
      }),
    },
  ];
}

function ruleRoutes(deps: InboundAdminDeps): Route[] {
  const ruleId = (request: RouteRequest) => request.params.ruleId!;
  return [
    {
      method: 'GET',
      path: RULES,
      doc: doc('List a project’s auto-replies in the order they are tried', 'manage_settings', {
        200: inboundRuleListSchema,
      }),
      handle: async (request) => ({
        body: { data: await listInboundRules(deps, projectIdOf(request), request.actor()) },
      }),
    },
    {
      method: 'POST',
      path: RULES,
      use: body,
      doc: doc(
        'Add an auto-reply (a keyword or an RE2 expression)',
        'manage_settings',
        { 201: inboundRuleSchema },
        {
          body: createInboundRuleRequestSchema,
        },
      ),
      handle: async (request) => ({
        status: 201,
        body: await createInboundRule(deps, projectIdOf(request), request.body, request.actor()),
      }),
    },
    {
      method: 'GET',
      path: RULE,
      doc: doc('Read an auto-reply', 'manage_settings', { 200: inboundRuleSchema }),
      handle: async (request) => ({
        body: await getInboundRule(deps, projectIdOf(request), ruleId(request), request.actor()),
      }),
    },
    {
      method: 'PATCH',
      path: RULE,
      use: body,
      doc: doc(
        'Change an auto-reply, or turn it on or off',
        'manage_settings',
        { 200: inboundRuleSchema },
        {
          body: updateInboundRuleRequestSchema,
        },
      ),
      handle: async (request) => ({
        body: await updateInboundRule(deps, projectIdOf(request), ruleId(request), request.body, request.actor()),
      }),
    },
    {
      method: 'DELETE',
      path: RULE,
      doc: doc('Delete an auto-reply', 'manage_settings', { 200: inboundRuleSchema }),
      handle: async (request) => ({
        body: await deleteInboundRule(deps, projectIdOf(request), ruleId(request), request.actor()),
      }),
    },
  ];
}
