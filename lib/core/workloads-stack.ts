import * as fs from 'fs';
import * as path from 'path';
import { Construct, IConstruct } from 'constructs';
import { App as CdktfApp, Fn } from 'cdktf';
import { SynthOnceStack } from './synth-once-stack';
import { App as Cdk8sApp, Chart } from 'cdk8s';
import { dump } from 'js-yaml';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { ObjectManifest } from './object-manifest';
import { resolveData } from './resolve-data';
import { needsTemplateEscaping } from './terraform-literals';
import { deepMerge } from 'cdktf/lib/util';
import { groupBy } from './collections';
import { gitopsObjects } from './gitops-yaml';
import { invalid } from './errors';
import { configureStateBackend, StateBackendProps } from './state-backend';

/** How the kubernetes provider reaches a cluster (usually the platform stack's cluster outputs). */
export interface ClusterConnection {
  /** Cluster name, for `aws eks get-token`. */
  readonly clusterName: string;
  /** API server endpoint. */
  readonly endpoint: string;
  /** Base64 certificate authority data. */
  readonly certificateAuthorityData: string;
  /** Region of the cluster. */
  readonly region: string;
  /**
   * CIDRs admitted to the cluster's public API endpoint, when it has one.
   * @default none: the endpoint is private, reachable only from inside the cluster network
   */
  readonly publicEndpointCidrs?: string[];
}

/**
 * Where a stack must be applied from. `anywhere`: any place with AWS credentials (AWS APIs only).
 * `cluster-network`: a runner that reaches the cluster's private API endpoint (inside the VPC, admitted
 * on tcp/443 by MlCluster `privateEndpointSourceCidrs` / `privateEndpointSourceSecurityGroupIds`).
 * `public-endpoint-cidrs`: a runner whose public IP is in the cluster's `publicEndpointCidrs`.
 */
export type AppliedFrom = 'anywhere' | 'cluster-network' | 'public-endpoint-cidrs';

/** Every {@link AppliedFrom}. */
export const APPLIED_FROM: readonly AppliedFrom[] = ['anywhere', 'cluster-network', 'public-endpoint-cidrs'];

/** Where a stack that talks to the Kubernetes API of `cluster` is applied from. */
export function appliedFromFor(cluster: ClusterConnection | undefined): AppliedFrom {
  return (cluster?.publicEndpointCidrs ?? []).length > 0 ? 'public-endpoint-cidrs' : 'cluster-network';
}

/** Exec authentication of the kubernetes and helm providers: a token from `aws eks get-token` for `cluster`. */
export function eksTokenExec(cluster: ClusterConnection): { apiVersion: string; command: string; args: string[] } {
  return {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'aws',
    args: ['eks', 'get-token', '--cluster-name', cluster.clusterName, '--region', cluster.region, '--output', 'json'],
  };
}

/** Props of {@link WorkloadsStack}. */
export interface WorkloadsStackProps {
  /**
   * The cluster the manifests are applied to.
   * @default none yet: call connectTo() (MlCluster does this for the stack it is given)
   */
  readonly cluster?: ClusterConnection;
  /**
   * Remote state in S3 with lockfile locking.
   * @default local state
   */
  readonly backend?: StateBackendProps;
}

/** A Kubernetes object as synthesized, for tests, the review and the policy pack. */
export interface SynthesizedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** Kinds that are not namespaced among those the library emits. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'StorageClass', 'CustomResourceDefinition', 'NodePool', 'EC2NodeClass', 'ClusterSecretStore', 'IngressClass', 'IngressClassParams']);

/**
 * The workloads stack: Kubernetes objects authored with cdk8s / cdk8s-plus-28, applied by the
 * kubernetes provider as `kubernetes_manifest` resources, and written as YAML under
 * `<outdir>/manifests/<stack>/<namespace>.k8s.yaml` for GitOps and review.
 *
 * The provider authenticates with `aws eks get-token` (exec), against the cluster endpoint and CA
 * of the platform stack (cross-stack references, resolved through remote state).
 *
 * Addresses are `kubernetes_manifest.<kind>_<namespace>_<name>`: derived from the object's
 * identity only, so adding an object never renames another one.
 */
export class WorkloadsStack extends SynthOnceStack {
  /** The cdk8s app holding every object of this stack. */
  public readonly cdk8sApp: Cdk8sApp;
  /** The one chart; constructs get a scope in it through {@link scopeFor}. */
  public readonly chart: Chart;
  private kubernetesProvider?: KubernetesProvider;
  private cluster?: ClusterConnection;
  private readonly scopes = new Map<string, Construct>();
  private objects?: SynthesizedObject[];
  private resolved?: SynthesizedObject[];
  private readonly manifests: ObjectManifest[] = [];

  constructor(scope: Construct, id: string, props: WorkloadsStackProps) {
    super(scope, id);
    this.cdk8sApp = new Cdk8sApp({ outdir: path.join(CdktfApp.of(this).outdir, 'manifests', id) });
    this.chart = new Chart(this.cdk8sApp, id, { disableResourceNameHashes: true });
    if (props.cluster) this.connectTo(props.cluster);
    if (props.backend) configureStateBackend(this, props.backend);
  }

  /**
   * Where this stack is applied from: `cluster-network` (a runner that reaches the private API
   * endpoint) unless its cluster has a public endpoint (`anywhere`, from an IP in publicEndpointCidrs).
   */
  public get appliedFrom(): AppliedFrom {
    return appliedFromFor(this.cluster);
  }

  /** The kubernetes provider (exists once the stack is connected to a cluster). */
  public get provider(): KubernetesProvider | undefined {
    return this.kubernetesProvider;
  }

  /** Configures the kubernetes provider for `cluster`: its endpoint and CA, and exec auth with `aws eks get-token`. */
  public connectTo(cluster: ClusterConnection): void {
    if (this.kubernetesProvider) {
      invalid(this, `it is already connected to a cluster; a workloads stack applies to exactly one cluster (asked to connect to ${cluster.clusterName} as well).`,
        'give each cluster its own WorkloadsStack.');
    }
    this.cluster = cluster;
    this.kubernetesProvider = new KubernetesProvider(this, 'kubernetes', {
      host: cluster.endpoint,
      clusterCaCertificate: Fn.base64decode(cluster.certificateAuthorityData),
      exec: [eksTokenExec(cluster)],
    });
  }

  /**
   * The cdk8s scope in which `owner` (a construct of any stack) creates its Kubernetes objects.
   * One scope per owner, named after the owner's path.
   */
  public scopeFor(owner: IConstruct): Construct {
    const key = owner.node.path;
    let s = this.scopes.get(key);
    if (!s) {
      if (this.objects) {
        invalid(owner, 'it adds Kubernetes objects after the workloads stack was synthesized.', 'create every construct before app.synth().');
      }
      s = new Construct(this.chart, key.replace(/\//g, '--'));
      this.scopes.set(key, s);
    }
    return s;
  }

  /**
   * Every Kubernetes object of this stack as cdk8s rendered it (cdktf tokens unresolved); fixed when
   * the stack is prepared, rendered afresh before.
   */
  public synthesizeObjects(): SynthesizedObject[] {
    return this.objects ?? (this.chart.toJson() as SynthesizedObject[]);
  }

  /**
   * Every Kubernetes object of this stack with its cdktf tokens resolved and its text as written, as
   * the YAML shows it (without the overrides of its ObjectManifest). Kept once the stack is prepared.
   */
  public resolvedObjects(): SynthesizedObject[] {
    if (!this.isPrepared) return resolveData(this, this.synthesizeObjects(), false, 'keep');
    this.resolved ??= resolveData(this, this.synthesizeObjects(), false, 'keep');
    return this.resolved;
  }

  /**
   * Converts the cdk8s objects to kubernetes_manifest resources, registers the cross-stack
   * references they hold and prepares as usual.
   */
  public prepareStack(): void {
    if (!this.kubernetesProvider) {
      invalid(this, 'it is not connected to a cluster, so its manifests cannot be applied.', 'pass it as `workloads` to an MlCluster, or call connectTo().');
    }
    this.objects ??= this.chart.toJson() as SynthesizedObject[];
    if (!this.node.tryFindChild('manifests')) this.emitManifests();
    resolveData(this, this.objects, true, 'keep');
    super.prepareStack();
  }

  /**
   * cdktf's rendering, plus the `manifest` attribute of every object (see {@link ObjectManifest}):
   * its text escaped for Terraform, the overrides merged in. Once the stack is prepared, also writes
   * the objects to YAML as Kubernetes receives them.
   */
  protected render(): { [key: string]: any } {
    const tf = super.render();
    if (!this.isPrepared) return tf; // the manifests are created when the stack is prepared
    const blocks: Record<string, Record<string, unknown>> = tf.resource?.kubernetes_manifest ?? {};
    const raw = this.synthesizeObjects();
    const objects = this.resolvedObjects();
    const stackOverrides = (this as unknown as { rawOverrides?: any }).rawOverrides?.resource?.kubernetes_manifest ?? {};
    const applied = this.manifests.map((m, i) => {
      const overrides = [m.manifestOverrides, stackOverrides[m.friendlyUniqueId]?.manifest].filter((o) => o !== undefined);
      // With overrides, the object is merged as cdktf merges overrides, then resolved like the others.
      const source = overrides.length > 0 ? deepMerge(structuredClone(raw[i]), ...overrides) as SynthesizedObject : raw[i];
      const forYaml = source === raw[i] ? objects[i] : resolveData(this, source, false, 'keep');
      const forTerraform = source === raw[i] && !needsTemplateEscaping(source) ? forYaml : resolveData(this, source, false, 'escape');
      const { manifest: _partial, ...rest } = blocks[m.friendlyUniqueId];
      blocks[m.friendlyUniqueId] = { manifest: forTerraform, ...rest };
      m.setRenderedManifest(forTerraform);
      return forYaml;
    });
    this.writeYaml(applied);
    return tf;
  }

  /** `cdktf synth --hcl`: cdktf renders the HCL; the JSON rendering still writes the YAML. */
  public toHclTerraform(): { [key: string]: any } {
    if (this.isPrepared) this.toTerraform();
    return super.toHclTerraform();
  }

  private emitManifests(): void {
    const holder = new Construct(this, 'manifests');
    const namespaces = new Map<string, ObjectManifest>();
    const seen = new Map<string, string>();
    const objects = this.synthesizeObjects();
    const order = [...objects.keys()].sort((a, b) => Number(objects[b].kind === 'Namespace') - Number(objects[a].kind === 'Namespace'));
    const manifests: ObjectManifest[] = [];
    for (const index of order) {
      const obj = objects[index];
      const ns = obj.metadata.namespace;
      if (!CLUSTER_SCOPED.has(obj.kind) && !ns) {
        invalid(this, `${obj.kind} "${obj.metadata.name}" has no namespace.`, 'set metadata.namespace on every namespaced object (the library\'s constructs do).');
      }
      const id = [obj.kind, ns, obj.metadata.name].filter(Boolean).join('_').toLowerCase().replace(/[^a-z0-9_-]/g, '_');
      const identity = `${obj.apiVersion}/${obj.kind} ${ns ?? ''}/${obj.metadata.name}`;
      if (seen.has(id)) {
        invalid(this, `two Kubernetes objects share the identity ${identity}.`, 'give one of them another name.');
      }
      seen.set(id, identity);
      const manifest = new ObjectManifest(holder, id, obj, {
        fieldManager: { name: 'cdktf-mlops', forceConflicts: false },
        dependsOn: ns && namespaces.has(ns) ? [namespaces.get(ns)!] : undefined,
      });
      manifest.overrideLogicalId(id);
      manifests[index] = manifest;
      if (obj.kind === 'Namespace') namespaces.set(obj.metadata.name, manifest);
    }
    this.manifests.push(...manifests);
  }

  private writeYaml(applied: SynthesizedObject[]): void {
    const fileOf = (o: SynthesizedObject) => `${o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace ?? 'cluster'}.k8s.yaml`;
    const dir = this.cdk8sApp.outdir;
    fs.mkdirSync(dir, { recursive: true });
    // Values of other stacks resolved where known at synth, placeholders (listed in <dir>.platform-values.yaml) where not.
    const objects = gitopsObjects(this, applied, fileOf, dir);
    for (const [file, docs] of groupBy(objects, fileOf)) {
      // Namespace objects first, so `kubectl apply -f` works on each file.
      docs.sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
      fs.writeFileSync(path.join(dir, file), docs.map(toYaml).join('---\n'));
    }
  }
}

/**
 * One YAML document. js-yaml (three times faster than the yaml package cdk8s uses) quotes every
 * string a YAML 1.1 parser, such as kubectl's, would read as something else ('on', 'yes', '0755').
 */
function toYaml(doc: SynthesizedObject): string {
  return dump(doc, { noRefs: true, lineWidth: -1 });
}
