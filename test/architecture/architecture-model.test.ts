import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { ArchitectureDiagram } from '../../lib/architecture/architecture-diagram';
import { ArchitectureModel, actionVerb } from '../../lib/architecture/architecture-model';
import { lifecyclePhaseOf, registerLifecyclePhase } from '../../lib/architecture/lifecycle-phases';
import { MlopsPlatform } from '../../lib/platform';
import { danglingReferences, synthesize, Synthesized } from '../support/synth';

const P = 'mlops-prod/mlops-prod-platform';

describe('the architecture model of the reference platform', () => {
  let s: Synthesized;
  let diagram: ArchitectureDiagram;
  let model: ArchitectureModel;
  const component = (p: string) => model.components.find((c) => c.path === `${P}/${p}`)!;
  beforeAll(() => {
    s = synthesize((app) => {
      createReferencePlatform(app);
      diagram = ArchitectureDiagram.of(app);
    });
    model = diagram.model!;
  });

  test('app.synth() writes <outdir>/architecture.html, fast', () => {
    expect(diagram.filePath).toBe(path.join(s.outdir, 'architecture.html'));
    expect(fs.existsSync(diagram.filePath!)).toBe(true);
    expect(diagram.generationMs!).toBeLessThan(500);
  });

  test('every Terraform reference still resolves', () => {
    expect(danglingReferences(s)).toEqual([]);
  });

  test('the title names the platform, environment and region', () => {
    expect(model.title).toBe('acme-mlops-prod (prod, eu-west-1)');
  });

  test('constructs are placed in their lifecycle phase by class', () => {
    const phases = Object.fromEntries(model.components.map((c) => [c.path.slice(P.length + 1), c.phase]));
    expect(phases).toMatchObject({
      'data/lake': 'ingestion', 'data/streams': 'ingestion', 'data/batch': 'ingestion',
      'data/quality': 'validation', 'data/schemas': 'validation',
      features: 'features', team_fraud: 'training', training_fraud_nightly: 'training',
      experiment_tracking: 'registry', model_registry: 'registry', container_registry: 'registry',
      alerts: 'monitoring', ci: 'approval',
      network: 'foundation', cluster: 'foundation', keys: 'foundation', audit: 'foundation', cost: 'foundation',
    });
  });

  test('the approver role sits in the approval phase, queued retraining in retraining (not in "other")', () => {
    expect(component('model_approver')).toMatchObject({ phase: 'approval', className: 'PlatformRole' });
    expect(component('retraining_fraud_retrain')).toMatchObject({ phase: 'retraining', className: 'QueuedRetraining' });
  });

  test('every resource of the platform and add-ons stacks belongs to exactly one construct', () => {
    const all = ['mlops-prod-platform', 'mlops-prod-addons'].flatMap((st) => Object.entries<Record<string, unknown>>(s.stacks[st].resource))
      .flatMap(([t, byName]) => Object.keys(byName).map((n) => `${t}.${n}`)).sort();
    const owned = model.components.flatMap((c) => c.resources.filter((r) => r.source === 'terraform').map((r) => r.address)).sort();
    expect(owned).toEqual(all);
    // A chart's release (add-ons stack) belongs to its HelmAddon's component (platform stack).
    expect(component('cluster').resources.map((r) => r.address)).toEqual(expect.arrayContaining(['helm_release.external_secrets', 'helm_release.cluster_autoscaler']));
    expect(component('observability').resources.map((r) => r.address)).toContain('helm_release.kube_prometheus_stack');
  });

  test('key resources: Terraform resources by address, Kubernetes objects by kind and name', () => {
    expect(component('data/lake').resources).toContainEqual({ type: 'aws_s3_bucket', address: expect.stringMatching(/^aws_s3_bucket\.data_lake_/), source: 'terraform' });
    expect(component('training_fraud_nightly').resources).toEqual([{ type: 'CronJob', address: expect.stringMatching(/^CronJob [a-z0-9-]+\/[a-z0-9-]+$/), source: 'kubernetes' }]);
    expect(component('features').resources.some((r) => r.type === 'Deployment' && r.source === 'kubernetes')).toBe(true);
    expect(component('network').resources.filter((r) => r.type === 'aws_vpc')).toHaveLength(1);
  });

  test('data flows come from IAM grants, with read/write verbs from the actions', () => {
    const flow = (from: string, to: string) => model.flows.find((f) => f.kind === 'data' && f.from === `${P}/${from}` && f.to === `${P}/${to}`);
    expect(flow('data/quality', 'data/lake')).toMatchObject({ verbs: 'read' });
    expect(flow('data/quality', 'data/lake')!.details.every((a) => actionVerb(a) === 'read')).toBe(true);
    expect(flow('data/streams', 'data/lake')).toMatchObject({ verbs: 'read/write' });
    expect(flow('team_fraud', 'data/lake')!.details).toContain('s3:PutObject');
    expect(flow('ci', 'container_registry')!.details).toContain('ecr:PutImage');
    expect(flow('data/lake', 'data/quality')).toBeUndefined();
    expect(model.flows.every((f) => f.from !== f.to)).toBe(true);
  });

  test('identity flows: a workload whose service account is bound to another construct\'s WorkloadIdentity', () => {
    expect(model.flows).toContainEqual({ from: `${P}/training_fraud_nightly`, to: `${P}/team_fraud`, kind: 'identity', verbs: 'assumes', details: [expect.stringMatching(/^[a-z0-9-]+\/[a-z0-9-]+$/)], status: 'verified' });
  });

  test('the page is a view of the system model: KEDA ScaledJob pods are workloads too', () => {
    // The queued retraining runs as a ScaledJob (jobTargetRef.template), bound to the team's identity.
    expect(model.flows).toContainEqual({ from: `${P}/retraining_fraud_retrain`, to: `${P}/team_fraud`, kind: 'identity', verbs: 'assumes', details: ['fraud/fraud-workloads'], status: 'verified' });
  });

  test('actionVerb: reads and writes', () => {
    expect(['s3:GetObject', 's3:ListBucket', 'kms:Decrypt', 'dynamodb:Query', 'ecr:BatchGetImage'].map(actionVerb)).toEqual(['read', 'read', 'read', 'read', 'read']);
    expect(['s3:PutObject', 'kinesis:PutRecords', 'kms:GenerateDataKey', 'sagemaker:CreateModelPackage', 'dynamodb:BatchWriteItem'].map(actionVerb))
      .toEqual(['write', 'write', 'write', 'write', 'write']);
  });
});

describe('registerLifecyclePhase', () => {
  class FraudScorer extends Construct {}
  class AcmeScorer extends FraudScorer {}
  test('a class name puts the class and its subclasses in a phase; unknown constructs have none', () => {
    const root = new Construct(undefined as any, 'root');
    expect(lifecyclePhaseOf(new FraudScorer(root, 'a'))).toBeUndefined();
    registerLifecyclePhase('FraudScorer', 'serving');
    expect(lifecyclePhaseOf(new FraudScorer(root, 'b'))).toBe('serving');
    expect(lifecyclePhaseOf(new AcmeScorer(root, 'c'))).toBe('serving');
  });

  test('a predicate registered later wins, and a registered construct gets its own box', () => {
    registerLifecyclePhase((c) => c.node.id === 'scorer_special', 'monitoring');
    const root = new Construct(undefined as any, 'root2');
    expect(lifecyclePhaseOf(new FraudScorer(root, 'scorer_special'))).toBe('monitoring');
    let d: ArchitectureDiagram | undefined;
    synthesize((app) => {
      const platform = new MlopsPlatform(app, 'mini', {
        name: 'mini', environment: 'dev', region: 'eu-west-1',
        tags: { owner: 'o@example.com', 'cost-center': 'cc-1', 'data-classification': 'internal' },
        cluster: { privateEndpointSourceSecurityGroupIds: ['sg-0123456789abcdef0'] },
      });
      new FraudScorer(platform.platformStack, 'scorer');
      d = ArchitectureDiagram.of(app, { title: 'mini (dev)' });
    });
    expect(d!.model!.title).toBe('mini (dev)');
    // a construct without resources owns nothing and so is not drawn
    expect(d!.model!.components.some((c) => c.id === 'scorer')).toBe(false);
    expect(d!.model!.components.find((c) => c.id === 'lake')?.phase).toBe('ingestion');
  });
});

describe('flow status from the system checks', () => {
  const reason = 'the artifacts are uploaded by hand during the trial (accepted for this test)';
  let model: ArchitectureModel;
  beforeAll(() => {
    let d: ArchitectureDiagram | undefined;
    synthesize((app) => {
      new MlopsPlatform(app, 'trial', {
        name: 'trial', environment: 'dev', region: 'eu-west-1',
        tags: { owner: 'o@example.com', 'cost-center': 'cc-1', 'data-classification': 'internal' },
        cluster: { privateEndpointSourceSecurityGroupIds: ['sg-0123456789abcdef0'] },
        // A served model nothing promotes or declares a producer for: its read of models/scorer/ is broken.
        serving: { models: [{ name: 'scorer', modelVersion: '1', image: `registry.example/scorer@sha256:${'c'.repeat(64)}` }] },
        policy: { suppressions: [{ ruleId: 'MLOPS-FLOW-001', path: 'trial/trial-platform/serving/scorer', reason }] },
      });
      d = ArchitectureDiagram.of(app);
    });
    model = d!.model!;
  });

  test('a broken data flow is marked broken with the system model\'s reason, even when its finding is suppressed', () => {
    const read = model.flows.find((f) => f.kind === 'data' && f.from === 'trial/trial-platform/serving/scorer' && f.to === 'trial/trial-platform/data/lake');
    expect(read).toMatchObject({ status: 'broken' });
    expect(read!.reason).toMatch(/^reads s3:\/\/trial-dev-lake-curated\/models\/scorer\/ but nothing in the platform is granted write there: the reader finds no data at run time/);
  });

  test('flows the checks proved are verified', () => {
    const others = model.flows.filter((f) => !(f.from === 'trial/trial-platform/serving/scorer' && f.to === 'trial/trial-platform/data/lake'));
    expect(others.length).toBeGreaterThan(5);
    expect(others.filter((f) => f.status === 'broken')).toEqual([]);
  });
});

describe('ArchitectureDiagram errors', () => {
  test('outside a cdktf App', () => {
    const root = new Construct(undefined as any, 'plain');
    expect(() => ArchitectureDiagram.of(root)).toThrow(/^\[plain\] it is not inside a cdktf App, so there is no synth to write the architecture diagram at\. Fix: create it inside a cdktf App\.$/);
  });
});

describe('several platforms in one app (examples/multi-environment)', () => {
  test('one diagram per platform, each with its own constructs', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createEnvironments } = require('../../examples/multi-environment/environments');
    let d: ArchitectureDiagram | undefined;
    const s = synthesize((app) => {
      createEnvironments(app);
      d = ArchitectureDiagram.of(app);
    });
    expect(d!.model!.groups).toEqual([
      { path: 'mlops-dev', title: 'acme-mlops-dev (dev, eu-west-1)' },
      { path: 'mlops-staging', title: 'acme-mlops-staging (staging, eu-west-1)' },
      { path: 'mlops-prod', title: 'acme-mlops-prod (prod, eu-west-1)' },
    ]);
    for (const c of d!.model!.components) expect(c.path.startsWith(`${c.group}/`)).toBe(true);
    const html = fs.readFileSync(d!.filePath!, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('<h2 class="group">acme-mlops-staging (staging, eu-west-1)</h2>');
    expect(danglingReferences(s)).toEqual([]);
  });
});
