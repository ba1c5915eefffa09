/**
 * The list pages (tuning runs, data sets, experiments, model runs, schedules), each a paginated
 * table with its filters in the location hash, and the pages of one model run and one schedule.
 */
import { api, apiPage, type Dataset, type Experiment, type ModelRun, type RunSummary, type Schedule, type ScheduleSummary } from './api';
import { fmtDate, fmtDuration, fmtScore, h } from './dom';

const PAGE = 50;

type Cell = Node | string | number | null;

interface Filter {
  name: string;
  /** A select of these values ('' first: any), or a text input when absent. */
  options?: string[];
  /** An option's text (default: its value). */
  label?: (value: string) => string;
  placeholder: string;
}

interface ListSpec<T> {
  title: string;
  /** The hash route, `#/<route>?<filters>&offset=`. */
  route: string;
  filters: Filter[];
  /** Element ids: the table, and the message shown when nothing matches. */
  tableId: string;
  emptyId: string;
  empty: string;
  columns: [string, (item: T) => Cell | Cell[]][];
  load(query: URLSearchParams): Promise<{ items: T[]; total: number }>;
  id(item: T): string;
  link(item: T): string;
}

export const hashQuery = () => new URLSearchParams(location.hash.split('?')[1] ?? '');

/** A paginated table of a list endpoint in `into`, with the spec's filters above it. */
function listInto<T>(into: HTMLElement, spec: ListSpec<T>, query: URLSearchParams, onError: (err: unknown) => void): void {
  const offset = Number(query.get('offset')) || 0;
  const inputs = spec.filters.map((f) =>
    f.options
      ? h('select', { id: `filter-${f.name}` }, ['', ...f.options].map((o) => h('option', { value: o, selected: o === (query.get(f.name) ?? '') }, o ? (f.label?.(o) ?? o) : f.placeholder)))
      : h('input', { id: `filter-${f.name}`, placeholder: f.placeholder, value: query.get(f.name) ?? '' }),
  );
  const apply = (nextOffset = 0) => {
    const next = new URLSearchParams();
    spec.filters.forEach((f, i) => inputs[i].value.trim() && next.set(f.name, inputs[i].value.trim()));
    if (nextOffset) next.set('offset', String(nextOffset));
    location.hash = `#/${spec.route}?${next}`;
  };
  for (const input of inputs) if (input instanceof HTMLSelectElement) input.addEventListener('change', () => apply());
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  into.replaceChildren(
    spec.filters.length ? h('form', { class: 'filters', onsubmit: (e: Event) => (e.preventDefault(), apply()) }, inputs, h('button', { type: 'submit', id: 'apply-filters' }, 'Filter')) : '',
    body,
  );
  const request = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  for (const f of spec.filters) if (query.get(f.name)) request.set(f.name, query.get(f.name)!);
  spec
    .load(request)
    .then(({ items, total }) => {
      const row = (item: T) =>
        h('tr', { class: 'link', dataset: { id: spec.id(item) }, onclick: () => (location.hash = spec.link(item)) }, spec.columns.map(([, cell]) => h('td', {}, cell(item))));
      body.replaceChildren(
        items.length === 0
          ? h('p', { class: 'muted', id: spec.emptyId }, spec.empty)
          : h(
              'div',
              { class: 'table-wrap' },
              h('table', { id: spec.tableId }, h('thead', {}, h('tr', {}, spec.columns.map(([title]) => h('th', {}, title)))), h('tbody', {}, items.map(row))),
            ),
        h(
          'div',
          { class: 'pager' },
          h('button', { class: 'page-prev', disabled: offset === 0, onclick: () => apply(Math.max(0, offset - PAGE)) }, '‹ Newer'),
          h('span', { class: 'page-label' }, `${total === 0 ? 0 : offset + 1}–${offset + items.length} of ${total}`),
          h('button', { class: 'page-next', disabled: offset + items.length >= total, onclick: () => apply(offset + PAGE) }, 'Older ›'),
        ),
      );
    })
    .catch(onError);
}

const status = (s: string) => h('span', { class: `status ${s}` }, s);
const short = (id: string) => id.slice(0, 8);

/** Tuning runs from GET /tuning/runs, with any fixed query (a model run's, a schedule's tag). */
function runSpec(route: string, fixed: Record<string, string> = {}, filters = true): ListSpec<RunSummary> {
  return {
    title: 'Tuning runs',
    route,
    filters: filters
      ? [
          { name: 'status', options: ['running', 'completed', 'failed'], placeholder: 'any status' },
          { name: 'method', options: ['grid_search', 'random_search', 'bayesian'], placeholder: 'any method' },
          { name: 'tag', placeholder: 'tag' },
        ]
      : [],
    tableId: 'run-table',
    emptyId: 'no-runs',
    empty: 'No tuning runs match.',
    columns: [
      ['Created', (r) => fmtDate(r.created_at)],
      ['Data set / experiment', (r) => `${r.dataset.name} / ${r.experiment.name}`],
      ['Model', (r) => r.model_type],
      ['Method', (r) => r.tuning_method],
      ['Status', (r) => status(r.status)],
      ['Best score', (r) => [fmtScore(r.best_score), r.best_of_model_run ? h('span', { class: 'best', title: 'best run of its model run' }, ' ★') : null]],
      ['Scoring', (r) => r.scoring ?? ''],
      ['Trials', (r) => r.n_iterations],
      ['Duration', (r) => fmtDuration(r.duration_seconds)],
      ['Tags', (r) => r.tags.map((t) => h('span', { class: 'tag' }, t))],
    ],
    load: async (query) => {
      for (const [name, value] of Object.entries(fixed)) query.set(name, value);
      const { runs, total } = await api<{ runs: RunSummary[]; total: number }>('GET', `/tuning/runs?${query}`);
      return { items: runs, total };
    },
    id: (r) => r.tuning_run_id,
    link: (r) => `#/runs/${r.tuning_run_id}`,
  };
}

/** Names by id of the user's data sets or experiments (the first 500), for the tables' labels. */
async function names(path: string): Promise<Map<string, string>> {
  const { items } = await apiPage<{ id: string; name: string }>(`${path}?limit=500`);
  return new Map(items.map((i) => [i.id, i.name]));
}

const datasetSpec: ListSpec<Dataset> = {
  title: 'Data sets',
  route: 'datasets',
  filters: [],
  tableId: 'dataset-table',
  emptyId: 'no-datasets',
  empty: 'No data sets yet.',
  columns: [
    ['Created', (d) => fmtDate(d.created_at)],
    ['Name', (d) => d.name],
    ['Task', (d) => d.task_type],
    ['Samples', (d) => d.n_samples],
    ['Features', (d) => d.n_features],
    ['Classes', (d) => d.classes?.length ?? '–'],
  ],
  load: (query) => apiPage<Dataset>(`/datasets?${query}`),
  id: (d) => d.id,
  link: (d) => `#/experiments?dataset_id=${d.id}`,
};

function experimentSpec(datasets: Map<string, string>): ListSpec<Experiment> {
  return {
    title: 'Experiments',
    route: 'experiments',
    filters: [{ name: 'dataset_id', options: [...datasets.keys()], label: (id) => datasets.get(id)!, placeholder: 'any data set' }],
    tableId: 'experiment-table',
    emptyId: 'no-experiments',
    empty: 'No experiments match.',
    columns: [
      ['Created', (e) => fmtDate(e.created_at)],
      ['Name', (e) => e.name],
      ['Data set', (e) => datasets.get(e.dataset_id) ?? short(e.dataset_id)],
      ['Description', (e) => e.description ?? ''],
    ],
    load: (query) => apiPage<Experiment>(`/experiments?${query}`),
    id: (e) => e.id,
    link: (e) => `#/model-runs?experiment_id=${e.id}`,
  };
}

function modelRunSpec(experiments: Map<string, string>): ListSpec<ModelRun> {
  return {
    title: 'Model runs',
    route: 'model-runs',
    filters: [
      { name: 'status', options: ['running', 'completed', 'failed'], placeholder: 'any status' },
      { name: 'experiment_id', options: [...experiments.keys()], label: (id) => experiments.get(id)!, placeholder: 'any experiment' },
    ],
    tableId: 'model-run-table',
    emptyId: 'no-model-runs',
    empty: 'No model runs match.',
    columns: [
      ['Created', (m) => fmtDate(m.created_at)],
      ['Experiment', (m) => experiments.get(m.experiment_id) ?? short(m.experiment_id)],
      ['Model', (m) => m.model_type],
      ['Status', (m) => status(m.status)],
      ['Scoring', (m) => m.scoring],
      ['CV score', (m) => (m.metrics ? `${fmtScore(m.metrics.mean_score)} ± ${fmtScore(m.metrics.std_score)}` : '–')],
      ['Hyperparameters', (m) => JSON.stringify(m.hyperparameters)],
    ],
    load: (query) => apiPage<ModelRun>(`/model-runs?${query}`),
    id: (m) => m.id,
    link: (m) => `#/model-runs/${m.id}`,
  };
}

const describeSpec = (s: ScheduleSummary['spec']) => (s.cron ? `cron ${s.cron}` : s.interval_seconds ? `every ${fmtDuration(s.interval_seconds)}` : JSON.stringify(s));

const scheduleSpec: ListSpec<ScheduleSummary> = {
  title: 'Schedules',
  route: 'schedules',
  filters: [],
  tableId: 'schedule-table',
  emptyId: 'no-schedules',
  empty: 'No schedules yet.',
  columns: [
    ['Created', (s) => fmtDate(s.created_at)],
    ['Schedule', (s) => s.schedule_id],
    ['Model run', (s) => short(s.model_run_id)],
    ['When', (s) => describeSpec(s.spec)],
    ['State', (s) => (s.state.paused ? 'paused' : 'active')],
    ['Next run', (s) => fmtDate(s.next_action_time ?? null)],
  ],
  load: (query) => apiPage<ScheduleSummary>(`/tuning/schedules?${query}`),
  id: (s) => s.id,
  link: (s) => `#/schedules/${s.id}`,
};

/** A list page: its title and table. */
function listPage<T>(view: HTMLElement, spec: ListSpec<T>, onError: (err: unknown) => void): void {
  const into = h('div');
  view.replaceChildren(h('h1', {}, spec.title), into);
  listInto(into, spec, hashQuery(), onError);
}

export function showList(view: HTMLElement, route: string, onError: (err: unknown) => void): void {
  const pending = h('p', { class: 'muted' }, 'Loading…');
  if (route === '') return listPage(view, runSpec(''), onError);
  if (route === 'datasets') return listPage(view, datasetSpec, onError);
  if (route === 'schedules') return listPage(view, scheduleSpec, onError);
  view.replaceChildren(pending);
  if (route === 'experiments') names('/datasets').then((datasets) => listPage(view, experimentSpec(datasets), onError), onError);
  else names('/experiments').then((experiments) => listPage(view, modelRunSpec(experiments), onError), onError);
}

/** A model run: its details, its tuning runs (two of them picked to compare) and its schedules. */
export function showModelRun(view: HTMLElement, id: string, onError: (err: unknown) => void): void {
  const details = h('section', { class: 'card' }, h('p', { class: 'muted' }, 'Loading…'));
  const runs = h('div');
  const picked = h('p', { class: 'muted', id: 'compare-hint' }, 'Tick two runs to compare them.');
  const compare = h('button', { id: 'compare-runs', disabled: true }, 'Compare');
  const schedules = h('div', { id: 'model-run-schedules' }, h('p', { class: 'muted' }, 'Loading…'));
  view.replaceChildren(h('p', {}, h('a', { href: '#/model-runs' }, '‹ All model runs')), h('h1', {}, `Model run ${short(id)}`), details, h('section', { class: 'card' }, h('h2', {}, 'Tuning runs'), h('div', { class: 'actions' }, compare, picked), runs), h('section', { class: 'card' }, h('h2', {}, 'Schedules'), schedules));
  api<ModelRun>('GET', `/model-runs/${id}`)
    .then((m) =>
      details.replaceChildren(
        h(
          'div',
          { class: 'stats' },
          h('div', {}, 'Status', h('b', {}, status(m.status))),
          h('div', {}, 'Model', h('b', {}, m.model_type)),
          h('div', {}, 'Scoring', h('b', {}, m.scoring)),
          h('div', {}, 'CV score', h('b', {}, m.metrics ? fmtScore(m.metrics.mean_score) : '–')),
          h('div', {}, 'Folds', h('b', {}, m.cv_folds)),
        ),
        h('p', { class: 'muted' }, `Hyperparameters: ${JSON.stringify(m.hyperparameters)}`),
      ),
    )
    .catch(onError);
  const spec = runSpec(`model-runs/${id}`, { model_run_id: id }, false);
  // A first column of checkboxes: the two ticked runs are compared.
  const ticked: string[] = [];
  spec.columns = [
    [
      'Compare',
      (r) =>
        h('input', {
          type: 'checkbox',
          class: 'compare-pick',
          value: r.tuning_run_id,
          onclick: (event: Event) => {
            event.stopPropagation();
            const box = event.target as HTMLInputElement;
            if (box.checked) ticked.push(r.tuning_run_id);
            else ticked.splice(ticked.indexOf(r.tuning_run_id), 1);
            compare.disabled = ticked.length !== 2;
            picked.textContent = ticked.length === 2 ? 'Ready to compare.' : 'Tick two runs to compare them.';
          },
        }),
    ],
    ...spec.columns.filter(([title]) => title !== 'Data set / experiment' && title !== 'Model'),
  ];
  compare.addEventListener('click', () => (location.hash = `#/compare/${ticked[0]}/${ticked[1]}`));
  listInto(runs, spec, hashQuery(), onError);
  api<ScheduleSummary[]>('GET', `/tuning/schedules?model_run_id=${id}`)
    .then((items) =>
      schedules.replaceChildren(
        items.length === 0 ? h('p', { class: 'muted' }, 'No schedules.') : h('ul', { class: 'schedules' }, items.map((s) => h('li', {}, h('a', { href: `#/schedules/${s.id}` }, s.schedule_id), ` · ${describeSpec(s.spec)}`))),
      ),
    )
    .catch(onError);
}

/** A schedule: its spec and state, and the tuning runs it started (tagged schedule:<id>). */
export function showSchedule(view: HTMLElement, id: string, onError: (err: unknown) => void): void {
  const details = h('section', { class: 'card', id: 'schedule-details' }, h('p', { class: 'muted' }, 'Loading…'));
  const runs = h('div');
  view.replaceChildren(h('p', {}, h('a', { href: '#/schedules' }, '‹ All schedules')), h('h1', {}, 'Schedule'), details, h('section', { class: 'card' }, h('h2', {}, 'Runs it started'), runs));
  api<Schedule>('GET', `/tuning/schedules/${id}`)
    .then((s) => {
      details.replaceChildren(
        h(
          'div',
          { class: 'stats' },
          h('div', {}, 'Schedule', h('b', {}, s.schedule_id)),
          h('div', {}, 'When', h('b', {}, describeSpec(s.spec))),
          h('div', {}, 'State', h('b', { id: 'schedule-state' }, s.state.paused ? 'paused' : 'active')),
          h('div', {}, 'Runs started', h('b', {}, s.info?.num_actions_taken ?? '–')),
          h('div', {}, 'Next run', h('b', {}, fmtDate(s.info?.next_action_times[0] ?? null))),
        ),
        h('p', {}, 'Model run ', h('a', { href: `#/model-runs/${s.model_run_id}` }, short(s.model_run_id)), ` · ${s.config.tuning_method ?? ''}`, s.config.n_iter ? `, n_iter ${s.config.n_iter}` : ''),
      );
      listInto(runs, runSpec(`schedules/${id}`, { tag: `schedule:${s.id}` }, false), hashQuery(), onError);
    })
    .catch(onError);
}
