import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import { MlopsStack } from '../core/mlops-stack';
import { WorkloadsStack } from '../core/workloads-stack';
import { ISecretStore } from '../security/secret-store';
import { HelmAddon, IAddonCluster, systemPodValues } from './helm-addon';

/** Name of the ClusterSecretStore backed by AWS Secrets Manager. */
export const SECRETS_MANAGER_STORE = 'aws-secrets-manager';

/** Props of {@link ExternalSecretsOperator}. */
export interface ExternalSecretsOperatorProps {
  readonly cluster: IAddonCluster;
  /** The stack that applies the ClusterSecretStore. */
  readonly workloads: WorkloadsStack;
}

/**
 * External Secrets Operator (official chart, CRDs installed by the add-ons stack) and the
 * ClusterSecretStore `aws-secrets-manager`. Its identity starts with no permissions: each
 * `grantRead(secretArn)` allows reading exactly that secret.
 */
export class ExternalSecretsOperator extends HelmAddon implements ISecretStore {
  public readonly storeName = SECRETS_MANAGER_STORE;
  public readonly storeKind = 'ClusterSecretStore' as const;
  public readonly store: ApiObject;

  constructor(scope: Construct, id: string, props: ExternalSecretsOperatorProps) {
    super(scope, id, { cluster: props.cluster, chart: 'external-secrets', namespace: 'external-secrets', serviceAccountName: 'external-secrets', description: 'External Secrets Operator' });
    const stack = MlopsStack.of(this);
    this.store = new ApiObject(props.workloads.scopeFor(this), 'store', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: SECRETS_MANAGER_STORE },
      spec: { provider: { aws: { service: 'SecretsManager', region: stack.region } } },
    });
  }

  public grantRead(secretArn: string, kmsKeyArn?: string): void {
    const stack = MlopsStack.of(this);
    this.identity!.addToPolicy({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [secretArn] });
    if (kmsKeyArn) {
      this.identity!.addToPolicy({
        actions: ['kms:Decrypt'],
        resources: [kmsKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      });
    }
  }

  protected values(): Record<string, unknown> {
    const pod = systemPodValues();
    const common = { nodeSelector: pod.nodeSelector, podSecurityContext: pod.podSecurityContext, securityContext: pod.securityContext };
    return {
      installCRDs: true,
      ...common,
      serviceAccount: { create: true, name: 'external-secrets' },
      webhook: common,
      certController: common,
    };
  }
}
