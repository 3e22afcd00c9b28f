import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { clusterScopedCount, unorderedClusterResources } from '../compute/cluster-ordering';
import { REFRESH_ACTIONS } from '../../lib/pipelines/refresh-actions';
import { allObjects, allText, danglingReferences, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';

describe('the reference platform (examples/enterprise-platform)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => createReferencePlatform(app));
  });

  test('synthesizes three ordered stacks: platform, then add-ons, then workloads', () => {
    expect(Object.keys(s.stacks).sort()).toEqual(['mlops-prod-addons', 'mlops-prod-platform', 'mlops-prod-workloads']);
    const manifest = JSON.parse(fs.readFileSync(path.join(s.outdir, 'manifest.json'), 'utf8')).stacks;
    expect(manifest['mlops-prod-platform'].dependencies).toEqual([]);
    expect(manifest['mlops-prod-addons'].dependencies).toEqual(['mlops-prod/mlops-prod-platform']);
    expect(manifest['mlops-prod-workloads'].dependencies).toEqual(expect.arrayContaining(['mlops-prod/mlops-prod-addons']));
  });

  test('the platform stack can be applied from anywhere: AWS provider and resources only', () => {
    const p = s.stacks['mlops-prod-platform'];
    expect(Object.keys(p.provider)).toEqual(['aws']);
    expect(Object.keys(p.resource).filter((t) => /^(helm|kubernetes)_/.test(t))).toEqual([]);
  });

  test('every chart is a helm_release of the add-ons stack, whose helm provider reaches the cluster through the platform outputs', () => {
    const a = s.stacks['mlops-prod-addons'];
    expect(Object.keys(a.resource)).toEqual(['helm_release']);
    expect(Object.keys(a.resource.helm_release).sort()).toEqual(['argo_rollouts', 'cluster_autoscaler', 'dcgm_exporter', 'external_secrets', 'keda', 'kube_prometheus_stack',
      'load_balancer_controller', 'metrics_server', 'nvidia_device_plugin', 'prometheus_adapter']);
    const helm = a.provider.helm[0].kubernetes;
    expect(helm.host).toMatch(/^\$\{data\.terraform_remote_state\.[^.]+\.outputs\.[a-z0-9_]+\}$/);
    expect(helm.exec).toMatchObject({ command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'acme-mlops-prod', '--region', 'eu-west-1', '--output', 'json'] });
  });

  test('the runners that apply the add-ons and workloads stacks are admitted to the private endpoint on tcp/443', () => {
    const p = s.stacks['mlops-prod-platform'];
    expect(resource(p, 'aws_eks_cluster', 'cluster_cluster').vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    expect(resource(p, 'aws_vpc_security_group_ingress_rule', 'cluster_api_from_10_0_0_0_18')).toMatchObject({
      security_group_id: '${aws_eks_cluster.cluster_cluster.vpc_config[0].cluster_security_group_id}', cidr_ipv4: '10.0.0.0/18', ip_protocol: 'tcp', from_port: 443, to_port: 443,
    });
  });

  test('every Terraform reference in every stack resolves', () => {
    expect(danglingReferences(s)).toEqual([]);
  });

  test('on a first apply every cluster-scoped resource (associations, access entries, add-ons, node groups) waits for the cluster', () => {
    const p = s.stacks['mlops-prod-platform'];
    expect(clusterScopedCount(p)).toBeGreaterThan(20);
    expect(unorderedClusterResources(p)).toEqual([]);
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
    // The manifests as Terraform applies them (escapes read back), with the platform stack's values
    // as the GitOps YAML holds them (listed in mlops-prod-workloads.platform-values.yaml).
    const values = Yaml.load(path.join(s.outdir, 'manifests/mlops-prod-workloads.platform-values.yaml'))[0];
    const byOutput = new Map([...values.deployTime, ...values.resolved].map((v: any) => [v.output, v.value ?? v.placeholder]));
    const applied = allObjects(s).map((o) => JSON.parse(JSON.stringify(o).replace(/\$\{data\.terraform_remote_state\.[^.]+\.outputs\.([a-z0-9_]+)\}/g, (_, out) => byOutput.get(out))));
    const written = s.yamlFiles.filter((f) => f.endsWith('.k8s.yaml')).flatMap((f) => Yaml.load(path.join(s.outdir, f)));
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
