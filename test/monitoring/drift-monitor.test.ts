import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { DataLake } from '../../lib/data/data-lake';
import { DriftMonitor, DriftMonitorProps } from '../../lib/monitoring/drift-monitor';
import { modelOfOutdir } from '../../lib/governance/policy/model';
import { allObjects, danglingReferences, object, policy, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testCluster } from '../support/fixtures';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:alerts';

function build(app: App, overrides: Partial<DriftMonitorProps> = {}) {
  const { stack, cluster } = testCluster(app);
  const lake = new DataLake(stack, 'lake');
  return new DriftMonitor(stack, 'churn_drift', {
    cluster,
    namespace: 'team-risk',
    model: 'churn',
    baseline: { zone: lake.zone('features'), prefix: 'churn/baseline' },
    recent: { zone: lake.zone('raw'), prefix: 'predictions/churn/' },
    recentDays: 2,
    features: [
      { name: 'tenure_months', type: 'numeric', psiThreshold: 0.2, ksThreshold: 0.1 },
      { name: 'plan', type: 'categorical', psiThreshold: 0.2 },
    ],
    conceptDrift: {
      task: 'classification',
      predictions: { zone: lake.zone('raw'), prefix: 'predictions/churn/' },
      groundTruth: { zone: lake.zone('curated'), prefix: 'labels/churn/' },
      baseline: 0.91,
      maxDegradation: 0.05,
    },
    alarmTopicArn: TOPIC,
    ...overrides,
  });
}

describe('DriftMonitor', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => build(app));
  });

  test('references resolve and every Kubernetes object passes the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('a CronJob that never overlaps, retries a little and cleans up, under the restricted standard', () => {
    const cj = object(s, 'CronJob', 'drift-churn', 'team-risk');
    expect(cj.spec).toMatchObject({ schedule: '0 * * * *', concurrencyPolicy: 'Forbid', jobTemplate: { spec: { backoffLimit: 2, ttlSecondsAfterFinished: 86400 } } });
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(c.resources.limits).toBeDefined();
      expect(c.image).toMatch(/:[0-9][^:]*$/);
    }
  });

  test('the job runs the drift computation shipped in this package, configured from the declared thresholds', () => {
    const cm = object(s, 'ConfigMap', 'drift-churn', 'team-risk');
    // Byte for byte the shipped script: its template literals (${...}) are escaped for Terraform in the JSON.
    expect(cm.data['drift-job.js']).toBe(fs.readFileSync(path.join(__dirname, '../../lib/monitoring/drift/drift-job.js'), 'utf8'));
    expect(JSON.stringify(resources(s.stacks.workloads, 'kubernetes_manifest'))).toContain('$${');
    // The policy pack and the reviewer read it as Kubernetes receives it.
    const reviewed = modelOfOutdir(s.outdir).objects.find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'drift-churn')!;
    expect(reviewed.object.data['drift-job.js']).toBe(cm.data['drift-job.js']);
    const config = JSON.parse(cm.data['config.json']);
    expect(config.features).toEqual([
      { name: 'tenure_months', type: 'numeric', psiThreshold: 0.2, ksThreshold: 0.1 },
      { name: 'plan', type: 'categorical', psiThreshold: 0.2 },
    ]);
    expect(config.quality).toMatchObject({ task: 'classification', baseline: 0.91, maxDegradation: 0.05, predictions: '/data/predictions' });
    expect(config.emfEndpoint).toBe('tcp://cloudwatch-agent.amazon-cloudwatch.svc.cluster.local:25888');
    const pod = object(s, 'CronJob', 'drift-churn').spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].command).toEqual(['node', '/opt/drift/drift-job.js', '/opt/drift/config.json']);
    // The bucket name reaches the workloads stack through the platform stack's outputs.
    expect(pod.initContainers[0].command[2]).toMatch(/aws s3 sync "s3:\/\/\$\{data\.terraform_remote_state\.[^}]+lake_features_bucket_bucket_bucket\}\/churn\/baseline\/" \/data\/baseline/);
    expect(pod.initContainers[0].command[2]).toContain('seq 0 1');
  });

  test('concept drift fetches only the last 7 day partitions of predictions (bounded scratch), not the whole history', () => {
    const script: string = object(s, 'CronJob', 'drift-churn').spec.jobTemplate.spec.template.spec.initContainers[0].command[2];
    expect(script).toMatch(/for d in \$\(seq 0 6\); do .*aws s3 sync "s3:\/\/[^"]+\/predictions\/churn\/dt=\$day\/" "\/data\/predictions\/dt=\$day"/);
    expect(script).not.toMatch(/predictions\/churn\/" \/data\/predictions/);
  });

  test('the job identity can read exactly its three lake prefixes and nothing else', () => {
    const p = policy(resource(s.stacks.platform, 'aws_iam_role_policy', 'churn_drift_identity_role_policy').policy);
    const actions = p.Statement.flatMap((st: any) => [].concat(st.Action));
    expect(actions.filter((a: string) => a.startsWith('s3:')).sort()).toEqual(
      ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket'].sort());
    expect(actions).not.toContain('s3:PutObject');
    const objectResources = p.Statement.filter((st: any) => st.Action.includes?.('s3:GetObject')).map((st: any) => st.Resource);
    expect(objectResources).toEqual([
      '${aws_s3_bucket.lake_features_bucket_bucket.arn}/churn/baseline/*',
      '${aws_s3_bucket.lake_raw_bucket_bucket.arn}/predictions/churn/*',
      '${aws_s3_bucket.lake_raw_bucket_bucket.arn}/predictions/churn/*',
      '${aws_s3_bucket.lake_curated_bucket_bucket.arn}/labels/churn/*',
    ]);
    expect(resource(s.stacks.platform, 'aws_eks_pod_identity_association', 'churn_drift_identity_association')).toMatchObject({ namespace: 'team-risk', service_account: 'drift-churn' });
  });

  test('alarms on data drift and concept drift, each with actions', () => {
    const alarms = resources(s.stacks.platform, 'aws_cloudwatch_metric_alarm');
    expect(alarms.churn_drift_data_drift_alarm).toMatchObject({
      namespace: 'CdktfMlops/Drift', metric_name: 'DriftedFeatures', dimensions: { Model: 'churn' }, comparison_operator: 'GreaterThanThreshold', threshold: 0,
      alarm_actions: [TOPIC], ok_actions: [TOPIC],
    });
    expect(alarms.churn_drift_concept_drift_alarm).toMatchObject({ metric_name: 'QualityDegradation', threshold: 0.05, alarm_actions: [TOPIC] });
    for (const a of Object.values<any>(alarms)) expect(a.alarm_actions.length).toBeGreaterThan(0);
  });

  test('the job may reach the CloudWatch agent despite the namespace default-deny', () => {
    const np = object(s, 'NetworkPolicy', 'drift-churn-to-cloudwatch-agent', 'team-risk');
    expect(np.spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: 25888 }]);
  });
});

describe('DriftMonitor input errors', () => {
  const app = () => new App({ outdir: '/tmp/cdktf-mlops-bad' });
  test('a PSI threshold <= 0', () => expect(() => build(app(), { features: [{ name: 'x', type: 'numeric', psiThreshold: 0 }] }))
    .toThrow(/^\[platform\/churn_drift\] feature "x" has psiThreshold 0; it must be greater than 0\. Fix: use e\.g\. 0\.2/));
  test('a KS threshold out of range', () => expect(() => build(app(), { features: [{ name: 'x', type: 'numeric', psiThreshold: 0.2, ksThreshold: 1.5 }] }))
    .toThrow(/feature "x" has ksThreshold 1\.5; it must be in \(0, 1\]/));
  test('KS on a categorical feature', () => expect(() => build(app(), { features: [{ name: 'x', type: 'categorical', psiThreshold: 0.2, ksThreshold: 0.1 }] }))
    .toThrow(/feature "x" is categorical; the Kolmogorov-Smirnov test needs a numeric feature/));
  test('a schedule that is not a cron expression', () => expect(() => build(app(), { schedule: 'rate(1 hour)' }))
    .toThrow(/^\[platform\/churn_drift\] schedule "rate\(1 hour\)" has 2 fields; a CronJob schedule has 5/));
  test('a feature listed twice', () => expect(() => build(app(), { features: [{ name: 'x', type: 'numeric', psiThreshold: 0.2 }, { name: 'x', type: 'numeric', psiThreshold: 0.3 }] }))
    .toThrow(/feature "x" is listed twice/));
  test('a concept drift tolerance <= 0', () => expect(() => build(app(), {
    conceptDrift: { task: 'regression', predictions: undefined as any, groundTruth: undefined as any, baseline: 1, maxDegradation: -1 },
  })).toThrow(/conceptDrift\.maxDegradation -1 must be greater than 0/));
  test('a concept drift window outside 1-31 days', () => expect(() => build(app(), {
    conceptDrift: { task: 'regression', predictions: undefined as any, groundTruth: undefined as any, baseline: 1, maxDegradation: 0.1, windowDays: 0 },
  })).toThrow(/^\[platform\/churn_drift\] conceptDrift\.windowDays 0 is outside 1-31\. Fix: join 1 to 31 days of predictions with the ground truth, e\.g\. 7\.$/));
});
