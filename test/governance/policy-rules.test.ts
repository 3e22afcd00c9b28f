import * as fs from 'fs';
import * as path from 'path';
import { allObjects, danglingReferences, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { modelOfOutdir, PlatformModel } from '../../lib/governance/policy/model';
import { evaluateRules, Finding } from '../../lib/governance/policy/rule';
import { DEFAULT_RULES } from '../../lib/governance/policy-pack';
import { badFixture, goodFixture } from './fixtures/policy-fixtures';
import { declaredNeeds } from '../../lib/governance/system/needs';
import { App } from 'cdktf';

let bad: Synthesized;
let good: Synthesized;
let badFindings: Finding[];
let goodFindings: Finding[];

beforeAll(() => {
  const apps: Record<string, App> = {};
  bad = synthesize((app) => { badFixture(app); apps.bad = app; });
  good = synthesize((app) => { goodFixture(app); apps.good = app; });
  // The model of each output with what the grants declared (the policy pack writes it next to the stacks).
  const model = (s: Synthesized, app: App): PlatformModel => ({ ...modelOfOutdir(s.outdir), needs: declaredNeeds(app) });
  badFindings = evaluateRules(model(bad, apps.bad), DEFAULT_RULES);
  goodFindings = evaluateRules(model(good, apps.good), DEFAULT_RULES).filter((f) => !f.suppressed);
});

const failing = (fs: Finding[], id: string) => fs.filter((f) => f.ruleId === id).map((f) => f.address).sort();

test('fixtures synthesize with every reference resolved', () => {
  expect(danglingReferences(bad)).toEqual([]);
  expect(danglingReferences(good)).toEqual([]);
  expect(schemaViolations([...allObjects(bad), ...allObjects(good)])).toEqual([]);
});

const EXPECTED: Record<string, string[]> = {
  'MLOPS-S3-001': ['aws_s3_bucket.bad_bucket'],
  'MLOPS-S3-002': ['aws_s3_bucket.bad_bucket'],
  'MLOPS-S3-003': ['aws_s3_bucket.bad_bucket'],
  'MLOPS-S3-004': ['aws_s3_bucket.bad_bucket'],
  'MLOPS-S3-005': ['aws_s3_bucket.bad_bucket'],
  'MLOPS-KMS-001': ['aws_kms_key.bad_key'],
  'MLOPS-LOG-001': ['aws_cloudwatch_log_group.bad_log_group'],
  'MLOPS-LOG-002': ['aws_cloudwatch_log_group.bad_log_group'],
  'MLOPS-EKS-001': ['aws_eks_cluster.bad_cluster'],
  'MLOPS-EKS-002': ['aws_eks_cluster.bad_cluster'],
  'MLOPS-EKS-003': ['aws_eks_cluster.bad_cluster'],
  'MLOPS-EC2-001': ['aws_launch_template.bad_launch_template'],
  'MLOPS-RDS-001': ['aws_db_instance.bad_database'],
  'MLOPS-RDS-002': ['aws_db_instance.bad_database'],
  'MLOPS-RDS-003': ['aws_db_instance.bad_database'],
  'MLOPS-RDS-004': ['aws_db_instance.bad_database'],
  'MLOPS-RDS-005': ['aws_db_instance.bad_database'],
  'MLOPS-NET-001': ['aws_security_group.bad_security_group', 'aws_vpc_security_group_ingress_rule.bad_ingress_rule'],
  'MLOPS-IAM-001': ['aws_iam_role_policy.bad_wildcard_action'],
  'MLOPS-IAM-002': ['aws_iam_role_policy.bad_wildcard_resource'],
  'MLOPS-DDB-001': ['aws_dynamodb_table.bad_table'],
  'MLOPS-DDB-002': ['aws_dynamodb_table.bad_table'],
  'MLOPS-ECR-001': ['aws_ecr_repository.bad_repository'],
  'MLOPS-ECR-002': ['aws_ecr_repository.bad_repository'],
  'MLOPS-SNS-001': ['aws_sns_topic.bad_topic'],
  'MLOPS-K8S-001': ['kubernetes_manifest.deployment_fixtures_insecure'],
  'MLOPS-K8S-002': ['kubernetes_manifest.deployment_fixtures_insecure'],
  'MLOPS-K8S-003': ['kubernetes_manifest.deployment_fixtures_insecure'],
  'MLOPS-K8S-004': ['kubernetes_manifest.deployment_fixtures_insecure'],
  'MLOPS-K8S-005': ['kubernetes_manifest.deployment_fixtures_insecure'],
  'MLOPS-K8S-006': ['kubernetes_manifest.deployment_fixtures_insecure', 'kubernetes_manifest.deployment_fixtures_untagged'],
  'MLOPS-K8S-007': ['kubernetes_manifest.deployment_fixtures_insecure', 'kubernetes_manifest.deployment_fixtures_untagged'],
  'MLOPS-COST-001': ['aws_db_instance.bad_database', 'aws_dynamodb_table.bad_table', 'aws_ecr_repository.bad_repository', 'aws_eks_cluster.bad_cluster',
    'aws_kms_key.bad_key', 'aws_launch_template.bad_launch_template', 'aws_cloudwatch_log_group.bad_log_group', 'aws_s3_bucket.bad_bucket', 'aws_sns_topic.bad_topic'].sort(),
  'MLOPS-TAG-001': ['aws_sns_topic.bad_topic'],
  'MLOPS-COST-002': ['kubernetes_manifest.nodepool_gpu', 'kubernetes_manifest.nodepool_unbounded'],
  'MLOPS-FLOW-001': ['aws_iam_role.reader_role'],
  'MLOPS-FLOW-002': ['aws_iam_role.writer_role'],
  'MLOPS-IAM-003': ['aws_iam_role.decrypter_role'],
  'MLOPS-IAM-004': ['aws_iam_role.janitor_role', 'aws_iam_role.registrar_role'],
  'MLOPS-NET-002': ['kubernetes_manifest.deployment_client_caller', 'kubernetes_manifest.deployment_server_reporter'],
  'MLOPS-IMG-001': ['kubernetes_manifest.deployment_fixtures_insecure', 'kubernetes_manifest.deployment_fixtures_untagged', 'kubernetes_manifest.deployment_server_built'],
  'MLOPS-K8S-008': ['kubernetes_manifest.deployment_server_trainer'],
  'MLOPS-COST-003': ['aws_budgets_budget.budget'],
  'MLOPS-MON-001': ['kubernetes_manifest.prometheusrule_server_alerts'],
  'MLOPS-EKS-004': ['aws_eks_node_group.gpu_nodes'],
  'MLOPS-EKS-005': ['stack sysbad-workloads'],
};

test('every rule has a fail fixture', () => {
  expect(Object.keys(EXPECTED).sort()).toEqual(DEFAULT_RULES.map((r) => r.id).sort());
});

describe.each(Object.entries(EXPECTED))('%s', (id, addresses) => {
  test('fails exactly the non-compliant resources', () => {
    expect(failing(badFindings, id)).toEqual(addresses);
  });
  test('passes the library defaults and compliant resources', () => {
    expect(failing(goodFindings, id)).toEqual([]);
  });
});

test('findings carry the construct path, the anchor and the fix', () => {
  const f = badFindings.find((x) => x.ruleId === 'MLOPS-S3-001')!;
  expect(f).toMatchObject({ severity: 'error', anchor: 'checkov CKV_AWS_145', stack: 'bad', path: 'bad/bad_bucket', message: expect.stringContaining('aws_s3_bucket.bad_bucket') });
  expect(f.fix).toMatch(/^use SecureBucket with encryptionKey/);
});

test('messages name what is wrong', () => {
  const msg = (id: string) => badFindings.filter((f) => f.ruleId === id).map((f) => f.message);
  expect(msg('MLOPS-EKS-003')).toEqual(['EKS cluster aws_eks_cluster.bad_cluster does not log audit, authenticator, controllerManager, scheduler.']);
  expect(msg('MLOPS-IAM-001')).toEqual(['IAM policy aws_iam_role_policy.bad_wildcard_action allows s3:*.']);
  expect(msg('MLOPS-IAM-002')).toEqual(['IAM policy aws_iam_role_policy.bad_wildcard_resource allows write actions s3:PutObject on resource "*".']);
  expect(msg('MLOPS-K8S-005')).toEqual(['Deployment fixtures/insecure uses hostNetwork, hostPath volume host, privileged container app.']);
  expect(msg('MLOPS-K8S-003')).toEqual(['Deployment fixtures/insecure: container app does not drop ALL capabilities.']);
  expect(msg('MLOPS-K8S-006')).toEqual(['Deployment fixtures/insecure: container app uses unpinned image "nginx:latest".', 'Deployment fixtures/untagged: container app uses unpinned image "registry.example/app".']);
  expect(msg('MLOPS-COST-002')).toEqual(['GPU NodePool gpu has no nvidia.com/gpu limit.', 'Karpenter NodePool unbounded has no spec.limits, so it can scale without bound.']);
});

test('system findings name what breaks at run time', () => {
  const msg = (id: string) => badFindings.filter((f) => f.ruleId === id).map((f) => f.message);
  expect(msg('MLOPS-FLOW-001')).toEqual(['reads s3://acme-sysbad-lake/in/ but nothing in the platform is granted write there: the reader finds no data at run time']);
  expect(msg('MLOPS-FLOW-002')).toEqual(['writes s3://acme-sysbad-lake/out/ but nothing in the platform is granted read there: the output is never used']);
  expect(msg('MLOPS-IAM-003')).toEqual(['aws_iam_role.decrypter_role is denied what its grants declare: kms:Decrypt on ${aws_kms_key.foreign_key.arn} (ImplicitlyDenied); the call fails with AccessDenied at run time']);
  expect(msg('MLOPS-IAM-004')).toEqual([
    'aws_iam_role.registrar_role may both register model packages in aws_sagemaker_model_package_group.models and set them Approved: one identity can ship a model without review',
    'aws_iam_role.janitor_role may kms:ScheduleKeyDeletion on aws_kms_key.keys_data_key: a platform identity can destroy every object encrypted with the key',
  ]);
  expect(msg('MLOPS-NET-002')).toEqual([
    'Deployment server/reporter -> Service server/api:80 is dropped: the server\'s ingress NetworkPolicies in server admit no TCP 8080 from Deployment server/reporter; connections time out at run time',
    'Deployment client/caller -> Service server/api:80 is dropped: the client\'s egress NetworkPolicies in client allow no TCP 8080 to Deployment server/api; connections time out at run time',
  ]);
  expect(msg('MLOPS-K8S-008')[0]).toMatch(/^Deployment server\/trainer fits no node pool \(aws_eks_node_group.general_nodes: no label pool=gpu; aws_eks_node_group.gpu_nodes: taint nvidia.com\/gpu=true:NoSchedule not tolerated; .*\): its pods stay Pending$/);
  expect(msg('MLOPS-EKS-005')[0]).toMatch(/^stack sysbad-workloads applies kubernetes_manifest resources to the private-only endpoint of aws_eks_cluster.cluster/);
  expect(badFindings.find((f) => f.ruleId === 'MLOPS-EKS-005')).toMatchObject({ stack: 'sysbad-workloads', path: 'sysbad-workloads' });
});

test('system rules read the declared needs: without them no data flow is claimed', () => {
  const noNeeds = evaluateRules(modelOfOutdir(bad.outdir), DEFAULT_RULES);
  expect(failing(noNeeds, 'MLOPS-FLOW-001')).toEqual([]);
  expect(failing(noNeeds, 'MLOPS-IAM-004')).toEqual(['aws_iam_role.janitor_role', 'aws_iam_role.registrar_role']);
});

test('rule ids are unique and every rule is documented in docs/policy-rules.md', () => {
  const ids = DEFAULT_RULES.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'policy-rules.md'), 'utf8');
  for (const r of DEFAULT_RULES) expect(doc).toContain(`| <a id="${r.id.toLowerCase()}"></a>${r.id} | ${r.severity} | ${r.anchor} | ${r.title} |`);
});
