/** Data sets: built-in samples or uploaded CSV files (header row, numeric features, one target column). */
import { Router } from 'express';
import { Dataset, User } from '../../entities';
import { isSampleDatasetName, loadSampleDataset, parseCsv, SAMPLE_DATASETS } from '../../ml/data/csv';
import type { Dataset as MlDataset } from '../../ml/types';
import type { ApiDeps } from '../app';
import { unprocessable } from '../errors';
import { ownedDataset } from '../ownership';
import { createDatasetSchema } from '../schemas';
import { datasetView } from '../views';

export function datasetRoutes({ orm }: ApiDeps): Router {
  const router = Router();

  router.get('/datasets/samples', (_req, res) => {
    res.json(Object.values(SAMPLE_DATASETS));
  });

  /** JSON `{ sample }` or `{ name, csv, target_column, task_type }`, or a raw `text/csv` body with those as query parameters. */
  router.post('/datasets', async (req, res) => {
    const body = createDatasetSchema.parse(
      typeof req.body === 'string' ? { ...req.query, csv: req.body } : (req.body ?? {}),
    );
    let parsed: MlDataset;
    let name: string;
    const sources = [body.sample, body.csv, body.uri].filter((source) => source !== undefined).length;
    if (sources > 1) throw unprocessable(body.uri !== undefined ? 'uri' : 'csv', 'give one of sample, csv or uri');
    if (body.uri !== undefined) {
      if (!body.task_type) throw unprocessable('task_type', 'required with uri: classification or regression');
      const em = orm.em.fork();
      const reference = em.create(Dataset, {
        user: em.getReference(User, req.userId),
        name: body.name ?? body.uri,
        taskType: body.task_type,
        targetColumn: body.target_column ?? 'target',
        nSamples: 0,
        nFeatures: 0,
        featureNames: [],
        uri: body.uri,
      });
      await em.flush();
      res.status(201).json(datasetView(reference));
      return;
    }
    if (body.sample !== undefined) {
      if (body.csv !== undefined) throw unprocessable('csv', 'give either sample or csv, not both');
      if (!isSampleDatasetName(body.sample)) {
        throw unprocessable('sample', `unknown sample "${body.sample}"; expected one of ${Object.keys(SAMPLE_DATASETS).join(', ')}`);
      }
      const { targetColumn, task } = SAMPLE_DATASETS[body.sample];
      if (body.target_column !== undefined && body.target_column !== targetColumn) {
        throw unprocessable('target_column', `the sample ${body.sample} has the target column "${targetColumn}", not "${body.target_column}"`);
      }
      if (body.task_type !== undefined && body.task_type !== task) {
        throw unprocessable('task_type', `the sample ${body.sample} is a ${task} data set`);
      }
      parsed = loadSampleDataset(body.sample);
      name = body.name ?? body.sample;
    } else {
      if (body.csv === undefined) throw unprocessable('csv', 'required (or give sample)');
      if (!body.target_column) throw unprocessable('target_column', 'required with csv');
      if (!body.task_type) throw unprocessable('task_type', 'required with csv: classification or regression');
      // InvalidInputError('csv' | 'target_column', ...) answers 422 naming the field.
      parsed = parseCsv(body.csv, { targetColumn: body.target_column, task: body.task_type });
      name = body.name ?? 'uploaded data set';
    }
    const em = orm.em.fork();
    const dataset = em.create(Dataset, {
      user: em.getReference(User, req.userId),
      name,
      taskType: parsed.task,
      targetColumn: body.target_column ?? 'target',
      nSamples: parsed.nSamples,
      nFeatures: parsed.nFeatures,
      featureNames: parsed.featureNames,
      classes: parsed.classes ?? null,
      sampleName: body.sample ?? null,
      content: body.sample === undefined ? body.csv! : null,
    });
    await em.flush();
    res.status(201).json(datasetView(dataset));
  });

  router.get('/datasets', async (req, res) => {
    const datasets = await orm.em.fork().find(Dataset, { user: req.userId }, { orderBy: { createdAt: 'desc' } });
    res.json(datasets.map(datasetView));
  });

  router.get('/datasets/:id', async (req, res) => {
    res.json(datasetView(await ownedDataset(orm.em.fork(), req.userId, req.params.id)));
  });

  return router;
}
