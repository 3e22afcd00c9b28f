import { Construct } from 'constructs';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { MlopsStack } from '../core/mlops-stack';
import { WorkloadsStack } from '../core/workloads-stack';
import { checkName } from '../core/naming';
import { invalid } from '../core/errors';
import { PlatformRole } from './platform-role';
import { IWorkloadIdentity } from './principal';
import { PolicyStatement } from './policy-document';

/** What a workload identity needs of a cluster. */
export interface IIdentityCluster {
  /** The cluster's name as a literal (naming, trust conditions, messages). */
  readonly clusterName: string;
  /**
   * The cluster's name as a reference to the cluster resource (`${aws_eks_cluster.<id>.name}`, MlCluster
   * `cluster.name`): every resource that takes the cluster name uses it, so that Terraform creates it
   * after the cluster (on a first apply a literal name would be used before the cluster exists).
   * @default clusterName: right only for a cluster that exists before this app is applied
   */
  readonly clusterNameRef?: string;
  /** IAM OIDC provider ARN (IRSA only). */
  readonly oidcProviderArn?: string;
  /** OIDC issuer host and path without `https://` (IRSA only). */
  readonly oidcIssuer?: string;
}

/** A cluster that runs workloads: identities can bind to it and its workloads stack applies objects to it (MlCluster). */
export interface IWorkloadCluster extends IIdentityCluster {
  readonly workloads: WorkloadsStack;
}

/** How pods obtain the role. */
export type IdentityMode = 'pod-identity' | 'irsa';

/** Props of {@link WorkloadIdentity}. */
export interface WorkloadIdentityProps {
  readonly cluster: IIdentityCluster;
  /** Namespace of the service account. */
  readonly namespace: string;
  /** The service account bound to the role. */
  readonly serviceAccountName: string;
  /** What the workload is (IAM description and review). */
  readonly description?: string;
  /**
   * EKS Pod Identity (association + session tags) or IRSA (OIDC web identity).
   * @default "pod-identity"
   */
  readonly mode?: IdentityMode;
  /**
   * AWS managed policies to attach (for AWS-provided add-ons whose policies AWS maintains).
   * @default none: permissions come from grants
   */
  readonly managedPolicies?: string[];
  /**
   * Create the Pod Identity association. Set false when an EKS add-on creates it
   * (`aws_eks_addon.pod_identity_association`).
   * @default true
   */
  readonly createAssociation?: boolean;
}

/**
 * An IAM role that exactly one Kubernetes service account can assume.
 *
 * - Pod Identity (default): trust for `pods.eks.amazonaws.com`, narrowed by the session tags EKS sets
 *   (`kubernetes-namespace`, `kubernetes-service-account`, `eks-cluster-name`), plus the association.
 * - IRSA: trust for the cluster's OIDC provider with `:sub` = `system:serviceaccount:<ns>:<sa>` and
 *   `:aud` = `sts.amazonaws.com`.
 *
 * Permissions come only from grants (`lake.grantRead(identity, 'curated')`).
 */
export class WorkloadIdentity extends Construct implements IWorkloadIdentity {
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly platformRole: PlatformRole;
  public readonly association?: EksPodIdentityAssociation;
  public readonly mode: IdentityMode;

  constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    checkName(this, 'k8s-namespace', props.namespace);
    checkName(this, 'k8s-name', props.serviceAccountName);
    this.namespace = props.namespace;
    this.serviceAccountName = props.serviceAccountName;
    this.mode = props.mode ?? 'pod-identity';
    const description = props.description ?? `Workload identity of ${props.namespace}/${props.serviceAccountName}`;
    if (this.mode === 'irsa') {
      const { oidcProviderArn, oidcIssuer } = props.cluster;
      if (!oidcProviderArn || !oidcIssuer) {
        invalid(this, 'mode "irsa" needs a cluster with an IAM OIDC provider.', 'enable irsa on the MlCluster, or use mode "pod-identity".');
      }
      this.platformRole = new PlatformRole(this, 'role', {
        nameParts: ['wi', props.namespace, props.serviceAccountName],
        description,
        managedPolicies: props.managedPolicies,
        trust: [{
          principals: { Federated: oidcProviderArn },
          actions: ['sts:AssumeRoleWithWebIdentity'],
          conditions: {
            StringEquals: {
              [`${oidcIssuer}:sub`]: `system:serviceaccount:${props.namespace}:${props.serviceAccountName}`,
              [`${oidcIssuer}:aud`]: 'sts.amazonaws.com',
            },
          },
        }],
      });
    } else {
      this.platformRole = new PlatformRole(this, 'role', {
        nameParts: ['wi', props.namespace, props.serviceAccountName],
        description,
        managedPolicies: props.managedPolicies,
        trust: [{
          principals: { Service: 'pods.eks.amazonaws.com' },
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          conditions: {
            StringEquals: {
              'aws:SourceAccount': stack.accountId,
              'aws:RequestTag/eks-cluster-name': props.cluster.clusterName,
              'aws:RequestTag/kubernetes-namespace': props.namespace,
              'aws:RequestTag/kubernetes-service-account': props.serviceAccountName,
            },
          },
        }],
      });
      if (props.createAssociation !== false) this.association = new EksPodIdentityAssociation(this, 'association', {
        clusterName: props.cluster.clusterNameRef ?? props.cluster.clusterName,
        namespace: props.namespace,
        serviceAccount: props.serviceAccountName,
        roleArn: this.platformRole.roleArn,
      });
    }
  }

  public get roleArn(): string {
    return this.platformRole.roleArn;
  }

  public get roleName(): string {
    return this.platformRole.roleName;
  }

  public get serviceAccountAnnotations(): Record<string, string> {
    return this.mode === 'irsa' ? { 'eks.amazonaws.com/role-arn': this.roleArn } : {};
  }

  public addToPolicy(...statements: PolicyStatement[]): void {
    this.platformRole.addToPolicy(...statements);
  }
}
