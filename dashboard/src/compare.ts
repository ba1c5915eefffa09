/** Two tuning runs side by side: their histories overlaid and their best parameters in one table. */
import { api, runTrials, type RunDetail, type Trial } from './api';
import { compareOption, completed } from './charts';
import { disposeCharts, draw, resizeCharts } from './echarts';
import { fmtScore, h } from './dom';

/** The best completed trial of a run (lowest score when it minimises). */
function bestTrial(trials: readonly Trial[], direction: RunDetail['direction']): Trial | null {
  const sign = direction === 'minimize' ? -1 : 1;
  return completed(trials).reduce<Trial | null>((best, t) => (best === null || sign * t.mean_score! > sign * best.mean_score! ? t : best), null);
}

export function showCompare(view: HTMLElement, ids: [string, string], onError: (err: unknown) => void): { close(): void } {
  const chart = h('div', { class: 'chart tall', id: 'chart-compare' });
  const table = h('div');
  view.replaceChildren(h('h1', {}, 'Two tuning runs compared'), h('section', { class: 'card' }, h('h2', {}, 'Optimization history'), chart), h('section', { class: 'card' }, h('h2', {}, 'Best parameters'), table));
  window.addEventListener('resize', resizeCharts);
  let closed = false;
  Promise.all(ids.map(async (id) => ({ run: await api<RunDetail>('GET', `/tuning/runs/${id}`), trials: await runTrials(id) })))
    .then(async (runs) => {
      if (closed) return;
      const label = ({ run }: (typeof runs)[number]) => `${run.tuning_run_id.slice(0, 8)} ${run.tuning_method}`;
      const best = runs.map(({ run, trials }) => bestTrial(trials, run.direction));
      const params = [...new Set(best.flatMap((t) => Object.keys(t?.params ?? {})))].sort();
      const cell = (value: unknown) => h('td', {}, value === undefined ? '–' : value === null ? 'None' : String(value));
      table.replaceChildren(
        h(
          'table',
          { id: 'compare-table' },
          h('thead', {}, h('tr', {}, h('th', {}, ''), runs.map((r) => h('th', {}, h('a', { href: `#/runs/${r.run.tuning_run_id}` }, label(r)))))),
          h(
            'tbody',
            {},
            h('tr', {}, h('td', {}, 'Status'), runs.map((r) => cell(r.run.status))),
            h('tr', {}, h('td', {}, 'Trials'), runs.map((r) => cell(r.trials.length))),
            h('tr', {}, h('td', {}, 'Best score'), best.map((t) => cell(t ? fmtScore(t.mean_score) : undefined))),
            h('tr', {}, h('td', {}, 'Best trial'), best.map((t) => cell(t?.number))),
            params.map((p) => h('tr', { class: 'param-row' }, h('td', {}, p), best.map((t) => cell(t?.params[p])))),
          ),
        ),
      );
      const scoring = runs[0].run.scoring ?? 'value';
      await draw('compare', chart, compareOption(runs.map((r) => ({ label: label(r), trials: r.trials, direction: r.run.direction })), scoring));
      window.dashboard.drawn = runs.reduce((n, r) => n + r.trials.length, 0);
    })
    .catch(onError);
  return {
    close() {
      closed = true;
      window.removeEventListener('resize', resizeCharts);
      disposeCharts();
    },
  };
}
