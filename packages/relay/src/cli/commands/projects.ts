import type { Command } from 'commander';
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  projectView,
  setDevelopment,
  updateProject,
} from '../../features/projects/admin.js';
import { AppError } from '../../domain/app-error.js';
import { adminAction, projectOption } from '../options.js';
import { splitList } from '../parse.js';

interface CreateOptions {
  name: string;
  origins: string;
  countries: string;
  defaultCountry?: string;
  development?: boolean;
  account?: string;
}

function registerCreate(projects: Command): void {
  adminAction(
    projects
      .command('create')
      .description('Create a project (in the relay’s only account, or the one --account names).')
      .requiredOption('--name <name>', 'its name')
      .option('--origins <list>', 'comma-separated allowed origins', '')
      .option('--countries <list>', 'comma-separated allowed destination countries (ISO alpha-2)', '')
      .option('--default-country <cc>', 'country for national-format numbers')
      .option('--development', 'a development project: the console connector prints its verification codes in full')
      .option('--account <id>', 'the owning account (acc_…), when the relay has several'),
    async ({ store, sealer, actor, now }, opts: CreateOptions) =>
      projectView(
        await createProject(
          store,
          {
            name: opts.name,
            allowedOrigins: splitList(opts.origins),
            allowedCountries: splitList(opts.countries),
            defaultCountry: opts.defaultCountry ?? null,
            development: opts.development === true,
            ...(opts.account && { accountId: opts.account }),
          },
          now,
          actor,
          sealer,
        ),
      ),
  );
}

function registerChanges(projects: Command): void {
  adminAction(
    projects
      .command('update')
      .description('Rename a project.')
      .addOption(projectOption())
      .requiredOption('--name <name>', 'its new name'),
    async ({ store, actor, now }, opts: { project: string; name: string }) =>
      updateProject(store, opts.project, { name: opts.name }, now, actor),
  );
  adminAction(
    projects
      .command('development <onOff>')
      .description(
        'Mark a project as a development project (on) or not (off): only development projects see codes on the console connector.',
      )
      .addOption(projectOption()),
    async ({ store, actor, now }, opts: { project: string }, onOff) => {
      if (onOff !== 'on' && onOff !== 'off')
        throw new AppError('validation_failed', 'Say `on` or `off`.', { field: 'development' });
      const project = await setDevelopment(store, opts.project, onOff === 'on', now, actor);
      return { development: project.development };
    },
  );
  adminAction(
    projects
      .command('delete')
      .description('Delete a project and everything it holds: keys, templates, connectors, messages, opt-outs.')
      .addOption(projectOption())
      .option('--confirm <projectId>', 'the project id again, to confirm'),
    async ({ store, actor, now }, opts: { project: string; confirm?: string }) => {
      await deleteProject(store, opts.project, opts.confirm, now, actor);
      return `Deleted ${opts.project} and everything it held.`;
    },
  );
}

/** `projects create | list | show | update | development | delete`. */
export function registerProjects(program: Command): void {
  const projects = program.command('projects').description('Manage projects.');
  registerCreate(projects);
  adminAction(
    projects.command('list').description('List every project of the relay.'),
    async ({ store }) => (await listProjects(store)).map(projectView),
    ['id', 'name', 'accountId', 'development', 'allowedCountries', 'createdAt'],
  );
  adminAction(
    projects.command('show').description('Show a project and its settings.').addOption(projectOption()),
    async ({ store, actor }, opts: { project: string }) => getProject(store, opts.project, actor.principal),
  );
  registerChanges(projects);
}
