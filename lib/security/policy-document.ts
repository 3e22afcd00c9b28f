import { IConstruct } from 'constructs';
import { Lazy } from 'cdktf';
import { invalid, show } from '../core/errors';

/** One IAM policy statement. */
export interface PolicyStatement {
  /** Statement id: letters and digits. @default none */
  readonly sid?: string;
  /** @default "Allow" */
  readonly effect?: 'Allow' | 'Deny';
  /** Actions, each `service:Action`; service-wide wildcards (`s3:*`) are refused. */
  readonly actions: string[];
  /** Resource ARNs. `*` needs `wildcardReason`. */
  readonly resources: string[];
  /** IAM conditions, e.g. `{ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }`. @default none */
  readonly conditions?: Record<string, Record<string, string | string[] | boolean>>;
  /** Why `*` resources are needed (APIs that support no resource-level permissions). Recorded for review. @default none */
  readonly wildcardReason?: string;
}

/** A trust-policy statement. */
export interface TrustStatement {
  readonly principals: Record<string, string | string[]>;
  readonly actions: string[];
  readonly conditions?: Record<string, Record<string, string | string[]>>;
}

/**
 * An IAM policy document that grows as grants are added and renders lazily at synth time.
 * It refuses wildcard actions, and wildcard resources without a written reason.
 */
export class PolicyDocument {
  private readonly statements: PolicyStatement[] = [];

  constructor(private readonly owner: IConstruct) {}

  /** Whether any statement was added. */
  public get isEmpty(): boolean {
    return this.statements.length === 0;
  }

  /** The statements added so far. */
  public get all(): readonly PolicyStatement[] {
    return this.statements;
  }

  public addStatements(...statements: PolicyStatement[]): void {
    for (const s of statements) {
      for (const a of s.actions) {
        if (a === '*' || /^[a-z0-9-]+:\*$/i.test(a)) {
          invalid(this.owner, `policy action ${show(a)} grants every action of a service.`, 'list the actions the workload needs (grants do this for you).');
        }
      }
      if (s.resources.length === 0) {
        invalid(this.owner, `a policy statement for ${s.actions.join(', ')} names no resource.`, 'pass the ARNs the statement applies to.');
      }
      if (s.resources.includes('*') && !s.wildcardReason) {
        invalid(this.owner, `a policy statement for ${s.actions.join(', ')} applies to every resource ("*").`,
          'scope it to ARNs, or give wildcardReason when the API has no resource-level permissions.');
      }
      if (s.wildcardReason) this.owner.node.addMetadata('cdktf-mlops:wildcard-reason', `${s.actions.join(',')}: ${s.wildcardReason}`);
      this.statements.push(s);
    }
  }

  /** The policy JSON, rendered when the stack synthesizes (so later grants are included). */
  public render(): string {
    return Lazy.stringValue({ produce: () => renderPolicy(this.statements) });
  }
}

/** Renders statements as an IAM policy JSON string, merging nothing and keeping order. */
export function renderPolicy(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? 'Allow',
      Action: s.actions.length === 1 ? s.actions[0] : s.actions,
      Resource: s.resources.length === 1 ? s.resources[0] : s.resources,
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  });
}

/** Renders a trust (assume-role) policy. */
export function renderTrustPolicy(statements: readonly TrustStatement[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      Effect: 'Allow',
      Principal: s.principals,
      Action: s.actions.length === 1 ? s.actions[0] : s.actions,
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  });
}
