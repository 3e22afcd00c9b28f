import { App } from 'cdktf';
import { DataLake } from '../../lib/data/data-lake';
import { ModelService } from '../../lib/serving/model-service';
import { zoneLocation } from '../../lib/serving/serving-cluster';
import { allObjects, danglingReferences, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testCluster } from '../support/fixtures';

const N = 100;
const modelName = (i: number) => `model-${String(i).padStart(3, '0')}`;

function build(count: number): (app: App) => void {
  return (app) => {
    const { stack, cluster } = testCluster(app);
    const lake = new DataLake(stack, 'lake');
    const zone = lake.zone('curated');
    for (let i = 0; i < count; i++) {
      const name = modelName(i);
      new ModelService(stack, name.replace(/-/g, '_'), {
        cluster, namespace: i % 2 === 0 ? 'serving' : 'serving-b', name, modelVersion: '1', image: `acme/${name}:1.0.0`,
        artifacts: zoneLocation(zone, `models/${name}/`),
      });
    }
  };
}

const addresses = (s: Synthesized) => Object.entries(s.stacks).flatMap(([stack, json]) =>
  Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName as object).map((n) => `${stack}:${type}.${n}`)));
const resourceAt = (s: Synthesized, address: string) => {
  const [stack, rest] = address.split(':');
  const [type, name] = rest.split(/\.(.+)/);
  return s.stacks[stack].resource[type][name];
};

describe(`${N} ModelServices in one platform`, () => {
  let a: Synthesized;
  let b: Synthesized;
  let ms: number;
  beforeAll(() => {
    const t0 = Date.now();
    a = synthesize(build(N));
    ms = Date.now() - t0;
    b = synthesize(build(N + 1));
  });

  test(`synthesize fast, without a name clash, valid and with resolving references`, () => {
    expect(ms).toBeLessThan(10000);
    expect(danglingReferences(a)).toEqual([]);
    const objs = allObjects(a).filter((o) => o.metadata.name.startsWith('model-'));
    expect(new Set(objs.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).size).toBe(objs.length);
    expect(objs.filter((o) => o.kind === 'Deployment')).toHaveLength(N);
    expect(schemaViolations(objs.filter((o) => ['model-000', 'model-001', 'model-099'].includes(o.metadata.labels?.['app.kubernetes.io/name'] ?? '')))).toEqual([]);
  });

  test('adding one model only adds addresses, and the objects and resources of the first N are unchanged', () => {
    const before = addresses(a);
    const after = new Set(addresses(b));
    expect(before.filter((x) => !after.has(x))).toEqual([]);
    const added = [...after].filter((x) => !before.includes(x)).sort();
    expect(added.every((x) => /model-100|model_100/.test(x))).toBe(true);
    expect(added.length).toBeGreaterThan(0);
    const changed = before.filter((x) => /model[-_]\d{3}/.test(x) && JSON.stringify(resourceAt(a, x)) !== JSON.stringify(resourceAt(b, x)));
    expect(changed).toEqual([]);
    const shared = before.filter((x) => !/model[-_]\d{3}/.test(x) && JSON.stringify(resourceAt(a, x)) !== JSON.stringify(resourceAt(b, x)));
    expect(shared).toEqual([]);
  });
});
