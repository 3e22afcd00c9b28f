import { Construct } from 'constructs';
import { ISecretStore } from '../../lib/security/secret-store';
import { IIdentityCluster, WorkloadIdentity } from '../../lib/security/workload-identity';

/** Patterns of secret material that must never appear in synthesized output. */
export const SECRET_PATTERNS: Array<[string, RegExp]> = [
  ['PEM block', /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/],
  ['AWS access key id', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['AWS secret access key', /aws_secret_access_key|secret_access_key"\s*:\s*"/i],
  ['password attribute with a value', /"(master_)?password"\s*:\s*"[^"]+"/i],
  ['password assignment', /password\s*[=:]\s*(?!\{\{)["']?[A-Za-z0-9!#%&*+,.\/;<>?@^_~-]{6,}/i],
  ['URI with inline credentials', /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'/:@{}]+:(?!\{\{)[^\s"'@{}]+@/i],
  ['JWT / bearer token', /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./],
  ['generated password resource', /"(random_password|aws_secretsmanager_secret_version)"/],
];

/** Names of the secret patterns found in `text`. */
export function secretFindings(text: string): string[] {
  return SECRET_PATTERNS.filter(([, re]) => re.test(text)).map(([name]) => name);
}

/** An ISecretStore for tests: grants land on a real WorkloadIdentity, so its policy is synthesized. */
export class RecordingSecretStore extends Construct implements ISecretStore {
  public readonly storeName = 'aws-secrets-manager';
  public readonly storeKind = 'ClusterSecretStore' as const;
  public readonly identity: WorkloadIdentity;
  public readonly grants: Array<{ secretArn: string; kmsKeyArn?: string }> = [];

  constructor(scope: Construct, id: string, cluster: IIdentityCluster) {
    super(scope, id);
    this.identity = new WorkloadIdentity(this, 'identity', { cluster, namespace: 'external-secrets', serviceAccountName: 'test-store' });
  }

  public grantRead(secretArn: string, kmsKeyArn?: string): void {
    this.grants.push({ secretArn, kmsKeyArn });
    this.identity.addToPolicy({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [secretArn] });
    if (kmsKeyArn) this.identity.addToPolicy({ actions: ['kms:Decrypt'], resources: [kmsKeyArn] });
  }
}
