import { danglingReferences, schemaViolations, Synthesized } from './synth';

const synth = (stacks: Record<string, any>): Synthesized => ({ outdir: '/nonexistent', stacks, objects: {}, yamlFiles: [] });

describe('danglingReferences (the reference checker can fail)', () => {
  test('finds a reference to a resource the stack does not declare', () => {
    const s = synth({ a: { resource: { aws_s3_bucket: { b: { bucket: 'x' } }, aws_s3_bucket_policy: { p: { bucket: '${aws_s3_bucket.missing.id}' } } } } });
    expect(danglingReferences(s)).toEqual(['a: aws_s3_bucket.missing (at resource.aws_s3_bucket_policy.p.bucket)']);
  });

  test('resolves data sources, depends_on, nested functions and cross-stack outputs', () => {
    const s = synth({
      a: { resource: { aws_vpc: { v: {} } }, output: { vpc_id: { value: '${aws_vpc.v.id}' } } },
      b: {
        data: { terraform_remote_state: { a: { backend: 'local' } }, aws_partition: { p: {} } },
        resource: { aws_subnet: { s: {
          vpc_id: '${data.terraform_remote_state.a.outputs.vpc_id}',
          arn: 'arn:${data.aws_partition.p.partition}:x',
          joined: '${join(",", [data.aws_partition.p.dns_suffix, "aws_fake.name"])}',
          depends_on: ['data.aws_partition.p'],
        } } },
      },
    });
    expect(danglingReferences(s)).toEqual([]);
  });

  test('finds a missing cross-stack output and an unresolved token', () => {
    const s = synth({ b: { data: { terraform_remote_state: { a: {} } }, resource: { x_y: { z: { v: '${data.terraform_remote_state.a.outputs.nope}', w: '${TfToken[TOKEN.1]}' } } } } });
    expect(danglingReferences(s)).toEqual(expect.arrayContaining([
      'b: data.terraform_remote_state.a.outputs.nope (at resource.x_y.z.v)',
      'b: unresolved token in resource.x_y.z.w',
    ]));
  });
});

describe('danglingReferences also finds literal text Terraform would interpolate', () => {
  test('flags ${HOME}, ${1}, ${f.name} and %{...}; accepts expressions and the escapes $${ and %%{', () => {
    const s = synth({ a: { resource: { aws_vpc: { v: {} }, x_y: { z: {
      shell: 'echo ${HOME}',
      adapter: '${1}_per_second',
      js: 'name: ${f.name}',
      directive: '%{ if x }y%{ endif }',
      ok: '${aws_vpc.v.id} ${upper("a")} $${HOME} %%{x} $$$${still_escaped}',
    } } } } });
    expect(danglingReferences(s)).toEqual([
      'a: "${HOME}" is not an expression Terraform can evaluate; escape it ($${, %%{) (at resource.x_y.z.shell)',
      'a: "${1}_per_second" is not an expression Terraform can evaluate; escape it ($${, %%{) (at resource.x_y.z.adapter)',
      'a: "${f.name}" is not an expression Terraform can evaluate; escape it ($${, %%{) (at resource.x_y.z.js)',
      'a: "%{ if x }y%{ endif }" is not an expression Terraform can evaluate; escape it ($${, %%{) (at resource.x_y.z.directive)',
      'a: "%{ endif }" is not an expression Terraform can evaluate; escape it ($${, %%{) (at resource.x_y.z.directive)',
    ]);
  });
});

describe('schemaViolations (the schema validator can fail)', () => {
  test('accepts a valid object and rejects an invalid one and an unknown kind', () => {
    const ok = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } };
    const badDeployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'a' }, spec: { selector: {}, template: { spec: { containers: [{ name: 'c', image: 3 }] } } } };
    const unknown = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const v = schemaViolations([ok, badDeployment, unknown] as any);
    expect(v).toHaveLength(2);
    expect(v[0]).toMatch(/^apps\/v1\/Deployment a\/d: .*image must be string/);
    expect(v[1]).toMatch(/^example\.com\/v1\/Widget \/w: no upstream schema for example\.com\/v1 Widget/);
  });

  test('validates CRDs from the CRD packages (Karpenter NodePool)', () => {
    const np = { apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'gpu' }, spec: { template: { spec: { requirements: [], nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu' } } }, limits: { cpu: '1000', 'nvidia.com/gpu': '16' } } };
    expect(schemaViolations([np] as any)).toEqual([]);
    const broken = { ...np, spec: { template: { spec: { requirements: 'none' } } } };
    expect(schemaViolations([broken] as any)[0]).toMatch(/karpenter\.sh\/v1\/NodePool \/gpu: /);
  });
});
