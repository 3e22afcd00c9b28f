import { ServiceWorkload } from '../core/service-workload';

/**
 * What Observability needs to know of a service it monitors. ModelService implements it; any
 * ServiceWorkload can be adapted in a few lines.
 */
export interface IMonitoredService {
  /** Model name: names the alarms, rules and dashboard (lower-case letters, digits, hyphens). */
  readonly modelName: string;
  /** Kubernetes namespace of the Service. */
  readonly namespace: string;
  /** Name of the Kubernetes Service (and the Deployment behind it). */
  readonly serviceName: string;
  /** Port number of the Service. */
  readonly port: number;
  /** Name of the Service port Prometheus scrapes. @default "http" */
  readonly portName?: string;
  /** HTTP path of the metrics endpoint. @default "/metrics" */
  readonly metricsPath?: string;
  /** Labels that select the Service (the ServiceMonitor selector) and its pods (the scrape NetworkPolicy). */
  readonly labels: Record<string, string>;
  /** Whether the model runs on GPUs (adds DCGM rules and GPU widgets). */
  readonly gpu: boolean;
}

/** Options of {@link monitoredWorkload}. */
export interface MonitoredWorkloadOptions {
  /** Model name. @default the workload's name */
  readonly modelName?: string;
  /** Whether the model runs on GPUs. @default false */
  readonly gpu?: boolean;
  /** HTTP path of the metrics endpoint. @default "/metrics" */
  readonly metricsPath?: string;
}

/**
 * A ServiceWorkload seen as a monitored service: its Service name, namespace, `http` port and the
 * Service's own selector labels (which its Service and pods carry).
 */
export function monitoredWorkload(workload: ServiceWorkload, opts: MonitoredWorkloadOptions = {}): IMonitoredService {
  const selector = (workload.service.toJson() as { spec?: { selector?: Record<string, string> } }).spec?.selector ?? {};
  return {
    modelName: opts.modelName ?? workload.name,
    namespace: workload.namespace,
    serviceName: workload.name,
    port: workload.port,
    portName: 'http',
    metricsPath: opts.metricsPath,
    labels: { ...selector },
    gpu: opts.gpu ?? false,
  };
}
