import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { ApiObject } from 'cdk8s';
import { MlopsStack } from '../core/mlops-stack';
import { WorkloadsStack } from '../core/workloads-stack';
import { AddonsStack } from '../core/addons-stack';
import { SynthOnceStack } from '../core/synth-once-stack';
import { LifecyclePhase, lifecyclePhaseOf } from './lifecycle-phases';
import { K8sResource, modelOfStack, PlatformModel } from '../governance/policy/model';
import { systemModelOf } from '../governance/system/system-model';
import { actionVerb, declaredNeeds } from '../governance/system/needs';
import { dataFlows } from '../governance/system/flows';

/** One Terraform resource or Kubernetes object owned by a component. */
export interface ArchitectureResource {
  /** `aws_s3_bucket` or, for Kubernetes objects, the kind (`Deployment`). */
  readonly type: string;
  /** Terraform address (`aws_s3_bucket.data_lake_raw_bucket`) or `kind namespace/name`. */
  readonly address: string;
  /** Terraform or Kubernetes. */
  readonly source: 'terraform' | 'kubernetes';
}

/** A construct drawn as a box: the outermost construct with a phase, or a top-level construct of a stack. */
export interface ArchitectureComponent {
  /** Construct path, e.g. `mlops-prod/mlops-prod-platform/data/lake`. */
  readonly path: string;
  /** Construct id. */
  readonly id: string;
  /** Path of the construct holding the component's stack (one diagram per group), e.g. `mlops-prod` for an MlopsPlatform. */
  readonly group: string;
  /** Class name of the construct. */
  readonly className: string;
  readonly phase: LifecyclePhase;
  readonly resources: ArchitectureResource[];
}

/** A flow between two components, derived from IAM grants and workload identities. */
export interface ArchitectureFlow {
  readonly from: string;
  readonly to: string;
  /** `data`: an IAM grant of `from`'s role on `to`'s resources; `identity`: `from`'s pods run as `to`'s role. */
  readonly kind: 'data' | 'identity';
  /** `read`, `write`, `read/write` for data flows; `assumes` for identity flows. */
  readonly verbs: string;
  /** The IAM actions (data) or service accounts (identity) behind the flow, sorted. */
  readonly details: string[];
  /**
   * What the system checks found: `broken` when a data flow of the system model between the two
   * components is broken (a read with no producer, an output nobody reads), else `verified`.
   * @default "verified"
   */
  readonly status?: 'verified' | 'broken';
  /** Why the flow is broken (the system model's words). @default none */
  readonly reason?: string;
}

/** What the architecture diagram draws. */
export interface ArchitectureModel {
  /** Title, e.g. `acme-mlops (prod, eu-west-1)`. */
  readonly title: string;
  /** The groups (one diagram each) with a heading, e.g. `{ path: 'mlops-dev', title: 'acme-mlops-dev (dev, eu-west-1)' }`. */
  readonly groups: Array<{ readonly path: string; readonly title: string }>;
  readonly components: ArchitectureComponent[];
  readonly flows: ArchitectureFlow[];
}

/** `read` or `write` for an IAM action such as `s3:GetObject`. */
export { actionVerb };

const REF = /\$\{[^}]*?\b([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g;

/** Terraform resource addresses referenced by `${...}` expressions in `s`. */
function references(s: string): string[] {
  return [...s.matchAll(REF)].map((m) => `${m[1]}.${m[2]}`);
}

/** A stack's synthesized Terraform JSON: the library's stacks keep it from this synth, others are read back. */
function synthesizedJson(stack: TerraformStack, outdir: string): Record<string, any> | undefined {
  if (stack instanceof SynthOnceStack) return stack.toTerraform();
  const file = path.join(outdir, 'stacks', stack.node.id, 'cdk.tf.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

/**
 * Builds the architecture model of an app from its construct tree and what it synthesized into
 * `outdir` (the stacks' `cdk.tf.json`, whose resources carry their construct path).
 */
export function buildArchitectureModel(app: IConstruct, outdir: string, title?: string): ArchitectureModel {
  const byPath = new Map<string, IConstruct>();
  for (const c of app.node.findAll()) byPath.set(c.node.path, c);
  const stacks = app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
  const components = new Map<string, { c: ArchitectureComponent; order: number }>();

  /** The component owning the construct at `p`: outermost ancestor with a phase below the stack, else the stack's child. */
  const ownerOf = (p: string): ArchitectureComponent | undefined => {
    const c = byPath.get(p);
    if (!c) return undefined;
    const scopes = c.node.scopes;
    const stackIndex = scopes.findIndex((s) => TerraformStack.isStack(s));
    if (stackIndex < 0 || stackIndex === scopes.length - 1) return undefined;
    const below = scopes.slice(stackIndex + 1);
    let owner = below.find((s) => lifecyclePhaseOf(s) !== undefined);
    const phase = owner ? lifecyclePhaseOf(owner)! : 'other';
    owner ??= below[0];
    const key = owner.node.path;
    let entry = components.get(key);
    if (!entry) {
      entry = { c: { path: key, id: owner.node.id, group: scopes[stackIndex - 1]?.node.path || scopes[stackIndex].node.path, className: owner.constructor.name, phase, resources: [] }, order: components.size };
      components.set(key, entry);
    }
    return entry.c;
  };

  // Kubernetes objects: the cdk8s scope of each owner is named after the owner's path.
  const k8sOwner = new Map<string, string>();
  for (const w of stacks) {
    if (!(w instanceof WorkloadsStack)) continue;
    for (const scope of w.chart.node.children) {
      const ownerPath = scope.node.id.replace(/--/g, '/');
      for (const o of scope.node.findAll()) {
        if (o instanceof ApiObject) k8sOwner.set(`${o.kind} ${o.metadata.namespace ?? ''}/${o.name}`, ownerPath);
      }
    }
  }

  // The one system model of what the stacks synthesized; this page is a view of it plus the construct tree.
  const platform: PlatformModel = { resources: [], objects: [], defaultTags: {}, source: outdir, needs: declaredNeeds(app) };
  for (const stack of stacks) {
    const json = synthesizedJson(stack, outdir);
    if (!json) continue;
    const m = modelOfStack(stack.node.id, json);
    platform.resources.push(...m.resources);
    platform.objects.push(...m.objects);
    platform.defaultTags[stack.node.id] = m.defaultTags;
  }
  const system = systemModelOf(platform);

  const resourceOwner = new Map<string, ArchitectureComponent>();
  const addonsStacks = new Map(stacks.filter((s): s is AddonsStack => s instanceof AddonsStack).map((s) => [s.node.id, s]));
  for (const r of platform.resources) {
    if (r.type === 'kubernetes_manifest') continue;
    // A chart's release (add-ons stack) belongs to its HelmAddon (platform stack).
    const releaseOwner = r.type === 'helm_release' ? addonsStacks.get(r.stack)?.releaseOwners.get(r.name) : undefined;
    const owner = ownerOf(releaseOwner ?? r.path);
    if (!owner) continue;
    owner.resources.push({ type: r.type, address: r.address, source: 'terraform' });
    resourceOwner.set(`${r.stack} ${r.address}`, owner);
  }
  const objectOwner = new Map<K8sResource, ArchitectureComponent>();
  for (const o of platform.objects) {
    const m = o.object;
    const ownerPath = k8sOwner.get(`${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`);
    const owner = ownerPath ? ownerOf(ownerPath) : ownerOf(o.path);
    if (!owner) continue;
    owner.resources.push({ type: m.kind, address: `${m.kind} ${m.metadata?.namespace ? m.metadata.namespace + '/' : ''}${m.metadata?.name}`, source: 'kubernetes' });
    objectOwner.set(o, owner);
  }

  const flows = new Map<string, { from: string; to: string; kind: 'data' | 'identity'; verbs: Set<string>; details: Set<string> }>();
  const addFlow = (from: ArchitectureComponent, to: ArchitectureComponent, kind: 'data' | 'identity', verb: string, detail: string) => {
    if (from === to) return;
    const key = `${kind} ${from.path} ${to.path}`;
    let f = flows.get(key);
    if (!f) flows.set(key, f = { from: from.path, to: to.path, kind, verbs: new Set(), details: new Set() });
    f.verbs.add(verb);
    f.details.add(detail);
  };
  // Data flows: each inline policy statement of an identity, to the components owning the resources it names.
  for (const identity of system.identities) {
    for (const p of identity.policies.filter((x) => x.target.type === 'aws_iam_role_policy')) {
      const owner = resourceOwner.get(`${p.target.stack} ${p.target.address}`);
      if (!owner || !p.document) continue;
      for (const st of [p.document.Statement ?? []].flat()) {
        if (st.Effect !== 'Allow') continue;
        const actions: string[] = [st.Action ?? []].flat();
        for (const res of [st.Resource ?? []].flat() as string[]) {
          for (const ref of references(String(res))) {
            const target = resourceOwner.get(`${p.target.stack} ${ref}`);
            if (!target) continue;
            for (const a of actions) addFlow(owner, target, 'data', actionVerb(a), a);
          }
        }
      }
    }
  }
  // Identity flows: workloads run as the role bound to their service account.
  for (const w of system.workloads) {
    const owner = objectOwner.get(w.target);
    if (!owner || !w.serviceAccountName) continue;
    const role = system.serviceAccountRoles.get(`${w.namespace}/${w.serviceAccountName}`);
    const roleResource = role ? system.resource(role) : undefined;
    const roleOwner = roleResource ? resourceOwner.get(`${roleResource.stack} ${roleResource.address}`) : undefined;
    if (roleOwner) addFlow(owner, roleOwner, 'identity', 'assumes', `${w.namespace}/${w.serviceAccountName}`);
  }

  // Status of each data arrow: the system model's data flows between the reader or writer and the store's owner.
  const bucketOwner = new Map<string, ArchitectureComponent>();
  for (const r of platform.resources) {
    const owner = r.type === 'aws_s3_bucket' && typeof r.values.bucket === 'string' ? resourceOwner.get(`${r.stack} ${r.address}`) : undefined;
    if (owner) bucketOwner.set(r.values.bucket, owner);
  }
  const brokenBetween = new Map<string, string[]>();
  for (const f of dataFlows(system).filter((x) => x.status === 'broken')) {
    const from = ownerOf(f.from);
    const store = bucketOwner.get(/^s3:\/\/([^/]+)/.exec(f.to)?.[1] ?? '');
    if (!from || !store) continue;
    const key = `data ${from.path} ${store.path}`;
    brokenBetween.set(key, [...(brokenBetween.get(key) ?? []), f.detail]);
  }

  const mlopsStacks = stacks.filter((s): s is MlopsStack => s instanceof MlopsStack);
  const describe = (s: MlopsStack) => `${s.naming.prefix} (${s.profile.name}, ${s.region})`;
  const defaultTitle = mlopsStacks.map(describe).join(' · ') || 'Platform';
  // Groups in construct-tree order of their stacks.
  const used = new Set([...components.values()].map((e) => e.c.group));
  const groupPaths = [...new Set(stacks.map((s) => s.node.scope?.node.path || s.node.path))].filter((g) => used.has(g));
  const groups = groupPaths.map((g) => {
    const own = mlopsStacks.filter((s) => s.node.path === g || s.node.scope?.node.path === g);
    return { path: g, title: own.length ? own.map(describe).join(' · ') : g };
  });
  return {
    title: title ?? defaultTitle,
    groups,
    components: [...components.values()].sort((a, b) => a.order - b.order).map((e) => e.c),
    flows: [...flows.values()].map((f) => {
      const broken = brokenBetween.get(`${f.kind} ${f.from} ${f.to}`);
      return {
        from: f.from, to: f.to, kind: f.kind,
        verbs: f.kind === 'identity' ? 'assumes' : ['read', 'write'].filter((v) => f.verbs.has(v)).join('/'),
        details: [...f.details].sort(),
        status: broken ? 'broken' as const : 'verified' as const,
        ...(broken ? { reason: broken.join('; ') } : {}),
      };
    }),
  };
}
