import { z } from 'zod';
import { channels } from '../enums.js';

const iso = z.iso.datetime();
/** Settings or credentials: a JSON object, checked against the connector type's own schema. */
const settingsObject = z.record(z.string().max(100), z.unknown());

/** A connector as the admin API shows it: its settings, its credentials only as `sealed` or `none`. */
export const connectorSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    type: z.string(),
    name: z.string(),
    channels: z.array(z.enum(channels)),
    /** Non-secret settings (a sender number, an SMTP host…). */
    config: z.record(z.string(), z.unknown()),
    /** Lower sends first among the connectors of a channel. */
    priority: z.number().int(),
    /** Messages per second the worker sends through it; null: as fast as the provider answers. */
    sendRate: z.number().nullable(),
    enabled: z.boolean(),
    /** Credentials are write-only: only whether there are some. */
    credentials: z.enum(['sealed', 'none']),
    createdAt: iso,
    updatedAt: iso,
  })
  .describe('A provider connector of a project; its credentials are never shown.');

const nameSchema = z.string().trim().min(1).max(100);
const prioritySchema = z.number().int().min(0).max(1_000_000);
/** Messages per second (a Twilio long code takes 1, WhatsApp Cloud 80); null: unpaced. */
const sendRateSchema = z
  .number()
  .min(0.01)
  .max(10_000)
  .nullable()
  .describe(
    'Messages per second the worker sends through this connector (e.g. 1 for a Twilio long code); null: unpaced.',
  );
const channelListSchema = z.array(z.enum(channels)).min(1).max(channels.length);

/** `POST /v1/projects/:projectId/connectors`. */
export const createConnectorRequestSchema = z
  .strictObject({
    /** A connector type from `GET /v1/connector-types`. */
    type: z.string().min(1).max(50),
    name: nameSchema.optional(),
    /** The channels it serves here. @default every channel the type delivers */
    channels: channelListSchema.optional(),
    config: settingsObject.optional(),
    /** Write-only: sealed at once (AES-256-GCM), never answered. */
    credentials: settingsObject.optional(),
    priority: prioritySchema.optional(),
    sendRate: sendRateSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .describe('`POST /v1/projects/:projectId/connectors`: connect a provider.');

/** `PATCH /v1/projects/:projectId/connectors/:connectorId`: settings; credentials have their own route. */
export const updateConnectorRequestSchema = z
  .strictObject({
    name: nameSchema.optional(),
    channels: channelListSchema.optional(),
    /** Replaces the settings whole, checked against the type's schema. */
    config: settingsObject.optional(),
    priority: prioritySchema.optional(),
    sendRate: sendRateSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .describe('`PATCH /v1/projects/:projectId/connectors/:connectorId`: change a connector’s settings.');

/** `PUT /v1/projects/:projectId/connectors/:connectorId/credentials`: new credentials, replacing the old whole. */
export const replaceCredentialsRequestSchema = z
  .strictObject({ credentials: settingsObject })
  .describe('`PUT …/connectors/:connectorId/credentials`: replace a connector’s credentials (write-only).');

/** `POST …/connectors/:connectorId/test`: the provider's answer, or its refusal. */
export const connectorTestResponseSchema = z
  .union([
    z.object({ ok: z.literal(true), type: z.string(), detail: z.string() }),
    z.object({
      ok: z.literal(false),
      code: z.string(),
      providerCode: z.string().nullable(),
      kind: z.enum(['transient', 'permanent']),
      detail: z.string(),
    }),
  ])
  .describe('What the provider said when the connector called it.');

/** One setting or credential of a connector type. */
export const connectorFieldSchema = z.object({
  name: z.string(),
  /** The JSON type (`string`, `number`, `boolean`…), when the schema says one. */
  type: z.string().nullable(),
  required: z.boolean(),
  /** A secret: typed where it is not shown (a password field), never answered back. */
  secret: z.boolean(),
  description: z.string().nullable(),
});

/** A connector type, from its own zod schemas. */
export const connectorTypeSchema = z
  .object({
    type: z.string(),
    channels: z.array(z.enum(channels)),
    config: z.array(connectorFieldSchema),
    credentials: z.array(connectorFieldSchema),
    /** What the settings and the credentials take as a whole (e.g. which fields go together), when the type says. */
    help: z.object({ config: z.string().nullable(), credentials: z.string().nullable() }),
    /** The same as JSON schemas (draft 2020-12), for forms that validate as they go. */
    schemas: z.object({ config: z.unknown(), credentials: z.unknown() }),
  })
  .describe('A connector type: the channels it delivers, its settings and credentials.');

/** `GET /v1/connector-types`. */
export const connectorTypesResponseSchema = z
  .object({ data: z.array(connectorTypeSchema) })
  .describe('Every connector type the relay knows.');

export type Connector = z.output<typeof connectorSchema>;
export type CreateConnectorRequest = z.input<typeof createConnectorRequestSchema>;
export type UpdateConnectorRequest = z.input<typeof updateConnectorRequestSchema>;
export type ConnectorTest = z.output<typeof connectorTestResponseSchema>;
export type ConnectorField = z.output<typeof connectorFieldSchema>;
export type ConnectorType = z.output<typeof connectorTypeSchema>;
