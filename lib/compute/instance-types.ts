import { IConstruct } from 'constructs';
import { invalid, show } from '../core/errors';

/**
 * What the library knows of an EC2 instance type: what the node offers before Kubernetes takes its
 * share. vCPUs, memory and GPUs are the EC2 specifications (AWS instance type pages); `enis` and
 * `ipv4PerEni` are the default network card's ENI limits as the EKS AL2023 node bootstrap (nodeadm,
 * awslabs/amazon-eks-ami `nodeadm/internal/kubelet/instance-info.jsonl`) reads them.
 */
export interface InstanceTypeInfo {
  readonly vcpus: number;
  /** Memory in GiB (EC2 specification). */
  readonly memoryGiB: number;
  /** NVIDIA GPUs (0 for CPU types). */
  readonly gpus: number;
  /** ENIs of the default network card. */
  readonly enis: number;
  /** IPv4 addresses per ENI. */
  readonly ipv4PerEni: number;
}

type Row = [vcpus: number, memoryGiB: number, gpus: number, enis: number, ipv4PerEni: number];

const ROWS: Record<string, Row> = {
  // NVIDIA T4
  'g4dn.xlarge': [4, 16, 1, 3, 10], 'g4dn.2xlarge': [8, 32, 1, 3, 10], 'g4dn.4xlarge': [16, 64, 1, 3, 10],
  'g4dn.8xlarge': [32, 128, 1, 4, 15], 'g4dn.16xlarge': [64, 256, 1, 4, 15], 'g4dn.12xlarge': [48, 192, 4, 8, 30],
  'g4dn.metal': [96, 384, 8, 15, 50],
  // NVIDIA A10G
  'g5.xlarge': [4, 16, 1, 4, 15], 'g5.2xlarge': [8, 32, 1, 4, 15], 'g5.4xlarge': [16, 64, 1, 8, 30],
  'g5.8xlarge': [32, 128, 1, 8, 30], 'g5.16xlarge': [64, 256, 1, 8, 30], 'g5.12xlarge': [48, 192, 4, 15, 50],
  'g5.24xlarge': [96, 384, 4, 15, 50], 'g5.48xlarge': [192, 768, 8, 7, 50],
  // NVIDIA L4
  'g6.xlarge': [4, 16, 1, 4, 15], 'g6.2xlarge': [8, 32, 1, 4, 15], 'g6.4xlarge': [16, 64, 1, 8, 30],
  'g6.8xlarge': [32, 128, 1, 8, 30], 'g6.16xlarge': [64, 256, 1, 15, 50], 'g6.12xlarge': [48, 192, 4, 8, 30],
  'g6.24xlarge': [96, 384, 4, 15, 50], 'g6.48xlarge': [192, 768, 8, 15, 50],
  // NVIDIA L40S
  'g6e.xlarge': [4, 32, 1, 4, 15], 'g6e.2xlarge': [8, 64, 1, 4, 15], 'g6e.4xlarge': [16, 128, 1, 8, 30],
  'g6e.8xlarge': [32, 256, 1, 8, 30], 'g6e.16xlarge': [64, 512, 1, 15, 50], 'g6e.12xlarge': [48, 384, 4, 10, 30],
  'g6e.24xlarge': [96, 768, 4, 10, 50], 'g6e.48xlarge': [192, 1536, 8, 10, 50],
  // NVIDIA V100 (p3: ENI limits from the EC2 specification; not in nodeadm's cached table)
  'p3.2xlarge': [8, 61, 1, 4, 15], 'p3.8xlarge': [32, 244, 4, 8, 30], 'p3.16xlarge': [64, 488, 8, 8, 30],
  'p3dn.24xlarge': [96, 768, 8, 15, 50],
  // NVIDIA A100 / H100 / H200
  'p4d.24xlarge': [96, 1152, 8, 15, 50], 'p4de.24xlarge': [96, 1152, 8, 15, 50],
  'p5.48xlarge': [192, 2048, 8, 2, 50], 'p5e.48xlarge': [192, 2048, 8, 2, 50], 'p5en.48xlarge': [192, 2048, 8, 4, 50],
  // System and CPU pools (general purpose, compute, memory optimised; Intel, 6th and 7th generation)
  ...cpuFamily('m6i', 4), ...cpuFamily('m7i', 4), ...cpuFamily('c6i', 2), ...cpuFamily('c7i', 2), ...cpuFamily('r6i', 8), ...cpuFamily('r7i', 8),
};

/** large..8xlarge of an Intel 6th/7th generation family: 2..32 vCPUs, `gibPerVcpu` GiB each; ENI limits per size (same for the six families). */
function cpuFamily(family: string, gibPerVcpu: number): Record<string, Row> {
  const sizes: Array<[string, number, number, number]> = [['large', 2, 3, 10], ['xlarge', 4, 4, 15], ['2xlarge', 8, 4, 15], ['4xlarge', 16, 8, 30], ['8xlarge', 32, 8, 30]];
  return Object.fromEntries(sizes.map(([size, vcpus, enis, ips]) => [`${family}.${size}`, [vcpus, vcpus * gibPerVcpu, 0, enis, ips]]));
}

/** Every instance type the library accepts for node groups, by name. */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeInfo>> = Object.fromEntries(
  Object.entries(ROWS).map(([name, [vcpus, memoryGiB, gpus, enis, ipv4PerEni]]) => [name, { vcpus, memoryGiB, gpus, enis, ipv4PerEni }]));

/**
 * Max pods as the AL2023 bootstrap computes them without prefix delegation (the published
 * eni-max-pods values): ENIs x (IPv4 per ENI - 1) + 2.
 */
export function eniMaxPods(t: InstanceTypeInfo): number {
  return t.enis * (t.ipv4PerEni - 1) + 2;
}

/** The facts of `name`, or a construction error naming `prop` and listing the known types. */
export function instanceTypeInfo(scope: IConstruct, name: string, prop = 'instanceTypes'): InstanceTypeInfo {
  const info = INSTANCE_TYPES[name];
  if (!info) {
    invalid(scope, `${prop} entry ${show(name)} is not an instance type the library knows (its allocatable cannot be computed).`,
      `use one of ${Object.keys(INSTANCE_TYPES).join(', ')}; to add another, extend INSTANCE_TYPES (lib/compute/instance-types.ts) with its vCPUs, memory, GPUs and ENI limits.`);
  }
  return info;
}
