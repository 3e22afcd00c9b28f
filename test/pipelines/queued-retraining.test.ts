import { App } from 'cdktf';
import { Team } from '../../lib/compute/team';
import { GpuNodePool } from '../../lib/compute/gpu-node-pool';
import { DataLake } from '../../lib/data/data-lake';
import { Keda } from '../../lib/serving/keda';
import { QueuedRetraining, QueuedRetrainingProps } from '../../lib/pipelines/queued-retraining';
import { allObjects, danglingReferences, object, policy, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testCluster } from '../support/fixtures';

const DRIFT = 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:acme-dev-fraud-data-drift';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:acme-dev-alerts';

function build(app: App, overrides: Partial<QueuedRetrainingProps> = {}) {
  const { stack, cluster } = testCluster(app);
  new GpuNodePool(cluster, 'gpu_training', { cluster, poolName: 'training', maxSize: 4 });
  const team = new Team(stack, 'team_fraud', { cluster, name: 'fraud', accessRoleArn: 'arn:aws:iam::111122223333:role/fraud', quota: { gpus: 4 } });
  const lake = new DataLake(stack, 'lake');
  const keda = new Keda(cluster, 'keda', { cluster });
  const bucket = lake.zone('curated').bucket;
  return new QueuedRetraining(stack, 'retrain', {
    team, name: 'fraud-retrain', image: 'acme/fraud-train:1.4.0', command: ['python', '-m', 'fraud.train'], gpus: 1,
    checkpoints: { bucket, prefix: 'checkpoints/fraud/' }, models: { bucket, prefix: 'models/' },
    modelPackageGroupName: 'acme-dev-fraud', inferenceImage: 'acme/fraud-serve:1.4.0',
    schedule: 'cron(0 3 ? * MON *)', driftAlarmArns: [DRIFT], scaler: keda.identity!, alarmTopicArn: TOPIC,
    ...overrides,
  });
}

describe('QueuedRetraining (private clusters)', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => build(app));
    p = s.stacks.platform;
  });

  test('references resolve and every Kubernetes object passes the upstream schemas (KEDA CRDs included)', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('a schedule and the drift alarms put requests on an encrypted queue with a dead-letter queue', () => {
    const q = resource(p, 'aws_sqs_queue', 'retrain_queue');
    expect(q.kms_master_key_id).toBe('${aws_kms_key.keys_pipelines_key.arn}');
    expect(JSON.parse(q.redrive_policy)).toEqual({ deadLetterTargetArn: '${aws_sqs_queue.retrain_dead_letter_queue.arn}', maxReceiveCount: 3 });
    expect(resource(p, 'aws_cloudwatch_event_rule', 'retrain_schedule_rule').schedule_expression).toBe('cron(0 3 ? * MON *)');
    const drift = JSON.parse(resource(p, 'aws_cloudwatch_event_rule', 'retrain_drift_rule').event_pattern);
    expect(drift).toMatchObject({ 'detail-type': ['CloudWatch Alarm State Change'], resources: [DRIFT], detail: { state: { value: ['ALARM'] } } });
    for (const t of Object.values<any>(resources(p, 'aws_cloudwatch_event_target'))) expect(t.arn).toBe('${aws_sqs_queue.retrain_queue.arn}');
    const qp = policy(resource(p, 'aws_sqs_queue_policy', 'retrain_queue_policy').policy);
    expect(qp.Statement[0].Condition.ArnEquals['aws:SourceArn']).toEqual(['${aws_cloudwatch_event_rule.retrain_schedule_rule.arn}', '${aws_cloudwatch_event_rule.retrain_drift_rule.arn}']);
  });

  test('a run ends before its request reappears, and a request that failed three times raises an alarm', () => {
    // SQS hides a taken request for at most 12 h: the run's deadline leaves 10 min for taking and registering.
    const q = resource(p, 'aws_sqs_queue', 'retrain_queue');
    expect(q.visibility_timeout_seconds).toBe(43200);
    const sj = object(s, 'ScaledJob', 'fraud-retrain', 'fraud');
    expect(sj.spec.jobTargetRef.activeDeadlineSeconds).toBe(42600);
    const alarm = resource(p, 'aws_cloudwatch_metric_alarm', 'retrain_dead_letter_alarm');
    expect(alarm).toMatchObject({
      namespace: 'AWS/SQS', metric_name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: '${aws_sqs_queue.retrain_dead_letter_queue.name}' },
      comparison_operator: 'GreaterThanOrEqualToThreshold', threshold: 1, alarm_actions: [TOPIC],
    });
  });

  test('a KEDA ScaledJob runs at most one GPU run per request: dequeue, train, register, then delete', () => {
    const sj = object(s, 'ScaledJob', 'fraud-retrain', 'fraud');
    expect(sj.spec).toMatchObject({ maxReplicaCount: 1, triggers: [{ type: 'aws-sqs-queue', metadata: { queueLength: '1' } }] });
    // The operator's own identity (TriggerAuthentication podIdentity aws); identityOwner in the metadata is ignored there.
    expect(sj.spec.triggers[0].metadata.identityOwner).toBeUndefined();
    const pod = sj.spec.jobTargetRef.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['dequeue', 'train']);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['register-candidate']);
    expect(pod.initContainers[1].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(pod.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'nvidia.com/gpu', effect: 'NoSchedule' })]));
    const register = pod.containers[0].command[2];
    expect(register).toContain('--model-approval-status PendingManualApproval');
    expect(register.indexOf('create-model-package')).toBeLessThan(register.indexOf('delete-message'));
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const c of [...pod.initContainers, ...pod.containers]) expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test('the run may register candidates only, never approve; the scaler only reads the queue length', () => {
    const team = policy(resource(p, 'aws_iam_role_policy', 'team_fraud_identity_role_policy').policy).Statement;
    const register = team.find((x: any) => ([] as string[]).concat(x.Action).includes('sagemaker:CreateModelPackage'));
    expect(register.Condition).toEqual({ StringEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } });
    const actions = team.flatMap((x: any) => ([] as string[]).concat(x.Action));
    expect(actions).not.toContain('sagemaker:UpdateModelPackage');
    expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    const scaler = policy(resource(p, 'aws_iam_role_policy', 'cluster_keda_identity_role_policy').policy).Statement;
    expect(scaler).toEqual([{ Effect: 'Allow', Action: 'sqs:GetQueueAttributes', Resource: '${aws_sqs_queue.retrain_queue.arn}' }]);
  });

  test('no trigger, a bad schedule and a bad group name are clear errors', () => {
    const app = () => new App({ outdir: '/tmp/cdktf-mlops-bad' });
    expect(() => build(app(), { schedule: undefined, driftAlarmArns: [] }))
      .toThrow(/^\[platform\/retrain\] the retraining has no trigger: neither a schedule nor drift alarms\. Fix: set schedule/);
    expect(() => build(app(), { schedule: 'weekly' })).toThrow(/^\[platform\/retrain\] schedule "weekly" is neither rate\(\.\.\.\) nor cron\(\.\.\.\)/);
    expect(() => build(app(), { modelPackageGroupName: 'bad name' })).toThrow(/^\[platform\/retrain\] modelPackageGroupName "bad name" is not a model package group name\./);
    expect(() => build(app(), { activeDeadlineSeconds: 86400 })).toThrow(/^\[platform\/retrain\] activeDeadlineSeconds 86400 is longer than SQS keeps a taken request hidden \(12 h, less 10 min to take it and register the model\), so the request would reappear and start a second run\. Fix: use at most 42600, or engine 'step-functions' for longer runs\.$/);
    expect(() => build(app(), { alarmTopicArn: '' })).toThrow(/^\[platform\/retrain\] no alarmTopicArn: a request that failed three times would sit in the dead-letter queue unseen\. Fix: pass the platform alert topic ARN\.$/);
  });
});
