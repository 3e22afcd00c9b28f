import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { MlopsStack } from '../core/mlops-stack';
import { checkArn } from '../core/validators';
import { invalid } from '../core/errors';
import { IGrantable } from './principal';
import { PolicyDocument, PolicyStatement, TrustStatement, renderTrustPolicy } from './policy-document';
import { actionVerb, recordPolicyNeed } from '../governance/system/needs';

/** Props of {@link PlatformRole}. */
export interface PlatformRoleProps {
  /** Words of the role name after the platform prefix, e.g. `['eks', 'cluster']`. */
  readonly nameParts: string[];
  /** Who may assume the role. */
  readonly trust: TrustStatement[];
  /** What the role is for (shown in the IAM console and the review). */
  readonly description: string;
  /**
   * AWS managed policies to attach, by name (e.g. `AmazonEKSClusterPolicy`).
   * @default none
   */
  readonly managedPolicies?: string[];
  /**
   * Maximum session duration in seconds.
   * @default 3600
   */
  readonly maxSessionDuration?: number;
}

/**
 * An IAM role with a trust policy and an inline policy built from grants. The inline policy
 * resource exists only once something is granted, so a role never carries an empty policy.
 */
export class PlatformRole extends Construct implements IGrantable {
  public readonly role: IamRole;
  public readonly policy: PolicyDocument;
  private inlinePolicy?: IamRolePolicy;

  constructor(scope: Construct, id: string, props: PlatformRoleProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    props.trust.forEach((t, i) => {
      const aws = t.principals.AWS;
      if (Array.isArray(aws) && aws.length === 0) invalid(this, `trust[${i}].principals.AWS is empty, so no one could assume the role.`, 'list the IAM principal ARNs that may assume it.');
      (aws === undefined ? [] : Array.isArray(aws) ? aws : [aws]).forEach((a, j) => {
        if (!/^\d{12}$/.test(a)) checkArn(this, `trust[${i}].principals.AWS${Array.isArray(aws) ? `[${j}]` : ''}`, a, 'iam-principal');
      });
    });
    this.policy = new PolicyDocument(this);
    this.role = new IamRole(this, 'role', {
      name: stack.naming.name(this, 'iam-role', ...props.nameParts),
      description: props.description,
      assumeRolePolicy: renderTrustPolicy(props.trust),
      maxSessionDuration: props.maxSessionDuration ?? 3600,
    });
    for (const policy of props.managedPolicies ?? []) {
      new IamRolePolicyAttachment(this, `managed_${policy.split("/").pop()}`, {
        role: this.role.name,
        policyArn: `arn:${stack.partition}:iam::aws:policy/${policy}`,
      });
    }
  }

  public get roleArn(): string {
    return this.role.arn;
  }

  public get roleName(): string {
    return this.role.name;
  }

  public addToPolicy(...statements: PolicyStatement[]): void {
    this.policy.addStatements(...statements);
    // Grants are the declaration: each statement is recorded as a need of this role for the system model.
    for (const st of statements) recordPolicyNeed(this, this.role, st, st.actions.some((a) => actionVerb(a) === 'write') ? 'write' : 'read');
    this.inlinePolicy ??= new IamRolePolicy(this, 'policy', {
      name: 'grants',
      role: this.role.name,
      policy: this.policy.render(),
    });
  }
}
