import { Construct } from 'constructs';
import * as k8s from './k8s';
import { MlopsStack } from './mlops-stack';
import { WorkloadsStack } from './workloads-stack';
import { invalid, show } from './errors';
import { checkName } from './naming';
import { parseCidr } from './cidr';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';
import { ContainerImage, resolveImage } from './container-image';

/** A client admitted to a service: pods in a namespace, pods with labels, or both (AND). */
export interface ServiceClient {
  /** Namespace of the client pods. @default the service's own namespace */
  readonly namespace?: string;
  /** Labels the client pods carry. @default every pod of the namespace */
  readonly podLabels?: Record<string, string>;
}

/** An environment variable taken from a key of a Kubernetes Secret (never a literal value). */
export interface SecretEnvRef {
  /** Name of the Secret (e.g. the target of an ExternalSecret). */
  readonly secretName: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** An egress destination outside the namespace. */
export interface EgressRule {
  /** IPv4 CIDR block, e.g. the VPC CIDR for a database. */
  readonly cidr: string;
  /** TCP port. */
  readonly port: number;
}

/** GPU placement of a workload (serving). Pass a GPU pool's tolerations and node selector. */
export interface ServiceGpu {
  /** `nvidia.com/gpu` per pod (requests = limits), at least 1. */
  readonly count: number;
  /** Tolerations of the GPU pool. @default tolerate `nvidia.com/gpu=true:NoSchedule` */
  readonly tolerations?: k8s.Toleration[];
  /** Node selector of the GPU pool. @default `{ 'mlops.cdktf.io/accelerator': 'nvidia' }` */
  readonly nodeSelector?: Record<string, string>;
}

/** Container resources. Requests equal limits unless limits are given. */
export interface ServiceResources {
  /** CPU request, e.g. `500m`. */
  readonly cpu: string;
  /** Memory request, e.g. `1Gi`. */
  readonly memory: string;
  /** CPU limit. @default the request */
  readonly cpuLimit?: string;
  /** Memory limit. @default the request */
  readonly memoryLimit?: string;
}

/** Props of {@link ServiceWorkload}. */
export interface ServiceWorkloadProps {
  /** The stack that applies the objects (a cluster's `workloads`). */
  readonly workloads: WorkloadsStack;
  /** Namespace (it should be a RestrictedNamespace). */
  readonly namespace: string;
  /** Name of the Deployment, Service, ServiceAccount, PDB, HPA and NetworkPolicies (DNS label). */
  readonly name: string;
  /**
   * Container image: from the platform's ContainerRegistry (tag or digest), or else pinned by digest
   * (`repo@sha256:...`); `latest` or no tag is refused. A string is read as {@link resolveImage} describes.
   */
  readonly image: string | ContainerImage;
  /** Port the container listens on and the Service exposes. */
  readonly port: number;
  /** Container command. @default the image's entrypoint */
  readonly command?: string[];
  /** Container args. @default none */
  readonly args?: string[];
  /** Plain (non-secret) environment variables. @default none */
  readonly env?: Record<string, string>;
  /** Environment variables from Secret keys, by reference only. @default none */
  readonly secretEnv?: Record<string, SecretEnvRef>;
  /** @default cpu 250m, memory 512Mi, limits equal to requests */
  readonly resources?: ServiceResources;
  /** HTTP path of the readiness, liveness and startup probes. @default "/" */
  readonly healthPath?: string;
  /** Lowest replica count (HPA minimum). @default the profile's minReplicas */
  readonly minReplicas?: number;
  /** Highest replica count (HPA maximum). @default max(minReplicas * 3, 3) */
  readonly maxReplicas?: number;
  /** Average CPU utilization the HPA aims at, 1-100. @default 70 */
  readonly targetCpuUtilization?: number;
  /** Who may call the service port. @default nobody outside the pods of this workload */
  readonly clients?: ServiceClient[];
  /** Egress beyond what the namespace allows (e.g. a database in the VPC). @default none */
  readonly egress?: EgressRule[];
  /** Annotations of the ServiceAccount (IRSA role ARN). @default none */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /** Name of the ServiceAccount (match a WorkloadIdentity). @default `name` */
  readonly serviceAccountName?: string;
  /** Mount a service-account token (only for workloads that call the Kubernetes API). @default false */
  readonly automountServiceAccountToken?: boolean;
  /** Extra labels on the pods and objects. @default none */
  readonly labels?: Record<string, string>;
  /** Annotations on the pod template (e.g. a config checksum). @default none */
  readonly podAnnotations?: Record<string, string>;
  /** GPU placement. @default CPU only */
  readonly gpu?: ServiceGpu;
  /** UID and GID the container runs as. @default 65532 */
  readonly runAsUser?: number;
  /** Seconds the startup probe allows for the first start. @default 300 */
  readonly startupSeconds?: number;
  /**
   * Create the HPA. Set false when another controller owns the replica count (e.g. a KEDA
   * ScaledObject, which creates its own HPA).
   * @default true
   */
  readonly autoscaler?: boolean;
}

/** The reference of `image` (prop `image` of `scope`), checked as {@link resolveImage} does. */
export function checkPinnedImage(scope: Construct, image: string | ContainerImage): string {
  return resolveImage(scope, 'image', image).ref;
}

/**
 * The hardened shape of a long-running HTTP service on the cluster: ServiceAccount (no token by
 * default), Deployment (pinned image, requests and limits, readiness/liveness/startup probes,
 * restricted security context with a read-only root filesystem and an emptyDir `/tmp`, spread
 * across zones, rolling updates with maxUnavailable 0, secrets by reference only), ClusterIP
 * Service, PodDisruptionBudget, HPA (autoscaling/v2 on CPU) and a NetworkPolicy admitting only the
 * declared clients on the service port. MLflow, the feature server and model services build on it.
 *
 * Subclasses change defaults through the protected methods (`containerSecurityContext()`,
 * `podSecurityContext()`, `podLabels()`, `probe()`, `volumes()`).
 */
export class ServiceWorkload extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly port: number;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  public readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
  /** The HPA (undefined when `autoscaler: false`). */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  public readonly ingressPolicy: k8s.KubeNetworkPolicy;
  public readonly egressPolicy?: k8s.KubeNetworkPolicy;
  /**
   * The egress NetworkPolicy of each client namespace other than the service's own, by namespace:
   * `<client namespace>/egress-to-<namespace>-<name>`, letting the client pods reach this service's
   * pods on its port (a RestrictedNamespace denies all egress but DNS, HTTPS and the Pod Identity agent).
   */
  public readonly clientEgressPolicies: Record<string, k8s.KubeNetworkPolicy> = {};
  public readonly minReplicas: number;
  public readonly maxReplicas: number;
  /** In-cluster URL of the service, `http://<name>.<namespace>.svc.cluster.local:<port>`. */
  public readonly url: string;
  /** The image the service runs. */
  public readonly image: ContainerImage;
  protected readonly props: ServiceWorkloadProps;

  constructor(scope: Construct, id: string, props: ServiceWorkloadProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    this.props = props;
    this.name = checkName(this, 'k8s-name', props.name);
    this.namespace = checkName(this, 'k8s-namespace', props.namespace);
    const saName = checkName(this, 'k8s-name', props.serviceAccountName ?? props.name);
    this.image = resolveImage(this, 'image', props.image);
    if (!Number.isInteger(props.port) || props.port < 1 || props.port > 65535) {
      invalid(this, `port ${show(props.port)} is not a TCP port.`, 'use a whole number from 1 to 65535.');
    }
    this.port = props.port;
    this.minReplicas = props.minReplicas ?? stack.profile.minReplicas;
    this.maxReplicas = props.maxReplicas ?? Math.max(this.minReplicas * 3, 3);
    if (!Number.isInteger(this.minReplicas) || this.minReplicas < 1) {
      invalid(this, `minReplicas ${show(this.minReplicas)} must be a whole number of at least 1.`, 'use 1 or more (the profile default is safer).');
    }
    if (!Number.isInteger(this.maxReplicas) || this.maxReplicas < this.minReplicas) {
      invalid(this, `minReplicas ${this.minReplicas} is greater than maxReplicas ${show(this.maxReplicas)}.`, `set maxReplicas to at least ${this.minReplicas}.`);
    }
    const target = props.targetCpuUtilization ?? 70;
    if (!Number.isInteger(target) || target < 1 || target > 100) {
      invalid(this, `targetCpuUtilization ${show(target)} is outside 1-100.`, 'use a percentage from 1 to 100, e.g. 70.');
    }
    if (props.gpu && (!Number.isInteger(props.gpu.count) || props.gpu.count < 1)) {
      invalid(this, `gpu.count ${show(props.gpu.count)} must be a whole number of at least 1.`, 'ask for 1 or more GPUs, or omit gpu.');
    }
    for (const e of props.egress ?? []) {
      if (!parseCidr(e.cidr)) invalid(this, `egress cidr ${show(e.cidr)} is not a valid IPv4 CIDR block.`, 'use a block such as "10.0.0.0/16".');
      if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) invalid(this, `egress port ${show(e.port)} is not a TCP port.`, 'use a whole number from 1 to 65535.');
    }
    for (const c of props.clients ?? []) {
      if (c.namespace !== undefined) checkName(this, 'k8s-namespace', c.namespace);
    }
    this.url = `http://${this.name}.${this.namespace}.svc.cluster.local:${this.port}`;

    const s = props.workloads.scopeFor(this);
    const selector = this.selectorLabels();
    const labels = { ...this.podLabels(), ...selector };
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });

    this.serviceAccount = new k8s.KubeServiceAccount(s, 'service-account', {
      metadata: { ...meta(saName), annotations: props.serviceAccountAnnotations },
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    });

    this.deployment = new k8s.KubeDeployment(s, 'deployment', {
      metadata: meta(this.name),
      spec: {
        // No replicas: the HPA owns the count (a replicas field here would make every apply fight it).
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels, annotations: props.podAnnotations },
          spec: {
            serviceAccountName: saName,
            automountServiceAccountToken: props.automountServiceAccountToken ?? false,
            securityContext: this.podSecurityContext(),
            terminationGracePeriodSeconds: 30,
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
            ],
            tolerations: props.gpu ? props.gpu.tolerations ?? [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }] : undefined,
            nodeSelector: props.gpu ? props.gpu.nodeSelector ?? { 'mlops.cdktf.io/accelerator': 'nvidia' } : undefined,
            containers: [this.container(), ...this.sidecars()],
            volumes: this.volumes(),
          },
        },
      },
    });

    this.service = new k8s.KubeService(s, 'service', {
      metadata: meta(this.name),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(s, 'pdb', {
      metadata: meta(this.name),
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });

    if (props.autoscaler ?? true) this.autoscaler = new k8s.KubeHorizontalPodAutoscalerV2(s, 'hpa', {
      metadata: meta(this.name),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
        minReplicas: this.minReplicas,
        maxReplicas: this.maxReplicas,
        metrics: this.autoscalerMetrics(target),
      },
    });

    this.ingressPolicy = new k8s.KubeNetworkPolicy(s, 'ingress-policy', {
      metadata: meta(`${this.name}-ingress`),
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress'],
        ingress: (props.clients ?? []).length === 0 ? [] : [{
          from: props.clients!.map((c) => ({
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': c.namespace ?? this.namespace } },
            podSelector: c.podLabels ? { matchLabels: c.podLabels } : undefined,
          })),
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(this.port) }],
        }],
      },
    });

    this.createClientEgressPolicies(s, selector);

    if ((props.egress ?? []).length > 0) {
      this.egressPolicy = new k8s.KubeNetworkPolicy(s, 'egress-policy', {
        metadata: meta(`${this.name}-egress`),
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ['Egress'],
          egress: props.egress!.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(e.port) }] })),
        },
      });
    }
  }

  /**
   * One egress NetworkPolicy per client namespace (other than the service's own, whose
   * same-namespace traffic the namespace already allows): the declared client pods (every pod of
   * the namespace when one client of it names no labels) may open connections to this service's
   * pods on its port. Created next to the ingress rule so both ends of the path are declared together.
   */
  protected createClientEgressPolicies(scope: Construct, serverSelector: Record<string, string>): void {
    const byNamespace = new Map<string, ServiceClient[]>();
    for (const c of this.props.clients ?? []) {
      const ns = c.namespace ?? this.namespace;
      if (ns !== this.namespace) byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), c]);
    }
    for (const [ns, clients] of [...byNamespace].sort(([a], [b]) => a.localeCompare(b))) {
      const labels = clients.every((c) => c.podLabels) && new Set(clients.map((c) => JSON.stringify(c.podLabels))).size === 1 ? clients[0].podLabels : undefined;
      const name = `egress-to-${this.namespace}-${this.name}`;
      this.clientEgressPolicies[ns] = new k8s.KubeNetworkPolicy(scope, `client-egress-${ns}`, {
        metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'cdktf-mlops' } },
        spec: {
          podSelector: labels ? { matchLabels: labels } : {},
          policyTypes: ['Egress'],
          egress: [{
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.namespace } }, podSelector: { matchLabels: serverSelector } }],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(this.port) }],
          }],
        },
      });
    }
  }

  /** Metrics of the HPA: average CPU utilization at `targetCpuUtilization`. Subclasses may add e.g. request-rate metrics. */
  protected autoscalerMetrics(targetCpuUtilization: number): k8s.MetricSpecV2[] {
    return [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCpuUtilization } } }];
  }

  /** Labels that select this workload's pods (stable: changing them would orphan pods). */
  protected selectorLabels(): Record<string, string> {
    return { 'app.kubernetes.io/name': this.props.name, 'app.kubernetes.io/instance': `${this.props.namespace}-${this.props.name}` };
  }

  /** Labels on the pods and every object, beyond the selector labels. */
  protected podLabels(): Record<string, string> {
    return { ...this.props.labels, 'app.kubernetes.io/managed-by': 'cdktf-mlops' };
  }

  /** Pod security context: the restricted Pod Security Standard. */
  protected podSecurityContext(): k8s.PodSecurityContext {
    return restrictedPodSecurityContext(this.props.runAsUser) as k8s.PodSecurityContext;
  }

  /** Container security context: restricted, read-only root filesystem. */
  protected containerSecurityContext(): k8s.SecurityContext {
    return restrictedContainerSecurityContext(this.props.runAsUser) as k8s.SecurityContext;
  }

  /** The HTTP probe used for readiness, liveness and startup (with different timings). */
  protected probe(): k8s.Probe {
    return { httpGet: { path: this.props.healthPath ?? '/', port: k8s.IntOrString.fromString('http') }, timeoutSeconds: 5 };
  }

  /** Pod volumes: an emptyDir for `/tmp` (the root filesystem is read-only). */
  protected volumes(): k8s.Volume[] {
    return [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } }];
  }

  /** Mounts of the container, matching {@link volumes}. */
  protected volumeMounts(): k8s.VolumeMount[] {
    return [{ name: 'tmp', mountPath: '/tmp' }];
  }

  /** Extra containers next to the main one (none by default); subclasses add e.g. a telemetry sidecar, under the same restrictions. */
  protected sidecars(): k8s.Container[] {
    return [];
  }

  /** The main container of the pod. */
  protected container(): k8s.Container {
    const p = this.props;
    const r = p.resources ?? { cpu: '250m', memory: '512Mi' };
    const q = (v: string) => k8s.Quantity.fromString(v);
    const limits: Record<string, k8s.Quantity> = { cpu: q(r.cpuLimit ?? r.cpu), memory: q(r.memoryLimit ?? r.memory) };
    const requests: Record<string, k8s.Quantity> = { cpu: q(r.cpu), memory: q(r.memory) };
    if (p.gpu) {
      limits['nvidia.com/gpu'] = k8s.Quantity.fromNumber(p.gpu.count);
      requests['nvidia.com/gpu'] = k8s.Quantity.fromNumber(p.gpu.count);
    }
    const probe = this.probe();
    const startupPeriod = 10;
    return {
      name: this.name,
      image: this.image.ref,
      imagePullPolicy: 'IfNotPresent',
      command: p.command,
      args: p.args,
      ports: [{ name: 'http', containerPort: this.port, protocol: 'TCP' }],
      env: [
        ...Object.entries(p.env ?? {}).map(([name, value]) => ({ name, value })),
        ...Object.entries(p.secretEnv ?? {}).map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } })),
      ],
      resources: { requests, limits },
      securityContext: this.containerSecurityContext(),
      readinessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
      livenessProbe: { ...probe, periodSeconds: 20, failureThreshold: 3 },
      startupProbe: { ...probe, periodSeconds: startupPeriod, failureThreshold: Math.ceil((p.startupSeconds ?? 300) / startupPeriod) },
      volumeMounts: this.volumeMounts(),
    };
  }
}
