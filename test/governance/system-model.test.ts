import { App } from 'cdktf';
import { allObjects, danglingReferences, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { modelOfOutdir } from '../../lib/governance/policy/model';
import { declaredNeeds, DeclaredNeed } from '../../lib/governance/system/needs';
import { systemModelOf, SystemModel } from '../../lib/governance/system/system-model';
import { systemFixture } from './fixtures/policy-fixtures';

let s: Synthesized;
let needs: DeclaredNeed[];
let model: SystemModel;
beforeAll(() => {
  let app!: App;
  s = synthesize((a) => { systemFixture(a, 'sysgood', true); app = a; });
  needs = declaredNeeds(app);
  model = systemModelOf({ ...modelOfOutdir(s.outdir), needs });
});

test('the fixture synthesizes with every reference resolved and valid objects', () => {
  expect(danglingReferences(s)).toEqual([]);
  expect(schemaViolations(allObjects(s))).toEqual([]);
});

describe('grants are the declaration', () => {
  test('SecureBucket.grantRead records who reads which prefix, resolved to addresses', () => {
    expect(needs).toContainEqual({
      principalPath: 'sysgood/reader', stack: 'sysgood', role: 'aws_iam_role.reader_role', kind: 'read',
      actions: ['s3:GetObject'], resources: ['${aws_s3_bucket.lake_bucket.arn}/in/*'], location: { store: 'aws_s3_bucket.lake_bucket', prefix: 'in/' },
    });
  });
  test('PlatformRole records every statement it receives, with its conditions and read/write kind', () => {
    const own = needs.filter((n) => n.role === 'aws_iam_role.reader_role' && !n.location);
    expect(own.map((n) => [n.actions.join(','), n.kind])).toEqual([
      ['s3:GetObject,s3:GetObjectVersion', 'read'], ['s3:ListBucket', 'read'], ['kms:Decrypt,kms:DescribeKey', 'read'],
    ]);
    expect(own[1].conditions).toEqual({ StringLike: { 's3:prefix': ['in/*'] } });
  });
  test('a write grant records a write location; nothing records for a role that got no grant', () => {
    expect(needs.filter((n) => n.location && n.principalPath === 'sysgood/writer').map((n) => [n.kind, n.location!.prefix])).toEqual([['write', 'in/']]);
    expect(needs.some((n) => n.principalPath.startsWith('sysgood/cluster'))).toBe(false);
    // a read grant declares no write
    expect(needs.filter((n) => n.principalPath === 'sysgood/reader' && n.kind === 'write')).toEqual([]);
  });
});

describe('one model of the system', () => {
  test('identities carry their trust and inline policies', () => {
    const reader = model.identities.find((i) => i.target.address === 'aws_iam_role.reader_role')!;
    expect(reader.trust.Statement[0].Principal).toEqual({ Service: 'codebuild.amazonaws.com' });
    expect(reader.policies.map((p) => p.target.address)).toEqual(['aws_iam_role_policy.reader_policy']);
    expect(reader.managedPolicyArns).toEqual([]);
  });
  test('workloads: pod templates with images, selectors, tolerations and requests', () => {
    const trainer = model.workloads.find((w) => w.name === 'trainer')!;
    expect(trainer).toMatchObject({ kind: 'Deployment', namespace: 'server', labels: { app: 'trainer' }, nodeSelector: { pool: 'gpu' }, requests: [{ cpu: '100m', memory: '64Mi' }] });
    expect(trainer.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });
  test('node pools: labels (own and well-known), taints in Kubernetes form, instance types, scaling', () => {
    const gpu = model.nodePools.find((p) => p.name === 'aws_eks_node_group.gpu_nodes')!;
    expect(gpu).toMatchObject({ instanceTypes: ['g6.xlarge'], capacityType: 'ON_DEMAND', minSize: 0, maxSize: 2, taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] });
    expect(gpu.labels).toMatchObject({ pool: ['gpu'], 'eks.amazonaws.com/capacityType': ['ON_DEMAND'], 'node.kubernetes.io/instance-type': ['g6.xlarge'], 'kubernetes.io/arch': ['amd64'] });
  });
  test('data locations with their producers and consumers', () => {
    const inbox = model.locations.find((l) => l.store === 'aws_s3_bucket.lake_bucket' && l.prefix === 'in/')!;
    expect(inbox.producers.map((p) => p.principalPath)).toEqual(['sysgood/writer']);
    expect(inbox.consumers.map((p) => p.principalPath).sort()).toEqual(['sysgood/auditor', 'sysgood/reader']);
  });
  test('stacks with their apply order; budgets, repositories and network policies', () => {
    expect(model.stacks).toEqual([{ name: 'sysgood', path: 'sysgood', dependsOn: [] }, { name: 'sysgood-workloads', path: 'sysgood-workloads', dependsOn: ['sysgood'] }]);
    expect(model.budgets.map((b) => b.address)).toEqual(['aws_budgets_budget.budget']);
    expect(model.repositories.map((r) => r.values.name)).toEqual(['acme-sysgood/app']);
    expect(model.networkPolicies.map((p) => `${p.object.metadata.namespace}/${p.object.metadata.name}`).sort()).toEqual(['client/default-deny', 'client/to-api', 'server/api-ingress']);
  });
  test('built once per model and shared', () => {
    expect(systemModelOf(model.platform)).toBe(model);
  });
});
