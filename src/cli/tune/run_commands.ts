/** `tune runs`: start tuning runs from a spec file, watch, read results, list and cancel them. */
import type { Command } from 'commander';
import type { RunResultsView, RunStatusView, TuningRunView, TuningStarted } from './api_types';
import { cell, duration, printFields, printTable, score } from './output';
import { readSpecFile } from './spec';
import { watchRun } from './watch';
import type { CliContext } from './index';

function printStatus(s: RunStatusView): void {
  printFields({
    id: s.tuning_run_id,
    model_run: s.model_run_id,
    method: s.tuning_method,
    status: s.status,
    evaluated: `${s.progress.evaluated}${s.progress.total ? ` / ${s.progress.total}` : ''}`,
    best_score: score(s.progress.best_score),
    elapsed: duration(s.progress.elapsed_seconds),
    ...(s.stop_reason ? { stop_reason: s.stop_reason } : {}),
    ...(s.status === 'failed' ? { error: `${s.error_type ?? 'error'}: ${s.error ?? 'no message'}` } : {}),
  });
}

function printResults(r: RunResultsView): void {
  const results = r.results ?? {};
  printFields({
    id: r.tuning_run_id,
    status: r.status,
    scoring: results.scoring_metric,
    best_score: score(results.best_score),
    best_params: r.best_params,
    evaluated: results.total_combinations,
    time: duration(results.tuning_time),
    ...(r.stop_reason ? { stop_reason: r.stop_reason } : {}),
    ...(results.error ? { error: results.error } : {}),
  });
  if (r.detail) process.stdout.write(`${r.detail}\n`);
  const ranked = results.all_results ?? [];
  if (ranked.length === 0) return;
  process.stdout.write('\n');
  printTable(ranked, [
    { header: 'rank', value: (row) => row.rank },
    { header: 'mean', value: (row) => score(row.mean_score) },
    { header: 'std', value: (row) => score(row.std_score) },
    { header: 'params', value: (row) => cell(row.params) },
  ]);
}

export function registerRunCommands(program: Command, { api, output }: CliContext): void {
  const runs = program.command('runs').description('tuning runs: start, watch, results, list, cancel');

  runs
    .command('start <spec>')
    .description('start a tuning run from a request file (.json, or .yaml / .yml): the fields of POST /tuning/tune')
    .option('--model-run <id>', 'the model run to tune (overrides model_run_id in the file)')
    .option('--watch', 'follow the run with a progress bar until it ends; exit 1 if it failed')
    .option('--json', 'print the API answer (with --watch, the final status) as JSON')
    .action(async (specPath: string, options: { modelRun?: string; watch?: boolean; json?: boolean }) => {
      const spec = await readSpecFile(specPath);
      if (options.modelRun) spec.model_run_id = options.modelRun;
      const client = await api();
      const started = await client.request<TuningStarted>('POST', '/tuning/tune', { body: spec });
      if (!options.json || !options.watch) {
        output(options, started, (s) => process.stdout.write(`started tuning run ${s.tuning_run_id} (${s.tuning_method}, ${s.total_candidates} candidates)\n`));
      }
      if (options.watch) process.exitCode = await watchRun(client, started.tuning_run_id, options);
    });

  runs
    .command('watch <id>')
    .description('a progress bar until the run ends; exit 0 completed, 1 failed or cancelled')
    .option('--json', 'no bar; print the final status as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      process.exitCode = await watchRun(await api(), id, options);
    });

  runs
    .command('status <id>')
    .description('where a run is now')
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      output(options, await (await api()).request<RunStatusView>('GET', `/tuning/tune/${id}/status`), printStatus);
    });

  runs
    .command('results <id>')
    .description('the best parameters and the ranked candidates as a table')
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      output(options, await (await api()).request<RunResultsView>('GET', `/tuning/tune/${id}/results`), printResults);
    });

  runs
    .command('list')
    .description("a model run's tuning runs, newest first")
    .requiredOption('--model-run <id>', 'the model run id')
    .option('--status <status>', 'running, completed or failed')
    .option('--tag <tag>', 'only runs with this tag')
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: { modelRun: string; status?: string; tag?: string; limit?: string; json?: boolean }) => {
      const rows = await (await api()).request<TuningRunView[]>('GET', `/model-runs/${options.modelRun}/tuning-runs`, {
        query: { status: options.status, tag: options.tag, limit: options.limit },
      });
      output(options, rows, () =>
        printTable(rows, [
          { header: 'id', value: (r) => r.tuning_run_id },
          { header: 'method', value: (r) => r.tuning_method },
          { header: 'status', value: (r) => r.status },
          { header: 'evaluated', value: (r) => r.n_iterations },
          { header: 'best', value: (r) => score(r.best_score) },
          { header: 'created', value: (r) => r.created_at },
          { header: 'tags', value: (r) => r.tags.join(',') },
        ]),
      );
    });

  runs
    .command('cancel <id>')
    .description('stop a running run; it ends failed (Cancelled) keeping the best results so far')
    .option('--reason <text>', 'recorded with the cancellation')
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, options: { reason?: string; json?: boolean }) => {
      const answer = await (await api()).request<{ tuning_run_id: string; detail: string }>('POST', `/tuning/tune/${id}/cancel`, {
        body: options.reason ? { reason: options.reason } : {},
      });
      output(options, answer, (a) => process.stdout.write(`tuning run ${a.tuning_run_id}: ${a.detail}\n`));
    });
}
