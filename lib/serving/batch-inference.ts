import { Construct } from 'constructs';
import * as k8s from '../core/k8s';
import { MlopsStack } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import { checkKubernetesCron } from '../core/cron';
import { ContainerImage, resolveImage } from '../core/container-image';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/pod-security';
import { WorkloadIdentity } from '../security/workload-identity';
import type { FeatureStore } from '../features/feature-store';
import type { FeatureView } from '../features/feature-view';
import { CURRENT_MODEL_POINTER } from '../registry/model-locations';
import { checkLocation, GpuPlacement, IServingCluster, placeOnGpu, S3Location, s3Uri, ServingGpu } from './serving-cluster';
import { checkTimeZone } from '../core/validators';

/** Node label of EKS managed node groups that tells spot from on-demand capacity. */
export const CAPACITY_TYPE_LABEL = 'eks.amazonaws.com/capacityType';

/** The offline feature views a batch job reads. */
export interface BatchFeatures {
  readonly store: FeatureStore;
  /** Views read offline: their Parquet files from S3, schema and partitions from Glue (Lake Formation DESCRIBE/SELECT). */
  readonly views: FeatureView[];
}

/** Props of {@link BatchInference}. */
export interface BatchInferenceProps {
  /** The cluster (MlCluster). */
  readonly cluster: IServingCluster;
  /** Namespace of the CronJob. */
  readonly namespace: string;
  /** Job name (DNS label): names the CronJob, ServiceAccount and identity. */
  readonly name: string;
  /** Batch image: from the platform's ContainerRegistry, or else pinned by digest (see resolveImage). */
  readonly image: string | ContainerImage;
  /** Kubernetes CronJob schedule (five fields or a macro), in `timeZone`. */
  readonly schedule: string;
  /** Model artifacts (read only). */
  readonly artifacts: S3Location;
  /** Where predictions are written: the identity may write only under this prefix. */
  readonly predictions: S3Location;
  /** Offline feature views read (S3 files and Glue catalog). @default none */
  readonly features?: BatchFeatures;
  /** Further input prefixes read (e.g. a curated zone prefix). @default none */
  readonly inputs?: S3Location[];
  /** IANA time zone of the schedule. @default "Etc/UTC" */
  readonly timeZone?: string;
  /** Command. @default the image's entrypoint */
  readonly command?: string[];
  /** Args. @default none */
  readonly args?: string[];
  /** Plain environment variables. @default none (MODEL_URI, MODEL_POINTER_URI, PREDICTIONS_URI are always set) */
  readonly env?: Record<string, string>;
  /** CPU request and limit (a CPU job must fit a system node). @default "1" (CPU job), "2" (GPU job) */
  readonly cpu?: string;
  /** Memory request and limit (a CPU job must fit a system node). @default "4Gi" (CPU job), "8Gi" (GPU job) */
  readonly memory?: string;
  /** GPUs (on a GPU pool, spot half). @default CPU only: the on-demand system nodes */
  readonly gpu?: ServingGpu;
  /**
   * Run on the GPU pool's spot half (a spot interruption retries through backoffLimit). Only GPU
   * jobs have spot capacity: the cluster's only spot nodes are its tainted GPU pools.
   * @default true for a GPU job; CPU jobs always run on on-demand nodes
   */
  readonly spot?: boolean;
  /** Retries of a run. @default 3 */
  readonly backoffLimit?: number;
  /** Longest a run may take, seconds. @default 14400 */
  readonly activeDeadlineSeconds?: number;
}

/**
 * Scheduled batch scoring: a CronJob (concurrencyPolicy Forbid, validated schedule, history limits,
 * deadline, restricted pod security, requests = limits) on the on-demand system nodes (GPU jobs: the
 * GPU pool's spot half), with a dedicated workload identity that reads the model artifacts, the
 * offline feature views (S3 files and Glue catalog) and the given inputs, and writes only under the
 * predictions prefix.
 */
export class BatchInference extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly identity: WorkloadIdentity;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly cronJob: k8s.KubeCronJob;
  /** The image the job runs. */
  public readonly image: ContainerImage;
  public readonly predictions: S3Location;
  public readonly gpu?: GpuPlacement;
  protected readonly props: BatchInferenceProps;

  constructor(scope: Construct, id: string, props: BatchInferenceProps) {
    super(scope, id);
    // A CPU job runs on a system node: its defaults must fit one (the GPU job defaults stay 2 CPU / 8Gi).
    this.props = props.gpu ? props : { ...props, cpu: props.cpu ?? '1', memory: props.memory ?? '4Gi' };
    const stack = MlopsStack.of(this);
    this.name = checkName(this, 'k8s-name', props.name);
    this.namespace = checkName(this, 'k8s-namespace', props.namespace);
    this.image = resolveImage(this, 'image', props.image);
    checkKubernetesCron(this, 'schedule', props.schedule);
    const tz = props.timeZone ?? 'Etc/UTC';
    checkTimeZone(this, 'timeZone', tz);
    const backoff = props.backoffLimit ?? 3;
    if (!Number.isInteger(backoff) || backoff < 0) invalid(this, `backoffLimit ${show(backoff)} is not a whole number >= 0.`, 'use e.g. 3.');
    const deadline = props.activeDeadlineSeconds ?? 14400;
    if (!Number.isInteger(deadline) || deadline < 60) invalid(this, `activeDeadlineSeconds ${show(deadline)} must be a whole number of at least 60.`, 'use e.g. 14400 (4 hours).');
    const artifacts = checkLocation(this, 'artifacts', props.artifacts);
    this.predictions = checkLocation(this, 'predictions', props.predictions);
    const inputs = (props.inputs ?? []).map((l, i) => checkLocation(this, `inputs[${i}]`, l));
    if (props.gpu) this.gpu = placeOnGpu(this, props.cluster, `${this.namespace}/${this.name}`, props.gpu);
    if (!props.gpu && props.spot === true) {
      invalid(this, 'spot is true for a CPU job, but the only spot capacity of the cluster is its GPU pools, tainted for GPU pods: the job could never be scheduled.',
        'drop spot (CPU jobs run on the on-demand system nodes), or ask for gpu.');
    }

    this.identity = new WorkloadIdentity(this, 'identity', {
      cluster: props.cluster,
      namespace: this.namespace,
      serviceAccountName: this.name,
      description: `Batch inference ${this.namespace}/${this.name}: reads features and the model, writes predictions`,
    });
    artifacts.bucket.grantRead(this.identity, artifacts.prefix);
    for (const l of inputs) l.bucket.grantRead(this.identity, l.prefix);
    this.predictions.bucket.grantWrite(this.identity, this.predictions.prefix);
    if (props.features && props.features.views.length > 0) props.features.store.grantReadOfflineDirect(this.identity, props.features.views);

    const s = props.cluster.workloads.scopeFor(this);
    const labels = this.labels();
    this.serviceAccount = new k8s.KubeServiceAccount(s, 'service-account', {
      metadata: { name: this.name, namespace: this.namespace, labels, annotations: this.identity.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    });
    const env: Record<string, string> = { ...props.env, MODEL_URI: s3Uri(artifacts), MODEL_POINTER_URI: `${s3Uri(artifacts)}${CURRENT_MODEL_POINTER}`, PREDICTIONS_URI: s3Uri(this.predictions), AWS_REGION: stack.region };
    this.cronJob = new k8s.KubeCronJob(s, 'cron-job', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        schedule: props.schedule,
        timeZone: tz,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: backoff,
            activeDeadlineSeconds: deadline,
            ttlSecondsAfterFinished: 86400,
            template: this.podTemplate(env),
          },
        },
      },
    });
  }

  /** Labels of the job's objects and pods. */
  protected labels(): Record<string, string> {
    return { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/component': 'batch-inference', 'app.kubernetes.io/managed-by': 'cdktf-mlops' };
  }

  /** Node selector: the GPU pool (its spot half unless `spot: false`) for GPU jobs, on-demand (system) nodes for CPU jobs. */
  protected nodeSelector(): Record<string, string> {
    if (!this.gpu) return { [CAPACITY_TYPE_LABEL]: 'ON_DEMAND' };
    return { ...this.gpu.nodeSelector, ...(this.props.spot ?? true ? { [CAPACITY_TYPE_LABEL]: 'SPOT' } : {}) };
  }

  /** The pod of every run. */
  protected podTemplate(env: Record<string, string>): k8s.PodTemplateSpec {
    const p = this.props;
    const q = (v: string) => k8s.Quantity.fromString(v);
    const resources: Record<string, k8s.Quantity> = { cpu: q(p.cpu ?? '2'), memory: q(p.memory ?? '8Gi') };
    if (this.gpu) resources['nvidia.com/gpu'] = k8s.Quantity.fromNumber(this.gpu.count);
    return {
      metadata: { labels: this.labels() },
      spec: {
        serviceAccountName: this.name,
        automountServiceAccountToken: false,
        restartPolicy: 'Never',
        securityContext: restrictedPodSecurityContext() as k8s.PodSecurityContext,
        nodeSelector: this.nodeSelector(),
        tolerations: this.gpu?.tolerations,
        containers: [{
          name: 'score',
          image: this.image.ref,
          imagePullPolicy: 'IfNotPresent',
          command: p.command,
          args: p.args,
          env: Object.entries(env).map(([name, value]) => ({ name, value })),
          resources: { requests: resources, limits: resources },
          securityContext: restrictedContainerSecurityContext() as k8s.SecurityContext,
          volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }],
        }],
        volumes: [{ name: 'scratch', emptyDir: { sizeLimit: q('10Gi') } }],
      },
    };
  }
}
