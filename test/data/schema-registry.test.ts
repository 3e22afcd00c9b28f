import { App } from 'cdktf';
import { SchemaRegistry } from '../../lib/data/schema-registry';
import { WorkloadIdentity } from '../../lib/security/workload-identity';
import { arr, danglingReferences, policy, resource, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';

const avro = { type: 'record', name: 'Click', fields: [{ name: 'user_id', type: 'string' }, { name: 'ts', type: 'long' }] };

describe('SchemaRegistry', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      const reg = new SchemaRegistry(stack, 'schemas', {
        schemas: [
          { name: 'clicks', dataFormat: 'AVRO', definition: avro },
          { name: 'orders', dataFormat: 'JSON', compatibility: 'FULL_ALL', definition: '{"type":"object","properties":{"id":{"type":"string"}}}' },
        ],
      });
      reg.grantRead(new WorkloadIdentity(stack, 'consumer', { cluster: { clusterName: 'c' }, namespace: 'a', serviceAccountName: 'consumer' }));
      reg.grantRegister(new WorkloadIdentity(stack, 'producer', { cluster: { clusterName: 'c' }, namespace: 'a', serviceAccountName: 'producer' }));
    });
  });

  test('a registry with Avro and JSON schemas and their compatibility modes', () => {
    const t = s.stacks.platform;
    expect(resource(t, 'aws_glue_registry', 'schemas_registry').registry_name).toBe('acme-dev-schemas');
    expect(resource(t, 'aws_glue_schema', 'schemas_clicks')).toMatchObject({
      schema_name: 'clicks', data_format: 'AVRO', compatibility: 'BACKWARD', registry_arn: '${aws_glue_registry.schemas_registry.arn}', schema_definition: JSON.stringify(avro),
    });
    expect(resource(t, 'aws_glue_schema', 'schemas_orders')).toMatchObject({ data_format: 'JSON', compatibility: 'FULL_ALL' });
    expect(danglingReferences(s)).toEqual([]);
  });

  test('a reader may read schemas but not register versions; a producer may register', () => {
    const read = policy(resource(s.stacks.platform, 'aws_iam_role_policy', 'consumer_role_policy').policy).Statement.flatMap((x: any) => arr(x.Action));
    expect(read).toContain('glue:GetSchemaVersion');
    expect(read).not.toContain('glue:RegisterSchemaVersion');
    const prod = policy(resource(s.stacks.platform, 'aws_iam_role_policy', 'producer_role_policy').policy).Statement;
    expect(prod.flatMap((x: any) => arr(x.Action))).toContain('glue:RegisterSchemaVersion');
    for (const x of prod) expect(arr(x.Resource)).not.toContain('*');
  });
});

describe('SchemaRegistry invalid input', () => {
  const stack = () => testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
  test('an unknown compatibility mode', () => {
    expect(() => new SchemaRegistry(stack(), 'schemas', { schemas: [{ name: 'clicks', dataFormat: 'AVRO', definition: avro, compatibility: 'LENIENT' as any }] }))
      .toThrow(/^\[platform\/schemas\] schema "clicks" has unknown compatibility mode "LENIENT"\. Fix: use one of NONE, DISABLED, BACKWARD, BACKWARD_ALL, FORWARD, FORWARD_ALL, FULL, FULL_ALL\.$/);
  });
  test('bad definitions, duplicate and badly named schemas', () => {
    expect(() => new SchemaRegistry(stack(), 's', { schemas: [{ name: 'c', dataFormat: 'AVRO', definition: '{not json' }] })).toThrow(/^\[platform\/s\] schema "c" has a definition that is not valid JSON/);
    expect(() => new SchemaRegistry(stack(), 's', { schemas: [{ name: 'c', dataFormat: 'AVRO', definition: { name: 'x' } }] })).toThrow(/Avro schema "c" has no "type"/);
    expect(() => new SchemaRegistry(stack(), 's', { schemas: [{ name: 'c', dataFormat: 'AVRO', definition: { type: 'record' } }] })).toThrow(/needs a "name" and a "fields" array/);
    expect(() => new SchemaRegistry(stack(), 's', { schemas: [{ name: 'c', dataFormat: 'AVRO', definition: avro }, { name: 'c', dataFormat: 'AVRO', definition: avro }] })).toThrow(/schema "c" is declared twice/);
    expect(() => new SchemaRegistry(stack(), 's', { schemas: [{ name: 'bad name', dataFormat: 'JSON', definition: {} }] })).toThrow(/^\[platform\/s\] Glue schema registry or schema name "bad name" is not allowed/);
  });
});
