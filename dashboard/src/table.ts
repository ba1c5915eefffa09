/** The trial table: sortable by any column, paginated, with fold scores, state and duration. */
import type { Trial } from './api';
import { fmtDuration, fmtScore, h } from './dom';

const PAGE_SIZE = 50;

interface Column {
  title: string;
  value(t: Trial): number | string | null;
  show(t: Trial): string;
}

export class TrialTable {
  readonly element = h('div', { class: 'card' });
  private trials: Trial[] = [];
  private sortColumn = 0;
  private descending = false;
  private page = 0;

  update(trials: Trial[]): void {
    this.trials = trials;
    this.render();
  }

  private columns(): Column[] {
    const params = [...new Set(this.trials.flatMap((t) => Object.keys(t.params)))].sort();
    const folds = Math.max(0, ...this.trials.map((t) => t.scores.length));
    const num = (v: number | null) => v;
    return [
      { title: '#', value: (t) => t.number, show: (t) => String(t.number) },
      { title: 'State', value: (t) => t.state, show: (t) => t.state },
      { title: 'Mean score', value: (t) => num(t.mean_score), show: (t) => fmtScore(t.mean_score) },
      { title: 'Std', value: (t) => num(t.std_score), show: (t) => fmtScore(t.std_score) },
      { title: 'Duration', value: (t) => t.duration_seconds, show: (t) => fmtDuration(t.duration_seconds) },
      ...params.map((p): Column => ({
        title: p,
        value: (t) => (t.params[p] === undefined ? null : typeof t.params[p] === 'number' ? (t.params[p] as number) : String(t.params[p])),
        show: (t) => (t.params[p] === undefined ? '' : t.params[p] === null ? 'None' : String(t.params[p])),
      })),
      ...Array.from({ length: folds }, (_, i): Column => ({ title: `Fold ${i}`, value: (t) => t.scores[i] ?? null, show: (t) => fmtScore(t.scores[i]) })),
    ];
  }

  private sorted(column: Column): Trial[] {
    const sign = this.descending ? -1 : 1;
    // Missing values last in either direction.
    return [...this.trials].sort((a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      if (x === null || y === null) return x === y ? a.number - b.number : x === null ? 1 : -1;
      return (x < y ? -1 : x > y ? 1 : a.number - b.number) * sign;
    });
  }

  private render(): void {
    const columns = this.columns();
    const column = columns[Math.min(this.sortColumn, columns.length - 1)];
    const pages = Math.max(1, Math.ceil(this.trials.length / PAGE_SIZE));
    this.page = Math.min(this.page, pages - 1);
    const rows = this.sorted(column).slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);
    const header = columns.map((c, i) =>
      h(
        'th',
        {
          class: `sortable${c === column ? (this.descending ? ' sorted-desc' : ' sorted-asc') : ''}`,
          onclick: () => {
            this.descending = this.sortColumn === i ? !this.descending : false;
            this.sortColumn = i;
            this.render();
          },
        },
        c.title,
      ),
    );
    const goTo = (page: number) => () => {
      this.page = page;
      this.render();
    };
    this.element.replaceChildren(
      h('h2', {}, `Trials (${this.trials.length})`),
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { id: 'trial-table' }, h('thead', {}, h('tr', {}, header)), h('tbody', {}, rows.map((t) => h('tr', { class: `state-${t.state}`, title: t.error ?? '' }, columns.map((c) => h('td', {}, c.show(t))))))),
      ),
      h(
        'div',
        { class: 'pager' },
        h('button', { id: 'prev-page', disabled: this.page === 0, onclick: goTo(this.page - 1) }, '‹ Previous'),
        h('span', { id: 'page-label' }, `Page ${this.page + 1} of ${pages}`),
        h('button', { id: 'next-page', disabled: this.page >= pages - 1, onclick: goTo(this.page + 1) }, 'Next ›'),
      ),
    );
  }
}
