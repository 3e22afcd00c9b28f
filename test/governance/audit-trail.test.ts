import { App } from 'cdktf';
import { danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';
import { KeyRing } from '../../lib/security/key-ring';
import { SecureBucket } from '../../lib/security/secure-bucket';
import { AuditTrail } from '../../lib/governance/audit-trail';
import { PolicyPack } from '../../lib/governance/policy-pack';

function build(app: App, profile: 'dev' | 'prod' = 'dev') {
  const stack = testStack(app, { profile });
  const logs = new SecureBucket(stack, 'access_logs', { bucketName: 'acme-dev-access-logs', isAccessLogTarget: true });
  const models = new SecureBucket(stack, 'models', { bucketName: 'acme-dev-models', encryptionKey: KeyRing.of(stack).key('models'), accessLogs: logs });
  return { stack, logs, models };
}

describe('AuditTrail', () => {
  let s: Synthesized;
  let p: any;
  let pack: PolicyPack;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, logs, models } = build(app);
      new AuditTrail(stack, 'audit', { accessLogs: logs, modelBuckets: [models], featureBuckets: ['arn:aws:s3:::acme-dev-offline-store'], lakeBuckets: ['arn:aws:s3:::acme-dev-lake-raw'] });
      pack = PolicyPack.applyTo(app);
    });
    p = s.stacks.platform;
  });
  test('references resolve and the policy pack finds no error', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(pack.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
  test('multi-region trail with log-file validation, KMS and CloudWatch Logs delivery', () => {
    expect(resource(p, 'aws_cloudtrail', 'audit_trail')).toMatchObject({
      name: 'acme-dev-audit', is_multi_region_trail: true, include_global_service_events: true, enable_log_file_validation: true, enable_logging: true,
      kms_key_id: '${aws_kms_key.keys_audit_key.arn}', s3_bucket_name: '${aws_s3_bucket.audit_bucket_bucket.bucket}', s3_key_prefix: 'management',
      cloud_watch_logs_group_arn: '${aws_cloudwatch_log_group.audit_log_group_log_group.arn}:*',
      cloud_watch_logs_role_arn: '${aws_iam_role.audit_delivery_role_role.arn}',
    });
  });
  test('main trail: management events and S3 writes on model, feature and lake buckets', () => {
    expect(resource(p, 'aws_cloudtrail', 'audit_trail').advanced_event_selector).toEqual([
      { name: 'management-events', field_selector: [{ field: 'eventCategory', equals: ['Management'] }] },
      { name: 's3-writes-models-features-lake', field_selector: [
        { field: 'eventCategory', equals: ['Data'] }, { field: 'resources.type', equals: ['AWS::S3::Object'] }, { field: 'readOnly', equals: ['false'] },
        { field: 'resources.ARN', starts_with: ['${aws_s3_bucket.models_bucket.arn}/', 'arn:aws:s3:::acme-dev-offline-store/', 'arn:aws:s3:::acme-dev-lake-raw/'] },
      ] },
    ]);
  });
  test('data-access trail: who read which model and feature data (not lake reads)', () => {
    const t = resource(p, 'aws_cloudtrail', 'audit_data_access_trail');
    expect(t).toMatchObject({ name: 'acme-dev-data-access', s3_key_prefix: 'data-access', enable_log_file_validation: true, is_multi_region_trail: true });
    expect(t.advanced_event_selector[0].field_selector).toContainEqual({ field: 'readOnly', equals: ['true'] });
    expect(t.advanced_event_selector[0].field_selector).toContainEqual({ field: 'resources.ARN', starts_with: ['${aws_s3_bucket.models_bucket.arn}/', 'arn:aws:s3:::acme-dev-offline-store/'] });
  });
  test('log bucket: Object Lock GOVERNANCE for the profile retention, KMS, access logs', () => {
    expect(resource(p, 'aws_s3_bucket', 'audit_bucket_bucket')).toMatchObject({ bucket: 'acme-dev-audit-logs', object_lock_enabled: true });
    expect(resource(p, 'aws_s3_bucket_object_lock_configuration', 'audit_bucket_object_lock').rule).toEqual({ default_retention: { mode: 'GOVERNANCE', days: 90 } });
    expect(resource(p, 'aws_s3_bucket_logging', 'audit_bucket_access_logging').target_bucket).toBe('${aws_s3_bucket.access_logs_bucket.id}');
  });
  test('bucket policy admits CloudTrail only for these trails and this account prefix', () => {
    const st = policy(resource(p, 'aws_s3_bucket_policy', 'audit_bucket_policy').policy).Statement;
    const arns = ['arn:${data.aws_partition.partition.partition}:cloudtrail:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:trail/acme-dev-audit',
      'arn:${data.aws_partition.partition.partition}:cloudtrail:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:trail/acme-dev-data-access'];
    expect(st.find((x) => x.Sid === 'CloudTrailAclCheck')).toEqual({ Sid: 'CloudTrailAclCheck', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetBucketAcl', Resource: '${aws_s3_bucket.audit_bucket_bucket.arn}', Condition: { StringEquals: { 'aws:SourceArn': arns } } });
    // Each trail may write only under its own key prefix, which is where CloudTrail writes (<prefix>/AWSLogs/<account>/).
    const trails = Object.values<any>(resources(p, 'aws_cloudtrail'));
    expect(trails.map((t) => t.s3_key_prefix).sort()).toEqual(['data-access', 'management']);
    for (const t of trails) {
      const arn = arns.find((a) => a.endsWith(`trail/${t.name}`));
      const write = st.find((x) => x.Action === 's3:PutObject' && x.Condition.StringEquals['aws:SourceArn'] === arn);
      expect(write).toEqual({ Sid: expect.stringMatching(/^CloudTrailWrite/), Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:PutObject',
        Resource: `\${aws_s3_bucket.audit_bucket_bucket.arn}/${t.s3_key_prefix}/AWSLogs/\${data.aws_caller_identity.caller_identity.account_id}/*`,
        Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': arn } } });
    }
  });
  test('audit key admits CloudTrail scoped by encryption context and trail ARN; DescribeKey (no encryption context) by trail ARN only', () => {
    const st = policy(resource(p, 'aws_kms_key', 'keys_audit_key').policy).Statement;
    const cloudtrail = st.filter((x) => x.Principal?.Service === 'cloudtrail.amazonaws.com');
    expect(cloudtrail).toHaveLength(2);
    expect(cloudtrail[0]).toMatchObject({ Action: ['kms:GenerateDataKey*'],
      Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:${data.aws_partition.partition.partition}:cloudtrail:*:${data.aws_caller_identity.caller_identity.account_id}:trail/*' } } });
    expect(cloudtrail[1]).toMatchObject({ Action: ['kms:DescribeKey'] });
    expect(Object.keys(cloudtrail[1].Condition)).toEqual(['StringEquals']);
    expect(Object.keys(cloudtrail[1].Condition.StringEquals)).toEqual(['aws:SourceArn']);
  });
  test('delivery role may only write streams of its log group', () => {
    const st = policy(resource(p, 'aws_iam_role_policy', 'audit_delivery_role_policy').policy).Statement;
    expect(st).toEqual([expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '${aws_cloudwatch_log_group.audit_log_group_log_group.arn}:log-stream:*' })]);
    expect(JSON.parse(resource(p, 'aws_iam_role', 'audit_delivery_role_role').assume_role_policy).Statement[0].Principal).toEqual({ Service: 'cloudtrail.amazonaws.com' });
  });
  test('without model or feature buckets there is no data-access trail', () => {
    const s2 = synthesize((app) => {
      const { stack, logs } = build(app);
      new AuditTrail(stack, 'audit', { accessLogs: logs });
    });
    expect(danglingReferences(s2)).toEqual([]);
    expect(Object.keys(resources(s2.stacks.platform, 'aws_cloudtrail'))).toEqual(['audit_trail']);
  });
  test('a bucket given by name where its ARN is needed is an error', () => {
    const { stack, logs } = build(new App(), 'prod');
    expect(() => new AuditTrail(stack, 'audit', { accessLogs: logs, lakeBuckets: ['arn:aws:s3:::acme-raw', 'acme-curated'] }))
      .toThrow('[platform/audit] lakeBuckets[1] "acme-curated" is not an ARN. Fix: use the full S3 bucket ARN, e.g. "arn:aws:s3:::acme-curated".');
  });
  test('a retention below the profile audit retention is an error', () => {
    const { stack, logs } = build(new App(), 'prod');
    expect(() => new AuditTrail(stack, 'audit', { accessLogs: logs, retentionDays: 30 }))
      .toThrow(/^\[platform\/audit\] retentionDays 30 is below the prod profile's audit retention of \d+ days\. Fix: keep audit logs for at least \d+ days \(omit retentionDays to use the profile\)\.$/);
  });
});
