import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { REFRESH_ACTIONS } from '../../lib/pipelines/refresh-actions';
import { allObjects, allText, danglingReferences, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';

describe('the reference platform (examples/enterprise-platform)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => createReferencePlatform(app));
  });

  test('synthesizes a platform stack and a workloads stack', () => {
    expect(Object.keys(s.stacks).sort()).toEqual(['mlops-prod-platform', 'mlops-prod-workloads']);
  });

  test('every Terraform reference in every stack resolves', () => {
    expect(danglingReferences(s)).toEqual([]);
  });

  test('every Kubernetes object passes the upstream OpenAPI schemas', () => {
    expect(allObjects(s).length).toBeGreaterThan(0);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('the workloads stack reaches the cluster through the platform stack outputs with exec auth', () => {
    const w = s.stacks['mlops-prod-workloads'];
    const k8s = w.provider.kubernetes[0];
    expect(k8s.host).toMatch(/^\$\{data\.terraform_remote_state\.[^.]+\.outputs\.[a-z0-9_]+\}$/);
    expect(k8s.cluster_ca_certificate).toMatch(/^\$\{base64decode\(data\.terraform_remote_state\./);
    expect(k8s.exec[0]).toMatchObject({ command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'acme-mlops-prod', '--region', 'eu-west-1', '--output', 'json'] });
    expect(k8s.token).toBeUndefined();
    const outputs = Object.keys(s.stacks['mlops-prod-platform'].output);
    expect(outputs.some((o) => /endpoint/.test(o))).toBe(true);
  });

  test('both stacks keep remote state in the bucket the CI roles are granted (S3 lockfile)', () => {
    for (const name of ['mlops-prod-platform', 'mlops-prod-workloads']) {
      expect(s.stacks[name].terraform.backend).toEqual({ s3: { bucket: 'acme-terraform-state', region: 'eu-west-1', key: `cdktf-mlops/${name}.tfstate`, encrypt: true, use_lockfile: true } });
    }
    const p = s.stacks['mlops-prod-platform'];
    const diff = JSON.parse(resource(p, 'aws_iam_role_policy', 'ci_diff_role_policy').policy).Statement;
    const deploy = JSON.parse(resource(p, 'aws_iam_role_policy', 'ci_deploy_role_policy').policy).Statement;
    expect(diff.find((st: any) => st.Sid === 'StateRead').Resource).toBe('arn:${data.aws_partition.partition.partition}:s3:::acme-terraform-state/cdktf-mlops/*');
    expect(deploy.find((st: any) => st.Sid === 'StateWrite').Resource).toBe('arn:${data.aws_partition.partition.partition}:s3:::acme-terraform-state/cdktf-mlops/*');
  });

  test('the CI roles reach the cluster: deploy as cluster-admin, diff as viewer', () => {
    const p = s.stacks['mlops-prod-platform'];
    expect(resource(p, 'aws_eks_access_policy_association', 'cluster_ci_deploy_cluster_admin')).toMatchObject({ principal_arn: '${aws_iam_role.ci_deploy_role_role.arn}', access_scope: { type: 'cluster' } });
    expect(resource(p, 'aws_eks_access_policy_association', 'cluster_ci_diff_viewer_view')).toMatchObject({ principal_arn: '${aws_iam_role.ci_diff_role_role.arn}', access_scope: { type: 'cluster' } });
    expect(resource(p, 'aws_eks_access_entry', 'cluster_ci_diff_viewer_access_entry').kubernetes_groups).toEqual(['cdktf-mlops:viewer']);
  });

  test('the CI diff role can refresh every AWS resource and data source type the app synthesizes', () => {
    const refresh = JSON.parse(resource(s.stacks['mlops-prod-platform'], 'aws_iam_role_policy', 'ci_diff_refresh_policy').policy);
    const granted = new Set(refresh.Statement.flatMap((st: any) => [].concat(st.Action)));
    const missing: string[] = [];
    for (const stack of Object.values(s.stacks)) {
      const types = [...Object.keys(stack.resource ?? {}), ...Object.keys(stack.data ?? {}).map((t) => `data.${t}`)].filter((t) => /^(data\.)?aws_/.test(t));
      for (const t of types) {
        if (!(t in REFRESH_ACTIONS)) missing.push(`${t}: unknown`);
        for (const a of REFRESH_ACTIONS[t] ?? []) if (!granted.has(a)) missing.push(`${t}: ${a}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('kubernetes_manifest addresses are <kind>_<namespace>_<name>', () => {
    const addresses = Object.keys(resources(s.stacks['mlops-prod-workloads'], 'kubernetes_manifest'));
    expect(addresses).toContain('namespace_mlops-system');
    expect(addresses).toContain('networkpolicy_mlops-system_default-deny-all');
    for (const a of addresses) expect(a).toMatch(/^[a-z0-9]+(_[a-z0-9.-]+){1,2}$/);
  });

  test('the same objects are written as YAML for GitOps and review', () => {
    expect(s.yamlFiles).toContain('manifests/mlops-prod-workloads/mlops-system.k8s.yaml');
    const yaml = fs.readFileSync(path.join(s.outdir, 'manifests/mlops-prod-workloads/mlops-system.k8s.yaml'), 'utf8');
    expect(yaml.startsWith('apiVersion: v1\nkind: Namespace\n')).toBe(true);
    expect(yaml).toContain('pod-security.kubernetes.io/enforce: restricted');
    expect(yaml).not.toContain('TfToken');
  });

  test('the YAML files hold exactly the applied objects, read back as a YAML 1.1 parser (kubectl) reads them', () => {
    const applied = allObjects(s); // the manifests as Terraform applies them (escapes read back)
    const written = s.yamlFiles.flatMap((f) => Yaml.load(path.join(s.outdir, f)));
    const key = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(written.length).toBe(applied.length);
    const byKey = new Map(applied.map((o) => [key(o), o]));
    for (const o of written) expect(o).toEqual(byKey.get(key(o)));
  });

  test('every release analysis can see the new pods: its model is scraped with the pod-template-hash label', () => {
    const templates = allObjects(s).filter((o) => o.kind === 'AnalysisTemplate');
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) {
      const model = t.metadata.name.replace(/-release-health$/, '');
      const sm = allObjects(s).find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === model && o.metadata.namespace === t.metadata.namespace);
      expect(sm?.spec.podTargetLabels).toEqual(['rollouts-pod-template-hash']);
      for (const m of t.spec.metrics) expect(m.provider.prometheus.query).toContain('rollouts_pod_template_hash="{{args.new-hash}}"');
    }
  });

  test('every namespace enforces the restricted Pod Security Standard and denies traffic by default', () => {
    const namespaces = allObjects(s).filter((o) => o.kind === 'Namespace');
    expect(namespaces.length).toBeGreaterThan(0);
    for (const ns of namespaces) {
      expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
      expect(allObjects(s).some((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns.metadata.name && o.metadata.name === 'default-deny-all')).toBe(true);
    }
  });

  test('prod defaults: 3 zones, NAT per zone, deletion protection, private endpoint, required tags', () => {
    const p = s.stacks['mlops-prod-platform'];
    expect(Object.keys(resources(p, 'aws_nat_gateway'))).toHaveLength(3);
    const eks = resource(p, 'aws_eks_cluster', 'cluster_cluster');
    expect(eks.deletion_protection).toBe(true);
    expect(eks.vpc_config.endpoint_public_access).toBe(false);
    expect(p.provider.aws[0].default_tags[0].tags).toMatchObject({ owner: 'ml-platform@acme.example', 'cost-center': 'cc-4711', environment: 'prod', 'data-classification': 'confidential' });
  });

  test('no secret value appears anywhere in the output', () => {
    const text = allText(s);
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
    expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    expect(text).not.toMatch(/"(password|master_password|secret_string|token)"\s*:\s*"[^"$]/i);
  });
});
