import { IConstruct } from 'constructs';
import { invalid, show } from './errors';

/**
 * AWS schedule expressions, as EventBridge rules and EventBridge Scheduler accept them:
 *
 * - `rate(<value> <unit>)`: a positive whole value; unit `minute|minutes|hour|hours|day|days`, singular
 *   exactly when the value is 1;
 * - `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`: six fields; one of
 *   day-of-month and day-of-week must be `?`; `L`, `W` and `#` where AWS allows them.
 */

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: string[];
  /** Extra single-token forms this field allows (L, LW, nW, nL, n#k). */
  readonly special?: RegExp;
}

const FIELDS: CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(L|LW|([1-9]|[12]\d|3[01])W)$/ },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 1, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], special: /^(L|[1-7]L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)#[1-5])$/i },
  { name: 'year', min: 1970, max: 2199 },
];

const RATE_UNITS = ['minute', 'minutes', 'hour', 'hours', 'day', 'days'];

/** Why `expr` is not a valid AWS `rate(...)` or `cron(...)` schedule expression, or undefined when it is valid. */
export function scheduleExpressionProblem(expr: string): string | undefined {
  const rate = /^rate\((.*)\)$/.exec(expr);
  if (rate) return rateProblem(rate[1]);
  const cron = /^cron\((.*)\)$/.exec(expr);
  if (cron) return cronProblem(cron[1]);
  return 'is neither rate(...) nor cron(...)';
}

function rateProblem(body: string): string | undefined {
  const m = /^(\S+) (\S+)$/.exec(body);
  if (!m) return 'must be rate(<value> <unit>), e.g. rate(1 day)';
  const [, value, unit] = m;
  if (!/^[1-9]\d*$/.test(value)) return `has rate value ${show(value)}; it must be a whole number greater than 0`;
  if (!RATE_UNITS.includes(unit)) return `has rate unit ${show(unit)}; it must be one of ${RATE_UNITS.join(', ')}`;
  const singular = !unit.endsWith('s');
  if (value === '1' && !singular) return `uses ${show(unit)} with the value 1; AWS requires the singular unit (${unit.slice(0, -1)})`;
  if (value !== '1' && singular) return `uses ${show(unit)} with the value ${value}; AWS requires the plural unit (${unit}s)`;
  return undefined;
}

function cronProblem(body: string): string | undefined {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) return `has ${parts.length} fields; an AWS cron expression has 6 (minutes hours day-of-month month day-of-week year)`;
  for (let i = 0; i < 6; i++) {
    const problem = fieldProblem(FIELDS[i], parts[i]);
    if (problem) return problem;
  }
  const [, , dom, , dow] = parts;
  if ((dom === '?') === (dow === '?')) {
    return `has day-of-month ${show(dom)} and day-of-week ${show(dow)}; exactly one of them must be "?"`;
  }
  return undefined;
}

function fieldProblem(f: CronField, text: string): string | undefined {
  const bad = (why: string) => `${f.name} field ${show(text)} ${why}`;
  if (text === '?') return f.name === 'day-of-month' || f.name === 'day-of-week' ? undefined : bad('may not be "?" (only day-of-month or day-of-week may)');
  if (f.special?.test(text)) return undefined;
  for (const item of text.split(',')) {
    const m = /^(\*|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:\/(\d+))?$/.exec(item);
    if (!m) return bad('is not a cron field');
    for (const v of [m[2], m[3]]) {
      if (v === undefined) continue;
      const named = f.names?.indexOf(v.toUpperCase()) ?? -1;
      const n = named >= 0 ? named + 1 : /^\d+$/.test(v) ? Number(v) : NaN;
      if (Number.isNaN(n)) return bad(`has ${show(v)}, which is not a number${f.names ? ' or a name' : ''}`);
      if (n < f.min || n > f.max) return bad(`is outside ${f.min}-${f.max}`);
    }
    if (m[4] !== undefined && Number(m[4]) === 0) return bad('has a step of 0');
  }
  return undefined;
}

/**
 * Fails with a clear error unless `expr` is a valid AWS schedule expression (`rate(...)` or
 * six-field `cron(...)`); returns it. `prop` names the property in the message.
 */
export function checkScheduleExpression(scope: IConstruct, prop: string, expr: string): string {
  const problem = scheduleExpressionProblem(expr);
  if (problem) {
    invalid(scope, `${prop} ${show(expr)} ${problem}.`,
      'use an AWS schedule expression such as "rate(1 day)", "rate(12 hours)" or "cron(0 3 ? * MON-FRI *)" (six fields: minutes hours day-of-month month day-of-week year, one of the two day fields "?").');
  }
  return expr;
}

/**
 * The IAM statement an EventBridge Scheduler execution role needs when its schedules are encrypted
 * with a customer-managed key (`kms_key_arn`): Scheduler decrypts the schedule's payload with the
 * execution role when it invokes the target. Scoped to `scheduleArns` by the encryption context
 * `aws:scheduler:schedule:arn`. The key policy needs nothing more when it lets IAM policies of the
 * account grant the key (as every DomainKey's does); the identity creating the schedule needs
 * kms:DescribeKey, kms:GenerateDataKey and kms:Decrypt on the key (the Terraform deployer).
 */
export function scheduleDecryptStatement(keyArn: string, scheduleArns: string[]): {
  actions: string[]; resources: string[]; conditions: Record<string, Record<string, string[]>>;
} {
  return {
    actions: ['kms:Decrypt'],
    resources: [keyArn],
    conditions: { ArnLike: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': scheduleArns } },
  };
}
