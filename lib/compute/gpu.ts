import * as k8s from '../core/k8s';
import { INSTANCE_TYPES } from './instance-types';

/** A node taint as Kubernetes spells it. */
export interface NodeTaint {
  readonly key: string;
  /** @default no value */
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** The taint every GPU pool carries, so only pods that ask for GPUs land there. */
export const GPU_TAINT: NodeTaint = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' };

/** Label keys the library puts on nodes; workloads select on them. */
export const NODE_LABELS = {
  /** Pool name (shared by a GPU pool's spot and on-demand halves). */
  pool: 'mlops.cdktf.io/pool',
  /** `nvidia` on GPU nodes. */
  accelerator: 'mlops.cdktf.io/accelerator',
  /** `spot` or `on-demand`. */
  capacity: 'mlops.cdktf.io/capacity',
  /**
   * `true` on GPU nodes: the NVIDIA device plugin chart's node affinity requires it (or the labels
   * node-feature-discovery would add, which the platform does not install).
   */
  gpuPresent: 'nvidia.com/gpu.present',
} as const;

/** What serving and training need to know of a GPU pool. */
export interface IGpuPool {
  /** Pool name (the value of the `mlops.cdktf.io/pool` label). */
  readonly poolName: string;
  /** Labels every node of the pool carries (spot and fallback alike). */
  readonly labels: Record<string, string>;
  /** Taints every node of the pool carries. */
  readonly taints: NodeTaint[];
  /** Tolerations a pod needs to run on the pool. */
  readonly tolerations: k8s.Toleration[];
  /** Node selector that pins a pod to the pool (either capacity type). */
  readonly nodeSelector: Record<string, string>;
  /** Most GPUs the pool can provide at its cost ceiling (both halves at max size). */
  readonly maxGpus: number;
}

/** Whether `tolerations` tolerate `taint` (Kubernetes semantics). */
export function tolerates(tolerations: k8s.Toleration[], taint: NodeTaint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return t.key === undefined || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** The pools among `pools` a pod with this selector and these tolerations can be scheduled on. */
export function poolsFor(pools: readonly IGpuPool[], nodeSelector: Record<string, string>, tolerations: k8s.Toleration[]): IGpuPool[] {
  return pools.filter((p) =>
    Object.entries(nodeSelector).every(([k, v]) => p.labels[k] === v)
    && p.taints.every((t) => t.effect === 'PreferNoSchedule' || tolerates(tolerations, t)));
}

/** Tolerations for a list of taints. */
export function tolerationsFor(taints: readonly NodeTaint[]): k8s.Toleration[] {
  return taints.map((t) => ({ key: t.key, operator: 'Equal', value: t.value ?? '', effect: t.effect }));
}

/** GPUs per instance of the NVIDIA GPU types the library knows (x86_64, AL2023 NVIDIA AMI), from INSTANCE_TYPES. */
export const NVIDIA_GPU_COUNT: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(INSTANCE_TYPES).filter(([, t]) => t.gpus > 0).map(([name, t]) => [name, t.gpus]));

/**
 * A diversified default for spot GPU pools: three families, two sizes each (1 GPU per node). No
 * xlarge: after kube-reserved and the node DaemonSets an xlarge has about 3 CPU / 12.5Gi free, less
 * than a GpuJob's default 4 CPU / 16Gi request (see allocatableForPods).
 */
export const DEFAULT_GPU_INSTANCE_TYPES = ['g6.2xlarge', 'g6.4xlarge', 'g5.2xlarge', 'g5.4xlarge', 'g4dn.2xlarge', 'g4dn.4xlarge'];

/** Kubernetes objects whose GPU placement their owner already checks (with a more specific error). */
const PLACEMENT_CHECKED = new WeakSet<object>();

/** Marks an object as checked by its owner, so the cluster-wide check does not report it twice. */
export function markPlacementChecked(obj: object): void {
  PLACEMENT_CHECKED.add(obj);
}

/** Whether the owner of `obj` checks its GPU placement itself. */
export function isPlacementChecked(obj: object): boolean {
  return PLACEMENT_CHECKED.has(obj);
}

/** A pod spec inside a Kubernetes object. */
export interface PodSpecView {
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: k8s.Toleration[];
  readonly containers: unknown[];
  readonly initContainers: unknown[];
  /** Some container requests or limits `nvidia.com/gpu`. */
  readonly requestsGpu: boolean;
}

/** A pod spec inside a Kubernetes object that requests GPUs. */
export type GpuPodSpec = PodSpecView;

/**
 * The pod specs (any object with a `containers` list: Pod, Deployment, Job, CronJob, Rollout...)
 * in a synthesized Kubernetes object.
 */
export function podSpecs(manifest: unknown): PodSpecView[] {
  const found: PodSpecView[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(visit); return; }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, any>;
    if (Array.isArray(o.containers)) {
      const initContainers = Array.isArray(o.initContainers) ? o.initContainers : [];
      const requestsGpu = [...o.containers, ...initContainers].some((c: any) => ['limits', 'requests'].some((k) => {
        const q = c?.resources?.[k]?.['nvidia.com/gpu'];
        return q !== undefined && String(q) !== '0';
      }));
      found.push({ nodeSelector: o.nodeSelector ?? {}, tolerations: o.tolerations ?? [], containers: o.containers, initContainers, requestsGpu });
      return;
    }
    Object.values(o).forEach(visit);
  };
  visit(manifest);
  return found;
}

/** The pod specs in a synthesized Kubernetes object whose containers request `nvidia.com/gpu`. */
export function gpuPodSpecs(manifest: unknown): GpuPodSpec[] {
  return podSpecs(manifest).filter((p) => p.requestsGpu);
}
