import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { danglingReferences, synthesize, Synthesized } from '../support/synth';
import { main } from '../../lib/governance/review/cli';
import { readModel } from '../../lib/governance/policy/model';
import { review, Review } from '../../lib/governance/review/review';
import { toJunit, toMarkdown, toSarif } from '../../lib/governance/review/formats';
import { PRICE_TABLE } from '../../lib/governance/review/prices';
import { DEFAULT_RULES } from '../../lib/governance/policy-pack';
import { badFixture, goodFixture } from './fixtures/policy-fixtures';
import { testCluster } from '../support/fixtures';
import { SecureBucket } from '../../lib/security/secure-bucket';
import { KeyRing } from '../../lib/security/key-ring';
import { AuditTrail } from '../../lib/governance/audit-trail';
import { declaredNeeds } from '../../lib/governance/system/needs';
import { PolicyPack } from '../../lib/governance/policy-pack';
import { App } from 'cdktf';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The official SARIF 2.1.0 JSON schema (OASIS, rtm.5), as @microsoft/jest-sarif ships it. It is a
 * draft-04 schema using no draft-04-only keyword, so ajv 8 compiles it once the meta-schema
 * reference is dropped.
 */
const { $schema: _draft04, id: schemaId, ...sarifSchemaBody } = JSON.parse(fs.readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
const SARIF_SCHEMA = { $id: schemaId, ...sarifSchemaBody };
function sarifSchemaErrors(log: unknown): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(SARIF_SCHEMA);
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const ROOT = path.join(__dirname, '..', '..');
const PLAN = path.join(__dirname, 'fixtures', 'plan.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mlops-review-'));

function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = main(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

let good: Synthesized;
let bad: Synthesized;
let goodApp: App;
let badApp: App;
beforeAll(() => {
  good = synthesize((app) => { goodFixture(app); goodApp = app; });
  bad = synthesize((app) => { badFixture(app); badApp = app; });
});

describe('flows of the system model', () => {
  test('a review of a cdktf.out applies what the synth accepted, and reads the stacks from manifest.json', () => {
    const out = synthesize((app) => { goodFixture(app); PolicyPack.applyTo(app); });
    const m = readModel(out.outdir);
    expect(m.stacks).toContainEqual({ name: 'sysgood-workloads', path: 'sysgood-workloads', dependsOn: ['sysgood'] });
    expect(m.needs).toContainEqual(expect.objectContaining({ principalPath: 'sysgood/writer', kind: 'write', location: { store: 'aws_s3_bucket.lake_bucket', prefix: 'in/' } }));
    const r = review(m);
    expect(r.findings.filter((f) => !f.suppressed && f.severity === 'error')).toEqual([]);
  });

  test('a review of a cdktf.out reports what the synth suppressed with the same reason', () => {
    const reason = 'the runners are admitted by a security group rule of the shared network account';
    const out = synthesize((app) => {
      testCluster(app);
      PolicyPack.applyTo(app, { suppressions: [{ ruleId: 'MLOPS-EKS-005', path: 'platform-addons', reason }, { ruleId: 'MLOPS-EKS-005', path: 'workloads', reason }] });
    });
    const r = review(readModel(out.outdir));
    expect(r.findings.filter((f) => f.ruleId === 'MLOPS-EKS-005').map((f) => [f.path, f.suppressed])).toEqual([['platform-addons', reason], ['workloads', reason]]);
    expect(r.findings.filter((f) => !f.suppressed && f.severity === 'error')).toEqual([]);
  });

  test('the review lists the flows and their status, in a markdown section', () => {
    const r = review({ ...readModel(good.outdir), needs: declaredNeeds(goodApp) });
    expect(r.declaredNeeds).toBe(true);
    expect(r.flows).toEqual(expect.arrayContaining([
      { kind: 'data-read', from: 'sysgood/reader', to: 's3://acme-sysgood-lake/in/', status: 'ok', detail: 'reads what sysgood/writer writes' },
      { kind: 'network', from: 'Deployment client/caller', to: 'Service server/api:80', status: 'ok', detail: 'egress and ingress allow TCP 8080' },
      { kind: 'image', from: 'Deployment server/built', to: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme-sysgood/app:1.0.0', status: 'ok', detail: 'pushed by acme-sysgood-pusher' },
      { kind: 'placement', from: 'Deployment server/trainer', to: 'aws_eks_node_group.gpu_nodes', status: 'ok', detail: 'fits 1 node pool(s)' },
    ]));
    expect(toMarkdown(r)).toContain('| network | Deployment client/caller | Service server/api:80 | ok | egress and ingress allow TCP 8080 |');
    // resources correctly ordered after a cluster are one line
    expect(r.flows.filter((f) => f.kind === 'cluster' && f.to === 'aws_eks_cluster.cluster')).toEqual([
      { kind: 'cluster', from: expect.stringMatching(/^\d+ resources$/), to: 'aws_eks_cluster.cluster', status: 'ok', detail: 'reference the cluster or are applied after it' },
    ]);
  });
  test('broken flows say what breaks at run time; without declared needs the review says so', () => {
    const r = review({ ...readModel(bad.outdir), needs: declaredNeeds(badApp) });
    expect(r.flows.filter((f) => f.status === 'broken' && f.kind === 'data-read')).toEqual([
      { kind: 'data-read', from: 'sysbad/reader', to: 's3://acme-sysbad-lake/in/', status: 'broken', detail: 'reads s3://acme-sysbad-lake/in/ but nothing in the platform is granted write there: the reader finds no data at run time' },
    ]);
    const plain = review(readModel(bad.outdir));
    expect(plain.declaredNeeds).toBe(false);
    expect(toMarkdown(plain)).toContain('the declared needs of the grants were not available');
  });
});

test('fixtures resolve', () => {
  expect(danglingReferences(good)).toEqual([]);
  expect(danglingReferences(bad)).toEqual([]);
});

describe('review of a terraform show -json plan', () => {
  let r: Review;
  beforeAll(() => {
    r = review(readModel(PLAN));
  });
  test('findings with exact addresses, errors first', () => {
    expect(r.findings.map((f) => `${f.ruleId} ${f.address}`)).toEqual([
      'MLOPS-EKS-001 aws_eks_cluster.cluster',
      'MLOPS-EKS-003 aws_eks_cluster.cluster',
      'MLOPS-EKS-004 aws_eks_node_group.gpu_a10g',
      'MLOPS-IAM-001 aws_iam_role_policy.training_role_policy',
      'MLOPS-IAM-002 aws_iam_role_policy.training_role_policy',
      'MLOPS-IMG-001 kubernetes_manifest.deployment_serving_churn',
      'MLOPS-K8S-006 kubernetes_manifest.deployment_serving_churn',
      'MLOPS-S3-001 aws_s3_bucket.scratch_bucket',
      'MLOPS-S3-002 aws_s3_bucket.scratch_bucket',
      'MLOPS-S3-003 aws_s3_bucket.scratch_bucket',
      'MLOPS-S3-004 aws_s3_bucket.scratch_bucket',
      'MLOPS-S3-005 aws_s3_bucket.scratch_bucket',
    ]);
  });
  test('S3 sub-resources are matched to their bucket through configuration references', () => {
    expect(r.findings.filter((f) => f.address === 'aws_s3_bucket.models_bucket')).toEqual([]);
  });
  test('IAM inventory: trust and permissions of each role', () => {
    expect(r.roles).toEqual([{
      address: 'aws_iam_role.training_role', name: 'acme-prod-training', trustedBy: ['Service: pods.eks.amazonaws.com'],
      permissions: ['Allow s3:GetObject on arn:aws:s3:::acme-prod-models/*', 'Allow s3:* on *'],
    }]);
  });
  test('public endpoints, encryption, images and charts', () => {
    expect(r.publicEndpoints).toEqual([{ address: 'aws_eks_cluster.cluster', what: 'EKS API endpoint public (allowed CIDRs: 0.0.0.0/0)' }]);
    expect(r.encryption).toEqual(expect.arrayContaining([
      { address: 'aws_s3_bucket.models_bucket', store: 'S3 bucket', encryption: 'KMS arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666' },
      { address: 'aws_s3_bucket.scratch_bucket', store: 'S3 bucket', encryption: 'no encryption configuration (S3 default SSE-S3, no customer-managed key)' },
      { address: 'aws_eks_cluster.cluster', store: 'EKS secrets', encryption: 'KMS arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666' },
    ]));
    expect(r.images).toEqual([{ image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn:latest', usedBy: ['Deployment serving/churn'] }]);
    expect(r.charts).toEqual([{ address: 'helm_release.karpenter', chart: 'karpenter', version: '1.1.1', repository: 'oci://public.ecr.aws/karpenter' }]);
  });
  test('GPU pool cost from the dated price table: baseline min nodes, ceiling max nodes', () => {
    const gpu = r.cost.lines.find((l) => l.address === 'aws_eks_node_group.gpu_a10g')!;
    expect(gpu).toEqual({ address: 'aws_eks_node_group.gpu_a10g', item: 'GPU node group (g5.xlarge)', baselineMonthly: 734.38, ceilingMonthly: 2937.52, basis: '1.006/h x min 1 / max 4 nodes x 730 h' });
    expect(r.cost.priceTable).toBe(`USD on-demand us-east-1, prices as of ${PRICE_TABLE.date}`);
    expect(r.cost.baselineMonthly).toBe(734.38 + 73 + 1);
  });
});

describe('review of a synthesized cdktf.out', () => {
  test('the library defaults have no error finding; findings map to construct paths', () => {
    const r = review(readModel(good.outdir));
    expect(r.findings.filter((f) => f.severity === 'error' && !f.suppressed)).toEqual([]);
    expect(r.resourceCount).toBe(Object.values(good.stacks).reduce((n, st) => n + Object.values<any>(st.resource ?? {}).reduce((a, x) => a + Object.keys(x).length, 0), 0));
    // every data store uses a customer-managed key, except the access-log bucket (S3 cannot deliver access logs to SSE-KMS)
    expect(r.encryption.filter((e) => !e.encryption.startsWith('KMS ')).map((e) => `${e.address}: ${e.encryption}`)).toEqual(['aws_s3_bucket.access_logs_bucket: SSE-S3 (AES256)', 'aws_s3_bucket.logs_bucket: SSE-S3 (AES256)']);
    expect(r.cost.lines.find((l) => l.item === 'Karpenter GPU NodePool gpu')).toEqual(expect.objectContaining({ ceilingMonthly: 8 * 1.006 * 730 }));
  });
  test('bad fixture: findings carry construct paths', () => {
    const r = review(readModel(bad.outdir));
    expect(r.findings.find((f) => f.ruleId === 'MLOPS-RDS-004')).toEqual(expect.objectContaining({ path: 'bad/bad_database', stack: 'bad', address: 'aws_db_instance.bad_database' }));
    expect(r.publicEndpoints.map((e) => e.address)).toEqual(['aws_eks_cluster.bad_cluster', 'aws_db_instance.bad_database']);
  });
});

test('compliance report: controls, status and implementing resources', () => {
  const s2 = synthesize((app) => {
    const { stack } = testCluster(app);
    const logs = new SecureBucket(stack, 'access_logs', { bucketName: 'acme-dev-access-logs', isAccessLogTarget: true });
    const models = new SecureBucket(stack, 'models', { bucketName: 'acme-dev-models', encryptionKey: KeyRing.of(stack).key('models'), accessLogs: logs });
    new AuditTrail(stack, 'audit', { accessLogs: logs, modelBuckets: [models] });
  });
  expect(danglingReferences(s2)).toEqual([]);
  const c = review(readModel(s2.outdir)).compliance;
  const byId = Object.fromEntries(c.map((x) => [x.id, x]));
  expect(c.map((x) => x.id)).toEqual(['AUDIT-1', 'ACCESS-1', 'EXPLAIN-1', 'BIAS-1', 'REPORT-1', 'CRYPTO-1', 'IAM-1', 'COST-1']);
  expect(byId['AUDIT-1']).toMatchObject({ status: 'implemented', resources: ['aws_cloudtrail.audit_data_access_trail', 'aws_cloudtrail.audit_trail', 'aws_s3_bucket_object_lock_configuration.audit_bucket_object_lock'] });
  expect(byId['ACCESS-1']).toMatchObject({ status: 'implemented', resources: expect.arrayContaining(['aws_cloudtrail.audit_data_access_trail']) });
  expect(byId['EXPLAIN-1'].status).toBe('missing');
  expect(byId['CRYPTO-1'].status).toBe('implemented');
  expect(byId['COST-1'].status).toBe('partial');
  // the plan fixture has no trail
  expect(review(readModel(PLAN)).compliance.find((x) => x.id === 'AUDIT-1')!.status).toBe('missing');
});

describe('output formats', () => {
  let r: Review;
  beforeAll(() => {
    r = review(readModel(bad.outdir));
  });
  test('Markdown: summary, sections by severity, inventory, cost', () => {
    const m = toMarkdown(r);
    expect(m).toMatch(/^# Platform review\n/);
    expect(m).toContain(`**Findings:** ${r.findings.filter((f) => f.severity === 'error').length} error, ${r.findings.filter((f) => f.severity === 'warning').length} warning, 0 info; 0 suppressed; ${r.exceptions.length} accepted exceptions.`);
    expect(m).toContain('| MLOPS-KMS-001 | `bad/bad_key` | KMS key aws_kms_key.bad_key does not rotate (enable_key_rotation is not true). |');
    for (const h of ['## Errors', '## Warnings', '## IAM roles', '## Public endpoints', '## Encryption of data stores', '## Images and charts', '## Compliance controls', '## Estimated monthly cost']) expect(m).toContain(h);
  });
  test('JSON round-trips every section', () => {
    const j = JSON.parse(run('review', bad.outdir, '--format', 'json', '--fail-on', 'none').stdout);
    expect(Object.keys(j).sort()).toEqual(['accountWide', 'charts', 'compliance', 'cost', 'declaredNeeds', 'encryption', 'exceptions', 'findings', 'flows', 'generatedBy', 'images', 'objectCount', 'publicEndpoints', 'resourceCount', 'roles', 'rules', 'source']);
    expect(j.findings).toHaveLength(r.findings.length);
  });
  test('SARIF 2.1.0: valid against the official schema, for a cdktf.out and a plan', () => {
    const fromOutdir = JSON.parse(toSarif(review(readModel(bad.outdir), { suppressions: [{ ruleId: 'MLOPS-SNS-001', reason: 'fixture topic without data' }] })));
    expect(sarifSchemaErrors(fromOutdir)).toEqual([]);
    expect(sarifSchemaErrors(JSON.parse(toSarif(review(readModel(PLAN)))))).toEqual([]);
    // The validator is not vacuous: a log without a tool fails it.
    expect(sarifSchemaErrors({ version: '2.1.0', runs: [{ results: [] }] }).length).toBeGreaterThan(0);
  });

  test('SARIF 2.1.0: required structure, rules, results with locations and suppressions', () => {
    const s = JSON.parse(toSarif(review(readModel(bad.outdir), { suppressions: [{ ruleId: 'MLOPS-SNS-001', reason: 'fixture topic without data' }] })));
    expect(s.version).toBe('2.1.0');
    expect(s.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(s.runs).toHaveLength(1);
    const driver = s.runs[0].tool.driver;
    expect(driver.name).toBe('cdktf-mlops review');
    expect(driver.rules.map((x: any) => x.id)).toEqual(DEFAULT_RULES.map((x) => x.id));
    for (const rule of driver.rules) {
      expect(rule.shortDescription.text).toEqual(expect.any(String));
      expect(['error', 'warning', 'note']).toContain(rule.defaultConfiguration.level);
    }
    for (const res of s.runs[0].results) {
      expect(driver.rules[res.ruleIndex].id).toBe(res.ruleId);
      expect(['error', 'warning', 'note']).toContain(res.level);
      expect(res.message.text).toEqual(expect.any(String));
      const loc = res.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).toMatch(/stacks\/(sys)?bad(-workloads)?\/cdk\.tf\.json$/);
      expect(Number.isInteger(loc.region.startLine) && loc.region.startLine >= 1).toBe(true);
    }
    const kms = s.runs[0].results.find((x: any) => x.ruleId === 'MLOPS-KMS-001');
    const text = fs.readFileSync(path.join(bad.outdir, 'stacks', 'bad', 'cdk.tf.json'), 'utf8').split('\n');
    expect(text[kms.locations[0].physicalLocation.region.startLine - 1]).toContain('"bad_key"');
    expect(kms.locations[0].logicalLocations[0]).toEqual({ fullyQualifiedName: 'aws_kms_key.bad_key', name: 'bad/bad_key', kind: 'resource' });
    expect(s.runs[0].results.find((x: any) => x.ruleId === 'MLOPS-SNS-001').suppressions).toEqual([{ kind: 'external', justification: 'fixture topic without data' }]);
  });
  test('JUnit XML: a failing case per finding, a passing case per clean rule', () => {
    const x = toJunit(review(readModel(PLAN)));
    expect(x).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="cdktf-mlops review" tests="\d+" failures="12" skipped="0">/);
    expect(x).toContain('<testcase classname="MLOPS-KMS-001" name="KMS key rotation enabled"/>');
    expect(x).toContain('<testcase classname="MLOPS-S3-001" name="aws_s3_bucket.scratch_bucket"><failure type="error" message="S3 bucket aws_s3_bucket.scratch_bucket is not encrypted');
    expect(x.match(/<failure /g)).toHaveLength(12);
    // 12 failing cases on 12 distinct rules, one passing case for each of the other rules
    expect(x.match(/<testcase /g)!.length).toBe(DEFAULT_RULES.length - 12 + 12);
  });
});

describe('CLI', () => {
  test('exit status follows --fail-on', () => {
    expect(run('review', PLAN).code).toBe(1);
    expect(run('review', good.outdir).code).toBe(0);
    expect(run('review', good.outdir, '--fail-on', 'warning').code).toBe(0);
    expect(run('review', PLAN, '--fail-on', 'none').code).toBe(0);
  });
  test('summary on stderr; --output writes the file', () => {
    const out = path.join(tmp, 'review.sarif');
    const res = run('review', PLAN, '--format', 'sarif', '--output', out);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe('cdktf-mlops review: 12 error, 0 warning, 0 info; 0 suppressed; 7 accepted exceptions; 12 at or above error: failing.\n');
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).version).toBe('2.1.0');
  });
  test('suppressions file: recorded, not blocking; a reason is required', () => {
    const f = path.join(tmp, 'suppressions.json');
    fs.writeFileSync(f, JSON.stringify([{ ruleId: 'MLOPS-EKS-001', path: 'aws_eks_cluster.cluster', reason: 'public endpoint restricted by corporate proxy until 2027' }]));
    const res = run('review', PLAN, '--suppressions', f, '--format', 'markdown', '--fail-on', 'none');
    expect(res.stdout).toContain('| MLOPS-EKS-001 | `aws_eks_cluster.cluster` | public endpoint restricted by corporate proxy until 2027 |');
    fs.writeFileSync(f, JSON.stringify([{ ruleId: 'MLOPS-EKS-001' }]));
    expect(run('review', PLAN, '--suppressions', f)).toEqual({ code: 2, stdout: '', stderr: `cdktf-mlops: suppressions file ${f} must be a JSON array of { "ruleId", "path"?, "reason" } with a reason of at least 10 characters each.\n` });
  });
  test('malformed, truncated, empty and missing inputs are one-line errors with status 2', () => {
    const truncated = path.join(tmp, 'truncated.json');
    fs.writeFileSync(truncated, fs.readFileSync(PLAN, 'utf8').slice(0, 500));
    const t = run('review', truncated);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(new RegExp(`^cdktf-mlops: ${truncated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON \\(.+\\); the file may be truncated; regenerate it\\.\\n$`));
    const empty = path.join(tmp, 'empty.json');
    fs.writeFileSync(empty, '');
    expect(run('review', empty).stderr).toBe(`cdktf-mlops: ${empty} is empty.\n`);
    const other = path.join(tmp, 'other.json');
    fs.writeFileSync(other, '{"format_version":"1.2"}');
    expect(run('review', other).stderr).toBe(`cdktf-mlops: ${other} is not a Terraform plan in JSON (no format_version / planned_values); produce it with \`terraform show -json plan.tfplan > plan.json\`.\n`);
    expect(run('review', path.join(tmp, 'missing'))).toEqual({ code: 2, stdout: '', stderr: `cdktf-mlops: ${path.join(tmp, 'missing')} does not exist; pass a cdktf.out directory or a \`terraform show -json\` file.\n` });
    const odd = path.join(tmp, 'odd.json');
    fs.writeFileSync(odd, JSON.stringify({ format_version: '1.2', planned_values: { root_module: { resources: [{ address: 'aws_eks_node_group.x', mode: 'managed', type: 'aws_eks_node_group', name: 'x', values: { instance_types: 'g5.xlarge' } }] } } }));
    expect(run('review', odd)).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^cdktf-mlops: could not review the input: .+\. Check that it is a cdktf\.out directory or `terraform show -json` output\.\n$/) });
    expect(run('review', tmp).stderr).toBe(`cdktf-mlops: ${tmp} holds no synthesized stacks (expected stacks/<name>/cdk.tf.json); run cdktf synth first.\n`);
  });
  test('usage errors', () => {
    expect(run('review', PLAN, '--format', 'html').stderr).toMatch(/^cdktf-mlops: --format "html" is not one of markdown, json, sarif, junit\.\n\nUsage: cdktf-mlops review/);
    expect(run('review', PLAN, '--fail-on', 'critical').code).toBe(2);
    expect(run('deploy').stderr).toMatch(/^cdktf-mlops: unknown command "deploy"; the only command is "review"\./);
    expect(run('--help').code).toBe(0);
  });
  test('the bin runs with plain node (ts-node + swc, no build step)', () => {
    const res = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cdktf-mlops.js'), 'review', PLAN, '--format', 'junit'], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/^<\?xml/);
    expect(res.stderr).toContain('12 at or above error: failing.');
    const broken = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cdktf-mlops.js'), 'review', path.join(tmp, 'nothing.json')], { cwd: ROOT, encoding: 'utf8' });
    expect(broken.status).toBe(2);
    expect(broken.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
