import { Construct } from 'constructs';
import { ApiObject, JsonPatch } from 'cdk8s';
import * as k8s from '../core/k8s';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import { ServiceWorkload } from '../core/service-workload';
import { WorkloadsStack } from '../core/workloads-stack';

/** How a new model version replaces the running one. */
export type ReleaseStrategy = 'canary' | 'blue-green';

/** Props of a progressive release (Argo Rollouts) of a {@link ModelService}. */
export interface ModelReleaseProps {
  /** Canary (weighted steps) or blue-green (preview, analysis, then switch). */
  readonly strategy: ReleaseStrategy;
  /**
   * Canary: the traffic weights (percent of pods, increasing, 1-99) the new version gets, each
   * followed by a pause of `stepPauseMinutes` while the analysis runs.
   * @default [10, 25, 50]
   */
  readonly canaryWeights?: number[];
  /** Minutes each canary step (or the blue-green preview) is observed before going on. @default 5 */
  readonly stepPauseMinutes?: number;
  /** Prometheus server URL the analysis queries (the "alarm" that rolls back). */
  readonly prometheusAddress: string;
  /**
   * Lowest success ratio (non-5xx / all) of the new version; below it for `failureLimit` checks,
   * the release aborts and traffic returns to the stable version.
   * @default 0.99
   */
  readonly minSuccessRate?: number;
  /** p95 latency ceiling of the new version, milliseconds. @default no latency check */
  readonly maxP95LatencyMs?: number;
  /** Failed measurements that abort the release. @default 2 */
  readonly failureLimit?: number;
  /** Prometheus counter of requests with labels `namespace`, `service`, the status code and `rollouts_pod_template_hash`. @default "http_requests_total" */
  readonly requestsMetric?: string;
  /**
   * Label of requestsMetric holding the HTTP status code, as for Observability's statusCodeLabel
   * (`status` for prometheus-fastapi-instrumentator). A label the series lack would count every
   * request as a success.
   * @default "code"
   */
  readonly statusCodeLabel?: string;
  /** Prometheus histogram of request durations in seconds (same labels). @default "http_request_duration_seconds" */
  readonly latencyMetric?: string;
}

/**
 * A progressive release of a model with Argo Rollouts: a Rollout that takes over the pods of the
 * model's Deployment (`workloadRef`, so the hardened pod template of {@link ServiceWorkload} is the one
 * source), a canary (weighted steps with pauses) or blue-green (preview Service, pre-promotion
 * analysis) strategy, and an AnalysisTemplate on the new version's success rate (and p95 latency)
 * whose failure aborts the release: traffic and pods return to the stable version automatically.
 * The HPA (or KEDA ScaledObject) is pointed at the Rollout.
 */
export class ModelRelease extends Construct {
  public readonly rollout: ApiObject;
  public readonly analysisTemplate: ApiObject;
  public readonly previewService?: k8s.KubeService;
  public readonly strategy: ReleaseStrategy;

  constructor(scope: Construct, id: string, props: ModelReleaseProps & { workloads: WorkloadsStack; workload: ServiceWorkload; selector: Record<string, string>; labels: Record<string, string> }) {
    super(scope, id);
    const w = props.workload;
    this.strategy = props.strategy;
    const weights = props.canaryWeights ?? [10, 25, 50];
    if (props.strategy === 'canary') {
      if (weights.length === 0 || weights.some((x, i) => !Number.isInteger(x) || x < 1 || x > 99 || (i > 0 && x <= weights[i - 1]))) {
        invalid(this, `canaryWeights ${show(weights)} must be increasing whole percentages from 1 to 99.`, 'use e.g. [10, 25, 50] (100% is the promotion itself).');
      }
    }
    const pause = props.stepPauseMinutes ?? 5;
    if (!Number.isInteger(pause) || pause < 1) invalid(this, `stepPauseMinutes ${show(pause)} must be a whole number of at least 1.`, 'use e.g. 5.');
    const minSuccess = props.minSuccessRate ?? 0.99;
    if (!(minSuccess > 0 && minSuccess <= 1)) invalid(this, `minSuccessRate ${show(minSuccess)} is outside (0, 1].`, 'use a ratio such as 0.99.');
    const failureLimit = props.failureLimit ?? 2;
    if (!Number.isInteger(failureLimit) || failureLimit < 0) invalid(this, `failureLimit ${show(failureLimit)} is not a whole number >= 0.`, 'use e.g. 2.');
    if (props.maxP95LatencyMs !== undefined && !(props.maxP95LatencyMs > 0)) invalid(this, `maxP95LatencyMs ${show(props.maxP95LatencyMs)} must be positive.`, 'use e.g. 250.');
    if (!/^https?:\/\/[^\s]+$/.test(props.prometheusAddress)) invalid(this, `prometheusAddress ${show(props.prometheusAddress)} is not an http(s) URL.`, 'use e.g. "http://prometheus.monitoring.svc:9090".');

    const scopeK8s = props.workloads.scopeFor(this);
    const meta = (name: string) => ({ name, namespace: w.namespace, labels: props.labels });
    const templateName = checkName(this, 'k8s-name', `${w.name}-release-health`);
    const requests = props.requestsMetric ?? 'http_requests_total';
    const latency = props.latencyMetric ?? 'http_request_duration_seconds';
    const statusLabel = props.statusCodeLabel ?? 'code';
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(statusLabel)) invalid(this, `statusCodeLabel ${show(statusLabel)} is not a Prometheus label name.`, 'use e.g. "code" or "status".');
    const sel = `namespace="${w.namespace}",service="${w.name}",rollouts_pod_template_hash="{{args.new-hash}}"`;
    const metrics: Record<string, unknown>[] = [{
      name: 'success-rate',
      interval: '1m',
      count: pause,
      failureLimit,
      // No series (no traffic yet, or the label missing) is neither: Argo reports it inconclusive and pauses.
      successCondition: `len(result) > 0 && result[0] >= ${minSuccess}`,
      failureCondition: `len(result) > 0 && result[0] < ${minSuccess}`,
      provider: { prometheus: { address: props.prometheusAddress, query: `sum(rate(${requests}{${sel},${statusLabel}!~"5.."}[2m])) / sum(rate(${requests}{${sel}}[2m]))` } },
    }];
    if (props.maxP95LatencyMs !== undefined) {
      metrics.push({
        name: 'p95-latency',
        interval: '1m',
        count: pause,
        failureLimit,
        successCondition: `len(result) > 0 && result[0] <= ${props.maxP95LatencyMs / 1000}`,
        failureCondition: `len(result) > 0 && result[0] > ${props.maxP95LatencyMs / 1000}`,
        provider: { prometheus: { address: props.prometheusAddress, query: `histogram_quantile(0.95, sum by (le) (rate(${latency}_bucket{${sel}}[2m])))` } },
      });
    }
    this.analysisTemplate = new ApiObject(scopeK8s, 'analysis-template', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: meta(templateName),
      spec: { args: [{ name: 'new-hash' }], metrics },
    });
    const analysis = { templates: [{ templateName }], args: [{ name: 'new-hash', valueFrom: { podTemplateHashValue: 'Latest' } }] };

    let strategy: Record<string, unknown>;
    if (props.strategy === 'canary') {
      strategy = {
        canary: {
          maxUnavailable: 0,
          maxSurge: 1,
          analysis: { ...analysis, startingStep: 1 },
          steps: weights.flatMap((weight) => [{ setWeight: weight }, { pause: { duration: `${pause}m` } }]),
        },
      };
    } else {
      const previewName = checkName(this, 'k8s-name', `${w.name}-preview`);
      this.previewService = new k8s.KubeService(scopeK8s, 'preview-service', {
        metadata: meta(previewName),
        spec: { type: 'ClusterIP', selector: props.selector, ports: [{ name: 'http', port: w.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }] },
      });
      strategy = {
        blueGreen: {
          activeService: w.name,
          previewService: previewName,
          autoPromotionEnabled: true,
          prePromotionAnalysis: analysis,
          postPromotionAnalysis: analysis,
          scaleDownDelaySeconds: 300,
          abortScaleDownDelaySeconds: 30,
        },
      };
    }
    this.rollout = new ApiObject(scopeK8s, 'rollout', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: meta(w.name),
      spec: {
        revisionHistoryLimit: 5,
        selector: { matchLabels: props.selector },
        workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: w.name, scaleDown: 'progressively' },
        strategy,
      },
    });
    const target = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: w.name };
    w.autoscaler?.addJsonPatch(JsonPatch.replace('/spec/scaleTargetRef', target));
  }
}
