import { IConstruct } from 'constructs';
import { DefaultTokenResolver, StringConcat, TerraformElement, TerraformStack, Tokenization } from 'cdktf';

const WRITE = /^(Put|Create|Delete|Update|Write|Batch(Write|Put)|Send|Publish|Start|Run|Invoke|Register|Tag|Untag|Upload|Complete|Abort|Restore|Modify|Encrypt|ReEncrypt|GenerateDataKey|Stop|Terminate|Add|Remove|Set|Attach|Detach|Initiate|Submit|Execute)/;

/** `read` or `write` for an IAM action such as `s3:GetObject`. */
export function actionVerb(action: string): 'read' | 'write' {
  const op = action.split(':')[1] ?? action;
  return WRITE.test(op) ? 'write' : 'read';
}

/** `read` or `write`: what a grant lets its principal do with a location. */
export type NeedKind = 'read' | 'write';

/** One grant as the grant method recorded it (tokens unresolved). */
interface RecordedNeed {
  /** The construct whose policy received the statements (a PlatformRole), or the grantee passed to a data store's grant. */
  readonly principal: IConstruct;
  /** The IAM role resource behind the principal, when the recorder knows it. */
  readonly role?: TerraformElement;
  /** Role ARN token (used when `role` is unknown). */
  readonly roleArn?: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
  readonly kind: NeedKind;
  /** The data location the grant is about: a store resource and a key prefix ('' for all of it). */
  readonly location?: { readonly store: TerraformElement; readonly prefix: string };
  /** Who outside the platform produces or consumes the location (a declaration, no IAM grant). */
  readonly external?: string;
}

/** A declared need, resolved to Terraform addresses and rendered strings: what the system model reads. */
export interface DeclaredNeed {
  /** Construct path of the grantee. */
  readonly principalPath: string;
  /** Stack of the role. */
  readonly stack: string;
  /** `aws_iam_role.<name>` of the role, or the literal role ARN of an imported role. */
  readonly role: string;
  readonly actions: string[];
  /** Resource ARNs as rendered (`${aws_s3_bucket.x.arn}/raw/*`). */
  readonly resources: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
  readonly kind: NeedKind;
  /** Data location: store address (`aws_s3_bucket.lake_raw_bucket`) and key prefix. */
  readonly location?: { readonly store: string; readonly prefix: string };
  /** Set when the producer or consumer is outside the platform: who it is, as declared. */
  readonly external?: string;
}

const registry = new WeakMap<IConstruct, RecordedNeed[]>();

function recordsOf(scope: IConstruct): RecordedNeed[] {
  const root = scope.node.root;
  let list = registry.get(root);
  if (!list) registry.set(root, list = []);
  return list;
}

/**
 * Records that `principal` needs `actions` on `resources` (grants are the declaration: a grant records
 * who needs what). Called by PlatformRole for every statement it receives.
 */
export function recordPolicyNeed(principal: IConstruct, role: TerraformElement, statement: {
  readonly actions: string[]; readonly resources: string[]; readonly effect?: string;
  readonly conditions?: Record<string, Record<string, unknown>>;
}, kind: NeedKind): void {
  if (statement.effect === 'Deny') return;
  recordsOf(principal).push({ principal, role, actions: statement.actions, resources: statement.resources, conditions: statement.conditions, kind });
}

/**
 * Records that the grantee with role `roleArn` reads or writes `prefix` of `store` (an S3 bucket, a
 * table, a queue): the producers and consumers of data locations come from these.
 */
export function recordLocationNeed(principal: IConstruct & { readonly roleArn: string }, store: TerraformElement, prefix: string, kind: NeedKind,
  actions: string[] = [], resources: string[] = []): void {
  recordsOf(principal).push({ principal, roleArn: principal.roleArn, actions, resources, kind, location: { store, prefix } });
}

const acceptedImageRegistry = new WeakMap<IConstruct, Map<string, string>>();

/** An image accepted at construction although it is pinned by tag only, with the reason. */
export interface AcceptedImage {
  readonly ref: string;
  readonly reason: string;
}

/**
 * Records that `ref`, pinned by tag only, was accepted where it is used (a library default with no mirror
 * in the platform registry, or an external image in a profile that allows version tags), and why: the
 * image check reports it as an accepted exception instead of a finding.
 */
export function recordAcceptedImage(scope: IConstruct, ref: string, reason: string): void {
  const root = scope.node.root;
  let m = acceptedImageRegistry.get(root);
  if (!m) acceptedImageRegistry.set(root, m = new Map());
  m.set(ref, reason);
}

/** The images accepted under `scope`'s root (see {@link recordAcceptedImage}). */
export function acceptedImagesOf(scope: IConstruct): AcceptedImage[] {
  return [...(acceptedImageRegistry.get(scope.node.root) ?? new Map<string, string>()).entries()].map(([ref, reason]) => ({ ref, reason }));
}

/** The declared reader of a delivery stream's error output (records that failed conversion or delivery). */
export const FAILED_DELIVERY_READERS = 'operators investigating failed deliveries (error output)';

/**
 * Records that `party`, outside the platform, writes (`kind` write) or reads (`kind` read) `prefix` of
 * `store`: the system model counts it as that location's producer or consumer, and the review lists it.
 * No IAM grant is made (the party's access is managed elsewhere).
 */
export function recordExternalLocation(owner: IConstruct, store: TerraformElement, prefix: string, kind: NeedKind, party: string): void {
  recordsOf(owner).push({ principal: owner, role: store, actions: [], resources: [], kind, location: { store, prefix }, external: party });
}

function resolveIn(stack: TerraformStack, v: unknown): any {
  return Tokenization.resolve(v, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()), preparing: false });
}

const REF = /^\$\{([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+\}$/;

function addressOf(el: TerraformElement): string {
  const stack = TerraformStack.of(el);
  return `${(el as any).terraformResourceType}.${stack.getLogicalId(el)}`;
}

const resolvedNeeds = new WeakMap<IConstruct, { readonly count: number; readonly needs: DeclaredNeed[] }>();

/**
 * The declared needs of every construct under `scope`'s root, resolved (call at synth, after every grant).
 * Resolved once per set of grants: the policy pack and the architecture page share the result.
 */
export function declaredNeeds(scope: IConstruct): DeclaredNeed[] {
  const records = recordsOf(scope);
  const known = resolvedNeeds.get(scope.node.root);
  if (known && known.count === records.length) return known.needs;
  const needs = resolveNeeds(records);
  resolvedNeeds.set(scope.node.root, { count: records.length, needs });
  return needs;
}

function resolveNeeds(records: RecordedNeed[]): DeclaredNeed[] {
  return records.map((r) => {
    const stackOf = r.role ?? r.principal;
    const stack = TerraformStack.of(stackOf);
    if (r.external !== undefined) {
      return {
        principalPath: r.principal.node.path, stack: stack.node.id, role: `external:${r.external}`, actions: [], resources: [], kind: r.kind,
        location: { store: addressOf(r.location!.store), prefix: r.location!.prefix }, external: r.external,
      };
    }
    let role: string;
    if (r.role) role = addressOf(r.role);
    else {
      const arn = String(resolveIn(stack, r.roleArn));
      const m = REF.exec(arn);
      role = m ? `${m[1]}.${m[2]}` : arn;
    }
    const resolve = (v: unknown) => resolveIn(stack, v);
    return {
      principalPath: r.principal.node.path,
      stack: stack.node.id,
      role,
      actions: [...r.actions],
      resources: r.resources.map((x) => String(resolve(x))),
      ...(r.conditions ? { conditions: resolve(r.conditions) } : {}),
      kind: r.kind,
      ...(r.location ? { location: { store: addressOf(r.location.store), prefix: r.location.prefix } } : {}),
    };
  });
}
