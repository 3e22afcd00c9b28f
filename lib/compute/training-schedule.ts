import { Construct } from 'constructs';
import * as k8s from '../core/k8s';
import { forbidConcurrentCronJob } from '../core/scheduled-job';
import { checkKubernetesCron } from '../core/cron';
import { GpuJob, GpuJobProps } from './gpu-job';
import { markPlacementChecked } from './gpu';
import { checkTimeZone } from '../core/validators';

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
    if (props.timeZone !== undefined) checkTimeZone(this, 'timeZone', props.timeZone);
    this.cronJob = forbidConcurrentCronJob(props.team.cluster.workloads.scopeFor(this), 'cron_job', {
      name: this.name,
      namespace: this.namespace,
      labels: this.labels(),
      schedule: props.schedule,
      timeZone: props.timeZone,
      startingDeadlineSeconds: 3600,
      historyLimit: props.historyLimit,
      jobSpec: this.jobSpec(),
    });
    markPlacementChecked(this.cronJob);
  }
}
