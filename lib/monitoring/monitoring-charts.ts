import { Construct } from 'constructs';
import { ITerraformDependable } from 'cdktf';
import { invalid, show } from '../core/errors';
import { MlopsStack } from '../core/mlops-stack';
import { HelmAddon, IAddonCluster, systemPodValues } from '../compute/helm-addon';
import { GPU_TAINT, IGpuPool, NODE_LABELS, tolerationsFor } from '../compute/gpu';

/** Namespace of Prometheus, its operator and the DCGM exporter. */
export const MONITORING_NAMESPACE = 'monitoring';

/** Props of {@link KubePrometheusStack}. */
export interface KubePrometheusStackProps {
  readonly cluster: IAddonCluster;
  /**
   * Days Prometheus keeps samples.
   * @default 15
   */
  readonly retentionDays?: number;
  /**
   * SNS topic Alertmanager sends every firing and resolved alert to (SigV4 with its own identity).
   * @default none: Alertmanager is not installed
   */
  readonly alertTopicArn?: string;
}

/** Service account of Alertmanager (set explicitly: short enough for the IAM role name). */
export const ALERTMANAGER_SERVICE_ACCOUNT = 'alertmanager';

/**
 * kube-prometheus-stack: the prometheus-operator (and its CRDs), Prometheus, kube-state-metrics and
 * node-exporter, on the system nodes. Prometheus selects every ServiceMonitor and PrometheusRule of
 * the cluster (not only the chart's own), so Observability's objects are picked up without a
 * release label. Grafana is off (dashboards live in CloudWatch); Alertmanager (with an alert topic)
 * publishes to SNS. The scrape jobs and alerts of what EKS does not expose (controller-manager,
 * scheduler, etcd, kube-proxy: {@link EKS_ABSENT_COMPONENTS}) are off, so they cannot page forever.
 */
export class KubePrometheusStack extends HelmAddon {
  /** In-cluster URL of Prometheus (the chart's `<release>-prometheus` Service). */
  public readonly url: string;
  private readonly retentionDays: number;
  private readonly alertTopicArn?: string;

  constructor(scope: Construct, id: string, props: KubePrometheusStackProps) {
    super(scope, id, {
      cluster: props.cluster,
      chart: 'kube-prometheus-stack',
      namespace: MONITORING_NAMESPACE,
      timeoutSeconds: 900,
      serviceAccountName: props.alertTopicArn ? ALERTMANAGER_SERVICE_ACCOUNT : undefined,
      description: 'Alertmanager: publishes Prometheus alerts to the alert topic',
    });
    this.alertTopicArn = props.alertTopicArn;
    this.retentionDays = props.retentionDays ?? 15;
    if (!Number.isInteger(this.retentionDays) || this.retentionDays < 1) {
      invalid(this, `retentionDays ${show(this.retentionDays)} must be a whole number of at least 1.`, 'keep Prometheus samples for 1 day or more, e.g. 15.');
    }
    this.url = `http://kube-prometheus-stack-prometheus.${this.namespace}.svc.cluster.local:9090`;
  }

  protected values(): Record<string, unknown> {
    const pod = systemPodValues();
    return {
      crds: { enabled: true },
      grafana: { enabled: false },
      alertmanager: this.alertmanagerValues(pod.nodeSelector as Record<string, string>),
      prometheusOperator: { nodeSelector: pod.nodeSelector },
      'kube-state-metrics': { nodeSelector: pod.nodeSelector },
      ...eksControlPlaneValues(),
      prometheus: {
        prometheusSpec: {
          nodeSelector: pod.nodeSelector,
          retention: `${this.retentionDays}d`,
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
        },
      },
    };
  }

  /** Alertmanager routes every alert to the SNS alert topic (the always-firing Watchdog to nowhere). */
  protected alertmanagerValues(nodeSelector: Record<string, string>): Record<string, unknown> {
    if (!this.alertTopicArn) return { enabled: false };
    const stack = MlopsStack.of(this);
    return {
      enabled: true,
      serviceAccount: { create: true, name: ALERTMANAGER_SERVICE_ACCOUNT },
      alertmanagerSpec: {
        replicas: 2,
        nodeSelector,
        securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
      },
      config: {
        route: {
          receiver: 'alert-topic',
          group_by: ['alertname', 'namespace', 'service'],
          routes: [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }],
        },
        receivers: [
          { name: 'null' },
          { name: 'alert-topic', sns_configs: [{ topic_arn: this.alertTopicArn, sigv4: { region: stack.region }, send_resolved: true, subject: '{{ .CommonLabels.alertname }} ({{ .Status }})' }] },
        ],
      },
    };
  }
}

/**
 * Components kube-prometheus-stack scrapes by default that an EKS cluster does not expose, so their
 * targets would be absent (`absent(up{job=...})` alerts: KubeControllerManagerDown, KubeSchedulerDown)
 * or refused (kube-proxy binds its metrics to 127.0.0.1:10249 in the EKS add-on's kube-proxy-config,
 * so its target is down: TargetDown) and page the alert topic forever:
 * - the control plane (controller-manager, scheduler, etcd) is run by AWS and not reachable from pods;
 * - the platform keeps the `kube-proxy` add-on's default metrics address (loopback) rather than
 *   exposing kube-proxy metrics on the node network.
 * Their scrape jobs, Services and default rule groups are all disabled (the rule templates also
 * test `<component>.enabled`; the `defaultRules.rules` switches are set too so a later chart that
 * stops doing so does not bring the alerts back).
 */
export const EKS_ABSENT_COMPONENTS = ['kubeControllerManager', 'kubeScheduler', 'kubeEtcd', 'kubeProxy'] as const;

/** kube-prometheus-stack values that turn off what EKS does not expose ({@link EKS_ABSENT_COMPONENTS}). */
export function eksControlPlaneValues(): Record<string, unknown> {
  return {
    ...Object.fromEntries(EKS_ABSENT_COMPONENTS.map((c) => [c, { enabled: false }])),
    defaultRules: {
      rules: { etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false },
    },
  };
}

/** Props of {@link DcgmExporter}. */
export interface DcgmExporterProps {
  readonly cluster: IAddonCluster;
  /** The GPU pools (read at synth), whose tolerations the DaemonSet gets. */
  readonly gpuPools: () => readonly IGpuPool[];
  /** What the release waits for (the Prometheus release, whose CRDs its ServiceMonitor needs). @default the system nodes only */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * NVIDIA DCGM exporter (official chart): GPU utilisation and memory per pod, on GPU nodes only
 * (node selector `mlops.cdktf.io/accelerator=nvidia`, the tolerations of every GPU pool), scraped by
 * Prometheus through the chart's ServiceMonitor with the pods' own `namespace`/`pod` labels kept.
 */
export class DcgmExporter extends HelmAddon {
  private readonly gpuPools: () => readonly IGpuPool[];

  constructor(scope: Construct, id: string, props: DcgmExporterProps) {
    super(scope, id, { cluster: props.cluster, chart: 'dcgm-exporter', namespace: MONITORING_NAMESPACE, dependsOn: props.dependsOn, timeoutSeconds: 900 });
    this.gpuPools = props.gpuPools;
  }

  protected values(): Record<string, unknown> {
    return {
      nodeSelector: { [NODE_LABELS.accelerator]: 'nvidia' },
      tolerations: dcgmTolerations(this.gpuPools()),
      serviceMonitor: { enabled: true, honorLabels: true, interval: '30s' },
    };
  }
}

/** The tolerations of every GPU pool, deduplicated (the GPU taint when there is no pool yet). */
export function dcgmTolerations(pools: readonly IGpuPool[]): unknown[] {
  const all = pools.length > 0 ? pools.flatMap((p) => p.tolerations) : tolerationsFor([GPU_TAINT]);
  const seen = new Set<string>();
  return all.filter((t) => {
    const k = JSON.stringify(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Props of {@link PrometheusAdapter}. */
export interface PrometheusAdapterProps {
  readonly cluster: IAddonCluster;
  /** In-cluster URL of Prometheus, e.g. KubePrometheusStack.url. */
  readonly prometheusUrl: string;
  /** What the release waits for (the Prometheus release). @default the system nodes only */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * prometheus-adapter (official chart): serves Prometheus request counters as Kubernetes custom
 * metrics, so a ModelService HPA can scale on `http_requests_per_second` (the per-pod rate of
 * `http_requests_total` over two minutes) besides CPU.
 */
export class PrometheusAdapter extends HelmAddon {
  private readonly prometheusUrl: string;

  constructor(scope: Construct, id: string, props: PrometheusAdapterProps) {
    super(scope, id, { cluster: props.cluster, chart: 'prometheus-adapter', namespace: MONITORING_NAMESPACE, dependsOn: props.dependsOn });
    this.prometheusUrl = props.prometheusUrl;
  }

  protected values(): Record<string, unknown> {
    const m = /^(https?:\/\/[^:/]+):(\d+)$/.exec(this.prometheusUrl);
    return {
      nodeSelector: systemPodValues().nodeSelector,
      replicas: 2,
      prometheus: { url: m ? m[1] : this.prometheusUrl, port: m ? Number(m[2]) : 9090 },
      rules: {
        default: false,
        custom: [{
          seriesQuery: 'http_requests_total{namespace!="",pod!=""}',
          resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
          name: { matches: '^(.*)_total$', as: '${1}_per_second' },
          metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)',
        }],
      },
    };
  }
}
