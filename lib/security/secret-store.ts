import { IConstruct } from 'constructs';

/**
 * Where Kubernetes workloads get secrets from: an External Secrets Operator store backed by AWS
 * Secrets Manager. Constructs that need a secret in a pod create an `ExternalSecret` that refers to
 * this store and call `grantRead` so the operator's identity may read exactly that secret.
 */
export interface ISecretStore extends IConstruct {
  /** Name of the (Cluster)SecretStore object. */
  readonly storeName: string;
  /** Kind of the store object. */
  readonly storeKind: 'ClusterSecretStore' | 'SecretStore';
  /** Lets the operator read one Secrets Manager secret (and decrypt it with `kmsKeyArn`, if given). */
  grantRead(secretArn: string, kmsKeyArn?: string): void;
}
