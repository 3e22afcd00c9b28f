import { IConstruct } from 'constructs';
import { PolicyStatement } from './policy-document';

/**
 * Something that can be granted permissions: an IAM role whose inline policy grows with each grant.
 * Grant methods of data stores (`lake.grantRead(identity, 'curated')`) take one of these.
 */
export interface IGrantable extends IConstruct {
  /** ARN of the role that receives grants. */
  readonly roleArn: string;
  /** Name of that role. */
  readonly roleName: string;
  /** Adds statements to the role's inline policy. */
  addToPolicy(...statements: PolicyStatement[]): void;
}

/** An IAM role bound to exactly one Kubernetes namespace and service account. */
export interface IWorkloadIdentity extends IGrantable {
  /** Namespace of the bound service account. */
  readonly namespace: string;
  /** Name of the bound service account. */
  readonly serviceAccountName: string;
  /** Annotations the service account needs (IRSA: the role ARN; Pod Identity: none). */
  readonly serviceAccountAnnotations: Record<string, string>;
}
