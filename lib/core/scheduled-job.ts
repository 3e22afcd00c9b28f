import { Construct } from 'constructs';
import * as k8s from './k8s';
import { restrictedPodSecurityContext } from './pod-security';

/** Props of {@link forbidConcurrentCronJob}. */
export interface CronJobSpecProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Five-field cron (validate with checkKubernetesCron first). */
  readonly schedule: string;
  /** The job each run creates (see {@link restrictedJobSpec}). */
  readonly jobSpec: k8s.JobSpec;
  /** @default "Etc/UTC" */
  readonly timeZone?: string;
  /** Seconds after the scheduled time a missed run may still start. @default 600 */
  readonly startingDeadlineSeconds?: number;
  /** Finished jobs kept, each of succeeded and failed. @default 3 */
  readonly historyLimit?: number;
}

/**
 * A CronJob whose runs never overlap (concurrencyPolicy Forbid), with a bounded start deadline and
 * history: the shape every scheduled job of the platform shares (drift, materialization, training,
 * batch inference).
 */
export function forbidConcurrentCronJob(scope: Construct, id: string, props: CronJobSpecProps): k8s.KubeCronJob {
  const history = props.historyLimit ?? 3;
  return new k8s.KubeCronJob(scope, id, {
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    spec: {
      schedule: props.schedule,
      timeZone: props.timeZone ?? 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: props.startingDeadlineSeconds ?? 600,
      successfulJobsHistoryLimit: history,
      failedJobsHistoryLimit: history,
      jobTemplate: { metadata: { labels: props.labels }, spec: props.jobSpec },
    },
  });
}

/** Props of {@link restrictedJobSpec}. */
export interface RestrictedJobSpecProps {
  readonly labels: Record<string, string>;
  readonly serviceAccountName: string;
  readonly containers: k8s.Container[];
  readonly initContainers?: k8s.Container[];
  readonly volumes?: k8s.Volume[];
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: k8s.Toleration[];
  /** @default restrictedPodSecurityContext() */
  readonly securityContext?: k8s.PodSecurityContext;
  /** @default 2 */
  readonly backoffLimit?: number;
  /** @default 3600 */
  readonly activeDeadlineSeconds?: number;
  /** @default 86400 */
  readonly ttlSecondsAfterFinished?: number;
}

/**
 * A Job spec under the restricted Pod Security Standard: no service-account token, never restarted
 * in place, bounded retries and run time, cleaned up a day after it finishes.
 */
export function restrictedJobSpec(props: RestrictedJobSpecProps): k8s.JobSpec {
  return {
    backoffLimit: props.backoffLimit ?? 2,
    activeDeadlineSeconds: props.activeDeadlineSeconds ?? 3600,
    ttlSecondsAfterFinished: props.ttlSecondsAfterFinished ?? 86400,
    template: {
      metadata: { labels: props.labels },
      spec: {
        serviceAccountName: props.serviceAccountName,
        automountServiceAccountToken: false,
        restartPolicy: 'Never',
        securityContext: props.securityContext ?? (restrictedPodSecurityContext() as k8s.PodSecurityContext),
        nodeSelector: props.nodeSelector,
        tolerations: props.tolerations,
        initContainers: props.initContainers,
        containers: props.containers,
        volumes: props.volumes,
      },
    },
  };
}

/** Container requests and limits; limits default to the requests (Guaranteed QoS for memory). */
export function containerResources(cpu: string, memory: string, limits: { cpu?: string; memory?: string } = {}): k8s.ResourceRequirements {
  const q = (v: string) => k8s.Quantity.fromString(v);
  return {
    requests: { cpu: q(cpu), memory: q(memory) },
    limits: { cpu: q(limits.cpu ?? cpu), memory: q(limits.memory ?? memory) },
  };
}
