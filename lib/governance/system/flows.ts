import * as yaml from 'js-yaml';
import { effectiveTags, firstBlock, K8sResource, TfResource } from '../policy/model';
import { contextFromConditions, exampleOf, IamEvaluator } from './iam';
import { DeclaredNeed } from './needs';
import { Identity, ModelNodePool, SystemModel, Workload } from './system-model';

/** One flow of the platform and whether the model proves it works. */
export interface SystemFlow {
  /** `data-read`, `data-write`, `iam`, `duty`, `network`, `image`, `placement`, `budget`, `alert`, `cluster`, `endpoint`. */
  readonly kind: string;
  /** Who acts (construct path, workload or role). */
  readonly from: string;
  /** What it reaches (location, service, repository, node pool). */
  readonly to: string;
  /** `accepted`: broken by the rule's measure but accepted where it was declared, with the reason in `detail`. */
  readonly status: 'ok' | 'broken' | 'accepted';
  /** What breaks at run time (broken flows), or how the model proved it (ok). */
  readonly detail: string;
  /** The resource or object a finding is reported on. */
  readonly target: TfResource | K8sResource;
}

const list = (v: unknown): any[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const evaluators = new WeakMap<SystemModel, IamEvaluator>();
/** The IAM evaluator of a model (one per model: documents are concretized once). */
export function iamOf(s: SystemModel): IamEvaluator {
  let e = evaluators.get(s);
  if (!e) evaluators.set(s, e = new IamEvaluator(s));
  return e;
}

/** A rendered ARN as a reader writes it: partition and account data sources shortened. */
export function pretty(s: string): string {
  return s.replace(/\$\{data\.aws_partition\.[^}]+\}/g, 'aws').replace(/\$\{data\.aws_caller_identity\.[^}]+\}/g, '<account>').replace(/\$\{data\.aws_region\.[^}]+\}/g, '<region>');
}

const overlaps = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
const where = (s: SystemModel, store: string, prefix: string) => {
  const r = s.resource(store);
  const name = r ? iamOf(s).concrete.nameOf(r) : store;
  return `${r?.type === 'aws_s3_bucket' ? `s3://${name}/` : `${store} `}${prefix}`;
};
function identityOf(s: SystemModel, n: DeclaredNeed): Identity | undefined {
  return s.identities.find((i) => i.target.address === n.role && i.target.stack === n.stack) ?? s.identities.find((i) => i.target.address === n.role);
}

/** Data flows: every location read has a producer allowed to write it; every output has a reader. */
export function dataFlows(s: SystemModel): SystemFlow[] {
  const out: SystemFlow[] = [];
  // A declared party outside the platform (SecureBucket.declareExternal) is named as declared.
  const who = (n: DeclaredNeed) => (n.external !== undefined ? `outside the platform: ${n.external}` : n.principalPath);
  // A grant on a whole store (no prefix, e.g. Lake Formation's data access role) is access, not a declaration
  // of what is produced or consumed: it only counts for locations that are whole stores themselves.
  const related = (l: { store: string; prefix: string }) => s.locations.filter((o) => o.store === l.store && overlaps(o.prefix, l.prefix) && (o.prefix !== '' || l.prefix === ''));
  for (const l of s.locations) {
    const producers = related(l).flatMap((o) => o.producers);
    const consumers = related(l).flatMap((o) => o.consumers);
    const at = where(s, l.store, l.prefix);
    for (const c of l.consumers) {
      const target = identityOf(s, c)?.target ?? l.target;
      if (!target) continue;
      out.push(producers.length
        ? { kind: 'data-read', from: who(c), to: at, status: 'ok', detail: `reads what ${[...new Set(producers.map(who))].join(', ')} write${producers.length > 1 ? '' : 's'}`, target }
        : { kind: 'data-read', from: who(c), to: at, status: 'broken', detail: `reads ${at} but nothing in the platform is granted write there: the reader finds no data at run time`, target });
    }
    for (const p of l.producers) {
      const target = identityOf(s, p)?.target ?? l.target;
      if (!target || consumers.length) continue;
      out.push({ kind: 'data-write', from: who(p), to: at, status: 'broken', detail: `writes ${at} but nothing in the platform is granted read there: the output is never used`, target });
    }
  }
  return out;
}

/** IAM: every declared need is allowed by its identity's effective policies (identity, boundary, resource policies). */
export function iamFlows(s: SystemModel): SystemFlow[] {
  const iam = iamOf(s);
  const byRole = new Map<Identity, { needs: DeclaredNeed[]; denied: string[]; notEvaluated: Set<string> }>();
  const seen = new Set<string>();
  for (const n of s.needs) {
    const identity = identityOf(s, n);
    if (!identity) continue;
    let e = byRole.get(identity);
    if (!e) byRole.set(identity, e = { needs: [], denied: [], notEvaluated: new Set() });
    e.needs.push(n);
    const context = contextFromConditions(n.conditions, (x) => iam.concrete.text(x, 0, n.stack));
    for (const action of n.actions) {
      for (const res of n.resources) {
        const key = `${n.role} ${action} ${res} ${JSON.stringify(context)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const resource = res === '*' ? '*' : exampleOf(iam.concrete.text(res, 0, n.stack));
        const d = iam.evaluate({ identity, action: action.replace(/\*/g, ''), resource, context });
        if (d.result !== 'Allowed') {
          e.denied.push(`${action} on ${pretty(res)} (${d.result})`);
          d.notEvaluated.forEach((x) => e!.notEvaluated.add(x));
        }
      }
    }
  }
  return [...byRole.entries()].map(([identity, e]) => {
    const who = [...new Set(e.needs.map((n) => n.principalPath))].join(', ');
    const shown = e.denied.slice(0, 4).join('; ') + (e.denied.length > 4 ? `; and ${e.denied.length - 4} more` : '');
    return e.denied.length
      ? { kind: 'iam', from: who, to: identity.name, status: 'broken' as const, target: identity.target,
        detail: `${identity.target.address} is denied what its grants declare: ${shown}; the call fails with AccessDenied at run time${e.notEvaluated.size ? ` (AWS managed policies not evaluated: ${[...e.notEvaluated].join(', ')})` : ''}` }
      : { kind: 'iam', from: who, to: identity.name, status: 'ok' as const, target: identity.target, detail: `${e.needs.length} declared needs allowed` };
  });
}

/** Separation of duties: who registers model packages cannot approve them; nobody in the platform can schedule key deletion. */
export function dutyFlows(s: SystemModel): SystemFlow[] {
  const iam = iamOf(s);
  const out: SystemFlow[] = [];
  const allowed = (i: Identity, action: string, resource: string, context: Record<string, string> = {}) => iam.evaluate({ identity: i, action, resource, context }).result === 'Allowed';
  for (const g of s.platform.resources.filter((r) => r.type === 'aws_sagemaker_model_package_group')) {
    const group = iam.concrete.arnOf(g);
    const pkg = group.replace(':model-package-group/', ':model-package/') + '/1';
    for (const i of s.identities) {
      const pending = { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' };
      const approved = { 'sagemaker:ModelApprovalStatus': 'Approved' };
      const registers = [pkg, group].some((r) => allowed(i, 'sagemaker:CreateModelPackage', r, pending));
      const approves = allowed(i, 'sagemaker:UpdateModelPackage', pkg, approved) || allowed(i, 'sagemaker:CreateModelPackage', pkg, approved);
      if (registers && approves) {
        out.push({ kind: 'duty', from: i.name, to: g.address, status: 'broken', target: i.target,
          detail: `${i.target.address} may both register model packages in ${g.address} and set them Approved: one identity can ship a model without review` });
      }
    }
  }
  for (const k of s.platform.resources.filter((r) => r.type === 'aws_kms_key')) {
    const key = iam.concrete.arnOf(k);
    for (const i of s.identities) {
      if (allowed(i, 'kms:ScheduleKeyDeletion', key)) {
        out.push({ kind: 'duty', from: i.name, to: k.address, status: 'broken', target: i.target,
          detail: `${i.target.address} may kms:ScheduleKeyDeletion on ${k.address}: a platform identity can destroy every object encrypted with the key` });
      }
    }
  }
  return out;
}

function matchesSelector(sel: any, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries<string>(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const values = list(e.values).map(String);
    if (e.operator === 'In' && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function ipv4(a: string): number {
  return a.split('.').reduce((n, x) => n * 256 + Number(x), 0);
}
function cidrContains(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split('/');
  if (!base || base.includes(':')) return false;
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (Math.floor(ipv4(base) / 1) & mask) >>> 0 === (ipv4(ip) & mask) >>> 0;
}

/** Network paths: declared client-to-service paths pass the client's egress and the server's ingress NetworkPolicies. */
export function networkFlows(s: SystemModel): SystemFlow[] {
  const vpc = s.platform.resources.find((r) => r.type === 'aws_vpc' && typeof r.values.cidr_block === 'string' && !r.values.cidr_block.includes('${'));
  const podIp = vpc ? String(vpc.values.cidr_block).split('/')[0].replace(/\.0$/, '.10') : '10.0.0.10';
  const nsLabels = (ns: string) => s.namespaceLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
  const policiesFor = (w: Workload, type: 'Ingress' | 'Egress') => s.networkPolicies.filter((p) => {
    const spec = (p.object.spec ?? {}) as any;
    const types: string[] = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return (p.object.metadata.namespace ?? 'default') === w.namespace && types.includes(type) && matchesSelector(spec.podSelector, w.labels);
  });
  const peerMatches = (peer: any, policyNs: string, w: Workload) => {
    if (peer.ipBlock) return cidrContains(peer.ipBlock.cidr, podIp) && !list(peer.ipBlock.except).some((e) => cidrContains(e, podIp));
    const nsOk = peer.namespaceSelector ? matchesSelector(peer.namespaceSelector, nsLabels(w.namespace)) : w.namespace === policyNs;
    return nsOk && matchesSelector(peer.podSelector, w.labels);
  };
  const portMatches = (ports: any[] | undefined, port: number, name: string | undefined) => !ports || ports.length === 0 || ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== 'TCP') return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) return p.port === name;
    return Number(p.port) === port || (p.endPort !== undefined && port >= Number(p.port) && port <= Number(p.endPort));
  });
  const allows = (w: Workload, type: 'Ingress' | 'Egress', peer: Workload, port: number, portName?: string) => {
    const ps = policiesFor(w, type);
    if (ps.length === 0) return true;
    return ps.some((p) => list((p.object.spec as any)?.[type === 'Egress' ? 'egress' : 'ingress']).some((rule: any) => {
      const peers = list(type === 'Egress' ? rule.to : rule.from);
      return (peers.length === 0 || peers.some((x) => peerMatches(x, p.object.metadata.namespace ?? 'default', peer))) && portMatches(rule.ports, port, portName);
    }));
  };

  // Declared paths: services the workloads address by cluster DNS name in their configuration, and the clients each server's ingress names.
  const paths = new Map<string, { client: Workload; service: K8sResource; port: any }>();
  const svcByName = new Map(s.services.map((x) => [`${x.object.metadata.name}.${x.object.metadata.namespace}`, x]));
  for (const w of s.workloads) {
    // The workload's own configuration: env, args, command, and the ConfigMaps it mounts or loads.
    const configMaps = new Set([...list(w.pod.volumes).map((v: any) => v.configMap?.name),
      ...w.containers.flatMap((c) => [...list(c.envFrom).map((e: any) => e.configMapRef?.name), ...list(c.env).map((e: any) => e.valueFrom?.configMapKeyRef?.name)])].filter((x) => x));
    const text = JSON.stringify([w.containers.map((c) => [c.env, c.args, c.command]),
      s.platform.objects.filter((o) => o.object.kind === 'ConfigMap' && o.object.metadata.namespace === w.namespace && configMaps.has(o.object.metadata.name)).map((o) => o.object.data)]);
    for (const mm of text.matchAll(/\b([a-z0-9-]+)\.([a-z0-9-]+)(?:\.svc(?:\.cluster\.local)?)?:(\d+)/g)) {
      const svc = svcByName.get(`${mm[1]}.${mm[2]}`);
      if (!svc) continue;
      const port = list((svc.object.spec as any)?.ports).find((p) => Number(p.port) === Number(mm[3]));
      if (port) paths.set(`${w.target.address} ${svc.address} ${port.port}`, { client: w, service: svc, port });
    }
  }
  for (const svc of s.services) {
    const selector = (svc.object.spec as any)?.selector;
    if (!selector) continue;
    const servers = s.workloads.filter((w) => w.namespace === svc.object.metadata.namespace && matchesSelector({ matchLabels: selector }, w.labels));
    for (const server of servers) {
      for (const p of policiesFor(server, 'Ingress')) {
        for (const rule of list((p.object.spec as any)?.ingress)) {
          for (const peer of list(rule.from).filter((x) => !x.ipBlock)) {
            for (const client of s.workloads.filter((w) => w !== server && peerMatches(peer, p.object.metadata.namespace ?? 'default', w) && w.kind !== 'Job')) {
              // Only peers named explicitly (another namespace or a labelled pod), not "every pod of my namespace" rules.
              if (!peer.namespaceSelector && !peer.podSelector?.matchLabels && !peer.podSelector?.matchExpressions) continue;
              if (client.namespace === server.namespace && !peer.podSelector?.matchLabels) continue;
              for (const port of list((svc.object.spec as any)?.ports)) paths.set(`${client.target.address} ${svc.address} ${port.port}`, { client, service: svc, port });
            }
          }
        }
      }
    }
  }
  const out: SystemFlow[] = [];
  for (const { client, service, port } of paths.values()) {
    const ns = service.object.metadata.namespace ?? 'default';
    const selector = (service.object.spec as any)?.selector ?? {};
    const servers = s.workloads.filter((w) => w.namespace === ns && matchesSelector({ matchLabels: selector }, w.labels));
    const to = `Service ${ns}/${service.object.metadata.name}:${port.port}`;
    const from = `${client.kind} ${client.namespace}/${client.name}`;
    if (servers.length === 0) {
      out.push({ kind: 'network', from, to, status: 'broken', target: client.target, detail: `${from} calls ${to}, which selects no pod of the platform: connections are refused` });
      continue;
    }
    for (const server of servers) {
      const tp = port.targetPort ?? port.port;
      const named = typeof tp === 'string' && !/^\d+$/.test(tp) ? tp : undefined;
      const target = named ? Number(server.containers.flatMap((c) => list(c.ports)).find((p) => p.name === named)?.containerPort) : Number(tp);
      const egress = allows(client, 'Egress', server, target, named);
      const ingress = allows(server, 'Ingress', client, target, named);
      const broken = [!egress ? `the client's egress NetworkPolicies in ${client.namespace} allow no TCP ${target} to ${server.kind} ${ns}/${server.name}` : '',
        !ingress ? `the server's ingress NetworkPolicies in ${ns} admit no TCP ${target} from ${from}` : ''].filter((x) => x);
      out.push(broken.length
        ? { kind: 'network', from, to, status: 'broken', target: client.target, detail: `${from} -> ${to} is dropped: ${broken.join('; ')}; connections time out at run time` }
        : { kind: 'network', from, to, status: 'ok', target: client.target, detail: `egress and ingress allow TCP ${target}` });
    }
  }
  return out;
}

const ECR = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/;

/** Images: every image comes from a repository some pipeline can push to, or is external and pinned by digest. */
export function imageFlows(s: SystemModel): SystemFlow[] {
  const iam = iamOf(s);
  const repos = new Map(s.repositories.map((r) => [iam.concrete.nameOf(r), r]));
  const out: SystemFlow[] = [];
  const seen = new Set<string>();
  for (const w of s.workloads) {
    for (const image of w.images) {
      const key = `${w.target.address} ${image}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const from = `${w.kind} ${w.namespace}/${w.name}`;
      const m = ECR.exec(image);
      const repo = m ? repos.get(m[3]) : undefined;
      const accepted = image.includes('@sha256:') ? undefined : s.platform.acceptedImages?.find((a) => a.ref === image);
      if (!repo && accepted) {
        out.push({ kind: 'image', from, to: image, status: 'accepted', target: w.target, detail: `${from} runs ${image}, pinned by tag only: ${accepted.reason}` });
        continue;
      }
      if (!repo) {
        out.push(image.includes('@sha256:')
          ? { kind: 'image', from, to: image, status: 'ok', target: w.target, detail: 'external image pinned by digest' }
          : { kind: 'image', from, to: image, status: 'broken', target: w.target, detail: `${from} runs ${image}, which is in no ECR repository of the platform and not pinned by digest: nothing the platform builds can put it there, and the pull fails or runs whatever the tag points to` });
        continue;
      }
      const arn = iam.concrete.arnOf(repo);
      const pushers = s.identities.filter((i) => iam.evaluate({ identity: i, action: 'ecr:PutImage', resource: arn }).result === 'Allowed');
      out.push(pushers.length
        ? { kind: 'image', from, to: image, status: 'ok', target: w.target, detail: `pushed by ${pushers.map((p) => p.name).join(', ')}` }
        : { kind: 'image', from, to: image, status: 'broken', target: w.target, detail: `${from} runs ${image} from ${repo.address}, but no identity of the platform may ecr:PutImage there: the image never exists and the pod stays in ImagePullBackOff` });
    }
  }
  return out;
}

/** Placement: every pod's nodeSelector, required node affinity and tolerations fit some node pool. */
export function placementFlows(s: SystemModel): SystemFlow[] {
  if (s.nodePools.length === 0) return [];
  const out: SystemFlow[] = [];
  const labelOk = (pool: ModelNodePool, key: string, op: string, values: string[]) => {
    const have = pool.labels[key];
    switch (op) {
      case 'In': return !!have && have.some((v) => values.includes(v));
      case 'NotIn': return !have || have.some((v) => !values.includes(v));
      case 'Exists': return !!have;
      case 'DoesNotExist': return !have;
      case 'Gt': return !!have && have.some((v) => Number(v) > Number(values[0]));
      case 'Lt': return !!have && have.some((v) => Number(v) < Number(values[0]));
      default: return false;
    }
  };
  for (const w of s.workloads) {
    const reasons: string[] = [];
    const fits = s.nodePools.filter((pool) => {
      const sel = Object.entries(w.nodeSelector).find(([k, v]) => !labelOk(pool, k, 'In', [String(v)]));
      if (sel) { reasons.push(`${pool.name}: no label ${sel[0]}=${sel[1]}`); return false; }
      if (w.requiredNodeTerms.length && !w.requiredNodeTerms.some((t: any) => list(t.matchExpressions).every((e: any) => labelOk(pool, e.key, e.operator, list(e.values).map(String))))) {
        reasons.push(`${pool.name}: required node affinity not met`);
        return false;
      }
      const untolerated = pool.taints.filter((t) => t.effect !== 'PreferNoSchedule' && !w.tolerations.some((tol: any) =>
        (tol.key === undefined ? tol.operator === 'Exists' : tol.key === t.key) && (tol.operator === 'Exists' || String(tol.value ?? '') === String(t.value ?? ''))
        && (!tol.effect || tol.effect === t.effect)));
      if (untolerated.length) { reasons.push(`${pool.name}: taint ${untolerated.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`).join(', ')} not tolerated`); return false; }
      return true;
    });
    const from = `${w.kind} ${w.namespace}/${w.name}`;
    out.push(fits.length
      ? { kind: 'placement', from, to: fits.map((p) => p.name).join(', '), status: 'ok', target: w.target, detail: `fits ${fits.length} node pool(s)` }
      : { kind: 'placement', from, to: 'no node pool', status: 'broken', target: w.target, detail: `${from} fits no node pool (${reasons.join('; ')}): its pods stay Pending` });
  }
  return out;
}

/** Budgets: every cost filter's tag is carried by some resource of the platform. */
export function budgetFlows(s: SystemModel): SystemFlow[] {
  const m = s.platform;
  const out: SystemFlow[] = [];
  for (const b of s.budgets) {
    const filters = [...list(b.values.cost_filter).filter((f) => f.name === 'TagKeyValue').flatMap((f) => list(f.values).map(String)),
      ...list(firstBlock(b.values.cost_filters)?.TagKeyValue).map(String)];
    for (const f of filters) {
      const mm = /^(?:user:)?([^$]+)\$(.*)$/.exec(f);
      if (!mm) continue;
      const [, key, value] = mm;
      const carriers = m.resources.filter((r) => r.type.startsWith('aws_') && effectiveTags(m, r)[key] === value);
      out.push(carriers.length
        ? { kind: 'budget', from: b.address, to: `${key}=${value}`, status: 'ok', target: b, detail: `${carriers.length} resources carry the tag` }
        : { kind: 'budget', from: b.address, to: `${key}=${value}`, status: 'broken', target: b, detail: `budget ${b.address} filters on tag ${key}=${value}, which no resource of the platform carries: it always reports zero spend and never alerts` });
    }
  }
  return out;
}

const CONTROL_PLANE = [
  { key: 'kubeScheduler', rules: 'kubeSchedulerAlerting', job: 'kube-scheduler' },
  { key: 'kubeControllerManager', rules: 'kubeControllerManager', job: 'kube-controller-manager' },
  { key: 'kubeEtcd', rules: 'etcd', job: 'kube-etcd' },
];

/** Alerts on EKS: nothing watches control-plane targets EKS does not expose (scheduler, controller manager, etcd). */
export function alertFlows(s: SystemModel): SystemFlow[] {
  const m = s.platform;
  if (!m.resources.some((r) => r.type === 'aws_eks_cluster') && !m.resources.some((r) => r.type === 'aws_eks_node_group')) return [];
  const out: SystemFlow[] = [];
  for (const h of m.resources.filter((r) => r.type === 'helm_release' && String(r.values.chart) === 'kube-prometheus-stack')) {
    const values: any = Object.assign({}, ...list(h.values.values).map((v) => {
      try { return (yaml.load(String(v)) as any) ?? {}; } catch { return {}; }
    }));
    for (const c of CONTROL_PLANE) {
      const scraped = values[c.key]?.enabled !== false;
      const alerting = values.defaultRules?.rules?.[c.rules] !== false && values.defaultRules?.create !== false;
      out.push(scraped || alerting
        ? { kind: 'alert', from: h.address, to: c.job, status: 'broken', target: h, detail: `${h.address} ${[scraped ? `scrapes ${c.key} (${c.key}.enabled is not false)` : '', alerting ? `keeps the ${c.rules} default rules` : ''].filter((x) => x).join(' and ')}; EKS does not expose ${c.job}, so its Down/TargetDown alerts fire forever` }
        : { kind: 'alert', from: h.address, to: c.job, status: 'ok', target: h, detail: 'disabled on EKS' });
    }
  }
  for (const o of m.objects.filter((x) => x.object.kind === 'PrometheusRule')) {
    const exprs = list((o.object.spec as any)?.groups).flatMap((g: any) => list(g.rules)).map((r: any) => String(r.expr ?? ''));
    const bad = CONTROL_PLANE.filter((c) => exprs.some((e) => e.includes(`job="${c.job}"`) || e.includes(`job=~"${c.job}`)));
    if (bad.length) out.push({ kind: 'alert', from: `PrometheusRule ${o.object.metadata.namespace}/${o.object.metadata.name}`, to: bad.map((b) => b.job).join(', '), status: 'broken', target: o, detail: `PrometheusRule ${o.object.metadata.namespace}/${o.object.metadata.name} watches ${bad.map((b) => b.job).join(', ')}, which EKS does not expose: the alert fires forever` });
  }
  return out;
}

const NEEDS_CLUSTER = /^(helm_release|kubernetes_[a-z_]+|aws_eks_addon|aws_eks_pod_identity_association|aws_eks_access_entry|aws_eks_access_policy_association|aws_eks_node_group|aws_eks_fargate_profile)$/;
const CLUSTER_REF = /\$\{[^}]*?\b(aws_eks_cluster\.[A-Za-z0-9_-]+)/;

/**
 * The model cluster a resource acts on, and whether it references it: `cluster_name` of EKS resources, the
 * helm/kubernetes provider configuration (host reference, or `--cluster-name` of its exec) of the others.
 * Undefined when it acts on a cluster outside the model.
 */
function clusterOf(s: SystemModel, r: TfResource): { cluster: TfResource; referenced: boolean } | undefined {
  const m = s.platform;
  const clusters = m.resources.filter((c) => c.type === 'aws_eks_cluster');
  const byName = (name: unknown) => clusters.find((c) => typeof name === 'string' && iamOf(s).concrete.nameOf(c) === name);
  const byRef = (text: string) => {
    const mm = CLUSTER_REF.exec(text);
    return mm ? clusters.find((c) => c.address === mm[1] && c.stack === r.stack) : undefined;
  };
  if (r.type.startsWith('aws_eks_')) {
    const planned = (r.references.cluster_name ?? []).find((a) => a.startsWith('aws_eks_cluster.'));
    const ref = byRef(JSON.stringify(r.values.cluster_name ?? '')) ?? clusters.find((c) => c.address === planned && c.stack === r.stack);
    if (ref) return { cluster: ref, referenced: true };
    const named = byName(r.values.cluster_name);
    return named ? { cluster: named, referenced: false } : undefined;
  }
  const provider = JSON.stringify(m.providers?.[r.stack]?.[r.type.split('_')[0]] ?? {});
  const ref = byRef(provider);
  if (ref) return { cluster: ref, referenced: true };
  // Configured from another stack's outputs (cdktf cross-stack reference): applied after that stack.
  const remote = clusters.find((c) => c.stack !== r.stack && provider.includes(`cross_stack_output_${c.address.replace('.', '_')}_`));
  if (remote) return { cluster: remote, referenced: true };
  const mm = /"--cluster-name","([^"]+)"/.exec(provider);
  const named = mm ? byName(mm[1]) : undefined;
  return named ? { cluster: named, referenced: false } : undefined;
}

/** Resources that need the cluster depend on it (reference, depends_on, their provider's configuration, or their stack's apply order). */
export function clusterFlows(s: SystemModel): SystemFlow[] {
  const m = s.platform;
  const out: SystemFlow[] = [];
  for (const stack of new Set(m.resources.filter((r) => NEEDS_CLUSTER.test(r.type)).map((r) => r.stack))) {
    const inStack = m.resources.filter((r) => r.stack === stack);
    const byAddress = new Map(inStack.map((r) => [r.address, r]));
    const reaches = new Map<string, boolean>();
    const refsOf = (r: TfResource): string[] => [...Object.values(r.references).flat(), ...list(r.values.depends_on).map((d) => String(d).replace(/^\$\{|\}$/g, ''))];
    const reach = (address: string, cluster: string, seen: Set<string>): boolean => {
      if (address === cluster) return true;
      if (seen.has(address)) return false;
      seen.add(address);
      const r = byAddress.get(address);
      return !!r && refsOf(r).some((a) => reach(a, cluster, seen));
    };
    const dependsOn = s.stacks.find((x) => x.name === stack)?.dependsOn ?? [];
    for (const r of inStack.filter((x) => NEEDS_CLUSTER.test(x.type))) {
      const c = clusterOf(s, r);
      if (!c) continue;
      const key = `${r.address} ${c.cluster.address}`;
      if (reaches.has(key)) continue;
      const ok = c.referenced || (c.cluster.stack === stack ? refsOf(r).some((a) => reach(a, c.cluster.address, new Set())) : dependsOn.includes(c.cluster.stack));
      reaches.set(key, ok);
      out.push(ok
        ? { kind: 'cluster', from: r.address, to: c.cluster.address, status: 'ok', target: r, detail: c.referenced ? 'references the cluster' : 'ordered after the cluster' }
        : { kind: 'cluster', from: r.address, to: c.cluster.address, status: 'broken', target: r, detail: `${r.address} acts on ${c.cluster.address} by its name only: it neither references the cluster, depends on it, nor is in a stack applied after it, so on the first apply it is created before the cluster exists and fails` });
    }
  }
  return out;
}

/** Each stack that applies helm or kubernetes resources reaches the cluster API from where it is applied. */
export function endpointFlows(s: SystemModel): SystemFlow[] {
  const m = s.platform;
  const out: SystemFlow[] = [];
  for (const stack of new Set(m.resources.filter((r) => /^(helm_release|kubernetes_)/.test(r.type)).map((r) => r.stack))) {
    const first = m.resources.find((r) => r.stack === stack && /^(helm_release|kubernetes_)/.test(r.type))!;
    const cluster = clusterOf(s, first)?.cluster;
    if (!cluster) continue;
    const info = s.stacks.find((x) => x.name === stack);
    // Reported on the stack itself (its construct path), not on one of its resources.
    const target: TfResource = { stack, type: 'stack', name: stack, address: `stack ${stack}`, path: info?.path ?? stack, values: {}, references: {} };
    const vpc = firstBlock(cluster.values.vpc_config) ?? {};
    const isPublic = vpc.endpoint_public_access !== false;
    const cidrs = list(vpc.public_access_cidrs).map(String);
    const sgIngress = m.resources.filter((r) => r.type === 'aws_vpc_security_group_ingress_rule' && Number(r.values.from_port) <= 443 && Number(r.values.to_port) >= 443
      && (String(r.values.security_group_id).includes(`${cluster.address}.vpc_config`) || list(vpc.security_group_ids).some((id) => (r.references.security_group_id ?? []).some((a) => String(id).includes(a)))));
    let broken: string | undefined;
    const to = `${cluster.address} API`;
    if (info?.appliedFrom === 'cluster-network' && (vpc.endpoint_private_access === false || (!isPublic && sgIngress.length === 0))) {
      broken = vpc.endpoint_private_access === false
        ? `stack ${stack} is applied from the cluster network but ${cluster.address} has no private endpoint`
        : `stack ${stack} is applied from the cluster network but no security group rule admits TCP 443 on the cluster security group from it`;
    } else if (info?.appliedFrom === 'public-endpoint-cidrs' && (!isPublic || cidrs.length === 0 || cidrs.includes('0.0.0.0/0'))) {
      broken = `stack ${stack} is applied from the cluster's public endpoint CIDRs but ${cluster.address} ${isPublic ? 'lists none' : 'has a private endpoint only'}`;
    } else if (info?.appliedFrom === 'anywhere' && (!isPublic || (cidrs.length > 0 && !cidrs.includes('0.0.0.0/0')))) {
      broken = `stack ${stack} is applied from anywhere but ${cluster.address} ${isPublic ? `admits only ${cidrs.join(', ')}` : 'has a private endpoint only'}`;
    } else if (info?.appliedFrom === undefined && !isPublic && sgIngress.length === 0) {
      broken = `stack ${stack} applies ${first.type} resources to the private-only endpoint of ${cluster.address}, and no security group rule admits TCP 443 on the cluster security group from where it is applied`;
    }
    out.push(broken
      ? { kind: 'endpoint', from: stack, to, status: 'broken', target, detail: `${broken}: terraform apply times out reaching the API` }
      : { kind: 'endpoint', from: stack, to, status: 'ok', target, detail: info?.appliedFrom ? `applied from ${info.appliedFrom}` : isPublic ? `public endpoint${cidrs.length ? ` (${cidrs.join(', ')})` : ''}` : `${sgIngress.map((r) => r.address).join(', ')} admits 443` });
  }
  return out;
}

/** Every flow of the platform the model can follow, with its status (what the review lists). */
export function systemFlows(s: SystemModel): SystemFlow[] {
  return [...dataFlows(s), ...iamFlows(s), ...dutyFlows(s), ...networkFlows(s), ...imageFlows(s), ...placementFlows(s), ...budgetFlows(s), ...alertFlows(s), ...clusterFlows(s), ...endpointFlows(s)];
}
