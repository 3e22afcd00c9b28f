import { App } from 'cdktf';
import { DataLake } from '../../lib/data/data-lake';
import { DataValidation } from '../../lib/data/data-validation';
import { arr, danglingReferences, policy, resource, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:acme-alerts';

describe('DataValidation', () => {
  let s: Synthesized;
  let t: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      const lake = new DataLake(stack, 'lake');
      new DataValidation(stack, 'quality', {
        lake,
        alarmTopicArn: TOPIC,
        rulesets: [{ name: 'clicks', zone: 'curated', table: 'clicks', rules: ['IsComplete "user_id"', 'RowCount > 0'], schedule: 'rate(6 hours)' }],
      });
    });
    t = s.stacks.platform;
  });

  test('a DQDL ruleset per table', () => {
    expect(resource(t, 'aws_glue_data_quality_ruleset', 'quality_clicks_ruleset')).toMatchObject({
      name: 'acme-dev-dq-clicks',
      ruleset: 'Rules = [\n  IsComplete "user_id",\n  RowCount > 0\n]',
      target_table: { database_name: '${aws_glue_catalog_database.lake_curated_database.name}', table_name: 'clicks' },
    });
    expect(danglingReferences(s)).toEqual([]);
  });

  test('evaluation is scheduled through EventBridge Scheduler with the evaluation role', () => {
    const sch = resource(t, 'aws_scheduler_schedule', 'quality_clicks_schedule');
    expect(sch.schedule_expression).toBe('rate(6 hours)');
    expect(sch.target.arn).toBe('arn:${data.aws_partition.partition.partition}:scheduler:::aws-sdk:glue:startDataQualityRulesetEvaluationRun');
    const input = JSON.parse(sch.target.input);
    expect(input).toMatchObject({ Role: '${aws_iam_role.quality_evaluation_role_role.arn}', RulesetNames: ['${aws_glue_data_quality_ruleset.quality_clicks_ruleset.name}'], DataSource: { GlueTable: { TableName: 'clicks' } } });
    const st = policy(resource(t, 'aws_iam_role_policy', 'quality_scheduler_role_policy').policy).Statement;
    expect(st.flatMap((x: any) => arr(x.Action)).sort()).toEqual(['glue:StartDataQualityRulesetEvaluationRun', 'iam:PassRole', 'kms:Decrypt']);
    for (const x of st) expect(arr(x.Resource)).not.toContain('*');
  });

  test('the schedule is encrypted with a customer-managed key its execution role may decrypt for these schedules only', () => {
    const sch = resource(t, 'aws_scheduler_schedule', 'quality_clicks_schedule');
    expect(sch.kms_key_arn).toBe('${aws_kms_key.keys_schedules_key.arn}');
    const st = policy(resource(t, 'aws_iam_role_policy', 'quality_scheduler_role_policy').policy).Statement;
    const decrypt = st.find((x: any) => arr(x.Action).includes('kms:Decrypt'));
    expect(decrypt.Resource).toBe('${aws_kms_key.keys_schedules_key.arn}');
    expect(decrypt.Condition).toEqual({ ArnLike: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': [
      'arn:${data.aws_partition.partition.partition}:scheduler:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:schedule/default/acme-dev-dq-clicks',
    ] } });
    const keyPolicy = policy(resource(t, 'aws_kms_key', 'keys_schedules_key').policy);
    expect(keyPolicy.Statement[0]).toMatchObject({ Sid: 'AccountAdministers', Principal: { AWS: expect.stringMatching(/:root$/) } });
  });

  test('the evaluation role reads the table through Lake Formation', () => {
    expect(resource(t, 'aws_lakeformation_permissions', 'lake_read_curated_tables_quality_evaluation_role')).toMatchObject({ permissions: ['SELECT', 'DESCRIBE'] });
  });

  test('a failed evaluation matches an EventBridge rule that alarms and notifies the topic', () => {
    const rule = resource(t, 'aws_cloudwatch_event_rule', 'quality_failure_rule');
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ['aws.glue-dataquality'], 'detail-type': ['Data Quality Evaluation Results Available'],
      detail: { rulesetNames: ['acme-dev-dq-clicks'], state: ['FAILED'] },
    });
    expect(resource(t, 'aws_cloudwatch_event_target', 'quality_failure_topic')).toMatchObject({ arn: TOPIC, rule: '${aws_cloudwatch_event_rule.quality_failure_rule.name}' });
    expect(resource(t, 'aws_cloudwatch_metric_alarm', 'quality_failure_alarm')).toMatchObject({
      namespace: 'AWS/Events', metric_name: 'TriggeredRules', dimensions: { RuleName: '${aws_cloudwatch_event_rule.quality_failure_rule.name}' },
      threshold: 1, comparison_operator: 'GreaterThanOrEqualToThreshold', alarm_actions: [TOPIC],
    });
  });
});

const ALL_TYPES = 'start each rule with a DQDL rule type: AggregateMatch, ColumnCorrelation, ColumnCount, ColumnDataType, ColumnExists, ColumnLength, ColumnNamesMatchPattern, '
  + 'ColumnValues, Completeness, CustomSql, DataFreshness, DatasetMatch, DetectAnomalies, DistinctValuesCount, Entropy, FileFreshness, FileMatch, FileSize, FileUniqueness, '
  + 'IsComplete, IsPrimaryKey, IsUnique, Mean, ReferentialIntegrity, RowCount, RowCountMatch, SchemaMatch, StandardDeviation, Sum, Uniqueness, UniqueValueRatio.';

describe('DataValidation invalid input', () => {
  test('an unknown DQDL rule type lists every documented type and suggests the nearest, case-insensitive match first', () => {
    const { stack, lake } = setup();
    const r = { name: 'orders', zone: 'curated', table: 't' };
    expect(() => new DataValidation(stack, 'a', { lake, rulesets: [{ ...r, rules: ['rowcount > 0'] }] }))
      .toThrow(new Error(`[platform/a] ruleset "orders" has rule "rowcount > 0" of unknown DQDL type "rowcount" (did you mean "RowCount"?). Fix: ${ALL_TYPES}`));
    expect(() => new DataValidation(stack, 'b', { lake, rulesets: [{ ...r, rules: ['IsComplete "id"', 'ISUNIQUE "id"'] }] }))
      .toThrow(new Error(`[platform/b] ruleset "orders" has rule "ISUNIQUE "id"" of unknown DQDL type "ISUNIQUE" (did you mean "IsUnique"?). Fix: ${ALL_TYPES}`));
    expect(() => new DataValidation(stack, 'c', { lake, rulesets: [{ ...r, rules: ['Completenes "id" > 0.9'] }] }))
      .toThrow(new Error(`[platform/c] ruleset "orders" has rule "Completenes "id" > 0.9" of unknown DQDL type "Completenes" (did you mean "Completeness"?). Fix: ${ALL_TYPES}`));
    expect(() => new DataValidation(stack, 'd', { lake, rulesets: [{ ...r, rules: ['NotNull "id"'] }] }))
      .toThrow(new Error(`[platform/d] ruleset "orders" has rule "NotNull "id"" of unknown DQDL type "NotNull". Fix: ${ALL_TYPES}`));
  });
  const setup = () => {
    const stack = testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
    return { stack, lake: new DataLake(stack, 'lake') };
  };
  test('unknown DQDL rule type, unknown zone, bad schedule, empty rules, bad topic', () => {
    const { stack, lake } = setup();
    const r = { name: 'c', zone: 'curated', table: 't', rules: ['RowCount > 0'] };
    expect(() => new DataValidation(stack, 'a', { lake, rulesets: [{ ...r, rules: ['RowsExist > 0'] }] })).toThrow(new Error(`[platform/a] ruleset "c" has rule "RowsExist > 0" of unknown DQDL type "RowsExist". Fix: ${ALL_TYPES}`));
    expect(() => new DataValidation(stack, 'b', { lake, rulesets: [{ ...r, zone: 'gold' }] })).toThrow(/^\[platform\/lake\] zone "gold" is not a zone of this lake/);
    expect(() => new DataValidation(stack, 'c', { lake, rulesets: [{ ...r, schedule: 'daily' }] })).toThrow(/^\[platform\/c\] ruleset "c" schedule "daily" is neither rate\(\.\.\.\) nor cron\(\.\.\.\)\. Fix: use an AWS schedule expression/);
    expect(() => new DataValidation(stack, 'd', { lake, rulesets: [{ ...r, rules: [] }] })).toThrow(/ruleset "c" has no rules/);
    expect(() => new DataValidation(stack, 'e', { lake, rulesets: [r], alarmTopicArn: 'alerts' })).toThrow(/^\[platform\/e\] alarmTopicArn "alerts" is not an SNS topic ARN/);
  });
});
