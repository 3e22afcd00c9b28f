import * as fs from 'fs';
import * as path from 'path';
import { build as buildBare } from '../../bench/apps/bare';
import { build as buildLarge } from '../../bench/apps/large';
import { allObjects, danglingReferences, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';

// The bench measures these apps; they must be real platforms that pass the library's own checks.
describe('the large bench platform (100 models, 20 feature views, 10 GPU pools)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      buildLarge(app);
    });
  });

  test('synthesizes what it claims', () => {
    const platform = s.stacks['mlops-prod-platform'];
    const workloads = s.stacks['mlops-prod-workloads'];
    expect(Object.keys(resources(platform, 'aws_dynamodb_table'))).toHaveLength(20);
    expect(Object.keys(resources(platform, 'aws_eks_node_group')).filter((n) => /gpu_\d/.test(n)).length).toBeGreaterThanOrEqual(10);
    const deployments = allObjects(s).filter((o) => ['Deployment', 'Rollout'].includes(o.kind) && o.metadata.namespace === 'serving');
    expect(deployments.filter((o) => /^model-\d+$/.test(o.metadata.name))).toHaveLength(100);
    expect(Object.keys(resources(workloads, 'kubernetes_manifest')).length).toBeGreaterThan(1000);
  });

  test('has no policy finding, no dangling reference and only schema-valid Kubernetes objects', () => {
    const report = JSON.parse(fs.readFileSync(path.join(s.outdir, 'policy-report-mlops-prod.json'), 'utf8'));
    expect(report.findings.filter((f: any) => !f.suppressed)).toEqual([]);
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });
});

describe('the bare bench app', () => {
  test('is one bucket', () => {
    const s = synthesize((app) => {
      buildBare(app);
    });
    expect(Object.keys(s.stacks.bare.resource)).toEqual(['aws_s3_bucket']);
  });
});
