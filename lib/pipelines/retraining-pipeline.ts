import { Construct } from 'constructs';
import { Token } from 'cdktf';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { retrainingAlarm } from './retraining-alarm';
import { allowLogDelivery, stateMachineSettings, stateMachineStatements } from './state-machine-support';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association';
import { MlopsStack } from '../core/mlops-stack';
import { checkName } from '../core/naming';
import { invalid, show, validateAtSynth } from '../core/errors';
import { KeyRing } from '../security/key-ring';
import { DomainKey } from '../security/domain-key';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { PlatformRole } from '../security/platform-role';
import { CheckpointLocation, GpuJob, GpuJobProps } from '../compute/gpu-job';
import { ContainerImage, resolveImage } from '../core/container-image';
import { checkScheduleExpression, scheduleDecryptStatement } from '../core/schedule';
import { checkTimeZone } from '../core/validators';

/** Props of {@link RetrainingPipeline}. */
export interface RetrainingPipelineProps extends GpuJobProps {
  /**
   * SageMaker Model Package Group the new version is registered in (created by the ModelRegistry).
   * The pipeline registers candidates there as `PendingManualApproval` and can never approve them.
   */
  readonly modelPackageGroupName: string;
  /** Inference container image recorded in the model package (what serving will run once approved). */
  readonly inferenceImage: string | ContainerImage;
  /** Where each run writes its model: `s3://<bucket>/<prefix><run job name>/<modelArtifactName>`; the team identity may write there. */
  readonly models: CheckpointLocation;
  /**
   * File name of the model artifact the training container writes under `MODEL_OUTPUT_URI`.
   * @default "model.tar.gz"
   */
  readonly modelArtifactName?: string;
  /**
   * Schedule of periodic retraining: an AWS `rate(...)` or six-field `cron(...)` expression.
   * @default no schedule (drift alarms only)
   */
  readonly schedule?: string;
  /**
   * IANA time zone of `schedule`.
   * @default "Etc/UTC"
   */
  readonly scheduleTimeZone?: string;
  /**
   * CloudWatch alarm ARNs (e.g. `DriftMonitor.alarmArns`) whose transition to ALARM starts a retraining.
   * @default none (schedule only)
   */
  readonly driftAlarmArns?: string[];
  /** SNS topic (ARN) notified when a retraining fails or times out (every alarm has an action). */
  readonly alarmTopicArn: string;
  /**
   * Content types the registered model accepts (model package inference specification).
   * @default ["application/json"]
   */
  readonly contentTypes?: string[];
  /**
   * Response MIME types of the registered model.
   * @default ["application/json"]
   */
  readonly responseTypes?: string[];
}

/** Renders the training Job of a retraining run (the shared GPU pod template of TrainingJob) without creating it. */
class RetrainingJobTemplate extends GpuJob {
  /** The Job as the eks:runJob task sends it; `name` and `MODEL_OUTPUT_URI` are filled in per run. */
  public manifest(modelOutputExpression: string): Record<string, unknown> {
    const spec = structuredClone(this.jobSpec()) as any;
    for (const c of spec.template.spec.containers) c.env = [...(c.env ?? []), { name: 'MODEL_OUTPUT_URI', 'value.$': modelOutputExpression }];
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { 'name.$': '$.run.jobName', namespace: this.namespace, labels: this.labels() },
      spec,
    };
  }

  protected labels(): Record<string, string> {
    return { ...super.labels(), 'app.kubernetes.io/component': 'retraining' };
  }
}

/**
 * Orchestrated retraining of one model: a Step Functions state machine (STANDARD; logs at level ALL
 * without execution data to an encrypted log group; X-Ray tracing; encrypted with the `pipelines`
 * CMK) that
 *
 * 1. runs the training Job on the EKS cluster (`eks:runJob.sync`) in the team's namespace, under the
 *    team's service account, with the restricted pod security context and the GPU pool's
 *    toleration and node selector;
 * 2. registers the produced model as a new version of a SageMaker Model Package Group with
 *    `ModelApprovalStatus: PendingManualApproval` (`aws-sdk:sagemaker:createModelPackage`);
 * 3. stops there: it never approves. Its role has no `sagemaker:UpdateModelPackage`.
 *
 * Triggers: an EventBridge Scheduler schedule (validated `rate`/`cron`) and an EventBridge rule on
 * the drift alarms' transition to ALARM, both through a role that may only start this state machine.
 * Failed and timed-out executions raise alarms that notify `alarmTopicArn`.
 */
export class RetrainingPipeline extends Construct {
  public readonly stateMachine: SfnStateMachine;
  public readonly role: PlatformRole;
  /** Role EventBridge Scheduler and EventBridge rules use to start executions. */
  public readonly triggerRole: PlatformRole;
  public readonly logGroup: EncryptedLogGroup;
  public readonly key: DomainKey;
  public readonly accessEntry: EksAccessEntry;
  public readonly schedule?: SchedulerSchedule;
  public readonly driftRule?: CloudwatchEventRule;
  public readonly failedAlarm: CloudwatchMetricAlarm;
  public readonly timedOutAlarm: CloudwatchMetricAlarm;
  /** Name of the state machine. */
  public readonly stateMachineName: string;
  /** The Job manifest template each run submits (`metadata.name.$` is the per-run name). */
  public readonly jobManifest: Record<string, unknown>;
  /** Where the runs write their models (`<prefix><run>/<artifact>`): every registered ModelDataUrl is under this prefix. */
  public readonly candidates: CheckpointLocation;
  private readonly job: RetrainingJobTemplate;

  constructor(scope: Construct, id: string, props: RetrainingPipelineProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    this.checkProps(props);
    const cluster = props.team.cluster;
    this.job = new RetrainingJobTemplate(this, 'job', props);
    const name = this.job.name;
    this.stateMachineName = stack.naming.name(this, 'state-machine', 'retrain', name);
    const stateMachineArn = stack.arn('states', `stateMachine:${this.stateMachineName}`);
    this.key = KeyRing.of(this).key('pipelines');
    allowLogDelivery(this, this.key);

    this.logGroup = new EncryptedLogGroup(this, 'logs', { name: `/aws/vendedlogs/states/${this.stateMachineName}` });
    this.role = new PlatformRole(this, 'role', {
      nameParts: ['sfn', 'retrain', name],
      description: `Retraining pipeline of ${name}: runs the training Job, registers a PendingManualApproval candidate`,
      trust: [{
        principals: { Service: 'states.amazonaws.com' },
        actions: ['sts:AssumeRole'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId }, ArnLike: { 'aws:SourceArn': stateMachineArn } },
      }],
    });
    this.grantPipelinePermissions(props, stateMachineArn);

    // The role creates, watches and deletes Jobs in the team namespace only (EKS access policy scoped to it).
    this.accessEntry = new EksAccessEntry(this, 'access_entry', { clusterName: cluster.cluster.name, principalArn: this.role.roleArn, type: 'STANDARD' });
    new EksAccessPolicyAssociation(this, 'access_policy', {
      clusterName: cluster.cluster.name,
      principalArn: this.role.roleArn,
      policyArn: `arn:${stack.partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy`,
      accessScope: { type: 'namespace', namespaces: [this.job.namespace] },
      dependsOn: [this.accessEntry],
    });

    const modelPrefix = normalize(props.models.prefix);
    const artifact = props.modelArtifactName ?? 'model.tar.gz';
    this.candidates = { bucket: props.models.bucket, prefix: modelPrefix };
    const outputExpression = `States.Format('s3://${props.models.bucket.bucketName}/${modelPrefix}{}/', $.run.jobName)`;
    props.models.bucket.grantWrite(props.team.identity, modelPrefix);
    this.jobManifest = this.job.manifest(outputExpression);

    this.stateMachine = new SfnStateMachine(this, 'state_machine', {
      name: this.stateMachineName,
      type: 'STANDARD',
      roleArn: this.role.roleArn,
      definition: JSON.stringify(this.definition(props, stack.partition, modelPrefix, artifact)),
      ...stateMachineSettings(this.logGroup, this.key),
      publish: false,
    });

    this.triggerRole = new PlatformRole(this, 'trigger_role', {
      nameParts: ['retrain', name, 'trigger'],
      description: `Starts the retraining pipeline of ${name} (schedule and drift alarms)`,
      trust: [{
        principals: { Service: ['scheduler.amazonaws.com', 'events.amazonaws.com'] },
        actions: ['sts:AssumeRole'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId } },
      }],
    });
    this.triggerRole.addToPolicy({ sid: 'StartRetraining', actions: ['states:StartExecution'], resources: [this.stateMachine.arn] });
    this.triggerRole.addToPolicy({
      sid: 'EncryptExecutionInput',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': stateMachineArn } },
    });

    if (props.schedule) {
      this.schedule = new SchedulerSchedule(this, 'schedule', {
        name: stack.naming.name(this, 'scheduler-schedule', 'retrain', name),
        description: `Periodic retraining of ${name}`,
        scheduleExpression: props.schedule,
        scheduleExpressionTimezone: props.scheduleTimeZone ?? 'Etc/UTC',
        kmsKeyArn: KeyRing.of(this).key('schedules').keyArn,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: this.stateMachine.arn,
          roleArn: this.triggerRole.roleArn,
          input: JSON.stringify({ trigger: 'schedule' }),
          retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
        },
      });
      this.triggerRole.addToPolicy(scheduleDecryptStatement(KeyRing.of(this).key('schedules').keyArn, [this.schedule.arn]));
    }
    const alarms = props.driftAlarmArns ?? [];
    if (alarms.length > 0) {
      this.driftRule = new CloudwatchEventRule(this, 'drift_rule', {
        name: stack.naming.name(this, 'eventbridge-rule', 'retrain', name, 'drift'),
        description: `Retrain ${name} when a drift alarm goes to ALARM`,
        eventPattern: JSON.stringify({
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          resources: alarms,
          detail: { state: { value: ['ALARM'] } },
        }),
      });
      new CloudwatchEventTarget(this, 'drift_target', {
        rule: this.driftRule.name,
        arn: this.stateMachine.arn,
        roleArn: this.triggerRole.roleArn,
        inputTransformer: {
          inputPaths: { alarm: '$.detail.alarmName' },
          inputTemplate: '{"trigger":"drift-alarm","alarmName":<alarm>}',
        },
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
      });
    }

    const alarm = (aid: string, metric: string, what: string) => retrainingAlarm(this, aid, {
      retraining: name, what, description: `Retraining of ${name}: an execution ${what.replace('-', ' ')}`,
      namespace: 'AWS/States', metricName: metric, dimensions: { StateMachineArn: this.stateMachine.arn }, statistic: 'Sum', topicArn: props.alarmTopicArn,
    });
    this.failedAlarm = alarm('failed_alarm', 'ExecutionsFailed', 'failed');
    this.timedOutAlarm = alarm('timed_out_alarm', 'ExecutionsTimedOut', 'timed-out');

    // eks:runJob reaches the Kubernetes API over its public endpoint only.
    validateAtSynth(this, () => {
      const vpc = cluster.cluster.vpcConfigInput;
      if (vpc?.endpointPublicAccess === true) return [];
      return [{
        problem: `cluster ${cluster.clusterName} has a private API endpoint only, and Step Functions' eks:runJob integration reaches the Kubernetes API over the public endpoint only, so the retraining Job could never start.`,
        fix: 'give the MlCluster publicEndpointCidrs that admit Step Functions (the region\'s AMAZON ranges), or run retraining from inside the cluster (TrainingSchedule).',
      }];
    });
  }

  /** Permissions of the state machine role: logs, tracing, its key, describe the cluster, create model packages. Never approve. */
  protected grantPipelinePermissions(props: RetrainingPipelineProps, stateMachineArn: string): void {
    const stack = MlopsStack.of(this);
    const group = Token.isUnresolved(props.modelPackageGroupName) ? props.modelPackageGroupName : props.modelPackageGroupName.toLowerCase();
    this.role.addToPolicy(
      {
        sid: 'RegisterCandidate',
        actions: ['sagemaker:CreateModelPackage'],
        resources: [stack.arn('sagemaker', `model-package-group/${group}`), stack.arn('sagemaker', `model-package/${group}/*`)],
        conditions: { StringEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } },
      },
      { sid: 'DescribeCluster', actions: ['eks:DescribeCluster'], resources: [props.team.cluster.clusterArn] },
      ...stateMachineStatements(this.key, stateMachineArn),
    );
  }

  /** The Amazon States Language definition. Subclasses may override it to add steps (evaluation, tests) before registration. */
  protected definition(props: RetrainingPipelineProps, partition: string, modelPrefix: string, artifact: string): Record<string, unknown> {
    const cluster = props.team.cluster;
    const deadline = props.activeDeadlineSeconds ?? 86400;
    const modelUrl = `States.Format('s3://${props.models.bucket.bucketName}/${modelPrefix}{}/${artifact}', $.run.jobName)`;
    return {
      Comment: `Retraining of ${this.job.name}: train on EKS, register a PendingManualApproval candidate. Approval is a human decision outside this pipeline.`,
      StartAt: 'PrepareRun',
      TimeoutSeconds: deadline + 3600,
      States: {
        PrepareRun: {
          Type: 'Pass',
          Parameters: { 'jobName.$': `States.Format('${this.job.name.slice(0, 54)}-{}', States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 0))` },
          ResultPath: '$.run',
          Next: 'RunTraining',
        },
        RunTraining: {
          Type: 'Task',
          Resource: `arn:${partition}:states:::eks:runJob.sync`,
          Parameters: {
            ClusterName: cluster.clusterName,
            CertificateAuthority: cluster.cluster.certificateAuthority.get(0).data,
            Endpoint: cluster.cluster.endpoint,
            Namespace: this.job.namespace,
            LogOptions: { RetrieveLogs: false },
            Job: this.jobManifest,
          },
          ResultSelector: { 'status.$': '$.status' },
          ResultPath: '$.training',
          TimeoutSeconds: deadline + 600,
          Next: 'RegisterCandidate',
        },
        RegisterCandidate: {
          Type: 'Task',
          Resource: `arn:${partition}:states:::aws-sdk:sagemaker:createModelPackage`,
          Parameters: {
            ModelPackageGroupName: props.modelPackageGroupName,
            ModelApprovalStatus: 'PendingManualApproval',
            'ModelPackageDescription.$': "States.Format('Candidate from retraining run {}', $.run.jobName)",
            InferenceSpecification: {
              Containers: [{ Image: resolveImage(this, 'inferenceImage', props.inferenceImage).ref, 'ModelDataUrl.$': modelUrl }],
              SupportedContentTypes: props.contentTypes ?? ['application/json'],
              SupportedResponseMIMETypes: props.responseTypes ?? ['application/json'],
            },
            CustomerMetadataProperties: { 'ExecutionArn.$': '$$.Execution.Id', 'TrainingJob.$': '$.run.jobName', Pipeline: this.stateMachineName },
          },
          ResultSelector: { 'ModelPackageArn.$': '$.ModelPackageArn' },
          ResultPath: '$.candidate',
          Retry: [{ ErrorEquals: ['SageMaker.ThrottlingException'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
          End: true,
        },
      },
    };
  }

  private checkProps(props: RetrainingPipelineProps): void {
    if (props.schedule !== undefined) checkScheduleExpression(this, 'schedule', props.schedule);
    const alarms = props.driftAlarmArns ?? [];
    if (props.schedule === undefined && alarms.length === 0) {
      invalid(this, 'it has no trigger: neither a schedule nor driftAlarmArns.', 'pass schedule (e.g. "rate(7 days)") and/or driftAlarmArns (e.g. driftMonitor.alarmArns).');
    }
    for (const a of alarms) {
      if (!Token.isUnresolved(a) && !/^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/.test(a)) {
        invalid(this, `driftAlarmArns entry ${show(a)} is not a CloudWatch alarm ARN.`, 'pass alarm ARNs such as driftMonitor.alarmArns ("arn:aws:cloudwatch:<region>:<account>:alarm:<name>").');
      }
    }
    if (!props.alarmTopicArn) invalid(this, 'no alarmTopicArn: a failed retraining would go unseen.', 'pass the platform alert topic ARN.');
    if (!props.modelPackageGroupName) invalid(this, 'no modelPackageGroupName: the candidate model has nowhere to be registered.', 'pass the ModelRegistry group name of the model.');
    if (!Token.isUnresolved(props.modelPackageGroupName)) checkName(this, 'model-package-group', props.modelPackageGroupName);
    if (/[*?]/.test(props.models.prefix) || normalize(props.models.prefix) === '') {
      invalid(this, `models.prefix ${show(props.models.prefix)} must be a literal, non-empty key prefix.`, 'use e.g. "models/<model>/".');
    }
    const artifact = props.modelArtifactName ?? 'model.tar.gz';
    if (!/^[A-Za-z0-9._-]+$/.test(artifact)) invalid(this, `modelArtifactName ${show(artifact)} is not a plain file name.`, 'use e.g. "model.tar.gz".');
    if (props.scheduleTimeZone !== undefined) checkTimeZone(this, 'scheduleTimeZone', props.scheduleTimeZone);
  }
}

function normalize(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}
