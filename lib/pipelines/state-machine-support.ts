import { Construct } from 'constructs';
import { SfnStateMachineConfig } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { MlopsStack } from '../core/mlops-stack';
import { DomainKey } from '../security/domain-key';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { PolicyStatement } from '../security/policy-document';

/** Keys whose policy already lets log delivery decrypt (one statement per key, however many state machines). */
const LOG_DELIVERY_ALLOWED = new WeakSet<DomainKey>();

/** Lets CloudWatch Logs vended delivery decrypt with `key` (added once per key). */
export function allowLogDelivery(scope: Construct, key: DomainKey): void {
  if (LOG_DELIVERY_ALLOWED.has(key)) return;
  LOG_DELIVERY_ALLOWED.add(key);
  key.allowInKeyPolicy({
    principal: { Service: 'delivery.logs.amazonaws.com' },
    actions: ['kms:Decrypt'],
    conditions: { StringEquals: { 'aws:SourceAccount': MlopsStack.of(scope).accountId } },
  });
}

/** What every state machine role of the pipelines needs: its key (for this state machine only), log delivery, tracing. */
export function stateMachineStatements(key: DomainKey, stateMachineArn: string): PolicyStatement[] {
  return [
    {
      sid: 'StateMachineKey',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': stateMachineArn } },
    },
    {
      sid: 'LogDelivery',
      actions: ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
        'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
      resources: ['*'],
      wildcardReason: 'CloudWatch Logs vended log delivery APIs support no resource-level permissions',
    },
    {
      sid: 'Tracing',
      actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
      resources: ['*'],
      wildcardReason: 'X-Ray trace submission supports no resource-level permissions',
    },
  ];
}

/** Logging (level ALL without execution data), X-Ray tracing and customer-managed encryption of a state machine. */
export function stateMachineSettings(logGroup: EncryptedLogGroup, key: DomainKey): Pick<SfnStateMachineConfig, 'loggingConfiguration' | 'tracingConfiguration' | 'encryptionConfiguration'> {
  return {
    loggingConfiguration: { level: 'ALL', includeExecutionData: false, logDestination: `${logGroup.arn}:*` },
    tracingConfiguration: { enabled: true },
    encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyId: key.keyArn, kmsDataKeyReusePeriodSeconds: 300 },
  };
}

/** Keys whose policy already lets EventBridge use them for the SQS queues it sends to. */
const EVENTBRIDGE_ALLOWED = new WeakSet<DomainKey>();

/** Lets EventBridge send to SQS queues encrypted with `key` (added once per key). */
export function allowEventBridgeToQueues(scope: Construct, key: DomainKey): void {
  if (EVENTBRIDGE_ALLOWED.has(key)) return;
  EVENTBRIDGE_ALLOWED.add(key);
  key.allowInKeyPolicy({
    principal: { Service: 'events.amazonaws.com' },
    actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    conditions: { StringEquals: { 'aws:SourceAccount': MlopsStack.of(scope).accountId } },
  });
}
