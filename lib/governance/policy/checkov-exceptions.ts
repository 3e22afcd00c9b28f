import { K8sResource, PlatformModel, TfResource } from './model';
import { AcceptedException, RuleViolation } from './rule';
import { attachedTo } from './rules-aws';
import { containersOf, podSpec } from './rules-kubernetes';

/**
 * A checkov check the platform knowingly does not meet (and that no pack rule implements): which
 * resources deviate, and why that is accepted. Each deviation found in a synthesized platform is
 * listed in the policy report and the review as an accepted exception with the checkov id; nothing
 * is exempted silently. Checks a pack rule is anchored to (its `anchor`) are covered by that rule,
 * whose accepted deviations are recorded the same way.
 */
export interface CheckovDeviation {
  /** checkov id, e.g. `CKV_AWS_144`. */
  readonly checkId: string;
  /** The check's title, as checkov names it. */
  readonly title: string;
  /** Why the deviation is accepted. */
  readonly reason: string;
  /** The resources or objects of `model` that fail the check, each with what deviates. */
  deviations(model: PlatformModel): RuleViolation[];
}

const of = (m: PlatformModel, ...types: string[]) => m.resources.filter((r) => types.includes(r.type));
const list = (v: unknown): any[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const on = (target: TfResource | K8sResource, message: string): RuleViolation => ({ target, message });
const objectId = (o: K8sResource['object']) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const buckets = (m: PlatformModel, missing: (b: TfResource) => boolean, what: string) => of(m, 'aws_s3_bucket').filter(missing).map((b) => on(b, `S3 bucket ${b.address} ${what}.`));

/** Containers of pod-running objects for which `bad` says what deviates, one violation per object. */
function containers(m: PlatformModel, bad: (c: any, pod: any) => string | undefined): RuleViolation[] {
  return m.objects.flatMap((r) => {
    const pod = podSpec(r.object);
    const what = containersOf(pod).map((c) => [c.name, bad(c, pod)]).filter(([, w]) => w !== undefined);
    return what.length ? [on(r, `${objectId(r.object)}: ${what.map(([n, w]) => `container ${n} ${w}`).join('; ')}.`)] : [];
  });
}

/** The checkov checks the reference platform deviates from by design, with their reasons. */
export const CHECKOV_DEVIATIONS: readonly CheckovDeviation[] = [
  {
    checkId: 'CKV_AWS_144', title: 'Ensure that S3 bucket has cross-region replication enabled',
    reason: 'the platform runs in one region; buckets are versioned with lifecycle rules, and cross-region replication (a second region\'s bucket and key) is a disaster-recovery choice of the deployment, not a default.',
    deviations: (m) => buckets(m, (b) => attachedTo(m, b, 'aws_s3_bucket_replication_configuration').length === 0, 'has no cross-region replication'),
  },
  {
    checkId: 'CKV_AWS_143', title: 'Ensure that S3 bucket has lock configuration enabled by default',
    reason: 'object lock (WORM) is set on the audit bucket only: lake, model and log buckets must let lifecycle rules expire objects and data-subject requests delete them.',
    deviations: (m) => buckets(m, (b) => b.values.object_lock_enabled !== true && attachedTo(m, b, 'aws_s3_bucket_object_lock_configuration').length === 0, 'has no object lock'),
  },
  {
    checkId: 'CKV2_AWS_62', title: 'Ensure S3 buckets should have event notifications enabled',
    reason: 'nothing consumes S3 events: ingestion is scheduled or streamed, and CloudTrail data events (AuditTrail) record every object-level access to data buckets.',
    deviations: (m) => buckets(m, (b) => attachedTo(m, b, 'aws_s3_bucket_notification').length === 0, 'has no event notifications'),
  },
  {
    checkId: 'CKV_AWS_252', title: 'Ensure CloudTrail defines an SNS Topic',
    reason: 'a CloudTrail SNS topic announces every log file delivery, which carries no security signal; the trail\'s logs are read from its bucket.',
    deviations: (m) => of(m, 'aws_cloudtrail').filter((t) => !t.values.sns_topic_name).map((t) => on(t, `CloudTrail ${t.address} has no SNS topic.`)),
  },
  {
    checkId: 'CKV_AWS_241', title: 'Ensure that Kinesis Firehose Delivery Streams are encrypted with CMK',
    reason: 'a delivery stream whose source is a Kinesis stream cannot set server_side_encryption (AWS allows it for Direct PUT only): records are encrypted by the source stream\'s customer-managed key and by the destination bucket\'s key.',
    deviations: (m) => of(m, 'aws_kinesis_firehose_delivery_stream').filter((f) => list(f.values.kinesis_source_configuration).length > 0 && list(f.values.server_side_encryption)[0]?.key_type !== 'CUSTOMER_MANAGED_CMK')
      .map((f) => on(f, `delivery stream ${f.address} reads a Kinesis stream and has no server-side encryption of its own.`)),
  },
  {
    checkId: 'CKV_AWS_297', title: 'Ensure EventBridge Scheduler Schedule uses Customer Managed Key (CMK)',
    reason: 'the schedule\'s input holds only resource names and ARNs (which ruleset to run on which table), no data; EventBridge Scheduler encrypts it with an AWS owned key.',
    deviations: (m) => of(m, 'aws_scheduler_schedule').filter((s) => !s.values.kms_key_arn).map((s) => on(s, `schedule ${s.address} has no kms_key_arn.`)),
  },
  {
    checkId: 'CKV_AWS_274', title: 'Disallow IAM roles, users, and groups from using the AWS AdministratorAccess policy',
    reason: 'the CI deploy role applies every stack (it creates every resource type the platform has); its permissions boundary caps it: no long-lived credentials, no change to the audit trail, its own role or its boundary.',
    deviations: (m) => of(m, 'aws_iam_role_policy_attachment').filter((a) => String(a.values.policy_arn).endsWith(':policy/AdministratorAccess'))
      .filter((a) => of(m, 'aws_iam_role').some((r) => (a.references.role ?? []).includes(r.address) && (r.references.permissions_boundary ?? []).length > 0))
      .map((a) => on(a, `${a.address} attaches AdministratorAccess to a role with a permissions boundary.`)),
  },
  {
    checkId: 'CKV_K8S_15', title: 'Image Pull Policy should be Always',
    reason: 'every image is pinned (by digest, or by a version tag: see the MLOPS-K8S-006 exceptions), so IfNotPresent runs the same image without making every pod start depend on the registry.',
    deviations: (m) => containers(m, (c) => (c.imagePullPolicy === 'Always' ? undefined : `pulls ${c.imagePullPolicy ?? 'IfNotPresent (default)'}`)),
  },
  {
    checkId: 'CKV_K8S_35', title: 'Prefer using secrets as files over secrets as environment variables',
    reason: 'the container reads this setting only from its environment (e.g. MLflow\'s backend store URI); the Secret is synced by External Secrets from Secrets Manager and never appears in the manifests.',
    deviations: (m) => containers(m, (c) => {
      const keys = list(c.env).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name);
      return keys.length || list(c.envFrom).some((e) => e.secretRef) ? `reads Secret values from environment variables ${keys.join(', ')}`.trim() : undefined;
    }),
  },
];

/** The accepted exceptions of `deviations` (default CHECKOV_DEVIATIONS) found in `model`. */
export function checkovExceptions(model: PlatformModel, deviations: readonly CheckovDeviation[] = CHECKOV_DEVIATIONS): AcceptedException[] {
  return deviations.flatMap((d) => d.deviations(model).map((v) => ({
    ruleId: d.checkId, anchor: `checkov ${d.checkId}: ${d.title}`, stack: v.target.stack, address: v.target.address, path: v.target.path, message: v.message, reason: d.reason,
  })));
}
