import { K8sResource, PlatformModel } from './model';
import { PolicyRule, RuleViolation } from './rule';

/** The pod spec of a workload object, or undefined for objects that run no pods. */
export function podSpec(o: K8sResource['object']): any | undefined {
  const spec = o.spec as any;
  if (!spec) return undefined;
  switch (o.kind) {
    case 'Pod': return spec;
    case 'CronJob': return spec.jobTemplate?.spec?.template?.spec;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'Rollout': return spec.template?.spec;
    default: return undefined;
  }
}

/** Every container (init and regular) of a pod spec. */
export function containersOf(pod: any): any[] {
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

const id = (o: K8sResource['object']) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** What a container rule accepts by design: the deviation and why. */
interface AcceptedDeviation {
  readonly deviation: string;
  readonly reason: string;
}

/**
 * A rule over each container of each pod-running object; `bad` returns what is wrong, or undefined.
 * `accepted` returns a deviation the rule accepts by design (recorded as an accepted exception, one
 * per object and reason).
 */
function containerRule(ruleId: string, title: string, anchor: string, fix: string, bad: (c: any, pod: any) => string | undefined,
  accepted?: (c: any) => AcceptedDeviation | undefined): PolicyRule {
  return {
    id: ruleId, title, severity: 'error', anchor, fix,
    check: (m: PlatformModel) => m.objects.flatMap((r): RuleViolation[] => {
      const pod = podSpec(r.object);
      if (!pod) return [];
      const problems = containersOf(pod).map((c) => [c.name, bad(c, pod)]).filter(([, p]) => p !== undefined);
      const out: RuleViolation[] = problems.length ? [{ target: r, message: `${id(r.object)}: ${problems.map(([n, p]) => `container ${n} ${p}`).join('; ')}.` }] : [];
      const byReason = new Map<string, string[]>();
      for (const c of containersOf(pod)) {
        const a = bad(c, pod) === undefined ? accepted?.(c) : undefined;
        if (a) byReason.set(a.reason, [...(byReason.get(a.reason) ?? []), `container ${c.name} ${a.deviation}`]);
      }
      for (const [reason, what] of byReason) out.push({ target: r, message: `${id(r.object)}: ${what.join('; ')}.`, accepted: reason });
      return out;
    }),
  };
}

/** A private ECR registry image (`<account>.dkr.ecr.<region>.amazonaws.com/...`). */
const ECR_IMAGE = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;

/** Why a tag-pinned image is accepted (checkov CKV_K8S_43 asks for a digest). */
export const TAG_PINNED_REASONS = {
  registry: 'pinned by version tag in a private ECR repository; the platform\'s repositories have immutable tags (MLOPS-ECR-001), so the tag names one image.',
  external: 'pinned by version tag in an external registry (a tag its publisher could move); accepted until the image is pinned by digest (image@sha256:...), which CKV_K8S_43 asks for.',
} as const;

const PSS = 'Pod Security Standard restricted';

/** The Kubernetes rules of the pack. */
export const KUBERNETES_RULES: PolicyRule[] = [
  containerRule('MLOPS-K8S-001', 'Containers run as non-root', `${PSS}: Running as Non-root; checkov CKV_K8S_23`,
    'set runAsNonRoot: true in the pod or container securityContext (lib/core/pod-security.ts helpers do).',
    (c, pod) => (c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) === true ? undefined : 'may run as root (runAsNonRoot is not true)'),
  containerRule('MLOPS-K8S-002', 'No privilege escalation', `${PSS}: Privilege Escalation; checkov CKV_K8S_20`,
    'set allowPrivilegeEscalation: false in every container securityContext.',
    (c) => (c.securityContext?.allowPrivilegeEscalation === false ? undefined : 'allows privilege escalation')),
  containerRule('MLOPS-K8S-003', 'Capabilities drop ALL', `${PSS}: Capabilities; checkov CKV_K8S_37`,
    'set capabilities: { drop: ["ALL"] } (add back NET_BIND_SERVICE only if needed).',
    (c) => {
      const caps = c.securityContext?.capabilities ?? {};
      if (!(caps.drop ?? []).includes('ALL')) return 'does not drop ALL capabilities';
      const extra = (caps.add ?? []).filter((x: string) => x !== 'NET_BIND_SERVICE');
      return extra.length ? `adds capabilities ${extra.join(', ')}` : undefined;
    }),
  containerRule('MLOPS-K8S-004', 'Seccomp RuntimeDefault', `${PSS}: Seccomp; checkov CKV_K8S_31`,
    'set seccompProfile: { type: RuntimeDefault } in the pod securityContext.',
    (c, pod) => (['RuntimeDefault', 'Localhost'].includes((c.securityContext?.seccompProfile ?? pod.securityContext?.seccompProfile)?.type) ? undefined : 'has no RuntimeDefault seccomp profile')),
  {
    id: 'MLOPS-K8S-005', title: 'No host namespaces, hostPath or privileged containers', severity: 'error',
    anchor: 'Pod Security Standard baseline: Host Namespaces, HostPath Volumes, Privileged Containers; checkov CKV_K8S_16/17/18/19',
    fix: 'remove hostNetwork/hostPID/hostIPC, hostPath volumes and privileged: true; use emptyDir or a PersistentVolumeClaim.',
    check: (m) => m.objects.flatMap((r): RuleViolation[] => {
      const pod = podSpec(r.object);
      if (!pod) return [];
      const p = [
        ...['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => pod[k] === true),
        ...(pod.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => `hostPath volume ${v.name}`),
        ...containersOf(pod).filter((c) => c.securityContext?.privileged === true).map((c) => `privileged container ${c.name}`),
      ];
      return p.length ? [{ target: r, message: `${id(r.object)} uses ${p.join(', ')}.` }] : [];
    }),
  },
  containerRule('MLOPS-K8S-006', 'Images pinned (no :latest, no untagged)', 'checkov CKV_K8S_14, CKV_K8S_43',
    'pin every image to a version tag or, better, a digest (image@sha256:...).',
    (c) => {
      const img = String(c.image ?? '');
      if (img.includes('@sha256:')) return undefined;
      const tag = img.slice(img.lastIndexOf('/') + 1).split(':')[1];
      return !tag || tag === 'latest' ? `uses unpinned image "${img}"` : undefined;
    },
    (c) => {
      const img = String(c.image ?? '');
      if (img.includes('@sha256:')) return undefined;
      return { deviation: `uses tag-pinned image "${img}" (no digest)`, reason: ECR_IMAGE.test(img) ? TAG_PINNED_REASONS.registry : TAG_PINNED_REASONS.external };
    }),
  containerRule('MLOPS-K8S-007', 'CPU and memory requests and limits set', 'checkov CKV_K8S_10/11/12/13',
    'set resources.requests and resources.limits for cpu and memory on every container.',
    (c) => {
      const missing = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'].filter((k) => {
        const [a, b] = k.split('.');
        return c.resources?.[a]?.[b] === undefined;
      });
      return missing.length ? `has no ${missing.join(', ')}` : undefined;
    }),
];
