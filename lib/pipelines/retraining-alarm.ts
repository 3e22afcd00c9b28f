import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { MlopsStack } from '../core/mlops-stack';

/** What a retraining alarm watches. */
export interface RetrainingAlarmProps {
  /** The retraining's name (in the alarm name and description). */
  readonly retraining: string;
  /** Last word of the alarm name, e.g. `failed`. */
  readonly what: string;
  /** Alarm description. */
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly statistic: 'Sum' | 'Maximum';
  /** SNS topic notified on ALARM and OK. */
  readonly topicArn: string;
  /**
   * First word of the alarm name after the platform prefix (what kind of engine it watches).
   * @default "retrain"
   */
  readonly kind?: string;
}

/**
 * An alarm of a retraining engine: ALARM as soon as one 5-minute period counts at least one event
 * (a failed execution, a request in the dead-letter queue); no data is not a failure.
 */
export function retrainingAlarm(scope: Construct, id: string, p: RetrainingAlarmProps): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: MlopsStack.of(scope).naming.name(scope, 'alarm', p.kind ?? 'retrain', p.retraining, p.what),
    alarmDescription: p.description,
    namespace: p.namespace,
    metricName: p.metricName,
    dimensions: p.dimensions,
    statistic: p.statistic,
    period: 300,
    evaluationPeriods: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    treatMissingData: 'notBreaching',
    alarmActions: [p.topicArn],
    okActions: [p.topicArn],
  });
}
