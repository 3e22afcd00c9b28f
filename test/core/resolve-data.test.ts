import { App, Aspects, Fn, Lazy, TerraformStack, Token } from 'cdktf';
import { ObjectManifest } from '../../lib';
import { resolve } from 'cdktf/lib/_tokens';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Yaml } from 'cdk8s';
import { resolveData } from '../../lib/core/resolve-data';
import { unescapeTemplateSequences } from '../../lib/core/terraform-literals';
import { tokenStackTracesEnabled } from '../../lib/core/token-stack-traces';
import { testCluster, testStack } from '../support/fixtures';
import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { allObjects, danglingReferences, object, resource, schemaViolations, synthesize } from '../support/synth';

describe('resolveData gives exactly what cdktf resolve gives', () => {
  const app = new App();
  const stack = new TerraformStack(app, 'stack');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const bucket = new S3Bucket(stack, 'bucket', { bucket: 'b' });
  const data = {
    plain: { a: 'text', n: 3, t: true, nil: null, list: ['x', 1, { deep: 'y' }], version: '1e3', sha: 'sha256:9e5e' },
    stringToken: bucket.arn,
    embedded: `arn is ${bucket.arn} and id ${bucket.id}`,
    numberToken: Token.asNumber(bucket.bucketRegionalDomainName),
    numberInString: `${Token.asNumber(bucket.id)}`,
    listToken: bucket.corsRule as unknown,
    stringList: Token.asList(bucket.arn),
    lazy: Lazy.anyValue({ produce: () => ({ produced: bucket.id }) }),
    fn: Fn.join(',', ['a', bucket.id]),
    tokenKey: { [bucket.id]: 'value' },
    dropped: { keep: 'k', gone: undefined },
    arrayWithUndefined: ['a', undefined, 'b'],
    escaped: 'shell ${HOME} and $${literal}',
  };

  test('for every kind of token and plain value', () => {
    expect(resolveData(stack, data)).toStrictEqual(resolve(stack, data));
  });

  test('leaves cdktf\'s errors to cdktf: a construct in the data, cyclic data', () => {
    expect(() => resolveData(stack, { bad: bucket })).toThrow(/cannot be resolved|Construct/i);
    const cyclic: any = { a: 1 };
    cyclic.self = cyclic;
    expect(() => resolveData(stack, cyclic)).toThrow(/circular reference/i);
    // Map-token placeholders used as plain values: cdktf refuses them, and so does resolveData.
    for (const bad of [Token.STRING_MAP_TOKEN_VALUE, Token.ANY_MAP_TOKEN_VALUE, Token.NUMBER_MAP_TOKEN_VALUE]) {
      expect(() => resolve(stack, { bad })).toThrow();
      expect(() => resolveData(stack, { bad })).toThrow();
    }
  });

  test('returns the very objects that hold no token, and new ones where a token was resolved', () => {
    const out = resolveData(stack, data);
    expect(out.plain).toBe(data.plain);
    expect(out).not.toBe(data);
    expect(out.stringToken).toBe('${aws_s3_bucket.bucket.arn}');
  });
});

describe('the library\'s stacks render exactly what cdktf renders', () => {
  let app!: App;
  synthesize((a) => {
    app = a;
    createReferencePlatform(a);
  });

  test('for every stack of the reference platform (kubernetes_manifest objects aside, tested below)', () => {
    const stacks = app.node.findAll().filter(TerraformStack.isStack);
    expect(stacks.map((st) => st.node.id).sort()).toEqual(['mlops-prod-addons', 'mlops-prod-platform', 'mlops-prod-workloads']);
    for (const stack of stacks) {
      const ours = JSON.parse(JSON.stringify(stack.toTerraform()));
      for (const r of Object.values<any>(ours.resource.kubernetes_manifest ?? {})) {
        expect(r.manifest.kind).toEqual(expect.any(String));
        delete r.manifest;
      }
      expect(ours).toEqual(JSON.parse(JSON.stringify(TerraformStack.prototype.toTerraform.call(stack))));
    }
  });
});

describe('a stack with overrides of its own renders as cdktf renders it', () => {
  test('tokens in stack.addOverride values are resolved', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mlops-ov-')) });
    const stack = testStack(app);
    const bucket = new S3Bucket(stack, 'bucket', { bucket: 'acme-dev-x' });
    stack.addOverride('locals.bucket_arn', bucket.arn);
    app.synth();
    const ours = stack.toTerraform();
    expect(ours.locals).toEqual({ bucket_arn: '${aws_s3_bucket.bucket.arn}' });
    expect(JSON.parse(JSON.stringify(ours))).toEqual(JSON.parse(JSON.stringify(TerraformStack.prototype.toTerraform.call(stack))));
  });
});

describe('kubernetes_manifest rendering', () => {
  const s = synthesize((app) => {
    const { cluster, workloads } = testCluster(app);
    const scope = workloads.scopeFor(cluster);
    new ApiObject(scope, 'cm', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'team-a' },
      data: { clusterArn: cluster.cluster.arn, literal: 'on', script: `echo \${HOME} %{x} $\${y} for ${cluster.cluster.name}` },
    });
    new ApiObject(scope, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  });

  test('the manifest holds the object with cross-stack references resolved through remote state', () => {
    const cm = object(s, 'ConfigMap', 'settings', 'team-a');
    expect(cm.data.clusterArn).toMatch(/^\$\{data\.terraform_remote_state\.[^}]+\.outputs\.[^}]+\}$/);
    expect(cm.data.literal).toBe('on');
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('literal ${ and %{ are escaped for Terraform, token expressions are not; the YAML holds the text as written', () => {
    const raw = resource(s.stacks.workloads, 'kubernetes_manifest', 'configmap_team-a_settings').manifest.data.script;
    expect(raw).toMatch(/^echo \$\$\{HOME\} %%\{x\} \$\$\$\{y\} for \$\{data\.terraform_remote_state\.[^}]+\}$/);
    const yaml = Yaml.load(path.join(s.outdir, 'manifests/workloads/team-a.k8s.yaml')).find((o) => o.kind === 'ConfigMap');
    // The YAML (for GitOps) holds the cluster name itself: the platform stack sets it to a literal.
    expect(yaml.data.script).toBe('echo ${HOME} %{x} $${y} for acme-dev');
    expect(object(s, 'ConfigMap', 'settings', 'team-a').data.script).toMatch(/^echo \$\{HOME\} %\{x\} \$\$\{y\} for \$\{data\.terraform_remote_state\.[^}]+\}$/);
  });

  test('the other attributes are rendered by cdktf: field manager, depends_on on the namespace', () => {
    const r = resource(s.stacks.workloads, 'kubernetes_manifest', 'configmap_team-a_settings');
    expect(r.field_manager).toEqual({ force_conflicts: false, name: 'cdktf-mlops' });
    expect(r.depends_on).toEqual(['kubernetes_manifest.namespace_team-a']);
  });
});

describe('addOverride on an object\'s manifest, from an Aspect (manifests exist once the stack is prepared)', () => {
  const s = synthesize((app) => {
    const { cluster, workloads } = testCluster(app);
    new ApiObject(workloads.scopeFor(cluster), 'cm', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'kube-system', labels: { a: '1', gone: 'x' } },
      data: { k: 'v', list: 'l' },
    });
    Aspects.of(workloads).add({
      visit: (c) => {
        if (!(c instanceof ObjectManifest) || c.friendlyUniqueId !== 'configmap_kube-system_settings') return;
        c.addOverride('manifest.metadata.labels.b', '2');
        c.addOverride('manifest.metadata.labels.gone', undefined);
        c.addOverride('manifest.data.upper', Fn.upper('x'));
        c.addOverride('field_manager.force_conflicts', true);
      },
    });
  });

  test('sets and deletes fields of the object, resolving tokens in the values', () => {
    const cm = object(s, 'ConfigMap', 'settings', 'kube-system');
    expect(cm.metadata.labels).toEqual({ a: '1', b: '2' });
    expect(cm.data).toEqual({ k: 'v', list: 'l', upper: '${upper("x")}' });
    expect(danglingReferences(s)).toEqual([]);
  });

  test('other overrides go to cdktf as for any resource', () => {
    expect(resource(s.stacks.workloads, 'kubernetes_manifest', 'configmap_kube-system_settings').field_manager).toEqual({ name: 'cdktf-mlops', force_conflicts: true });
  });

  test('the manifest setter refuses, naming the construct and the fix', () => {
    const app = new App();
    const { cluster, workloads } = testCluster(app);
    new ApiObject(workloads.scopeFor(cluster), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'kube-system' } });
    workloads.prepareStack();
    const m = workloads.node.findAll().find((c): c is ObjectManifest => c instanceof ObjectManifest && c.friendlyUniqueId === 'configmap_kube-system_settings')!;
    expect(() => { m.manifest = {}; }).toThrow(/^\[workloads\/manifests\/configmap_kube-system_settings\] its manifest is the cdk8s object it was created from and cannot be replaced\. Fix: change the object in its cdk8s scope, or use addOverride\('manifest\.<path>', value\) for one field\.$/);
  });

  test('the YAML holds the object as applied, override included', () => {
    const written = Yaml.load(path.join(s.outdir, 'manifests/workloads/kube-system.k8s.yaml')).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'settings');
    expect(written).toEqual(object(s, 'ConfigMap', 'settings', 'kube-system'));
  });
});

describe('token creation stacks', () => {
  test('are recorded only with CDK_DEBUG=true or 1, as in aws-cdk', () => {
    const saved = process.env.CDK_DEBUG;
    try {
      delete process.env.CDK_DEBUG;
      expect(tokenStackTracesEnabled()).toBe(false);
      expect((Lazy.anyValue({ produce: () => 1 }) as any).creationStack).toEqual(['stack traces disabled (set CDK_DEBUG=true to record them)']);
      process.env.CDK_DEBUG = 'true';
      expect(tokenStackTracesEnabled()).toBe(true);
      expect((Lazy.anyValue({ produce: () => 1 }) as any).creationStack.join('\n')).toContain('resolve-data.test.ts');
    } finally {
      if (saved === undefined) delete process.env.CDK_DEBUG; else process.env.CDK_DEBUG = saved;
    }
  });
});

describe('cdktf synth --hcl (SYNTH_HCL_OUTPUT=true)', () => {
  let outdir = '';
  beforeAll(() => {
    const saved = process.env.SYNTH_HCL_OUTPUT;
    process.env.SYNTH_HCL_OUTPUT = 'true';
    try {
      outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mlops-hcl-'));
      const app = new App({ outdir });
      const { cluster, workloads } = testCluster(app);
      new ApiObject(workloads.scopeFor(cluster), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'kube-system' }, data: { k: 'v', script: 'echo ${HOME}' } });
      Aspects.of(workloads).add({ visit: (c) => { if (c instanceof ObjectManifest) c.addOverride('manifest.data.added', 'yes'); } });
      app.synth();
    } finally {
      if (saved === undefined) delete process.env.SYNTH_HCL_OUTPUT; else process.env.SYNTH_HCL_OUTPUT = saved;
    }
  });

  test('renders each object\'s manifest in HCL and still writes the YAML', () => {
    const hcl = fs.readFileSync(path.join(outdir, 'stacks/workloads/cdk.tf'), 'utf8');
    expect(hcl).toMatch(/resource "kubernetes_manifest" "configmap_kube-system_settings" \{\nmanifest = \{\napiVersion = "v1"\nkind = "ConfigMap"/);
    // The object as in the JSON rendering: literal text escaped for Terraform, overrides merged.
    expect(hcl).toContain('script = "echo $${HOME}"');
    expect(hcl).toContain('added = "yes"');
    const yaml = Yaml.load(path.join(outdir, 'manifests/workloads/kube-system.k8s.yaml'));
    expect(yaml.find((o) => o.kind === 'ConfigMap')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'kube-system' }, data: { k: 'v', script: 'echo ${HOME}', added: 'yes' } });
  });
});

describe('Kubernetes object text with tokens inside literal ${...}', () => {
  const s = synthesize((app) => {
    const { cluster, workloads } = testCluster(app);
    new ApiObject(workloads.scopeFor(cluster), 'cm', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'text', namespace: 'kube-system' },
      data: {
        defaulted: `\${CLUSTER:-${cluster.cluster.name}}`,
        dollar: `price $${Fn.upper('x')}`,
      },
    });
  });

  test('each token becomes its expression, the literal ${ around it is escaped', () => {
    const data = resource(s.stacks.workloads, 'kubernetes_manifest', 'configmap_kube-system_text').manifest.data;
    expect(data.defaulted).toMatch(/^\$\$\{CLUSTER:-\$\{data\.terraform_remote_state\.[^}]+\}\}$/);
    // A literal $ right before an interpolation would make it an escape ($${): written ${"$"}.
    expect(data.dollar).toBe('price ${"$"}${upper("x")}');
    expect(danglingReferences(s)).toEqual([]);
  });

  test('the YAML shows the text as Kubernetes receives it', () => {
    const yaml = Yaml.load(path.join(s.outdir, 'manifests/workloads/kube-system.k8s.yaml')).find((o) => o.metadata.name === 'text');
    expect(yaml.data.defaulted).toBe('${CLUSTER:-acme-dev}');
    expect(yaml.data.dollar).toBe('price $${upper("x")}');
  });
});

describe('overrides on a manifest: from the stack, and as cdktf merges them', () => {
  let outdir = '';
  const s = synthesize((app) => {
    outdir = app.outdir;
    const { cluster, workloads } = testCluster(app);
    new ApiObject(workloads.scopeFor(cluster), 'd', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ov', namespace: 'kube-system', labels: { a: '1' } }, data: { k: 'v', other: 'o' },
    });
    workloads.addOverride('resource.kubernetes_manifest.configmap_kube-system_ov.manifest.data.k', 'v2');
    Aspects.of(workloads).add({
      visit: (c) => {
        if (c instanceof ObjectManifest && c.friendlyUniqueId === 'configmap_kube-system_ov') c.addOverride('manifest.metadata.labels', { b: '2' });
      },
    });
  });

  test('a stack-level override under manifest is merged into the object, in the JSON and the YAML', () => {
    const cm = object(s, 'ConfigMap', 'ov', 'kube-system');
    expect(cm).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ov', namespace: 'kube-system', labels: { a: '1', b: '2' } }, data: { k: 'v2', other: 'o' } });
    const yaml = Yaml.load(path.join(outdir, 'manifests/workloads/kube-system.k8s.yaml')).find((o) => o.metadata.name === 'ov');
    expect(yaml).toEqual(cm);
  });

  test('ObjectManifest.addOverride merges as on any cdktf resource: objects merge, arrays append, undefined deletes', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mlops-parity-')) });
    const stack = new TerraformStack(app, 'stock');
    new KubernetesProvider(stack, 'kubernetes', {});
    const object = () => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns', labels: { a: '1' } }, spec: { template: { spec: { tolerations: [{ key: 'old', operator: 'Exists' }], containers: [{ name: 'c', image: 'i' }] } } } });
    const { cluster, workloads } = testCluster(app);
    new ApiObject(workloads.scopeFor(cluster), 'd', object());
    const overrides: Array<[string, unknown]> = [
      ['manifest.metadata.labels', { b: '2' }],
      ['manifest.spec.template.spec.tolerations', [{ key: 'new', operator: 'Exists' }]],
      ['manifest.metadata.labels.a', undefined],
      ['manifest.spec.template.spec.containers.name', undefined],
    ];
    const stock = new Manifest(stack, 'stock', { manifest: object() });
    for (const [p, v] of overrides) stock.addOverride(p, v);
    Aspects.of(workloads).add({ visit: (c) => { if (c instanceof ObjectManifest) for (const [p, v] of overrides) c.addOverride(p, v); } });
    app.synth();
    const read = (st: string, type: string, id: string) => JSON.parse(fs.readFileSync(path.join(app.outdir, 'stacks', st, 'cdk.tf.json'), 'utf8')).resource[type][id];
    expect(read('workloads', 'kubernetes_manifest', 'deployment_ns_d').manifest).toEqual(read('stock', 'kubernetes_manifest', 'stock').manifest);
  });
});

describe('the workloads stack rendered before the synth', () => {
  test('keeps nothing: the synth still registers cross-stack references and sees objects added later', () => {
    const s = synthesize((app) => {
      const { cluster, workloads } = testCluster(app);
      const scope = workloads.scopeFor(cluster);
      new ApiObject(scope, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'early', namespace: 'kube-system' }, data: { cluster: cluster.cluster.name } });
      workloads.toTerraform();
      new ApiObject(scope, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later', namespace: 'kube-system' } });
    });
    expect(object(s, 'ConfigMap', 'early', 'kube-system').data.cluster).toMatch(/^\$\{data\.terraform_remote_state\./);
    expect(object(s, 'ConfigMap', 'later', 'kube-system')).toBeDefined();
    expect(danglingReferences(s)).toEqual([]);
  });
});

describe('unescapeTemplateSequences (reading a synthesized object as Kubernetes receives it)', () => {
  test('turns $${ into ${ and %%{ into %{, in strings and keys, and keeps untouched subtrees', () => {
    const untouched = { a: ['x'] };
    const data = { script: 'echo $${HOME} %%{x} $$${y} ${data.x.y}', ['$${k}']: 'v', untouched };
    const out = unescapeTemplateSequences(data);
    expect(out).toEqual({ script: 'echo ${HOME} %{x} $${y} ${data.x.y}', ['${k}']: 'v', untouched });
    expect(out.untouched).toBe(untouched);
    expect(unescapeTemplateSequences(untouched)).toBe(untouched);
  });
});
