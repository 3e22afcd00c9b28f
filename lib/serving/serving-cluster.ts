import { Construct, IConstruct } from 'constructs';
import * as k8s from '../core/k8s';
import { invalid, show, validateAtSynth } from '../core/errors';
import { normalizeKeyPrefix } from './prefix';
import { IWorkloadCluster } from '../security/workload-identity';
import { SecureBucket } from '../security/secure-bucket';
import { IDataZone } from '../data/data-zone';
import { IGpuPool, poolsFor } from '../compute/gpu';

/** What serving needs of a cluster: identities, its workloads stack and its GPU pools (MlCluster). */
export interface IServingCluster extends IWorkloadCluster, IConstruct {
  /** GPU pools of the cluster (empty when it has none). */
  readonly gpuPools: readonly IGpuPool[];
}

/** A key prefix in a bucket: model artifacts, batch inputs or predictions. */
export interface S3Location {
  /** The bucket (a data-lake zone's bucket or any SecureBucket). */
  readonly bucket: SecureBucket;
  /** Literal key prefix, e.g. `models/churn/`; ends with `/` once normalized. */
  readonly prefix: string;
}

/** A location under a data-lake zone's prefix: `zone.prefix + path`. */
export function zoneLocation(zone: IDataZone, path: string): S3Location {
  return { bucket: zone.bucket, prefix: `${zone.prefix}${path.replace(/^\/+/, '')}` };
}

/** A normalized location (literal, non-empty prefix ending with `/`), or an error naming `prop`. */
export function checkLocation(scope: Construct, prop: string, loc: S3Location): S3Location {
  const prefix = normalizeKeyPrefix(loc.prefix);
  if (prefix === undefined) {
    invalid(scope, `${prop}.prefix ${show(loc.prefix)} must be a literal, non-empty key prefix.`, 'use e.g. "models/churn/" (no wildcards).');
  }
  return { bucket: loc.bucket, prefix };
}

/** `s3://<bucket>/<prefix>`. */
export function s3Uri(loc: S3Location): string {
  return `s3://${loc.bucket.bucketName}/${loc.prefix}`;
}

/** GPU placement of a serving or batch pod. */
export interface ServingGpu {
  /** `nvidia.com/gpu` per pod, at least 1. @default 1 */
  readonly count?: number;
  /** GPU pool the pods run on. @default the cluster's first GPU pool */
  readonly pool?: IGpuPool;
}

/** The resolved GPU placement: count, pool tolerations and node selector. */
export interface GpuPlacement {
  readonly count: number;
  readonly pool: IGpuPool;
  readonly tolerations: k8s.Toleration[];
  readonly nodeSelector: Record<string, string>;
}

/**
 * Resolves a GPU request against the cluster's pools: a cluster without a GPU pool is an error at
 * construction, and a synth-time check verifies the pod fits one of the pools (pools may be added later).
 */
export function placeOnGpu(scope: Construct, cluster: IServingCluster, workload: string, gpu: ServingGpu): GpuPlacement {
  const count = gpu.count ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    invalid(scope, `gpu.count ${show(count)} must be a whole number of at least 1.`, 'ask for 1 or more GPUs, or omit gpu.');
  }
  const pool = gpu.pool ?? cluster.gpuPools[0];
  if (!pool) {
    invalid(scope, `${workload} asks for ${count} GPU(s) but cluster ${cluster.node.path} has no GPU pool.`, 'add a GpuNodePool to the cluster before the model, or omit gpu.');
  }
  const placement = { count, pool, tolerations: pool.tolerations, nodeSelector: pool.nodeSelector };
  validateAtSynth(scope, () => {
    if (poolsFor(cluster.gpuPools, placement.nodeSelector, placement.tolerations).length > 0) return [];
    return [{
      problem: `GPU workload ${workload} (pool ${pool.poolName}) fits no GPU pool of cluster ${cluster.node.path}.`,
      fix: 'pass a pool of this cluster (cluster.gpuPools) or add a GpuNodePool to it.',
    }];
  });
  return placement;
}
