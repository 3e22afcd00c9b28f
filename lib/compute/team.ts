import { Construct, IConstruct } from 'constructs';
import { Aspects, TerraformResource } from 'cdktf';
import * as k8s from '../core/k8s';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { checkName } from '../core/naming';
import { invalid, show } from '../core/errors';
import { WorkloadIdentity } from '../security/workload-identity';
import { RestrictedNamespace } from './restricted-namespace';
import type { MlCluster } from './ml-cluster';
import { checkArn } from '../core/validators';

/** Resource ceilings of a team's namespace. */
export interface TeamQuota {
  /** CPU requests, e.g. "64". */
  readonly cpu: string;
  /** Memory requests, e.g. "256Gi". */
  readonly memory: string;
  /** GPUs (`requests.nvidia.com/gpu`). */
  readonly gpus: number;
  /** Pods. */
  readonly pods: number;
}

/** Tag key that attributes a team's AWS resources (and its budget filter, `user:team$<name>`). */
export const TEAM_COST_TAG = 'team';

/** Default quota of a team. */
export const DEFAULT_TEAM_QUOTA: TeamQuota = { cpu: '64', memory: '256Gi', gpus: 4, pods: 100 };

/** Props of {@link Team}. */
export interface TeamProps {
  readonly cluster: MlCluster;
  /** Team name: the namespace (DNS-1123 label). */
  readonly name: string;
  /** IAM role the team's people assume; mapped to the namespace's Role through an access entry. */
  readonly accessRoleArn: string;
  /**
   * Resource ceilings of the namespace.
   * @default DEFAULT_TEAM_QUOTA (64 CPU, 256Gi, 4 GPUs, 100 pods)
   */
  readonly quota?: Partial<TeamQuota>;
}

/**
 * A team on the cluster: a restricted namespace (Pod Security Standard, default-deny network
 * policies with DNS and in-namespace allows), ResourceQuota including GPUs, LimitRange defaults,
 * a Role/RoleBinding for the team's Kubernetes group, an EKS access entry mapping the team's IAM
 * role to that group, and the team's workload identity and service account (granted nothing).
 * Every AWS resource the team creates carries the cost-allocation tag `team=<name>`
 * ({@link TEAM_COST_TAG}), the tag a CostControls team budget filters on; tag the team's other
 * resources with `team.costAllocationTags`.
 */
export class Team extends Construct {
  public readonly name: string;
  public readonly namespace: RestrictedNamespace;
  /** Kubernetes group of the team's people. */
  public readonly group: string;
  public readonly accessEntry: EksAccessEntry;
  /** Identity of the team's workloads (grant data access to it). */
  public readonly identity: WorkloadIdentity;
  public readonly serviceAccountName: string;
  public readonly quota: TeamQuota;
  public readonly cluster: MlCluster;
  /** `{ team: <name> }`: the tags that attribute AWS costs to the team (what its budget filters on). */
  public readonly costAllocationTags: Record<string, string>;

  constructor(scope: Construct, id: string, props: TeamProps) {
    super(scope, id);
    this.name = checkName(this, 'k8s-namespace', props.name);
    this.cluster = props.cluster;
    this.quota = { ...DEFAULT_TEAM_QUOTA, ...props.quota };
    if (!Number.isInteger(this.quota.gpus) || this.quota.gpus < 0) invalid(this, `quota.gpus ${show(this.quota.gpus)} is not a whole number >= 0.`, 'use e.g. 4 (0 forbids GPUs).');
    if (!Number.isInteger(this.quota.pods) || this.quota.pods < 1) invalid(this, `quota.pods ${show(this.quota.pods)} is not a whole number >= 1.`, 'use e.g. 100.');
    this.costAllocationTags = { [TEAM_COST_TAG]: this.name };
    this.group = `team:${this.name}`;
    this.serviceAccountName = `${this.name}-workloads`.slice(0, 63).replace(/-+$/, '');
    const workloads = props.cluster.workloads;
    this.namespace = new RestrictedNamespace(this, 'namespace', { workloads, name: this.name, labels: { 'mlops.cdktf.io/team': this.name } });
    const s = workloads.scopeFor(this);
    const ns = this.name;
    new k8s.KubeResourceQuota(s, 'quota', {
      metadata: { name: 'team-quota', namespace: ns },
      spec: {
        hard: {
          'requests.cpu': k8s.Quantity.fromString(this.quota.cpu),
          'requests.memory': k8s.Quantity.fromString(this.quota.memory),
          'limits.memory': k8s.Quantity.fromString(this.quota.memory),
          'requests.nvidia.com/gpu': k8s.Quantity.fromNumber(this.quota.gpus),
          pods: k8s.Quantity.fromNumber(this.quota.pods),
        },
      },
    });
    new k8s.KubeLimitRange(s, 'limits', {
      metadata: { name: 'team-limits', namespace: ns },
      spec: {
        limits: [{
          type: 'Container',
          defaultRequest: { cpu: k8s.Quantity.fromString('250m'), memory: k8s.Quantity.fromString('256Mi') },
          default: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') },
        }],
      },
    });
    new k8s.KubeRole(s, 'role', {
      metadata: { name: 'team-member', namespace: ns },
      rules: [
        { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'configmaps', 'events', 'persistentvolumeclaims'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
        { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new k8s.KubeRoleBinding(s, 'role_binding', {
      metadata: { name: 'team-member', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'team-member' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: this.group }],
    });
    this.accessEntry = new EksAccessEntry(this, 'access_entry', {
      clusterName: props.cluster.cluster.name,
      principalArn: checkArn(this, 'accessRoleArn', props.accessRoleArn, 'iam-role'),
      type: 'STANDARD',
      kubernetesGroups: [this.group],
    });
    this.identity = new WorkloadIdentity(this, 'identity', {
      cluster: props.cluster,
      namespace: ns,
      serviceAccountName: this.serviceAccountName,
      description: `Workloads of team ${this.name}`,
    });
    this.attributeCosts(this);
    new k8s.KubeServiceAccount(s, 'service_account', {
      metadata: { name: this.serviceAccountName, namespace: ns, annotations: this.identity.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    });
  }

  /**
   * Attributes the AWS costs of everything under `scope` to the team: every taggable resource there
   * gets the team's cost-allocation tags (a cdktf Aspect, applied at synth over the resource's own
   * tags). The team's own resources get them already; call it for what the team owns elsewhere,
   * such as its retraining pipelines.
   */
  public attributeCosts(scope: IConstruct): void {
    const tags = this.costAllocationTags;
    Aspects.of(scope).add({
      visit: (node: IConstruct) => {
        if (!(node instanceof TerraformResource) || !('tagsInput' in node)) return;
        const taggable = node as TerraformResource & { tags: Record<string, string>; tagsInput?: Record<string, string> };
        taggable.tags = { ...taggable.tagsInput, ...tags };
      },
    });
  }
}
