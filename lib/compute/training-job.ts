import { Construct } from 'constructs';
import * as k8s from '../core/k8s';
import { GpuJob, GpuJobProps } from './gpu-job';
import { markPlacementChecked } from './gpu';

/** Props of {@link TrainingJob}. */
export interface TrainingJobProps extends GpuJobProps {}

/**
 * A one-off training run: a Kubernetes Job in the team's namespace under the team's identity,
 * requesting GPUs on a GPU pool (tolerating its taint, selecting its label), with a backoff
 * limit, TTL after finish, a deadline, and checkpoints written to the data lake.
 */
export class TrainingJob extends GpuJob {
  public readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: TrainingJobProps) {
    super(scope, id, props);
    this.job = new k8s.KubeJob(props.team.cluster.workloads.scopeFor(this), 'job', {
      metadata: { name: this.name, namespace: this.namespace, labels: this.labels() },
      spec: this.jobSpec(),
    });
    markPlacementChecked(this.job);
  }
}
