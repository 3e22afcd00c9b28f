import { Construct } from 'constructs';
import { GlueDataQualityRuleset } from '@cdktf/provider-aws/lib/glue-data-quality-ruleset';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { MlopsStack, snake } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { didYouMean } from '../core/suggest';
import { checkScheduleExpression, scheduleDecryptStatement } from '../core/schedule';
import { DomainKey } from '../security/domain-key';
import { KeyRing } from '../security/key-ring';
import { PlatformRole } from '../security/platform-role';
import { DataLake } from './data-lake';

/** DQDL rule types the library accepts (AWS Glue Data Quality Definition Language). */
export const DQDL_RULE_TYPES = [
  'AggregateMatch', 'ColumnCorrelation', 'ColumnCount', 'ColumnDataType', 'ColumnExists', 'ColumnLength', 'ColumnNamesMatchPattern',
  'ColumnValues', 'Completeness', 'CustomSql', 'DataFreshness', 'DatasetMatch', 'DetectAnomalies', 'DistinctValuesCount', 'Entropy',
  'FileFreshness', 'FileMatch', 'FileSize', 'FileUniqueness', 'IsComplete', 'IsPrimaryKey', 'IsUnique', 'Mean', 'ReferentialIntegrity',
  'RowCount', 'RowCountMatch', 'SchemaMatch', 'StandardDeviation', 'Sum', 'Uniqueness', 'UniqueValueRatio',
];

/** A DQDL ruleset evaluated on one table of the lake. */
export interface RulesetProps {
  /** Ruleset name (after the platform prefix): letters, digits, hyphens and underscores. */
  readonly name: string;
  /** Lake zone of the table. */
  readonly zone: string;
  /** Table name in the zone's database. */
  readonly table: string;
  /** DQDL rules, e.g. `IsComplete "user_id"`, `RowCount > 0`. */
  readonly rules: string[];
  /**
   * When the evaluation runs (EventBridge Scheduler expression, UTC).
   * @default "cron(0 6 * * ? *)" (daily at 06:00)
   */
  readonly schedule?: string;
}

/** Props of {@link DataValidation}. */
export interface DataValidationProps {
  /** The lake holding the tables. */
  readonly lake: DataLake;
  /** The rulesets. */
  readonly rulesets: RulesetProps[];
  /**
   * SNS topic (ARN) told of every failed evaluation: the alarm's action and the rule's target.
   * @default none: the CloudWatch alarm still fires, with no action
   */
  readonly alarmTopicArn?: string;
}

/** A ruleset with its evaluation schedule. */
export interface ValidationRuleset {
  readonly ruleset: GlueDataQualityRuleset;
  readonly schedule: SchedulerSchedule;
}


/**
 * Glue Data Quality rulesets (DQDL) on lake tables, each evaluated on a schedule (EventBridge
 * Scheduler calling StartDataQualityRulesetEvaluationRun with a dedicated evaluation role that
 * reads the zone through Lake Formation). A failed evaluation matches an EventBridge rule; the
 * rule's TriggeredRules metric drives a CloudWatch alarm, and the optional SNS topic is both the
 * alarm action and a rule target.
 */
export class DataValidation extends Construct {
  /** The role Glue assumes to evaluate the rulesets. */
  public readonly evaluationRole: PlatformRole;
  /** The role EventBridge Scheduler assumes to start evaluations. */
  public readonly schedulerRole: PlatformRole;
  /** The customer-managed key encrypting the schedules (their payloads name tables and roles). */
  public readonly scheduleKey: DomainKey;
  /** Matches failed evaluations of these rulesets. */
  public readonly failureRule: CloudwatchEventRule;
  /** Fires when an evaluation failed. */
  public readonly failureAlarm: CloudwatchMetricAlarm;
  private readonly rulesets = new Map<string, ValidationRuleset>();

  constructor(scope: Construct, id: string, props: DataValidationProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    if (props.rulesets.length === 0) invalid(this, 'rulesets is empty.', 'declare at least one ruleset, or do not create a DataValidation.');
    if (props.alarmTopicArn !== undefined && !/^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+|\$\{.+\})$/.test(props.alarmTopicArn)) {
      invalid(this, `alarmTopicArn ${show(props.alarmTopicArn)} is not an SNS topic ARN.`, 'pass the ARN of the platform alert topic.');
    }
    this.evaluationRole = new PlatformRole(this, 'evaluation_role', {
      nameParts: ['dq', 'evaluation'],
      description: 'Glue Data Quality evaluation of lake tables',
      trust: [{ principals: { Service: 'glue.amazonaws.com' }, actions: ['sts:AssumeRole'], conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId } } }],
    });
    this.schedulerRole = new PlatformRole(this, 'scheduler_role', {
      nameParts: ['dq', 'scheduler'],
      description: 'EventBridge Scheduler starting Glue Data Quality evaluations',
      trust: [{ principals: { Service: 'scheduler.amazonaws.com' }, actions: ['sts:AssumeRole'], conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId } } }],
    });
    this.schedulerRole.addToPolicy({
      actions: ['iam:PassRole'],
      resources: [this.evaluationRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } },
    });
    this.evaluationRole.addToPolicy({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [stack.arn('logs', 'log-group:/aws-glue/*')],
    });

    this.scheduleKey = KeyRing.of(this).key('schedules');
    const names: string[] = [];
    const scheduleArns: string[] = [];
    for (const r of props.rulesets) {
      const name = stack.naming.name(this, 'glue-job', 'dq', r.name);
      if (this.rulesets.has(r.name)) invalid(this, `ruleset ${show(r.name)} is declared twice.`, 'declare each ruleset once.');
      const zone = props.lake.zone(r.zone);
      if (!/^[a-z0-9_]{1,255}$/.test(r.table)) invalid(this, `ruleset ${show(r.name)} targets table ${show(r.table)}, which is not a Glue table name.`, 'use lower-case letters, digits and underscores.');
      const ruleset = this.renderRuleset(r);
      const schedule = r.schedule ?? 'cron(0 6 * * ? *)';
      checkScheduleExpression(this, `ruleset ${show(r.name)} schedule`, schedule);
      props.lake.grantRead(this.evaluationRole, r.zone);
      const rs = new GlueDataQualityRuleset(this, `${snake(r.name)}_ruleset`, {
        name,
        description: `Data quality of ${r.zone}.${r.table}`,
        ruleset,
        targetTable: { databaseName: zone.databaseName, tableName: r.table },
      });
      const rulesetArn = stack.arn('glue', `dataQualityRuleset/${name}`);
      this.evaluationRole.addToPolicy({ actions: ['glue:GetDataQualityRuleset', 'glue:PublishDataQuality'], resources: [rulesetArn] });
      this.schedulerRole.addToPolicy({ actions: ['glue:StartDataQualityRulesetEvaluationRun'], resources: [rulesetArn] });
      const scheduleName = stack.naming.name(this, 'eventbridge-rule', 'dq', r.name);
      scheduleArns.push(stack.arn('scheduler', `schedule/default/${scheduleName}`));
      const sched = new SchedulerSchedule(this, `${snake(r.name)}_schedule`, {
        name: scheduleName,
        kmsKeyArn: this.scheduleKey.keyArn,
        description: `Evaluates data quality ruleset ${name}`,
        scheduleExpression: schedule,
        scheduleExpressionTimezone: 'UTC',
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: `arn:${stack.partition}:scheduler:::aws-sdk:glue:startDataQualityRulesetEvaluationRun`,
          roleArn: this.schedulerRole.roleArn,
          input: JSON.stringify({
            DataSource: { GlueTable: { DatabaseName: zone.databaseName, TableName: r.table } },
            Role: this.evaluationRole.roleArn,
            RulesetNames: [rs.name],
            AdditionalRunOptions: { CloudWatchMetricsEnabled: true },
          }),
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        },
      });
      this.rulesets.set(r.name, { ruleset: rs, schedule: sched });
      names.push(name);
    }
    this.schedulerRole.addToPolicy(scheduleDecryptStatement(this.scheduleKey.keyArn, scheduleArns));

    this.failureRule = new CloudwatchEventRule(this, 'failure_rule', {
      name: stack.naming.name(this, 'eventbridge-rule', 'dq', 'failed'),
      description: 'A Glue Data Quality evaluation of a platform ruleset failed',
      eventPattern: JSON.stringify({
        source: ['aws.glue-dataquality'],
        'detail-type': ['Data Quality Evaluation Results Available'],
        detail: { rulesetNames: names, state: ['FAILED'] },
      }),
    });
    if (props.alarmTopicArn) {
      new CloudwatchEventTarget(this, 'failure_topic', { rule: this.failureRule.name, arn: props.alarmTopicArn, targetId: 'alert-topic' });
    }
    this.failureAlarm = new CloudwatchMetricAlarm(this, 'failure_alarm', {
      alarmName: stack.naming.name(this, 'alarm', 'dq', 'evaluation', 'failed'),
      alarmDescription: 'A Glue Data Quality evaluation failed: see the Data Quality results of the ruleset named in the event.',
      namespace: 'AWS/Events',
      metricName: 'TriggeredRules',
      dimensions: { RuleName: this.failureRule.name },
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: props.alarmTopicArn ? [props.alarmTopicArn] : undefined,
    });
  }

  /** The ruleset named `name`. */
  public ruleset(name: string): ValidationRuleset {
    const r = this.rulesets.get(name);
    if (!r) invalid(this, `ruleset ${show(name)} is not declared.`, `use one of ${[...this.rulesets.keys()].join(', ')}.`);
    return r;
  }

  /** The DQDL text of a ruleset; a subclass may override it to add company-wide rules. */
  protected renderRuleset(r: RulesetProps): string {
    if (r.rules.length === 0) invalid(this, `ruleset ${show(r.name)} has no rules.`, 'add DQDL rules such as \'RowCount > 0\'.');
    for (const rule of r.rules) {
      const type = rule.trim().split(/\s+/)[0];
      if (!DQDL_RULE_TYPES.includes(type)) {
        invalid(this, `ruleset ${show(r.name)} has rule ${show(rule)} of unknown DQDL type ${show(type)}${didYouMean(type, DQDL_RULE_TYPES)}.`,
          `start each rule with a DQDL rule type: ${DQDL_RULE_TYPES.join(', ')}.`);
      }
    }
    return `Rules = [\n  ${r.rules.map((x) => x.trim()).join(',\n  ')}\n]`;
  }
}
