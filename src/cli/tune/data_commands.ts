/** login, datasets, experiments and model-runs: the steps before a tuning run. */
import { Option, type Command } from 'commander';
import type { DatasetView, ExperimentView, ModelRunView } from './api_types';
import { ApiClient } from './client';
import { configPath, normalizeUrl, saveCredentials } from './config';
import { EXIT } from './errors';
import { printFields, printTable, score } from './output';
import { pollUntil } from './poll';
import { parseJsonObject, readTextFile, wholeNumber } from './spec';
import type { CliContext } from './index';

const printDataset = (d: DatasetView) =>
  printFields({ id: d.id, name: d.name, task: d.task_type, target: d.target_column, samples: d.n_samples, features: d.n_features, classes: d.classes });

function printModelRun(m: ModelRunView): void {
  const metrics = m.metrics as { mean_score?: number; std_score?: number } | null;
  printFields({
    id: m.id,
    experiment: m.experiment_id,
    model_type: m.model_type,
    hyperparameters: m.hyperparameters,
    cv_folds: m.cv_folds,
    status: m.status,
    ...(typeof metrics?.mean_score === 'number' ? { [m.scoring]: `${score(metrics.mean_score)} ± ${score(metrics.std_score)}` } : {}),
    ...(m.error ? { error: m.error } : {}),
  });
}

export function registerDataCommands(program: Command, { api, output }: CliContext): void {
  program
    .command('login')
    .description('check a token against the API and store it in the user config directory (mode 0600)')
    .requiredOption('--url <url>', 'the service, e.g. http://localhost:8000')
    .requiredOption('--token <token>', 'an API token (npm run create-user prints one)')
    .action(async (options: { url: string; token: string }) => {
      const credentials = { url: normalizeUrl(options.url), token: options.token };
      // Any authenticated read proves the token; a refused one is never stored.
      await new ApiClient(credentials).request('GET', '/datasets/samples');
      const path = configPath();
      await saveCredentials(credentials, path);
      process.stdout.write(`logged in to ${credentials.url}; token stored in ${path}\n`);
    });

  const datasets = program.command('datasets').description('upload and list data sets');
  datasets
    .command('upload <file>')
    .description('upload a CSV file: a header row, numeric features and one target column')
    .requiredOption('--target <column>', 'the target column')
    .addOption(new Option('--task <task>', 'what the target is').choices(['classification', 'regression']).makeOptionMandatory())
    .option('--name <name>', 'a name for the data set (default: the file name)')
    .option('--json', 'print the API answer as JSON')
    .action(async (file: string, options: { target: string; task: string; name?: string; json?: boolean }) => {
      const csv = await readTextFile(file);
      const name = options.name ?? file.split(/[\\/]/).pop();
      const dataset = await (await api()).request<DatasetView>('POST', '/datasets', {
        csv,
        query: { target_column: options.target, task_type: options.task, name },
      });
      output(options, dataset, printDataset);
    });
  datasets
    .command('sample <name>')
    .description('add a built-in sample: iris, wine, breast_cancer, digits or diabetes')
    .option('--json', 'print the API answer as JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      output(options, await (await api()).request<DatasetView>('POST', '/datasets', { body: { sample: name } }), printDataset);
    });
  datasets
    .command('list')
    .description('your data sets, newest first')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = await (await api()).request<DatasetView[]>('GET', '/datasets');
      output(options, rows, () =>
        printTable(rows, [
          { header: 'id', value: (d) => d.id },
          { header: 'name', value: (d) => d.name },
          { header: 'task', value: (d) => d.task_type },
          { header: 'samples', value: (d) => d.n_samples },
          { header: 'features', value: (d) => d.n_features },
        ]),
      );
    });

  program
    .command('experiments')
    .description('create experiments')
    .command('create')
    .description('create an experiment on a data set')
    .requiredOption('--name <name>', 'the experiment name')
    .requiredOption('--dataset <id>', 'the data set id')
    .option('--description <text>', 'a description')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: { name: string; dataset: string; description?: string; json?: boolean }) => {
      const experiment = await (await api()).request<ExperimentView>('POST', '/experiments', {
        body: { name: options.name, dataset_id: options.dataset, description: options.description },
      });
      output(options, experiment, (e) => printFields({ id: e.id, name: e.name, dataset: e.dataset_id }));
    });

  const modelRuns = program.command('model-runs').description('train models (cross-validated) before tuning them');
  modelRuns
    .command('create')
    .description('train a model type with given hyperparameters on the experiment data set')
    .requiredOption('--experiment <id>', 'the experiment id')
    .requiredOption('--model-type <type>', 'e.g. random_forest, logistic_regression, xgboost')
    .option('--params <json>', 'hyperparameters as a JSON object', '{}')
    .option('--cv-folds <n>', 'cross-validation folds (default 5)', wholeNumber('--cv-folds'))
    .option('--scoring <name>', 'the metric (default: accuracy or r2 by task)')
    .option('--wait', 'wait until training ends; exit 1 if it failed')
    .option('--json', 'print the API answer as JSON')
    .action(async (options: { experiment: string; modelType: string; params: string; cvFolds?: number; scoring?: string; wait?: boolean; json?: boolean }) => {
      const client = await api();
      let modelRun = await client.request<ModelRunView>('POST', '/model-runs', {
        body: {
          experiment_id: options.experiment,
          model_type: options.modelType,
          hyperparameters: parseJsonObject('--params', options.params),
          cv_folds: options.cvFolds,
          scoring: options.scoring,
        },
      });
      if (options.wait) {
        if (!options.json) process.stderr.write(`training model run ${modelRun.id}...\n`);
        modelRun = await pollUntil(() => client.request<ModelRunView>('GET', `/model-runs/${modelRun.id}`), (m) => m.status !== 'running');
        if (modelRun.status === 'failed') process.exitCode = EXIT.runFailed;
      }
      output(options, modelRun, printModelRun);
    });
  modelRuns
    .command('show <id>')
    .description('a model run: status, metrics or error')
    .option('--json', 'print the API answer as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      output(options, await (await api()).request<ModelRunView>('GET', `/model-runs/${id}`), printModelRun);
    });
}
