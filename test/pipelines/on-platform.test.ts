import { MlopsPlatform, MlopsPlatformProps } from '../../lib/platform';
import { RetrainingPipeline } from '../../lib/pipelines/retraining-pipeline';
import { CiCdAccess } from '../../lib/pipelines/ci-cd-access';
import { allObjects, danglingReferences, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { TAGS } from '../support/fixtures';

const props: MlopsPlatformProps = {
  name: 'acme-mlops', environment: 'prod', region: 'eu-west-1', tags: TAGS,
  backend: { bucket: 'acme-terraform-state', region: 'eu-west-1', keyPrefix: 'cdktf-mlops' },
  cluster: { publicEndpointCidrs: ['203.0.113.0/24'] },
  teams: [{ name: 'fraud', accessRoleArn: 'arn:aws:iam::111122223333:role/acme-team-fraud', quota: { gpus: 8 } }],
};

/** The pipelines composed onto MlopsPlatform the way the proposed platform.ts wiring does it. */
describe('pipelines on an MlopsPlatform with a public endpoint (Step Functions eks:runJob needs one)', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const platform = new MlopsPlatform(app, 'mlops-prod', props);
      const stack = platform.platformStack;
      const bucket = platform.data.lake.zone('curated').bucket;
      new RetrainingPipeline(stack, 'retraining_fraud_retrain', {
        name: 'fraud-retrain', team: platform.teams.fraud, pool: platform.gpuPools[0],
        image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud-train@sha256:' + '1'.repeat(64), command: ['python', '-m', 'fraud.train'],
        checkpoints: { bucket, prefix: 'checkpoints/fraud/' }, models: { bucket, prefix: 'models/fraud-retrain/' },
        modelPackageGroupName: 'acme-mlops-prod-fraud', inferenceImage: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud-serve@sha256:' + '2'.repeat(64),
        schedule: 'cron(0 3 ? * MON *)', alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:acme-mlops-alerts',
      });
      // No ModelPromotion in this composition: whoever deploys approved packages reads the candidates.
      bucket.declareExternal('read', 'models/fraud-retrain/', 'the deployment of approved model packages');
      new CiCdAccess(stack, 'ci', {
        repository: 'acme/ml-platform',
        stateBucketArn: `arn:${stack.partition}:s3:::${props.backend!.bucket}`, stateKeyPrefix: props.backend!.keyPrefix,
      });
    });
    p = s.stacks['mlops-prod-platform'];
  });

  test('references resolve and every Kubernetes object passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('prod: the pipeline logs keep the prod retention, and the state bucket ARN is built from the backend', () => {
    expect(resource(p, 'aws_cloudwatch_log_group', 'retraining_fraud_retrain_logs_log_group').retention_in_days).toBe(365);
    const diff = JSON.parse(resource(p, 'aws_iam_role_policy', 'ci_diff_role_policy').policy);
    expect(diff.Statement[0].Resource).toBe('arn:${data.aws_partition.partition.partition}:s3:::acme-terraform-state/cdktf-mlops/*');
    expect(resources(p, 'aws_iam_user')).toEqual({});
  });
});
