/**
 * ECharts options of the run page's plots, from the trials (pure functions: the page draws them,
 * the browser tests count their points). Scores are maximised (scikit-learn's greater-is-better),
 * except in a client-evaluated study that minimises its value.
 */
import type { ParamValue, Trial } from './api';

export const completed = (trials: readonly Trial[]) => trials.filter((t) => t.state === 'COMPLETE' && t.mean_score !== null);

const label = (value: ParamValue) => (value === null ? 'None' : String(value));

/** A parameter's axis: numeric when every value is a number, else its distinct values as categories. */
export interface ParamAxis {
  name: string;
  categories: string[] | null;
  /** The value on the axis: the number itself, or the category's label. */
  coordinate(value: ParamValue): number | string;
}

export function paramAxes(trials: readonly Trial[]): ParamAxis[] {
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  return names.map((name) => {
    const values = trials.map((t) => t.params[name]).filter((v) => v !== undefined);
    const numeric = values.every((v) => typeof v === 'number');
    const categories = numeric ? null : [...new Set(values.map(label))].sort();
    return { name, categories, coordinate: (value) => (numeric ? (value as number) : label(value)) };
  });
}

const tooltip = { trigger: 'item' as const };
/**
 * Above this many items a series is drawn in ECharts' large mode (one batched path, no per-point
 * hover). Every series is drawn in one pass (`progressive: 0`): ECharts' default progressive
 * rendering of big series repaints the canvas frame after frame, which cost about twice the CPU
 * time to a fully drawn page of 5,000 trials (bench/dashboard.ts).
 */
const LARGE = 2000;

/** [min, max] of the values, or [0, 1] when there are none (a run that has not scored yet). */
function extent(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  return values.reduce<[number, number]>(([min, max], v) => [Math.min(min, v), Math.max(max, v)], [Infinity, -Infinity]);
}

export type Direction = 'maximize' | 'minimize';

/** Each completed trial's [number, score], and the best score so far at each (lowest when minimising). */
function history(trials: readonly Trial[], direction: Direction) {
  const points = completed(trials).map((t) => [t.number, t.mean_score!]);
  const better = direction === 'minimize' ? Math.min : Math.max;
  let best = direction === 'minimize' ? Infinity : -Infinity;
  return { points, bestSoFar: points.map(([number, score]) => [number, (best = better(best, score))]) };
}

/** Each completed trial's score, and the best score so far at each trial. */
export function historyOption(trials: readonly Trial[], scoring: string, direction: Direction) {
  const { points, bestSoFar } = history(trials, direction);
  return {
    animation: false,
    tooltip,
    legend: { data: ['Score', 'Best so far'], top: 0 },
    grid: { left: 60, right: 20, top: 36, bottom: 40 },
    xAxis: { type: 'value', name: 'Trial', nameLocation: 'middle', nameGap: 26, min: 0 },
    yAxis: { type: 'value', name: scoring, scale: true },
    series: [
      { name: 'Score', type: 'scatter', symbolSize: 6, data: points, large: points.length > LARGE, progressive: 0 },
      { name: 'Best so far', type: 'line', step: 'end', showSymbol: false, data: bestSoFar, color: '#cf1124' },
    ],
  };
}

const RUN_COLOURS = ['#2680c2', '#de911d'];

/** Two runs' histories on one chart: each run's scores and its best-so-far line, in its colour. */
export function compareOption(runs: readonly { label: string; trials: readonly Trial[]; direction: Direction }[], scoring: string) {
  const series = runs.flatMap((run, i) => {
    const { points, bestSoFar } = history(run.trials, run.direction);
    return [
      { name: run.label, type: 'scatter', symbolSize: 5, data: points, color: RUN_COLOURS[i], large: points.length > LARGE, progressive: 0, itemStyle: { opacity: 0.5 } },
      { name: `${run.label} best`, type: 'line', step: 'end', showSymbol: false, data: bestSoFar, color: RUN_COLOURS[i], lineStyle: { width: 2 } },
    ];
  });
  return {
    animation: false,
    tooltip,
    legend: { data: series.map((s) => s.name), top: 0 },
    grid: { left: 60, right: 20, top: 40, bottom: 40 },
    xAxis: { type: 'value', name: 'Trial', nameLocation: 'middle', nameGap: 26, min: 0 },
    yAxis: { type: 'value', name: scoring, scale: true },
    series,
  };
}

/** One line per completed trial through every parameter's axis and the score's. */
export function parallelOption(trials: readonly Trial[], scoring: string) {
  const done = completed(trials);
  const axes = paramAxes(done);
  const [min, max] = extent(done.map((t) => t.mean_score!));
  return {
    animation: false,
    parallelAxis: [
      ...axes.map((axis, dim) => (axis.categories ? { dim, name: axis.name, type: 'category', data: axis.categories } : { dim, name: axis.name, scale: true })),
      { dim: axes.length, name: scoring, scale: true },
    ],
    parallel: { left: 40, right: 80, top: 40, bottom: 30 },
    visualMap: { type: 'continuous', dimension: axes.length, min, max, right: 0, top: 40, calculable: false, inRange: { color: ['#d9e2ec', '#2680c2', '#102a43'] } },
    series: [
      {
        type: 'parallel',
        lineStyle: { width: 1, opacity: 0.6 },
        progressive: 0,
        data: done.map((t) => [...axes.map((axis) => axis.coordinate(t.params[axis.name])), t.mean_score!]),
      },
    ],
  };
}

/** One grid per parameter: its value against the score, for every completed trial. */
export function sliceOption(trials: readonly Trial[], scoring: string) {
  const done = completed(trials);
  const axes = paramAxes(done);
  const perRow = Math.min(3, Math.max(1, axes.length));
  const rows = Math.ceil(axes.length / perRow);
  const width = 100 / perRow;
  const height = 100 / Math.max(1, rows);
  return {
    animation: false,
    tooltip,
    title: axes.map((axis, i) => ({ text: axis.name, left: `${(i % perRow) * width + width / 2}%`, top: `${Math.floor(i / perRow) * height}%`, textAlign: 'center', textStyle: { fontSize: 12 } })),
    grid: axes.map((_, i) => ({ left: `${(i % perRow) * width + 6}%`, width: `${width - 9}%`, top: `${Math.floor(i / perRow) * height + 8}%`, height: `${height - 18}%` })),
    xAxis: axes.map((axis, i) => (axis.categories ? { gridIndex: i, type: 'category', data: axis.categories } : { gridIndex: i, type: 'value', scale: true })),
    yAxis: axes.map((_, i) => ({ gridIndex: i, type: 'value', scale: true, name: i % perRow === 0 ? scoring : '' })),
    series: axes.map((axis, i) => ({
      name: axis.name,
      type: 'scatter',
      xAxisIndex: i,
      yAxisIndex: i,
      symbolSize: 5,
      large: done.length > LARGE,
      progressive: 0,
      data: done.map((t) => [axis.coordinate(t.params[axis.name]), t.mean_score!, t.number]),
    })),
  };
}

/**
 * The two given parameters against each other: the mean score of the trials in each cell of a
 * grid (up to 12 bins a numeric parameter, one a category) as a filled contour-like map, and the
 * trials on top. Optuna interpolates instead; binning shows only what was measured.
 */
export function contourOption(trials: readonly Trial[], params: readonly [string, string], scoring: string) {
  const done = completed(trials);
  const axes = paramAxes(done).filter((axis) => params.includes(axis.name));
  axes.sort((a, b) => params.indexOf(a.name) - params.indexOf(b.name));
  const bins = axes.map((axis) => binning(axis, done));
  const cells = new Map<string, { sum: number; count: number }>();
  for (const t of done) {
    const key = bins.map((b, i) => b.index(t.params[axes[i].name])).join(',');
    const cell = cells.get(key) ?? { sum: 0, count: 0 };
    cell.sum += t.mean_score!;
    cell.count += 1;
    cells.set(key, cell);
  }
  const [min, max] = extent(done.map((t) => t.mean_score!));
  return {
    animation: false,
    tooltip,
    grid: { left: 70, right: 90, top: 20, bottom: 50 },
    xAxis: { type: 'category', name: axes[0].name, nameLocation: 'middle', nameGap: 30, data: bins[0].labels, splitArea: { show: true } },
    yAxis: { type: 'category', name: axes[1].name, data: bins[1].labels, splitArea: { show: true } },
    visualMap: { min, max, calculable: true, precision: 4, right: 0, top: 20, seriesIndex: 0, text: ['', scoring], textGap: 6, inRange: { color: ['#f0f4f8', '#9fb3c8', '#2680c2', '#102a43'] } },
    series: [
      { name: 'Mean score', type: 'heatmap', data: [...cells].map(([key, c]) => [...key.split(',').map(Number), c.sum / c.count]) },
      {
        name: 'Trials',
        type: 'scatter',
        symbolSize: 4,
        large: done.length > LARGE,
      progressive: 0,
        itemStyle: { color: '#de911d' },
        // Spread within the cell, so trials in one cell do not all fall on one point.
        data: done.map((t) => [...bins.map((b, i) => b.index(t.params[axes[i].name]) + b.offset(t.params[axes[i].name])), t.mean_score!, t.number]),
      },
    ],
  };
}

/** Bins of a parameter's axis: categories as they are, numbers in up to 12 equal-width bins. */
function binning(axis: ParamAxis, trials: readonly Trial[]) {
  if (axis.categories) {
    const categories = axis.categories;
    return { labels: categories, index: (v: ParamValue) => categories.indexOf(label(v)), offset: () => 0 };
  }
  const values = trials.map((t) => t.params[axis.name] as number);
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  if (distinct.length <= 12) return { labels: distinct.map(String), index: (v: ParamValue) => distinct.indexOf(v as number), offset: () => 0 };
  const low = distinct[0];
  const width = (distinct[distinct.length - 1] - low) / 12;
  const position = (v: ParamValue) => Math.min(11.999, ((v as number) - low) / width);
  return {
    labels: Array.from({ length: 12 }, (_, i) => (low + (i + 0.5) * width).toPrecision(3)),
    index: (v: ParamValue) => Math.floor(position(v)),
    offset: (v: ParamValue) => position(v) - Math.floor(position(v)) - 0.5,
  };
}

/** Fold scores (a client's reported steps) one line per trial; pruned trials (stopped after a few steps) in their own colour. */
export function intermediateOption(trials: readonly Trial[], scoring: string, step: string) {
  const line = (t: Trial) => ({ coords: t.scores.map((score, fold) => [fold, score]), trial: t.number });
  // A line needs two steps (ECharts cannot draw a one-point polyline); a single value is in the history plot.
  const withSteps = trials.filter((t) => t.scores.length > 1);
  const large = withSteps.length > LARGE;
  const folds = Math.max(1, ...withSteps.map((t) => t.scores.length));
  // A lines series does not widen the axes to its data: the score axis gets its extent here.
  const [min, max] = extent(withSteps.flatMap((t) => t.scores));
  const pad = (max - min) * 0.05 || 0.01;
  return {
    animation: false,
    legend: { data: ['Complete', 'Pruned'], top: 0 },
    grid: { left: 60, right: 20, top: 36, bottom: 40 },
    xAxis: { type: 'value', name: step, nameLocation: 'middle', nameGap: 26, min: 0, max: folds - 1, interval: 1 },
    yAxis: { type: 'value', name: scoring, min: min - pad, max: max + pad, axisLabel: { formatter: (v: number) => v.toPrecision(3) } },
    series: [
      { name: 'Complete', type: 'lines', coordinateSystem: 'cartesian2d', polyline: true, large, progressive: 0, lineStyle: { width: 1, opacity: 0.4, color: '#2680c2' }, data: withSteps.filter((t) => t.state === 'COMPLETE').map(line) },
      { name: 'Pruned', type: 'lines', coordinateSystem: 'cartesian2d', polyline: true, large, progressive: 0, lineStyle: { width: 1.5, opacity: 0.8, color: '#cf1124' }, data: withSteps.filter((t) => t.state === 'PRUNED').map(line) },
    ],
  };
}

/** fANOVA importances, most important on top. */
export function importanceOption(importances: Record<string, number>) {
  const entries = Object.entries(importances).sort((a, b) => a[1] - b[1]);
  return {
    animation: false,
    tooltip,
    grid: { left: 140, right: 50, top: 10, bottom: 30 },
    xAxis: { type: 'value', max: 1 },
    yAxis: { type: 'category', data: entries.map(([name]) => name) },
    series: [{ type: 'bar', data: entries.map(([, value]) => Number(value.toFixed(4))), label: { show: true, position: 'right' }, color: '#2680c2' }],
  };
}
