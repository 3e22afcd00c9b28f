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

const WRITE = /^(Put|Create|Delete|Update|Write|Batch(Write|Put)|Send|Publish|Start|Run|Invoke|Register|Tag|Untag|Upload|Complete|Abort|Restore|Modify|Encrypt|ReEncrypt|GenerateDataKey|Stop|Terminate|Add|Remove|Set|Attach|Detach|Initiate|Submit|Execute)/;

/** `read` or `write` for an IAM action such as `s3:GetObject`. */
export function actionVerb(action: string): 'read' | 'write' {
  const op = action.split(':')[1] ?? action;
  return WRITE.test(op) ? 'write' : 'read';
}

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

  const resourceOwner = new Map<string, ArchitectureComponent>();
  const rolePolicies: Array<{ owner: ArchitectureComponent; json: string; stack: string }> = [];
  const podIdentities: Array<{ namespace: string; serviceAccount: string; role: string; stack: string }> = [];
  const workloads: Array<{ owner: ArchitectureComponent; namespace: string; serviceAccount: string }> = [];
  for (const stack of stacks) {
    const json = synthesizedJson(stack, outdir);
    if (!json) continue;
    for (const [type, byName] of Object.entries<Record<string, any>>(json.resource ?? {})) {
      for (const [name, r] of Object.entries<any>(byName)) {
        if (type === 'kubernetes_manifest') {
          const m = r.manifest ?? {};
          const key = `${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`;
          const ownerPath = k8sOwner.get(key);
          const owner = ownerPath ? ownerOf(ownerPath) : ownerOf(r['//']?.metadata?.path ?? '');
          if (!owner) continue;
          owner.resources.push({ type: m.kind, address: `${m.kind} ${m.metadata?.namespace ? m.metadata.namespace + '/' : ''}${m.metadata?.name}`, source: 'kubernetes' });
          const spec = m.kind === 'CronJob' ? m.spec?.jobTemplate?.spec?.template?.spec : m.spec?.template?.spec;
          if (spec?.serviceAccountName && m.metadata?.namespace) workloads.push({ owner, namespace: m.metadata.namespace, serviceAccount: spec.serviceAccountName });
          continue;
        }
        // A chart's release (add-ons stack) belongs to its HelmAddon (platform stack).
        const releaseOwner = type === 'helm_release' && stack instanceof AddonsStack ? stack.releaseOwners.get(name) : undefined;
        const owner = ownerOf(releaseOwner ?? r['//']?.metadata?.path ?? '');
        if (!owner) continue;
        const address = `${type}.${name}`;
        owner.resources.push({ type, address, source: 'terraform' });
        resourceOwner.set(`${stack.node.id} ${address}`, owner);
        if (type === 'aws_iam_role_policy' && typeof r.policy === 'string') rolePolicies.push({ owner, json: r.policy, stack: stack.node.id });
        if (type === 'aws_eks_pod_identity_association' && typeof r.role_arn === 'string') {
          podIdentities.push({ namespace: r.namespace, serviceAccount: r.service_account, role: references(r.role_arn)[0] ?? '', stack: stack.node.id });
        }
      }
    }
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
  for (const p of rolePolicies) {
    let doc: any;
    try {
      doc = JSON.parse(p.json);
    } catch {
      continue;
    }
    for (const st of [doc.Statement ?? []].flat()) {
      if (st.Effect !== 'Allow') continue;
      const actions: string[] = [st.Action ?? []].flat();
      for (const res of [st.Resource ?? []].flat() as string[]) {
        for (const ref of references(String(res))) {
          const target = resourceOwner.get(`${p.stack} ${ref}`);
          if (!target) continue;
          for (const a of actions) addFlow(p.owner, target, 'data', actionVerb(a), a);
        }
      }
    }
  }
  for (const w of workloads) {
    for (const pi of podIdentities) {
      if (pi.namespace !== w.namespace || pi.serviceAccount !== w.serviceAccount) continue;
      const roleOwner = resourceOwner.get(`${pi.stack} ${pi.role}`);
      if (roleOwner) addFlow(w.owner, roleOwner, 'identity', 'assumes', `${w.namespace}/${w.serviceAccount}`);
    }
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
    flows: [...flows.values()].map((f) => ({
      from: f.from, to: f.to, kind: f.kind,
      verbs: f.kind === 'identity' ? 'assumes' : ['read', 'write'].filter((v) => f.verbs.has(v)).join('/'),
      details: [...f.details].sort(),
    })),
  };
}
