import fs from 'node:fs';
import { Option, type Command } from 'commander';
import YAML from 'yaml';
import type { Channel } from '@messagejs/shared-types';
import {
  addConnector,
  connectorView,
  listConnectors,
  testConnector,
} from '../../features/connectors/admin-connectors.js';
import {
  deleteConnector,
  getConnector,
  replaceCredentials,
  updateConnector,
} from '../../features/connectors/update-connectors.js';
import { connectorTypeHelp, listConnectorTypes } from '../../features/connectors/connector-types.js';
import { setupInboundWebhook } from '../../features/inbound/webhook-setup.js';
import { connectorRegistry } from '../../providers/registry.js';
import { adminAction, projectOption } from '../options.js';
import { splitList } from '../parse.js';

interface CredentialOptions {
  credentials?: string;
  credentialsFile?: string;
  credentialsStdin?: boolean;
}

interface AddOptions extends CredentialOptions {
  project: string;
  type: string;
  name?: string;
  channels?: string;
  priority: string;
  sendRate?: string;
  config?: string;
}

/** The secret credentials, from the flag, a JSON/YAML file or stdin; undefined when none was given. */
function readCredentials(opts: CredentialOptions): unknown {
  if (opts.credentials) return JSON.parse(opts.credentials) as unknown;
  if (opts.credentialsFile) return YAML.parse(fs.readFileSync(opts.credentialsFile, 'utf8')) as unknown;
  if (opts.credentialsStdin) return JSON.parse(fs.readFileSync(0, 'utf8')) as unknown;
  return undefined;
}

/** The three ways to pass credentials, on `add` and `credentials`. */
function withCredentialOptions(command: Command): Command {
  return command
    .option(
      '--credentials <json>',
      'secret credentials as JSON (prefer --credentials-stdin: flags stay in shell history)',
    )
    .option('--credentials-file <path>', 'secret credentials as a JSON/YAML file')
    .option('--credentials-stdin', 'read secret credentials as JSON from stdin');
}

/** After `connectors add --help`: the fields of the `--type` given (from the type's own schema), else how to see them. */
function typeHelp({ command }: { command: Command }): string {
  const type = command.opts<{ type?: string }>().type;
  const help = type ? connectorTypeHelp(type) : null;
  return help ?? '\nPass --type <type> with --help to list its settings and credentials (secrets marked).';
}

function addCommand(connectors: Command): Command {
  const command = connectors
    .command('add')
    .description('Connect a provider; credentials are sealed at once and never shown.')
    .addOption(projectOption())
    .addOption(
      new Option('--type <type>', 'connector type').choices(Object.keys(connectorRegistry)).makeOptionMandatory(),
    )
    .option('--name <name>')
    .option('--channels <list>', 'comma-separated channels it serves (default: all it supports)')
    .option('--priority <n>', 'lower sends first among connectors of a channel', '100')
    .option('--send-rate <n>', 'messages per second the worker sends through it (default: unpaced)')
    .option('--config <json>', 'non-secret settings as JSON');
  return withCredentialOptions(command).addHelpText('after', typeHelp);
}

const columns = ['id', 'type', 'name', 'channels', 'priority', 'sendRate', 'enabled', 'credentials'];
/** `--send-rate`: a number, or `none` for an unpaced connector. */
const sendRateOf = (text: string) => (text === 'none' ? null : Number(text));
const ids = (opts: { project: string }, connectorId: string | undefined) => ({
  projectId: opts.project,
  connectorId: connectorId!,
});

function registerUpdates(connectors: Command): void {
  adminAction(
    connectors
      .command('update <connectorId>')
      .description("Change a connector's name, channels, settings, priority or send rate.")
      .addOption(projectOption())
      .option('--name <name>')
      .option('--channels <list>', 'comma-separated channels it serves')
      .option('--priority <n>', 'lower sends first among connectors of a channel')
      .option('--send-rate <n>', 'messages per second the worker sends through it; `none`: unpaced')
      .option('--config <json>', 'non-secret settings as JSON (replaces them whole)'),
    async ({ store, actor, now }, opts: Record<string, string> & { project: string }, id) => {
      const body = {
        ...(opts.name !== undefined && { name: opts.name }),
        ...(opts.channels !== undefined && { channels: splitList(opts.channels) }),
        ...(opts.priority !== undefined && { priority: Number(opts.priority) }),
        ...(opts.sendRate !== undefined && { sendRate: sendRateOf(opts.sendRate) }),
        ...(opts.config !== undefined && { config: JSON.parse(opts.config) as unknown }),
      };
      return updateConnector(store, ids(opts, id), body, now, actor);
    },
  );
  adminAction(
    withCredentialOptions(
      connectors
        .command('credentials <connectorId>')
        .description("Replace a connector's credentials (sealed at once, never shown).")
        .addOption(projectOption()),
    ),
    async ({ store, sealer, actor, now }, opts: CredentialOptions & { project: string }, id) =>
      replaceCredentials(store, sealer, ids(opts, id), { credentials: readCredentials(opts) }, now, actor),
  );
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    adminAction(
      connectors
        .command(`${name} <connectorId>`)
        .description(enabled ? 'Send through a connector again.' : 'Stop sending through a connector (it is kept).')
        .addOption(projectOption()),
      async ({ store, actor, now }, opts: { project: string }, id) =>
        updateConnector(store, ids(opts, id), { enabled }, now, actor),
    );
  }
  adminAction(
    connectors
      .command('remove <connectorId>')
      .description('Delete a connector and its credentials.')
      .addOption(projectOption()),
    async ({ store, actor, now }, opts: { project: string }, id) => {
      await deleteConnector(store, ids(opts, id), now, actor);
      return `Deleted ${id}.`;
    },
  );
}

/** `connectors add | list | show | update | credentials | enable | disable | remove | test | webhook-setup | types`. */
export function registerConnectors(program: Command): void {
  const connectors = program
    .command('connectors')
    .description('Manage provider connectors (credentials are sealed at once and never shown).');
  adminAction(addCommand(connectors), async ({ store, sealer, actor, now }, opts: AddOptions) => {
    const credentials = readCredentials(opts);
    const input = {
      projectId: opts.project,
      type: opts.type,
      ...(opts.name && { name: opts.name }),
      ...(opts.channels && { channels: splitList(opts.channels) as Channel[] }),
      priority: Number(opts.priority),
      ...(opts.sendRate !== undefined && { sendRate: sendRateOf(opts.sendRate) }),
      config: opts.config ? (JSON.parse(opts.config) as Record<string, unknown>) : {},
      ...(credentials !== undefined && { credentials: credentials as Record<string, unknown> }),
    };
    return connectorView(await addConnector(store, sealer, input, now, actor));
  });
  adminAction(
    connectors.command('list').description("List a project's connectors.").addOption(projectOption()),
    async ({ store, actor }, opts: { project: string }) => listConnectors(store, opts.project, actor.principal),
    columns,
  );
  adminAction(
    connectors.command('show <connectorId>').description('Show one connector.').addOption(projectOption()),
    async ({ store, actor }, opts: { project: string }, id) => getConnector(store, ids(opts, id), actor.principal),
  );
  registerUpdates(connectors);
  adminAction(
    connectors
      .command('test <connectorId>')
      .description("Call the provider's cheapest authenticated endpoint with the stored credentials."),
    async ({ store, sealer, config }, _opts, id) => {
      const check = await testConnector(store, sealer, { projectId: null, connectorId: id }, config.connectorBaseUrls);
      if (!check.ok) process.exitCode = 1;
      return check;
    },
  );
  adminAction(
    connectors
      .command('webhook-setup <connectorId>')
      .description(
        'Point a provider at the connector’s hook URL (MESSAGEJS_PUBLIC_URL/v1/hooks/<id>): registered with Telegram, else where to set it.',
      ),
    async ({ store, sealer, config }, _opts, id) =>
      setupInboundWebhook(store, sealer, id, { publicUrl: config.publicUrl, baseUrls: config.connectorBaseUrls }),
  );
  adminAction(
    connectors.command('types').description('List the connector types, their channels and fields.'),
    async () =>
      listConnectorTypes().map((t) => ({
        type: t.type,
        channels: t.channels,
        config: t.config.map((f) => f.name),
        credentials: t.credentials.map((f) => (f.secret ? `${f.name} (secret)` : f.name)),
      })),
  );
}
