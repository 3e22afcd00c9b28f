import { Construct, IConstruct } from 'constructs';
import { App, Aspects, Lazy, TerraformDataSource, TerraformResource, TerraformStack, Token } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { DataAwsIamOpenidConnectProvider } from '@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { MlopsStack } from '../core/mlops-stack';
import { invalid, show, validateAtSynth } from '../core/errors';
import { PlatformRole } from '../security/platform-role';
import { IGrantable } from '../security/principal';
import { PolicyStatement, renderPolicy } from '../security/policy-document';
import { BUCKET_READ_ACTIONS, OBJECT_READ_ACTIONS, REFRESH_ACTIONS } from './refresh-actions';
import { checkArn } from '../core/validators';

const REFRESH_REASON = 'refresh reads every resource of the app, most of whose ARNs carry ids AWS assigns at apply; the actions are the describe/get-configuration/list-tags calls of the synthesized resource types only, no data-plane reads';

/** The OIDC identity provider of a CI system. */
export interface CiOidcProvider {
  /** Issuer URL, `https://...` (GitHub Actions: `https://token.actions.githubusercontent.com`). */
  readonly url: string;
  /** Audience the CI requests tokens for (the `aud` claim). */
  readonly audience: string;
}

/** GitHub Actions' OIDC issuer with the AWS audience. */
export const GITHUB_ACTIONS_OIDC: CiOidcProvider = { url: 'https://token.actions.githubusercontent.com', audience: 'sts.amazonaws.com' };

/** Exact `sub` claims each CI role trusts (StringEquals; no wildcards). */
export interface CiSubjects {
  /** Subjects that may push images. */
  readonly push: string[];
  /** Subjects that may run the read-only diff. */
  readonly diff: string[];
  /** Subjects that may deploy. */
  readonly deploy: string[];
}

/** Props of {@link CiCdAccess}. */
export interface CiCdAccessProps {
  /** The repository, `org/repo` (GitHub spelling). */
  readonly repository: string;
  /**
   * The branch that may push images and deploy.
   * @default "main"
   */
  readonly branch?: string;
  /**
   * The CI's OIDC provider.
   * @default GITHUB_ACTIONS_OIDC
   */
  readonly provider?: CiOidcProvider;
  /**
   * ARN of the IAM OIDC provider that already exists for `provider.url`
   * (`arn:aws:iam::<account>:oidc-provider/<host>`). An account has at most one provider per URL,
   * so creating one where it exists fails the apply (EntityAlreadyExists): pass its ARN here, or
   * set `lookupOidcProvider`.
   * @default a new aws_iam_openid_connect_provider (unless lookupOidcProvider)
   */
  readonly oidcProviderArn?: string;
  /**
   * Use the account's existing IAM OIDC provider of `provider.url`, found at plan time by URL
   * (data aws_iam_openid_connect_provider), instead of creating one.
   * @default false (a new provider is created unless oidcProviderArn is given)
   */
  readonly lookupOidcProvider?: boolean;
  /**
   * @deprecated use oidcProviderArn.
   * @default none
   */
  readonly existingProviderArn?: string;
  /**
   * The `sub` claims each role trusts, for CI systems whose claims differ from GitHub's.
   * @default GitHub Actions: push and deploy `repo:<org>/<repo>:ref:refs/heads/<branch>`; diff that and `repo:<org>/<repo>:pull_request`
   */
  readonly subjects?: CiSubjects;
  /** ARN of the S3 bucket holding the Terraform state (StateBackendProps.bucket). */
  readonly stateBucketArn: string;
  /**
   * Key prefix of the state objects in that bucket (StateBackendProps.keyPrefix).
   * @default "cdktf-mlops"
   */
  readonly stateKeyPrefix?: string;
  /**
   * KMS key (ARN) encrypting the state objects.
   * @default none (the bucket's default encryption with an S3-managed key)
   */
  readonly stateKmsKeyArn?: string;
  /**
   * AWS managed policies (names under `arn:<partition>:iam::aws:policy/`) the diff role gets on top
   * of its refresh policy (the read calls of the resource types the app synthesizes).
   * @default none
   */
  readonly diffPolicies?: string[];
  /**
   * Read actions of resource types the library does not know (or to replace its list for a type),
   * keyed by Terraform type (`aws_lambda_function`, data sources as `data.aws_ssm_parameter`). An
   * `aws_` type in the app that is neither here nor in REFRESH_ACTIONS is a synth error.
   * @default none
   */
  readonly refreshActions?: Record<string, string[]>;
  /**
   * Policy ARNs the deploy role gets; always bounded by the deploy permissions boundary.
   * @default ["arn:<partition>:iam::aws:policy/AdministratorAccess"]
   */
  readonly deployPolicyArns?: string[];
}

const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const BRANCH = /^(?!\/)(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9._\/-]{1,255}(?<!\/)$/;

/**
 * Keyless CI/CD access: an IAM OIDC provider for the CI (GitHub Actions by default) and three
 * roles trusted through `sts:AssumeRoleWithWebIdentity` with exact (`StringEquals`) `aud` and `sub`
 * claims for one repository and branch, each with one-hour sessions:
 *
 * - `imagePush`: `ecr:GetAuthorizationToken`; a ContainerRegistry grants it push to its repositories;
 * - `diff`: read-only: the refresh (read) calls of the resource types the app synthesizes, derived
 *   at synth, without data-plane reads, + read of the Terraform state under its key prefix + the S3
 *   lockfile; trusted for pull requests and the branch;
 * - `deploy`: `deployPolicyArns` (default AdministratorAccess), bounded by a permissions boundary
 *   that denies IAM users and access keys, tampering with CloudTrail, leaving the organization and
 *   changes to the CI roles, the OIDC provider and the boundary itself.
 *
 * No IAM user and no access key is created.
 */
export class CiCdAccess extends Construct {
  /** ARN of the OIDC provider the roles trust. */
  public readonly providerArn: string;
  /** The provider this construct created (neither oidcProviderArn nor lookupOidcProvider given). */
  public readonly oidcProvider?: IamOpenidConnectProvider;
  /** The lookup of the account's existing provider (lookupOidcProvider). */
  public readonly oidcProviderLookup?: DataAwsIamOpenidConnectProvider;
  public readonly imagePushRole: PlatformRole;
  public readonly diffRole: PlatformRole;
  /** The diff role's `refresh` policy: read calls of the resource types the app synthesizes. */
  public readonly diffRefreshPolicy: IamRolePolicy;
  /** Read actions per Terraform type the diff role's refresh policy is built from. */
  public readonly refreshActions: Readonly<Record<string, readonly string[]>>;
  public readonly deployRole: PlatformRole;
  /** The permissions boundary of the deploy role and of every role in the stacks it applies (boundRolesOf). */
  public readonly deployBoundary: IamPolicy;
  /** Name of that boundary policy. */
  public readonly boundaryName: string;
  public readonly subjects: CiSubjects;
  public readonly repository: string;
  public readonly branch: string;
  /** Host and path of the provider URL (the prefix of its claim keys). */
  public readonly providerHost: string;

  constructor(scope: Construct, id: string, props: CiCdAccessProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const provider = props.provider ?? GITHUB_ACTIONS_OIDC;
    this.checkProps(props, provider);
    this.repository = props.repository;
    this.branch = props.branch ?? 'main';
    const host = (this.providerHost = provider.url.replace(/^https:\/\//, '').replace(/\/$/, ''));
    const repo = `repo:${props.repository}`;
    const onBranch = `${repo}:ref:refs/heads/${this.branch}`;
    this.subjects = props.subjects ?? { push: [onBranch], diff: [`${repo}:pull_request`, onBranch], deploy: [onBranch] };

    const existingArn = props.oidcProviderArn ?? props.existingProviderArn;
    if (existingArn) {
      this.providerArn = existingArn;
    } else if (props.lookupOidcProvider) {
      this.oidcProviderLookup = new DataAwsIamOpenidConnectProvider(this, 'oidc_provider_lookup', { url: provider.url.replace(/\/$/, '') });
      this.providerArn = this.oidcProviderLookup.arn;
    } else {
      this.oidcProvider = new IamOpenidConnectProvider(this, 'oidc_provider', { url: provider.url.replace(/\/$/, ''), clientIdList: [provider.audience] });
      this.providerArn = this.oidcProvider.arn;
    }

    const role = (rid: string, part: string, description: string, subjects: string[], managedPolicies?: string[]) => new PlatformRole(this, rid, {
      nameParts: ['ci', part],
      description: `${description} (CI of ${props.repository})`,
      maxSessionDuration: 3600,
      managedPolicies,
      trust: [{
        principals: { Federated: this.providerArn },
        actions: ['sts:AssumeRoleWithWebIdentity'],
        conditions: { StringEquals: { [`${host}:aud`]: provider.audience, [`${host}:sub`]: subjects.length === 1 ? subjects[0] : subjects } },
      }],
    });

    this.imagePushRole = role('image_push_role', 'image-push', 'Pushes images to ECR', this.subjects.push);
    this.imagePushRole.addToPolicy({
      sid: 'EcrLogin',
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
      wildcardReason: 'ecr:GetAuthorizationToken supports no resource-level permissions; pushing is granted per repository by ContainerRegistry',
    });

    this.diffRole = role('diff_role', 'diff', 'Runs cdktf diff read-only', this.subjects.diff, props.diffPolicies);
    this.refreshActions = { ...REFRESH_ACTIONS, ...props.refreshActions };
    this.diffRefreshPolicy = new IamRolePolicy(this, 'diff_refresh_policy', {
      name: 'refresh',
      role: this.diffRole.roleName,
      policy: Lazy.stringValue({ produce: () => renderPolicy(this.refreshStatements()) }),
    });
    this.node.addMetadata('cdktf-mlops:wildcard-reason', `diff refresh: ${REFRESH_REASON}`);
    validateAtSynth(this, () => this.unreadableTypes().map((type) => ({
      problem: `the app contains ${type}, whose refresh (read) actions the CI diff role does not know, so cdktf diff would fail on it.`, // this stack or one applied after it
      fix: `pass ciCd refreshActions: { '${type}': ['<service>:Describe...', ...] } (read calls only, no data-plane reads).`,
    })));
    const prefix = (props.stateKeyPrefix ?? 'cdktf-mlops').replace(/^\/+|\/+$/g, '');
    this.grantStateRead(this.diffRole, props, prefix);
    this.diffRole.addToPolicy({ sid: 'StateLock', actions: ['s3:PutObject', 's3:DeleteObject'], resources: [`${props.stateBucketArn}/${prefix}/*.tflock`] });
    // The lockfile is written encrypted with the state key, which needs a data key (through S3 only).
    if (props.stateKmsKeyArn) {
      const keyRegion = /^arn:[^:]+:kms:([a-z0-9-]+):/.exec(props.stateKmsKeyArn)?.[1] ?? stack.region; // the state bucket's region
      this.diffRole.addToPolicy({ sid: 'StateLockKey', actions: ['kms:GenerateDataKey'], resources: [props.stateKmsKeyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${keyRegion}.amazonaws.com` } } });
    }

    this.deployRole = role('deploy_role', 'deploy', 'Deploys the platform with cdktf deploy', this.subjects.deploy);
    for (const [i, arn] of (props.deployPolicyArns ?? [`arn:${stack.partition}:iam::aws:policy/AdministratorAccess`]).entries()) {
      this.deployRole.node.addMetadata('cdktf-mlops:deploy-policy', arn);
      new IamRolePolicyAttachment(this, `deploy_policy_${policyId(arn, i)}`, {
        role: this.deployRole.roleName,
        policyArn: arn,
      });
    }
    this.grantStateRead(this.deployRole, props, prefix);
    this.deployRole.addToPolicy({ sid: 'StateWrite', actions: ['s3:PutObject', 's3:DeleteObject'], resources: [`${props.stateBucketArn}/${prefix}/*`] });
    if (props.stateKmsKeyArn) this.deployRole.addToPolicy({ sid: 'StateKeyEncrypt', actions: ['kms:GenerateDataKey', 'kms:Encrypt'], resources: [props.stateKmsKeyArn] });

    this.boundaryName = stack.naming.name(this, 'iam-policy', 'ci', 'deploy', 'boundary');
    this.deployBoundary = new IamPolicy(this, 'deploy_boundary', {
      name: this.boundaryName,
      description: `Permissions boundary of the CI deploy role of ${props.repository}`,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: this.boundaryStatements(stack) }),
    });
    this.deployRole.role.permissionsBoundary = this.deployBoundary.arn;
    this.boundRolesOf(stack);
  }

  /**
   * Gives every IAM role of `stack` without a permissions boundary the deploy boundary, at synth.
   * The boundary lets the deploy role create and change only roles that carry it, so every stack
   * the deploy role applies needs this (this construct's own stack gets it automatically).
   */
  public boundRolesOf(stack: TerraformStack): void {
    const arn = stack === MlopsStack.of(this) ? this.deployBoundary.arn
      : stack instanceof MlopsStack ? stack.arn('iam', `policy/${this.boundaryName}`, { region: false }) : undefined;
    if (!arn) invalid(this, `boundRolesOf(${stack.node.path}) names a stack that is not an MlopsStack.`, 'pass an MlopsStack (its partition and account resolve the boundary ARN).');
    Aspects.of(stack).add({
      visit: (node: IConstruct) => {
        if (node instanceof IamRole && node.permissionsBoundaryInput === undefined) node.permissionsBoundary = arn;
      },
    });
  }

  /**
   * The diff role's refresh statements, rendered at synth from every resource and data source type
   * of this stack and the stacks that depend on it (the stacks this CI plans): their read actions
   * (REFRESH_ACTIONS, refreshActions) on `*`, HeadBucket on the stack's buckets and HeadObject on
   * its S3 objects only. Subclasses may override it.
   */
  protected refreshStatements(): PolicyStatement[] {
    const stack = MlopsStack.of(this);
    const actions = new Set<string>();
    const objects: string[] = [];
    const buckets: string[] = [];
    for (const el of this.synthesizedAwsElements()) {
      for (const a of this.refreshActions[el.key] ?? []) actions.add(a);
      if (MlopsStack.of(el.element) !== stack) continue;
      if (el.key === 'aws_s3_object') {
        const o = el.element as S3Object;
        objects.push(`arn:${stack.partition}:s3:::${o.bucketInput}/${o.keyInput}`);
      }
      if (el.key === 'aws_s3_bucket') buckets.push((el.element as S3Bucket).arn);
    }
    // Budgets' reads are scoped to the account's budgets (ViewBudget is not named like a read).
    const budgets = [...actions].filter((a) => a.startsWith('budgets:')).sort();
    const statements: PolicyStatement[] = [{ sid: 'Refresh', actions: [...actions].filter((a) => !budgets.includes(a)).sort(), resources: ['*'], wildcardReason: REFRESH_REASON }];
    if (budgets.length > 0) statements.push({ sid: 'RefreshBudgets', actions: budgets, resources: [stack.arn('budgets', 'budget/*', { region: false })] });
    if (buckets.length > 0) statements.push({ sid: 'RefreshBuckets', actions: [...BUCKET_READ_ACTIONS], resources: buckets });
    if (objects.length > 0) statements.push({ sid: 'RefreshObjects', actions: [...OBJECT_READ_ACTIONS], resources: objects });
    return statements;
  }

  /** `aws_` types of the app without known refresh actions (and S3 buckets and objects of other stacks). */
  private unreadableTypes(): string[] {
    const stack = MlopsStack.of(this);
    const unknown = new Set<string>();
    for (const el of this.synthesizedAwsElements()) {
      if (!(el.key in this.refreshActions)) unknown.add(el.key);
      else if (['aws_s3_object', 'aws_s3_bucket'].includes(el.key) && MlopsStack.of(el.element) !== stack) unknown.add(`${el.key} (in stack ${MlopsStack.of(el.element).node.id})`);
    }
    return [...unknown].sort();
  }

  /** AWS resources and data sources of this stack and of the stacks applied after it (that depend on it). */
  private synthesizedAwsElements(): Array<{ key: string; element: TerraformResource | TerraformDataSource }> {
    const own = MlopsStack.of(this);
    const relevant = new Map<TerraformStack, boolean>();
    const isRelevant = (st: TerraformStack): boolean => {
      if (st === own) return true;
      if (!relevant.has(st)) {
        relevant.set(st, false);
        relevant.set(st, st.dependencies.some(isRelevant));
      }
      return relevant.get(st)!;
    };
    const out: Array<{ key: string; element: TerraformResource | TerraformDataSource }> = [];
    for (const c of App.of(this).node.findAll()) {
      if ((c instanceof TerraformResource || c instanceof TerraformDataSource) && !isRelevant(TerraformStack.of(c))) continue;
      if (c instanceof TerraformResource && c.terraformResourceType.startsWith('aws_')) out.push({ key: c.terraformResourceType, element: c });
      else if (c instanceof TerraformDataSource && c.terraformResourceType.startsWith('aws_')) out.push({ key: `data.${c.terraformResourceType}`, element: c });
    }
    return out;
  }

  /** The push role as a grantee (ContainerRegistry.grantPush(ci.imagePush)). */
  public get imagePush(): IGrantable {
    return this.imagePushRole;
  }

  /**
   * Statements of the deploy permissions boundary, which bounds the deploy role and every IAM role
   * of the stack (see boundRolesOf): allow everything the attached policies allow, except the guard
   * rails. Subclasses may override it to add denies.
   *
   * - no IAM users or access keys, no permissions for existing users or groups;
 * - only the platform's own managed policies (`<prefix>-*`) get new versions;
   * - every role the deploy role creates carries this boundary, no boundary is removed, and only
   *   roles that carry it get their policies or trust changed (so no unbounded role gains power);
   * - roles passed to services or assumed are the platform's own (`<prefix>-*`);
   * - the CI roles' trust, managed policies, boundary and settings stay as applied by an administrator
   *   (their inline grants may grow, still bounded: adding a model adds grants);
   * - the boundary and the CI identity provider stay unchanged;
   * - trails are never stopped or deleted; only the platform's own trails (`<prefix>-*`) get their
   *   settings and event selectors changed;
   * - KMS keys are never scheduled for deletion or disabled; only the platform's keys (with a
   *   `alias/<prefix>-*` alias) get their key policy changed.
   */
  protected boundaryStatements(stack: MlopsStack): unknown[] {
    const prefix = stack.naming.prefix;
    const ciRoles = stack.arn('iam', `role/${prefix}-ci-*`, { region: false });
    const platformRoles = stack.arn('iam', `role/${prefix}-*`, { region: false });
    const self = stack.arn('iam', `policy/${this.boundaryName}`, { region: false });
    const unbounded = { StringNotEquals: { 'iam:PermissionsBoundary': self } };
    return [
      { Sid: 'AllowWithinBoundary', Effect: 'Allow', Action: '*', Resource: '*' },
      { Sid: 'NoLongLivedCredentials', Effect: 'Deny', Action: ['iam:CreateUser', 'iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile', 'iam:CreateServiceSpecificCredential'], Resource: '*' },
      {
        Sid: 'NoUserOrGroupPermissions',
        Effect: 'Deny',
        Action: ['iam:PutUserPolicy', 'iam:AttachUserPolicy', 'iam:PutUserPermissionsBoundary', 'iam:DeleteUserPermissionsBoundary', 'iam:PutGroupPolicy', 'iam:AttachGroupPolicy', 'iam:AddUserToGroup'],
        Resource: '*',
      },
      {
        Sid: 'OnlyPlatformPoliciesChange',
        Effect: 'Deny',
        Action: ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicyVersion'],
        NotResource: stack.arn('iam', `policy/${prefix}-*`, { region: false }),
      },
      { Sid: 'NewRolesCarryTheBoundary', Effect: 'Deny', Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'], Resource: '*', Condition: unbounded },
      { Sid: 'NoBoundaryRemoval', Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: '*' },
      {
        Sid: 'OnlyBoundedRolesChange',
        Effect: 'Deny',
        Action: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:UpdateAssumeRolePolicy'],
        Resource: '*',
        Condition: unbounded,
      },
      { Sid: 'PassAndAssumeOnlyPlatformRoles', Effect: 'Deny', Action: ['iam:PassRole', 'sts:AssumeRole'], NotResource: platformRoles },
      {
        Sid: 'NoChangesToCiAccess',
        Effect: 'Deny',
        Action: ['iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary',
          'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:DeleteRole', 'iam:TagRole', 'iam:UntagRole'],
        Resource: ciRoles,
      },
      { Sid: 'NoChangesToBoundary', Effect: 'Deny', Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:TagPolicy', 'iam:UntagPolicy'], Resource: self },
      {
        Sid: 'NoChangesToCiIdentityProvider',
        Effect: 'Deny',
        Action: ['iam:DeleteOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint', 'iam:AddClientIDToOpenIDConnectProvider', 'iam:RemoveClientIDFromOpenIDConnectProvider',
          'iam:TagOpenIDConnectProvider', 'iam:UntagOpenIDConnectProvider'],
        Resource: stack.arn('iam', `oidc-provider/${this.providerHost}`, { region: false }),
      },
      { Sid: 'KeepAuditTrail', Effect: 'Deny', Action: ['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail', 'cloudtrail:DeleteEventDataStore', 'cloudtrail:StopEventDataStoreIngestion', 'organizations:LeaveOrganization'], Resource: '*' },
      {
        Sid: 'OnlyPlatformTrailsChange',
        Effect: 'Deny',
        Action: ['cloudtrail:UpdateTrail', 'cloudtrail:PutEventSelectors', 'cloudtrail:PutInsightSelectors', 'cloudtrail:RemoveTags'],
        NotResource: stack.arn('cloudtrail', `trail/${prefix}-*`),
      },
      { Sid: 'KeepKeys', Effect: 'Deny', Action: ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation', 'kms:DeleteImportedKeyMaterial'], Resource: '*' },
      {
        Sid: 'OnlyPlatformKeyPolicies',
        Effect: 'Deny',
        Action: 'kms:PutKeyPolicy',
        Resource: '*',
        Condition: { 'ForAllValues:StringNotLike': { 'kms:ResourceAliases': `alias/${prefix}-*` } },
      },
    ];
  }

  private grantStateRead(principal: PlatformRole, props: CiCdAccessProps, prefix: string): void {
    const statements: PolicyStatement[] = [
      { sid: 'StateRead', actions: ['s3:GetObject'], resources: [`${props.stateBucketArn}/${prefix}/*`] },
      { sid: 'StateList', actions: ['s3:ListBucket'], resources: [props.stateBucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}/*`] } } },
    ];
    if (props.stateKmsKeyArn) statements.push({ sid: 'StateKeyDecrypt', actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: [props.stateKmsKeyArn] });
    principal.addToPolicy(...statements);
  }

  private checkProps(props: CiCdAccessProps, provider: CiOidcProvider): void {
    if (!REPOSITORY.test(props.repository)) {
      invalid(this, `repository ${show(props.repository)} is not "<org>/<repo>".`, 'use the exact GitHub spelling, e.g. "acme/ml-platform"; wildcards are not allowed.');
    }
    const branch = props.branch ?? 'main';
    if (!BRANCH.test(branch)) {
      invalid(this, `branch ${show(branch)} is not a literal branch name.`, 'use the exact branch, e.g. "main" (no wildcards, no "refs/heads/").');
    }
    if (branch.startsWith('refs/')) invalid(this, `branch ${show(branch)} includes the ref prefix.`, 'pass the branch name only, e.g. "main".');
    if (!/^https:\/\/[a-z0-9.-]+(\/[A-Za-z0-9._~\/-]*)?$/.test(provider.url)) {
      invalid(this, `provider.url ${show(provider.url)} is not an https issuer URL.`, 'use e.g. "https://token.actions.githubusercontent.com".');
    }
    const arnProp = props.oidcProviderArn !== undefined ? 'oidcProviderArn' : 'existingProviderArn';
    const arn = props.oidcProviderArn ?? props.existingProviderArn;
    if (props.oidcProviderArn !== undefined && props.existingProviderArn !== undefined) {
      invalid(this, 'both oidcProviderArn and existingProviderArn are set.', 'set oidcProviderArn only (existingProviderArn is its deprecated name).');
    }
    if (arn !== undefined && props.lookupOidcProvider) {
      invalid(this, `both ${arnProp} and lookupOidcProvider are set.`, `choose one: ${arnProp} names the existing provider, lookupOidcProvider finds it by URL.`);
    }
    if (arn !== undefined && !Token.isUnresolved(arn)) {
      const host = provider.url.replace(/^https:\/\//, '').replace(/\/$/, '');
      const m = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/.exec(arn);
      if (!m) invalid(this, `${arnProp} ${show(arn)} is not an IAM OIDC provider ARN.`, `use "arn:aws:iam::<account>:oidc-provider/${host}".`);
      if (m[1] !== host) invalid(this, `${arnProp} ${show(arn)} is the provider of ${show(m[1])}, not of provider.url ${show(provider.url)}.`, `use the ARN ending in "oidc-provider/${host}", or set provider.url to its issuer.`);
    }
    if (!provider.audience) invalid(this, 'provider.audience is empty.', 'use the audience the CI requests, e.g. "sts.amazonaws.com".');
    for (const [role, subs] of Object.entries(props.subjects ?? {})) {
      if (subs.length === 0) invalid(this, `subjects.${role} is empty, so no workflow could assume the role.`, 'list the exact sub claims, e.g. "repo:acme/ml:ref:refs/heads/main".');
      for (const s of subs) {
        if (/[*?]/.test(s)) invalid(this, `subjects.${role} entry ${show(s)} contains a wildcard.`, 'list exact sub claims; trust is StringEquals only.');
      }
    }
    if (!Token.isUnresolved(props.stateBucketArn) && !/^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.stateBucketArn)) {
      invalid(this, `stateBucketArn ${show(props.stateBucketArn)} is not an S3 bucket ARN.`, 'use e.g. "arn:aws:s3:::acme-terraform-state".');
    }
    props.deployPolicyArns?.forEach((a, i) => checkArn(this, `deployPolicyArns[${i}]`, a, 'iam-policy'));
    if ((props.deployPolicyArns ?? ['x']).length === 0) invalid(this, 'deployPolicyArns is empty, so the deploy role could deploy nothing.', 'omit it (AdministratorAccess, bounded) or list the policies a deploy needs.');
  }
}

function policyId(arn: string, index: number): string {
  const last = arn.split('/').pop() ?? '';
  return /^[A-Za-z0-9_-]+$/.test(last) && !Token.isUnresolved(last) ? last.replace(/-/g, '_').toLowerCase() : String(index);
}
