import { TfJson } from '../support/synth';

/**
 * Every resource of `stack` that takes a `cluster_name` but is not ordered after an aws_eks_cluster:
 * its cluster_name is no `${aws_eks_cluster.<id>.name}` reference and its depends_on names no cluster.
 * On a first apply Terraform would create such a resource before the cluster exists.
 */
export function unorderedClusterResources(stack: TfJson): string[] {
  const unordered: string[] = [];
  for (const [type, byName] of Object.entries<Record<string, any>>(stack.resource ?? {})) {
    for (const [name, r] of Object.entries<any>(byName)) {
      if (r.cluster_name === undefined) continue;
      const referenced = /\$\{aws_eks_cluster\.[A-Za-z0-9_-]+\.name\}/.test(String(r.cluster_name));
      const dependsOnCluster = (r.depends_on ?? []).some((d: string) => d.startsWith('aws_eks_cluster.'));
      if (!referenced && !dependsOnCluster) unordered.push(`${type}.${name} (cluster_name ${JSON.stringify(r.cluster_name)})`);
    }
  }
  return unordered;
}

/** How many resources of `stack` take a `cluster_name` (so a test cannot pass on an empty stack). */
export function clusterScopedCount(stack: TfJson): number {
  return Object.values<Record<string, any>>(stack.resource ?? {}).flatMap((byName) => Object.values<any>(byName)).filter((r) => r.cluster_name !== undefined).length;
}
