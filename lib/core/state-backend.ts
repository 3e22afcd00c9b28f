import { S3Backend, TerraformStack } from 'cdktf';

/** Where a stack keeps its Terraform state. */
export interface StateBackendProps {
  /** S3 bucket holding the state (create it once, outside this app: versioned, encrypted, public access blocked). */
  readonly bucket: string;
  /** Region of the state bucket. */
  readonly region: string;
  /**
   * Key prefix; the state of stack `s` is `<keyPrefix>/<s>.tfstate`.
   * @default "cdktf-mlops"
   */
  readonly keyPrefix?: string;
  /**
   * KMS key (ARN) encrypting the state objects.
   * @default the bucket's default encryption
   */
  readonly kmsKeyId?: string;
}

/**
 * Keeps `stack`'s state in S3 at `<keyPrefix>/<stack id>.tfstate`, encrypted, with S3-native lockfile
 * locking (Terraform >= 1.10), so no DynamoDB lock table is needed.
 */
export function configureStateBackend(stack: TerraformStack, props: StateBackendProps): S3Backend {
  const backend = new S3Backend(stack, {
    bucket: props.bucket,
    region: props.region,
    key: `${props.keyPrefix ?? 'cdktf-mlops'}/${stack.node.id}.tfstate`,
    encrypt: true,
    kmsKeyId: props.kmsKeyId,
  });
  backend.addOverride('use_lockfile', true);
  return backend;
}
