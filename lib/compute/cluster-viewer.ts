import { Construct } from 'constructs';
import { App, Lazy } from 'cdktf';
import { ApiObject, Lazy as K8sLazy } from 'cdk8s';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association';
import { Release } from '@cdktf/provider-helm/lib/release';
import { MlopsStack } from '../core/mlops-stack';
import { WorkloadsStack } from '../core/workloads-stack';
import { invalid, show } from '../core/errors';

/** Props of {@link ClusterViewer}. */
export interface ClusterViewerProps {
  /** Name of the EKS cluster (the aws_eks_cluster's name attribute). */
  readonly clusterName: string;
  /** The stack applying the cluster's Kubernetes objects (gets the ClusterRole and its binding). */
  readonly workloads: WorkloadsStack;
  /** The IAM role that views the cluster, e.g. the CI diff role. */
  readonly roleArn: string;
  /**
   * Let the role read Secrets in the namespaces of the app's Helm releases: Helm keeps each
   * release as a Secret there, so refreshing a helm_release needs it. Those namespaces then have
   * their Secrets readable by the role (add-on webhook certificates, and whatever an add-on chart
   * stores there).
   * @default true
   */
  readonly readHelmReleases?: boolean;
}

/**
 * Read-only access to a cluster for an IAM role (a CI diff): an access entry with the
 * AmazonEKSViewPolicy cluster-wide (no Secrets), AmazonEKSAdminViewPolicy in the namespaces of the
 * app's Helm releases (their release Secrets), and the Kubernetes group `cdktf-mlops:viewer` bound
 * to a ClusterRole that reads what the view policy does not: CustomResourceDefinitions, RBAC objects
 * and every API group of the workloads stack's objects (derived at synth).
 */
export class ClusterViewer extends Construct {
  /** The Kubernetes group of the access entry. */
  public static readonly GROUP = 'cdktf-mlops:viewer';
  public readonly accessEntry: EksAccessEntry;
  public readonly viewPolicy: EksAccessPolicyAssociation;
  public readonly helmReleaseReader?: EksAccessPolicyAssociation;
  public readonly clusterRole: ApiObject;
  public readonly clusterRoleBinding: ApiObject;
  private readonly workloads: WorkloadsStack;

  constructor(scope: Construct, id: string, props: ClusterViewerProps) {
    super(scope, id);
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(props.roleArn) && !props.roleArn.includes('${')) {
      invalid(this, `roleArn ${show(props.roleArn)} is not an IAM role ARN.`, 'use e.g. "arn:aws:iam::111122223333:role/ci-diff".');
    }
    const stack = MlopsStack.of(this);
    this.workloads = props.workloads;
    const policyArn = (name: string) => `arn:${stack.partition}:eks::aws:cluster-access-policy/${name}`;
    this.accessEntry = new EksAccessEntry(this, 'access_entry', {
      clusterName: props.clusterName,
      principalArn: props.roleArn,
      type: 'STANDARD',
      kubernetesGroups: [ClusterViewer.GROUP],
    });
    this.viewPolicy = new EksAccessPolicyAssociation(this, 'view', {
      clusterName: props.clusterName,
      principalArn: props.roleArn,
      policyArn: policyArn('AmazonEKSViewPolicy'),
      accessScope: { type: 'cluster' },
      dependsOn: [this.accessEntry],
    });
    if (props.readHelmReleases ?? true) {
      this.helmReleaseReader = new EksAccessPolicyAssociation(this, 'helm_releases', {
        clusterName: props.clusterName,
        principalArn: props.roleArn,
        policyArn: policyArn('AmazonEKSAdminViewPolicy'),
        accessScope: { type: 'namespace', namespaces: Lazy.listValue({ produce: () => this.helmNamespaces() }) },
        dependsOn: [this.accessEntry],
      });
    }
    const k = props.workloads.scopeFor(this);
    const name = 'cdktf-mlops-viewer';
    this.clusterRole = new ApiObject(k, 'cluster-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'cdktf-mlops' } },
      rules: K8sLazy.any({ produce: () => this.rules() }),
    });
    this.clusterRoleBinding = new ApiObject(k, 'cluster-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'cdktf-mlops' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: ClusterViewer.GROUP }],
    });
  }

  /** Namespaces of the app's Helm releases (sorted). */
  protected helmNamespaces(): string[] {
    const namespaces = App.of(this).node.findAll().filter((c): c is Release => c instanceof Release).map((r) => r.namespaceInput ?? 'default');
    return [...new Set(namespaces)].sort();
  }

  /**
   * The ClusterRole's rules: read CRDs and RBAC objects, and every resource of each API group of the
   * workloads stack's objects except the core group (the view policy reads core objects but Secrets).
   */
  protected rules(): unknown[] {
    const groups = new Set<string>(['rbac.authorization.k8s.io']);
    for (const c of this.workloads.chart.node.findAll()) {
      if (c instanceof ApiObject && c.apiVersion.includes('/')) groups.add(c.apiVersion.split('/')[0]);
    }
    return [
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [...groups].sort(), resources: ['*'], verbs: ['get', 'list', 'watch'] },
    ];
  }
}
