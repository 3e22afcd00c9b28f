import { App, Testing } from 'cdktf';
import { GpuNodePool } from '../../lib/compute/gpu-node-pool';
import { NodePool } from '../../lib/compute/node-pool';
import { AUTOSCALER_PRIORITY, asgPattern } from '../../lib/compute/cluster-autoscaler';
import { Network } from '../../lib/network/network';
import { WorkloadsStack } from '../../lib/core/workloads-stack';
import { MlCluster } from '../../lib/compute/ml-cluster';
import { danglingReferences, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testCluster, testStack } from '../support/fixtures';

const newApp = () => new App({ outdir: '/tmp/cdktf-mlops-unused' });

describe('GpuNodePool', () => {
  let s: Synthesized;
  let p: any;
  let pool: GpuNodePool;
  let clusterRef: MlCluster;
  beforeAll(() => {
    s = synthesize((app) => {
      const { cluster } = testCluster(app);
      clusterRef = cluster;
      pool = new GpuNodePool(cluster, 'gpu_training', { cluster, poolName: 'training', maxSize: 4, fallbackMaxSize: 2 });
      new NodePool(cluster, 'cpu_batch', { cluster, poolName: 'batch', instanceTypes: ['m6i.2xlarge', 'm7i.2xlarge'], maxSize: 10, capacityType: 'SPOT' });
    });
    p = s.stacks.platform;
  });

  test('references resolve', () => {
    expect(danglingReferences(s)).toEqual([]);
  });

  test('spot primary on the AL2023 NVIDIA AMI with a diversified list of GPU types across the private subnets of two AZs', () => {
    const spot = resource(p, 'aws_eks_node_group', 'cluster_gpu_training_spot_node_group');
    expect(spot).toMatchObject({ node_group_name: 'acme-dev-gpu-training-spot', capacity_type: 'SPOT', ami_type: 'AL2023_x86_64_NVIDIA' });
    expect(spot.instance_types).toEqual(['g6.2xlarge', 'g6.4xlarge', 'g5.2xlarge', 'g5.4xlarge', 'g4dn.2xlarge', 'g4dn.4xlarge']);
    expect(new Set(spot.instance_types.map((t: string) => t.split('.')[0])).size).toBeGreaterThanOrEqual(3);
    expect(spot.subnet_ids).toEqual(['${aws_subnet.network_private_subnet_0.id}', '${aws_subnet.network_private_subnet_1.id}']);
  });

  test('paired on-demand fallback with the same labels and taints, scaling from zero with its own ceiling', () => {
    const spot = resource(p, 'aws_eks_node_group', 'cluster_gpu_training_spot_node_group');
    const od = resource(p, 'aws_eks_node_group', 'cluster_gpu_training_on_demand_fallback_node_group');
    expect(od).toMatchObject({ node_group_name: 'acme-dev-gpu-training-on-demand', capacity_type: 'ON_DEMAND', ami_type: 'AL2023_x86_64_NVIDIA' });
    expect(od.scaling_config).toEqual({ min_size: 0, desired_size: 0, max_size: 2 });
    expect(od.taint).toEqual(spot.taint);
    expect({ ...od.labels, 'mlops.cdktf.io/capacity': 'x' }).toEqual({ ...spot.labels, 'mlops.cdktf.io/capacity': 'x' });
  });

  test('taint nvidia.com/gpu=true:NoSchedule and the labels workloads select on', () => {
    const spot = resource(p, 'aws_eks_node_group', 'cluster_gpu_training_spot_node_group');
    expect(spot.taint).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }]);
    // nvidia.com/gpu.present: the NVIDIA device plugin chart's required node affinity (no node-feature-discovery here).
    expect(spot.labels).toEqual({ 'mlops.cdktf.io/pool': 'training', 'mlops.cdktf.io/accelerator': 'nvidia', 'mlops.cdktf.io/capacity': 'spot', 'nvidia.com/gpu.present': 'true' });
    expect(pool.toleration).toEqual({ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' });
    expect(pool.nodeSelector).toEqual({ 'mlops.cdktf.io/pool': 'training' });
    expect(clusterRef.gpuPools).toEqual([pool]);
    expect(pool.maxGpus).toBe(6);
  });

  test('scales to zero when idle; max size is the cost ceiling; Terraform leaves desired size to the autoscaler', () => {
    const spot = resource(p, 'aws_eks_node_group', 'cluster_gpu_training_spot_node_group');
    expect(spot.scaling_config).toEqual({ min_size: 0, desired_size: 0, max_size: 4 });
    expect(spot.lifecycle.ignore_changes).toEqual(['scaling_config[0].desired_size']);
  });

  test('GPU nodes use the cluster launch template (IMDSv2, hop limit 1, encrypted 200 GiB root)', () => {
    const spot = resource(p, 'aws_eks_node_group', 'cluster_gpu_training_spot_node_group');
    expect(spot.launch_template.id).toBe('${aws_launch_template.cluster_gpu-training-spot_launch_template.id}'.replace('gpu-training-spot', 'gpu_training_spot'));
    const lt = resource(p, 'aws_launch_template', 'cluster_gpu_training_spot_launch_template');
    expect(lt.metadata_options).toMatchObject({ http_tokens: 'required', http_put_response_hop_limit: 1 });
    expect(lt.block_device_mappings[0].ebs).toMatchObject({ volume_size: 200, encrypted: 'true' });
  });

  test('node groups wait for the CNI and Pod Identity agent', () => {
    for (const ng of Object.values(resources(p, 'aws_eks_node_group')) as any[]) {
      expect(ng.depends_on).toContain('aws_eks_addon.cluster_addon_vpc_cni');
    }
  });

  test('the autoscaler prefers spot, falls back to on-demand, and knows every pool', () => {
    const v = JSON.parse(resource(s.stacks['platform-addons'], 'helm_release', 'cluster_autoscaler').values[0]);
    expect(v.extraArgs.expander).toBe('priority');
    expect(v.expanderPriorities).toEqual({
      [AUTOSCALER_PRIORITY.other]: ['.*'],
      [AUTOSCALER_PRIORITY.spot]: [asgPattern('acme-dev-gpu-training-spot'), asgPattern('acme-dev-batch')],
      [AUTOSCALER_PRIORITY.onDemand]: [asgPattern('acme-dev-gpu-training-on-demand')],
    });
    const spot = new RegExp(asgPattern('acme-dev-gpu-training-spot'));
    expect(spot.test('eks-acme-dev-gpu-training-spot-6cc5a2c1-0f2e-4f9b-9d3a-1a2b3c4d5e6f')).toBe(true);
    expect(spot.test('eks-acme-dev-gpu-training-spot-2-6cc5a2c1-0f2e-4f9b-9d3a-1a2b3c4d5e6f')).toBe(false);
    expect(AUTOSCALER_PRIORITY.spot).toBeGreaterThan(AUTOSCALER_PRIORITY.onDemand);
    expect(v.autoDiscovery).toEqual({ clusterName: 'acme-dev' });
  });
});

describe('NodePool and GpuNodePool errors', () => {
  const cluster = () => testCluster(newApp()).cluster;

  test('a GPU pool with a non-GPU instance type', () => {
    const c = cluster();
    expect(() => new GpuNodePool(c, 'gpu', { cluster: c, poolName: 'training', maxSize: 2, instanceTypes: ['g5.xlarge', 'm6i.xlarge'] }))
      .toThrow(/^\[platform\/cluster\/gpu\] instance type "m6i\.xlarge" is not an NVIDIA GPU instance type\. Fix: use one of the NVIDIA GPU types the library knows: g4dn\.xlarge, .*, p5en\.48xlarge\.$/);
  });
  test('min > max', () => {
    const c = cluster();
    expect(() => new GpuNodePool(c, 'gpu', { cluster: c, poolName: 'training', maxSize: 2, minSize: 3 }))
      .toThrow(new Error('[platform/cluster/gpu] minSize 3 is greater than maxSize 2. Fix: make minSize no larger than maxSize.'));
  });
  test('max size 0', () => {
    const c = cluster();
    expect(() => new NodePool(c, 'pool', { cluster: c, poolName: 'cpu', instanceTypes: ['m6i.large'], maxSize: 0 }))
      .toThrow(new Error('[platform/cluster/pool] maxSize 0 allows no node. Fix: set maxSize to at least 1.'));
  });
  test('node counts name the prop as written: fallbackMaxSize, a fractional or negative size', () => {
    const c = cluster();
    expect(() => new GpuNodePool(c, 'gpu', { cluster: c, poolName: 'training', maxSize: 2, fallbackMaxSize: 0 }))
      .toThrow(new Error('[platform/cluster/gpu] fallbackMaxSize 0 allows no node. Fix: set fallbackMaxSize to at least 1.'));
    expect(() => new GpuNodePool(c, 'gpu2', { cluster: c, poolName: 'inference', maxSize: 2.5 }))
      .toThrow(new Error('[platform/cluster/gpu2] maxSize 2.5 is not a whole number of nodes. Fix: set maxSize to a whole number of 0 or more.'));
    expect(() => new NodePool(c, 'pool', { cluster: c, poolName: 'cpu', instanceTypes: ['m6i.large'], minSize: -1, maxSize: 2 }))
      .toThrow(new Error('[platform/cluster/pool] minSize -1 is not a whole number of nodes. Fix: set minSize to a whole number of 0 or more.'));
  });
  test('a duplicate GPU pool name', () => {
    const c = cluster();
    new GpuNodePool(c, 'gpu', { cluster: c, poolName: 'training', maxSize: 2 });
    expect(() => new GpuNodePool(c, 'gpu2', { cluster: c, poolName: 'training', maxSize: 2 }))
      .toThrow(/^\[platform\/cluster\/gpu2\] the cluster already has a GPU pool named "training"\. Fix: give each GPU pool its own poolName\.$/);
  });
  test('an invalid pool name and instance type name', () => {
    const c = cluster();
    expect(() => new NodePool(c, 'pool', { cluster: c, poolName: 'CPU_pool', instanceTypes: ['m6i.large'], maxSize: 1 }))
      .toThrow(/^\[platform\/cluster\/pool\] Kubernetes object name \(DNS-1123 label\) name "CPU_pool" is not allowed/);
    expect(() => new NodePool(c, 'pool2', { cluster: c, poolName: 'cpu', instanceTypes: ['large'], maxSize: 1 }))
      .toThrow(/^\[platform\/cluster\/pool2\] instance type "large" is not an EC2 instance type name\. Fix: use names such as "m6i\.xlarge"\.$/);
  });
  test('a network with one AZ', () => {
    const app = newApp();
    const stack = testStack(app);
    const real = new Network(stack, 'network', { clusterNames: ['acme-dev'] });
    const network = { vpcId: real.vpcId, vpcCidr: real.vpcCidr, availabilityZones: ['eu-west-1a'], privateSubnetIds: real.privateSubnetIds.slice(0, 1), publicSubnetIds: [], dataSubnetIds: [] };
    const c = new MlCluster(stack, 'cluster', { network, workloads: new WorkloadsStack(app, 'workloads', {}) });
    expect(() => new NodePool(c, 'pool', { cluster: c, poolName: 'cpu', instanceTypes: ['m6i.large'], maxSize: 1 }))
      .toThrow(/^\[platform\/cluster\/pool\] the cluster's network spans 1 availability zone\(s\)\. Fix: node pools need private subnets in at least two AZs/);
  });
  test('a spot pool with a single instance type is a warning', () => {
    const app = Testing.app();
    const { cluster: c } = testCluster(app);
    const pool = new GpuNodePool(c, 'gpu', { cluster: c, poolName: 'training', maxSize: 2, instanceTypes: ['g5.xlarge'] });
    const warnings = pool.primary.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data);
    expect(warnings).toEqual(['spot pool training has a single instance type (g5.xlarge); one spot reclaim can empty it. List several families and sizes.']);
  });
});
