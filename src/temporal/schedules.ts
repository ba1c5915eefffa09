/**
 * Tuning schedules on the Temporal side (client only): schedule ids, the API's spec as a Temporal
 * ScheduleSpec and overlap policy, and the cron syntax Temporal accepts (checked before asking it).
 */
import type { ScheduleOverlapPolicy, ScheduleSpec } from '@temporalio/client';
import type { TuningScheduleSpec } from '../entities/TuningSchedule';

/** Temporal Schedule id of tuning_schedules row `id`. */
export const tuningScheduleId = (id: string): string => `tuning-schedule-${id}`;
/** Workflow id prefix of its actions (Temporal appends the action time). */
export const scheduledTuningWorkflowId = (id: string): string => `scheduled-tuning-${id}`;

export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;
export type OverlapPolicyName = (typeof OVERLAP_POLICIES)[number];

export const overlapPolicy = (name: string): ScheduleOverlapPolicy => name.toUpperCase() as ScheduleOverlapPolicy;

/** The API's spec as Temporal's: one cron expression or one interval (with phase), optional jitter; UTC. */
export function temporalSpec(spec: TuningScheduleSpec): ScheduleSpec {
  return {
    ...(spec.cron !== undefined
      ? { cronExpressions: [spec.cron] }
      : { intervals: [{ every: spec.interval_seconds! * 1000, offset: (spec.offset_seconds ?? 0) * 1000 }] }),
    ...(spec.jitter_seconds ? { jitter: spec.jitter_seconds * 1000 } : {}),
  };
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_FIELDS: { name: string; min: number; max: number; names?: string[]; first?: number }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, first: 1 },
  { name: 'day of week', min: 0, max: 6, names: DAYS, first: 0 },
];
const CRON_SHORTHANDS = ['@yearly', '@monthly', '@weekly', '@daily', '@hourly'];
const CRON_ITEM = /^(?:\*|([0-9a-z]+)(?:-([0-9a-z]+))?)(?:\/([0-9]+))?$/i;

/**
 * Why `expression` is not a cron expression of the form we accept, or null when it is: five fields
 * (minute hour day-of-month month day-of-week; each `*`, values, ranges `a-b`, steps `/n`, lists,
 * month and day names) or one of @yearly, @monthly, @weekly, @daily, @hourly.
 */
export function cronError(expression: string): string | null {
  const text = expression.trim();
  if (text.startsWith('@')) {
    return CRON_SHORTHANDS.includes(text.toLowerCase()) ? null : `unknown shorthand "${text}"; expected one of ${CRON_SHORTHANDS.join(', ')}`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${text ? fields.length : 0}`;
  }
  for (let i = 0; i < 5; i++) {
    const field = CRON_FIELDS[i];
    const value = (token: string): number | null => {
      const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
      const n = named >= 0 ? named + field.first! : /^[0-9]+$/.test(token) ? Number(token) : NaN;
      return Number.isInteger(n) && n >= field.min && n <= field.max ? n : null;
    };
    for (const item of fields[i].split(',')) {
      const match = CRON_ITEM.exec(item);
      if (!match) return `${field.name}: "${item}" is not a value, range or step`;
      const [, start, end, step] = match;
      if (step !== undefined && Number(step) < 1) return `${field.name}: step must be at least 1 in "${item}"`;
      if (start === undefined) continue;
      const a = value(start);
      const b = end === undefined ? a : value(end);
      if (a === null || b === null) return `${field.name}: "${item}" is outside ${field.min}-${field.max}`;
      if (b < a) return `${field.name}: range "${item}" ends before it starts`;
    }
  }
  return null;
}
