import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import * as k8s from '../core/k8s';
import { Lazy } from 'cdktf';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { retrainingAlarm } from './retraining-alarm';
import { allowEventBridgeToQueues } from './state-machine-support';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { MlopsStack } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { checkScheduleExpression } from '../core/schedule';
import { containerResources } from '../core/scheduled-job';
import { KeyRing } from '../security/key-ring';
import { IGrantable } from '../security/principal';
import { CheckpointLocation, GpuJob, GpuJobProps } from '../compute/gpu-job';
import { ContainerImage, resolveImage } from '../core/container-image';

/** Pinned AWS CLI image of the dequeue and register steps. */
export const AWS_CLI_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.22.35';

/** Props of {@link QueuedRetraining}. */
export interface QueuedRetrainingProps extends GpuJobProps {
  /** SageMaker model package group the new version is registered in (ModelRegistry). */
  readonly modelPackageGroupName: string;
  /** Serving image recorded in the model package (from the platform's ContainerRegistry, or else pinned by digest). */
  readonly inferenceImage: string | ContainerImage;
  /** Where the training writes models: each run writes `<prefix><name>/<run>/` (env MODEL_OUTPUT_URI). */
  readonly models: CheckpointLocation;
  /** @default "model.tar.gz" */
  readonly modelArtifactName?: string;
  /** AWS schedule expression (cron(...) or rate(...)) that requests a retraining. @default none */
  readonly schedule?: string;
  /** Drift alarms (DriftMonitor.alarmArns) whose ALARM state requests a retraining. @default none */
  readonly driftAlarmArns?: string[];
  /** The KEDA operator identity that reads the queue length. */
  readonly scaler: IGrantable;
  /** SNS topic notified when a request lands in the dead-letter queue (three failed runs). */
  readonly alarmTopicArn: string;
}

/**
 * The longest run: SQS hides a taken request for at most 12 hours, less 10 minutes for taking it and
 * registering the candidate. A longer run would see its request reappear and be started again.
 */
export const QUEUED_RUN_MAX_SECONDS = 43200 - 600;

/**
 * Retraining that works on a private cluster: triggers (a schedule and drift alarms, through
 * EventBridge) put a request on an encrypted SQS queue; a KEDA ScaledJob in the team namespace starts
 * at most one training Job per request. Each run takes its request (dequeue), trains on the GPU pool,
 * registers the model as a new version with `PendingManualApproval` (never approved by itself) and
 * only then deletes the request, so a failed run is retried after the visibility timeout and, after
 * three attempts, parked in a dead-letter queue. No Kubernetes API is called from outside the VPC.
 */
export class QueuedRetraining extends GpuJob {
  public readonly queue: SqsQueue;
  public readonly deadLetterQueue: SqsQueue;
  /** Fires when a request is in the dead-letter queue. */
  public readonly deadLetterAlarm: CloudwatchMetricAlarm;
  public readonly scaledJob: ApiObject;
  public readonly triggerAuthentication: ApiObject;
  public readonly rules: CloudwatchEventRule[] = [];
  public readonly modelOutputUri: string;
  /** Where the runs write their models (`<prefix><run>/<artifact>`): every registered ModelDataUrl is under this prefix. */
  public readonly candidates: CheckpointLocation;
  private readonly retrainProps: QueuedRetrainingProps;

  constructor(scope: Construct, id: string, props: QueuedRetrainingProps) {
    super(scope, id, { ...props, activeDeadlineSeconds: props.activeDeadlineSeconds ?? QUEUED_RUN_MAX_SECONDS });
    this.retrainProps = props;
    const stack = MlopsStack.of(this);
    if (props.activeDeadlineSeconds !== undefined && props.activeDeadlineSeconds > QUEUED_RUN_MAX_SECONDS) {
      invalid(this, `activeDeadlineSeconds ${props.activeDeadlineSeconds} is longer than SQS keeps a taken request hidden (12 h, less 10 min to take it and register the model), so the request would reappear and start a second run.`,
        `use at most ${QUEUED_RUN_MAX_SECONDS}, or engine 'step-functions' for longer runs.`);
    }
    if (!props.alarmTopicArn) invalid(this, 'no alarmTopicArn: a request that failed three times would sit in the dead-letter queue unseen.', 'pass the platform alert topic ARN.');
    if (!props.schedule && (props.driftAlarmArns ?? []).length === 0) {
      invalid(this, 'the retraining has no trigger: neither a schedule nor drift alarms.', 'set schedule (e.g. "cron(0 3 ? * MON *)") and/or driftAlarmArns.');
    }
    if (props.schedule) checkScheduleExpression(this, 'schedule', props.schedule);
    if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(props.modelPackageGroupName) && !props.modelPackageGroupName.includes('${')) {
      invalid(this, `modelPackageGroupName ${show(props.modelPackageGroupName)} is not a model package group name.`, 'pass the group name from the ModelRegistry.');
    }
    const key = KeyRing.of(this).key('pipelines');
    allowEventBridgeToQueues(this, key);
    const deadline = props.activeDeadlineSeconds ?? QUEUED_RUN_MAX_SECONDS;
    this.deadLetterQueue = new SqsQueue(this, 'dead_letter_queue', {
      name: stack.naming.name(this, 'sqs-queue', 'retrain', this.name, 'dlq'),
      kmsMasterKeyId: key.keyArn,
      messageRetentionSeconds: 1209600,
    });
    this.queue = new SqsQueue(this, 'queue', {
      name: stack.naming.name(this, 'sqs-queue', 'retrain', this.name),
      kmsMasterKeyId: key.keyArn,
      visibilityTimeoutSeconds: deadline + 600,
      messageRetentionSeconds: 345600,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount: 3 }),
    });
    this.deadLetterAlarm = retrainingAlarm(this, 'dead_letter_alarm', {
      retraining: this.name, what: 'dead-letter', description: `Retraining of ${this.name}: a request failed three times and is in the dead-letter queue`,
      namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: this.deadLetterQueue.name }, statistic: 'Maximum',
      topicArn: props.alarmTopicArn,
    });

    if (props.schedule) {
      this.addTrigger('schedule_rule', { scheduleExpression: props.schedule, description: `Scheduled retraining of ${this.name}` }, '{"trigger":"schedule"}');
    }
    if ((props.driftAlarmArns ?? []).length > 0) {
      this.addTrigger('drift_rule', {
        description: `Drift alarms of ${this.name} request a retraining`,
        eventPattern: JSON.stringify({
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          resources: props.driftAlarmArns,
          detail: { state: { value: ['ALARM'] } },
        }),
      });
    }
    new SqsQueuePolicy(this, 'queue_policy', {
      queueUrl: this.queue.url,
      policy: Lazy.stringValue({
        produce: () => JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'EventBridgeTriggers', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: this.queue.arn,
              Condition: { ArnEquals: { 'aws:SourceArn': this.rules.map((r) => r.arn) } },
            },
            {
              Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: this.queue.arn,
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      }),
    });

    // The run's identity (the team's): take and delete requests, write the model, register a candidate.
    const team = props.team.identity;
    team.addToPolicy({ actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'], resources: [this.queue.arn] });
    key.grantDecrypt(team, 'sqs');
    const modelPrefix = `${props.models.prefix.replace(/^\/+/, '').replace(/\/?$/, '/')}${this.name}/`;
    props.models.bucket.grantWrite(team, modelPrefix);
    this.candidates = { bucket: props.models.bucket, prefix: modelPrefix };
    this.modelOutputUri = `s3://${props.models.bucket.bucketName}/${modelPrefix}$(RUN_ID)/`;
    team.addToPolicy({
      sid: `RegisterCandidate${this.name.replace(/[^A-Za-z0-9]/g, '')}`,
      actions: ['sagemaker:CreateModelPackage'],
      resources: [
        stack.arn('sagemaker', `model-package-group/${props.modelPackageGroupName}`),
        stack.arn('sagemaker', `model-package/${props.modelPackageGroupName}/*`),
      ],
      conditions: { StringEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } },
    });
    // The scaler (KEDA operator) only reads the queue length.
    props.scaler.addToPolicy({ actions: ['sqs:GetQueueAttributes'], resources: [this.queue.arn] });

    const k = props.team.cluster.workloads.scopeFor(this);
    const labels = this.labels();
    this.triggerAuthentication = new ApiObject(k, 'trigger-authentication', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'TriggerAuthentication',
      metadata: { name: `${this.name}-queue`, namespace: this.namespace, labels },
      spec: { podIdentity: { provider: 'aws' } },
    });
    this.scaledJob = new ApiObject(k, 'scaled-job', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledJob',
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        pollingInterval: 60,
        maxReplicaCount: 1,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        scalingStrategy: { strategy: 'default' },
        jobTargetRef: this.runSpec(),
        triggers: [{
          type: 'aws-sqs-queue',
          authenticationRef: { name: `${this.name}-queue` },
          metadata: { queueURL: this.queue.url, queueLength: '1', awsRegion: stack.region, scaleOnInFlight: 'true' },
        }],
      },
    });
  }

  /** One run: dequeue a request, train, register the candidate, then delete the request. */
  protected runSpec(): k8s.JobSpec {
    const p = this.retrainProps;
    const spec = this.jobSpec();
    const pod = spec.template.spec!;
    const stack = MlopsStack.of(this);
    const artifact = p.modelArtifactName ?? 'model.tar.gz';
    const runEnv: k8s.EnvVar[] = [
      { name: 'RUN_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'AWS_REGION', value: stack.region },
      { name: 'HOME', value: '/tmp' },
      { name: 'QUEUE_URL', value: this.queue.url },
      { name: 'MODEL_OUTPUT_URI', value: this.modelOutputUri },
    ];
    const cli = (name: string, script: string): k8s.Container => ({
      name,
      image: resolveImage(this, 'the AWS CLI image', ContainerImage.libraryDefault(AWS_CLI_IMAGE)).ref,
      command: ['/bin/sh', '-c', script],
      env: runEnv,
      resources: containerResources('100m', '256Mi'),
      securityContext: this.containerSecurityContext() as k8s.SecurityContext,
      volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }],
    });
    const train = pod.containers[0];
    const inference = JSON.stringify({
      Containers: [{ Image: resolveImage(this, 'inferenceImage', p.inferenceImage).ref, ModelDataUrl: `${this.modelOutputUri}${artifact}` }],
      SupportedContentTypes: ['application/json'],
      SupportedResponseMIMETypes: ['application/json'],
    });
    return {
      ...spec,
      template: {
        ...spec.template,
        spec: {
          ...pod,
          initContainers: [
            cli('dequeue', [
              'set -eu',
              'aws sqs receive-message --queue-url "$QUEUE_URL" --max-number-of-messages 1 --query "Messages[0].ReceiptHandle" --output text > /tmp/receipt',
              'test "$(cat /tmp/receipt)" != "None" || { echo "no retraining request waiting"; exit 1; }',
            ].join('\n')),
            { ...train, env: [...(train.env ?? []), ...runEnv.filter((e) => e.name !== 'HOME')] },
          ],
          containers: [cli('register-candidate', [
            'set -eu',
            `aws sagemaker create-model-package --model-package-group-name ${p.modelPackageGroupName} --model-approval-status PendingManualApproval --model-package-description "retrained by run $RUN_ID" --inference-specification '${inference}'`,
            'aws sqs delete-message --queue-url "$QUEUE_URL" --receipt-handle "$(cat /tmp/receipt)"',
          ].join('\n'))],
        },
      },
    };
  }

  private addTrigger(id: string, rule: { scheduleExpression?: string; eventPattern?: string; description: string }, input?: string): void {
    const stack = MlopsStack.of(this);
    const r = new CloudwatchEventRule(this, id, {
      name: stack.naming.name(this, 'eventbridge-rule', 'retrain', this.name, id.replace(/_rule$/, '')),
      ...rule,
    });
    this.rules.push(r);
    new CloudwatchEventTarget(this, `${id}_target`, { rule: r.name, arn: this.queue.arn, input });
  }
}
