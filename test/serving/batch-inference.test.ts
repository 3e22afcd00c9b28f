import { App } from 'cdktf';
import { BatchInference, BatchInferenceProps } from '../../lib/serving/batch-inference';
import { zoneLocation } from '../../lib/serving/serving-cluster';
import { allObjects, danglingReferences, object, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { arr, P, servingPlatform, stmts } from './fixtures';


const platform = (app: App) => servingPlatform(app);

describe('BatchInference', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, cluster, lake, store } = platform(app);
      new BatchInference(stack, 'churn_nightly', {
        cluster, namespace: 'serving', name: 'churn-nightly', image: 'acme/churn-batch:1.4.2', schedule: '0 2 * * *',
        artifacts: zoneLocation(lake.zone('curated'), 'models/churn/'),
        predictions: zoneLocation(lake.zone('curated'), 'predictions/churn/'),
        features: { store, views: [store.featureView('customer_profile', 1)] },
        cpu: '4', memory: '16Gi',
      });
    });
  });

  test('references resolve and every object passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('a CronJob with the validated schedule, concurrencyPolicy Forbid, deadlines and history limits', () => {
    const cj = object(s, 'CronJob', 'churn-nightly', 'serving');
    expect(Object.keys(s.stacks.workloads.resource.kubernetes_manifest)).toEqual(expect.arrayContaining(['cronjob_serving_churn-nightly', 'serviceaccount_serving_churn-nightly']));
    expect(cj.spec).toMatchObject({ schedule: '0 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    expect(cj.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 3, activeDeadlineSeconds: 14400 });
  });

  test('a CPU job runs on the on-demand system nodes (no spot CPU pool exists), with limits and the restricted security context, no token', () => {
    const pod = object(s, 'CronJob', 'churn-nightly', 'serving').spec.jobTemplate.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'eks.amazonaws.com/capacityType': 'ON_DEMAND' });
    expect(pod.tolerations).toBeUndefined();
    const c = pod.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '4', memory: '16Gi' }, limits: { cpu: '4', memory: '16Gi' } });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('churn-nightly');
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'PREDICTIONS_URI', value: expect.stringMatching(/\/predictions\/churn\/$/) }]));
  });

  test('the identity reads the offline feature view and the model, writes only the predictions prefix', () => {
    const st = stmts(s, 'churn_nightly_identity');
    const puts = st.filter((x: any) => arr(x.Action).includes('s3:PutObject')).flatMap((x: any) => arr(x.Resource));
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatch(/\/predictions\/churn\/\*$/);
    const gets = st.filter((x: any) => arr(x.Action).includes('s3:GetObject')).flatMap((x: any) => arr(x.Resource));
    expect(gets.some((r: string) => r.endsWith('/models/churn/*'))).toBe(true);
    expect(gets.some((r: string) => r.includes('predictions'))).toBe(false);
    const actions = st.flatMap((x: any) => arr(x.Action));
    expect(actions).not.toContain('s3:DeleteObject');
    expect(actions.some((a: string) => a.startsWith('dynamodb:'))).toBe(false);
    const lf = Object.values(resources(s.stacks[P], 'aws_lakeformation_permissions')).filter((r: any) => JSON.stringify(r).includes('churn_nightly_identity'));
    expect(lf.length).toBeGreaterThan(0);
    expect(JSON.stringify(lf)).toMatch(/customer_profile/);
    expect(JSON.stringify(lf)).not.toMatch(/txn_stats/);
  });

  test('as a plain pod it can read the view it scores with: its Parquet files in S3 (KMS through S3) and its Glue table, nothing else', () => {
    const st = stmts(s, 'churn_nightly_identity');
    const gets = st.filter((x: any) => arr(x.Action).includes('s3:GetObject')).flatMap((x: any) => arr(x.Resource));
    expect(gets).toEqual(expect.arrayContaining([expect.stringMatching(/features_bucket_bucket\.arn\}\/.*offline\/customer_profile_v1\/\*$/)]));
    expect(gets.some((r: string) => r.includes('txn_stats'))).toBe(false);
    const decrypt = st.filter((x: any) => arr(x.Action).includes('kms:Decrypt') && JSON.stringify(x.Condition ?? {}).includes('s3.'));
    expect(JSON.stringify(decrypt)).toMatch(/keys_lake_key/);
    expect(st.some((x: any) => arr(x.Action).includes('glue:GetTable'))).toBe(true);
  });
});

describe('BatchInference: invalid input', () => {
  let stack: any;
  let base: BatchInferenceProps;
  beforeAll(() => {
    const app = new App({ outdir: require('os').tmpdir() });
    const p = platform(app);
    stack = p.stack;
    base = {
      cluster: p.cluster, namespace: 'serving', name: 'b', image: 'acme/b:1.0.0', schedule: '@daily',
      artifacts: zoneLocation(p.lake.zone('curated'), 'models/b/'), predictions: zoneLocation(p.lake.zone('curated'), 'predictions/b/'),
    };
  });
  const bad = (id: string, over: Partial<BatchInferenceProps>) => () => new BatchInference(stack, id, { ...base, name: id.replace(/_/g, '-'), ...over });

  test('an invalid schedule', () => {
    expect(bad('s1', { schedule: '0 25 * * *' })).toThrow(/^\[platform\/s1\] schedule "0 25 \* \* \*" hour field "25" is outside 0-23\. Fix: use a five-field cron expression/);
    expect(bad('s2', { schedule: '* * *' })).toThrow(/^\[platform\/s2\] schedule "\* \* \*" has 3 fields/);
  });
  test('an unpinned image, a wildcard predictions prefix, a bad deadline, a GPU without a pool', () => {
    expect(bad('i1', { image: 'acme/b:latest' })).toThrow(/^\[platform\/i1\] image "acme\/b:latest" uses the mutable tag "latest"\./);
    expect(bad('p1', { predictions: { ...base.predictions, prefix: '' } })).toThrow(/^\[platform\/p1\] predictions\.prefix "" must be a literal, non-empty key prefix\./);
    expect(bad('tz1', { timeZone: 'Europe/Berln' })).toThrow('[platform/tz1] timeZone "Europe/Berln" is not an IANA time zone name; did you mean "Europe/Berlin"? Fix: use a name from the IANA time zone database such as "Europe/Berlin", "Etc/UTC" or "Europe/Paris" (abbreviations such as PST are ambiguous).');
    expect(bad('tz2', { timeZone: 'PST' })).toThrow('[platform/tz2] timeZone "PST" is not an IANA time zone name. Fix: use a name from the IANA time zone database such as "Etc/UTC" or "Europe/Paris" (abbreviations such as PST are ambiguous).');
    expect(bad('d1', { activeDeadlineSeconds: 5 })).toThrow(/^\[platform\/d1\] activeDeadlineSeconds 5 must be a whole number of at least 60\./);
    expect(bad('g1', { gpu: {} })).toThrow(/^\[platform\/g1\] serving\/g1 asks for 1 GPU\(s\) but cluster platform\/cluster has no GPU pool\./);
  });
  test('spot for a CPU job: the only spot nodes are tainted GPU nodes', () => {
    expect(bad('sp1', { spot: true })).toThrow(new RegExp('^\\[platform/sp1\\] spot is true for a CPU job, but the only spot capacity of the cluster is its GPU pools, tainted for GPU pods: the job could never be scheduled\\. Fix: drop spot \\(CPU jobs run on the on-demand system nodes\\), or ask for gpu\\.$'));
  });
});
