import { Construct } from 'constructs';
import { assignLifecyclePhase, LIFECYCLE_PHASES, lifecyclePhaseOf, LifecyclePhase } from '../../lib/architecture/lifecycle-phases';
import { QueuedRetraining } from '../../lib/pipelines/queued-retraining';
import { RetrainingPipeline } from '../../lib/pipelines/retraining-pipeline';
import { DriftMonitor } from '../../lib/monitoring/drift-monitor';
import { CiCdAccess } from '../../lib/pipelines/ci-cd-access';
import { ModelService } from '../../lib/serving/model-service';

/** An instance of `cls` without running its constructor (the phase depends on the class only). */
const instanceOf = (cls: abstract new (...a: any[]) => unknown) => Object.create(cls.prototype);

describe('lifecycle phases', () => {
  test('the lifecycle reads ingest -> validate -> features -> train -> register -> approve -> serve -> monitor -> drift -> retrain', () => {
    expect(LIFECYCLE_PHASES.map((p) => p.phase)).toEqual(['ingestion', 'validation', 'features', 'training', 'registry', 'approval', 'serving', 'monitoring', 'drift', 'retraining', 'foundation', 'other']);
  });

  test('retraining engines, drift monitors and promotion have their phases by class (and subclasses inherit them)', () => {
    class AcmeRetraining extends QueuedRetraining {}
    expect(lifecyclePhaseOf(instanceOf(QueuedRetraining))).toBe('retraining');
    expect(lifecyclePhaseOf(instanceOf(AcmeRetraining))).toBe('retraining');
    expect(lifecyclePhaseOf(instanceOf(RetrainingPipeline))).toBe('retraining');
    expect(lifecyclePhaseOf(instanceOf(DriftMonitor))).toBe('drift');
    expect(lifecyclePhaseOf(instanceOf(CiCdAccess))).toBe('approval');
    expect(lifecyclePhaseOf(instanceOf(ModelService))).toBe('serving');
  });

  test('a class declares its phase with a static lifecyclePhase, which its subclasses inherit or override', () => {
    class Scorer extends Construct { public static readonly lifecyclePhase: LifecyclePhase = 'serving'; }
    class NightlyScorer extends Scorer {}
    class Auditor extends Scorer { public static readonly lifecyclePhase: LifecyclePhase = 'monitoring'; }
    class AcmeModelService extends ModelService { public static readonly lifecyclePhase: LifecyclePhase = 'approval'; }
    const root = new Construct(undefined as any, 'root');
    expect(lifecyclePhaseOf(new Scorer(root, 'a'))).toBe('serving');
    expect(lifecyclePhaseOf(new NightlyScorer(root, 'b'))).toBe('serving');
    expect(lifecyclePhaseOf(new Auditor(root, 'c'))).toBe('monitoring');
    expect(lifecyclePhaseOf(instanceOf(AcmeModelService))).toBe('approval');
  });

  test('one construct can be assigned a phase (the platform\'s approver role); others of its class keep none and fall into "other"', () => {
    class Role extends Construct {}
    const root = new Construct(undefined as any, 'root');
    const approver = new Role(root, 'approver');
    assignLifecyclePhase(approver, 'approval');
    expect(lifecyclePhaseOf(approver)).toBe('approval');
    expect(lifecyclePhaseOf(new Role(root, 'other'))).toBeUndefined();
  });
});
