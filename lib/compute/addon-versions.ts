/**
 * Every third-party chart the compute layer installs, pinned. This is the one place to read (and
 * bump) the versions: reviewers inventory them here, upgrades are a one-line change with a plan diff.
 */
export interface ChartRef {
  /** Helm repository URL (the project's official repository). */
  readonly repository: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** Exact chart version. */
  readonly version: string;
}

/** Pinned charts of the cluster add-ons (compute, serving and monitoring). */
export const ADDON_CHARTS = {
  'cluster-autoscaler': { repository: 'https://kubernetes.github.io/autoscaler', chart: 'cluster-autoscaler', version: '9.46.6' },
  'metrics-server': { repository: 'https://kubernetes-sigs.github.io/metrics-server', chart: 'metrics-server', version: '3.12.2' },
  'aws-load-balancer-controller': { repository: 'https://aws.github.io/eks-charts', chart: 'aws-load-balancer-controller', version: '1.13.2' },
  'external-secrets': { repository: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '0.17.0' },
  'nvidia-device-plugin': { repository: 'https://nvidia.github.io/k8s-device-plugin', chart: 'nvidia-device-plugin', version: '0.17.1' },
  'keda': { repository: 'https://kedacore.github.io/charts', chart: 'keda', version: '2.17.2' },
  'argo-rollouts': { repository: 'https://argoproj.github.io/argo-helm', chart: 'argo-rollouts', version: '2.40.1' },
  'kube-prometheus-stack': { repository: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '75.15.1' },
  'prometheus-adapter': { repository: 'https://prometheus-community.github.io/helm-charts', chart: 'prometheus-adapter', version: '4.14.1' },
  'dcgm-exporter': { repository: 'https://nvidia.github.io/dcgm-exporter/helm-charts', chart: 'dcgm-exporter', version: '4.1.1' },
} as const satisfies Record<string, ChartRef>;

/** An add-on the compute layer installs from a chart. */
export type AddonChartName = keyof typeof ADDON_CHARTS;
