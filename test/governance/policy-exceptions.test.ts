import * as fs from 'fs';
import * as path from 'path';
import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { allObjects, danglingReferences, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { readModel } from '../../lib/governance/policy/model';
import { review } from '../../lib/governance/review/review';
import { toMarkdown } from '../../lib/governance/review/formats';
import { AcceptedException } from '../../lib/governance/policy/rule';
import { BOUNDARY_REASON, LOG_TARGET_LOGGING_REASON, LOG_TARGET_SSE_REASON } from '../../lib/governance/policy/rules-aws';
import { TAG_PINNED_REASONS } from '../../lib/governance/policy/rules-kubernetes';
import { CHECKOV_DEVIATIONS } from '../../lib/governance/policy/checkov-exceptions';

describe('accepted exceptions of the reference platform: recorded with rule, address, path and reason, never failures', () => {
  let s: Synthesized;
  let report: { findings: any[]; exceptions: AcceptedException[] };
  const find = (ruleId: string, address: string) => report.exceptions.filter((e) => e.ruleId === ruleId && e.address === address);
  beforeAll(() => {
    s = synthesize((app) => { createReferencePlatform(app); });
    report = JSON.parse(fs.readFileSync(path.join(s.outdir, 'policy-report-mlops-prod.json'), 'utf8'));
  });

  test('references resolve and every object passes the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('the access-log target bucket: SSE-S3 and no access logging of its own, each with its reason', () => {
    expect(find('MLOPS-S3-001', 'aws_s3_bucket.data_lake_access_logs_bucket')).toEqual([expect.objectContaining({
      stack: 'mlops-prod-platform', path: 'mlops-prod/mlops-prod-platform/data/lake/access_logs/bucket', reason: LOG_TARGET_SSE_REASON, anchor: 'checkov CKV_AWS_145',
    })]);
    expect(find('MLOPS-S3-005', 'aws_s3_bucket.data_lake_access_logs_bucket')).toEqual([expect.objectContaining({ reason: LOG_TARGET_LOGGING_REASON })]);
    // not a finding: the exception is the only record
    expect(report.findings.filter((f) => f.address === 'aws_s3_bucket.data_lake_access_logs_bucket')).toEqual([]);
  });

  test('wildcards in the CI permissions boundary', () => {
    expect(find('MLOPS-IAM-001', 'aws_iam_policy.ci_deploy_boundary')).toEqual([expect.objectContaining({ message: 'IAM policy aws_iam_policy.ci_deploy_boundary allows *.', reason: BOUNDARY_REASON })]);
    expect(find('MLOPS-IAM-002', 'aws_iam_policy.ci_deploy_boundary')).toEqual([expect.objectContaining({ reason: BOUNDARY_REASON })]);
  });

  test('actions without resource-level permissions, tag-conditioned creates and reads on "*"', () => {
    const lbc = find('MLOPS-IAM-002', 'aws_iam_role_policy.cluster_load_balancer_controller_identity_role_policy').map((e) => e.message);
    expect(lbc).toEqual(expect.arrayContaining([
      expect.stringMatching(/allows write actions elasticloadbalancing:SetWebAcl on resource "\*"\.$/),
      expect.stringMatching(/allows tag-conditioned write actions .*elasticloadbalancing:CreateLoadBalancer.* on resource "\*"\.$/),
      expect.stringMatching(/allows read actions .*ec2:Describe/),
    ]));
    expect(find('MLOPS-IAM-002', 'aws_iam_role_policy.ci_image_push_role_policy').map((e) => e.message))
      .toEqual(['IAM policy aws_iam_role_policy.ci_image_push_role_policy allows read actions ecr:GetAuthorizationToken on resource "*".']);
  });

  test('tag-pinned images (CKV_K8S_43): registry images with immutable tags and external images, by reason', () => {
    expect(find('MLOPS-K8S-006', 'kubernetes_manifest.deployment_serving_fraud')).toEqual([expect.objectContaining({ stack: 'mlops-prod-workloads', reason: TAG_PINNED_REASONS.registry })]);
    const external = report.exceptions.filter((e) => e.ruleId === 'MLOPS-K8S-006' && e.reason === TAG_PINNED_REASONS.external);
    for (const e of external) expect(e.message).not.toMatch(/"\d{12}\.dkr\.ecr\./);
  });

  test('known checkov deviations are listed with the checkov id, by address', () => {
    const ids = (id: string) => report.exceptions.filter((e) => e.ruleId === id).map((e) => e.address).sort();
    expect(ids('CKV_AWS_274')).toEqual(['aws_iam_role_policy_attachment.ci_deploy_policy_administratoraccess']);
    // MLflow connects with IAM database authentication and the database has enhanced monitoring: no deviation.
    expect(ids('CKV_AWS_161')).toEqual([]);
    expect(ids('CKV_AWS_118')).toEqual([]);
    expect(ids('CKV_AWS_241')).toEqual(['aws_kinesis_firehose_delivery_stream.data_streams_clickstream_delivery']);
    expect(ids('CKV_K8S_35')).toEqual(['kubernetes_manifest.deployment_mlops-system_mlflow']);
    // every S3 bucket but the audit bucket (object lock) lacks object lock
    expect(ids('CKV_AWS_143')).not.toContain('aws_s3_bucket.audit_bucket_bucket');
    expect(ids('CKV_AWS_143')).toContain('aws_s3_bucket.data_lake_raw_bucket_bucket');
    for (const e of report.exceptions.filter((x) => x.ruleId.startsWith('CKV'))) {
      expect(e.reason).toBe(CHECKOV_DEVIATIONS.find((d) => d.checkId === e.ruleId)!.reason);
      expect(e.path).toMatch(/^mlops-prod\/mlops-prod-(platform|workloads)\//);
    }
  });

  test('the review lists the same exceptions, in an own Markdown section, and counts no failure for them', () => {
    const r = review(readModel(s.outdir));
    const key = (e: AcceptedException) => `${e.ruleId} ${e.address} ${e.message}`;
    expect(r.exceptions.map(key).sort()).toEqual(report.exceptions.map(key).sort());
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const md = toMarkdown(r);
    expect(md).toContain(`; ${r.exceptions.length} accepted exceptions.`);
    expect(md).toContain('## Accepted exceptions');
    expect(md).toContain('| MLOPS-S3-001 | `aws_s3_bucket.data_lake_access_logs_bucket` (`mlops-prod/mlops-prod-platform/data/lake/access_logs/bucket`) |');
  });
});
