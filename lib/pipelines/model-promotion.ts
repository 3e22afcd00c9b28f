import { Construct } from 'constructs';
import { Token } from 'cdktf';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { MlopsStack } from '../core/mlops-stack';
import { checkName } from '../core/naming';
import { invalid, show } from '../core/errors';
import { KeyRing } from '../security/key-ring';
import { DomainKey } from '../security/domain-key';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { PlatformRole } from '../security/platform-role';
import { SecureBucket } from '../security/secure-bucket';
import { normalizeKeyPrefix } from '../serving/prefix';
import { CURRENT_MODEL_POINTER, MODEL_VERSIONS_FOLDER } from '../registry/model-locations';
import { retrainingAlarm } from './retraining-alarm';
import { allowEventBridgeToQueues, allowLogDelivery, stateMachineSettings, stateMachineStatements } from './state-machine-support';

/** A key prefix in a bucket (a retraining pipeline's `candidates`, a model's serving `artifacts`). */
export interface PromotionLocation {
  readonly bucket: SecureBucket;
  /** Literal key prefix, e.g. `models/fraud/`. */
  readonly prefix: string;
}

/** Props of {@link ModelPromotion}. */
export interface ModelPromotionProps {
  /** The served model (DNS label): names the state machine, rule, role and alarms. */
  readonly model: string;
  /** The model package group whose approved packages are promoted (ModelRegistry group of the model). */
  readonly modelPackageGroupName: string;
  /**
   * Where the retraining pipelines that register into the group write their models
   * (`RetrainingPipeline.candidates`, `QueuedRetraining.candidates`). A package whose ModelDataUrl
   * lies elsewhere is refused, and the promotion role can read nothing else.
   */
  readonly sources: PromotionLocation[];
  /** Where serving reads the model (`ModelService.artifacts`): the only prefix the promotion writes. */
  readonly destination: PromotionLocation;
  /** SNS topic (ARN) notified when a promotion fails, times out or its trigger is dead-lettered. */
  readonly alarmTopicArn: string;
}

/**
 * Closes the model lifecycle: retrain -> register (`PendingManualApproval`) -> approve -> serve.
 *
 * An EventBridge rule on "SageMaker Model Package State Change" for one model package group with
 * `ModelApprovalStatus: Approved` starts a Step Functions state machine (STANDARD, JSONata; logs at
 * level ALL without execution data, X-Ray, encrypted with the `pipelines` CMK) that
 *
 * 1. describes the approved package (`sagemaker:DescribeModelPackage`) and reads its ModelDataUrl;
 * 2. refuses it unless it is still Approved, belongs to the group and lies under one of `sources`;
 * 3. copies the artifact to `<destination>versions/<package version>/<file>` (`s3:CopyObject`,
 *    encrypted by the destination bucket's default key), only if the object is unchanged since the
 *    package was registered (what the approver approved);
 * 4. writes the pointer `<destination>current.json` naming that version, which the model server
 *    (env `MODEL_POINTER_URI`) and batch jobs read.
 *
 * Its role may only read the sources, write the destination, use the zone keys through S3, and
 * describe packages of this group. It cannot approve (no `sagemaker:UpdateModelPackage`): approval
 * stays with the registry's approver. Failed and timed-out executions and undeliverable approval
 * events (dead-letter queue) raise alarms.
 */
export class ModelPromotion extends Construct {
  public readonly stateMachine: SfnStateMachine;
  public readonly stateMachineName: string;
  public readonly role: PlatformRole;
  /** Role the approval rule starts executions with. */
  public readonly triggerRole: PlatformRole;
  public readonly rule: CloudwatchEventRule;
  public readonly logGroup: EncryptedLogGroup;
  public readonly key: DomainKey;
  /** Approval events EventBridge could not deliver (after its retries). */
  public readonly deadLetterQueue: SqsQueue;
  public readonly failedAlarm: CloudwatchMetricAlarm;
  public readonly timedOutAlarm: CloudwatchMetricAlarm;
  public readonly deadLetterAlarm: CloudwatchMetricAlarm;
  /** The normalized source prefixes (candidates of the pipelines). */
  public readonly sources: PromotionLocation[];
  /** The normalized serving location written. */
  public readonly destination: PromotionLocation;

  constructor(scope: Construct, id: string, props: ModelPromotionProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const model = checkName(this, 'k8s-name', props.model);
    if (!props.modelPackageGroupName) invalid(this, 'no modelPackageGroupName: there is no group whose approvals to promote.', 'pass the ModelRegistry group name of the model.');
    if (!Token.isUnresolved(props.modelPackageGroupName)) checkName(this, 'model-package-group', props.modelPackageGroupName);
    if (!props.alarmTopicArn) invalid(this, 'no alarmTopicArn: a failed promotion would go unseen.', 'pass the platform alert topic ARN.');
    if (props.sources.length === 0) {
      invalid(this, 'sources is empty: no approved package could ever be promoted.', 'pass the candidates location of each retraining pipeline that registers into the group.');
    }
    this.sources = props.sources.map((l, i) => ({ bucket: l.bucket, prefix: this.checkPrefix(`sources[${i}]`, l.prefix) }));
    this.destination = { bucket: props.destination.bucket, prefix: this.checkPrefix('destination', props.destination.prefix) };
    for (const [i, s] of this.sources.entries()) {
      if (s.bucket === this.destination.bucket && (s.prefix.startsWith(this.destination.prefix) || this.destination.prefix.startsWith(s.prefix))) {
        invalid(this, `sources[${i}].prefix ${show(s.prefix)} overlaps destination.prefix ${show(this.destination.prefix)}: the pipeline's team could write where serving reads.`,
          'let retraining write to its candidates prefix (model-candidates/<pipeline>/) and serve from models/<model>/.');
      }
    }

    this.key = KeyRing.of(this).key('pipelines');
    allowLogDelivery(this, this.key);
    this.stateMachineName = stack.naming.name(this, 'state-machine', 'promote', model);
    const stateMachineArn = stack.arn('states', `stateMachine:${this.stateMachineName}`);
    const ruleName = stack.naming.name(this, 'eventbridge-rule', 'promote', model);
    const ruleArn = stack.arn('events', `rule/${ruleName}`);
    this.logGroup = new EncryptedLogGroup(this, 'logs', { name: `/aws/vendedlogs/states/${this.stateMachineName}` });

    this.role = new PlatformRole(this, 'role', {
      nameParts: ['sfn', 'promote', model],
      description: `Promotion of model ${model}: copies the approved package's artifact to where serving reads`,
      trust: [{
        principals: { Service: 'states.amazonaws.com' },
        actions: ['sts:AssumeRole'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId }, ArnLike: { 'aws:SourceArn': stateMachineArn } },
      }],
    });
    this.grantPromotionPermissions(props.modelPackageGroupName, stateMachineArn);

    this.stateMachine = new SfnStateMachine(this, 'state_machine', {
      name: this.stateMachineName,
      type: 'STANDARD',
      roleArn: this.role.roleArn,
      definition: JSON.stringify(this.definition(props.modelPackageGroupName, stack.partition)),
      ...stateMachineSettings(this.logGroup, this.key),
      publish: false,
    });

    this.triggerRole = new PlatformRole(this, 'trigger_role', {
      nameParts: ['promote', model, 'trigger'],
      description: `Starts the promotion of model ${model} when a package of its group is approved`,
      trust: [{
        principals: { Service: 'events.amazonaws.com' },
        actions: ['sts:AssumeRole'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.accountId }, ArnEquals: { 'aws:SourceArn': ruleArn } },
      }],
    });
    this.triggerRole.addToPolicy({ sid: 'StartPromotion', actions: ['states:StartExecution'], resources: [this.stateMachine.arn] });
    this.triggerRole.addToPolicy({
      sid: 'EncryptExecutionInput',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': stateMachineArn } },
    });

    this.rule = new CloudwatchEventRule(this, 'approval_rule', {
      name: ruleName,
      description: `Promote model ${model} to serving when a package of ${props.modelPackageGroupName} is approved`,
      eventPattern: JSON.stringify({
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [props.modelPackageGroupName], ModelApprovalStatus: ['Approved'] },
      }),
    });
    allowEventBridgeToQueues(this, this.key);
    this.deadLetterQueue = new SqsQueue(this, 'dead_letter_queue', {
      name: stack.naming.name(this, 'sqs-queue', 'promote', model, 'dlq'),
      kmsMasterKeyId: this.key.keyArn,
      messageRetentionSeconds: 1209600,
    });
    new SqsQueuePolicy(this, 'dead_letter_queue_policy', {
      queueUrl: this.deadLetterQueue.url,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ApprovalRuleDeadLetters', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: this.deadLetterQueue.arn,
            Condition: { ArnEquals: { 'aws:SourceArn': this.rule.arn } },
          },
          {
            Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: this.deadLetterQueue.arn,
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });
    new CloudwatchEventTarget(this, 'approval_target', {
      rule: this.rule.name,
      targetId: 'promotion',
      arn: this.stateMachine.arn,
      roleArn: this.triggerRole.roleArn,
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: this.deadLetterQueue.arn },
    });

    const alarm = (aid: string, what: string, description: string, namespace: string, metricName: string, dimensions: Record<string, string>, statistic: 'Sum' | 'Maximum') =>
      retrainingAlarm(this, aid, { kind: 'promote', retraining: model, what, description, namespace, metricName, dimensions, statistic, topicArn: props.alarmTopicArn });
    this.failedAlarm = alarm('failed_alarm', 'failed', `Promotion of ${model}: an approved package did not reach serving`,
      'AWS/States', 'ExecutionsFailed', { StateMachineArn: this.stateMachine.arn }, 'Sum');
    this.timedOutAlarm = alarm('timed_out_alarm', 'timed-out', `Promotion of ${model}: an execution timed out`,
      'AWS/States', 'ExecutionsTimedOut', { StateMachineArn: this.stateMachine.arn }, 'Sum');
    this.deadLetterAlarm = alarm('dead_letter_alarm', 'dead-letter', `Promotion of ${model}: an approval event could not start the promotion and is in the dead-letter queue`,
      'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: this.deadLetterQueue.name }, 'Maximum');
  }

  /** `s3://` URI of the pointer serving reads. */
  public get pointerUri(): string {
    return `s3://${this.destination.bucket.bucketName}/${this.destination.prefix}${CURRENT_MODEL_POINTER}`;
  }

  /** Permissions of the state machine role: read the sources, write the destination, describe packages of the group. Never approve. */
  protected grantPromotionPermissions(group: string, stateMachineArn: string): void {
    const stack = MlopsStack.of(this);
    const g = Token.isUnresolved(group) ? group : group.toLowerCase();
    this.role.addToPolicy({ sid: 'DescribeApprovedPackage', actions: ['sagemaker:DescribeModelPackage'], resources: [stack.arn('sagemaker', `model-package/${g}/*`)] });
    for (const s of this.sources) s.bucket.grantRead(this.role, s.prefix);
    this.destination.bucket.grantWrite(this.role, this.destination.prefix);
    this.role.addToPolicy(...stateMachineStatements(this.key, stateMachineArn));
  }

  /** The state machine (JSONata). Subclasses may override it to add steps (smoke tests, notifications). */
  protected definition(group: string, partition: string): Record<string, unknown> {
    const uri = (l: PromotionLocation) => `s3://${l.bucket.bucketName}/${l.prefix}`;
    const dest = this.destination;
    const versions = `${dest.prefix}${MODEL_VERSIONS_FOLDER}`;
    const sources = JSON.stringify(this.sources.map(uri)).replace(/"/g, "'");
    const file = "$split($source, '/')[-1]";
    const sdk = (api: string) => `arn:${partition}:states:::aws-sdk:${api}`;
    const retry = [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 10, MaxAttempts: 3, BackoffRate: 2 }];
    return {
      Comment: `Promotion of ${this.stateMachineName}: copy an approved package of ${group} to where serving reads. Approval is the approver's, outside this machine.`,
      QueryLanguage: 'JSONata',
      StartAt: 'DescribePackage',
      TimeoutSeconds: 3600,
      States: {
        DescribePackage: {
          Type: 'Task',
          Resource: sdk('sagemaker:describeModelPackage'),
          Arguments: { ModelPackageName: '{% $states.input.detail.ModelPackageArn %}' },
          Assign: {
            packageArn: '{% $states.result.ModelPackageArn %}',
            group: '{% $states.result.ModelPackageGroupName %}',
            status: '{% $states.result.ModelApprovalStatus %}',
            version: '{% $string($states.result.ModelPackageVersion) %}',
            source: '{% $states.result.InferenceSpecification.Containers[0].ModelDataUrl %}',
            registered: '{% $states.result.CreationTime %}',
          },
          Retry: retry,
          Next: 'CheckPackage',
        },
        CheckPackage: {
          Type: 'Choice',
          Choices: [{
            // Still approved, in this group, and its artifact is a file under a pipeline's candidates prefix.
            Condition: `{% $status = 'Approved' and $group = '${group}' and $type($source) = 'string' and $length(${file}) > 0 and $count(${sources}[$substring($source, 0, $length($)) = $]) > 0 %}`,
            Next: 'CopyArtifact',
          }],
          Default: 'Refuse',
        },
        CopyArtifact: {
          Type: 'Task',
          Resource: sdk('s3:copyObject'),
          Arguments: {
            Bucket: dest.bucket.bucketName,
            Key: `{% '${versions}' & $version & '/' & ${file} %}`,
            CopySource: "{% $substringAfter($source, 's3://') %}",
            // The artifact the approver approved: unchanged since the package was registered (else PreconditionFailed).
            CopySourceIfUnmodifiedSince: '{% $registered %}',
          },
          Assign: { modelUri: `{% '${uri(dest)}${MODEL_VERSIONS_FOLDER}' & $version & '/' & ${file} %}` },
          Retry: retry,
          Next: 'PointServingAtVersion',
        },
        PointServingAtVersion: {
          Type: 'Task',
          Resource: sdk('s3:putObject'),
          Arguments: {
            Bucket: dest.bucket.bucketName,
            Key: `${dest.prefix}${CURRENT_MODEL_POINTER}`,
            ContentType: 'application/json',
            Body: "{% $string({'modelPackageArn': $packageArn, 'modelPackageVersion': $number($version), 'modelUri': $modelUri, 'sourceModelDataUrl': $source}) %}",
          },
          Retry: retry,
          End: true,
        },
        Refuse: {
          Type: 'Fail',
          Error: 'PromotionRefused',
          Cause: `The package is no longer Approved, is not in ${group}, or its ModelDataUrl is not under a retraining pipeline's candidates prefix.`,
        },
      },
    };
  }

  private checkPrefix(prop: string, prefix: string): string {
    const p = normalizeKeyPrefix(prefix);
    if (p === undefined || /['"\\{}%$]/.test(p)) {
      invalid(this, `${prop}.prefix ${show(prefix)} must be a literal, non-empty key prefix.`, 'use e.g. "models/fraud/" (no wildcards or quotes).');
    }
    return p;
  }
}
