import { Construct } from 'constructs';
import { invalid, show } from '../core/errors';

/** How the user wrote each count, named in errors (e.g. `maxSize`, `fallbackMaxSize`, `systemNodeCount.max`). */
export interface NodeCountNames {
  readonly min: string;
  readonly desired?: string;
  readonly max: string;
}

/**
 * Fails unless 0 <= min <= desired <= max and max >= 1, each a whole number; errors name the
 * props as the user wrote them (`names`).
 */
export function checkNodeCounts(scope: Construct, c: { min: number; desired?: number; max: number },
  names: NodeCountNames = { min: 'min', desired: 'desired', max: 'max' }): void {
  const desired = c.desired ?? c.min;
  const given: Array<[string, number]> = [[names.min, c.min], ...(c.desired !== undefined ? [[names.desired ?? 'desired', c.desired] as [string, number]] : []), [names.max, c.max]];
  for (const [name, n] of given) {
    if (!Number.isInteger(n) || n < 0) invalid(scope, `${name} ${show(n)} is not a whole number of nodes.`, `set ${name} to a whole number of 0 or more.`);
  }
  if (c.max < 1) invalid(scope, `${names.max} ${c.max} allows no node.`, `set ${names.max} to at least 1.`);
  if (c.min > c.max) invalid(scope, `${names.min} ${c.min} is greater than ${names.max} ${c.max}.`, `make ${names.min} no larger than ${names.max}.`);
  if (desired < c.min || desired > c.max) {
    const d = names.desired ?? 'desired';
    invalid(scope, `${d} ${desired} is outside ${names.min} ${c.min} and ${names.max} ${c.max}.`, `pick a ${d} between ${names.min} and ${names.max}.`);
  }
}
