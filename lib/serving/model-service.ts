import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import * as k8s from '../core/k8s';
import { MlopsStack } from '../core/mlops-stack';
import { WorkloadsStack } from '../core/workloads-stack';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import {
  EgressRule, SecretEnvRef, ServiceClient, ServiceResources, ServiceWorkload, ServiceWorkloadProps,
} from '../core/service-workload';
import { WorkloadIdentity } from '../security/workload-identity';
import { ContainerImage, resolveImage } from '../core/container-image';
import type { FeatureStore } from '../features/feature-store';
import type { FeatureView } from '../features/feature-view';
import { checkLocation, GpuPlacement, IServingCluster, placeOnGpu, S3Location, s3Uri, ServingGpu } from './serving-cluster';
import { ModelIngress, ModelIngressProps } from './model-ingress';
import { ModelRelease, ModelReleaseProps } from './model-release';
import { PredictionCapture, PredictionCaptureProps } from './prediction-capture';
import { CURRENT_MODEL_POINTER } from '../registry/model-locations';

/** The feature views a model reads online. */
export interface ModelFeatures {
  /** The feature store. */
  readonly store: FeatureStore;
  /** Views the model reads (only their online tables are granted). */
  readonly views: FeatureView[];
}

/** Replica scaling of a model. */
export interface ModelAutoscaling {
  /** @default the profile's minReplicas (2 in prod); prod refuses fewer than 2 unless scaleToZero */
  readonly minReplicas?: number;
  /** @default max(minReplicas * 3, 3) */
  readonly maxReplicas?: number;
  /** Average CPU utilization target, 1-100. @default 70 */
  readonly targetCpuUtilization?: number;
  /**
   * Average requests per second per pod to aim at, from the Prometheus metric
   * {@link ModelAutoscaling.requestRateMetric} (exposed to the HPA by prometheus-adapter as a Pods metric,
   * or queried by KEDA when scaleToZero).
   * @default no request-rate scaling
   */
  readonly targetRequestsPerSecond?: number;
  /** Prometheus/custom-metrics name of the per-pod request rate. @default "http_requests_per_second" */
  readonly requestRateMetric?: string;
  /**
   * Scale to zero when idle (non-critical models only): a KEDA ScaledObject with a Prometheus trigger
   * owns the replica count instead of the HPA. Needs targetRequestsPerSecond, prometheusAddress and
   * activationQuery.
   * @default false
   */
  readonly scaleToZero?: boolean;
  /** Prometheus server URL KEDA queries. @default none (required with scaleToZero) */
  readonly prometheusAddress?: string;
  /**
   * PromQL query, above 0 when the model should run, whose series exist while the model has no pod:
   * demand seen upstream of it (a gateway's or caller's request counter, a queue's depth). The model's
   * own request counter cannot wake it: at zero replicas it has no series, so KEDA would never scale
   * the model up again.
   * @default none (required with scaleToZero)
   */
  readonly activationQuery?: string;
}

/** Props of {@link ModelService}. */
export interface ModelServiceProps {
  /** The cluster (MlCluster). */
  readonly cluster: IServingCluster;
  /** Namespace (a RestrictedNamespace or a Team's namespace). */
  readonly namespace: string;
  /** Model name: names the Deployment, Service, ServiceAccount, PDB, HPA, NetworkPolicies and identity (DNS label). */
  readonly name: string;
  /** Model version label (e.g. `"7"` or a registry version). */
  readonly modelVersion: string;
  /** Serving image: from the platform's ContainerRegistry, or else pinned by digest (see resolveImage). */
  readonly image: string | ContainerImage;
  /** Where the model's artifacts are: the identity may read only this prefix (`zoneLocation(zone, 'models/churn/')`). */
  readonly artifacts: S3Location;
  /**
   * Who outside the platform writes the artifacts (e.g. "the explainer release job of the fraud team"),
   * declared to the system model as their producer. Leave it out when a ModelPromotion writes them.
   * @default none
   */
  readonly artifactsProducedBy?: string;
  /** Online feature views the model reads. @default none */
  readonly features?: ModelFeatures;
  /** @default 8080 */
  readonly port?: number;
  /** @default cpu 500m, memory 1Gi, limits equal to requests */
  readonly resources?: ServiceResources;
  /** GPUs per pod on a GPU pool (toleration and node selector from the pool). @default CPU only */
  readonly gpu?: ServingGpu;
  /** Health path of the readiness, liveness and startup probes. @default "/health" */
  readonly healthPath?: string;
  /** Seconds the startup probe allows for loading the model. @default 600 */
  readonly startupSeconds?: number;
  /** @default profile minReplicas, CPU 70% */
  readonly autoscaling?: ModelAutoscaling;
  /** Who may call the model inside the cluster. @default nobody but the ALB when `ingress` is set */
  readonly clients?: ServiceClient[];
  /** Extra egress (e.g. a database). @default none */
  readonly egress?: EgressRule[];
  /** Plain environment variables. @default none (MODEL_NAME, MODEL_VERSION, MODEL_URI, MODEL_POINTER_URI are always set; PREDICTIONS_STREAM and PREDICTIONS_URI with `capture`) */
  readonly env?: Record<string, string>;
  /** Environment variables from Secret keys. @default none */
  readonly secretEnv?: Record<string, SecretEnvRef>;
  /** Critical models keep minReplicas >= 2 in prod; only non-critical ones may scale to zero. @default true */
  readonly critical?: boolean;
  /** Secure ALB ingress. @default none: ClusterIP only */
  readonly ingress?: ModelIngressProps;
  /**
   * Progressive delivery of new versions (Argo Rollouts canary or blue-green with automatic rollback).
   * Needs the Argo Rollouts controller on the cluster.
   * @default none: a plain rolling update (maxUnavailable 0)
   */
  readonly release?: ModelReleaseProps;
  /**
   * Prediction capture: a Firehose stream into the zone (the raw zone) under
   * `predictions/<model>/dt=YYYY-MM-DD/` that the server puts its inputs and predictions into
   * (env `PREDICTIONS_STREAM`), where the drift monitor reads them.
   * @default none (MlopsPlatform captures every model into the raw zone)
   */
  readonly capture?: Omit<PredictionCaptureProps, 'model'>;
}

/**
 * One model deployment on the hardened {@link ServiceWorkload}: a Deployment with the restricted
 * security context, probes, requests and limits, GPU placement on a GPU pool when asked, zone spread,
 * rolling updates with maxUnavailable 0, PDB, NetworkPolicy and Service; an HPA on CPU (and request
 * rate), or a KEDA ScaledObject for scale-to-zero; a dedicated WorkloadIdentity that can read only the
 * model's artifact prefix and the online tables of its feature views; optionally a secure ALB Ingress.
 */
export class ModelService extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly identity: WorkloadIdentity;
  public readonly workload: ServiceWorkload;
  public readonly artifacts: S3Location;
  public readonly modelUri: string;
  public readonly gpu?: GpuPlacement;
  public readonly scaledObject?: ApiObject;
  public readonly ingress?: ModelIngress;
  public readonly release?: ModelRelease;
  /** The prediction capture stream, when `capture` is set. */
  public readonly capture?: PredictionCapture;
  /** `s3://` URI of the pointer naming the approved version to load (`current.json`, written by ModelPromotion). */
  public readonly modelPointerUri: string;
  private readonly workloads: WorkloadsStack;

  constructor(scope: Construct, id: string, props: ModelServiceProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    this.name = checkName(this, 'k8s-name', props.name);
    this.namespace = checkName(this, 'k8s-namespace', props.namespace);
    this.workloads = props.cluster.workloads;
    const image = resolveImage(this, 'image', props.image);
    if (!/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(props.modelVersion)) {
      invalid(this, `modelVersion ${show(props.modelVersion)} is not a valid label value.`, 'use letters, digits and ._- (at most 63), e.g. "7" or "2024-06-01".');
    }
    const a = props.autoscaling ?? {};
    const critical = props.critical ?? true;
    const scaleToZero = a.scaleToZero ?? false;
    const minReplicas = a.minReplicas ?? (scaleToZero ? 0 : stack.profile.minReplicas);
    if (scaleToZero && critical) {
      invalid(this, 'autoscaling.scaleToZero is set on a critical model.', 'set critical: false for models that may cold-start, or drop scaleToZero.');
    }
    if (scaleToZero && (a.targetRequestsPerSecond === undefined || !a.prometheusAddress)) {
      invalid(this, 'autoscaling.scaleToZero needs a request-rate trigger.', 'set autoscaling.targetRequestsPerSecond and autoscaling.prometheusAddress.');
    }
    if (scaleToZero && !a.activationQuery?.trim()) {
      invalid(this, 'autoscaling.scaleToZero has no activationQuery: at zero replicas the model\'s own request counter has no series, so it would never be scaled up again.',
        'set autoscaling.activationQuery to a PromQL query of demand seen upstream of the model (a gateway\'s request counter, a queue depth).');
    }
    if (scaleToZero && minReplicas !== 0) {
      invalid(this, `autoscaling.minReplicas ${show(minReplicas)} contradicts scaleToZero.`, 'omit minReplicas (or set 0) with scaleToZero.');
    }
    if (stack.profile.name === 'prod' && critical && Number.isInteger(minReplicas) && minReplicas < 2) {
      invalid(this, `minReplicas ${minReplicas} is below 2 for a critical model in prod.`, 'use at least 2 replicas in prod (or set critical: false).');
    }
    if (a.targetRequestsPerSecond !== undefined && !(a.targetRequestsPerSecond > 0)) {
      invalid(this, `autoscaling.targetRequestsPerSecond ${show(a.targetRequestsPerSecond)} must be positive.`, 'use the requests per second one pod serves at its latency target, e.g. 50.');
    }
    if (a.requestRateMetric !== undefined && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(a.requestRateMetric)) {
      invalid(this, `autoscaling.requestRateMetric ${show(a.requestRateMetric)} is not a Prometheus metric name.`, 'use e.g. "http_requests_per_second".');
    }
    this.artifacts = checkLocation(this, 'artifacts', props.artifacts);
    this.modelUri = s3Uri(this.artifacts);
    this.modelPointerUri = `${this.modelUri}${CURRENT_MODEL_POINTER}`;
    if (props.gpu) this.gpu = placeOnGpu(this, props.cluster, `${this.namespace}/${this.name}`, props.gpu);

    this.identity = new WorkloadIdentity(this, 'identity', {
      cluster: props.cluster,
      namespace: this.namespace,
      serviceAccountName: this.name,
      description: `Model service ${this.namespace}/${this.name}: reads its artifacts and online features`,
    });
    this.artifacts.bucket.grantRead(this.identity, this.artifacts.prefix);
    if (props.artifactsProducedBy) this.artifacts.bucket.declareExternal('write', this.artifacts.prefix, props.artifactsProducedBy);
    if (props.features && props.features.views.length > 0) props.features.store.grantReadOnline(this.identity, props.features.views);
    if (props.capture) {
      this.capture = new PredictionCapture(this, 'capture', { ...props.capture, model: this.name });
      this.capture.grantPut(this.identity);
    }
    const captureEnv: Record<string, string> = this.capture ? { PREDICTIONS_STREAM: this.capture.streamName, PREDICTIONS_URI: this.capture.uri } : {};

    const port = props.port ?? 8080;
    const healthPath = props.healthPath ?? '/health';
    const workloadProps: ServiceWorkloadProps & { modelProps: ModelServiceProps } = {
      workloads: props.cluster.workloads,
      namespace: this.namespace,
      name: this.name,
      image,
      port,
      env: { ...props.env, MODEL_NAME: this.name, MODEL_VERSION: props.modelVersion, MODEL_URI: this.modelUri, MODEL_POINTER_URI: this.modelPointerUri, ...captureEnv, AWS_REGION: stack.region },
      secretEnv: props.secretEnv,
      resources: props.resources ?? { cpu: '500m', memory: '1Gi' },
      healthPath,
      startupSeconds: props.startupSeconds ?? 600,
      minReplicas: scaleToZero ? 1 : minReplicas,
      maxReplicas: a.maxReplicas,
      targetCpuUtilization: a.targetCpuUtilization,
      clients: props.clients,
      egress: props.egress,
      serviceAccountName: this.name,
      serviceAccountAnnotations: this.identity.serviceAccountAnnotations,
      labels: { 'app.kubernetes.io/component': 'model-server', 'app.kubernetes.io/part-of': 'model-serving', 'mlops.cdktf.io/model-version': props.modelVersion },
      gpu: this.gpu ? { count: this.gpu.count, tolerations: this.gpu.tolerations, nodeSelector: this.gpu.nodeSelector } : undefined,
      autoscaler: !scaleToZero,
      modelProps: props,
    };
    this.workload = this.createWorkload(workloadProps);

    const selector = { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/instance': `${this.namespace}-${this.name}` };
    const objLabels = { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/managed-by': 'cdktf-mlops' };
    if (props.release) {
      this.release = new ModelRelease(this, 'release', { ...props.release, workloads: this.workloads, workload: this.workload, selector, labels: objLabels });
    }
    if (scaleToZero) this.scaledObject = this.createScaledObject(a);
    if (props.ingress) {
      this.ingress = new ModelIngress(this, 'ingress', {
        ...props.ingress,
        workloads: props.cluster.workloads,
        namespace: this.namespace,
        serviceName: this.name,
        port,
        podSelector: selector,
        healthPath,
        labels: objLabels,
      });
    }
  }

  /** In-cluster URL of the model. */
  public get url(): string {
    return this.workload.url;
  }

  /** Creates the workload; override to use a ServiceWorkload subclass (e.g. extra volumes). */
  protected createWorkload(props: ServiceWorkloadProps & { modelProps: ModelServiceProps }): ServiceWorkload {
    return new ModelWorkload(this, 'workload', props);
  }

  /**
   * The KEDA ScaledObject of a scale-to-zero model: its request rate and CPU while it runs, and the
   * activation query (demand seen upstream) to wake it from zero.
   */
  protected createScaledObject(a: ModelAutoscaling): ApiObject {
    const metric = a.requestRateMetric ?? 'http_requests_per_second';
    const s = this.workloads.scopeFor(this);
    return new ApiObject(s, 'scaled-object', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: this.name, namespace: this.namespace, labels: { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/managed-by': 'cdktf-mlops' } },
      spec: {
        scaleTargetRef: this.release
          ? { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: this.name }
          : { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
        minReplicaCount: 0,
        maxReplicaCount: this.workload.maxReplicas,
        cooldownPeriod: 300,
        triggers: [{
          type: 'prometheus',
          metadata: {
            serverAddress: a.prometheusAddress!,
            query: `sum(rate(${metric.replace(/_per_second$/, '_total')}{namespace="${this.namespace}",service="${this.name}"}[2m]))`,
            threshold: String(a.targetRequestsPerSecond),
          },
        }, {
          // Wakes the model from zero: demand seen upstream, which exists while the model has no pod.
          // Reduced to 0 or 1, it asks for one replica at most; the request rate sizes the rest.
          type: 'prometheus',
          name: 'activation',
          metadata: {
            serverAddress: a.prometheusAddress!,
            query: `max((${a.activationQuery!.trim()}) > bool 0)`,
            threshold: '1',
            activationThreshold: '0',
          },
        }, {
          type: 'cpu',
          metricType: 'Utilization',
          metadata: { value: String(a.targetCpuUtilization ?? 70) },
        }],
      },
    });
  }
}

/**
 * The {@link ServiceWorkload} of a model: adds the request-rate Pods metric to the HPA when
 * `targetRequestsPerSecond` is set (served by prometheus-adapter as a custom metric).
 */
export class ModelWorkload extends ServiceWorkload {
  protected autoscalerMetrics(targetCpuUtilization: number): k8s.MetricSpecV2[] {
    const a = (this.props as ServiceWorkloadProps & { modelProps: ModelServiceProps }).modelProps.autoscaling ?? {};
    const metrics = super.autoscalerMetrics(targetCpuUtilization);
    if (a.targetRequestsPerSecond === undefined) return metrics;
    return [...metrics, {
      type: 'Pods',
      pods: {
        metric: { name: a.requestRateMetric ?? 'http_requests_per_second' },
        target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(String(a.targetRequestsPerSecond)) },
      },
    }];
  }
}
