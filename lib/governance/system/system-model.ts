import { firstBlock, K8sResource, PlatformModel, TfResource } from '../policy/model';
import { DeclaredNeed } from './needs';

/** A Terraform address or Kubernetes object the model points back to (for findings). */
export type ModelTarget = TfResource | K8sResource;

/** An IAM role: its trust, the policies that grant to it, its boundary. */
export interface Identity {
  readonly target: TfResource;
  /** Role name (literal, or the logical name when the name is computed). */
  readonly name: string;
  /** Parsed trust policy. */
  readonly trust: any;
  /** Inline (`aws_iam_role_policy`) and customer-managed (`aws_iam_policy` attached) policy documents. */
  readonly policies: Array<{ readonly name: string; readonly document: any; readonly target: TfResource }>;
  /** Managed policies attached by ARN whose document the model does not hold (AWS managed). */
  readonly managedPolicyArns: string[];
  /** Permissions boundary document, when it is a policy in the model. */
  readonly boundary?: any;
  /** Service accounts bound to the role (`namespace/name`). */
  readonly serviceAccounts: string[];
}

/** A pod template: what Kubernetes will try to place and run. */
export interface Workload {
  readonly target: K8sResource;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Labels of the pods. */
  readonly labels: Record<string, string>;
  readonly serviceAccountName?: string;
  readonly images: string[];
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: any[];
  /** requiredDuringSchedulingIgnoredDuringExecution node selector terms. */
  readonly requiredNodeTerms: any[];
  /** Resource requests per container (init containers included), as written (`{ cpu: '4', memory: '16Gi', 'nvidia.com/gpu': 1 }`). */
  readonly requests: Array<Record<string, string | number>>;
  readonly containers: any[];
  readonly pod: any;
}

/** A group of nodes: an EKS managed node group or a Karpenter NodePool. */
export interface ModelNodePool {
  readonly target: ModelTarget;
  readonly name: string;
  /** Labels every node of the pool carries (the pool's own and the well-known ones the model can derive). */
  readonly labels: Record<string, string[]>;
  readonly taints: Array<{ key: string; value?: string; effect: string }>;
  readonly instanceTypes: string[];
  readonly capacityType?: string;
  readonly minSize?: number;
  readonly maxSize?: number;
}

/** A stack: what it applies and from where. */
export interface StackInfo {
  readonly name: string;
  /** Construct path of the stack. @default the name */
  readonly path?: string;
  /** Stacks this one reads outputs from (applied before it). */
  readonly dependsOn: string[];
  /** Where the stack is applied from, when the stack declares it (`appliedFrom`). */
  readonly appliedFrom?: 'anywhere' | 'cluster-network' | 'public-endpoint-cidrs';
}

/** A data location (S3 prefix, table, queue) with who writes it and who reads it. */
export interface DataLocation {
  readonly store: string;
  readonly prefix: string;
  readonly target?: TfResource;
  readonly producers: DeclaredNeed[];
  readonly consumers: DeclaredNeed[];
}

/** The one model of the synthesized platform that the policy pack, the review and the architecture page read. */
export interface SystemModel {
  readonly platform: PlatformModel;
  readonly identities: Identity[];
  /** Role address by `namespace/serviceAccount` (Pod Identity associations and IRSA annotations). */
  readonly serviceAccountRoles: Map<string, string>;
  readonly workloads: Workload[];
  readonly nodePools: ModelNodePool[];
  readonly networkPolicies: K8sResource[];
  readonly services: K8sResource[];
  /** Namespace labels (with the automatic kubernetes.io/metadata.name). */
  readonly namespaceLabels: Map<string, Record<string, string>>;
  readonly needs: DeclaredNeed[];
  readonly locations: DataLocation[];
  readonly repositories: TfResource[];
  /** CloudWatch alarms with the metric they watch (metric queries name their first metric). */
  readonly alarms: Array<{ readonly target: TfResource; readonly namespace?: string; readonly metric?: string; readonly dimensions: Record<string, string> }>;
  readonly budgets: TfResource[];
  readonly stacks: StackInfo[];
  /** The resource at `address` in `stack` (or any stack). */
  resource(address: string, stack?: string): TfResource | undefined;
}

const list = (v: unknown): any[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
export const parseJson = (s: unknown): any => {
  if (s && typeof s === 'object') return s;
  if (typeof s !== 'string') return undefined;
  try { return JSON.parse(s); } catch { return undefined; }
};

/** The pod spec and labels of a workload object (Deployment, Rollout, Job, CronJob, KEDA ScaledJob...), or undefined. */
export function podTemplate(o: K8sResource['object']): { spec: any; labels: Record<string, string> } | undefined {
  const spec = o.spec as any;
  if (!spec) return undefined;
  let t: any;
  switch (o.kind) {
    case 'Pod': return { spec, labels: o.metadata.labels ?? {} };
    case 'CronJob': t = spec.jobTemplate?.spec?.template; break;
    case 'ScaledJob': t = spec.jobTargetRef?.template; break;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'Rollout': t = spec.template; break;
    default: return undefined;
  }
  return t?.spec ? { spec: t.spec, labels: t.metadata?.labels ?? {} } : undefined;
}

const TAINT_EFFECT: Record<string, string> = { NO_SCHEDULE: 'NoSchedule', NO_EXECUTE: 'NoExecute', PREFER_NO_SCHEDULE: 'PreferNoSchedule' };

const cache = new WeakMap<PlatformModel, SystemModel>();

/** The system model of `m`, built once and shared by every rule that asks. */
export function systemModelOf(m: PlatformModel): SystemModel {
  let s = cache.get(m);
  if (!s) cache.set(m, s = buildSystemModel(m));
  return s;
}

function buildSystemModel(m: PlatformModel): SystemModel {
  const byAddress = new Map<string, TfResource[]>();
  for (const r of m.resources) byAddress.set(r.address, [...(byAddress.get(r.address) ?? []), r]);
  const resource = (address: string, stack?: string) => (byAddress.get(address) ?? []).find((r) => stack === undefined || r.stack === stack) ?? byAddress.get(address)?.[0];
  const of = (...types: string[]) => m.resources.filter((r) => types.includes(r.type));

  // Service accounts -> roles.
  const serviceAccountRoles = new Map<string, string>();
  for (const a of of('aws_eks_pod_identity_association')) {
    const role = a.references.role_arn?.[0] ?? String(a.values.role_arn);
    serviceAccountRoles.set(`${a.values.namespace}/${a.values.service_account}`, role);
  }
  for (const o of m.objects.filter((x) => x.object.kind === 'ServiceAccount')) {
    const arn = o.object.metadata.annotations?.['eks.amazonaws.com/role-arn'];
    if (!arn) continue;
    const role = of('aws_iam_role').find((r) => r.values.name && String(arn).endsWith(`:role/${r.values.name}`));
    serviceAccountRoles.set(`${o.object.metadata.namespace}/${o.object.metadata.name}`, role?.address ?? String(arn));
  }

  // Identities.
  const customerPolicies = new Map(of('aws_iam_policy').map((p) => [p.address, p]));
  const identities: Identity[] = of('aws_iam_role').map((r) => {
    const refersTo = (p: TfResource) => (p.references.role ?? []).includes(r.address) || (r.values.name !== undefined && p.values.role === r.values.name);
    const inline = of('aws_iam_role_policy').filter(refersTo).map((p) => ({ name: String(p.values.name ?? p.name), document: parseJson(p.values.policy), target: p }));
    const attached = of('aws_iam_role_policy_attachment').filter(refersTo);
    const managed = attached.flatMap((a) => {
      const p = customerPolicies.get(a.references.policy_arn?.[0] ?? '');
      return p ? [{ name: String(p.values.name ?? p.name), document: parseJson(p.values.policy), target: p }] : [];
    });
    const managedPolicyArns = attached.filter((a) => !customerPolicies.has(a.references.policy_arn?.[0] ?? '')).map((a) => String(a.values.policy_arn));
    const boundaryRef = r.references.permissions_boundary?.[0];
    const boundary = boundaryRef ? parseJson(customerPolicies.get(boundaryRef)?.values.policy) : undefined;
    return {
      target: r, name: String(r.values.name ?? r.name), trust: parseJson(r.values.assume_role_policy), policies: [...inline, ...managed], managedPolicyArns,
      ...(boundaryRef ? { boundary: boundary ?? { unknown: boundaryRef } } : {}),
      serviceAccounts: [...serviceAccountRoles.entries()].filter(([, role]) => role === r.address).map(([sa]) => sa),
    };
  });

  // Workloads.
  const workloads: Workload[] = m.objects.flatMap((o) => {
    const t = podTemplate(o.object);
    if (!t) return [];
    const containers = [...(t.spec.initContainers ?? []), ...(t.spec.containers ?? [])];
    return [{
      target: o, kind: o.object.kind, namespace: o.object.metadata.namespace ?? 'default', name: o.object.metadata.name, labels: t.labels,
      serviceAccountName: t.spec.serviceAccountName, images: containers.map((c) => String(c.image)), nodeSelector: t.spec.nodeSelector ?? {},
      tolerations: t.spec.tolerations ?? [], containers, pod: t.spec, requests: containers.map((c) => c.resources?.requests ?? {}),
      requiredNodeTerms: t.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [],
    }];
  });

  // Node pools: EKS managed node groups (labels, taints, instance types) and Karpenter NodePools.
  const nodePools: ModelNodePool[] = [
    ...of('aws_eks_node_group').map((g): ModelNodePool => {
      const sc = firstBlock(g.values.scaling_config) ?? {};
      const instanceTypes: string[] = list(g.values.instance_types);
      const capacity = String(g.values.capacity_type ?? 'ON_DEMAND');
      const labels: Record<string, string[]> = Object.fromEntries(Object.entries<string>(g.values.labels ?? {}).map(([k, v]) => [k, [String(v)]]));
      labels['eks.amazonaws.com/capacityType'] = [capacity];
      if (typeof g.values.node_group_name === 'string' && !g.values.node_group_name.includes('${')) labels['eks.amazonaws.com/nodegroup'] = [g.values.node_group_name];
      if (instanceTypes.length) labels['node.kubernetes.io/instance-type'] = instanceTypes;
      labels['kubernetes.io/os'] = ['linux'];
      const arm = instanceTypes.length > 0 && instanceTypes.every((t) => /^[a-z]+\d+g/.test(t));
      labels['kubernetes.io/arch'] = [arm ? 'arm64' : 'amd64'];
      return {
        target: g, name: g.address, labels, instanceTypes, capacityType: capacity,
        taints: list(g.values.taint).map((t) => ({ key: String(t.key), value: t.value === undefined ? undefined : String(t.value), effect: TAINT_EFFECT[t.effect] ?? String(t.effect) })),
        minSize: Number(sc.min_size), maxSize: Number(sc.max_size),
      };
    }),
    ...m.objects.filter((o) => o.object.kind === 'NodePool' && String(o.object.apiVersion).startsWith('karpenter.sh/')).map((o): ModelNodePool => {
      const tpl = (o.object.spec as any)?.template ?? {};
      const labels: Record<string, string[]> = Object.fromEntries(Object.entries<string>(tpl.metadata?.labels ?? {}).map(([k, v]) => [k, [String(v)]]));
      for (const r of tpl.spec?.requirements ?? []) if (r.operator === 'In') labels[r.key] = list(r.values).map(String);
      labels['karpenter.sh/nodepool'] = [o.object.metadata.name];
      return {
        target: o, name: `NodePool ${o.object.metadata.name}`, labels, instanceTypes: labels['node.kubernetes.io/instance-type'] ?? [],
        capacityType: labels['karpenter.sh/capacity-type']?.join(','),
        taints: list(tpl.spec?.taints).map((t) => ({ key: String(t.key), value: t.value, effect: String(t.effect) })),
      };
    }),
  ];

  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const o of m.objects.filter((x) => x.object.kind === 'Namespace')) {
    namespaceLabels.set(o.object.metadata.name, { ...(o.object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.object.metadata.name });
  }

  // Data locations from declared needs.
  // Data locations: the grants' declared locations, S3 object statements of any grant, and objects Terraform uploads.
  const needs = m.needs ?? [];
  const locations = new Map<string, DataLocation & { producers: DeclaredNeed[]; consumers: DeclaredNeed[] }>();
  const seen = new Set<string>();
  const addTo = (store: string, prefix: string, kind: 'read' | 'write', n: DeclaredNeed) => {
    const dedupe = `${n.role} ${store} ${prefix} ${kind}`;
    if (seen.has(dedupe)) return;
    seen.add(dedupe);
    const key = `${store} ${prefix}`;
    let l = locations.get(key);
    if (!l) locations.set(key, l = { store, prefix, target: resource(store, n.stack), producers: [], consumers: [] });
    (kind === 'write' ? l.producers : l.consumers).push(n);
  };
  for (const n of needs) {
    if (n.location) { addTo(n.location.store, n.location.prefix, n.kind, n); continue; }
    const kinds = [n.actions.includes('s3:GetObject') ? 'read' : undefined, n.actions.includes('s3:PutObject') ? 'write' : undefined].filter((k): k is 'read' | 'write' => !!k);
    for (const res of n.resources) {
      const mm = /^\$\{(aws_s3_bucket\.[A-Za-z0-9_-]+)\.arn\}\/([^*]*)\*$/.exec(res);
      if (mm) for (const k of kinds) addTo(mm[1], mm[2], k, n);
    }
  }
  for (const o of of('aws_s3_object')) {
    const store = o.references.bucket?.[0];
    if (!store || typeof o.values.key !== 'string') continue;
    addTo(store, o.values.key, 'write', { principalPath: o.path, stack: o.stack, role: 'terraform', actions: ['s3:PutObject'], resources: [], kind: 'write' });
  }

  // Stacks and their apply order (remote state reads) from the synthesized documents.
  const stackNames = [...new Set([...m.resources.map((r) => r.stack), ...Object.keys(m.defaultTags)])];
  const stacks: StackInfo[] = (m.stacks ?? stackNames.map((name) => ({ name, dependsOn: [] }))).map((s) => s);

  return {
    platform: m, identities, serviceAccountRoles, workloads, nodePools, namespaceLabels,
    networkPolicies: m.objects.filter((o) => o.object.kind === 'NetworkPolicy'),
    services: m.objects.filter((o) => o.object.kind === 'Service'),
    needs, locations: [...locations.values()],
    repositories: of('aws_ecr_repository'), budgets: of('aws_budgets_budget'),
    alarms: of('aws_cloudwatch_metric_alarm').map((a) => {
      const q = list(a.values.metric_query).map((x) => firstBlock(x.metric)).find((x) => x);
      return { target: a, namespace: a.values.namespace ?? q?.namespace, metric: a.values.metric_name ?? q?.metric_name, dimensions: a.values.dimensions ?? q?.dimensions ?? {} };
    }),
    stacks, resource,
  };
}
