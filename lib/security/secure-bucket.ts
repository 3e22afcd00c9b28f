import { Construct } from 'constructs';
import { Lazy, Token } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketObjectLockConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration';
import { MlopsStack } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import { DataClassification } from '../core/tagging';
import { DomainKey } from './domain-key';
import { IGrantable } from './principal';
import { recordExternalLocation, recordLocationNeed } from '../governance/system/needs';

/** A storage-class transition of current object versions. */
export interface BucketTransition {
  /** Days after creation. */
  readonly days: number;
  /** `STANDARD_IA`, `INTELLIGENT_TIERING`, `GLACIER_IR`, `GLACIER` or `DEEP_ARCHIVE`. */
  readonly storageClass: string;
}

/** Object Lock retention (write once, read many). */
export interface ObjectLockProps {
  /** `GOVERNANCE` (privileged users may shorten) or `COMPLIANCE` (nobody may). */
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  /** Days each object version is locked. */
  readonly days: number;
}

/** A bucket policy statement for a service or principal beyond the TLS guard rails. */
export interface BucketPolicyStatement {
  readonly sid: string;
  readonly effect?: 'Allow' | 'Deny';
  readonly principal: Record<string, string | string[]> | '*';
  readonly actions: string[];
  /** Object key pattern relative to the bucket (`AWSLogs/*`), or '' for the bucket itself. */
  readonly keyPattern: string;
  readonly conditions?: Record<string, Record<string, string | string[] | boolean>>;
}

/** Props of {@link SecureBucket}. */
export interface SecureBucketProps {
  /** Full bucket name (checked against S3 rules by the caller's naming). */
  readonly bucketName: string;
  /**
   * Customer-managed key for SSE-KMS; undefined means SSE-S3, which only a server-access-log
   * target bucket may use (S3 cannot deliver access logs to SSE-KMS buckets).
   */
  readonly encryptionKey?: DomainKey;
  /** Bucket receiving this bucket's server access logs. Required unless this is a log bucket. @default none */
  readonly accessLogs?: SecureBucket;
  /** This bucket is a server-access-log target: it admits the S3 logging service. @default false */
  readonly isAccessLogTarget?: boolean;
  /** Storage-class transitions of current versions. @default none */
  readonly transitions?: BucketTransition[];
  /**
   * Days a non-current version is kept.
   * @default the profile's noncurrentVersionRetentionDays
   */
  readonly noncurrentVersionRetentionDays?: number;
  /** Days after which current objects expire. @default never */
  readonly expirationDays?: number;
  /** Object Lock; set at creation only. @default none */
  readonly objectLock?: ObjectLockProps;
  /** Classification tag of the data held. @default the stack's data-classification tag */
  readonly dataClassification?: DataClassification;
  /**
   * Terraform prevent_destroy.
   * @default the profile's preventDestroy
   */
  readonly preventDestroy?: boolean;
}

const STORAGE_CLASSES = ['STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'];
const INFREQUENT_ACCESS = ['STANDARD_IA', 'ONEZONE_IA'];

/**
 * An S3 bucket that is secure and durable by default: SSE-KMS with a customer-managed key and
 * bucket keys, versioning, all public access blocked, ACLs disabled (BucketOwnerEnforced), a
 * policy that denies non-TLS and TLS < 1.2 requests, server access logs, lifecycle rules that abort
 * incomplete multipart uploads and expire old versions, optional Object Lock, and prevent_destroy
 * in protective profiles. Grants are prefix-scoped.
 */
export class SecureBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly encryptionKey?: DomainKey;
  public readonly policy: S3BucketPolicy;
  public readonly lifecycle: S3BucketLifecycleConfiguration;
  public readonly versioning: S3BucketVersioningA;
  /** Whether this bucket receives server access logs of other buckets. */
  public readonly isAccessLogTarget: boolean;
  /** Whether Terraform refuses to destroy the bucket. */
  public readonly preventDestroy: boolean;
  private readonly extraStatements: BucketPolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const profile = stack.profile;
    if (!Token.isUnresolved(props.bucketName)) checkName(this, 's3-bucket', props.bucketName);
    if (props.encryptionKey && props.isAccessLogTarget) {
      invalid(this, 'an access-log target bucket was given an encryption key, but S3 server access logging cannot deliver to SSE-KMS buckets.',
        'omit encryptionKey on the log bucket (it uses SSE-S3), or drop isAccessLogTarget.');
    }
    if (props.accessLogs && !props.accessLogs.isAccessLogTarget) {
      invalid(this, `accessLogs names bucket ${props.accessLogs.node.path}, which is not an access-log target.`,
        'create the log bucket with isAccessLogTarget: true so it admits the S3 logging service.');
    }
    if (!props.encryptionKey && !props.isAccessLogTarget) {
      invalid(this, 'a data bucket has no encryption key.', 'pass encryptionKey (KeyRing.of(this).key("<domain>")); only access-log target buckets use SSE-S3.');
    }
    if (!props.accessLogs && !props.isAccessLogTarget) {
      invalid(this, 'a data bucket has no server access log target.', 'pass accessLogs: a SecureBucket created with isAccessLogTarget: true.');
    }
    for (const t of props.transitions ?? []) {
      if (!STORAGE_CLASSES.includes(t.storageClass)) invalid(this, `transition storage class ${show(t.storageClass)} is not known.`, `use one of ${STORAGE_CLASSES.join(', ')}.`);
      if (!Number.isInteger(t.days) || t.days < 0) invalid(this, `transition after ${show(t.days)} days is not a whole number of days.`, 'use a whole number of days (STANDARD_IA needs at least 30).');
      if ((t.storageClass === 'STANDARD_IA' || t.storageClass === 'ONEZONE_IA') && t.days < 30) {
        invalid(this, `transition to ${t.storageClass} after ${t.days} days is refused by S3 (minimum 30).`, 'transition after 30 days or more, or use INTELLIGENT_TIERING.');
      }
    }
    checkTransitionOrder(this, props.transitions ?? []);
    if (props.expirationDays !== undefined) {
      if (!Number.isInteger(props.expirationDays) || props.expirationDays < 1) {
        invalid(this, `expirationDays ${show(props.expirationDays)} must be a whole number of at least 1.`, 'use a whole number of days, or omit it to keep objects.');
      }
      const last = Math.max(-1, ...(props.transitions ?? []).map((t) => t.days));
      if (props.expirationDays <= last) {
        invalid(this, `expirationDays ${props.expirationDays} is not after the last transition (${last} days); S3 refuses such a lifecycle.`,
          `expire after more than ${last} days, or drop the later transitions.`);
      }
    }
    const noncurrentDays = props.noncurrentVersionRetentionDays ?? profile.noncurrentVersionRetentionDays;
    if (!Number.isInteger(noncurrentDays) || noncurrentDays < 1) invalid(this, `noncurrentVersionRetentionDays ${show(noncurrentDays)} must be a whole number of at least 1.`, 'keep old versions for at least a day (the profile default is safer).');
    if (props.objectLock && (!Number.isInteger(props.objectLock.days) || props.objectLock.days < 1)) {
      invalid(this, `object lock retention ${show(props.objectLock.days)} days must be a whole number of at least 1.`, 'use the profile auditRetentionDays.');
    }
    this.encryptionKey = props.encryptionKey;
    this.isAccessLogTarget = props.isAccessLogTarget ?? false;
    this.preventDestroy = props.preventDestroy ?? profile.preventDestroy;
    const preventDestroy = this.preventDestroy;

    this.bucket = new S3Bucket(this, 'bucket', {
      bucket: props.bucketName,
      forceDestroy: false,
      objectLockEnabled: props.objectLock ? true : undefined,
      tags: { 'data-classification': props.dataClassification ?? stack.tags['data-classification'] },
      lifecycle: preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.versioning = new S3BucketVersioningA(this, 'versioning', {
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{
        applyServerSideEncryptionByDefault: props.encryptionKey
          ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.encryptionKey.keyArn }
          : { sseAlgorithm: 'AES256' },
        bucketKeyEnabled: props.encryptionKey ? true : undefined,
      }],
    });
    new S3BucketPublicAccessBlock(this, 'public_access_block', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    if (props.isAccessLogTarget) {
      this.addToPolicy({
        sid: 'S3ServerAccessLogsDelivery',
        principal: { Service: 'logging.s3.amazonaws.com' },
        actions: ['s3:PutObject'],
        keyPattern: '*',
        conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId } },
      });
    }
    this.policy = new S3BucketPolicy(this, 'policy', {
      bucket: this.bucket.id,
      policy: Lazy.stringValue({ produce: () => this.renderPolicy() }),
      dependsOn: [this.node.findChild('public_access_block') as S3BucketPublicAccessBlock],
    });
    if (props.accessLogs) {
      new S3BucketLoggingA(this, 'access_logging', {
        bucket: this.bucket.id,
        targetBucket: props.accessLogs.bucket.id,
        targetPrefix: `${props.bucketName}/`,
      });
    }
    const rules: S3BucketLifecycleConfigurationRule[] = [
      { id: 'abort-incomplete-multipart-uploads', status: 'Enabled', filter: [{}], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }] },
      { id: 'expire-noncurrent-versions', status: 'Enabled', filter: [{}], noncurrentVersionExpiration: [{ noncurrentDays: noncurrentDays }] },
    ];
    if ((props.transitions ?? []).length > 0) {
      rules.push({ id: 'transitions', status: 'Enabled', filter: [{}], transition: [...props.transitions!].sort((a, b) => a.days - b.days).map((t) => ({ days: t.days, storageClass: t.storageClass })) });
    }
    if (props.expirationDays !== undefined) {
      rules.push({ id: 'expire-current-objects', status: 'Enabled', filter: [{}], expiration: [{ days: props.expirationDays }] });
    }
    this.lifecycle = new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      rule: rules,
      dependsOn: [this.versioning],
    });
    if (props.objectLock) {
      new S3BucketObjectLockConfigurationA(this, 'object_lock', {
        bucket: this.bucket.id,
        rule: { defaultRetention: { mode: props.objectLock.mode, days: props.objectLock.days } },
        dependsOn: [this.versioning],
      });
    }
  }

  public get bucketName(): string {
    return this.bucket.bucket;
  }

  public get bucketArn(): string {
    return this.bucket.arn;
  }

  /** Adds a statement to the bucket policy (for AWS service delivery such as CloudTrail). */
  public addToPolicy(statement: BucketPolicyStatement): void {
    this.extraStatements.push(statement);
  }

  /** Read objects under `prefix` (default: the whole bucket) and list that prefix; decrypt through S3 only. */
  public grantRead(principal: IGrantable, prefix = ''): void {
    const p = normalizePrefix(this, prefix);
    principal.addToPolicy(
      { actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${this.bucket.arn}/${p}*`] },
      {
        actions: ['s3:ListBucket'],
        resources: [this.bucket.arn],
        conditions: p ? { StringLike: { 's3:prefix': [`${p}*`] } } : undefined,
      },
    );
    this.encryptionKey?.grantDecrypt(principal, 's3');
    recordLocationNeed(principal, this.bucket, p, 'read', ['s3:GetObject'], [`${this.bucket.arn}/${p}*`]);
  }

  /** Write (put, multipart) objects under `prefix`; no delete, no read. Encrypt through S3 only. */
  public grantWrite(principal: IGrantable, prefix = ''): void {
    const p = normalizePrefix(this, prefix);
    principal.addToPolicy({
      actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [`${this.bucket.arn}/${p}*`],
    });
    this.encryptionKey?.grantEncryptDecrypt(principal, 's3');
    recordLocationNeed(principal, this.bucket, p, 'write', ['s3:PutObject'], [`${this.bucket.arn}/${p}*`]);
  }

  /**
   * Declares that `party`, outside the platform, writes (`'write'`) or reads (`'read'`) objects under
   * `prefix` (a feature pipeline of another team, a labelling system, operators reading failed
   * deliveries). No access is granted: the system model counts the party as that location's producer
   * or consumer, and the review lists the flow as external.
   */
  public declareExternal(kind: 'read' | 'write', prefix: string, party: string): void {
    if (!party || party.trim().length < 3) {
      invalid(this, `declareExternal(${show(kind)}, ${show(prefix)}) names no party (${show(party ?? '')}).`, 'say who outside the platform produces or consumes the data, e.g. "the CRM export job of the data team".');
    }
    recordExternalLocation(this, this.bucket, normalizePrefix(this, prefix), kind, party.trim());
  }

  /** Delete objects under `prefix` (versions stay recoverable until lifecycle expiry). */
  public grantDelete(principal: IGrantable, prefix = ''): void {
    principal.addToPolicy({ actions: ['s3:DeleteObject'], resources: [`${this.bucket.arn}/${normalizePrefix(this, prefix)}*`] });
  }

  private renderPolicy(): string {
    const statements: unknown[] = [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'DenyOutdatedTls',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
        Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
      },
      ...this.extraStatements.map((s) => ({
        Sid: s.sid,
        Effect: s.effect ?? 'Allow',
        Principal: s.principal,
        Action: s.actions.length === 1 ? s.actions[0] : s.actions,
        Resource: s.keyPattern === '' ? this.bucket.arn : `${this.bucket.arn}/${s.keyPattern}`,
        ...(s.conditions ? { Condition: s.conditions } : {}),
      })),
    ];
    return JSON.stringify({ Version: '2012-10-17', Statement: statements });
  }
}

function normalizePrefix(scope: Construct, prefix: string): string {
  if (/[*?]/.test(prefix)) {
    invalid(scope, `grant prefix ${show(prefix)} contains a wildcard, which would widen the grant.`, 'pass a literal key prefix such as "raw/events/".');
  }
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/** S3 rejects lifecycles whose transitions repeat a class, or leave an infrequent-access class before 30 days. */
function checkTransitionOrder(scope: Construct, transitions: BucketTransition[]): void {
  const sorted = [...transitions].sort((a, b) => a.days - b.days);
  const seen = new Set<string>();
  for (let i = 0; i < sorted.length; i++) {
    const t = sorted[i];
    if (seen.has(t.storageClass)) {
      invalid(scope, `transition to ${t.storageClass} is declared twice.`, 'declare each storage class at most once.');
    }
    seen.add(t.storageClass);
    const previous = sorted[i - 1];
    if (previous && previous.days === t.days) {
      invalid(scope, `transitions to ${previous.storageClass} and ${t.storageClass} both happen after ${t.days} days.`, 'give each transition a different number of days.');
    }
    if (previous && INFREQUENT_ACCESS.includes(previous.storageClass) && t.days - previous.days < 30) {
      invalid(scope, `transition to ${t.storageClass} after ${t.days} days leaves ${previous.storageClass} after only ${t.days - previous.days} days; S3 requires 30.`,
        `transition to ${t.storageClass} after ${previous.days + 30} days or more.`);
    }
  }
}
