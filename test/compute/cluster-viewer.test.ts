import { App } from 'cdktf';
import { ApiObject } from 'cdk8s';
import { ClusterViewer } from '../../lib/compute/cluster-viewer';
import { allObjects, danglingReferences, object, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testCluster } from '../support/fixtures';

const DIFF = 'arn:aws:iam::111122223333:role/acme-dev-ci-diff';
const DEPLOY = 'arn:aws:iam::111122223333:role/acme-dev-ci-deploy';

describe('MlCluster.addViewerRole and addAdminRole for CI roles', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const { cluster } = testCluster(app);
      cluster.addAdminRole('ci_deploy', DEPLOY);
      cluster.addViewerRole('ci_diff', DIFF);
      new ApiObject(cluster.workloads.scopeFor(cluster), 'rollout', {
        apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: { name: 'x', namespace: 'serving' },
        spec: { metrics: [{ name: 'm', provider: { prometheus: { address: 'http://p:9090', query: 'up' } } }] },
      });
    });
    p = s.stacks.platform;
  });

  test('references resolve, objects follow the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('the deploy role is cluster-admin (it applies add-ons and workloads)', () => {
    expect(resource(p, 'aws_eks_access_entry', 'cluster_ci_deploy_access_entry')).toMatchObject({ principal_arn: DEPLOY, type: 'STANDARD' });
    expect(resource(p, 'aws_eks_access_policy_association', 'cluster_ci_deploy_cluster_admin')).toMatchObject({
      principal_arn: DEPLOY, access_scope: { type: 'cluster' },
      policy_arn: 'arn:${data.aws_partition.partition.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
    });
  });

  test('the diff role views the cluster (no Secrets) and is in the viewer group', () => {
    expect(resource(p, 'aws_eks_access_entry', 'cluster_ci_diff_viewer_access_entry')).toMatchObject({ principal_arn: DIFF, type: 'STANDARD', kubernetes_groups: ['cdktf-mlops:viewer'] });
    expect(resource(p, 'aws_eks_access_policy_association', 'cluster_ci_diff_viewer_view')).toMatchObject({
      principal_arn: DIFF, access_scope: { type: 'cluster' },
      policy_arn: 'arn:${data.aws_partition.partition.partition}:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
      depends_on: ['aws_eks_access_entry.cluster_ci_diff_viewer_access_entry'],
    });
    const diffPolicies = Object.values(resources(p, 'aws_eks_access_policy_association')).filter((a: any) => a.principal_arn === DIFF).map((a: any) => a.policy_arn);
    expect(diffPolicies.filter((a: string) => /ClusterAdmin|AmazonEKSAdminPolicy|EditPolicy/.test(a))).toEqual([]);
  });

  test('it reads Secrets only in the Helm releases\' namespaces (a helm_release refresh reads its release Secret)', () => {
    const helm = resource(p, 'aws_eks_access_policy_association', 'cluster_ci_diff_viewer_helm_releases');
    expect(helm.policy_arn).toBe('arn:${data.aws_partition.partition.partition}:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy');
    const releaseNamespaces = [...new Set(Object.values(resources(s.stacks['platform-addons'], 'helm_release')).map((r: any) => r.namespace))].sort();
    expect(helm.access_scope).toEqual({ type: 'namespace', namespaces: releaseNamespaces });
    expect(releaseNamespaces).not.toContain('serving');
  });

  test('a ClusterRole bound to the group reads CRDs and the custom objects the workloads stack applies', () => {
    const role = object(s, 'ClusterRole', 'cdktf-mlops-viewer');
    expect(role.rules[0]).toEqual({ apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] });
    expect(role.rules[1].apiGroups).toEqual(expect.arrayContaining(['argoproj.io', 'external-secrets.io', 'rbac.authorization.k8s.io']));
    expect(role.rules[1].apiGroups).not.toContain('');
    for (const r of role.rules) expect(r.verbs).toEqual(['get', 'list', 'watch']);
    expect(object(s, 'ClusterRoleBinding', 'cdktf-mlops-viewer')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cdktf-mlops-viewer' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: ClusterViewer.GROUP }],
    });
  });

  test('readHelmReleases: false reads no Secrets', () => {
    const s2 = synthesize((app) => {
      const { cluster } = testCluster(app);
      cluster.addViewerRole('ci_diff', DIFF, { readHelmReleases: false });
    });
    expect(Object.keys(resources(s2.stacks.platform, 'aws_eks_access_policy_association')).filter((k) => k.includes('helm'))).toEqual([]);
  });

  test('a role ARN that is not one', () => {
    const { cluster } = testCluster(new App({ outdir: '/tmp/cdktf-mlops-unused' }));
    expect(() => cluster.addViewerRole('ci_diff', 'acme-dev-ci-diff'))
      .toThrow(/^\[platform\/cluster\/ci_diff_viewer\] roleArn "acme-dev-ci-diff" is not an IAM role ARN\. Fix: use e\.g\. "arn:aws:iam::111122223333:role\/ci-diff"\.$/);
  });
});
