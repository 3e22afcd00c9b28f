import { Construct } from 'constructs';
import * as k8s from '../core/k8s';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import { DEFAULT_GPU_INSTANCE_TYPES, GPU_TAINT, IGpuPool, NODE_LABELS, NodeTaint, NVIDIA_GPU_COUNT, tolerationsFor } from './gpu';
import type { MlCluster } from './ml-cluster';
import { NodePool } from './node-pool';
import { checkNodeCounts } from './node-counts';

/** Props of {@link GpuNodePool}. */
export interface GpuNodePoolProps {
  readonly cluster: MlCluster;
  /** Pool name (DNS-1123 label), e.g. `training`; the value of the `mlops.cdktf.io/pool` label. */
  readonly poolName: string;
  /**
   * NVIDIA GPU instance types, diversified across families and sizes for spot.
   * @default DEFAULT_GPU_INSTANCE_TYPES (g6, g5, g4dn; 2xlarge and 4xlarge)
   */
  readonly instanceTypes?: string[];
  /** Most spot nodes: the cost ceiling of the spot half. */
  readonly maxSize: number;
  /**
   * Fewest spot nodes; 0 scales to zero when idle.
   * @default 0
   */
  readonly minSize?: number;
  /**
   * Capacity of the primary half.
   * @default "SPOT"
   */
  readonly capacityType?: 'SPOT' | 'ON_DEMAND';
  /**
   * Add an on-demand node group with the same labels and taints that the autoscaler uses only when
   * spot capacity cannot be had (lower priority in the priority expander). Ignored for on-demand pools.
   * @default true
   */
  readonly onDemandFallback?: boolean;
  /**
   * Most nodes of the on-demand fallback (its cost ceiling); it always scales from zero.
   * @default maxSize
   */
  readonly fallbackMaxSize?: number;
  /**
   * Root volume size in GiB (images with CUDA are large).
   * @default 200
   */
  readonly volumeSizeGiB?: number;
}

/**
 * A GPU pool: a spot managed node group on the AL2023 NVIDIA AMI with a diversified list of GPU
 * instance types, paired with an on-demand fallback group of lower autoscaler priority. Both carry
 * the taint `nvidia.com/gpu=true:NoSchedule` and the labels `mlops.cdktf.io/pool=<name>` and
 * `mlops.cdktf.io/accelerator=nvidia`; both scale to zero when idle.
 */
export class GpuNodePool extends Construct implements IGpuPool {
  public readonly poolName: string;
  /** The primary (spot by default) node group. */
  public readonly primary: NodePool;
  /** The on-demand fallback, when there is one. */
  public readonly fallback?: NodePool;
  public readonly labels: Record<string, string>;
  public readonly taints: NodeTaint[];
  public readonly instanceTypes: string[];

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    this.poolName = checkName(this, 'k8s-name', props.poolName);
    this.instanceTypes = props.instanceTypes ?? DEFAULT_GPU_INSTANCE_TYPES;
    for (const t of this.instanceTypes) {
      if (NVIDIA_GPU_COUNT[t] === undefined) {
        invalid(this, `instance type ${show(t)} is not an NVIDIA GPU instance type.`, `use one of the NVIDIA GPU types the library knows: ${Object.keys(NVIDIA_GPU_COUNT).join(', ')}.`);
      }
    }
    if (props.cluster.gpuPools.some((p) => p.poolName === this.poolName)) {
      invalid(this, `the cluster already has a GPU pool named ${show(this.poolName)}.`, 'give each GPU pool its own poolName.');
    }
    this.labels = { [NODE_LABELS.pool]: this.poolName, [NODE_LABELS.accelerator]: 'nvidia' };
    this.taints = [GPU_TAINT];
    const capacity = props.capacityType ?? 'SPOT';
    // Checked here, where the user wrote them: the pools below are internal.
    checkNodeCounts(this, { min: props.minSize ?? 0, max: props.maxSize }, { min: 'minSize', max: 'maxSize' });
    if (capacity === 'SPOT' && (props.onDemandFallback ?? true) && props.fallbackMaxSize !== undefined) {
      checkNodeCounts(this, { min: 0, max: props.fallbackMaxSize }, { min: 'minSize', max: 'fallbackMaxSize' });
    }
    const common = {
      cluster: props.cluster,
      poolName: this.poolName,
      instanceTypes: this.instanceTypes,
      amiType: 'AL2023_x86_64_NVIDIA',
      labels: { [NODE_LABELS.accelerator]: 'nvidia', [NODE_LABELS.gpuPresent]: 'true' },
      taints: this.taints,
      volumeSizeGiB: props.volumeSizeGiB ?? 200,
    };
    this.primary = new NodePool(this, capacity === 'SPOT' ? 'spot' : 'on_demand', {
      ...common,
      capacityType: capacity,
      minSize: props.minSize,
      maxSize: props.maxSize,
      nameParts: ['gpu', this.poolName, capacity === 'SPOT' ? 'spot' : 'on-demand'],
    });
    if (capacity === 'SPOT' && (props.onDemandFallback ?? true)) {
      this.fallback = new NodePool(this, 'on_demand_fallback', {
        ...common,
        capacityType: 'ON_DEMAND',
        minSize: 0,
        maxSize: props.fallbackMaxSize ?? props.maxSize,
        nameParts: ['gpu', this.poolName, 'on-demand'],
      });
    }
    props.cluster.registerGpuPool(this);
  }

  /** Tolerations a pod needs to run here. */
  public get tolerations(): k8s.Toleration[] {
    return tolerationsFor(this.taints);
  }

  /** The first toleration (the GPU taint), for workloads that take one. */
  public get toleration(): k8s.Toleration {
    return this.tolerations[0];
  }

  /** Pins a pod to this pool, spot or fallback. */
  public get nodeSelector(): Record<string, string> {
    return { [NODE_LABELS.pool]: this.poolName };
  }

  /** Node groups of the pool in autoscaler priority order (spot first). */
  public get nodePools(): NodePool[] {
    return [this.primary, ...(this.fallback ? [this.fallback] : [])];
  }

  public get maxGpus(): number {
    const perNode = Math.max(...this.instanceTypes.map((t) => NVIDIA_GPU_COUNT[t]));
    return this.nodePools.reduce((n, p) => n + p.maxSize * perNode, 0);
  }
}
