/**
 * k-nearest-neighbour timing per fold: `npx tsx bench/knn.ts [--folds N]`.
 *
 * For each data set, 5-fold cross-validation (cvSplits, seed 0) of the registry's default
 * StandardScaler + KNeighbors (n_neighbors=5), once with algorithm='brute' and once with 'auto'
 * (a KD-tree up to 15 features, as scikit-learn). Prints CPU and wall seconds per fold (mean over
 * the folds timed) and whether both gave identical predictions. Data: Gaussian blobs of 20,000
 * rows generated here, plus synthetic_clf_20k and synthetic_reg_10k from $BENCH_DATA when
 * present (see bench/README.md).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { parseCsv } from '../src/ml/data/csv';
import { cvSplits } from '../src/ml/model_selection';
import { KNeighborsClassifier, KNeighborsRegressor, NeighborsAlgorithm } from '../src/ml/neighbors';
import { withStandardScaler } from '../src/ml/preprocessing';
import { Random } from '../src/ml/random';
import { Dataset } from '../src/ml/types';

const DATA_DIR = process.env.BENCH_DATA ?? path.join(os.homedir(), '.cache', 'tuning-service', 'bench-data');

/** n rows around 3 Gaussian centres in d dimensions; the class is the centre. */
function blobs(n: number, d: number, seed: number): Dataset {
  const rng = new Random(seed);
  const centres = Array.from({ length: 3 }, () => Array.from({ length: d }, () => 4 * rng.normal()));
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(3);
    for (let f = 0; f < d; f++) X[f * n + i] = centres[y[i]][f] + rng.normal();
  }
  return { nSamples: n, nFeatures: d, featureNames: Array.from({ length: d }, (_, f) => `f${f}`), X, y, task: 'classification', classes: ['0', '1', '2'] };
}

function datasets(): [string, Dataset][] {
  const out: [string, Dataset][] = [4, 8, 15].map((d) => [`blobs_20k_${d}f`, blobs(20000, d, d)]);
  for (const [name, task] of [['synthetic_clf_20k', 'classification'], ['synthetic_reg_10k', 'regression']] as const) {
    const file = path.join(DATA_DIR, `${name}.csv`);
    if (fs.existsSync(file)) out.push([name, parseCsv(fs.readFileSync(file, 'utf8'), { targetColumn: 'target', task })]);
    else console.error(`${name}: not in ${DATA_DIR} (write it with /usr/bin/python3 ../shared/bench/export_datasets.py ${DATA_DIR})`);
  }
  return out;
}

function timeFolds(data: Dataset, algorithm: NeighborsAlgorithm, nFolds: number): { cpu: number; wall: number; predictions: number[] } {
  const splits = cvSplits(data, 5, 0).slice(0, nFolds);
  const predictions: number[] = [];
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (const { train, test } of splits) {
    const model = data.task === 'classification' ? new KNeighborsClassifier({}, { algorithm }) : new KNeighborsRegressor({}, { algorithm });
    const estimator = withStandardScaler(model).fit(data, train);
    predictions.push(...estimator.predict(data, test));
  }
  const cpu = process.cpuUsage(cpuStart);
  return { cpu: (cpu.user + cpu.system) / 1e6 / splits.length, wall: (performance.now() - wallStart) / 1000 / splits.length, predictions };
}

function main(): void {
  const foldsArg = process.argv.indexOf('--folds');
  const nFolds = foldsArg >= 0 ? Number(process.argv[foldsArg + 1]) : 5;
  console.log(['data set', 'rows', 'features', 'brute cpu/fold', 'auto cpu/fold', 'brute wall/fold', 'auto wall/fold', 'identical'].join('\t'));
  for (const [name, data] of datasets()) {
    const brute = timeFolds(data, 'brute', nFolds);
    const auto = timeFolds(data, 'auto', nFolds);
    const identical = brute.predictions.every((v, i) => v === auto.predictions[i]);
    console.log([name, data.nSamples, data.nFeatures, brute.cpu.toFixed(3), auto.cpu.toFixed(3), brute.wall.toFixed(3), auto.wall.toFixed(3), identical].join('\t'));
  }
}

main();
