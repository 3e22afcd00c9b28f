import { IConstruct } from 'constructs';
import { Chart } from 'cdk8s';
import { TerraformStack } from 'cdktf';
import { WorkloadsStack } from '../core/workloads-stack';
import { ModelService } from './model-service';

/**
 * Every {@link ModelService} under `root` whose Kubernetes objects go to `workloads`, in tree order
 * (deterministic): those a platform declares and those a company stack adds later, subclassed or not.
 */
export function modelServicesIn(root: IConstruct, workloads: WorkloadsStack): ModelService[] {
  return root.node.findAll()
    .filter((c): c is ModelService => c instanceof ModelService)
    .filter((m) => Chart.of(m.workload.deployment) === workloads.chart);
}

/** What the models of a cluster need installed on it. */
export interface ControllerNeeds {
  /** A model scales to zero: its ScaledObject needs KEDA. */
  readonly keda: boolean;
  /** A model declares a release: its Rollout and AnalysisTemplate need Argo Rollouts. */
  readonly argoRollouts: boolean;
}

/** Which controllers `models` need (KEDA for scale to zero, Argo Rollouts for a release). */
export function controllerNeeds(models: readonly ModelService[]): ControllerNeeds {
  return {
    keda: models.some((m) => m.scaledObject !== undefined),
    argoRollouts: models.some((m) => m.release !== undefined),
  };
}

const HOOKED = Symbol('cdktf-mlops:before-prepare');

/**
 * Runs `hook` once, when `app.synth()` prepares the first of `stacks`: after every construct was
 * added (by the platform or a company stack), before cdktf registers cross-stack references and the
 * workloads stack fixes its Kubernetes objects. cdktf's Aspects run later (after every stack is
 * prepared, when the workloads stack no longer accepts objects), so cross-cutting wiring that adds
 * resources to both stacks happens here. Several hooks on one stack run in registration order.
 */
export function beforePrepare(stacks: readonly TerraformStack[], hook: () => void): void {
  let ran = false;
  const once = () => {
    if (ran) return;
    ran = true;
    hook();
  };
  for (const stack of stacks) {
    const s = stack as TerraformStack & { [HOOKED]?: Array<() => void> };
    if (!s[HOOKED]) {
      const hooks: Array<() => void> = [];
      s[HOOKED] = hooks;
      const prepare = stack.prepareStack.bind(stack);
      stack.prepareStack = () => {
        for (const h of hooks) h();
        prepare();
      };
    }
    s[HOOKED]!.push(once);
  }
}
