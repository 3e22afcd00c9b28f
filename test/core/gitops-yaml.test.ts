import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Yaml } from 'cdk8s';
import { fillPlatformValues, platformValuesFile } from '../../lib/core/gitops-yaml';
import { testCluster } from '../support/fixtures';
import { allObjects, danglingReferences, object, schemaViolations, synthesize } from '../support/synth';

describe('GitOps YAML: values of the platform stack', () => {
  const s = synthesize((app) => {
    const { cluster, workloads } = testCluster(app);
    const scope = workloads.scopeFor(cluster);
    new ApiObject(scope, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    new ApiObject(scope, 'cm', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'team-a' },
      data: { name: cluster.cluster.name, endpoint: `url=${cluster.cluster.endpoint};`, script: 'echo ${HOME}' },
    });
  });
  const dir = path.join(s.outdir, 'manifests', 'workloads');
  const yaml = () => Yaml.load(path.join(dir, 'team-a.k8s.yaml')).find((o) => o.kind === 'ConfigMap');
  const values = () => Yaml.load(platformValuesFile(dir))[0];

  test('references resolve; objects pass the schemas; Terraform still reads remote state', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
    expect(object(s, 'ConfigMap', 'settings', 'team-a').data.name).toMatch(/^\$\{data\.terraform_remote_state\./);
  });

  test('a name the configuration sets is resolved; an endpoint is a placeholder naming its stack output; script text is kept', () => {
    expect(yaml().data).toEqual({
      name: 'acme-dev',
      endpoint: 'url=((platform:cross_stack_output_aws_eks_cluster_cluster_cluster_endpoint));',
      script: 'echo ${HOME}',
    });
    expect(values().resolved.map((v: any) => [v.expression, v.value, v.usedBy])).toContainEqual(
      ['aws_eks_cluster.cluster_cluster.name', 'acme-dev', ['team-a.k8s.yaml: v1 ConfigMap team-a/settings']]);
    expect(values().deployTime).toEqual([{
      expression: 'aws_eks_cluster.cluster_cluster.endpoint',
      stack: 'platform',
      output: 'cross_stack_output_aws_eks_cluster_cluster_cluster_endpoint',
      placeholder: '((platform:cross_stack_output_aws_eks_cluster_cluster_cluster_endpoint))',
      usedBy: ['team-a.k8s.yaml: v1 ConfigMap team-a/settings'],
    }]);
  });

  test('filling writes the value where the placeholder was; a missing output or an unlisted placeholder fails', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-'));
    const outputs = { cross_stack_output_aws_eks_cluster_cluster_cluster_endpoint: { value: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com' } };
    expect(fillPlatformValues(dir, out, (stack) => (stack === 'platform' ? outputs : {}))).toEqual(['cluster.k8s.yaml', 'team-a.k8s.yaml']);
    const cm = Yaml.load(path.join(out, 'team-a.k8s.yaml')).find((o) => o.kind === 'ConfigMap');
    expect(cm.data.endpoint).toBe('url=https://ABC.gr7.eu-west-1.eks.amazonaws.com;');
    expect(() => fillPlatformValues(dir, out, () => ({}))).toThrow(
      'stack platform has no string output cross_stack_output_aws_eks_cluster_cluster_cluster_endpoint (for ((platform:cross_stack_output_aws_eks_cluster_cluster_cluster_endpoint))): apply the stack first, or pass its outputs.');
    const edited = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-edited-'));
    fs.mkdirSync(path.join(edited, 'w'));
    fs.copyFileSync(platformValuesFile(dir), platformValuesFile(path.join(edited, 'w')));
    fs.writeFileSync(path.join(edited, 'w', 'x.k8s.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: team-a}\ndata: {a: "((platform:other))"}\n');
    expect(() => fillPlatformValues(path.join(edited, 'w'), out, () => outputs)).toThrow('x.k8s.yaml: ((platform:other)) is not listed in w.platform-values.yaml.');
  });
});
