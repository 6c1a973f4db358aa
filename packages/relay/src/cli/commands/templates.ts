import fs from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { templateCategories } from '@messagejs/shared-types';
import {
  listTemplates,
  saveTemplate,
  showTemplate,
  templateSummary,
} from '../../features/templates/admin-templates.js';
import { requireProject } from '../../features/projects/require-project.js';
import { adminAction, projectOption } from '../options.js';
import { parseParamFlag } from '../parse.js';

interface AddOptions {
  project: string;
  file?: string;
  name?: string;
  channel?: string;
  to?: string;
  subject?: string;
  body?: string;
  param?: string[];
  category?: string;
}

/** The template `templates add` was given: a JSON/YAML file, or the flags. */
function templateInput(opts: AddOptions): unknown {
  if (opts.file) return YAML.parse(fs.readFileSync(opts.file, 'utf8')) as unknown;
  return {
    name: opts.name,
    channel: opts.channel,
    recipient: opts.to ? { mode: 'fixed', to: opts.to } : { mode: 'caller' },
    ...(opts.subject && { subject: opts.subject }),
    body: opts.body,
    params: Object.fromEntries((opts.param ?? []).map(parseParamFlag)),
    ...(opts.category && { category: opts.category }),
  };
}

/** `templates add | list | show`. */
export function registerTemplates(program: Command): void {
  const templates = program.command('templates').description('Manage message templates.');
  adminAction(
    templates
      .command('add')
      .description('Add or replace a template, from a JSON/YAML file or flags (a change is kept as a new version).')
      .addOption(projectOption())
      .option(
        '--file <path>',
        'JSON or YAML file with {name, channel, recipient, body, params, subject?, html?, channels?}',
      )
      .option('--name <name>')
      .option('--channel <channel>')
      .option('--to <recipient>', 'fixed recipient (omit to let callers choose)')
      .option('--subject <text>')
      .option('--body <text>')
      .option('--category <category>', `what it is for: ${templateCategories.join(', ')} (default: other)`)
      .option(
        '--param <spec...>',
        'name:text:100[:multiline,links] | name:email | name:number | name:pattern:REGEX (RE2 syntax, values up to 200 characters). ' +
          'When callers choose the recipient, text params refuse line breaks and links unless given multiline / links',
      ),
    async ({ store, actor, now }, opts: AddOptions) => {
      const { name, channel, params } = templateSummary(
        await saveTemplate(store, opts.project, templateInput(opts), now, actor),
      );
      return { name, channel, params };
    },
  );
  adminAction(
    templates
      .command('list')
      .description('List a project’s templates: version, active, category, uses.')
      .addOption(projectOption()),
    async ({ store }, opts: { project: string }) => {
      // An unknown project is an error, not an empty list.
      await requireProject(store, opts.project);
      return listTemplates(store, opts.project);
    },
  );
  adminAction(
    templates
      .command('show <name>')
      .description('Show a template in full (a fixed recipient masked).')
      .addOption(projectOption()),
    async ({ store }, opts: { project: string }, name) => {
      const template = await showTemplate(store, opts.project, name);
      if (!template) throw new Error(`No template ${name}.`);
      return template;
    },
  );
}
