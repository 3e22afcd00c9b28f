import { App } from 'cdktf';
import { MlopsStack } from '../../lib/core/mlops-stack';
import { KeyRing } from '../../lib/security/key-ring';
import { SecureBucket } from '../../lib/security/secure-bucket';
import { GpuNodePool } from '../../lib/compute/gpu-node-pool';
import { Team } from '../../lib/compute/team';
import { RetrainingPipeline, RetrainingPipelineProps } from '../../lib/pipelines/retraining-pipeline';
import { allObjects, danglingReferences, K8sObject, policy, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testCluster } from '../support/fixtures';

const ROLE = 'arn:aws:iam::111122223333:role/team-churn';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:alerts';
const DRIFT = 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:acme-dev-churn-data-drift';

function lake(stack: MlopsStack): SecureBucket {
  const logs = new SecureBucket(stack, 'logs', { bucketName: 'acme-dev-logs', isAccessLogTarget: true });
  return new SecureBucket(stack, 'lake', { bucketName: 'acme-dev-lake', encryptionKey: KeyRing.of(stack).key('lake'), accessLogs: logs });
}

function base(app: App, publicEndpoint = true) {
  const { stack, cluster } = testCluster(app, { cluster: publicEndpoint ? { publicEndpointCidrs: ['203.0.113.0/24'] } : {} });
  new GpuNodePool(cluster, 'gpu_training', { cluster, poolName: 'training', maxSize: 4 });
  const team = new Team(stack, 'team_churn', { cluster, name: 'churn', accessRoleArn: ROLE });
  const bucket = lake(stack);
  const props: RetrainingPipelineProps = {
    team, name: 'churn-retrain', image: 'acme/churn-train:1.4', command: ['python', 'train.py'],
    checkpoints: { bucket, prefix: 'checkpoints/churn/' }, models: { bucket, prefix: 'models/churn/' },
    modelPackageGroupName: 'acme-dev-churn', inferenceImage: 'acme/churn-serve:1.4',
    schedule: 'cron(0 3 ? * MON *)', driftAlarmArns: [DRIFT], alarmTopicArn: TOPIC,
  };
  return { stack, team, bucket, props };
}

/** The definition with the Job's per-run fields filled in as a run would. */
function jobOf(definition: any): K8sObject {
  const job = JSON.parse(JSON.stringify(definition.States.RunTraining.Parameters.Job));
  job.metadata.name = job.metadata['name.$'] === '$.run.jobName' ? 'churn-retrain-0a1b2c3d' : 'unexpected';
  delete job.metadata['name.$'];
  for (const c of job.spec.template.spec.containers) {
    c.env = c.env.map((e: any) => ('value.$' in e ? { name: e.name, value: 's3://bucket/models/churn/churn-retrain-0a1b2c3d/' } : e));
  }
  return job;
}

describe('RetrainingPipeline', () => {
  let s: Synthesized;
  let p: any;
  let sm: any;
  let def: any;
  let rolePolicy: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, props } = base(app);
      new RetrainingPipeline(stack, 'churn_retraining', props);
    });
    p = s.stacks.platform;
    sm = resource(p, 'aws_sfn_state_machine', 'churn_retraining_state_machine');
    def = JSON.parse(sm.definition);
    rolePolicy = policy(resource(p, 'aws_iam_role_policy', 'churn_retraining_role_policy').policy);
  });

  test('references resolve and every Kubernetes object (and the run Job) passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations([...allObjects(s), jobOf(def)])).toEqual([]);
  });

  test('a STANDARD state machine logging ALL without execution data, traced, encrypted with a CMK', () => {
    expect(sm).toMatchObject({
      name: 'acme-dev-retrain-churn-retrain',
      type: 'STANDARD',
      logging_configuration: { level: 'ALL', include_execution_data: false, log_destination: '${aws_cloudwatch_log_group.churn_retraining_logs_log_group.arn}:*' },
      tracing_configuration: { enabled: true },
      encryption_configuration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kms_key_id: '${aws_kms_key.keys_pipelines_key.arn}' },
    });
    expect(resource(p, 'aws_cloudwatch_log_group', 'churn_retraining_logs_log_group')).toMatchObject({ kms_key_id: '${aws_kms_key.keys_logs_key.arn}' });
  });

  test('the run trains on EKS with runJob.sync, then registers a PendingManualApproval candidate, and ends', () => {
    expect(def.StartAt).toBe('PrepareRun');
    expect(Object.keys(def.States)).toEqual(['PrepareRun', 'RunTraining', 'RegisterCandidate']);
    const run = def.States.RunTraining;
    expect(run.Resource).toBe('arn:${data.aws_partition.partition.partition}:states:::eks:runJob.sync');
    expect(run.Parameters).toMatchObject({
      ClusterName: 'acme-dev', Namespace: 'churn',
      Endpoint: '${aws_eks_cluster.cluster_cluster.endpoint}',
      CertificateAuthority: '${aws_eks_cluster.cluster_cluster.certificate_authority[0].data}',
    });
    expect(run.Next).toBe('RegisterCandidate');
    const reg = def.States.RegisterCandidate;
    expect(reg.Resource).toBe('arn:${data.aws_partition.partition.partition}:states:::aws-sdk:sagemaker:createModelPackage');
    expect(reg.Parameters).toMatchObject({ ModelPackageGroupName: 'acme-dev-churn', ModelApprovalStatus: 'PendingManualApproval' });
    expect(reg.Parameters.InferenceSpecification.Containers).toEqual([{
      Image: 'acme/churn-serve:1.4',
      'ModelDataUrl.$': "States.Format('s3://${aws_s3_bucket.lake_bucket.bucket}/models/churn/{}/model.tar.gz', $.run.jobName)",
    }]);
    expect(reg.End).toBe(true);
    expect(sm.definition).not.toMatch(/updateModelPackage|Approved"/i);
  });

  test('each run gets a unique, DNS-safe Job name and writes the model where it is registered from', () => {
    expect(def.States.PrepareRun.Parameters['jobName.$']).toBe("States.Format('churn-retrain-{}', States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 0))");
    const env = def.States.RunTraining.Parameters.Job.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'MODEL_OUTPUT_URI', 'value.$': "States.Format('s3://${aws_s3_bucket.lake_bucket.bucket}/models/churn/{}/', $.run.jobName)" });
  });

  test('the Job runs as the team, restricted, on the GPU pool', () => {
    const job = def.States.RunTraining.Parameters.Job;
    expect(job.metadata.namespace).toBe('churn');
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'churn-workloads', automountServiceAccountToken: false, restartPolicy: 'Never' });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'mlops.cdktf.io/pool': 'training' });
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
  });

  test('the pipeline role may create model packages in its group only, and can never approve', () => {
    const actions = rolePolicy.Statement.flatMap((st: any) => [].concat(st.Action));
    const reg = rolePolicy.Statement.find((st: any) => st.Sid === 'RegisterCandidate');
    expect(reg.Action).toBe('sagemaker:CreateModelPackage');
    // Registered versions start PendingManualApproval: the engine cannot register one as Approved.
    expect(reg.Condition).toEqual({ StringEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } });
    expect(reg.Resource).toEqual([
      'arn:${data.aws_partition.partition.partition}:sagemaker:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:model-package-group/acme-dev-churn',
      'arn:${data.aws_partition.partition.partition}:sagemaker:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:model-package/acme-dev-churn/*',
    ]);
    expect(actions).not.toContain('sagemaker:UpdateModelPackage');
    expect(actions.filter((a: string) => a.startsWith('sagemaker:'))).toEqual(['sagemaker:CreateModelPackage']);
    expect(actions).not.toContain('iam:PassRole');
  });

  test('the pipeline role is trusted by Step Functions for this state machine only', () => {
    const trust = policy(resource(p, 'aws_iam_role', 'churn_retraining_role_role').assume_role_policy);
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Service: 'states.amazonaws.com' },
      Condition: { ArnLike: { 'aws:SourceArn': 'arn:${data.aws_partition.partition.partition}:states:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:stateMachine:acme-dev-retrain-churn-retrain' } },
    });
  });

  test('the pipeline role edits the team namespace only (EKS access policy scoped to it)', () => {
    expect(resource(p, 'aws_eks_access_entry', 'churn_retraining_access_entry')).toMatchObject({ principal_arn: '${aws_iam_role.churn_retraining_role_role.arn}', type: 'STANDARD' });
    expect(resource(p, 'aws_eks_access_policy_association', 'churn_retraining_access_policy')).toMatchObject({
      policy_arn: 'arn:${data.aws_partition.partition.partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
      access_scope: { type: 'namespace', namespaces: ['churn'] },
    });
  });

  test('the team identity may write models under the model prefix, not delete them', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'team_churn_identity_role_policy').policy);
    const put = doc.Statement.filter((st: any) => ([] as string[]).concat(st.Action).includes('s3:PutObject')).flatMap((st: any) => [].concat(st.Resource));
    expect(put).toContain('${aws_s3_bucket.lake_bucket.arn}/models/churn/*');
    expect(doc.Statement.flatMap((st: any) => [].concat(st.Action))).not.toContain('s3:DeleteObject');
  });

  test('a validated schedule triggers the state machine through the trigger role', () => {
    expect(resource(p, 'aws_scheduler_schedule', 'churn_retraining_schedule')).toMatchObject({
      schedule_expression: 'cron(0 3 ? * MON *)', schedule_expression_timezone: 'Etc/UTC', flexible_time_window: { mode: 'OFF' },
      target: { arn: '${aws_sfn_state_machine.churn_retraining_state_machine.arn}', role_arn: '${aws_iam_role.churn_retraining_trigger_role_role.arn}', input: '{"trigger":"schedule"}' },
    });
  });

  test('the schedule is encrypted with the schedules key, which the trigger role may decrypt for this schedule only', () => {
    expect(resource(p, 'aws_scheduler_schedule', 'churn_retraining_schedule').kms_key_arn).toBe('${aws_kms_key.keys_schedules_key.arn}');
    const doc = policy(resource(p, 'aws_iam_role_policy', 'churn_retraining_trigger_role_policy').policy);
    const decrypt = doc.Statement.find((st: any) => st.Resource === '${aws_kms_key.keys_schedules_key.arn}');
    expect(decrypt).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': ['${aws_scheduler_schedule.churn_retraining_schedule.arn}'] } },
    });
  });

  test('drift alarms going to ALARM trigger the state machine', () => {
    const rule = resource(p, 'aws_cloudwatch_event_rule', 'churn_retraining_drift_rule');
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], resources: [DRIFT], detail: { state: { value: ['ALARM'] } },
    });
    expect(resource(p, 'aws_cloudwatch_event_target', 'churn_retraining_drift_target')).toMatchObject({
      rule: '${aws_cloudwatch_event_rule.churn_retraining_drift_rule.name}',
      arn: '${aws_sfn_state_machine.churn_retraining_state_machine.arn}',
      role_arn: '${aws_iam_role.churn_retraining_trigger_role_role.arn}',
    });
  });

  test('the trigger role may only start this state machine', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'churn_retraining_trigger_role_policy').policy);
    const actions = doc.Statement.flatMap((st: any) => [].concat(st.Action));
    expect(actions.filter((a: string) => !a.startsWith('kms:'))).toEqual(['states:StartExecution']);
    expect(doc.Statement.find((st: any) => st.Sid === 'StartRetraining').Resource).toBe('${aws_sfn_state_machine.churn_retraining_state_machine.arn}');
    const trust = policy(resource(p, 'aws_iam_role', 'churn_retraining_trigger_role_role').assume_role_policy);
    expect(trust.Statement[0].Principal).toEqual({ Service: ['scheduler.amazonaws.com', 'events.amazonaws.com'] });
  });

  test('failed and timed-out executions raise alarms, each with an action', () => {
    const alarms = resources(p, 'aws_cloudwatch_metric_alarm');
    const mine = Object.entries(alarms).filter(([k]) => k.startsWith('churn_retraining_')).map(([, a]) => a as any);
    expect(mine.map((a) => a.metric_name).sort()).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const a of mine) {
      expect(a).toMatchObject({ namespace: 'AWS/States', dimensions: { StateMachineArn: '${aws_sfn_state_machine.churn_retraining_state_machine.arn}' }, alarm_actions: [TOPIC], threshold: 1 });
    }
  });
});

describe('RetrainingPipeline errors', () => {
  const newApp = () => new App({ outdir: '/tmp/cdktf-mlops-unused' });

  test('a schedule that is not an AWS schedule expression', () => {
    const { stack, props } = base(newApp());
    expect(() => new RetrainingPipeline(stack, 'p', { ...props, schedule: '0 3 * * *' }))
      .toThrow(/^\[platform\/p\] schedule "0 3 \* \* \*" is neither rate\(\.\.\.\) nor cron\(\.\.\.\)\. Fix: use an AWS schedule expression such as "rate\(1 day\)"/);
  });
  test('a five-field cron', () => {
    const { stack, props } = base(newApp());
    expect(() => new RetrainingPipeline(stack, 'p', { ...props, schedule: 'cron(0 3 * * *)' }))
      .toThrow(/^\[platform\/p\] schedule "cron\(0 3 \* \* \*\)" has 5 fields; an AWS cron expression has 6/);
  });
  test('a rate with a bad unit', () => {
    const { stack, props } = base(newApp());
    expect(() => new RetrainingPipeline(stack, 'p', { ...props, schedule: 'rate(1 days)' }))
      .toThrow(/^\[platform\/p\] schedule "rate\(1 days\)" uses "days" with the value 1; AWS requires the singular unit \(day\)\. Fix:/);
  });
  test('no trigger at all', () => {
    const { stack, props } = base(newApp());
    expect(() => new RetrainingPipeline(stack, 'p', { ...props, schedule: undefined, driftAlarmArns: [] }))
      .toThrow(/^\[platform\/p\] it has no trigger: neither a schedule nor driftAlarmArns\. Fix: pass schedule/);
  });
  test('a drift alarm entry that is not an alarm ARN', () => {
    const { stack, props } = base(newApp());
    expect(() => new RetrainingPipeline(stack, 'p', { ...props, driftAlarmArns: ['churn-data-drift'] }))
      .toThrow(/^\[platform\/p\] driftAlarmArns entry "churn-data-drift" is not a CloudWatch alarm ARN\. Fix:/);
  });
  test('no alarm topic', () => {
    const { stack, props } = base(newApp());
    expect(() => new RetrainingPipeline(stack, 'p', { ...props, alarmTopicArn: '' }))
      .toThrow(/^\[platform\/p\] no alarmTopicArn: a failed retraining would go unseen\. Fix: pass the platform alert topic ARN\.$/);
  });
  test('an invalid model package group name', () => {
    const { stack, props } = base(newApp());
    expect(() => new RetrainingPipeline(stack, 'p', { ...props, modelPackageGroupName: 'churn_group' }))
      .toThrow(/^\[platform\/p\] SageMaker model package group name "churn_group" is not allowed: it may contain only letters, digits and hyphens\./);
  });
  test('a wildcard model prefix', () => {
    const { stack, props, bucket } = base(newApp());
    expect(() => new RetrainingPipeline(stack, 'p', { ...props, models: { bucket, prefix: 'models/*' } }))
      .toThrow(/^\[platform\/p\] models\.prefix "models\/\*" must be a literal, non-empty key prefix\. Fix: use e\.g\. "models\/<model>\/"\.$/);
  });
  test('a cluster with a private endpoint only fails the synth: Step Functions could not reach it', () => {
    expect(() => synthesize((app) => {
      const { stack, props } = base(app, false);
      new RetrainingPipeline(stack, 'p', props);
    })).toThrow(/\[platform\/p\] cluster acme-dev has a private API endpoint only, and Step Functions' eks:runJob integration reaches the Kubernetes API over the public endpoint only, so the retraining Job could never start\. Fix: give the MlCluster publicEndpointCidrs/);
  });
});

describe('RetrainingPipeline: two models in one stack', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, props, bucket } = base(app);
      new RetrainingPipeline(stack, 'churn_retraining', props);
      new RetrainingPipeline(stack, 'fraud_retraining', {
        ...props, name: 'fraud-retrain', modelPackageGroupName: 'acme-dev-fraud', models: { bucket, prefix: 'models/fraud/' },
        schedule: 'rate(7 days)', driftAlarmArns: undefined,
      });
    });
    p = s.stacks.platform;
  });

  test('references resolve; each pipeline has its own readable addresses and names', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(Object.values(resources(p, 'aws_sfn_state_machine')).map((m: any) => m.name).sort()).toEqual(['acme-dev-retrain-churn-retrain', 'acme-dev-retrain-fraud-retrain']);
    expect(Object.keys(resources(p, 'aws_cloudwatch_event_rule'))).toEqual(['churn_retraining_drift_rule']);
    expect(resource(p, 'aws_scheduler_schedule', 'fraud_retraining_schedule').schedule_expression).toBe('rate(7 days)');
  });

  test('the pipelines key lets log delivery decrypt once, scoped to the account', () => {
    const doc = JSON.parse(resource(p, 'aws_kms_key', 'keys_pipelines_key').policy);
    const delivery = doc.Statement.filter((st: any) => st.Principal?.Service === 'delivery.logs.amazonaws.com');
    expect(delivery).toEqual([expect.objectContaining({ Action: ['kms:Decrypt'], Condition: { StringEquals: { 'aws:SourceAccount': '${data.aws_caller_identity.caller_identity.account_id}' } } })]);
  });

  test('each pipeline role registers in its own group only', () => {
    const fraud = policy(resource(p, 'aws_iam_role_policy', 'fraud_retraining_role_policy').policy);
    const reg = fraud.Statement.find((st: any) => st.Sid === 'RegisterCandidate');
    expect(JSON.stringify(reg.Resource)).not.toContain('churn');
  });
});

describe('RetrainingPipeline: synthesized definition (for review)', () => {
  test('names of the schedule, rule and alarms', () => {
    const s = synthesize((app) => {
      const { stack, props } = base(app);
      new RetrainingPipeline(stack, 'churn_retraining', props);
    });
    const p = s.stacks.platform;
    expect(resource(p, 'aws_scheduler_schedule', 'churn_retraining_schedule').name).toBe('acme-dev-retrain-churn-retrain');
    expect(resource(p, 'aws_cloudwatch_event_rule', 'churn_retraining_drift_rule').name).toBe('acme-dev-retrain-churn-retrain-drift');
    expect(resource(p, 'aws_cloudwatch_metric_alarm', 'churn_retraining_failed_alarm').alarm_name).toBe('acme-dev-retrain-churn-retrain-failed');
    const def = JSON.parse(resource(p, 'aws_sfn_state_machine', 'churn_retraining_state_machine').definition);
    expect(def.TimeoutSeconds).toBe(86400 + 3600);
    expect(def.States.RunTraining.TimeoutSeconds).toBe(86400 + 600);
    expect(def.States.RunTraining.Parameters.LogOptions).toEqual({ RetrieveLogs: false });
  });
});
