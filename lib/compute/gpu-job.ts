import { Construct } from 'constructs';
import * as k8s from '../core/k8s';
import { checkName } from '../core/naming';
import { invalid, show, validateAtSynth } from '../core/errors';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/pod-security';
import { SecureBucket } from '../security/secure-bucket';
import { IGpuPool, poolsFor } from './gpu';
import type { Team } from './team';
import { ContainerImage, resolveImage } from '../core/container-image';

/** Where a training workload writes checkpoints. */
export interface CheckpointLocation {
  /** The data-lake bucket. */
  readonly bucket: SecureBucket;
  /** Key prefix, e.g. `checkpoints/fraud/`; the job writes under `<prefix><job name>/`. */
  readonly prefix: string;
}

/** Props shared by {@link TrainingJob} and {@link TrainingSchedule}. */
export interface GpuJobProps {
  /** The team whose namespace and identity the job runs under. */
  readonly team: Team;
  /** Job name (DNS-1123 label). */
  readonly name: string;
  /**
   * Container image: from the platform's ContainerRegistry (tag or digest), or else pinned by digest.
   * A string is read as {@link resolveImage} describes.
   */
  readonly image: string | ContainerImage;
  /** Where checkpoints go; the team's identity gets write (and read, to resume) on exactly that prefix. */
  readonly checkpoints: CheckpointLocation;
  /**
   * Command of the container.
   * @default the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Arguments of the container.
   * @default none
   */
  readonly args?: string[];
  /**
   * Environment variables (no secret values: use External Secrets).
   * @default none (CHECKPOINT_URI is always set)
   */
  readonly env?: Record<string, string>;
  /**
   * GPUs of the pod (`nvidia.com/gpu`); 0 runs on CPU nodes.
   * @default 1
   */
  readonly gpus?: number;
  /**
   * GPU pool the pod runs on.
   * @default the cluster's first GPU pool
   */
  readonly pool?: IGpuPool;
  /**
   * CPU request and limit.
   * @default "4"
   */
  readonly cpu?: string;
  /**
   * Memory request and limit.
   * @default "16Gi"
   */
  readonly memory?: string;
  /**
   * Retries before the job fails.
   * @default 2
   */
  readonly backoffLimit?: number;
  /**
   * Seconds a finished job is kept before it is deleted.
   * @default 86400 (one day)
   */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * Longest a run may take, in seconds (a cost ceiling for stuck jobs).
   * @default 86400
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Tolerations of the pod (escape hatch; the synth check still requires a matching GPU pool).
   * @default the pool's tolerations
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Node selector of the pod (escape hatch; the synth check still requires a matching GPU pool).
   * @default the pool's node selector
   */
  readonly nodeSelector?: Record<string, string>;
}

/**
 * The shared part of GPU training workloads: the pod template (restricted security context, team
 * service account, GPU request, pool toleration and selector, checkpoint location), the job spec
 * (backoff limit, TTL, deadline), the checkpoint grant, and the synth-time check that the pod's
 * tolerations and selector fit some GPU pool of the cluster.
 */
export abstract class GpuJob extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly gpus: number;
  /** The pool the pod was placed on (undefined for CPU-only jobs without a pool). */
  public readonly pool?: IGpuPool;
  /** `s3://bucket/prefix/<name>/`. */
  public readonly checkpointUri: string;
  /** The image the job runs. */
  public readonly image: ContainerImage;
  protected readonly props: GpuJobProps;

  constructor(scope: Construct, id: string, props: GpuJobProps) {
    super(scope, id);
    this.props = props;
    this.name = checkName(this, 'k8s-name', props.name);
    this.namespace = props.team.name;
    this.image = resolveImage(this, 'image', props.image);
    this.gpus = props.gpus ?? 1;
    if (!Number.isInteger(this.gpus) || this.gpus < 0) invalid(this, `gpus ${show(this.gpus)} is not a whole number >= 0.`, 'use e.g. 1.');
    if (this.gpus > props.team.quota.gpus) {
      invalid(this, `the job requests ${this.gpus} GPUs but team ${props.team.name} has a quota of ${props.team.quota.gpus}.`, 'request fewer GPUs or raise the team\'s quota.gpus.');
    }
    if (/[*?]/.test(props.checkpoints.prefix) || props.checkpoints.prefix.replace(/^\/+/, '') === '') {
      invalid(this, `checkpoints.prefix ${show(props.checkpoints.prefix)} must be a literal, non-empty key prefix.`, 'use e.g. "checkpoints/<team>/".');
    }
    const cluster = props.team.cluster;
    this.pool = props.pool ?? cluster.gpuPools[0];
    if (this.gpus > 0 && !this.pool && !(props.tolerations && props.nodeSelector)) {
      invalid(this, `the job requests ${this.gpus} GPU(s) but cluster ${cluster.node.path} has no GPU pool.`, 'add a GpuNodePool to the cluster before the job, or pass pool.');
    }
    const prefix = props.checkpoints.prefix.replace(/^\/+/, '').replace(/\/?$/, '/');
    const jobPrefix = `${prefix}${this.name}/`;
    this.checkpointUri = `s3://${props.checkpoints.bucket.bucketName}/${jobPrefix}`;
    props.checkpoints.bucket.grantWrite(props.team.identity, jobPrefix);
    props.checkpoints.bucket.grantRead(props.team.identity, jobPrefix);

    validateAtSynth(this, () => {
      if (this.gpus === 0) return [];
      const tolerations = this.podTolerations();
      const selector = this.podNodeSelector();
      if (poolsFor(cluster.gpuPools, selector, tolerations).length > 0) return [];
      const pools = cluster.gpuPools.map((p) => `${p.poolName} (labels ${show(p.labels)}, taints ${p.taints.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`).join(', ')})`);
      return [{
        problem: `GPU workload ${this.namespace}/${this.name} (nodeSelector ${show(selector)}, tolerations ${show(tolerations)}) fits no GPU pool of the cluster; pools: ${pools.join('; ') || 'none'}.`,
        fix: 'use the pool\'s tolerations and nodeSelector (pool.tolerations, pool.nodeSelector), or add a GpuNodePool with matching labels and taints.',
      }];
    });
  }

  /** Tolerations of the pod. */
  protected podTolerations(): k8s.Toleration[] {
    return this.props.tolerations ?? (this.gpus > 0 ? this.pool?.tolerations ?? [] : []);
  }

  /** Node selector of the pod. */
  protected podNodeSelector(): Record<string, string> {
    return this.props.nodeSelector ?? (this.gpus > 0 ? this.pool?.nodeSelector ?? {} : {});
  }

  /** Container security context (restricted). */
  protected containerSecurityContext(): Record<string, unknown> {
    return restrictedContainerSecurityContext();
  }

  /** Pod security context (restricted). */
  protected podSecurityContext(): Record<string, unknown> {
    return restrictedPodSecurityContext();
  }

  /** The pod template of every run. */
  protected podTemplate(): k8s.PodTemplateSpec {
    const p = this.props;
    const cpu = k8s.Quantity.fromString(p.cpu ?? '4');
    const memory = k8s.Quantity.fromString(p.memory ?? '16Gi');
    const resources: Record<string, k8s.Quantity> = { cpu, memory };
    if (this.gpus > 0) resources['nvidia.com/gpu'] = k8s.Quantity.fromNumber(this.gpus);
    const env = { ...p.env, CHECKPOINT_URI: this.checkpointUri };
    const selector = this.podNodeSelector();
    const tolerations = this.podTolerations();
    return {
      metadata: { labels: this.labels() },
      spec: {
        serviceAccountName: p.team.serviceAccountName,
        automountServiceAccountToken: false,
        restartPolicy: 'Never',
        securityContext: this.podSecurityContext() as k8s.PodSecurityContext,
        nodeSelector: Object.keys(selector).length > 0 ? selector : undefined,
        tolerations: tolerations.length > 0 ? tolerations : undefined,
        containers: [{
          name: 'train',
          image: this.image.ref,
          command: p.command,
          args: p.args,
          env: Object.entries(env).map(([name, value]) => ({ name, value })),
          resources: { requests: resources, limits: resources },
          securityContext: this.containerSecurityContext() as k8s.SecurityContext,
          volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }, { name: 'shm', mountPath: '/dev/shm' }],
        }],
        volumes: [
          { name: 'scratch', emptyDir: {} },
          { name: 'shm', emptyDir: { medium: 'Memory' } },
        ],
      },
    };
  }

  /** The Job spec (also the CronJob's job template). */
  protected jobSpec(): k8s.JobSpec {
    const p = this.props;
    return {
      backoffLimit: p.backoffLimit ?? 2,
      ttlSecondsAfterFinished: p.ttlSecondsAfterFinished ?? 86400,
      activeDeadlineSeconds: p.activeDeadlineSeconds ?? 86400,
      template: this.podTemplate(),
    };
  }

  /** Labels of the job's objects. */
  protected labels(): Record<string, string> {
    return { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/component': 'training', 'mlops.cdktf.io/team': this.namespace };
  }
}
