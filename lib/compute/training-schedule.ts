import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { checkKubernetesCron } from '../core/cron';
import { GpuJob, GpuJobProps } from './gpu-job';

/** Props of {@link TrainingSchedule}. */
export interface TrainingScheduleProps extends GpuJobProps {
  /** Cron schedule (five fields or a macro such as `@daily`), in `timeZone`. */
  readonly schedule: string;
  /**
   * IANA time zone of the schedule.
   * @default "Etc/UTC"
   */
  readonly timeZone?: string;
  /**
   * Finished runs kept for inspection (each).
   * @default 3 successful, 3 failed
   */
  readonly historyLimit?: number;
}

/**
 * A recurring training run: a CronJob (no concurrent runs) whose job template is the same as
 * {@link TrainingJob}'s: GPUs, pool toleration and selector, team identity, backoff limit, TTL, checkpoints.
 */
export class TrainingSchedule extends GpuJob {
  public readonly cronJob: k8s.KubeCronJob;

  constructor(scope: Construct, id: string, props: TrainingScheduleProps) {
    super(scope, id, props);
    checkKubernetesCron(this, 'schedule', props.schedule);
    const history = props.historyLimit ?? 3;
    this.cronJob = new k8s.KubeCronJob(props.team.cluster.workloads.scopeFor(this), 'cron_job', {
      metadata: { name: this.name, namespace: this.namespace, labels: this.labels() },
      spec: {
        schedule: props.schedule,
        timeZone: props.timeZone ?? 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: history,
        failedJobsHistoryLimit: history,
        jobTemplate: { metadata: { labels: this.labels() }, spec: this.jobSpec() },
      },
    });
  }
}
