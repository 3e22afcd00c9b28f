import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { MlopsStack } from '../core/mlops-stack';
import { checkName } from '../core/naming';
import { invalid, show } from '../core/errors';
import { profileValueSource } from '../core/profiles';
import { KeyRing } from './key-ring';

/** CloudWatch Logs retention values the API accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Props of {@link EncryptedLogGroup}. */
export interface EncryptedLogGroupProps {
  /** Full log group name, e.g. `/aws/eks/acme/cluster`. */
  readonly name: string;
  /**
   * Retention in days: a value CloudWatch accepts, at least the profile's minimum.
   * @default the profile's logRetentionDays
   */
  readonly retentionDays?: number;
  /**
   * The caller's prop that supplied `retentionDays` (e.g. `flowLogRetentionDays`), named in errors.
   * @default "retentionDays"
   */
  readonly retentionDaysProp?: string;
}

/**
 * A log group encrypted with the stack's `logs` domain key, with retention from the profile.
 * A retention below the profile's minimum, or one CloudWatch does not accept, is a synth error.
 */
export class EncryptedLogGroup extends Construct {
  public readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const retention = props.retentionDays ?? stack.profile.logRetentionDays;
    checkRetention(this, retention, stack, props.retentionDays === undefined ? profileValueSource(stack.profile, 'logRetentionDays') : props.retentionDaysProp ?? 'retentionDays');
    this.logGroup = new CloudwatchLogGroup(this, 'log_group', {
      name: checkName(this, 'log-group', props.name),
      retentionInDays: retention,
      kmsKeyId: KeyRing.of(this).key('logs').keyArn,
      skipDestroy: stack.profile.preventDestroy,
    });
  }

  public get name(): string {
    return this.logGroup.name;
  }

  public get arn(): string {
    return this.logGroup.arn;
  }
}

/**
 * Fails unless `days` is a CloudWatch retention value and at least the profile's minimum.
 * `source` is where the value came from as the user wrote it (`retentionDays`,
 * `profileOverrides.logRetentionDays`, `the prod profile's logRetentionDays`); errors name it.
 */
export function checkRetention(scope: Construct, days: number, stack: MlopsStack, source = 'retentionDays'): void {
  const min = stack.profile.minimumLogRetentionDays;
  const fromProfile = source.startsWith('the ');
  // A profile default below a raised minimum: the fix is on the profile (or on the construct's prop).
  const setting = fromProfile ? 'profileOverrides.logRetentionDays' : source;
  if (days < min) {
    const minSource = minimumOverridden(stack) ? 'profileOverrides.minimumLogRetentionDays' : `the ${stack.profile.name} profile's minimum`;
    invalid(scope, `log retention of ${days} days (${source}) is below ${minSource} of ${min}.`, `set ${setting} to at least ${min}.`);
  }
  if (!LOG_RETENTION_DAYS.includes(days)) {
    invalid(scope, `log retention ${show(days)} (${source}) is not a value CloudWatch Logs accepts.`, `set ${setting} to one of ${LOG_RETENTION_DAYS.join(', ')}.`);
  }
}

function minimumOverridden(stack: MlopsStack): boolean {
  return profileValueSource(stack.profile, 'minimumLogRetentionDays').startsWith('profileOverrides.');
}
