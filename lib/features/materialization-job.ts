import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import * as k8s from '../core/k8s';
import { MlopsStack } from '../core/mlops-stack';
import { checkName } from '../core/naming';
import { checkKubernetesCron } from '../core/cron';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/pod-security';
import { WorkloadIdentity } from '../security/workload-identity';
import type { FeatureStore } from './feature-store';
import type { FeatureView } from './feature-view';
import { FEAST_IMAGE } from './feast-repo';
import { ContainerImage, resolveImage } from '../core/container-image';
import { containerResources, forbidConcurrentCronJob, restrictedJobSpec } from '../core/scheduled-job';

/** Settings of the materialization CronJob. */
export interface MaterializationProps {
  /**
   * CronJob schedule (five-field cron or a macro).
   * @default "0 * * * *" (hourly)
   */
  readonly schedule?: string;
  /**
   * Feast image (pinned).
   * @default FEAST_IMAGE
   */
  readonly image?: string | ContainerImage;
  /**
   * Seconds a run may take before it is stopped.
   * @default 3600
   */
  readonly activeDeadlineSeconds?: number;
}

/**
 * The materialization CronJob of a {@link FeatureStore}: from the pinned Feast image, it copies the
 * generated repo (feature_store.yaml, feature_repo.py) into a scratch directory and runs
 * `feast apply && feast materialize-incremental <now UTC>`, loading the offline Parquet files of
 * every view into its online table. Its identity can write only the online tables and Feast's
 * registry file, and read only the views' offline files and the registry.
 */
export class MaterializationJob extends Construct {
  public readonly identity: WorkloadIdentity;
  public readonly serviceAccount: ApiObject;
  public readonly cronJob: ApiObject;
  public readonly jobName: string;
  private readonly store: FeatureStore;

  constructor(scope: Construct, id: string, props: MaterializationProps & { store: FeatureStore }) {
    super(scope, id);
    const store = props.store;
    this.store = store;
    const cluster = store.cluster!;
    const stack = MlopsStack.of(this);
    this.jobName = checkName(this, 'k8s-name', `${store.name}-materialize`);
    const schedule = checkKubernetesCron(this, 'materialization.schedule', props.schedule ?? '0 * * * *');
    const image = resolveImage(this, 'image', props.image ?? ContainerImage.libraryDefault(FEAST_IMAGE)).ref;
    this.identity = new WorkloadIdentity(this, 'identity', {
      cluster,
      namespace: store.namespace,
      serviceAccountName: this.jobName,
      description: `Feature store ${store.project} materialization: writes the online tables`,
    });
    store.grantWriteRegistry(this.identity);
    store.grantWriteOnline(this.identity, store.featureViews);
    store.grantReadOfflineFiles(this.identity, store.featureViews);

    const k = cluster.workloads.scopeFor(this);
    const labels = store.labels('materialization');
    this.serviceAccount = new k8s.KubeServiceAccount(k, 'service-account', {
      metadata: { name: this.jobName, namespace: store.namespace, labels, annotations: this.identity.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    });
    const script = [
      'set -eu',
      'mkdir -p /tmp/repo',
      'cp /etc/feast/feature_store.yaml /etc/feast/feature_repo.py /tmp/repo/',
      'cd /tmp/repo',
      'feast apply',
      'feast materialize-incremental "$(date -u +%Y-%m-%dT%H:%M:%S)"',
    ].join('\n');
    this.cronJob = forbidConcurrentCronJob(k, 'cron-job', {
      name: this.jobName,
      namespace: store.namespace,
      labels,
      schedule,
      jobSpec: restrictedJobSpec({
        labels,
        serviceAccountName: this.jobName,
        activeDeadlineSeconds: props.activeDeadlineSeconds ?? 3600,
        securityContext: this.podSecurityContext() as k8s.PodSecurityContext,
        containers: [{
          name: 'materialize',
          image,
          command: ['/bin/sh', '-c', script],
          env: [
            { name: 'HOME', value: '/tmp' },
            { name: 'AWS_REGION', value: stack.region },
            { name: 'AWS_DEFAULT_REGION', value: stack.region },
            { name: 'FEAST_USAGE', value: 'False' },
          ],
          securityContext: this.containerSecurityContext() as k8s.SecurityContext,
          resources: containerResources('500m', '1Gi', { cpu: '1', memory: '2Gi' }),
          volumeMounts: [
            { name: 'repo', mountPath: '/etc/feast', readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        }],
        volumes: [
          { name: 'repo', configMap: { name: `${store.name}-repo` } },
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
        ],
      }),
    });
  }

  /** Lets the job load `view`: read its offline files, write its online table. */
  public allowView(view: FeatureView): void {
    this.store.grantWriteOnline(this.identity, [view]);
    this.store.grantReadOfflineFiles(this.identity, [view]);
  }

  /** Pod security context; override to change the user. */
  protected podSecurityContext(): Record<string, unknown> {
    return restrictedPodSecurityContext();
  }

  /** Container security context; override to change the user. */
  protected containerSecurityContext(): Record<string, unknown> {
    return restrictedContainerSecurityContext();
  }

  /** The store this job materializes. */
  public get featureStore(): FeatureStore {
    return this.store;
  }
}
