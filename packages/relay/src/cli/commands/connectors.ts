import fs from 'node:fs';
import { Option, type Command } from 'commander';
import YAML from 'yaml';
import {
  addConnector,
  connectorView,
  listConnectors,
  testConnector,
} from '../../features/connectors/admin-connectors.js';
import { connectorRegistry } from '../../providers/registry.js';
import { adminAction, projectOption } from '../options.js';
import { splitList } from '../parse.js';

interface AddOptions {
  project: string;
  type: string;
  name?: string;
  channels?: string;
  priority: string;
  config?: string;
  credentials?: string;
  credentialsFile?: string;
  credentialsStdin?: boolean;
}

/** The secret credentials, from the flag, a JSON/YAML file or stdin; undefined when none was given. */
function readCredentials(opts: AddOptions): unknown {
  if (opts.credentials) return JSON.parse(opts.credentials) as unknown;
  if (opts.credentialsFile) return YAML.parse(fs.readFileSync(opts.credentialsFile, 'utf8')) as unknown;
  if (opts.credentialsStdin) return JSON.parse(fs.readFileSync(0, 'utf8')) as unknown;
  return undefined;
}

function addCommand(connectors: Command): Command {
  return connectors
    .command('add')
    .addOption(projectOption())
    .addOption(
      new Option('--type <type>', 'connector type').choices(Object.keys(connectorRegistry)).makeOptionMandatory(),
    )
    .option('--name <name>')
    .option('--channels <list>', 'comma-separated channels it serves (default: all it supports)')
    .option('--priority <n>', 'lower sends first among connectors of a channel', '100')
    .option('--config <json>', 'non-secret settings as JSON')
    .option(
      '--credentials <json>',
      'secret credentials as JSON (prefer --credentials-stdin: flags stay in shell history)',
    )
    .option('--credentials-file <path>', 'secret credentials as a JSON/YAML file')
    .option('--credentials-stdin', 'read secret credentials as JSON from stdin');
}

/** `connectors add | list | test`: provider connectors, credentials sealed at once and never shown. */
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
      ...(opts.channels && { channels: splitList(opts.channels) as never }),
      priority: Number(opts.priority),
      config: opts.config ? (JSON.parse(opts.config) as unknown) : {},
      ...(credentials !== undefined && { credentials }),
    };
    const {
      id,
      type,
      channels,
      priority,
      credentials: sealed,
    } = connectorView(await addConnector(store, sealer, input, now, actor));
    return { id, type, channels, priority, credentials: sealed };
  });
  adminAction(connectors.command('list').addOption(projectOption()), async ({ store }, opts: { project: string }) =>
    listConnectors(store, opts.project),
  );
  adminAction(
    connectors
      .command('test <connectorId>')
      .description("Call the provider's cheapest authenticated endpoint with the stored credentials."),
    async ({ store, sealer, config }, _opts, id) => {
      const check = await testConnector(store, sealer, id, config.connectorBaseUrls);
      if (!check.ok) process.exitCode = 1;
      return check;
    },
  );
}
