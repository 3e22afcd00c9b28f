import { IConstruct } from 'constructs';
import { invalid, show } from './errors';

const FIELDS: Array<{ name: string; min: number; max: number; names?: string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];
const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Why a Kubernetes CronJob schedule (five-field cron or a macro) is invalid, or undefined when it is valid. */
export function kubernetesCronProblem(expr: string): string | undefined {
  const e = expr.trim();
  if (MACROS.includes(e)) return undefined;
  const parts = e.split(/\s+/);
  if (parts.length !== 5) return `has ${parts.length} fields; a CronJob schedule has 5 (minute hour day-of-month month day-of-week)`;
  for (let i = 0; i < 5; i++) {
    const f = FIELDS[i];
    for (const item of parts[i].split(',')) {
      const m = /^(\*|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:\/(\d+))?$/.exec(item);
      if (!m) return `${f.name} field ${show(parts[i])} is not a cron field`;
      const value = (v: string | undefined): number | undefined => {
        if (v === undefined) return undefined;
        const idx = f.names?.indexOf(v.toUpperCase()) ?? -1;
        if (idx >= 0) return idx + (f.name === 'month' ? 1 : 0);
        return /^\d+$/.test(v) ? Number(v) : NaN;
      };
      for (const v of [value(m[2]), value(m[3])]) {
        if (v !== undefined && (Number.isNaN(v) || v < f.min || v > f.max)) return `${f.name} field ${show(parts[i])} is outside ${f.min}-${f.max}`;
      }
      if (m[4] !== undefined && Number(m[4]) === 0) return `${f.name} field ${show(parts[i])} has a step of 0`;
    }
  }
  return undefined;
}

/** Fails unless `expr` is a valid Kubernetes CronJob schedule. */
export function checkKubernetesCron(scope: IConstruct, prop: string, expr: string): string {
  const problem = kubernetesCronProblem(expr);
  if (problem) invalid(scope, `${prop} ${show(expr)} ${problem}.`, 'use a five-field cron expression such as "0 * * * *" (hourly) or a macro such as "@daily".');
  return expr;
}
