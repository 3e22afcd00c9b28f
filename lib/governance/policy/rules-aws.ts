import { firstBlock, PlatformModel, TfResource } from './model';
import { PolicyRule, RuleViolation } from './rule';

const of = (m: PlatformModel, ...types: string[]) => m.resources.filter((r) => types.includes(r.type));
const fail = (target: TfResource, message: string): RuleViolation => ({ target, message });
const label = (r: TfResource) => `${r.type} ${r.address}`;
const literal = (v: unknown): v is string => typeof v === 'string' && !v.includes('${');

/** Resources of `type` whose `attr` points at `target` (a `${type.name...}` reference, or the same literal value in a plan). */
export function attachedTo(m: PlatformModel, target: TfResource, type: string, attr = 'bucket', targetAttr = 'bucket'): TfResource[] {
  return of(m, type).filter((r) => (r.references[attr] ?? []).includes(target.address)
    || (literal(r.values[attr]) && r.values[attr] === target.values[targetAttr]));
}

/** Buckets that receive server access logs of other buckets (S3 cannot deliver those to SSE-KMS). */
function isLogTarget(m: PlatformModel, bucket: TfResource): boolean {
  return attachedTo(m, bucket, 'aws_s3_bucket_logging', 'target_bucket').length > 0;
}

function statements(doc: unknown): any[] {
  if (typeof doc !== 'string') return [];
  try {
    const s = JSON.parse(doc).Statement;
    return Array.isArray(s) ? s : s ? [s] : [];
  } catch {
    return [];
  }
}
const list = (v: unknown): any[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A rule over every S3 bucket; a server access log target that fails it is an accepted exception when `logTargetReason` is given. */
const bucketRule = (id: string, title: string, anchor: string, fix: string, ok: (m: PlatformModel, b: TfResource) => boolean, what: string, logTargetReason?: string): PolicyRule => ({
  id, title, severity: 'error', anchor, fix,
  check: (m) => of(m, 'aws_s3_bucket').filter((b) => !ok(m, b)).map((b) => ({
    ...fail(b, `S3 bucket ${b.address} ${what}.`),
    ...(logTargetReason && isLogTarget(m, b) ? { accepted: logTargetReason } : {}),
  })),
});

/** Why a server access log target is encrypted with SSE-S3. */
export const LOG_TARGET_SSE_REASON = 'a server access log target bucket: S3 delivers server access logs only to buckets encrypted with SSE-S3 (AES256), not SSE-KMS.';
/** Why a server access log target does not log its own access. */
export const LOG_TARGET_LOGGING_REASON = 'a server access log target bucket: logging its own access would log the log deliveries themselves; CloudTrail records access to it.';
/** Why a permissions boundary may allow "*". */
export const BOUNDARY_REASON = 'a permissions boundary: it grants nothing, it caps what the role\'s own policies grant ("Allow *" with Deny guard rails is its normal shape).';

const RDS = ['aws_db_instance', 'aws_rds_cluster'];
/**
 * Write actions that AWS documents as supporting no resource-level permissions: they can only be
 * granted on "*" (vended log delivery used by Step Functions and other services, X-Ray tracing).
 */
export const NO_RESOURCE_LEVEL_WRITES = new Set([
  'logs:CreateLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:PutResourcePolicy',
  'xray:PutTraceSegments', 'xray:PutTelemetryRecords',
  'elasticloadbalancing:SetWebAcl',
]);
const READ_PREFIXES = ['Describe', 'List', 'Get', 'BatchGet', 'Head', 'Query', 'Scan', 'Search', 'Select', 'Lookup', 'Validate', 'Check'];

/** A statement whose conditions require a request or resource tag (tag-based access control scopes `*`). */
function tagScoped(s: any): boolean {
  return Object.values<any>(s.Condition ?? {}).some((c) => Object.keys(c ?? {}).some((k) => /(^aws:RequestTag\/|ResourceTag\/)/.test(k)));
}

/**
 * Inline and managed policies, each marked when it is a managed policy used only as a role's
 * permissions boundary (a boundary caps what a role's own policies grant; it grants nothing, and
 * "Allow * with Deny guard rails" is its normal shape): its wildcards are accepted exceptions.
 */
function identityPolicies(m: PlatformModel): Array<{ policy: TfResource; boundary: boolean }> {
  const boundaries = new Set(of(m, 'aws_iam_role', 'aws_iam_user').flatMap((r) => r.references.permissions_boundary ?? []));
  const attached = new Set(of(m, 'aws_iam_role_policy_attachment', 'aws_iam_user_policy_attachment', 'aws_iam_group_policy_attachment', 'aws_iam_policy_attachment').flatMap((a) => a.references.policy_arn ?? []));
  return of(m, 'aws_iam_role_policy', 'aws_iam_policy', 'aws_iam_user_policy', 'aws_iam_group_policy')
    .map((policy) => ({ policy, boundary: policy.type === 'aws_iam_policy' && boundaries.has(policy.address) && !attached.has(policy.address) }));
}

const isRead = (a: string) => READ_PREFIXES.some((r) => (a.split(':')[1] ?? '').startsWith(r));
/** An IAM-002 violation (or, with `reason`, an accepted exception) listing `actions` of `p` on "*". */
const onStar = (p: TfResource, kind: string, actions: string[], reason?: string): RuleViolation[] => (actions.length === 0 ? [] : [{
  ...fail(p, `IAM policy ${p.address} allows ${kind} ${[...new Set(actions)].join(', ')} on resource "*".`),
  ...(reason ? { accepted: reason } : {}),
}]);

/** The AWS rules of the pack. */
export const AWS_RULES: PolicyRule[] = [
  bucketRule('MLOPS-S3-001', 'S3 bucket encrypted with a customer-managed KMS key', 'checkov CKV_AWS_145',
    'use SecureBucket with encryptionKey (KeyRing.of(this).key("<domain>")), or add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms and kms_master_key_id.',
    (m, b) => attachedTo(m, b, 'aws_s3_bucket_server_side_encryption_configuration').some((e) => list(e.values.rule).some((r) => {
      const d = firstBlock(r.apply_server_side_encryption_by_default);
      return d && String(d.sse_algorithm).startsWith('aws:kms') && d.kms_master_key_id;
    })), 'is not encrypted with a customer-managed KMS key', LOG_TARGET_SSE_REASON),
  bucketRule('MLOPS-S3-002', 'S3 bucket versioning enabled', 'checkov CKV_AWS_21',
    'use SecureBucket, or add aws_s3_bucket_versioning with status Enabled.',
    (m, b) => attachedTo(m, b, 'aws_s3_bucket_versioning').some((v) => firstBlock(v.values.versioning_configuration)?.status === 'Enabled'),
    'has no versioning (aws_s3_bucket_versioning with status Enabled)'),
  bucketRule('MLOPS-S3-003', 'S3 bucket blocks all public access', 'checkov CKV2_AWS_6',
    'use SecureBucket, or add aws_s3_bucket_public_access_block with all four settings true.',
    (m, b) => attachedTo(m, b, 'aws_s3_bucket_public_access_block').some((p) => ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'].every((k) => p.values[k] === true)),
    'does not block all public access (aws_s3_bucket_public_access_block with all four settings true)'),
  bucketRule('MLOPS-S3-004', 'S3 bucket policy denies requests without TLS', 'AWS FSBP S3.5',
    'use SecureBucket, or add a bucket policy statement denying s3:* when aws:SecureTransport is false.',
    (m, b) => attachedTo(m, b, 'aws_s3_bucket_policy').some((p) => statements(p.values.policy).some((s) => s.Effect === 'Deny'
      && ['false', false].includes(s.Condition?.Bool?.['aws:SecureTransport']))),
    'has no policy denying requests without TLS (aws:SecureTransport false)'),
  bucketRule('MLOPS-S3-005', 'S3 bucket server access logging', 'checkov CKV_AWS_18',
    'use SecureBucket with accessLogs (a SecureBucket created with isAccessLogTarget: true), or add aws_s3_bucket_logging.',
    (m, b) => attachedTo(m, b, 'aws_s3_bucket_logging').length > 0, 'has no server access logging (aws_s3_bucket_logging)', LOG_TARGET_LOGGING_REASON),
  {
    id: 'MLOPS-KMS-001', title: 'KMS key rotation enabled', severity: 'error', anchor: 'checkov CKV_AWS_7',
    fix: 'use DomainKey (KeyRing.of(this).key("<domain>")), or set enable_key_rotation = true.',
    check: (m) => of(m, 'aws_kms_key').filter((k) => k.values.enable_key_rotation !== true).map((k) => ({
      ...fail(k, `KMS key ${k.address} does not rotate (enable_key_rotation is not true).`),
      ...((k.values.customer_master_key_spec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' ? {}
        : { accepted: `a ${k.values.customer_master_key_spec} key: AWS KMS rotates only symmetric encryption keys.` }),
    })),
  },
  {
    id: 'MLOPS-LOG-001', title: 'Log group encrypted with KMS', severity: 'error', anchor: 'checkov CKV_AWS_158',
    fix: 'use EncryptedLogGroup, or set kms_key_id to a customer-managed key.',
    check: (m) => of(m, 'aws_cloudwatch_log_group').filter((g) => !g.values.kms_key_id).map((g) => fail(g, `log group ${g.address} is not encrypted with a KMS key.`)),
  },
  {
    id: 'MLOPS-LOG-002', title: 'Log group has a retention', severity: 'error', anchor: 'checkov CKV_AWS_66',
    fix: 'use EncryptedLogGroup (retention from the profile), or set retention_in_days.',
    check: (m) => of(m, 'aws_cloudwatch_log_group').filter((g) => !(typeof g.values.retention_in_days === 'number' && g.values.retention_in_days > 0))
      .map((g) => fail(g, `log group ${g.address} keeps logs forever (no retention_in_days).`)),
  },
  {
    id: 'MLOPS-EKS-001', title: 'EKS API endpoint private only', severity: 'error', anchor: 'checkov CKV_AWS_39, CIS EKS 5.4.2',
    fix: 'set vpc_config endpoint_public_access = false and endpoint_private_access = true (MlCluster does); reach the API through the VPC.',
    check: (m) => of(m, 'aws_eks_cluster').filter((c) => {
      const v = firstBlock(c.values.vpc_config) ?? {};
      return v.endpoint_public_access !== false || v.endpoint_private_access !== true;
    }).map((c) => fail(c, `EKS cluster ${c.address} has a public API endpoint (or no private one).`)),
  },
  {
    id: 'MLOPS-EKS-002', title: 'EKS secrets envelope-encrypted with KMS', severity: 'error', anchor: 'checkov CKV_AWS_58, CIS EKS 5.3.1',
    fix: 'set encryption_config with resources ["secrets"] and a customer-managed key (MlCluster does).',
    check: (m) => of(m, 'aws_eks_cluster').filter((c) => !list(c.values.encryption_config).some((e) => list(e.resources).includes('secrets') && firstBlock(e.provider)?.key_arn))
      .map((c) => fail(c, `EKS cluster ${c.address} does not encrypt Kubernetes secrets with a KMS key.`)),
  },
  {
    id: 'MLOPS-EKS-003', title: 'EKS control plane logs all types', severity: 'error', anchor: 'checkov CKV_AWS_37, CIS EKS 2.1.1',
    fix: 'set enabled_cluster_log_types to api, audit, authenticator, controllerManager and scheduler.',
    check: (m) => of(m, 'aws_eks_cluster').flatMap((c) => {
      const missing = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].filter((t) => !list(c.values.enabled_cluster_log_types).includes(t));
      return missing.length ? [fail(c, `EKS cluster ${c.address} does not log ${missing.join(', ')}.`)] : [];
    }),
  },
  {
    id: 'MLOPS-EC2-001', title: 'Launch templates require IMDSv2', severity: 'error', anchor: 'checkov CKV_AWS_79, CIS EKS 4.6 (node metadata)',
    fix: 'set metadata_options http_tokens = "required" and http_put_response_hop_limit = 1 (NodePool does).',
    check: (m) => of(m, 'aws_launch_template', 'aws_instance').filter((t) => firstBlock(t.values.metadata_options)?.http_tokens !== 'required')
      .map((t) => fail(t, `${t.type === 'aws_instance' ? 'instance' : 'launch template'} ${t.address} allows IMDSv1 (metadata_options.http_tokens is not "required").`)),
  },
  {
    id: 'MLOPS-RDS-001', title: 'RDS storage encrypted', severity: 'error', anchor: 'checkov CKV_AWS_16',
    fix: 'set storage_encrypted = true with kms_key_id of a customer-managed key.',
    check: (m) => of(m, ...RDS).filter((d) => d.values.storage_encrypted !== true).map((d) => fail(d, `database ${d.address} is not encrypted at rest.`)),
  },
  {
    id: 'MLOPS-RDS-002', title: 'RDS deletion protection', severity: 'error', anchor: 'checkov CKV_AWS_293',
    fix: 'set deletion_protection = true (the staging and prod profiles do).',
    check: (m) => of(m, ...RDS).filter((d) => d.values.deletion_protection !== true).map((d) => fail(d, `database ${d.address} has no deletion protection.`)),
  },
  {
    id: 'MLOPS-RDS-003', title: 'RDS automated backups of at least 7 days', severity: 'error', anchor: 'checkov CKV_AWS_133',
    fix: 'set backup_retention_period to at least 7 (the profile backupRetentionDays).',
    check: (m) => of(m, ...RDS).filter((d) => !(Number(d.values.backup_retention_period) >= 7)).map((d) => fail(d, `database ${d.address} keeps backups for ${d.values.backup_retention_period ?? 'the default 1'} day(s), fewer than 7.`)),
  },
  {
    id: 'MLOPS-RDS-004', title: 'RDS master password managed by RDS', severity: 'error', anchor: 'cdktf-mlops: no secret in state (AWS FSBP RDS.* / Secrets Manager)',
    fix: 'set manage_master_user_password = true and remove password / master_password.',
    check: (m) => of(m, ...RDS).filter((d) => d.values.manage_master_user_password !== true || d.values.password !== undefined || d.values.master_password !== undefined)
      .map((d) => fail(d, `database ${d.address} does not use an RDS-managed master password (a password would be in the plan and the state).`)),
  },
  {
    id: 'MLOPS-RDS-005', title: 'RDS not publicly accessible', severity: 'error', anchor: 'checkov CKV_AWS_17',
    fix: 'set publicly_accessible = false and place the database in private subnets.',
    check: (m) => of(m, 'aws_db_instance', 'aws_rds_cluster_instance').filter((d) => d.values.publicly_accessible === true).map((d) => fail(d, `database ${d.address} is publicly accessible.`)),
  },
  {
    id: 'MLOPS-NET-001', title: 'No security group ingress from the whole internet', severity: 'error', anchor: 'checkov CKV_AWS_24/CKV_AWS_25/CKV_AWS_260, CIS AWS 5.2',
    fix: 'restrict ingress to the VPC CIDR, a prefix list or a security group; expose services through a load balancer with its own rules.',
    check: (m) => {
      const open = (v: unknown) => list(v).some((c) => c === '0.0.0.0/0' || c === '::/0');
      return [
        ...of(m, 'aws_security_group').filter((g) => list(g.values.ingress).some((i) => open(i.cidr_blocks) || open(i.ipv6_cidr_blocks))),
        ...of(m, 'aws_vpc_security_group_ingress_rule').filter((r) => open(r.values.cidr_ipv4) || open(r.values.cidr_ipv6)),
        ...of(m, 'aws_security_group_rule').filter((r) => r.values.type === 'ingress' && (open(r.values.cidr_blocks) || open(r.values.ipv6_cidr_blocks))),
      ].map((r) => fail(r, `${label(r)} admits ingress from 0.0.0.0/0 or ::/0.`));
    },
  },
  {
    id: 'MLOPS-IAM-001', title: 'No wildcard actions in IAM policies', severity: 'error', anchor: 'checkov CKV_AWS_63, CKV_AWS_62',
    fix: 'grant through the constructs\' grant methods (narrowest actions), never "*" or "<service>:*".',
    check: (m) => identityPolicies(m).flatMap(({ policy: p, boundary }) => {
      const bad = statements(p.values.policy).filter((s) => s.Effect === 'Allow' && (s.NotAction !== undefined || list(s.Action).some((a) => a === '*' || /:\*$/.test(String(a)))));
      return bad.length ? [{
        ...fail(p, `IAM policy ${p.address} allows ${bad.map((s) => (s.NotAction ? 'NotAction' : list(s.Action).filter((a) => a === '*' || /:\*$/.test(String(a))).join(', '))).join('; ')}.`),
        ...(boundary ? { accepted: BOUNDARY_REASON } : {}),
      }] : [];
    }),
  },
  {
    id: 'MLOPS-IAM-002', title: 'No write actions on wildcard resources', severity: 'error', anchor: 'checkov CKV_AWS_290, CKV_AWS_355',
    fix: 'scope write actions to the ARNs they need (grant methods do), or require a request/resource tag in a Condition; only read/describe actions, and the few writes AWS supports only on "*" (NO_RESOURCE_LEVEL_WRITES: log delivery, X-Ray), may use "*" unconditionally (with a wildcardReason).',
    check: (m) => identityPolicies(m).flatMap(({ policy: p, boundary }) => {
      const onAll = statements(p.values.policy).filter((s) => s.Effect === 'Allow' && list(s.Resource).includes('*'));
      const actions = (ss: any[]) => ss.flatMap((s) => list(s.Action).map(String));
      if (boundary) return onStar(p, 'actions', actions(onAll), BOUNDARY_REASON);
      const open = onAll.filter((s) => !tagScoped(s));
      return [
        ...onStar(p, 'write actions', actions(open).filter((a) => !NO_RESOURCE_LEVEL_WRITES.has(a) && !isRead(a))),
        ...onStar(p, 'write actions', actions(open).filter((a) => NO_RESOURCE_LEVEL_WRITES.has(a)),
          'AWS documents these actions as supporting no resource-level permissions (NO_RESOURCE_LEVEL_WRITES): "*" is the only resource they can be granted on.'),
        ...onStar(p, 'tag-conditioned write actions', actions(onAll.filter(tagScoped)).filter((a) => !isRead(a)),
          'the resource has no ARN before it exists (create calls); a Condition on aws:RequestTag / aws:ResourceTag scopes the statement to resources carrying the cluster tag.'),
        ...onStar(p, 'read actions', actions(onAll).filter(isRead),
          'read, describe and list actions only: most support no resource-level permissions, and none can change a resource.'),
      ];
    }),
  },
  {
    id: 'MLOPS-DDB-001', title: 'DynamoDB point-in-time recovery', severity: 'error', anchor: 'checkov CKV_AWS_28',
    fix: 'set point_in_time_recovery { enabled = true }.',
    check: (m) => of(m, 'aws_dynamodb_table').filter((t) => firstBlock(t.values.point_in_time_recovery)?.enabled !== true).map((t) => fail(t, `DynamoDB table ${t.address} has no point-in-time recovery.`)),
  },
  {
    id: 'MLOPS-DDB-002', title: 'DynamoDB encrypted with a customer-managed key', severity: 'error', anchor: 'checkov CKV_AWS_119',
    fix: 'set server_side_encryption { enabled = true, kms_key_arn = <domain key> }.',
    check: (m) => of(m, 'aws_dynamodb_table').filter((t) => !(firstBlock(t.values.server_side_encryption)?.enabled === true && firstBlock(t.values.server_side_encryption)?.kms_key_arn))
      .map((t) => fail(t, `DynamoDB table ${t.address} is not encrypted with a customer-managed key.`)),
  },
  {
    id: 'MLOPS-ECR-001', title: 'ECR tags immutable', severity: 'error', anchor: 'checkov CKV_AWS_51',
    fix: 'set image_tag_mutability = "IMMUTABLE".',
    check: (m) => of(m, 'aws_ecr_repository').filter((r) => !String(r.values.image_tag_mutability ?? 'MUTABLE').startsWith('IMMUTABLE')).map((r) => fail(r, `ECR repository ${r.address} has mutable tags.`)),
  },
  {
    id: 'MLOPS-ECR-002', title: 'ECR images scanned', severity: 'error', anchor: 'checkov CKV_AWS_163',
    fix: 'set image_scanning_configuration { scan_on_push = true }, or configure registry scanning (aws_ecr_registry_scanning_configuration).',
    check: (m) => (of(m, 'aws_ecr_registry_scanning_configuration').length > 0 ? [] : of(m, 'aws_ecr_repository')
      .filter((r) => firstBlock(r.values.image_scanning_configuration)?.scan_on_push !== true).map((r) => fail(r, `ECR repository ${r.address} does not scan images on push.`))),
  },
  {
    id: 'MLOPS-SNS-001', title: 'SNS topic encrypted with KMS', severity: 'error', anchor: 'checkov CKV_AWS_26',
    fix: 'set kms_master_key_id to a customer-managed key (AlertTopic does).',
    check: (m) => of(m, 'aws_sns_topic').filter((t) => !t.values.kms_master_key_id).map((t) => fail(t, `SNS topic ${t.address} is not encrypted with KMS.`)),
  },
];
