import { IConstruct } from 'constructs';

/**
 * The one error type for invalid input. Its message always names the construct path,
 * what is wrong (with the offending value) and how to fix it:
 *
 *   [acme-platform/Network] cidr "10.0.0.0/33" is not a valid IPv4 CIDR block. Fix: use a block such as "10.0.0.0/16".
 */
export class MlopsValidationError extends Error {
  /** Path of the construct whose input is invalid. */
  public readonly constructPath: string;
  /** What is wrong. */
  public readonly problem: string;
  /** How to fix it. */
  public readonly fix: string;

  constructor(scope: IConstruct | string, problem: string, fix: string) {
    const path = typeof scope === 'string' ? scope : scope.node.path;
    super(`[${path}] ${problem} Fix: ${fix}`);
    this.name = 'MlopsValidationError';
    this.constructPath = path;
    this.problem = problem;
    this.fix = fix;
  }
}

/** Throws a {@link MlopsValidationError} for `scope`. */
export function invalid(scope: IConstruct | string, problem: string, fix: string): never {
  throw new MlopsValidationError(scope, problem, fix);
}

/**
 * Registers a check that runs at synth time (after every construct has been added) and reports
 * through cdktf's validation, which fails the synth with `[path] message`.
 */
export function validateAtSynth(scope: IConstruct, check: () => Array<{ problem: string; fix: string }>): void {
  scope.node.addValidation({
    validate: () => check().map((e) => `${e.problem} Fix: ${e.fix}`),
  });
}

/** Formats a value for an error message. */
export function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}
