import { eniMaxPods, InstanceTypeInfo } from './instance-types';

/** CPU in millicores, memory in MiB, GPUs. */
export interface NodeResources {
  readonly cpuMillis: number;
  readonly memoryMiB: number;
  readonly gpus: number;
}

/**
 * Share of the EC2 memory the kernel and hypervisor keep before the kubelet reports capacity: an
 * estimate (Karpenter's default VM_MEMORY_OVERHEAD_PERCENT), conservative for Nitro instances.
 */
export const VM_MEMORY_OVERHEAD_PERCENT = 7.5;
/** Kubelet `evictionHard.memory.available` on the AL2023 AMI (nodeadm default kubelet config). */
export const EVICTION_HARD_MEMORY_MIB = 100;

/**
 * kube-reserved CPU as nodeadm computes it: 6% of the first core, 1% of the second, 0.5% of the
 * third and fourth, 0.25% of every core above four (awslabs/amazon-eks-ami
 * `nodeadm/internal/kubelet/config.go` getCPUMillicoresToReserve).
 */
export function kubeReservedCpuMillis(vcpus: number): number {
  const total = vcpus * 1000;
  const bands: Array<[number, number, number]> = [[0, 1000, 0.06], [1000, 2000, 0.01], [2000, 4000, 0.005], [4000, Infinity, 0.0025]];
  return bands.reduce((sum, [start, end, share]) => sum + Math.max(0, Math.min(total, end) - start) * share, 0);
}

/** kube-reserved memory as nodeadm computes it: 11 MiB per pod of maxPods + 255 MiB (getMemoryMebibytesToReserve). */
export function kubeReservedMemoryMiB(maxPods: number): number {
  return 11 * maxPods + 255;
}

/**
 * Max pods a node of this type is given. The cluster's VPC CNI runs with prefix delegation, for which
 * EKS managed node groups cap maxPods at 110 (fewer than 30 vCPUs) or 250; nodeadm's own value is
 * the ENI formula. The larger of the two is taken, since kube-reserved memory grows with it.
 */
export function reservedMaxPods(t: InstanceTypeInfo): number {
  const eni = eniMaxPods(t);
  const prefixDelegation = Math.min((eni - 2) * 16 + 2, t.vcpus < 30 ? 110 : 250);
  return Math.max(eni, prefixDelegation);
}

/** A DaemonSet that runs on every node of some pools, with the requests of its pod. */
export interface DaemonSetRequests {
  readonly name: string;
  readonly cpuMillis: number;
  readonly memoryMiB: number;
  /** Runs only on GPU nodes. */
  readonly gpuNodesOnly: boolean;
  /** Where the figure comes from. */
  readonly source: string;
}

/**
 * The DaemonSets the platform runs on its nodes, with their pods' requests. Figures read from the
 * defaults are marked so; the others are conservative upper estimates of chart defaults that set
 * smaller or no requests. Observability's agents are counted whether or not it is installed.
 */
export const NODE_DAEMONSETS: readonly DaemonSetRequests[] = [
  { name: 'aws-node', cpuMillis: 50, memoryMiB: 64, gpuNodesOnly: false, source: 'vpc-cni add-on (25m for aws-node, network policy agent): conservative estimate' },
  { name: 'kube-proxy', cpuMillis: 100, memoryMiB: 0, gpuNodesOnly: false, source: 'kube-proxy add-on default request (100m CPU)' },
  { name: 'ebs-csi-node', cpuMillis: 30, memoryMiB: 104, gpuNodesOnly: false, source: 'aws-ebs-csi-driver chart: node.resources 10m/40Mi, node-driver-registrar and liveness-probe template defaults 10m/32Mi each' },
  { name: 'eks-pod-identity-agent', cpuMillis: 25, memoryMiB: 32, gpuNodesOnly: false, source: 'eks-pod-identity-agent add-on: conservative estimate' },
  { name: 'cloudwatch-agent', cpuMillis: 250, memoryMiB: 128, gpuNodesOnly: false, source: 'amazon-cloudwatch-observability chart values (agent.resources.requests)' },
  { name: 'fluent-bit', cpuMillis: 50, memoryMiB: 25, gpuNodesOnly: false, source: 'amazon-cloudwatch-observability chart values (containerLogs.fluentBit.resources.requests)' },
  { name: 'node-exporter', cpuMillis: 10, memoryMiB: 32, gpuNodesOnly: false, source: 'kube-prometheus-stack prometheus-node-exporter (no default requests): conservative estimate' },
  { name: 'nvidia-device-plugin', cpuMillis: 10, memoryMiB: 64, gpuNodesOnly: true, source: 'nvidia-device-plugin chart (no default requests): conservative estimate' },
  { name: 'dcgm-exporter', cpuMillis: 100, memoryMiB: 128, gpuNodesOnly: true, source: 'NVIDIA dcgm-exporter chart values (resources.requests)' },
  { name: 'cloudwatch-dcgm-exporter', cpuMillis: 250, memoryMiB: 128, gpuNodesOnly: true, source: 'amazon-cloudwatch-observability chart values (dcgmExporter.resources.requests)' },
];

/**
 * What a pod can request on a node of this type: the EC2 capacity less the memory the VM keeps,
 * kube-reserved (nodeadm's formulas), the hard eviction threshold, and the requests of the
 * DaemonSets that run there.
 */
export function allocatableForPods(t: InstanceTypeInfo, opts: { gpuNode: boolean; daemonSets?: readonly DaemonSetRequests[] }): NodeResources {
  const ds = (opts.daemonSets ?? NODE_DAEMONSETS).filter((d) => opts.gpuNode || !d.gpuNodesOnly);
  const capacityMiB = t.memoryGiB * 1024 * (1 - VM_MEMORY_OVERHEAD_PERCENT / 100);
  return {
    cpuMillis: Math.floor(t.vcpus * 1000 - kubeReservedCpuMillis(t.vcpus) - ds.reduce((n, d) => n + d.cpuMillis, 0)),
    memoryMiB: Math.floor(capacityMiB - kubeReservedMemoryMiB(reservedMaxPods(t)) - EVICTION_HARD_MEMORY_MIB - ds.reduce((n, d) => n + d.memoryMiB, 0)),
    gpus: t.gpus,
  };
}

/** A CPU quantity ("4", "500m", 2) in millicores; undefined when absent or not a quantity. */
export function cpuMillis(q: unknown): number | undefined {
  if (q === undefined || q === null) return undefined;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(q).trim());
  if (!m) return undefined;
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1 / 1048576, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, T: 1e12 / 1048576,
  Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1048576,
};

/** A memory quantity ("16Gi", "512Mi", "1G", bytes) in MiB; undefined when absent or not a quantity. */
export function memoryMiB(q: unknown): number | undefined {
  if (q === undefined || q === null) return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q).trim());
  if (!m) return undefined;
  return Number(m[1]) * MEMORY_UNITS[m[2] ?? ''];
}

/**
 * The requests of a pod spec as the scheduler sums them: the containers (and restartable init
 * containers) added up, or the largest other init container if larger. A container without a
 * request but with a limit requests its limit.
 */
export function podRequests(spec: { containers?: unknown[]; initContainers?: unknown[] }): NodeResources {
  const one = (c: any): NodeResources => {
    const get = (k: string) => c?.resources?.requests?.[k] ?? c?.resources?.limits?.[k];
    return { cpuMillis: cpuMillis(get('cpu')) ?? 0, memoryMiB: memoryMiB(get('memory')) ?? 0, gpus: Number(get('nvidia.com/gpu') ?? 0) || 0 };
  };
  const add = (a: NodeResources, b: NodeResources): NodeResources => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryMiB: a.memoryMiB + b.memoryMiB, gpus: a.gpus + b.gpus });
  const max = (a: NodeResources, b: NodeResources): NodeResources => ({ cpuMillis: Math.max(a.cpuMillis, b.cpuMillis), memoryMiB: Math.max(a.memoryMiB, b.memoryMiB), gpus: Math.max(a.gpus, b.gpus) });
  const zero: NodeResources = { cpuMillis: 0, memoryMiB: 0, gpus: 0 };
  const inits = (spec.initContainers ?? []) as any[];
  const running = [...(spec.containers ?? []), ...inits.filter((c) => c?.restartPolicy === 'Always')].map(one).reduce(add, zero);
  const initPeak = inits.filter((c) => c?.restartPolicy !== 'Always').map(one).reduce(max, zero);
  return max(running, initPeak);
}

/** Whether `req` fits in `free`. */
export function fits(req: NodeResources, free: NodeResources): boolean {
  return req.cpuMillis <= free.cpuMillis && req.memoryMiB <= free.memoryMiB && req.gpus <= free.gpus;
}

/** "3.04 CPU / 12.5Gi / 1 GPU": CPUs and GiB rounded down (a figure that fits). */
export function showResources(r: NodeResources): string {
  const cpu = Math.floor(r.cpuMillis / 10) / 100;
  const gi = Math.floor((r.memoryMiB / 1024) * 10) / 10;
  return `${cpu} CPU / ${gi}Gi${r.gpus > 0 ? ` / ${r.gpus} GPU` : ''}`;
}
