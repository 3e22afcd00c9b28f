import { createEnvironments, ENVIRONMENTS } from '../../examples/multi-environment/environments';
import { Profiles } from '../../lib/core/profiles';
import { danglingReferences, synthesize, Synthesized, TfJson } from '../support/synth';

/** Flattens a JSON document to path -> leaf value, with the environment's name replaced by ENV. */
function flatten(doc: TfJson, env: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const norm = (s: string) => s.split(`mlops-${env}`).join('mlops-ENV').split(`mlops_${env}`).join('mlops_ENV').split(ENVIRONMENTS[env as 'dev'].stateBucket).join('STATE_BUCKET')
    .split(ENVIRONMENTS[env as 'dev'].adminRoleArn).join('ADMIN_ROLE');
  const visit = (v: unknown, path: string) => {
    if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) out.set(path, v.map((x) => (typeof x === 'string' ? norm(x) : x)));
    else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { if (k !== '//') visit(x, `${path}.${norm(k)}`); }
    else if (typeof v === 'string' && v.startsWith('{') && v.includes('"Statement"')) visit(JSON.parse(v), `${path}<json>`);
    else out.set(path, typeof v === 'string' ? norm(v) : v);
  };
  visit(doc, '');
  return out;
}

/** Every leaf value a profile field takes, per environment: what a difference may be explained by. */
function profileValues(env: 'dev' | 'prod'): unknown[] {
  const values: unknown[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) { values.push(JSON.stringify(v), v.length); v.forEach(visit); } else if (v && typeof v === 'object') Object.values(v).forEach(visit); else values.push(v);
  };
  visit(Profiles[env]);
  return values;
}

describe('multi-environment: one app, dev, staging and prod', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => createEnvironments(app));
  });

  test('synthesizes three stacks per environment with every reference resolved', () => {
    expect(Object.keys(s.stacks).sort()).toEqual([
      'mlops-dev-addons', 'mlops-dev-platform', 'mlops-dev-workloads', 'mlops-prod-addons', 'mlops-prod-platform', 'mlops-prod-workloads',
      'mlops-staging-addons', 'mlops-staging-platform', 'mlops-staging-workloads',
    ]);
    expect(danglingReferences(s)).toEqual([]);
  });

  test('each stack has its own state in its environment bucket, with lockfile locking', () => {
    for (const [name, stack] of Object.entries(s.stacks)) {
      const env = name.split('-')[1] as 'dev';
      expect(stack.terraform.backend.s3).toEqual({
        bucket: ENVIRONMENTS[env].stateBucket, region: 'eu-west-1', key: `acme-mlops/${name}.tfstate`, encrypt: true, use_lockfile: true,
      });
    }
  });

  test('the add-ons and workloads stacks read their own environment platform outputs through remote state in S3', () => {
    for (const stack of ['mlops-prod-addons', 'mlops-prod-workloads']) {
      const remote = s.stacks[stack].data.terraform_remote_state;
      const [only] = Object.values<any>(remote);
      expect(Object.keys(remote)).toHaveLength(1);
      expect(only).toMatchObject({ backend: 's3', config: { bucket: 'acme-terraform-state-prod', key: 'acme-mlops/mlops-prod-platform.tfstate' } });
    }
  });

  test('prod differs from dev exactly where the profiles (and the per-environment inputs) say', () => {
    const dev = flatten(s.stacks['mlops-dev-platform'], 'dev');
    const prod = flatten(s.stacks['mlops-prod-platform'], 'prod');
    const devValues = profileValues('dev');
    const prodValues = profileValues('prod');
    const explained = (path: string, d: unknown, p: unknown): boolean => {
      if (path.includes('.environment') && d === 'dev' && p === 'prod') return true; // the environment tag
      if (path.endsWith('data-classification') && d === 'internal' && p === 'confidential') return true; // an input per environment
      if (path.includes('.backend.') || path.includes('terraform_remote_state')) return false; // compared separately above
      if (d === undefined || p === undefined) {
        // Present in one environment only: the third zone's resources, NAT per zone, prevent_destroy.
        if (/_2\b|_2\./.test(path) && Profiles.prod.availabilityZoneCount === 3 && Profiles.dev.availabilityZoneCount === 2) return true;
        if (/nat_(gateway|eip)_1\b/.test(path) && Profiles.prod.natGatewayPerAz && !Profiles.dev.natGatewayPerAz) return true;
        if (path.endsWith('lifecycle.prevent_destroy') && p === Profiles.prod.preventDestroy) return true;
        return false;
      }
      if (Array.isArray(d) && Array.isArray(p) && devValues.includes(JSON.stringify(d)) && prodValues.includes(JSON.stringify(p))) return true;
      if (Array.isArray(d) && Array.isArray(p)) {
        // Lists of per-zone things: equal once the third zone's entries are taken out.
        const withoutThirdZone = (l: unknown[]) => JSON.stringify(l.filter((x) => !/_2\./.test(String(x))));
        return withoutThirdZone(d) === withoutThirdZone(p) && Profiles.prod.availabilityZoneCount === 3;
      }
      if (/nat_gateway_id$/.test(path) && String(p).replace(/_\d\./, '_N.') === String(d).replace(/_\d\./, '_N.')) return true; // own zone's NAT
      return devValues.includes(d) && prodValues.includes(p);
    };
    const unexplained: string[] = [];
    for (const path of new Set([...dev.keys(), ...prod.keys()])) {
      const d = dev.get(path);
      const p = prod.get(path);
      if (JSON.stringify(d) !== JSON.stringify(p) && !explained(path, d, p)) unexplained.push(`${path}: dev ${JSON.stringify(d)} / prod ${JSON.stringify(p)}`);
    }
    expect(unexplained).toEqual([]);
    // And the differences the profiles promise are there.
    expect(prod.get('.resource.aws_eks_cluster.cluster_cluster.deletion_protection')).toBe(true);
    expect(dev.get('.resource.aws_eks_cluster.cluster_cluster.deletion_protection')).toBe(false);
    expect(prod.has('.resource.aws_nat_gateway.network_nat_gateway_2.subnet_id')).toBe(true);
    expect(dev.has('.resource.aws_nat_gateway.network_nat_gateway_1.subnet_id')).toBe(false);
  });
});
