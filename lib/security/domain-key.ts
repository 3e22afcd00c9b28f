import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { MlopsStack } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { IGrantable } from './principal';

/** A principal allowed to use a key through the key policy (not through its own IAM policy). */
export interface KeyPolicyGrant {
  /** Principal, e.g. `{ Service: 'logs.eu-west-1.amazonaws.com' }` or `{ AWS: '<service-linked role ARN>' }`. */
  readonly principal: { Service: string } | { AWS: string };
  /** KMS actions the service may call. */
  readonly actions: string[];
  /** Conditions scoping the use (encryption context, source account or ARN). @default none */
  readonly conditions?: Record<string, Record<string, string | string[]>>;
}

/** Props of {@link DomainKey}. */
export interface DomainKeyProps {
  /** The data domain the key protects, e.g. `lake`, `logs`, `cluster`: lower-case letters, digits and hyphens. */
  readonly domain: string;
  /**
   * Days KMS waits before deleting a scheduled key (7-30).
   * @default 30
   */
  readonly deletionWindowDays?: number;
}

const ENCRYPT_DECRYPT = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];
const DECRYPT = ['kms:Decrypt', 'kms:DescribeKey'];

/**
 * A customer-managed KMS key for one data domain: annual rotation, 30-day deletion window, an
 * alias, and a key policy that keeps the account in control and lets only named AWS services use
 * the key directly. Principals get access through grants scoped with `kms:ViaService`.
 */
export class DomainKey extends Construct {
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;
  public readonly domain: string;
  private readonly serviceGrants: KeyPolicyGrant[] = [];

  constructor(scope: Construct, id: string, props: DomainKeyProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(props.domain)) {
      invalid(this, `domain ${show(props.domain)} is not a valid key domain.`, 'use up to 31 lower-case letters, digits and hyphens, starting with a letter.');
    }
    const window = props.deletionWindowDays ?? 30;
    if (!Number.isInteger(window) || window < 7 || window > 30) {
      invalid(this, `deletionWindowDays ${show(window)} is outside 7-30.`, 'use a whole number of days from 7 to 30 (30 recommended).');
    }
    const stack = MlopsStack.of(this);
    this.domain = props.domain;
    this.key = new KmsKey(this, 'key', {
      description: `cdktf-mlops ${stack.naming.prefix} ${props.domain} data`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: window,
      multiRegion: false,
      policy: Lazy.stringValue({ produce: () => this.renderPolicy(stack) }),
      tags: { 'data-domain': props.domain },
    });
    this.alias = new KmsAlias(this, 'alias', {
      name: stack.naming.name(this, 'kms-alias', props.domain),
      targetKeyId: this.key.keyId,
    });
  }

  public get keyArn(): string {
    return this.key.arn;
  }

  /**
   * Lets a service principal or an IAM role that exists use the key directly, scoped by conditions.
   * A role ARN in a key policy must exist when the policy is put (else MalformedPolicyDocument):
   * service-linked roles, which an account may not have yet, go through allowServiceLinkedRole.
   */
  public allowInKeyPolicy(grant: KeyPolicyGrant): void {
    const aws = 'AWS' in grant.principal ? grant.principal.AWS : undefined;
    if (aws !== undefined && aws.includes(':role/aws-service-role/')) {
      invalid(this, `key policy principal ${show(aws)} is a service-linked role, which may not exist yet (the key policy would be refused as malformed).`,
        'use allowServiceLinkedRole(service, roleName, actions), which matches the role by aws:PrincipalArn.');
    }
    this.serviceGrants.push(grant);
  }

  /**
   * Lets the service-linked role `roleName` of `service` (e.g. `autoscaling.amazonaws.com`,
   * `AWSServiceRoleForAutoScaling`) use the key, whether or not the account has the role yet: the
   * statement's principal is any principal of this account (`kms:CallerAccount`) whose ARN is the
   * role's (`aws:PrincipalArn`), so the key policy is valid before the service creates its role.
   */
  public allowServiceLinkedRole(service: string, roleName: string, actions: string[], conditions?: Record<string, Record<string, string | string[]>>): void {
    if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(service)) invalid(this, `service ${show(service)} is not a service principal.`, 'use e.g. "autoscaling.amazonaws.com".');
    if (!/^[\w+=,.@-]{1,64}$/.test(roleName)) invalid(this, `roleName ${show(roleName)} is not an IAM role name.`, 'use e.g. "AWSServiceRoleForAutoScaling".');
    const stack = MlopsStack.of(this);
    const roleArn = `arn:${stack.partition}:iam::${stack.accountId}:role/aws-service-role/${service}/${roleName}`;
    this.serviceGrants.push({
      principal: { AWS: '*' },
      actions,
      conditions: {
        ...conditions,
        StringEquals: { ...conditions?.StringEquals, 'kms:CallerAccount': stack.accountId },
        ArnEquals: { ...conditions?.ArnEquals, 'aws:PrincipalArn': roleArn },
      },
    });
  }

  /** Encrypt and decrypt, only when called through `viaServices` (e.g. `s3`), if given. */
  public grantEncryptDecrypt(principal: IGrantable, ...viaServices: string[]): void {
    this.grant(principal, ENCRYPT_DECRYPT, viaServices);
  }

  /** Decrypt only, only when called through `viaServices`, if given. */
  public grantDecrypt(principal: IGrantable, ...viaServices: string[]): void {
    this.grant(principal, DECRYPT, viaServices);
  }

  private grant(principal: IGrantable, actions: string[], viaServices: string[]): void {
    const stack = MlopsStack.of(this);
    principal.addToPolicy({
      actions,
      resources: [this.key.arn],
      conditions: viaServices.length > 0
        ? { StringEquals: { 'kms:ViaService': viaServices.map((s) => `${s}.${stack.region}.amazonaws.com`) } }
        : undefined,
    });
  }

  private renderPolicy(stack: MlopsStack): string {
    const statements: unknown[] = [{
      Sid: 'AccountAdministers',
      Effect: 'Allow',
      Principal: { AWS: `arn:${stack.partition}:iam::${stack.accountId}:root` },
      Action: 'kms:*',
      Resource: '*',
    }];
    this.serviceGrants.forEach((g, i) => statements.push({
      Sid: `Service${i}`,
      Effect: 'Allow',
      Principal: g.principal,
      Action: g.actions,
      Resource: '*',
      ...(g.conditions ? { Condition: g.conditions } : {}),
    }));
    return JSON.stringify({ Version: '2012-10-17', Statement: statements });
  }
}
