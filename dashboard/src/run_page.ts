/**
 * A tuning run: live progress (polled every 2 s while it runs), cancel and budget controls, the
 * Temporal Web UI link, exports, the plots and the trial table.
 */
import { ApiError, api, download, runTrials, type RunDetail, type RunStatus, type Trial, type UiConfig } from './api';
import { completed, contourOption, historyOption, importanceOption, intermediateOption, paramAxes, parallelOption, sliceOption } from './charts';
import { disposeCharts, draw, resizeCharts } from './echarts';
import { fmtDuration, fmtScore, h } from './dom';
import { TrialTable } from './table';

const POLL_MS = 2000;

interface Importance {
  importances: Record<string, number>;
  n_trials: number;
}

export class RunPage {
  private status: RunStatus | null = null;
  private trials: Trial[] = [];
  /** Asked once: the direction and scoring the plots need, and the model run to link to. */
  private readonly detail: Promise<RunDetail>;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private polling = false;
  private readonly table = new TrialTable();
  private readonly el = {
    title: h('h1', {}, 'Tuning run'),
    badge: h('span', { class: 'status', id: 'run-status' }),
    workflowLink: h('a', { id: 'workflow-link', target: '_blank', rel: 'noopener' }, 'Workflow in the Temporal Web UI'),
    bar: h('div'),
    evaluated: h('b', { id: 'progress-evaluated' }, '–'),
    best: h('b', { id: 'progress-best' }, '–'),
    elapsed: h('b', { id: 'progress-elapsed' }, '–'),
    stop: h('b', { id: 'stop-reason' }, '–'),
    message: h('p', { class: 'muted', id: 'run-message' }),
    cancel: h('button', { class: 'danger', id: 'cancel-run' }, 'Cancel run'),
    nIter: h('input', { id: 'budget-n-iter', type: 'number', min: 1, placeholder: 'n_iter', style: 'width: 90px' }),
    timeBudget: h('input', { id: 'budget-time', type: 'number', min: 1, placeholder: 'time budget (s)', style: 'width: 130px' }),
    budget: h('button', { id: 'change-budget' }, 'Change budget'),
    controls: h('span', { class: 'actions' }),
    history: h('div', { class: 'chart', id: 'chart-history' }),
    importance: h('div', { class: 'chart', id: 'chart-importance' }),
    importanceNote: h('p', { class: 'muted', id: 'importance-note' }),
    parallel: h('div', { class: 'chart tall', id: 'chart-parallel' }),
    slice: h('div', { class: 'chart', id: 'chart-slice' }),
    contour: h('div', { class: 'chart tall', id: 'chart-contour' }),
    contourTitle: h('h2', {}, 'Contour'),
    modelRunLink: h('a', { id: 'model-run-link' }, 'Its model run'),
    intermediate: h('div', { class: 'chart', id: 'chart-intermediate' }),
  };

  constructor(
    private readonly view: HTMLElement,
    private readonly id: string,
    private readonly onError: (err: unknown) => void,
  ) {
    const e = this.el;
    this.detail = api<RunDetail>('GET', `/tuning/runs/${id}`);
    this.detail.catch(() => undefined);
    const card = (title: string | HTMLElement, ...children: HTMLElement[]) => h('section', { class: 'card' }, typeof title === 'string' ? h('h2', {}, title) : title, ...children);
    e.controls.append(e.cancel, e.nIter, e.timeBudget, e.budget);
    view.replaceChildren(
      h('p', {}, h('a', { href: '#/' }, '‹ All tuning runs'), ' · ', e.modelRunLink),
      e.title,
      h(
        'section',
        { class: 'card' },
        h('div', { class: 'stats' }, h('div', {}, 'Status', h('b', {}, e.badge)), h('div', {}, 'Evaluated', e.evaluated), h('div', {}, 'Best so far', e.best), h('div', {}, 'Elapsed', e.elapsed), h('div', {}, 'Stop reason', e.stop)),
        h('div', { class: 'progress' }, e.bar),
        e.message,
        h(
          'div',
          { class: 'actions' },
          e.controls,
          h('button', { id: 'export-csv', onclick: () => this.export('csv') }, 'Export CSV'),
          h('button', { id: 'export-json', onclick: () => this.export('json') }, 'Export JSON'),
          e.workflowLink,
        ),
      ),
      h('div', { class: 'grid2' }, card('Optimization history', e.history), card('Parameter importance (fANOVA)', e.importance, e.importanceNote)),
      card('Parallel coordinates', e.parallel),
      card('Slice', e.slice),
      h('div', { class: 'grid2' }, card(e.contourTitle, e.contour), card('Intermediate values (fold scores or reported steps; pruned in red)', e.intermediate)),
      this.table.element,
    );
    e.cancel.addEventListener('click', () => this.act(api('POST', `/tuning/tune/${id}/cancel`, { reason: 'cancelled from the dashboard' }), 'Cancellation requested.'));
    e.budget.addEventListener('click', () => {
      const body: Record<string, number> = {};
      if (e.nIter.value) body.n_iter = Number(e.nIter.value);
      if (e.timeBudget.value) body.time_budget_seconds = Number(e.timeBudget.value);
      this.act(api('PATCH', `/tuning/tune/${id}`, body), 'Budget changed.');
    });
    window.addEventListener('resize', resizeCharts);
    void this.start();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    window.removeEventListener('resize', resizeCharts);
    disposeCharts();
  }

  private async start(): Promise<void> {
    try {
      const [ui] = await Promise.all([api<UiConfig>('GET', '/ui-config'), this.refresh(true)]);
      const s = this.status!;
      if (ui.temporal_ui_url) this.el.workflowLink.href = `${ui.temporal_ui_url}/namespaces/${encodeURIComponent(ui.temporal_namespace)}/workflows/${encodeURIComponent(s.workflow_id)}`;
      else this.el.workflowLink.hidden = true;
      if (s.status === 'running') this.timer = setInterval(() => void this.poll(), POLL_MS);
    } catch (err) {
      this.onError(err);
    }
  }

  /** One poll: the status, and the trials and plots when the evaluated count or the status moved. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      await this.refresh(false);
      if (this.status!.status !== 'running') clearInterval(this.timer);
    } catch (err) {
      clearInterval(this.timer);
      this.onError(err);
    } finally {
      this.polling = false;
    }
  }

  private async refresh(first: boolean): Promise<void> {
    const before = this.status;
    // On opening, everything at once; later, the trials only when the status says they changed.
    const data = first ? this.askTrials() : null;
    this.status = await api<RunStatus>('GET', `/tuning/tune/${this.id}/status`);
    if (this.closed) return;
    this.showStatus();
    if (first || before?.status !== this.status.status || before?.progress.evaluated !== this.status.progress.evaluated) {
      const { trials, importance } = data ?? this.askTrials();
      this.trials = await trials;
      // Not awaited: polling goes on while the plots render (a later draw supersedes this one).
      if (!this.closed) this.drawAll(importance).catch(this.onError);
    }
  }

  /** The trials and their importance, asked together: the server's forest is fitted while the trials travel and draw. */
  private askTrials(): { trials: Promise<Trial[]>; importance: Promise<Importance> } {
    const importance = api<Importance>('GET', `/tuning/tune/${this.id}/importance`);
    const trials = runTrials(this.id);
    // Awaited later (or never, when the page closes first): not an unhandled rejection meanwhile.
    importance.catch(() => undefined);
    trials.catch(() => undefined);
    return { trials, importance };
  }

  private showStatus(): void {
    const s = this.status!;
    const p = s.progress;
    const e = this.el;
    e.title.textContent = `Tuning run ${s.tuning_run_id.slice(0, 8)} · ${s.tuning_method}`;
    e.badge.textContent = s.status;
    e.badge.className = `status ${s.status}`;
    e.evaluated.textContent = p.total ? `${p.evaluated} / ${p.total}` : String(p.evaluated);
    e.bar.style.width = p.total ? `${Math.min(100, (100 * p.evaluated) / p.total)}%` : s.status === 'running' ? '0' : '100%';
    e.best.textContent = fmtScore(p.best_score ?? null);
    e.elapsed.textContent = fmtDuration(p.elapsed_seconds ?? (s.started_at ? ((s.completed_at ? Date.parse(s.completed_at) : Date.now()) - Date.parse(s.started_at)) / 1000 : null));
    e.stop.textContent = s.stop_reason ?? '–';
    e.controls.hidden = s.status !== 'running';
    if (s.status === 'failed' && s.error) e.message.textContent = `Failed: ${s.error}`;
  }

  private async drawAll(importance: Promise<Importance>): Promise<void> {
    const trials = this.trials;
    const detail = await this.detail;
    // Built-in evaluation scores by the mean cross-validation score; a client study by its reported value.
    const scoring = detail.evaluation === 'client' ? 'value' : `mean CV ${detail.scoring ?? 'score'}`;
    this.el.modelRunLink.href = `#/model-runs/${detail.model_run_id}`;
    const e = this.el;
    const axes = paramAxes(completed(trials));
    const rows = Math.ceil(axes.length / 3);
    e.slice.style.height = `${Math.max(1, rows) * 260}px`;
    this.table.update(trials);
    const drawn = [
      draw('history', e.history, historyOption(trials, scoring, detail.direction)),
      draw('parallel', e.parallel, parallelOption(trials, scoring)),
      draw('slice', e.slice, sliceOption(trials, scoring)),
      draw('intermediate', e.intermediate, intermediateOption(trials, scoring, detail.evaluation === 'client' ? 'Step' : 'Fold')),
      this.drawImportanceAndContour(importance, axes.map((a) => a.name), scoring),
    ];
    await Promise.all(drawn);
    if (trials === this.trials && !this.closed) {
      window.dashboard.drawn = trials.length;
      document.body.dataset.drawn = String(trials.length);
    }
  }

  /** Importance first: the contour shows the two most important parameters. */
  private async drawImportanceAndContour(importance: Promise<Importance>, params: string[], scoring: string): Promise<void> {
    let ranked = params;
    try {
      const { importances, n_trials } = await importance;
      ranked = Object.keys(importances).sort((a, b) => importances[b] - importances[a]);
      this.el.importanceNote.textContent = `Over ${n_trials} completed trials; sums to 1.`;
      await draw('importance', this.el.importance, importanceOption(importances));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
      this.el.importanceNote.textContent = err.message;
    }
    const pair = ranked.filter((p) => params.includes(p)).slice(0, 2);
    if (pair.length === 2) {
      this.el.contourTitle.textContent = `Contour: ${pair[0]} × ${pair[1]} (mean score per cell)`;
      await draw('contour', this.el.contour, contourOption(this.trials, [pair[0], pair[1]], scoring));
    } else {
      this.el.contourTitle.textContent = 'Contour (needs two parameters)';
    }
  }

  private act(request: Promise<unknown>, done: string): void {
    request
      .then(() => {
        this.el.message.textContent = done;
        void this.poll();
      })
      .catch((err) => (this.el.message.textContent = err instanceof Error ? err.message : String(err)));
  }

  private export(format: 'csv' | 'json'): void {
    download(`/tuning/tune/${this.id}/trials?format=${format}`, `trials-${this.id}.${format}`).catch(this.onError);
  }
}
