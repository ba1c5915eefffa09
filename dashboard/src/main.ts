/**
 * The dashboard's pages, routed by the location hash: sign-in; the lists of tuning runs (#/), data
 * sets, experiments, model runs and schedules (#/datasets, …), each with its filters in the hash; a
 * tuning run (#/runs/<id>), a model run (#/model-runs/<id>), a schedule (#/schedules/<id>) and two
 * runs compared (#/compare/<id>/<id>). Browser tests and the benchmark read `window.dashboard`: the
 * charts by name, and `drawn`, the number of trials the page has fully drawn (charts finished rendering).
 */
import { ApiError, api, clearToken, getToken, setToken, type UiConfig } from './api';
import { showCompare } from './compare';
import { charts } from './echarts';
import { h } from './dom';
import { RunPage } from './run_page';
import { showList, showModelRun, showSchedule } from './views';

declare global {
  interface Window {
    dashboard: { charts: typeof charts; drawn: number | null };
  }
}
window.dashboard = { charts, drawn: null };

const view = document.getElementById('view')!;
const signOut = document.getElementById('sign-out')!;
const nav = document.getElementById('nav')!;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LISTS = ['', 'datasets', 'experiments', 'model-runs', 'schedules'];
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
  nav.hidden = !signedIn;
  if (!signedIn) return showSignIn();
  const path = location.hash.replace(/^#\/?/, '').split('?')[0];
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('active', link.getAttribute('href') === `#/${path.split('/')[0]}`);
  const [page, id, other] = path.split('/');
  const uuid = (s: string | undefined) => s !== undefined && UUID.test(s);
  if (page === 'runs' && uuid(id)) current = new RunPage(view, id, showError);
  else if (page === 'compare' && uuid(id) && uuid(other)) current = showCompare(view, [id, other], showError);
  else if (page === 'model-runs' && uuid(id)) showModelRun(view, id, showError);
  else if (page === 'schedules' && uuid(id)) showSchedule(view, id, showError);
  else showList(view, LISTS.includes(page) ? page : '', showError);
}

signOut.addEventListener('click', () => {
  clearToken();
  location.hash = '#/';
  void route();
});
window.addEventListener('hashchange', () => void route());
void route();
