import type { Command } from 'commander';
import { createProject, listProjects, setDevelopment } from '../../features/projects/admin.js';
import { AppError } from '../../domain/app-error.js';
import { adminAction, projectOption } from '../options.js';
import { splitList } from '../parse.js';

interface CreateOptions {
  name: string;
  origins: string;
  countries: string;
  defaultCountry?: string;
  development?: boolean;
}

/** `projects create | list | development`. */
export function registerProjects(program: Command): void {
  const projects = program.command('projects').description('Manage projects.');
  adminAction(
    projects
      .command('create')
      .requiredOption('--name <name>')
      .option('--origins <list>', 'comma-separated allowed origins', '')
      .option('--countries <list>', 'comma-separated allowed destination countries (ISO alpha-2)', '')
      .option('--default-country <cc>', 'country for national-format numbers')
      .option('--development', 'a development project: the console connector prints its verification codes in full'),
    async ({ store, sealer, actor, now }, opts: CreateOptions) =>
      createProject(
        store,
        {
          name: opts.name,
          allowedOrigins: splitList(opts.origins),
          allowedCountries: splitList(opts.countries),
          defaultCountry: opts.defaultCountry ?? null,
          development: opts.development === true,
        },
        now,
        actor,
        sealer,
      ),
  );
  adminAction(projects.command('list'), async ({ store }) => listProjects(store));
  adminAction(
    projects
      .command('development <onOff>')
      .description(
        'mark a project as a development project (on) or not (off): only development projects see codes on the console connector',
      )
      .addOption(projectOption()),
    async ({ store, actor, now }, opts: { project: string }, onOff) => {
      if (onOff !== 'on' && onOff !== 'off')
        throw new AppError('validation_failed', 'Say `on` or `off`.', { field: 'development' });
      const project = await setDevelopment(store, opts.project, onOff === 'on', now, actor);
      return { development: project.development };
    },
  );
}
