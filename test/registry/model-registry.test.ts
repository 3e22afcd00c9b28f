import { App } from 'cdktf';
import { MlopsStack } from '../../lib/core/mlops-stack';
import { PlatformRole } from '../../lib/security/platform-role';
import { ModelRegistry, ModelRegistryProps } from '../../lib/registry/model-registry';
import { allText, danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';
import { secretFindings } from './secret-scan';

const role = (stack: MlopsStack, id: string) => new PlatformRole(stack, id, {
  nameParts: [id.replace(/_/g, '-')],
  description: id,
  trust: [{ principals: { AWS: 'arn:aws:iam::111122223333:root' }, actions: ['sts:AssumeRole'] }],
});

function build(app: App, extra: (stack: MlopsStack) => Partial<ModelRegistryProps> = () => ({})) {
  const stack = testStack(app);
  const promoter = role(stack, 'ci');
  const approver = role(stack, 'release_manager');
  const registry = new ModelRegistry(stack, 'models', { models: ['churn', 'fraud'], promoter, approver, ...extra(stack) });
  return { stack, promoter, approver, registry };
}

const PACKAGES = [
  'arn:${data.aws_partition.partition.partition}:sagemaker:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:model-package/${aws_sagemaker_model_package_group.models_churn.model_package_group_name}/*',
  'arn:${data.aws_partition.partition.partition}:sagemaker:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:model-package/${aws_sagemaker_model_package_group.models_fraud.model_package_group_name}/*',
];
const GROUPS = ['${aws_sagemaker_model_package_group.models_churn.arn}', '${aws_sagemaker_model_package_group.models_fraud.arn}'];

describe('ModelRegistry', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => { build(app, () => ({ notificationTopicArn: 'arn:aws:sns:eu-west-1:111122223333:model-promotions' })); });
    p = s.stacks.platform;
  });

  test('references resolve; no secret material', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(secretFindings(allText(s))).toEqual([]);
  });

  test('one model package group per model, named and addressed by model', () => {
    expect(Object.keys(resources(p, 'aws_sagemaker_model_package_group'))).toEqual(['models_churn', 'models_fraud']);
    expect(resource(p, 'aws_sagemaker_model_package_group', 'models_churn')).toMatchObject({
      model_package_group_name: 'acme-dev-churn',
      model_package_group_description: expect.stringContaining('candidate > staging > production > archived'),
    });
  });

  test('the group names are known before apply (groupNames), as the synthesized groups are named', () => {
    const { registry } = build(new App({ outdir: require('os').tmpdir() }));
    expect(registry.groupNames).toEqual({ churn: 'acme-dev-churn', fraud: 'acme-dev-fraud' });
    expect(resource(p, 'aws_sagemaker_model_package_group', 'models_fraud').model_package_group_name).toBe(registry.groupNames.fraud);
  });

  test('the promoter registers versions only as PendingManualApproval', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'ci_policy').policy);
    const create = doc.Statement.filter((st: any) => st.Effect === 'Allow' && ([] as string[]).concat(st.Action).includes('sagemaker:CreateModelPackage'));
    expect(create).toEqual([{
      Effect: 'Allow', Action: 'sagemaker:CreateModelPackage', Resource: [...GROUPS, ...PACKAGES],
      Condition: { StringEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } },
    }]);
  });

  test('the promoter moves versions between stages but can never approve (allow with condition, explicit deny)', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'ci_policy').policy);
    const updates = doc.Statement.filter((st: any) => st.Effect === 'Allow' && ([] as string[]).concat(st.Action).includes('sagemaker:UpdateModelPackage'));
    expect(updates).toEqual([{
      Effect: 'Allow', Action: 'sagemaker:UpdateModelPackage', Resource: PACKAGES,
      Condition: { StringNotEquals: { 'sagemaker:ModelApprovalStatus': 'Approved' } },
    }]);
    expect(doc.Statement.filter((st: any) => st.Effect === 'Deny')).toEqual([{
      Sid: 'DenySelfApproval', Effect: 'Deny', Action: ['sagemaker:UpdateModelPackage', 'sagemaker:CreateModelPackage'], Resource: PACKAGES,
      Condition: { StringEquals: { 'sagemaker:ModelApprovalStatus': 'Approved' } },
    }]);
    expect(doc.Statement.flatMap((st: any) => [].concat(st.Action)).some((a: string) => /Delete|CreateEndpoint|AddPermission/.test(a))).toBe(false);
  });

  test('the approver may approve (any status) but not register versions', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'release_manager_policy').policy);
    expect(doc.Statement).toContainEqual({ Effect: 'Allow', Action: 'sagemaker:UpdateModelPackage', Resource: PACKAGES });
    const actions = doc.Statement.flatMap((st: any) => [].concat(st.Action));
    expect(actions).not.toContain('sagemaker:CreateModelPackage');
    expect(doc.Statement.filter((st: any) => st.Effect === 'Deny')).toEqual([]);
  });

  test('every package state change of these groups is an audited EventBridge event', () => {
    const rule = resource(p, 'aws_cloudwatch_event_rule', 'models_promotion_rule');
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ['aws.sagemaker'],
      'detail-type': ['SageMaker Model Package State Change'],
      detail: { ModelPackageGroupName: ['${aws_sagemaker_model_package_group.models_churn.model_package_group_name}', '${aws_sagemaker_model_package_group.models_fraud.model_package_group_name}'] },
    });
    const log = resource(p, 'aws_cloudwatch_log_group', 'models_audit_log_log_group');
    expect(log).toMatchObject({ name: '/aws/events/acme-dev/model-registry', kms_key_id: '${aws_kms_key.keys_logs_key.arn}', retention_in_days: 30 });
    expect(resource(p, 'aws_cloudwatch_event_target', 'models_promotion_audit_target')).toMatchObject({
      rule: '${aws_cloudwatch_event_rule.models_promotion_rule.name}', arn: '${aws_cloudwatch_log_group.models_audit_log_log_group.arn}',
    });
    expect(resource(p, 'aws_cloudwatch_event_target', 'models_promotion_notification_target').arn).toBe('arn:aws:sns:eu-west-1:111122223333:model-promotions');
    const rp = JSON.parse(resource(p, 'aws_cloudwatch_log_resource_policy', 'models_audit_log_policy').policy_document);
    expect(rp.Statement.map((st: any) => [st.Action, st.Resource, st.Condition])).toEqual([
      ['logs:CreateLogStream', '${aws_cloudwatch_log_group.models_audit_log_log_group.arn}:*', undefined],
      ['logs:PutLogEvents', '${aws_cloudwatch_log_group.models_audit_log_log_group.arn}:*', { ArnEquals: { 'aws:SourceArn': '${aws_cloudwatch_event_rule.models_promotion_rule.arn}' } }],
    ]);
  });

  test('a further identity may be granted a non-approval stage without approving', () => {
    const s2 = synthesize((app) => {
      const { stack, registry } = build(app);
      registry.grantPromote(role(stack, 'qa'), 'staging');
    });
    const doc = policy(resource(s2.stacks.platform, 'aws_iam_role_policy', 'qa_policy').policy);
    expect(doc.Statement[0].Condition).toEqual({ StringNotEquals: { 'sagemaker:ModelApprovalStatus': 'Approved' } });
    expect(danglingReferences(s2)).toEqual([]);
  });
});

describe('ModelRegistry invalid input', () => {
  test('approver identical to the promoter', () => {
    expect(() => {
      const stack = testStack(new App());
      const ci = role(stack, 'ci');
      new ModelRegistry(stack, 'models', { models: ['churn'], promoter: ci, approver: ci });
    }).toThrow(/^\[platform\/models\] the approver platform\/ci is the promoter as well; a promotion to production would approve itself\. Fix: pass a separate approver identity/);
  });
  test('unknown stage in a grant', () => {
    expect(() => {
      const { stack, registry } = build(new App());
      registry.grantPromote(role(stack, 'qa'), 'prod');
    }).toThrow(/^\[platform\/models\] grantPromote names stage "prod", which is not a lifecycle stage of this registry\. Fix: use one of candidate, staging, production, archived\.$/);
  });
  test('unknown approval stage', () => {
    expect(() => build(new App(), () => ({ approvalStages: ['live'] })))
      .toThrow(/^\[platform\/models\] approvalStages names stage "live", which is not a lifecycle stage of this registry\./);
  });
  test('no approval stage', () => {
    expect(() => build(new App(), () => ({ approvalStages: [] }))).toThrow(/^\[platform\/models\] approvalStages is empty, so promotion to production would need no approval\./);
  });
  test('promoter asked to promote to an approval stage', () => {
    expect(() => {
      const { registry, promoter } = build(new App());
      registry.grantPromote(promoter, 'production');
    }).toThrow(/^\[platform\/models\] the promoter platform\/ci was asked to promote to production, which needs a separate approver\. Fix: grant production to the approver only\.$/);
  });
  test('repeated stage and model', () => {
    expect(() => build(new App(), () => ({ stages: ['candidate', 'production', 'candidate'] }))).toThrow(/^\[platform\/models\] stages .* repeat a stage\./);
    expect(() => build(new App(), () => ({ models: ['churn', 'churn'] }))).toThrow(/^\[platform\/models\] model "churn" is listed twice\./);
  });
  test('audit retention below the profile minimum', () => {
    expect(() => build(new App(), () => ({ auditLogRetentionDays: 1 }))).toThrow(new Error("[platform/models/audit_log] log retention of 1 days (auditLogRetentionDays) is below the dev profile's minimum of 7. Fix: set auditLogRetentionDays to at least 7."));
  });
});
