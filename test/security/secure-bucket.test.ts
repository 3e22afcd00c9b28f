import { App } from 'cdktf';
import { SecureBucket } from '../../lib/security/secure-bucket';
import { KeyRing } from '../../lib/security/key-ring';
import { WorkloadIdentity } from '../../lib/security/workload-identity';
import { arr, danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';

const cluster = { clusterName: 'acme-dev' };

describe('SecureBucket', () => {
  let s: Synthesized;
  let t: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app, { profile: 'prod', namePrefix: 'acme-prod' });
      const logs = new SecureBucket(stack, 'logs', { bucketName: 'acme-prod-logs', isAccessLogTarget: true });
      const data = new SecureBucket(stack, 'data', {
        bucketName: 'acme-prod-data', encryptionKey: KeyRing.of(stack).key('lake'), accessLogs: logs,
        transitions: [{ days: 90, storageClass: 'GLACIER' }, { days: 30, storageClass: 'STANDARD_IA' }], expirationDays: 365,
      });
      new SecureBucket(stack, 'audit', {
        bucketName: 'acme-prod-audit', encryptionKey: KeyRing.of(stack).key('audit'), accessLogs: logs, objectLock: { mode: 'COMPLIANCE', days: 2555 }, preventDestroy: false,
      });
      const reader = new WorkloadIdentity(stack, 'reader', { cluster, namespace: 'a', serviceAccountName: 'reader' });
      const writer = new WorkloadIdentity(stack, 'writer', { cluster, namespace: 'a', serviceAccountName: 'writer' });
      const cleaner = new WorkloadIdentity(stack, 'cleaner', { cluster, namespace: 'a', serviceAccountName: 'cleaner' });
      data.grantRead(reader, 'models');
      data.grantWrite(writer, '/models/');
      data.grantDelete(cleaner, 'tmp');
      data.addToPolicy({ sid: 'Delivery', principal: { Service: 'delivery.logs.amazonaws.com' }, actions: ['s3:PutObject'], keyPattern: 'AWSLogs/*' });
    });
    t = s.stacks.platform;
  });

  test('references resolve', () => expect(danglingReferences(s)).toEqual([]));

  test('SSE-KMS with bucket keys for data, SSE-S3 for the log target', () => {
    expect(resource(t, 'aws_s3_bucket_server_side_encryption_configuration', 'data_encryption').rule[0]).toEqual({
      apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: '${aws_kms_key.keys_lake_key.arn}' }, bucket_key_enabled: true,
    });
    expect(resource(t, 'aws_s3_bucket_server_side_encryption_configuration', 'logs_encryption').rule[0].apply_server_side_encryption_by_default).toEqual({ sse_algorithm: 'AES256' });
  });

  test('versioning, public access block, BucketOwnerEnforced on every bucket', () => {
    for (const b of ['logs', 'data', 'audit']) {
      expect(resource(t, 'aws_s3_bucket_versioning', `${b}_versioning`).versioning_configuration.status).toBe('Enabled');
      expect(resource(t, 'aws_s3_bucket_public_access_block', `${b}_public_access_block`)).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
      expect(resource(t, 'aws_s3_bucket_ownership_controls', `${b}_ownership`).rule.object_ownership).toBe('BucketOwnerEnforced');
    }
  });

  test('TLS-only policy; the log target admits only S3 logging from this account; extra statements are appended', () => {
    const p = policy(resource(t, 'aws_s3_bucket_policy', 'data_policy').policy);
    expect(p.Statement.map((x: any) => x.Sid)).toEqual(['DenyInsecureTransport', 'DenyOutdatedTls', 'Delivery']);
    expect(p.Statement[1].Condition).toEqual({ NumericLessThan: { 's3:TlsVersion': '1.2' } });
    expect(p.Statement[2].Resource).toBe('${aws_s3_bucket.data_bucket.arn}/AWSLogs/*');
    const lp = policy(resource(t, 'aws_s3_bucket_policy', 'logs_policy').policy);
    expect(lp.Statement[2]).toMatchObject({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Condition: { StringEquals: { 'aws:SourceAccount': '${data.aws_caller_identity.caller_identity.account_id}' } } });
    expect(resource(t, 'aws_s3_bucket_policy', 'data_policy').depends_on).toEqual(['aws_s3_bucket_public_access_block.data_public_access_block']);
  });

  test('server access logs go to the log bucket under the bucket name', () => {
    expect(resource(t, 'aws_s3_bucket_logging', 'data_access_logging')).toMatchObject({ target_bucket: '${aws_s3_bucket.logs_bucket.id}', target_prefix: 'acme-prod-data/' });
    expect(resources(t, 'aws_s3_bucket_logging').logs_access_logging).toBeUndefined();
  });

  test('lifecycle: abort uploads, non-current expiry from the profile, transitions in day order, expiry', () => {
    const rules = resource(t, 'aws_s3_bucket_lifecycle_configuration', 'data_lifecycle').rule;
    expect(rules.map((r: any) => r.id)).toEqual(['abort-incomplete-multipart-uploads', 'expire-noncurrent-versions', 'transitions', 'expire-current-objects']);
    expect(rules[1].noncurrent_version_expiration).toEqual([{ noncurrent_days: 365 }]);
    expect(rules[2].transition).toEqual([{ days: 30, storage_class: 'STANDARD_IA' }, { days: 90, storage_class: 'GLACIER' }]);
    expect(rules[3].expiration).toEqual([{ days: 365 }]);
  });

  test('prod buckets are prevent_destroy unless opted out; Object Lock when asked', () => {
    expect(resource(t, 'aws_s3_bucket', 'data_bucket').lifecycle).toEqual({ prevent_destroy: true });
    expect(resource(t, 'aws_s3_bucket', 'data_bucket').force_destroy).toBe(false);
    expect(resource(t, 'aws_s3_bucket', 'audit_bucket').lifecycle).toBeUndefined();
    expect(resource(t, 'aws_s3_bucket', 'audit_bucket').object_lock_enabled).toBe(true);
    expect(resource(t, 'aws_s3_bucket_object_lock_configuration', 'audit_object_lock').rule.default_retention).toEqual({ mode: 'COMPLIANCE', days: 2555 });
  });

  test('grantRead: get and list under the prefix, decrypt via S3; no write or delete', () => {
    const st = policy(resource(t, 'aws_iam_role_policy', 'reader_role_policy').policy).Statement;
    expect(st[0]).toEqual({ Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: '${aws_s3_bucket.data_bucket.arn}/models/*' });
    expect(st[1]).toEqual({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '${aws_s3_bucket.data_bucket.arn}', Condition: { StringLike: { 's3:prefix': ['models/*'] } } });
    expect(st[2]).toMatchObject({ Action: ['kms:Decrypt', 'kms:DescribeKey'], Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com'] } } });
    const actions = st.flatMap((x: any) => arr(x.Action));
    expect(actions).not.toContain('s3:PutObject');
    expect(actions).not.toContain('s3:DeleteObject');
  });

  test('grantWrite: put under the prefix only, no read or delete; grantDelete: delete only', () => {
    const w = policy(resource(t, 'aws_iam_role_policy', 'writer_role_policy').policy).Statement;
    expect(w[0]).toEqual({ Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: '${aws_s3_bucket.data_bucket.arn}/models/*' });
    expect(w.flatMap((x: any) => arr(x.Action))).not.toContain('s3:GetObject');
    const d = policy(resource(t, 'aws_iam_role_policy', 'cleaner_role_policy').policy).Statement;
    expect(d).toEqual([{ Effect: 'Allow', Action: 's3:DeleteObject', Resource: '${aws_s3_bucket.data_bucket.arn}/tmp/*' }]);
  });
});

describe('SecureBucket invalid input', () => {
  const stack = () => testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
  const setup = () => {
    const st = stack();
    return { st, key: KeyRing.of(st).key('lake'), logs: new SecureBucket(st, 'logs', { bucketName: 'acme-dev-logs', isAccessLogTarget: true }) };
  };

  test('declareExternal names the party outside the platform, and grants nothing', () => {
    const { st, key, logs } = setup();
    const b = new SecureBucket(st, 'd', { bucketName: 'acme-dev-d', encryptionKey: key, accessLogs: logs });
    expect(() => b.declareExternal('write', 'labels/', '  ')).toThrow(
      'declareExternal("write", "labels/") names no party ("  "). Fix: say who outside the platform produces or consumes the data, e.g. "the CRM export job of the data team".',
    );
    expect(() => b.declareExternal('write', 'labels/', '')).toThrow(/^\[platform\/d\] declareExternal\("write", "labels\/"\) names no party \(""\)\. Fix: /);
    expect(() => b.declareExternal('write', 'labels/', 'the chargeback export')).not.toThrow();
  });

  test('a bucket name over the S3 limit, or with forbidden characters', () => {
    const { st, key, logs } = setup();
    expect(() => new SecureBucket(st, 'b', { bucketName: 'a'.repeat(64), encryptionKey: key, accessLogs: logs }))
      .toThrow(/^\[platform\/b\] S3 bucket name "a{64}" is 64 characters, over the limit of 63\./);
    expect(() => new SecureBucket(st, 'c', { bucketName: 'Acme_Data', encryptionKey: key, accessLogs: logs })).toThrow(/^\[platform\/c\] S3 bucket name "Acme_Data" is not allowed/);
  });

  test('missing key or access logs, a log target with a key, a non-target as log destination', () => {
    const { st, key, logs } = setup();
    expect(() => new SecureBucket(st, 'a', { bucketName: 'acme-a', accessLogs: logs })).toThrow(/^\[platform\/a\] a data bucket has no encryption key\./);
    expect(() => new SecureBucket(st, 'b', { bucketName: 'acme-b', encryptionKey: key })).toThrow(/^\[platform\/b\] a data bucket has no server access log target\./);
    expect(() => new SecureBucket(st, 'c', { bucketName: 'acme-c', encryptionKey: key, isAccessLogTarget: true })).toThrow(/cannot deliver to SSE-KMS buckets/);
    const data = new SecureBucket(st, 'd', { bucketName: 'acme-d', encryptionKey: key, accessLogs: logs });
    expect(() => new SecureBucket(st, 'e', { bucketName: 'acme-e', encryptionKey: key, accessLogs: data })).toThrow(/^\[platform\/e\] accessLogs names bucket platform\/d, which is not an access-log target\./);
  });

  test('lifecycles S3 would refuse', () => {
    const { st, key, logs } = setup();
    const mk = (id: string, extra: object) => () => new SecureBucket(st, id, { bucketName: `acme-${id}`, encryptionKey: key, accessLogs: logs, ...extra });
    expect(mk('a', { transitions: [{ days: 10, storageClass: 'STANDARD_IA' }] })).toThrow(/refused by S3 \(minimum 30\)/);
    expect(mk('b', { transitions: [{ days: 30, storageClass: 'STANDARD_IA' }, { days: 40, storageClass: 'GLACIER' }] })).toThrow(/^\[platform\/b\] transition to GLACIER after 40 days leaves STANDARD_IA after only 10 days; S3 requires 30\./);
    expect(mk('c', { transitions: [{ days: 30, storageClass: 'GLACIER' }, { days: 60, storageClass: 'GLACIER' }] })).toThrow(/transition to GLACIER is declared twice/);
    expect(mk('d', { transitions: [{ days: 30, storageClass: 'GLACIER' }], expirationDays: 20 })).toThrow(/expirationDays 20 is not after the last transition \(30 days\)/);
    expect(mk('e', { transitions: [{ days: 30, storageClass: 'TAPE' }] })).toThrow(/transition storage class "TAPE" is not known/);
    expect(mk('f', { noncurrentVersionRetentionDays: 0 })).toThrow(/noncurrentVersionRetentionDays 0 must be a whole number of at least 1/);
    expect(mk('g', { objectLock: { mode: 'COMPLIANCE', days: 0 } })).toThrow(/object lock retention 0 days/);
  });

  test('a grant prefix with a wildcard', () => {
    const { st, key, logs } = setup();
    const b = new SecureBucket(st, 'b', { bucketName: 'acme-b', encryptionKey: key, accessLogs: logs });
    const who = new WorkloadIdentity(st, 'w', { cluster, namespace: 'a', serviceAccountName: 'w' });
    expect(() => b.grantRead(who, 'models/*')).toThrow(/^\[platform\/b\] grant prefix "models\/\*" contains a wildcard, which would widen the grant\./);
  });
});
