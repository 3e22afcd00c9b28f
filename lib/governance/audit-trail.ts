import { Construct } from 'constructs';
import { Cloudtrail, CloudtrailAdvancedEventSelector } from '@cdktf/provider-aws/lib/cloudtrail';
import { MlopsStack } from '../core/mlops-stack';
import { invalid } from '../core/errors';
import { KeyRing } from '../security/key-ring';
import { DomainKey } from '../security/domain-key';
import { SecureBucket } from '../security/secure-bucket';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { PlatformRole } from '../security/platform-role';
import { checkArn } from '../core/validators';


/** The key prefixes the two trails write under in the audit bucket. */
const TRAIL_PREFIX = { management: 'management', dataAccess: 'data-access' } as const;

/** A bucket whose object-level (data) events are recorded: a SecureBucket or a bucket ARN. */
export type AuditedBucket = SecureBucket | string;

/** Props of {@link AuditTrail}. */
export interface AuditTrailProps {
  /** Bucket receiving the audit bucket's own server access logs (a SecureBucket with isAccessLogTarget). */
  readonly accessLogs: SecureBucket;
  /** Model artifact buckets: writes recorded by the main trail, reads by the data-access trail. @default none */
  readonly modelBuckets?: AuditedBucket[];
  /** Feature store buckets (offline store): writes and reads recorded. @default none */
  readonly featureBuckets?: AuditedBucket[];
  /** Data lake buckets: writes recorded (reads are high-volume; add them to featureBuckets to record them). @default none */
  readonly lakeBuckets?: AuditedBucket[];
  /**
   * Days each log file is locked (Object Lock, GOVERNANCE mode).
   * @default the profile's auditRetentionDays
   */
  readonly retentionDays?: number;
}

const arnOf = (b: AuditedBucket) => (typeof b === 'string' ? b : b.bucketArn);

/**
 * The platform's audit trail: a multi-region CloudTrail of management events and S3 writes on the
 * model, feature and lake buckets, plus a data-access trail of S3 reads on the model and feature
 * buckets (who read which model and feature data). Both validate log files, encrypt with the
 * `audit` domain key, deliver to CloudWatch Logs and to a versioned SecureBucket with Object Lock
 * in GOVERNANCE mode for the profile's audit retention.
 */
export class AuditTrail extends Construct {
  public readonly bucket: SecureBucket;
  public readonly key: DomainKey;
  public readonly logGroup: EncryptedLogGroup;
  public readonly deliveryRole: PlatformRole;
  /** Management events and S3 writes. */
  public readonly trail: Cloudtrail;
  /** S3 reads of model and feature data (only when such buckets are given). */
  public readonly dataAccessTrail?: Cloudtrail;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const retention = props.retentionDays ?? stack.profile.auditRetentionDays;
    if (!Number.isInteger(retention) || retention < stack.profile.auditRetentionDays) {
      invalid(this, `retentionDays ${retention} is below the ${stack.profile.name} profile's audit retention of ${stack.profile.auditRetentionDays} days.`,
        `keep audit logs for at least ${stack.profile.auditRetentionDays} days (omit retentionDays to use the profile).`);
    }
    for (const prop of ['modelBuckets', 'featureBuckets', 'lakeBuckets'] as const) {
      props[prop]?.forEach((b, i) => { if (typeof b === 'string') checkArn(this, `${prop}[${i}]`, b, 's3-bucket'); });
    }
    const trailName = stack.naming.name(this, 'cloudtrail', 'audit');
    const accessName = stack.naming.name(this, 'cloudtrail', 'data-access');
    const trailArns = [trailName, accessName].map((n) => `arn:${stack.partition}:cloudtrail:${stack.region}:${stack.accountId}:trail/${n}`);

    this.key = KeyRing.of(this).key('audit');
    this.key.allowInKeyPolicy({
      principal: { Service: 'cloudtrail.amazonaws.com' },
      actions: ['kms:GenerateDataKey*'],
      conditions: {
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${stack.accountId}:trail/*` },
        StringEquals: { 'aws:SourceArn': trailArns },
      },
    });
    // DescribeKey requests carry no encryption context: a separate grant, scoped to the trails.
    this.key.allowInKeyPolicy({
      principal: { Service: 'cloudtrail.amazonaws.com' },
      actions: ['kms:DescribeKey'],
      conditions: { StringEquals: { 'aws:SourceArn': trailArns } },
    });
    this.bucket = new SecureBucket(this, 'bucket', {
      bucketName: stack.naming.name(this, 's3-bucket', 'audit-logs'),
      encryptionKey: this.key,
      accessLogs: props.accessLogs,
      objectLock: { mode: 'GOVERNANCE', days: retention },
      noncurrentVersionRetentionDays: retention,
      dataClassification: 'restricted',
    });
    this.bucket.addToPolicy({ sid: 'CloudTrailAclCheck', principal: { Service: 'cloudtrail.amazonaws.com' }, actions: ['s3:GetBucketAcl'], keyPattern: '', conditions: { StringEquals: { 'aws:SourceArn': trailArns } } });
    // Each trail writes under its key prefix: <prefix>/AWSLogs/<account>/...
    for (const [sid, prefix, arn] of [['CloudTrailWriteManagement', TRAIL_PREFIX.management, trailArns[0]], ['CloudTrailWriteDataAccess', TRAIL_PREFIX.dataAccess, trailArns[1]]]) {
      this.bucket.addToPolicy({
        sid, principal: { Service: 'cloudtrail.amazonaws.com' }, actions: ['s3:PutObject'], keyPattern: `${prefix}/AWSLogs/${stack.accountId}/*`,
        conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': arn } },
      });
    }

    this.logGroup = new EncryptedLogGroup(this, 'log_group', { name: `/aws/cloudtrail/${trailName}` });
    this.deliveryRole = new PlatformRole(this, 'delivery_role', {
      nameParts: ['cloudtrail', 'logs'],
      description: 'CloudTrail delivers audit events to its CloudWatch log group',
      trust: [{ principals: { Service: 'cloudtrail.amazonaws.com' }, actions: ['sts:AssumeRole'], conditions: { StringEquals: { 'aws:SourceArn': trailArns } } }],
    });
    this.deliveryRole.addToPolicy({ sid: 'DeliverTrailEvents', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${this.logGroup.arn}:log-stream:*`] });

    const models = (props.modelBuckets ?? []).map(arnOf);
    const features = (props.featureBuckets ?? []).map(arnOf);
    const lake = (props.lakeBuckets ?? []).map(arnOf);
    const writes = [...models, ...features, ...lake];
    const selectors: CloudtrailAdvancedEventSelector[] = [{ name: 'management-events', fieldSelector: [{ field: 'eventCategory', equalTo: ['Management'] }] }];
    if (writes.length) selectors.push(s3Selector('s3-writes-models-features-lake', false, writes));
    this.trail = this.createTrail('trail', trailName, selectors, TRAIL_PREFIX.management);
    if (models.length + features.length > 0) {
      this.dataAccessTrail = this.createTrail('data_access_trail', accessName, [s3Selector('s3-reads-models-features', true, [...models, ...features])], TRAIL_PREFIX.dataAccess);
    }
  }

  /** One trail into the audit bucket and log group; override to change trail settings. */
  protected createTrail(id: string, name: string, selectors: CloudtrailAdvancedEventSelector[], prefix: string): Cloudtrail {
    return new Cloudtrail(this, id, {
      name,
      s3BucketName: this.bucket.bucketName,
      s3KeyPrefix: prefix,
      kmsKeyId: this.key.keyArn,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      cloudWatchLogsGroupArn: `${this.logGroup.arn}:*`,
      cloudWatchLogsRoleArn: this.deliveryRole.roleArn,
      advancedEventSelector: selectors,
      dependsOn: [this.bucket.policy],
    });
  }
}

function s3Selector(name: string, readOnly: boolean, bucketArns: string[]): CloudtrailAdvancedEventSelector {
  return {
    name,
    fieldSelector: [
      { field: 'eventCategory', equalTo: ['Data'] },
      { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
      { field: 'readOnly', equalTo: [String(readOnly)] },
      { field: 'resources.ARN', startsWith: bucketArns.map((a) => `${a}/`) },
    ],
  };
}
