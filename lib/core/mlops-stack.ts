import { Construct, IConstruct, Node } from 'constructs';
import { TerraformElement, TerraformProvider } from 'cdktf';
import { SynthOnceStack } from './synth-once-stack';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { invalid, show, validateAtSynth } from './errors';
import { EnvironmentName, EnvironmentProfile, Profiles } from './profiles';
import { checkTags } from './tagging';
import { Naming } from './naming';
import { configureStateBackend, StateBackendProps } from './state-backend';
import type { AppliedFrom } from './workloads-stack';
import { checkRegion } from './validators';

export { StateBackendProps } from './state-backend';

/** Props of {@link MlopsStack}. */
export interface MlopsStackProps {
  /** Environment profile: a built-in name or a full profile. */
  readonly profile: EnvironmentName | EnvironmentProfile;
  /** AWS region the stack deploys to, e.g. `eu-west-1`. */
  readonly region: string;
  /**
   * Words every resource name starts with, e.g. `acme-mlops-prod`: lower-case letters, digits and
   * hyphens, at most 24 characters so that names fit AWS limits.
   */
  readonly namePrefix: string;
  /** Tags applied to every AWS resource (provider default_tags); must include owner, cost-center, environment and data-classification. */
  readonly tags: Record<string, string>;
  /**
   * Remote state in S3 with native lockfile locking.
   * @default local state in the working directory (fine for synth and review, not for teams)
   */
  readonly backend?: StateBackendProps;
}

const PREFIX = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/;

/**
 * A Terraform stack of the platform: AWS provider with required default tags, the environment
 * profile, deterministic naming, readable logical ids and (optionally) S3 remote state.
 */
export class MlopsStack extends SynthOnceStack {
  /** The stack that contains `scope`; fails clearly when `scope` is outside an MlopsStack. */
  public static of(scope: IConstruct): MlopsStack {
    const stack = scope.node.scopes.slice().reverse().find((s): s is MlopsStack => s instanceof MlopsStack);
    if (!stack) {
      invalid(scope, 'this construct is not inside an MlopsStack, so it has no profile, naming or tags.',
        'create it inside an MlopsStack (or an MlopsPlatform), e.g. new MlopsStack(app, "platform", { profile: "dev", ... }).');
    }
    return stack;
  }

  public readonly profile: EnvironmentProfile;
  public readonly region: string;
  public readonly naming: Naming;
  public readonly tags: Record<string, string>;
  public readonly awsProvider: AwsProvider;
  /**
   * Where this stack is applied from: `anywhere` with AWS credentials. It holds AWS resources only (an
   * MlCluster's charts and Kubernetes objects go to its AddonsStack and WorkloadsStack).
   */
  public readonly appliedFrom: AppliedFrom = 'anywhere';
  /** Where this stack keeps state; stacks derived from it (workloads) use the same bucket. */
  public readonly backendProps?: StateBackendProps;
  private readonly logicalIds = new Map<string, string>();
  private readonly allocatedIds = new WeakMap<Node, string>();
  private callerIdentity?: DataAwsCallerIdentity;
  private partitionData?: DataAwsPartition;

  constructor(scope: Construct, id: string, props: MlopsStackProps) {
    super(scope, id);
    this.profile = typeof props.profile === 'string' ? Profiles[props.profile] : props.profile;
    if (!this.profile) {
      invalid(this, `profile ${show(props.profile)} is not known.`, `use one of ${Object.keys(Profiles).join(', ')} or pass a full profile.`);
    }
    checkRegion(this, 'region', props.region);
    if (!PREFIX.test(props.namePrefix)) {
      invalid(this, `namePrefix ${show(props.namePrefix)} must be 2-24 lower-case letters, digits and hyphens, starting with a letter.`,
        'use a short prefix such as "acme-mlops-prod".');
    }
    this.region = props.region;
    this.naming = new Naming(props.namePrefix);
    this.tags = checkTags(this, { environment: this.profile.name, ...props.tags, 'managed-by': 'cdktf-mlops' });
    this.awsProvider = new AwsProvider(this, 'aws', { region: props.region, defaultTags: [{ tags: this.tags }] });
    this.backendProps = props.backend;
    if (props.backend) configureStateBackend(this, props.backend);
    validateAtSynth(this, () => this.checkAppliedFromAnywhere());
  }

  /**
   * A stack applied from anywhere cannot hold what talks to a cluster's API (its endpoint may be
   * private): helm and kubernetes providers belong in an AddonsStack or WorkloadsStack.
   */
  protected checkAppliedFromAnywhere(): Array<{ problem: string; fix: string }> {
    return this.node.findAll()
      .filter((c): c is TerraformProvider => c instanceof TerraformProvider && ['helm', 'kubernetes'].includes(c.terraformResourceType))
      .map((p) => ({
        problem: `${p.node.path} configures the ${p.terraformResourceType} provider, but this stack is applied from anywhere (appliedFrom "anywhere") and a cluster's API endpoint is reachable only from its network.`,
        fix: 'install charts through a HelmAddon (the cluster\'s AddonsStack) and Kubernetes objects through cluster.workloads.scopeFor() (the WorkloadsStack).',
      }));
  }

  /** The account id the stack deploys into (a data source, created on first use). */
  public get accountId(): string {
    this.callerIdentity ??= new DataAwsCallerIdentity(this, 'caller_identity');
    return this.callerIdentity.accountId;
  }

  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`), for ARNs. */
  public get partition(): string {
    this.partitionData ??= new DataAwsPartition(this, 'partition');
    return this.partitionData.partition;
  }

  /** DNS suffix of the partition, for service principals. */
  public get dnsSuffix(): string {
    this.partitionData ??= new DataAwsPartition(this, 'partition');
    return this.partitionData.dnsSuffix;
  }

  /** `arn:<partition>:<service>:<region>:<account>:<resource>` for this stack's region and account. */
  public arn(service: string, resource: string, opts: { region?: boolean; account?: boolean } = {}): string {
    const region = opts.region === false ? '' : this.region;
    const account = opts.account === false ? '' : this.accountId;
    return `arn:${this.partition}:${service}:${region}:${account}:${resource}`;
  }

  /**
   * Readable, stable Terraform addresses: the construct path below the stack in snake_case
   * (`network_private_subnet_0`), without a hash, so plans are easy to review and adding a
   * construct never renames existing ones. Two paths that would collide are a synth error.
   */
  protected allocateLogicalId(tfElement: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(tfElement) ? tfElement.node : tfElement;
    const known = this.allocatedIds.get(node);
    if (known !== undefined) return known; // cdktf asks on every reference to the element
    const scopes = node.scopes;
    const stackIndex = scopes.indexOf(this);
    const components = scopes.slice(stackIndex + 1).map((c) => c.node.id);
    if (components.length === 0) return '';
    let id = components.map(snake).filter((c) => c.length > 0).join('_');
    if (!/^[a-z_]/.test(id)) id = `r_${id}`;
    const previous = this.logicalIds.get(id);
    if (previous !== undefined && previous !== node.path) {
      invalid(node.path, `its Terraform address "${id}" is already used by ${previous}.`,
        'give one of the two constructs a different id.');
    }
    this.logicalIds.set(id, node.path);
    this.allocatedIds.set(node, id);
    return id;
  }
}

/** `PrivateSubnet0` -> `private_subnet0`, `team-a` -> `team_a`. */
export function snake(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .toLowerCase();
}
