import { k8s } from 'cdk8s-plus-28';
import { App } from 'cdktf';
import { GpuNodePool } from '../../lib/compute/gpu-node-pool';
import { MlCluster } from '../../lib/compute/ml-cluster';
import { NodePool } from '../../lib/compute/node-pool';
import { eniMaxPods, INSTANCE_TYPES } from '../../lib/compute/instance-types';
import { allocatableForPods, kubeReservedCpuMillis, kubeReservedMemoryMiB, NODE_DAEMONSETS, podRequests, reservedMaxPods, showResources } from '../../lib/compute/allocatable';
import { allObjects, danglingReferences, schemaViolations, synthesize } from '../support/synth';
import { testCluster } from '../support/fixtures';

describe('instance types and allocatable', () => {
  test('max pods: the published eni-max-pods values (ENIs x (IPv4 per ENI - 1) + 2)', () => {
    expect(eniMaxPods(INSTANCE_TYPES['g4dn.xlarge'])).toBe(29);
    expect(eniMaxPods(INSTANCE_TYPES['g5.xlarge'])).toBe(58);
    expect(eniMaxPods(INSTANCE_TYPES['m6i.large'])).toBe(29);
    expect(eniMaxPods(INSTANCE_TYPES['p4d.24xlarge'])).toBe(737);
    expect(eniMaxPods(INSTANCE_TYPES['p5.48xlarge'])).toBe(100);
  });

  test('kube-reserved as nodeadm computes it: CPU 6%/1%/0.5%/0.25% tiers, memory 11Mi x maxPods + 255Mi', () => {
    expect(kubeReservedCpuMillis(2)).toBe(70);
    expect(kubeReservedCpuMillis(4)).toBe(80);
    expect(kubeReservedCpuMillis(8)).toBe(90);
    expect(kubeReservedCpuMillis(96)).toBe(310);
    expect(kubeReservedMemoryMiB(58)).toBe(893);
    // Prefix delegation (the cluster's VPC CNI): managed node groups cap max pods at 110 below 30 vCPUs, 250 above.
    expect(reservedMaxPods(INSTANCE_TYPES['g5.xlarge'])).toBe(110);
    expect(reservedMaxPods(INSTANCE_TYPES['p4d.24xlarge'])).toBe(737);
  });

  test('an xlarge GPU node has about 3 CPU / 12.5Gi for pods after the DaemonSets, less than 4 CPU / 16Gi', () => {
    const a = allocatableForPods(INSTANCE_TYPES['g5.xlarge'], { gpuNode: true });
    expect(showResources(a)).toBe('3.04 CPU / 12.5Gi / 1 GPU');
    const cpuOnly = allocatableForPods(INSTANCE_TYPES['g5.xlarge'], { gpuNode: false });
    expect(cpuOnly.cpuMillis - a.cpuMillis).toBe(NODE_DAEMONSETS.filter((d) => d.gpuNodesOnly).reduce((n, d) => n + d.cpuMillis, 0));
  });

  test('pod requests: containers add up, a limit stands in for a missing request, init containers peak', () => {
    expect(podRequests({
      containers: [{ resources: { requests: { cpu: '500m', memory: '1Gi' } } }, { resources: { limits: { cpu: 2, memory: '512Mi', 'nvidia.com/gpu': 1 } } }],
      initContainers: [{ resources: { requests: { cpu: '4', memory: '256Mi' } } }],
    })).toEqual({ cpuMillis: 4000, memoryMiB: 1536, gpus: 1 });
  });
});

const gpuDeployment = (cluster: MlCluster, name: string, pool: GpuNodePool, cpu: string, memory: string) =>
  new k8s.KubeDeployment(cluster.workloads.scopeFor(cluster), name, {
    metadata: { name, namespace: 'serving' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: pool.nodeSelector,
          tolerations: pool.tolerations,
          containers: [{
            name, image: 'acme/serve:1.0',
            resources: {
              requests: { cpu: k8s.Quantity.fromString(cpu), memory: k8s.Quantity.fromString(memory) },
              limits: { memory: k8s.Quantity.fromString(memory), 'nvidia.com/gpu': k8s.Quantity.fromNumber(1) },
            },
          }],
        },
      },
    },
  });

describe('placement check: requests fit every instance type of the pool', () => {
  test('requests that fit every instance type synthesize', () => {
    const s = synthesize((app) => {
      const { cluster } = testCluster(app);
      const pool = new GpuNodePool(cluster, 'gpu_inference', { cluster, poolName: 'inference', maxSize: 2, instanceTypes: ['g6.xlarge', 'g5.xlarge', 'g5.2xlarge'] });
      gpuDeployment(cluster, 'explainer', pool, '3', '12Gi');
      new NodePool(cluster, 'cpu_batch', { cluster, poolName: 'batch', instanceTypes: ['m6i.xlarge', 'm7i.xlarge'], maxSize: 2 });
    });
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('4 CPU / 16Gi on a pool with xlarge types fails, naming the pool, the misfits and the largest request that fits', () => {
    expect(() => synthesize((app) => {
      const { cluster } = testCluster(app);
      const pool = new GpuNodePool(cluster, 'gpu_inference', { cluster, poolName: 'inference', maxSize: 2, instanceTypes: ['g5.xlarge', 'g5.2xlarge'] });
      gpuDeployment(cluster, 'explainer', pool, '4', '16Gi');
    })).toThrow('[platform/cluster] Deployment serving/explainer requests 4 CPU / 16Gi / 1 GPU per pod, which does not fit g5.xlarge (allocatable after daemonsets: 3.04 CPU / 12.5Gi / 1 GPU) of pool "inference": on such a node the pod stays Pending. '
      + 'Fix: request at most 3.04 CPU / 12.5Gi / 1 GPU (what every instance type of pool "inference" has free), or remove g5.xlarge from pool "inference".');
  });

  test('a CPU pod that selects a pool is checked against that pool (no GPU DaemonSets there)', () => {
    expect(() => synthesize((app) => {
      const { cluster } = testCluster(app);
      new NodePool(cluster, 'cpu_batch', { cluster, poolName: 'batch', instanceTypes: ['m6i.large'], maxSize: 2 });
      new k8s.KubeJob(cluster.workloads.scopeFor(cluster), 'score', {
        metadata: { name: 'score', namespace: 'batch' },
        spec: { template: { spec: { restartPolicy: 'Never', nodeSelector: { 'mlops.cdktf.io/pool': 'batch' }, containers: [{ name: 'score', image: 'acme/score:1.0', resources: { requests: { cpu: k8s.Quantity.fromString('2'), memory: k8s.Quantity.fromString('4Gi') } } }] } } },
      });
    })).toThrow('[platform/cluster] Job batch/score requests 2 CPU / 4Gi per pod, which does not fit m6i.large (allocatable after daemonsets: 1.41 CPU / 5.4Gi) of pool "batch": on such a node the pod stays Pending. '
      + 'Fix: request at most 1.41 CPU / 5.4Gi (what every instance type of pool "batch" has free), or remove m6i.large from pool "batch".');
  });

  test('an instance type the library does not know is refused, listing the known ones', () => {
    const { cluster } = testCluster(new App());
    expect(() => new NodePool(cluster, 'cpu', { cluster, poolName: 'cpu', instanceTypes: ['m5.xlarge'], maxSize: 2 }))
      .toThrow(/^\[platform\/cluster\/cpu\] instanceTypes entry "m5\.xlarge" is not an instance type the library knows \(its allocatable cannot be computed\)\. Fix: use one of g4dn\.xlarge, .*, m6i\.large, .*, r7i\.8xlarge; to add another, extend INSTANCE_TYPES \(lib\/compute\/instance-types\.ts\) with its vCPUs, memory, GPUs and ENI limits\.$/);
  });

  test('an unknown system node type fails the synth', () => {
    expect(() => synthesize((app) => { testCluster(app, { cluster: { systemNodeInstanceTypes: ['t3.large'] } }); }))
      .toThrow(/\[platform\/cluster\] node pool "system" has instance type "t3\.large", which the library does not know: its allocatable cannot be computed\. Fix: use one of g4dn\.xlarge, /);
  });
});
