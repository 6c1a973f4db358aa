import { z } from 'zod';
import type { ConnectorField, ConnectorType } from '@messagejs/shared-types';
import { connectorRegistry } from '../../providers/registry.js';
import type { ConnectorDefinition } from '../../providers/types.js';

/**
 * What each connector type takes, read from its own zod schemas (`providers/*.ts`): the fields of
 * its settings and credentials, which are secret, and their help (`.meta({ description, secret })`).
 * `GET /v1/connector-types`, the CLI's `connectors add --type X --help` and the dashboard all show
 * this, so a provider documents a field once, where it validates it.
 */

type JsonSchema = {
  type?: string | string[];
  description?: string;
  secret?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
};

/** The JSON Schema (2020-12) of what a caller may send: defaults make a field optional. */
function inputSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** The object shapes of a schema: itself, or each branch of a union (Twilio's two kinds of credentials). */
function shapes(schema: JsonSchema): JsonSchema[] {
  const branches = schema.anyOf ?? schema.oneOf;
  return branches ? branches.flatMap(shapes) : [schema];
}

function typeOf(field: JsonSchema): string | null {
  if (typeof field.type === 'string') return field.type;
  if (Array.isArray(field.type)) return field.type.join(' | ');
  if (field.enum) return 'enum';
  const branches = field.anyOf ?? field.oneOf;
  if (branches) {
    const types = [...new Set(branches.map(typeOf).filter((t): t is string => t !== null))];
    return types.length > 0 ? types.join(' | ') : null;
  }
  return null;
}

/**
 * The fields of a settings or credentials schema, in declaration order. A field is required when
 * every branch requires it; its help comes from the first branch that has some.
 */
export function fieldsOf(schema: z.ZodType): ConnectorField[] {
  const objects = shapes(inputSchema(schema));
  const fields = new Map<string, ConnectorField>();
  for (const object of objects) {
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const known = fields.get(name);
      const secret = property.secret === true || known?.secret === true;
      fields.set(name, {
        name,
        type: known?.type ?? typeOf(property),
        required: objects.every((o) => o.required?.includes(name) === true),
        secret,
        description: known?.description ?? property.description ?? null,
      });
    }
  }
  return [...fields.values()];
}

/** One connector type as `GET /v1/connector-types` lists it. */
export function describeConnectorType(definition: ConnectorDefinition<unknown, unknown>): ConnectorType {
  return {
    type: definition.type,
    channels: [...definition.channels],
    config: fieldsOf(definition.configSchema),
    credentials: fieldsOf(definition.credentialsSchema),
    help: {
      config: inputSchema(definition.configSchema).description ?? null,
      credentials: inputSchema(definition.credentialsSchema).description ?? null,
    },
    schemas: {
      config: inputSchema(definition.configSchema),
      credentials: inputSchema(definition.credentialsSchema),
    },
  };
}

let described: ConnectorType[] | null = null;

/** Every connector type the relay knows, by name (built once: the registry never changes). */
export function listConnectorTypes(): ConnectorType[] {
  described ??= Object.values(connectorRegistry)
    .map(describeConnectorType)
    .sort((a, b) => a.type.localeCompare(b.type));
  return described;
}

/** The help `connectors add --type X --help` prints after the options: the type's fields, secrets marked. */
export function connectorTypeHelp(type: string): string | null {
  const found = listConnectorTypes().find((t) => t.type === type);
  if (!found) return null;
  const lines = (title: string, fields: ConnectorField[], help: string | null) => [
    `${title}:${help ? ` ${help}` : ''}`,
    ...(fields.length === 0
      ? ['  (none)']
      : fields.map(
          (f) =>
            `  ${f.name}${f.secret ? ' (secret)' : ''}${f.required ? '' : ' (optional)'}${f.description ? ` — ${f.description}` : ''}`,
        )),
  ];
  return [
    '',
    `Connector type ${found.type} (channels: ${found.channels.join(', ')})`,
    ...lines('--config (JSON)', found.config, found.help.config),
    ...lines(
      'credentials (--credentials-stdin, --credentials-file or --credentials; JSON)',
      found.credentials,
      found.help.credentials,
    ),
  ].join('\n');
}
