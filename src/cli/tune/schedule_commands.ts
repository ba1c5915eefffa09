/** `tune schedules`: re-tune a model run on a cron or an interval (Temporal Schedules). */
import { Option, type Command } from 'commander';
import { OVERLAP_POLICIES } from '../../temporal/schedules';
import type { ScheduleView } from './api_types';
import { cell, printFields, printTable } from './output';
import { readSpecFile, wholeNumber } from './spec';
import type { CliContext } from './index';

const when = (spec: Record<string, unknown>) =>
  spec.cron !== undefined ? `cron ${cell(spec.cron)}` : spec.interval_seconds !== undefined ? `every ${cell(spec.interval_seconds)}s` : cell(spec);

const printSchedule = (s: ScheduleView) =>
  printFields({ id: s.id, model_run: s.model_run_id, when: when(s.spec), paused: s.state.paused, next: s.next_action_time ?? '-' });

export function registerScheduleCommands(program: Command, { api, output }: CliContext): void {
  const schedules = program.command('schedules').description('re-tune a model run on a schedule');

  schedules
    .command('list')
    .description('your schedules, newest first')
    .option('--model-run <id>', "only this model run's schedules")
    .option('--json', 'print the API answer as JSON')
    .action(async (options: { modelRun?: string; json?: boolean }) => {
      const rows = await (await api()).request<ScheduleView[]>('GET', '/tuning/schedules', { query: { model_run_id: options.modelRun } });
      output(options, rows, () =>
        printTable(rows, [
          { header: 'id', value: (s) => s.id },
          { header: 'model run', value: (s) => s.model_run_id },
          { header: 'when', value: (s) => when(s.spec) },
          { header: 'paused', value: (s) => s.state.paused },
          { header: 'next', value: (s) => s.next_action_time },
        ]),
      );
    });

  schedules
    .command('create <spec>')
    .description('a schedule from a tuning request file (.json / .yaml) plus its timing')
    .option('--model-run <id>', 'the model run to re-tune (overrides model_run_id in the file)')
    .option('--cron <expr>', 'five-field cron (UTC) or @hourly, @daily, ...')
    .option('--interval <seconds>', 'every this many seconds (at least 60)', wholeNumber('--interval'))
    .addOption(new Option('--overlap-policy <policy>', 'when an action is due while the last still runs').choices([...OVERLAP_POLICIES]))
    .option('--paused', 'create it paused')
    .option('--json', 'print the API answer as JSON')
    .action(async (specPath: string, options: { modelRun?: string; cron?: string; interval?: number; overlapPolicy?: string; paused?: boolean; json?: boolean }) => {
      const spec = await readSpecFile(specPath);
      if (options.modelRun) spec.model_run_id = options.modelRun;
      if (options.cron !== undefined) spec.cron = options.cron;
      if (options.interval !== undefined) spec.interval_seconds = options.interval;
      if (options.overlapPolicy) spec.overlap_policy = options.overlapPolicy;
      if (options.paused) spec.paused = true;
      output(options, await (await api()).request<ScheduleView>('POST', '/tuning/schedules', { body: spec }), printSchedule);
    });

  schedules
    .command('delete <id>')
    .description('delete a schedule (actions already running finish)')
    .action(async (id: string) => {
      await (await api()).request('DELETE', `/tuning/schedules/${id}`);
      process.stdout.write(`deleted schedule ${id}\n`);
    });

  schedules
    .command('trigger <id>')
    .description('take an action now, even when paused')
    .addOption(new Option('--overlap-policy <policy>', 'for this action only (default allow_all)').choices([...OVERLAP_POLICIES]))
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, options: { overlapPolicy?: string; json?: boolean }) => {
      const answer = await (await api()).request<{ id: string; overlap_policy: string }>('POST', `/tuning/schedules/${id}/trigger`, {
        body: options.overlapPolicy ? { overlap_policy: options.overlapPolicy } : {},
      });
      output(options, answer, (a) => process.stdout.write(`triggered schedule ${a.id} (overlap policy ${a.overlap_policy})\n`));
    });
}
