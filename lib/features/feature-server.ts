import { Construct } from 'constructs';
import * as k8s from '../core/k8s';
import { ServiceClient, ServiceResources, ServiceWorkload, ServiceWorkloadProps } from '../core/service-workload';
import { WorkloadIdentity } from '../security/workload-identity';
import type { FeatureStore } from './feature-store';
import { FEAST_IMAGE } from './feast-repo';
import { ContainerImage } from '../core/container-image';

/** Settings of the feature server. */
export interface FeatureServerProps {
  /**
   * Feast image (pinned).
   * @default FEAST_IMAGE
   */
  readonly image?: string | ContainerImage;
  /**
   * Who may call the server (model services).
   * @default nobody: list the namespaces or pods of the model services
   */
  readonly clients?: ServiceClient[];
  /** @default the profile's minReplicas */
  readonly minReplicas?: number;
  /** @default max(minReplicas * 3, 3) */
  readonly maxReplicas?: number;
  /** @default cpu 500m, memory 1Gi */
  readonly resources?: ServiceResources;
}

/** Port of Feast's feature server. */
export const FEATURE_SERVER_PORT = 6566;

/** A {@link ServiceWorkload} that mounts the store's generated Feast config read-only at `/etc/feast`. */
export class FeastServerWorkload extends ServiceWorkload {
  protected volumes(): k8s.Volume[] {
    return [...super.volumes(), { name: 'repo', configMap: { name: (this.props as ServiceWorkloadProps & { repoConfigMap: string }).repoConfigMap } }];
  }

  protected volumeMounts(): k8s.VolumeMount[] {
    return [...super.volumeMounts(), { name: 'repo', mountPath: '/etc/feast', readOnly: true }];
  }
}

/**
 * Feast's feature server for a {@link FeatureStore}, on the hardened {@link ServiceWorkload}
 * (Deployment, Service, PDB, HPA, NetworkPolicy, restricted security context, probes on `/health`).
 * It serves `POST /get-online-features` on port 6566 from the online tables, with the registry read
 * from S3. Its identity can read only the online tables (and the registry): never the offline store,
 * never write.
 */
export class FeatureServer extends Construct {
  public readonly identity: WorkloadIdentity;
  public readonly workload: ServiceWorkload;
  public readonly serverName: string;

  constructor(scope: Construct, id: string, props: FeatureServerProps & { store: FeatureStore }) {
    super(scope, id);
    const store = props.store;
    const cluster = store.cluster!;
    this.serverName = `${store.name}-server`;
    this.identity = new WorkloadIdentity(this, 'identity', {
      cluster,
      namespace: store.namespace,
      serviceAccountName: this.serverName,
      description: `Feature store ${store.project} feature server: reads the online tables`,
    });
    store.grantReadOnline(this.identity);
    const script = [
      'set -eu',
      'mkdir -p /tmp/repo',
      'cp /etc/feast/feature_store.yaml /tmp/repo/',
      'cd /tmp/repo',
      `exec feast serve --host 0.0.0.0 --port ${FEATURE_SERVER_PORT}`,
    ].join('\n');
    const workloadProps: ServiceWorkloadProps & { repoConfigMap: string } = {
      workloads: cluster.workloads,
      namespace: store.namespace,
      name: this.serverName,
      image: props.image ?? ContainerImage.libraryDefault(FEAST_IMAGE),
      port: FEATURE_SERVER_PORT,
      command: ['/bin/sh', '-c', script],
      env: { HOME: '/tmp', AWS_REGION: store.region, AWS_DEFAULT_REGION: store.region, FEAST_USAGE: 'False' },
      resources: props.resources ?? { cpu: '500m', memory: '1Gi' },
      healthPath: '/health',
      minReplicas: props.minReplicas,
      maxReplicas: props.maxReplicas,
      clients: props.clients,
      serviceAccountName: this.serverName,
      serviceAccountAnnotations: this.identity.serviceAccountAnnotations,
      labels: { 'app.kubernetes.io/part-of': 'feature-store', 'app.kubernetes.io/component': 'feature-server' },
      repoConfigMap: `${store.name}-repo`,
    };
    this.workload = new FeastServerWorkload(this, 'workload', workloadProps);
  }

  /** In-cluster URL of the server. */
  public get url(): string {
    return this.workload.url;
  }
}
