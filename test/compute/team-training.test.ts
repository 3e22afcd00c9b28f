import { k8s } from 'cdk8s-plus-28';
import { App } from 'cdktf';
import { MlopsStack } from '../../lib/core/mlops-stack';
import { KeyRing } from '../../lib/security/key-ring';
import { SecureBucket } from '../../lib/security/secure-bucket';
import { GpuNodePool } from '../../lib/compute/gpu-node-pool';
import { MlCluster } from '../../lib/compute/ml-cluster';
import { Team } from '../../lib/compute/team';
import { TrainingJob } from '../../lib/compute/training-job';
import { TrainingSchedule } from '../../lib/compute/training-schedule';
import { allObjects, danglingReferences, object, policy, resource, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testCluster } from '../support/fixtures';

const ROLE = 'arn:aws:iam::111122223333:role/team-fraud';

function lake(stack: MlopsStack): SecureBucket {
  const logs = new SecureBucket(stack, 'logs', { bucketName: 'acme-dev-logs', isAccessLogTarget: true });
  return new SecureBucket(stack, 'lake', { bucketName: 'acme-dev-lake', encryptionKey: KeyRing.of(stack).key('lake'), accessLogs: logs });
}

function base(app: App) {
  const { stack, cluster } = testCluster(app);
  // 4-GPU nodes: the training job below asks for 2 GPUs in one pod.
  const pool = new GpuNodePool(cluster, 'gpu_training', { cluster, poolName: 'training', maxSize: 4, instanceTypes: ['g6.12xlarge', 'g5.12xlarge'] });
  const team = new Team(stack, 'team_fraud', { cluster, name: 'fraud', accessRoleArn: ROLE, quota: { gpus: 8 } });
  return { stack, cluster, pool, team, bucket: lake(stack) };
}

describe('Team, TrainingJob, TrainingSchedule', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, team, bucket } = base(app);
      new TrainingJob(stack, 'fraud_train', { team, name: 'fraud-train', image: 'acme/train:1.0', command: ['python', 'train.py'], gpus: 2, checkpoints: { bucket, prefix: 'checkpoints/fraud' } });
      new TrainingSchedule(stack, 'fraud_nightly', { team, name: 'fraud-nightly', image: 'acme/train:1.0', schedule: '0 2 * * *', checkpoints: { bucket, prefix: 'checkpoints/fraud/' } });
    });
    p = s.stacks.platform;
  });

  test('references resolve and every object passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('the team namespace enforces the restricted Pod Security Standard', () => {
    const ns = object(s, 'Namespace', 'fraud');
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted', 'mlops.cdktf.io/team': 'fraud' });
  });

  test('default-deny network policy plus DNS and in-namespace allows', () => {
    expect(object(s, 'NetworkPolicy', 'default-deny-all', 'fraud').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(object(s, 'NetworkPolicy', 'allow-dns', 'fraud').spec.egress[0].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    expect(object(s, 'NetworkPolicy', 'allow-same-namespace', 'fraud').spec.ingress).toEqual([{ from: [{ podSelector: {} }] }]);
  });

  test('ResourceQuota caps GPUs, CPU, memory and pods; LimitRange gives defaults', () => {
    expect(object(s, 'ResourceQuota', 'team-quota', 'fraud').spec.hard).toEqual({
      'requests.cpu': '64', 'requests.memory': '256Gi', 'limits.memory': '256Gi', 'requests.nvidia.com/gpu': 8, pods: 100,
    });
    expect(object(s, 'LimitRange', 'team-limits', 'fraud').spec.limits[0]).toMatchObject({ type: 'Container', defaultRequest: { cpu: '250m', memory: '256Mi' } });
  });

  test('the team IAM role maps to a namespaced Role through an access entry with a Kubernetes group', () => {
    expect(resource(p, 'aws_eks_access_entry', 'team_fraud_access_entry')).toMatchObject({ principal_arn: ROLE, type: 'STANDARD', kubernetes_groups: ['team:fraud'] });
    const rb = object(s, 'RoleBinding', 'team-member', 'fraud');
    expect(rb.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team:fraud' }]);
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'team-member' });
    const role = object(s, 'Role', 'team-member', 'fraud');
    expect(role.rules.flatMap((r: any) => r.resources)).not.toContain('secrets');
    expect(allObjects(s).filter((o) => o.kind === 'ClusterRoleBinding')).toEqual([]);
  });

  test('the team identity is bound to its service account, which mounts no token', () => {
    expect(resource(p, 'aws_eks_pod_identity_association', 'team_fraud_identity_association')).toMatchObject({ namespace: 'fraud', service_account: 'fraud-workloads' });
    expect(object(s, 'ServiceAccount', 'fraud-workloads', 'fraud').automountServiceAccountToken).toBe(false);
  });

  test('the training job requests GPUs, tolerates the GPU taint and selects the pool', () => {
    const job = object(s, 'Job', 'fraud-train', 'fraud');
    const pod = job.spec.template.spec;
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': 2 }, limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': 2 } });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'mlops.cdktf.io/pool': 'training' });
  });

  test('the job runs as the team, restricted, with backoff limit, TTL and deadline', () => {
    const job = object(s, 'Job', 'fraud-train', 'fraud');
    expect(job.spec).toMatchObject({ backoffLimit: 2, ttlSecondsAfterFinished: 86400, activeDeadlineSeconds: 86400 });
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'fraud-workloads', automountServiceAccountToken: false, restartPolicy: 'Never' });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.containers[0].env).toEqual([{ name: 'CHECKPOINT_URI', value: expect.stringMatching(/^s3:\/\/\$\{data\.terraform_remote_state\.[^}]+aws_s3_bucket_lake_bucket_bucket\}\/checkpoints\/fraud\/fraud-train\/$/) }]);
  });

  test('checkpoints: the team identity may write and read its jobs\' prefixes only, and not delete', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'team_fraud_identity_role_policy').policy);
    const objects = doc.Statement.filter((st: any) => [].concat(st.Action).some((a: string) => a.startsWith('s3:') && a !== 's3:ListBucket'));
    const resourcesOf = objects.flatMap((st: any) => [].concat(st.Resource));
    expect(new Set(resourcesOf)).toEqual(new Set(['${aws_s3_bucket.lake_bucket.arn}/checkpoints/fraud/fraud-train/*', '${aws_s3_bucket.lake_bucket.arn}/checkpoints/fraud/fraud-nightly/*']));
    const actions = doc.Statement.flatMap((st: any) => [].concat(st.Action));
    expect(actions).toContain('s3:PutObject');
    expect(actions).toContain('s3:GetObject');
    expect(actions).not.toContain('s3:DeleteObject');
  });

  test('the schedule is a CronJob without concurrent runs and the same GPU placement', () => {
    const cj = object(s, 'CronJob', 'fraud-nightly', 'fraud');
    expect(cj.spec).toMatchObject({ schedule: '0 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(cj.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, ttlSecondsAfterFinished: 86400 });
  });

  test('addresses are readable and stable', () => {
    const ids = Object.keys(s.stacks.workloads.resource.kubernetes_manifest);
    expect(ids).toEqual(expect.arrayContaining(['job_fraud_fraud-train', 'cronjob_fraud_fraud-nightly', 'resourcequota_fraud_team-quota', 'namespace_fraud']));
  });
});

describe('CPU-only training', () => {
  test('gpus: 0 requests no GPU, tolerates nothing, selects no pool, and passes the placement check', () => {
    const s = synthesize((app) => {
      const { stack, team, bucket } = base(app);
      new TrainingJob(stack, 'prep', { team, name: 'prep', image: 'acme/prep:1.0', gpus: 0, cpu: '2', memory: '4Gi', checkpoints: { bucket, prefix: 'ckpt/' } });
    });
    const pod = object(s, 'Job', 'prep', 'fraud').spec.template.spec;
    expect(pod.containers[0].resources.limits).toEqual({ cpu: '2', memory: '4Gi' });
    expect(pod.tolerations).toBeUndefined();
    expect(pod.nodeSelector).toBeUndefined();
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });
});

describe('GPU placement check (synth)', () => {
  test('a workload whose tolerations match no GPU pool fails the synth with a clear error', () => {
    expect(() => synthesize((app) => {
      const { stack, team, bucket } = base(app);
      new TrainingJob(stack, 'bad', { team, name: 'bad', image: 'acme/train:1.0', checkpoints: { bucket, prefix: 'ckpt/' }, tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] });
    })).toThrow(/\[platform\/bad\] GPU workload fraud\/bad \(nodeSelector \{"mlops\.cdktf\.io\/pool":"training"\}, tolerations \[\{"key":"gpu","operator":"Exists","effect":"NoSchedule"\}\]\) fits no GPU pool of the cluster; pools: training \(labels .*taints nvidia\.com\/gpu=true:NoSchedule\)\. Fix: use the pool's tolerations and nodeSelector/);
  });

  test('a selector for a pool that does not exist fails too', () => {
    expect(() => synthesize((app) => {
      const { stack, team, bucket } = base(app);
      new TrainingJob(stack, 'bad', { team, name: 'bad', image: 'acme/train:1.0', checkpoints: { bucket, prefix: 'ckpt/' }, nodeSelector: { 'mlops.cdktf.io/pool': 'inference' } });
    })).toThrow(/GPU workload fraud\/bad .* fits no GPU pool of the cluster/);
  });
});

describe('GPU placement check (cluster-wide, any workload)', () => {
  const deployment = (cluster: MlCluster, owner: any, spec: Record<string, unknown>) =>
    new k8s.KubeDeployment(cluster.workloads.scopeFor(owner), 'serve', {
      metadata: { name: 'serve', namespace: 'fraud' },
      spec: {
        selector: { matchLabels: { app: 'serve' } },
        template: {
          metadata: { labels: { app: 'serve' } },
          spec: { ...spec, containers: [{ name: 'serve', image: 'acme/serve:1.0', resources: { limits: { 'nvidia.com/gpu': k8s.Quantity.fromNumber(1) } } }] },
        },
      },
    });

  test('a GPU Deployment without the pool toleration fails the synth, naming the object and the pools', () => {
    expect(() => synthesize((app) => {
      const { stack, cluster } = base(app);
      deployment(cluster, stack, { nodeSelector: { 'mlops.cdktf.io/pool': 'training' } });
    })).toThrow(/\[platform\/cluster\] Deployment fraud\/serve requests nvidia\.com\/gpu but its pods \(nodeSelector \{"mlops\.cdktf\.io\/pool":"training"\}, tolerations \[\]\) fit no GPU pool of the cluster; pools: training \(labels .*taints nvidia\.com\/gpu=true:NoSchedule\)\. Fix: give the pods a GPU pool's tolerations and nodeSelector/);
  });

  test('a GPU Deployment with the pool toleration and selector passes; training jobs are not reported twice', () => {
    let failure: Error | undefined;
    try {
      synthesize((app) => {
        const { stack, cluster, pool, team, bucket } = base(app);
        deployment(cluster, stack, { nodeSelector: pool.nodeSelector, tolerations: pool.tolerations });
        new TrainingJob(stack, 'bad', { team, name: 'bad', image: 'acme/train:1.0', checkpoints: { bucket, prefix: 'ckpt/' }, tolerations: [] });
      });
    } catch (e) {
      failure = e as Error;
    }
    expect(failure?.message).toMatch(/\[platform\/bad\] GPU workload fraud\/bad/);
    expect(failure?.message).not.toMatch(/\[platform\/cluster\]/);
  });

  test('a GPU workload on a cluster without GPU pools fails', () => {
    expect(() => synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      deployment(cluster, stack, {});
    })).toThrow(/\[platform\/cluster\] Deployment fraud\/serve requests nvidia\.com\/gpu .* fit no GPU pool of the cluster; pools: none\./);
  });
});

describe('Team and training errors', () => {
  const newApp = () => new App({ outdir: '/tmp/cdktf-mlops-unused' });

  test('a GPU job on a cluster without GPU pools', () => {
    const { stack, cluster } = testCluster(newApp());
    const team = new Team(stack, 'team', { cluster, name: 'fraud', accessRoleArn: ROLE });
    const bucket = lake(stack);
    expect(() => new TrainingJob(stack, 'job', { team, name: 'train', image: 'x:1', checkpoints: { bucket, prefix: 'c/' } }))
      .toThrow(/^\[platform\/job\] the job requests 1 GPU\(s\) but cluster platform\/cluster has no GPU pool\. Fix: add a GpuNodePool/);
  });
  test('more GPUs than the team quota', () => {
    const { stack, team, bucket } = base(newApp());
    expect(() => new TrainingJob(stack, 'job', { team, name: 'train', image: 'x:1', gpus: 9, checkpoints: { bucket, prefix: 'c/' } }))
      .toThrow(/^\[platform\/job\] the job requests 9 GPUs but team fraud has a quota of 8\. Fix: request fewer GPUs or raise the team's quota\.gpus\.$/);
  });
  test('a wildcard or empty checkpoint prefix', () => {
    const { stack, team, bucket } = base(newApp());
    expect(() => new TrainingJob(stack, 'job', { team, name: 'train', image: 'x:1', checkpoints: { bucket, prefix: 'c/*' } }))
      .toThrow(/^\[platform\/job\] checkpoints\.prefix "c\/\*" must be a literal, non-empty key prefix\. Fix: use e\.g\. "checkpoints\/<team>\/"\.$/);
    expect(() => new TrainingJob(stack, 'job2', { team, name: 'train', image: 'x:1', checkpoints: { bucket, prefix: '' } }))
      .toThrow(/^\[platform\/job2\] checkpoints\.prefix "" must be a literal/);
  });
  test('a bad schedule and a bad job name', () => {
    const { stack, team, bucket } = base(newApp());
    expect(() => new TrainingSchedule(stack, 'sched', { team, name: 'nightly', image: 'x:1', schedule: '0 25 * * *', checkpoints: { bucket, prefix: 'c/' } }))
      .toThrow(/^\[platform\/sched\] .*hour field "25" is outside 0-23/);
    expect(() => new TrainingJob(stack, 'job', { team, name: 'Train_1', image: 'x:1', checkpoints: { bucket, prefix: 'c/' } }))
      .toThrow(/^\[platform\/job\] Kubernetes object name \(DNS-1123 label\) name "Train_1" is not allowed/);
  });
  test('a bad team name and quota', () => {
    const { stack, cluster } = testCluster(newApp());
    expect(() => new Team(stack, 'team', { cluster, name: 'Fraud', accessRoleArn: ROLE }))
      .toThrow(/^\[platform\/team\] Kubernetes namespace name "Fraud" is not allowed/);
    expect(() => new Team(stack, 'team2', { cluster, name: 'fraud', accessRoleArn: ROLE, quota: { gpus: -1 } }))
      .toThrow(/^\[platform\/team2\] quota\.gpus -1 is not a whole number >= 0\. Fix: use e\.g\. 4 \(0 forbids GPUs\)\.$/);
  });
  test('gpus must be a whole number', () => {
    const { stack, team, bucket } = base(newApp());
    expect(() => new TrainingJob(stack, 'job', { team, name: 'train', image: 'x:1', gpus: 1.5, checkpoints: { bucket, prefix: 'c/' } }))
      .toThrow(/^\[platform\/job\] gpus 1\.5 is not a whole number >= 0\. Fix: use e\.g\. 1\.$/);
  });
});

// MlCluster is imported for its type in helpers.
export type { MlCluster };
