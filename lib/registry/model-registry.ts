import { Construct } from 'constructs';
import { Token } from 'cdktf';
import { SagemakerModelPackageGroup } from '@cdktf/provider-aws/lib/sagemaker-model-package-group';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogResourcePolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-resource-policy';
import { MlopsStack } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { IGrantable } from '../security/principal';

/** The default lifecycle of a model version. */
export const LIFECYCLE_STAGES = ['candidate', 'staging', 'production', 'archived'] as const;

/** Props of {@link ModelRegistry}. */
export interface ModelRegistryProps {
  /** Registered models (DNS labels, e.g. `churn`): one SageMaker model package group each. */
  readonly models: string[];
  /** Identity that registers model versions and moves them through the stages that need no approval (CI, training pipeline). */
  readonly promoter: IGrantable;
  /** Separate identity that approves promotions to approval stages (production). Must differ from the promoter. */
  readonly approver: IGrantable;
  /** Lifecycle stages, in order. @default LIFECYCLE_STAGES (candidate, staging, production, archived) */
  readonly stages?: string[];
  /** Stages a version may only enter with the approver's approval (ModelApprovalStatus Approved). @default ["production"] */
  readonly approvalStages?: string[];
  /** SNS topic (ARN) that also receives every promotion event. @default the audit log group only */
  readonly notificationTopicArn?: string;
  /** Retention of the promotion audit log, in days. @default the profile's logRetentionDays */
  readonly auditLogRetentionDays?: number;
}

const STAGE = /^[a-z][a-z0-9-]{0,30}$/;
const READ_ACTIONS = ['sagemaker:DescribeModelPackageGroup', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'];

/**
 * Registered models with lifecycle stages and governed promotion, on SageMaker Model Package Groups.
 *
 * - One model package group per model. A new version is registered `PendingManualApproval`
 *   (stage `candidate`); only that status may be used at registration.
 * - Stages without approval are moved by the promoter (`UpdateModelPackage`, never to `Approved`).
 * - Approval stages (production) need `ModelApprovalStatus=Approved`, which only the approver may
 *   set: IAM enforces it through the `sagemaker:ModelApprovalStatus` condition key, and the
 *   promoter carries an explicit Deny for it. The approver must be a different identity.
 * - Every state change of a package in these groups is an EventBridge event ("SageMaker Model
 *   Package State Change") that a rule writes to a KMS-encrypted audit log group (and optionally an
 *   SNS topic); CloudTrail records who called UpdateModelPackage.
 */
export class ModelRegistry extends Construct {
  /** Model package groups by model name. */
  public readonly groups: Record<string, SagemakerModelPackageGroup> = {};
  /** Model package group names by model name (literal, known before apply). */
  public readonly groupNames: Record<string, string> = {};
  public readonly stages: readonly string[];
  public readonly approvalStages: readonly string[];
  public readonly auditLog: EncryptedLogGroup;
  public readonly promotionRule: CloudwatchEventRule;
  public readonly promoter: IGrantable;
  public readonly approver: IGrantable;

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    if (props.models.length === 0) invalid(this, 'models is empty.', 'list at least one model, e.g. models: ["churn"].');
    const seen = new Set<string>();
    for (const m of props.models) {
      checkName(this, 'k8s-name', m);
      if (seen.has(m)) invalid(this, `model ${show(m)} is listed twice.`, 'list each model once.');
      seen.add(m);
    }
    this.stages = props.stages ?? [...LIFECYCLE_STAGES];
    for (const s of this.stages) {
      if (!STAGE.test(s)) invalid(this, `stage ${show(s)} is not a valid stage name.`, 'use lower-case letters, digits and hyphens, starting with a letter.');
    }
    if (new Set(this.stages).size !== this.stages.length) invalid(this, `stages ${show(this.stages)} repeat a stage.`, 'list each stage once.');
    this.approvalStages = props.approvalStages ?? ['production'];
    if (this.approvalStages.length === 0) {
      invalid(this, 'approvalStages is empty, so promotion to production would need no approval.', 'name at least one approval stage, e.g. ["production"].');
    }
    for (const s of this.approvalStages) this.checkStage(s, 'approvalStages');
    if (sameIdentity(props.promoter, props.approver)) {
      invalid(this, `the approver ${props.approver.node.path} is the promoter as well; a promotion to ${this.approvalStages.join(', ')} would approve itself.`,
        'pass a separate approver identity (e.g. a release-manager role) that the promoter cannot assume.');
    }
    this.promoter = props.promoter;
    this.approver = props.approver;

    for (const m of props.models) {
      this.groupNames[m] = stack.naming.name(this, 'model-package-group', m);
      this.groups[m] = new SagemakerModelPackageGroup(this, m, {
        modelPackageGroupName: this.groupNames[m],
        modelPackageGroupDescription: `Versions of model ${m}; stages ${this.stages.join(' > ')}; ${this.approvalStages.join(', ')} needs approval`,
        tags: { model: m },
      });
    }

    // Audit: every package state change in these groups goes to an encrypted log group.
    this.auditLog = new EncryptedLogGroup(this, 'audit_log', {
      name: `/aws/events/${stack.naming.prefix}/model-registry`,
      retentionDays: props.auditLogRetentionDays,
      retentionDaysProp: 'auditLogRetentionDays',
    });
    this.promotionRule = new CloudwatchEventRule(this, 'promotion_rule', {
      name: stack.naming.name(this, 'eventbridge-rule', 'model', 'promotions'),
      description: 'Model package registrations, approvals and rejections (promotion audit)',
      eventPattern: JSON.stringify({
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: props.models.map((m) => this.groups[m].modelPackageGroupName) },
      }),
    });
    new CloudwatchLogResourcePolicy(this, 'audit_log_policy', {
      policyName: stack.naming.name(this, 'iam-policy', 'model', 'promotions', 'to', 'logs'),
      policyDocument: JSON.stringify({
        Version: '2012-10-17',
        // The source-ARN condition only applies to PutLogEvents (CreateLogStream carries no source ARN).
        Statement: [
          {
            Sid: 'EventBridgeCreatesAuditStreams',
            Effect: 'Allow',
            Principal: { Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] },
            Action: 'logs:CreateLogStream',
            Resource: `${this.auditLog.arn}:*`,
          },
          {
            Sid: 'PromotionRuleWritesAudit',
            Effect: 'Allow',
            Principal: { Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] },
            Action: 'logs:PutLogEvents',
            Resource: `${this.auditLog.arn}:*`,
            Condition: { ArnEquals: { 'aws:SourceArn': this.promotionRule.arn } },
          },
        ],
      }),
    });
    new CloudwatchEventTarget(this, 'promotion_audit_target', {
      rule: this.promotionRule.name,
      targetId: 'audit-log',
      arn: this.auditLog.arn,
    });
    if (props.notificationTopicArn) {
      new CloudwatchEventTarget(this, 'promotion_notification_target', {
        rule: this.promotionRule.name,
        targetId: 'notification',
        arn: props.notificationTopicArn,
      });
    }

    this.grantRegister(props.promoter);
    this.grantPromote(props.promoter, ...this.stages.filter((s) => !this.approvalStages.includes(s)));
    this.denyApproval(props.promoter);
    this.grantPromote(props.approver, ...this.approvalStages);
  }

  /** ARN of a model's package group. */
  public groupArn(model: string): string {
    return this.group(model).arn;
  }

  /** Register new versions (always PendingManualApproval) and read the groups. */
  public grantRegister(principal: IGrantable): void {
    principal.addToPolicy(
      {
        actions: ['sagemaker:CreateModelPackage'],
        resources: [...this.groupArns(), ...this.packageArns()],
        conditions: { StringEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } },
      },
      { actions: READ_ACTIONS, resources: [...this.groupArns(), ...this.packageArns()] },
    );
  }

  /**
   * Move versions into `stages`. Stages that need approval let the principal set any approval
   * status (Approved, Rejected); other stages never allow `Approved`. The promoter may not be given
   * an approval stage.
   */
  public grantPromote(principal: IGrantable, ...stages: string[]): void {
    if (stages.length === 0) return;
    for (const s of stages) this.checkStage(s, 'grantPromote');
    const approves = stages.filter((s) => this.approvalStages.includes(s));
    if (approves.length > 0 && sameIdentity(principal, this.promoter)) {
      invalid(this, `the promoter ${principal.node.path} was asked to promote to ${approves.join(', ')}, which needs a separate approver.`,
        `grant ${approves.join(', ')} to the approver only.`);
    }
    principal.addToPolicy({
      actions: ['sagemaker:UpdateModelPackage'],
      resources: this.packageArns(),
      conditions: approves.length > 0 ? undefined : { StringNotEquals: { 'sagemaker:ModelApprovalStatus': 'Approved' } },
    });
    principal.addToPolicy({ actions: READ_ACTIONS, resources: [...this.groupArns(), ...this.packageArns()] });
  }

  /** An explicit Deny of approving, which no other policy of the principal can override. */
  protected denyApproval(principal: IGrantable): void {
    principal.addToPolicy({
      sid: 'DenySelfApproval',
      effect: 'Deny',
      actions: ['sagemaker:UpdateModelPackage', 'sagemaker:CreateModelPackage'],
      resources: this.packageArns(),
      conditions: { StringEquals: { 'sagemaker:ModelApprovalStatus': 'Approved' } },
    });
  }

  private group(model: string): SagemakerModelPackageGroup {
    const g = this.groups[model];
    if (!g) invalid(this, `model ${show(model)} is not registered.`, `use one of ${Object.keys(this.groups).join(', ')}.`);
    return g;
  }

  private checkStage(stage: string, where: string): void {
    if (!this.stages.includes(stage)) {
      invalid(this, `${where} names stage ${show(stage)}, which is not a lifecycle stage of this registry.`, `use one of ${this.stages.join(', ')}.`);
    }
  }

  private groupArns(): string[] {
    return Object.values(this.groups).map((g) => g.arn);
  }

  private packageArns(): string[] {
    const stack = MlopsStack.of(this);
    return Object.values(this.groups).map((g) => stack.arn('sagemaker', `model-package/${g.modelPackageGroupName}/*`));
  }
}

function sameIdentity(a: IGrantable, b: IGrantable): boolean {
  if (a === b) return true;
  return !Token.isUnresolved(a.roleArn) && a.roleArn === b.roleArn;
}
