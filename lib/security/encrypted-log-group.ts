import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { MlopsStack } from '../core/mlops-stack';
import { checkName } from '../core/naming';
import { invalid, show } from '../core/errors';
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
    checkRetention(this, retention, stack);
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

/** Fails unless `days` is a CloudWatch retention value and at least the profile's minimum. */
export function checkRetention(scope: Construct, days: number, stack: MlopsStack): void {
  if (days < stack.profile.minimumLogRetentionDays) {
    invalid(scope, `log retention of ${days} days is below the ${stack.profile.name} profile's minimum of ${stack.profile.minimumLogRetentionDays}.`,
      `set retentionDays to at least ${stack.profile.minimumLogRetentionDays}.`);
  }
  if (!LOG_RETENTION_DAYS.includes(days)) {
    invalid(scope, `log retention ${show(days)} is not a value CloudWatch Logs accepts.`, `use one of ${LOG_RETENTION_DAYS.join(', ')}.`);
  }
}
