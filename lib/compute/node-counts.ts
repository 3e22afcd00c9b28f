import { Construct } from 'constructs';
import { invalid, show } from '../core/errors';

/** Fails unless 0 <= min <= desired <= max and max >= 1. */
export function checkNodeCounts(scope: Construct, c: { min: number; desired?: number; max: number }): void {
  const desired = c.desired ?? c.min;
  if (![c.min, desired, c.max].every((n) => Number.isInteger(n) && n >= 0) || c.max < 1) {
    invalid(scope, `node counts ${show(c)} must be whole numbers with max at least 1.`, 'use e.g. { min: 2, desired: 2, max: 4 }.');
  }
  if (c.min > c.max) invalid(scope, `min size ${c.min} is greater than max size ${c.max}.`, 'make min no larger than max.');
  if (desired < c.min || desired > c.max) invalid(scope, `desired size ${desired} is outside min ${c.min} and max ${c.max}.`, 'pick a desired size between min and max.');
}
