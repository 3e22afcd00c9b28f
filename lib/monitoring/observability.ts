import { Construct } from 'constructs';
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon';
import { snake } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { WorkloadIdentity, IWorkloadCluster } from '../security/workload-identity';
import { IAddonCluster } from '../compute/helm-addon';
import { IGpuPool } from '../compute/gpu';
import { AlertTopic } from './alert-topic';
import { IMonitoredService } from './monitored-service';
import { IGrantable } from '../security/principal';
import { DcgmExporter, KubePrometheusStack, PrometheusAdapter } from './monitoring-charts';
import { CLOUDWATCH_NAMESPACE, EMF_PORT, ModelMonitoring, ModelMonitoringOptions, ModelMonitoringProps } from './model-monitoring';

/** What Observability needs of its cluster (MlCluster implements it). */
export interface IObservedCluster extends IAddonCluster, IWorkloadCluster {
  /** The GPU pools (the DCGM exporter runs on them). */
  readonly gpuPools: readonly IGpuPool[];
}

/** The alert topic every alarm notifies (AlertTopic implements it). */
export interface IAlertTopic {
  readonly topicArn: string;
  /** Lets a workload publish (Alertmanager). */
  grantPublish(principal: IGrantable): void;
}

/** The Container Insights log groups the CloudWatch agent writes to. */
export const CONTAINER_INSIGHTS_LOG_GROUPS = ['application', 'dataplane', 'host', 'performance'] as const;

/** Props of {@link Observability}. */
export interface ObservabilityProps {
  readonly cluster: IObservedCluster;
  /**
   * The topic every alarm notifies on ALARM and OK.
   * @default a new AlertTopic `alert_topic` (KMS, TLS-only) with `alertEmails` and `alertHttpsEndpoints`
   */
  readonly alertTopic?: IAlertTopic;
  /** E-mail subscriptions of the topic Observability creates (ignored with `alertTopic`). @default none */
  readonly alertEmails?: string[];
  /** HTTPS subscriptions of the topic Observability creates (ignored with `alertTopic`). @default none */
  readonly alertHttpsEndpoints?: string[];
  /**
   * Install the `amazon-cloudwatch-observability` EKS add-on (Container Insights with enhanced
   * observability, container logs, the EMF listener on 25888).
   * @default true
   */
  readonly containerInsights?: boolean;
  /**
   * Version of the `amazon-cloudwatch-observability` add-on, e.g. `v4.1.0-eksbuild.1`.
   * @default the version EKS marks as default for the cluster's Kubernetes version
   */
  readonly addonVersion?: string;
  /** Retention of the Container Insights log groups (days, at least the profile's minimum). @default the profile's logRetentionDays */
  readonly logRetentionDays?: number;
  /** Install kube-prometheus-stack (prometheus-operator and its CRDs, Prometheus). @default true */
  readonly prometheus?: boolean;
  /** Days Prometheus keeps samples. @default 15 */
  readonly prometheusRetentionDays?: number;
  /** Install the NVIDIA DCGM exporter on the GPU nodes (needs `prometheus`). @default true */
  readonly gpuMetrics?: boolean;
  /** CloudWatch namespace of the models' EMF metrics. @default "MLOps/Models" */
  readonly modelMetricsNamespace?: string;
}

/**
 * Observability of the platform: Container Insights through the `amazon-cloudwatch-observability`
 * EKS add-on (its agent runs as `cloudwatch-agent` in `amazon-cloudwatch` with a Pod Identity role
 * holding CloudWatchAgentServerPolicy, collects enhanced Container Insights and container logs, and
 * listens for EMF on 25888 behind the `cloudwatch-agent.amazon-cloudwatch` Service); the Container
 * Insights log groups pre-created with the logs key and the profile's retention (so the agent never
 * creates unencrypted, never-expiring ones); kube-prometheus-stack and the DCGM exporter on the GPU
 * nodes; an alert topic. `monitorService()` adds a model's ServiceMonitor, rules, alarms and dashboard.
 */
export class Observability extends Construct {
  public readonly alertTopic: IAlertTopic;
  /** The Container Insights log groups by name (`application`, `dataplane`, `host`, `performance`). */
  public readonly logGroups: Record<string, EncryptedLogGroup> = {};
  public readonly agentIdentity?: WorkloadIdentity;
  public readonly addon?: EksAddon;
  public readonly prometheus?: KubePrometheusStack;
  public readonly dcgmExporter?: DcgmExporter;
  /** Serves request rates as custom metrics for model HPAs (with Prometheus). */
  public readonly prometheusAdapter?: PrometheusAdapter;
  /** The monitoring of each model, by model name. */
  public readonly models: Record<string, ModelMonitoring> = {};
  public readonly modelMetricsNamespace: string;
  /** In-cluster URL of Prometheus (e.g. for KEDA's prometheus trigger), when installed. */
  public readonly prometheusUrl?: string;
  /** Where workloads send EMF. */
  public readonly emfEndpoint = `tcp://cloudwatch-agent.${CLOUDWATCH_NAMESPACE}.svc.cluster.local:${EMF_PORT}`;
  protected readonly cluster: IObservedCluster;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.cluster = props.cluster;
    this.modelMetricsNamespace = props.modelMetricsNamespace ?? 'MLOps/Models';
    if (!/^(?!AWS\/)(?!:)[0-9A-Za-z.\-_/#:]{1,255}$/.test(this.modelMetricsNamespace)) {
      invalid(this, `modelMetricsNamespace ${show(this.modelMetricsNamespace)} is not a namespace models can publish to.`,
        'use letters, digits and .-_/#:, not starting with "AWS/", e.g. "MLOps/Models".');
    }
    const prometheus = props.prometheus ?? true;
    if ((props.gpuMetrics ?? false) && !prometheus) {
      invalid(this, 'gpuMetrics is true but prometheus is false: the DCGM exporter is scraped by Prometheus.', 'enable prometheus or set gpuMetrics to false.');
    }
    this.alertTopic = props.alertTopic ?? new AlertTopic(this, 'alert_topic', { emails: props.alertEmails, httpsEndpoints: props.alertHttpsEndpoints });

    if (props.containerInsights ?? true) {
      for (const kind of CONTAINER_INSIGHTS_LOG_GROUPS) {
        this.logGroups[kind] = new EncryptedLogGroup(this, `container_insights_${kind}`, {
          name: `/aws/containerinsights/${props.cluster.clusterName}/${kind}`,
          retentionDays: props.logRetentionDays,
          retentionDaysProp: 'logRetentionDays',
        });
      }
      this.agentIdentity = new WorkloadIdentity(this, 'cloudwatch_agent_identity', {
        cluster: props.cluster,
        namespace: CLOUDWATCH_NAMESPACE,
        serviceAccountName: 'cloudwatch-agent',
        description: 'CloudWatch agent (Container Insights, EMF)',
        managedPolicies: ['CloudWatchAgentServerPolicy'],
        createAssociation: false,
      });
      this.addon = new EksAddon(this, 'cloudwatch_observability_addon', {
        clusterName: props.cluster.clusterNameRef ?? props.cluster.clusterName,
        addonName: 'amazon-cloudwatch-observability',
        addonVersion: props.addonVersion,
        configurationValues: JSON.stringify(this.addonConfiguration()),
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'PRESERVE',
        podIdentityAssociation: [{ roleArn: this.agentIdentity.roleArn, serviceAccount: 'cloudwatch-agent' }],
        dependsOn: [...props.cluster.addonDependencies, ...Object.values(this.logGroups).map((g) => g.logGroup)],
      });
    }
    if (prometheus) {
      this.prometheus = new KubePrometheusStack(this, 'kube_prometheus_stack', {
        cluster: props.cluster,
        retentionDays: props.prometheusRetentionDays,
        alertTopicArn: this.alertTopic.topicArn,
      });
      // Prometheus alerts (model latency, errors, saturation, GPUs, cluster health) reach the alert topic through Alertmanager.
      this.alertTopic.grantPublish(this.prometheus.identity!);
      this.prometheusUrl = this.prometheus.url;
      this.prometheusAdapter = new PrometheusAdapter(this, 'prometheus_adapter', { cluster: props.cluster, prometheusUrl: this.prometheus.url, dependsOn: [this.prometheus.release] });
      if (props.gpuMetrics ?? true) {
        this.dcgmExporter = new DcgmExporter(this, 'dcgm_exporter', { cluster: props.cluster, gpuPools: () => props.cluster.gpuPools, dependsOn: [this.prometheus.release] });
      }
    }
  }

  /**
   * Monitors a model service: ServiceMonitor, scrape and EMF NetworkPolicies, PrometheusRule,
   * CloudWatch alarms to the alert topic and a dashboard. Construct ids and names derive from the
   * model name, so adding a model renames nothing.
   */
  public monitorService(service: IMonitoredService, opts: ModelMonitoringOptions = {}): ModelMonitoring {
    if (!this.prometheus) {
      invalid(this, `monitorService(${show(service.modelName)}) needs Prometheus for its ServiceMonitor and PrometheusRule, but prometheus is false.`, 'enable prometheus on the Observability.');
    }
    if (this.models[service.modelName]) {
      invalid(this, `model ${show(service.modelName)} is already monitored.`, 'call monitorService once per model.');
    }
    const m = this.createModelMonitoring(snake(service.modelName), {
      ...opts,
      service,
      context: {
        clusterName: this.cluster.clusterName,
        workloads: this.cluster.workloads,
        alertTopicArn: this.alertTopic.topicArn,
        modelMetricsNamespace: this.modelMetricsNamespace,
      },
    });
    this.models[service.modelName] = m;
    return m;
  }

  /** Creates the monitoring of one model; override to use a ModelMonitoring subclass. */
  protected createModelMonitoring(id: string, props: ModelMonitoringProps): ModelMonitoring {
    return new ModelMonitoring(this, id, props);
  }

  /**
   * Configuration of the `amazon-cloudwatch-observability` add-on: enhanced Container Insights,
   * container logs (Fluent Bit) and the EMF listener. Override to add e.g. application signals.
   */
  protected addonConfiguration(): Record<string, unknown> {
    return {
      agent: {
        config: {
          logs: {
            metrics_collected: {
              kubernetes: { enhanced_container_insights: true },
              emf: {},
            },
          },
        },
      },
      containerLogs: { enabled: true },
    };
  }
}
