import { App } from 'cdktf';
import { MlopsStack, MlopsStackProps } from '../../lib/core/mlops-stack';
import { WorkloadsStack } from '../../lib/core/workloads-stack';
import { Network } from '../../lib/network/network';
import { MlCluster, MlClusterProps } from '../../lib/compute/ml-cluster';

export const TAGS = { owner: 'ml-platform@acme.example', 'cost-center': 'cc-1', 'data-classification': 'internal' };

/** An MlopsStack with valid defaults, overridable. */
export function testStack(app: App, props: Partial<MlopsStackProps> = {}, id = 'platform'): MlopsStack {
  return new MlopsStack(app, id, { profile: 'dev', region: 'eu-west-1', namePrefix: 'acme-dev', tags: TAGS, ...props });
}

/** A stack with a network, a cluster and its workloads stack, for constructs that need a cluster. */
export function testCluster(app: App, opts: { stack?: Partial<MlopsStackProps>; cluster?: Partial<MlClusterProps> } = {}) {
  const stack = testStack(app, opts.stack);
  const network = new Network(stack, 'network', { clusterNames: ['acme-dev'] });
  const workloads = new WorkloadsStack(app, 'workloads', {});
  const cluster = new MlCluster(stack, 'cluster', { network, workloads, ...opts.cluster });
  return { stack, network, workloads, cluster };
}
