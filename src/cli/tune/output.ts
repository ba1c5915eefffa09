/** What commands print: JSON for scripts (--json), aligned tables and short lines for people. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/** A cell as text: numbers as they are, objects as compact JSON, nothing as "-". */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export const score = (value: number | null | undefined): string => (typeof value === 'number' ? value.toFixed(4) : '-');

export function printTable<T>(rows: readonly T[], columns: readonly Column<T>[]): void {
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i].length)));
  const format = (line: string[]) => line.map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i]))).join('  ');
  const lines = [format(columns.map((c) => c.header.toUpperCase())), ...cells.map(format)];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** "key: value" lines for one object, keys aligned. */
export function printFields(fields: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(fields).map((key) => key.length));
  const lines = Object.entries(fields).map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${cell(value)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Seconds as "1h02m03s", "4m05s" or "6.1s". */
export function duration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const [h, m, rest] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const mmss = `${String(m).padStart(h > 0 ? 2 : 1, '0')}m${String(rest).padStart(2, '0')}s`;
  return h > 0 ? `${h}h${mmss}` : mmss;
}
