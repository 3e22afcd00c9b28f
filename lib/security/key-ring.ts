import { Construct, IConstruct } from 'constructs';
import { MlopsStack } from '../core/mlops-stack';
import { DomainKey } from './domain-key';

/**
 * The customer-managed keys of one stack, one per data domain, created on first use. Every
 * construct that stores data asks the ring for its domain's key, so a domain never gets two keys.
 */
export class KeyRing extends Construct {
  /** The stack's key ring, created on first use as `<stack>/keys`. */
  public static of(scope: IConstruct): KeyRing {
    const stack = MlopsStack.of(scope);
    return (stack.node.tryFindChild('keys') as KeyRing | undefined) ?? new KeyRing(stack, 'keys');
  }

  private readonly keys = new Map<string, DomainKey>();

  /** The key of `domain`, created on first use. */
  public key(domain: string): DomainKey {
    let k = this.keys.get(domain);
    if (!k) {
      k = new DomainKey(this, domain, { domain });
      this.keys.set(domain, k);
      if (domain === 'logs') {
        const stack = MlopsStack.of(this);
        k.allowInKeyPolicy({
          principal: { Service: `logs.${stack.region}.amazonaws.com` },
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.arn('logs', 'log-group:*') } },
        });
      }
    }
    return k;
  }

  /** Every key created so far. */
  public get all(): DomainKey[] {
    return [...this.keys.values()];
  }
}
