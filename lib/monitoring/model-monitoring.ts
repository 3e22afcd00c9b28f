import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { MlopsStack } from '../core/mlops-stack';
import { WorkloadsStack } from '../core/workloads-stack';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import { IMonitoredService } from './monitored-service';
import { MONITORING_NAMESPACE } from './monitoring-charts';

/** Prometheus metric names the model exposes on its metrics endpoint. */
export interface PrometheusMetricNames {
  /** Request latency histogram in seconds (without `_bucket`). @default "http_request_duration_seconds" */
  readonly latencyHistogram?: string;
  /** Request counter with a status-code label. @default "http_requests_total" */
  readonly requestsTotal?: string;
  /** Label of `requestsTotal` that holds the HTTP status code. @default "code" */
  readonly statusCodeLabel?: string;
}

/**
 * CloudWatch metrics the model publishes as EMF to the CloudWatch agent
 * (`tcp://cloudwatch-agent.amazon-cloudwatch.svc.cluster.local:25888`), in the Observability's
 * model namespace with the dimensions `ClusterName`, `Namespace`, `Service`.
 */
export interface CloudWatchMetricNames {
  /** Request latency in seconds, one value per request. @default "RequestLatency" */
  readonly latency?: string;
  /** Requests (count). @default "RequestCount" */
  readonly requests?: string;
  /** Responses with a 5xx status (count). @default "Http5xxCount" */
  readonly errors?: string;
}

/** A business KPI the dashboard shows, from any CloudWatch metric. */
export interface Kpi {
  /** Widget title. */
  readonly title: string;
  /** CloudWatch namespace, e.g. `Acme/Checkout`. */
  readonly namespace: string;
  /** Metric name, e.g. `ConversionRate`. */
  readonly metric: string;
  /** Dimensions of the metric. @default none */
  readonly dimensions?: Record<string, string>;
  /** `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount` or a percentile `p0`-`p100`. @default "Average" */
  readonly stat?: string;
}

/** Options of {@link Observability.monitorService} (thresholds, metric names, KPIs). */
export interface ModelMonitoringOptions {
  /** p95 latency (seconds) above which an alert fires. @default 0.5 */
  readonly latencyP95Seconds?: number;
  /** p99 latency (seconds) above which an alert fires; at least latencyP95Seconds. @default 1 */
  readonly latencyP99Seconds?: number;
  /** Share of 5xx responses, in (0, 1], above which an alert fires. @default 0.01 */
  readonly errorRate?: number;
  /** CPU use over the pods' limit (percent, 1-100) above which an alert fires. @default 80 */
  readonly cpuUtilizationPercent?: number;
  /** Memory use over the pods' limit (percent, 1-100) above which an alert fires. @default 85 */
  readonly memoryUtilizationPercent?: number;
  /** GPU utilisation (percent, 1-100, DCGM) above which a Prometheus alert fires (GPU models). @default 95 */
  readonly gpuUtilizationPercent?: number;
  /** GPU framebuffer memory in use (fraction, (0, 1], DCGM) above which a Prometheus alert fires (GPU models). @default 0.9 */
  readonly gpuMemoryUtilization?: number;
  /** Consecutive one-minute periods over the threshold before an alarm fires (1-60). @default 5 */
  readonly evaluationPeriods?: number;
  /** Prometheus metric names. @default see PrometheusMetricNames */
  readonly prometheusMetrics?: PrometheusMetricNames;
  /** CloudWatch (EMF) metric names. @default see CloudWatchMetricNames */
  readonly cloudWatchMetrics?: CloudWatchMetricNames;
  /** Business KPI widgets of the dashboard. @default none */
  readonly kpis?: Kpi[];
}

/** What ModelMonitoring needs of its Observability. */
export interface ModelMonitoringContext {
  readonly clusterName: string;
  readonly workloads: WorkloadsStack;
  /** ARN of the SNS topic every alarm notifies (alarm and OK). */
  readonly alertTopicArn: string;
  /** CloudWatch namespace of the models' EMF metrics. */
  readonly modelMetricsNamespace: string;
}

/** Props of {@link ModelMonitoring}. */
export interface ModelMonitoringProps extends ModelMonitoringOptions {
  readonly service: IMonitoredService;
  readonly context: ModelMonitoringContext;
}

const STAT = /^(Average|Sum|Minimum|Maximum|SampleCount|p(\d{1,2}(\.\d+)?|100))$/;
const PROM_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const PERIOD = 60;
/** Namespace and EMF port of the CloudWatch agent (amazon-cloudwatch-observability add-on). */
export const CLOUDWATCH_NAMESPACE = 'amazon-cloudwatch';
export const EMF_PORT = 25888;
/** CloudWatch namespace characters (PutMetricData reference). */
const CW_NAMESPACE = /^(?!:)(?=.*\S)[0-9A-Za-z.\-_/#: ]{1,255}$/;

/**
 * The monitoring of one model service: a ServiceMonitor and a NetworkPolicy that lets Prometheus
 * scrape it, a PrometheusRule (p95/p99 latency, 5xx rate, CPU/memory saturation, and GPU
 * utilisation/memory from DCGM for GPU models), CloudWatch alarms (p95/p99 latency, 5xx rate,
 * CPU and memory over the pod limit) each notifying the alert topic on ALARM and OK, and a
 * CloudWatch dashboard with infrastructure, model and KPI widgets. Created by
 * `Observability.monitorService`; names derive from the model name, so adding a model renames nothing.
 */
export class ModelMonitoring extends Construct {
  public readonly serviceMonitor: ApiObject;
  public readonly scrapePolicy: ApiObject;
  /** Lets the model's pods send EMF to the CloudWatch agent (TCP 25888 in amazon-cloudwatch). */
  public readonly emfPolicy: ApiObject;
  public readonly rule: ApiObject;
  /** The alarms by kind: `latency_p95`, `latency_p99`, `error_rate`, `cpu_saturation`, `memory_saturation`. */
  public readonly alarms: Record<string, CloudwatchMetricAlarm> = {};
  public readonly dashboard: CloudwatchDashboard;
  protected readonly service: IMonitoredService;
  protected readonly context: ModelMonitoringContext;
  protected readonly thresholds: Required<Omit<ModelMonitoringOptions, 'prometheusMetrics' | 'cloudWatchMetrics' | 'kpis'>>;
  protected readonly prom: Required<PrometheusMetricNames>;
  protected readonly cw: Required<CloudWatchMetricNames>;
  protected readonly kpis: Kpi[];

  constructor(scope: Construct, id: string, props: ModelMonitoringProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    this.service = props.service;
    this.context = props.context;
    const svc = props.service;
    checkName(this, 'k8s-name', svc.modelName);
    checkName(this, 'k8s-name', svc.serviceName);
    checkName(this, 'k8s-namespace', svc.namespace);
    if (!Number.isInteger(svc.port) || svc.port < 1 || svc.port > 65535) invalid(this, `port ${show(svc.port)} is not a TCP port.`, 'use a whole number from 1 to 65535.');
    const metricsPath = svc.metricsPath ?? '/metrics';
    if (!metricsPath.startsWith('/')) invalid(this, `metricsPath ${show(metricsPath)} does not start with "/".`, 'use an absolute HTTP path such as "/metrics".');
    if (Object.keys(svc.labels).length === 0) invalid(this, 'labels of the service are empty, so the ServiceMonitor would select every Service.', 'pass the labels that select the model\'s Service and pods.');

    this.thresholds = {
      latencyP95Seconds: props.latencyP95Seconds ?? 0.5,
      latencyP99Seconds: props.latencyP99Seconds ?? Math.max(1, props.latencyP95Seconds ?? 0),
      errorRate: props.errorRate ?? 0.01,
      cpuUtilizationPercent: props.cpuUtilizationPercent ?? 80,
      memoryUtilizationPercent: props.memoryUtilizationPercent ?? 85,
      gpuUtilizationPercent: props.gpuUtilizationPercent ?? 95,
      gpuMemoryUtilization: props.gpuMemoryUtilization ?? 0.9,
      evaluationPeriods: props.evaluationPeriods ?? 5,
    };
    this.checkThresholds();
    this.prom = {
      latencyHistogram: props.prometheusMetrics?.latencyHistogram ?? 'http_request_duration_seconds',
      requestsTotal: props.prometheusMetrics?.requestsTotal ?? 'http_requests_total',
      statusCodeLabel: props.prometheusMetrics?.statusCodeLabel ?? 'code',
    };
    for (const [k, v] of Object.entries(this.prom)) {
      if (!PROM_NAME.test(v)) invalid(this, `prometheusMetrics.${k} ${show(v)} is not a Prometheus metric or label name.`, 'use letters, digits, underscores and colons, not starting with a digit.');
    }
    this.cw = {
      latency: props.cloudWatchMetrics?.latency ?? 'RequestLatency',
      requests: props.cloudWatchMetrics?.requests ?? 'RequestCount',
      errors: props.cloudWatchMetrics?.errors ?? 'Http5xxCount',
    };
    this.kpis = props.kpis ?? [];
    this.checkKpis();

    const s = props.context.workloads.scopeFor(this);
    const labels = { 'app.kubernetes.io/managed-by': 'cdktf-mlops', 'mlops.cdktf.io/model': svc.modelName };
    this.serviceMonitor = new ApiObject(s, 'service-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: svc.serviceName, namespace: svc.namespace, labels },
      spec: {
        selector: { matchLabels: svc.labels },
        namespaceSelector: { matchNames: [svc.namespace] },
        endpoints: [{ port: svc.portName ?? 'http', path: metricsPath, interval: '30s', scheme: 'http' }],
        // Argo Rollouts' analysis selects the new pods by this label (series label rollouts_pod_template_hash).
        podTargetLabels: ['rollouts-pod-template-hash'],
      },
    });
    // Model namespaces deny ingress by default: admit Prometheus on the metrics port, nothing else.
    this.scrapePolicy = new ApiObject(s, 'scrape-policy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${svc.serviceName}-prometheus-scrape`, namespace: svc.namespace, labels },
      spec: {
        podSelector: { matchLabels: svc.labels },
        policyTypes: ['Ingress'],
        ingress: [{
          from: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          }],
          ports: [{ protocol: 'TCP', port: svc.port }],
        }],
      },
    });
    this.emfPolicy = new ApiObject(s, 'emf-policy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${svc.serviceName}-to-cloudwatch-agent`, namespace: svc.namespace, labels },
      spec: {
        podSelector: { matchLabels: svc.labels },
        policyTypes: ['Egress'],
        egress: [{
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': CLOUDWATCH_NAMESPACE } } }],
          ports: [{ protocol: 'TCP', port: EMF_PORT }],
        }],
      },
    });
    this.rule = new ApiObject(s, 'prometheus-rule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: svc.serviceName, namespace: svc.namespace, labels },
      spec: { groups: [{ name: `${svc.modelName}.rules`, rules: this.prometheusRules() }] },
    });

    for (const [kind, config] of Object.entries(this.alarmConfigs(stack))) {
      this.alarms[kind] = new CloudwatchMetricAlarm(this, `${kind}_alarm`, {
        ...config,
        alarmName: stack.naming.name(this, 'alarm', svc.modelName, kind.replace(/_/g, '-')),
        alarmActions: [props.context.alertTopicArn],
        okActions: [props.context.alertTopicArn],
        actionsEnabled: true,
      });
    }
    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: stack.naming.name(this, 'dashboard', svc.modelName),
      dashboardBody: JSON.stringify({ widgets: layout([...this.infrastructureWidgets(stack), ...this.modelWidgets(stack), ...this.kpiWidgets(stack)]) }),
    });
  }

  /** Label matchers of the model's series in Prometheus (set by the ServiceMonitor). */
  protected selector(extra = ''): string {
    return `{namespace="${this.service.namespace}",service="${this.service.serviceName}"${extra}}`;
  }

  /** The alerting rules; subclasses may add their own. */
  protected prometheusRules(): Array<Record<string, unknown>> {
    const t = this.thresholds;
    const m = this.service.modelName;
    const ns = this.service.namespace;
    // The workload's own pods only (<name>-<replicaset hash>-<suffix>): a bare prefix would also match
    // another workload whose name starts the same (fraud-explainer-…) and CronJob pods (fraud-nightly-…).
    const podRe = `${this.service.serviceName}-[a-z0-9]+-[a-z0-9]+`;
    const hist = `${this.prom.latencyHistogram}_bucket`;
    const quantile = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(${hist}${this.selector()}[5m])))`;
    const forDuration = `${t.evaluationPeriods}m`;
    const alert = (name: string, expr: string, summary: string, severity = 'warning') => ({
      alert: name, expr, for: forDuration,
      labels: { severity, model: m },
      annotations: { summary, description: `${summary} (model ${m} in ${ns}).` },
    });
    const rules = [
      alert('ModelLatencyP95High', `${quantile(0.95)} > ${t.latencyP95Seconds}`, `p95 latency above ${t.latencyP95Seconds}s`),
      alert('ModelLatencyP99High', `${quantile(0.99)} > ${t.latencyP99Seconds}`, `p99 latency above ${t.latencyP99Seconds}s`, 'critical'),
      alert('ModelErrorRateHigh',
        `sum(rate(${this.prom.requestsTotal}${this.selector(`,${this.prom.statusCodeLabel}=~"5.."`)}[5m])) / sum(rate(${this.prom.requestsTotal}${this.selector()}[5m])) > ${t.errorRate}`,
        `5xx error rate above ${t.errorRate * 100}%`, 'critical'),
      alert('ModelCpuSaturation',
        `sum(rate(container_cpu_usage_seconds_total{namespace="${ns}",pod=~"${podRe}",container!=""}[5m])) / sum(kube_pod_container_resource_limits{namespace="${ns}",pod=~"${podRe}",resource="cpu"}) > ${t.cpuUtilizationPercent / 100}`,
        `CPU above ${t.cpuUtilizationPercent}% of the limit`),
      alert('ModelMemorySaturation',
        `sum(container_memory_working_set_bytes{namespace="${ns}",pod=~"${podRe}",container!=""}) / sum(kube_pod_container_resource_limits{namespace="${ns}",pod=~"${podRe}",resource="memory"}) > ${t.memoryUtilizationPercent / 100}`,
        `memory above ${t.memoryUtilizationPercent}% of the limit`),
    ];
    if (this.service.gpu) {
      const dcgm = `{namespace="${ns}",pod=~"${podRe}"}`;
      rules.push(
        alert('ModelGpuUtilizationHigh', `avg(DCGM_FI_DEV_GPU_UTIL${dcgm}) > ${t.gpuUtilizationPercent}`, `GPU utilisation above ${t.gpuUtilizationPercent}%`),
        alert('ModelGpuMemoryHigh', `sum(DCGM_FI_DEV_FB_USED${dcgm}) / (sum(DCGM_FI_DEV_FB_USED${dcgm}) + sum(DCGM_FI_DEV_FB_FREE${dcgm})) > ${t.gpuMemoryUtilization}`,
          `GPU memory above ${t.gpuMemoryUtilization * 100}%`),
      );
    }
    return rules;
  }

  /** Dimensions of the model's EMF metrics and of Container Insights' per-Service metrics. */
  protected serviceDimensions(): Record<string, string> {
    return { ClusterName: this.context.clusterName, Namespace: this.service.namespace, Service: this.service.serviceName };
  }

  /** The CloudWatch alarms by kind (without names and actions, which every alarm gets). */
  protected alarmConfigs(_stack: MlopsStack): Record<string, Omit<CloudwatchMetricAlarmConfig, 'alarmName'>> {
    const t = this.thresholds;
    const dims = this.serviceDimensions();
    const m = this.service.modelName;
    const base = { evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.evaluationPeriods, comparisonOperator: 'GreaterThanThreshold' };
    const model = this.context.modelMetricsNamespace;
    return {
      latency_p95: { ...base, namespace: model, metricName: this.cw.latency, dimensions: dims, period: PERIOD, extendedStatistic: 'p95', threshold: t.latencyP95Seconds,
        treatMissingData: 'notBreaching', alarmDescription: `p95 latency of model ${m} above ${t.latencyP95Seconds}s.` },
      latency_p99: { ...base, namespace: model, metricName: this.cw.latency, dimensions: dims, period: PERIOD, extendedStatistic: 'p99', threshold: t.latencyP99Seconds,
        treatMissingData: 'notBreaching', alarmDescription: `p99 latency of model ${m} above ${t.latencyP99Seconds}s.` },
      error_rate: { ...base, threshold: t.errorRate, treatMissingData: 'notBreaching', alarmDescription: `5xx error rate of model ${m} above ${t.errorRate}.`,
        metricQuery: [
          { id: 'errors', returnData: false, metric: { namespace: model, metricName: this.cw.errors, dimensions: dims, period: PERIOD, stat: 'Sum' } },
          { id: 'requests', returnData: false, metric: { namespace: model, metricName: this.cw.requests, dimensions: dims, period: PERIOD, stat: 'Sum' } },
          { id: 'error_rate', returnData: true, label: '5xx error rate', expression: 'IF(requests > 0, errors / requests, 0)' },
        ] },
      cpu_saturation: { ...base, namespace: 'ContainerInsights', metricName: 'pod_cpu_utilization_over_pod_limit', dimensions: dims, period: PERIOD, statistic: 'Average',
        threshold: t.cpuUtilizationPercent, treatMissingData: 'missing', alarmDescription: `CPU of model ${m} above ${t.cpuUtilizationPercent}% of its limit.` },
      memory_saturation: { ...base, namespace: 'ContainerInsights', metricName: 'pod_memory_utilization_over_pod_limit', dimensions: dims, period: PERIOD, statistic: 'Average',
        threshold: t.memoryUtilizationPercent, treatMissingData: 'missing', alarmDescription: `memory of model ${m} above ${t.memoryUtilizationPercent}% of its limit.` },
    };
  }

  /** Infrastructure widgets: CPU and memory over limit, running pods, restarts (Container Insights). */
  protected infrastructureWidgets(stack: MlopsStack): Widget[] {
    const d = this.serviceDimensions();
    const ci = (metric: string, dims: Record<string, string>, stat = 'Average') => ['ContainerInsights', metric, ...flat(dims), { stat }];
    const podDims = { ClusterName: d.ClusterName, Namespace: d.Namespace, PodName: this.service.serviceName };
    return [
      metricWidget(stack, 'CPU % of limit', [ci('pod_cpu_utilization_over_pod_limit', d)], this.thresholds.cpuUtilizationPercent),
      metricWidget(stack, 'Memory % of limit', [ci('pod_memory_utilization_over_pod_limit', d)], this.thresholds.memoryUtilizationPercent),
      metricWidget(stack, 'Running pods', [ci('service_number_of_running_pods', d)]),
      metricWidget(stack, 'Container restarts', [ci('pod_number_of_container_restarts', podDims, 'Sum')]),
    ];
  }

  /** Model widgets: latency percentiles, requests and 5xx, and GPU use for GPU models. */
  protected modelWidgets(stack: MlopsStack): Widget[] {
    const d = flat(this.serviceDimensions());
    const ns = this.context.modelMetricsNamespace;
    const widgets = [
      metricWidget(stack, 'Latency (s)', ['p50', 'p95', 'p99'].map((p) => [ns, this.cw.latency, ...d, { stat: p, label: p }]), this.thresholds.latencyP95Seconds),
      metricWidget(stack, 'Requests and 5xx', [[ns, this.cw.requests, ...d, { stat: 'Sum' }], [ns, this.cw.errors, ...d, { stat: 'Sum' }]]),
    ];
    if (this.service.gpu) {
      const podDims = flat({ ClusterName: this.context.clusterName, Namespace: this.service.namespace, PodName: this.service.serviceName });
      widgets.push(metricWidget(stack, 'GPU utilisation %', [['ContainerInsights', 'pod_gpu_utilization', ...podDims, { stat: 'Average' }], ['ContainerInsights', 'pod_gpu_memory_utilization', ...podDims, { stat: 'Average' }]]));
    }
    return widgets;
  }

  /** The user's KPI widgets. */
  protected kpiWidgets(stack: MlopsStack): Widget[] {
    return this.kpis.map((k) => metricWidget(stack, k.title, [[k.namespace, k.metric, ...flat(k.dimensions ?? {}), { stat: k.stat ?? 'Average' }]]));
  }

  private checkThresholds(): void {
    const t = this.thresholds;
    const positive = (name: string, v: number, fix: string) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) invalid(this, `${name} ${show(v)} must be greater than 0.`, fix);
    };
    positive('latencyP95Seconds', t.latencyP95Seconds, 'use a latency in seconds such as 0.5.');
    positive('latencyP99Seconds', t.latencyP99Seconds, 'use a latency in seconds such as 1.');
    if (t.latencyP99Seconds < t.latencyP95Seconds) {
      invalid(this, `latencyP99Seconds ${show(t.latencyP99Seconds)} is below latencyP95Seconds ${show(t.latencyP95Seconds)}.`, 'set the p99 threshold at least as high as the p95 threshold.');
    }
    const fraction = (name: string, v: number, fix: string) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1) invalid(this, `${name} ${show(v)} is outside (0, 1].`, fix);
    };
    fraction('errorRate', t.errorRate, 'use a share of requests such as 0.01 (1%).');
    fraction('gpuMemoryUtilization', t.gpuMemoryUtilization, 'use a share of GPU memory such as 0.9.');
    const percent = (name: string, v: number) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 100) invalid(this, `${name} ${show(v)} is outside 1-100.`, 'use a percentage such as 80.');
    };
    percent('cpuUtilizationPercent', t.cpuUtilizationPercent);
    percent('memoryUtilizationPercent', t.memoryUtilizationPercent);
    percent('gpuUtilizationPercent', t.gpuUtilizationPercent);
    if (!Number.isInteger(t.evaluationPeriods) || t.evaluationPeriods < 1 || t.evaluationPeriods > 60) {
      invalid(this, `evaluationPeriods ${show(t.evaluationPeriods)} is not a whole number from 1 to 60.`, 'use a number of one-minute periods such as 5.');
    }
  }

  private checkKpis(): void {
    const titles = new Set<string>();
    for (const k of this.kpis) {
      if (!k.title || k.title.trim() === '') invalid(this, `a KPI of metric ${show(k.metric)} has an empty title.`, 'give every KPI a title.');
      if (titles.has(k.title)) invalid(this, `KPI title ${show(k.title)} is used twice.`, 'give every KPI a distinct title.');
      titles.add(k.title);
      if (!CW_NAMESPACE.test(k.namespace ?? '')) {
        invalid(this, `KPI ${show(k.title)} has namespace ${show(k.namespace)}, which is not a CloudWatch namespace.`, 'use a namespace such as "Acme/Checkout".');
      }
      if (!k.metric) invalid(this, `KPI ${show(k.title)} has no metric name.`, 'name the CloudWatch metric, e.g. "ConversionRate".');
      const stat = k.stat ?? 'Average';
      if (!STAT.test(stat)) invalid(this, `KPI ${show(k.title)} has stat ${show(stat)}, which CloudWatch does not know.`, 'use Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p90.');
    }
  }
}

/** One dashboard widget (CloudWatch dashboard body syntax). */
export interface Widget {
  readonly type: 'metric';
  readonly width: number;
  readonly height: number;
  readonly x?: number;
  readonly y?: number;
  readonly properties: Record<string, unknown>;
}

function metricWidget(stack: MlopsStack, title: string, metrics: unknown[][], threshold?: number): Widget {
  return {
    type: 'metric', width: 12, height: 6,
    properties: {
      title, region: stack.region, view: 'timeSeries', stacked: false, period: PERIOD, metrics,
      ...(threshold !== undefined ? { annotations: { horizontal: [{ label: 'alarm threshold', value: threshold }] } } : {}),
    },
  };
}

/** Two widgets a row, in order. */
function layout(widgets: Widget[]): Widget[] {
  return widgets.map((w, i) => ({ ...w, x: (i % 2) * 12, y: Math.floor(i / 2) * 6 }));
}

function flat(dims: Record<string, string>): string[] {
  return Object.entries(dims).flatMap(([k, v]) => [k, v]);
}
