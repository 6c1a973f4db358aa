import type { Command } from 'commander';
import { analyticsGroups } from '@messagejs/shared-types';
import { messageAnalytics } from '../../features/analytics/analytics.js';
import { requireProject } from '../../features/projects/require-project.js';
import { adminAction, projectOption } from '../options.js';
import { table } from '../table.js';

interface StatsOptions {
  project: string;
  groupBy?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

const percent = (rate: number | null) => (rate === null ? null : `${(rate * 100).toFixed(1)} %`);
const seconds = (ms: number | null) => (ms === null ? null : `${(ms / 1000).toFixed(1)} s`);

/**
 * `stats`: a project's message figures, as `GET /v1/analytics/messages` answers them (the same
 * rollups, the same checks of the range and grouping): a table of groups then the totals and the
 * top failure codes, or the whole answer with `--json`.
 */
export function registerStats(program: Command): void {
  adminAction(
    program
      .command('stats')
      .description('A project’s message figures over a range: per day (or another grouping), totals, failure codes.')
      .addOption(projectOption())
      .option('--group-by <group>', `${analyticsGroups.join(', ')} (default: day)`)
      .option('--from <date>', 'start, ISO 8601 (default: 30 days before --to)')
      .option('--to <date>', 'end, ISO 8601, exclusive (default: now)'),
    async ({ store, now }, opts: StatsOptions) => {
      await requireProject(store, opts.project);
      const query = {
        ...(opts.groupBy !== undefined && { groupBy: opts.groupBy }),
        ...(opts.from !== undefined && { from: opts.from }),
        ...(opts.to !== undefined && { to: opts.to }),
      };
      const answer = await messageAnalytics({ store, now: () => now }, opts.project, query);
      if (opts.json) return answer;
      const { totals } = answer;
      const row = (key: string | null, f: typeof totals) => ({
        [answer.groupBy]: key ?? '(none)',
        messages: f.messages,
        delivered: f.delivered,
        failed: f.failed,
        'delivery rate': percent(f.deliveryRate),
        'median to delivered': seconds(f.medianTimeToDeliveredMs),
        segments: f.segments,
        'cost EUR': f.cost.eur,
      });
      const failures = answer.topFailureCodes.map(
        (f) => `  ${f.code}: ${f.messages}${f.meaning ? ` — ${f.meaning}` : ''}`,
      );
      const lines = [`${answer.from} → ${answer.to}`];
      if (answer.groups.length === 0) lines.push('No messages in this range.');
      else lines.push(table([...answer.groups.map((g) => row(g.key, g)), row('total', totals)]));
      if (failures.length > 0) lines.push('Top failure codes:', ...failures);
      return lines.join('\n');
    },
  );
}
