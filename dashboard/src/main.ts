/**
 * The dashboard's pages, routed by the location hash: sign-in, the list of tuning runs (#/), and a
 * tuning run (#/runs/<id>). Browser tests and the benchmark read `window.dashboard`: the charts by
 * name, and `drawn`, the number of trials the run page has fully drawn (charts finished rendering).
 */
import { ApiError, api, clearToken, getToken, setToken, type RunSummary, type UiConfig } from './api';
import { charts } from './echarts';
import { fmtDate, fmtDuration, fmtScore, h } from './dom';
import { RunPage } from './run_page';

declare global {
  interface Window {
    dashboard: { charts: typeof charts; drawn: number | null };
  }
}
window.dashboard = { charts, drawn: null };

const view = document.getElementById('view')!;
const signOut = document.getElementById('sign-out')!;
let current: { close(): void } | null = null;

function showSignIn(message = ''): void {
  const input = h('input', { id: 'token', type: 'password', placeholder: 'API token', autocomplete: 'off' });
  const error = h('p', { class: 'error', id: 'sign-in-error' }, message);
  const submit = async (event: Event) => {
    event.preventDefault();
    const token = input.value.trim();
    try {
      await api<UiConfig>('GET', '/ui-config', undefined, token);
      setToken(token);
      void route();
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 401 ? 'That token is not valid.' : String(err);
    }
  };
  view.replaceChildren(
    h(
      'form',
      { class: 'card signin', id: 'sign-in', onsubmit: submit },
      h('h1', {}, 'Sign in'),
      h('p', { class: 'muted' }, 'Paste an API token (`npm run create-user` prints one). It is kept in this tab only.'),
      input,
      h('button', { type: 'submit' }, 'Sign in'),
      error,
    ),
  );
}

const PAGE = 50;

function showRunList(): { close(): void } {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const filter = (name: string) => params.get(name) ?? '';
  const status = h('select', { id: 'filter-status' }, ['', 'running', 'completed', 'failed'].map((s) => h('option', { value: s, selected: s === filter('status') }, s || 'any status')));
  const method = h('select', { id: 'filter-method' }, ['', 'grid_search', 'random_search', 'bayesian'].map((m) => h('option', { value: m, selected: m === filter('method') }, m || 'any method')));
  const tag = h('input', { id: 'filter-tag', placeholder: 'tag', value: filter('tag') });
  const offset = Number(filter('offset')) || 0;
  const apply = (nextOffset = 0) => {
    const query = new URLSearchParams();
    if (status.value) query.set('status', status.value);
    if (method.value) query.set('method', method.value);
    if (tag.value.trim()) query.set('tag', tag.value.trim());
    if (nextOffset) query.set('offset', String(nextOffset));
    location.hash = `#/?${query}`;
  };
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  view.replaceChildren(
    h('h1', {}, 'Tuning runs'),
    h('form', { class: 'filters', onsubmit: (e: Event) => (e.preventDefault(), apply()) }, status, method, tag, h('button', { type: 'submit', id: 'apply-filters' }, 'Filter')),
    body,
  );
  status.addEventListener('change', () => apply());
  method.addEventListener('change', () => apply());

  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  for (const name of ['status', 'method', 'tag']) if (filter(name)) query.set(name, filter(name));
  api<{ total: number; runs: RunSummary[] }>('GET', `/tuning/runs?${query}`)
    .then(({ total, runs }) => {
      const row = (run: RunSummary) =>
        h(
          'tr',
          { class: 'link', dataset: { runId: run.tuning_run_id }, onclick: () => (location.hash = `#/runs/${run.tuning_run_id}`) },
          h('td', {}, fmtDate(run.created_at)),
          h('td', {}, `${run.dataset.name} / ${run.experiment.name}`),
          h('td', {}, run.model_type),
          h('td', {}, run.tuning_method),
          h('td', {}, h('span', { class: `status ${run.status}` }, run.status)),
          h('td', {}, fmtScore(run.best_score), run.best_of_model_run ? h('span', { class: 'best', title: 'best run of its model run' }, ' ★') : null),
          h('td', {}, run.scoring ?? ''),
          h('td', {}, run.n_iterations),
          h('td', {}, fmtDuration(run.duration_seconds)),
          h('td', {}, run.tags.map((t) => h('span', { class: 'tag' }, t))),
        );
      body.replaceChildren(
        runs.length === 0
          ? h('p', { class: 'muted', id: 'no-runs' }, 'No tuning runs match.')
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { id: 'run-table' },
                h('thead', {}, h('tr', {}, ['Created', 'Data set / experiment', 'Model', 'Method', 'Status', 'Best score', 'Scoring', 'Trials', 'Duration', 'Tags'].map((t) => h('th', {}, t)))),
                h('tbody', {}, runs.map(row)),
              ),
            ),
        h(
          'div',
          { class: 'pager' },
          h('button', { disabled: offset === 0, onclick: () => apply(Math.max(0, offset - PAGE)) }, '‹ Newer'),
          h('span', {}, `${total === 0 ? 0 : offset + 1}–${offset + runs.length} of ${total}`),
          h('button', { disabled: offset + runs.length >= total, onclick: () => apply(offset + PAGE) }, 'Older ›'),
        ),
      );
    })
    .catch(showError);
  return { close() {} };
}

function showError(err: unknown): void {
  if (err instanceof ApiError && err.status === 401) {
    clearToken();
    showSignIn('Your token is no longer valid; sign in again.');
    return;
  }
  view.append(h('p', { class: 'error' }, String(err instanceof Error ? err.message : err)));
}

async function route(): Promise<void> {
  current?.close();
  current = null;
  window.dashboard.drawn = null;
  const signedIn = getToken() !== null;
  signOut.hidden = !signedIn;
  if (!signedIn) return showSignIn();
  const run = /^#\/runs\/([0-9a-f-]{36})/.exec(location.hash);
  current = run ? new RunPage(view, run[1], showError) : showRunList();
}

signOut.addEventListener('click', () => {
  clearToken();
  location.hash = '#/';
  void route();
});
window.addEventListener('hashchange', () => void route());
void route();
