import { App } from 'cdktf';
import { MlopsPlatform, MlopsPlatformProps } from '../../lib/platform';
import { ModelPromotion, ModelPromotionProps } from '../../lib/pipelines/model-promotion';
import { DataLake } from '../../lib/data/data-lake';
import { allObjects, arr, danglingReferences, object, policy, resource, resources, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { TAGS, testStack } from '../support/fixtures';

const IMAGE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/fraud:1.4.0';
const TRAIN = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/fraud-train:1.4.0';
const retrain = { team: 'fraud', image: TRAIN, command: ['python', '-m', 'fraud.train'], gpus: 1, inferenceImage: IMAGE, servedModel: 'fraud' };

const props: MlopsPlatformProps = {
  name: 'acme-mlops', environment: 'prod', region: 'eu-west-1', tags: TAGS,
  backend: { bucket: 'acme-terraform-state', region: 'eu-west-1', keyPrefix: 'cdktf-mlops' },
  cluster: { publicEndpointCidrs: ['203.0.113.0/24'] },
  teams: [{ name: 'fraud', accessRoleArn: 'arn:aws:iam::111122223333:role/acme-team-fraud', quota: { gpus: 8 } }],
  ciCd: { repository: 'acme/ml-platform' },
  containerRegistry: { accountId: '111122223333', models: ['fraud', 'fraud-train'] },
  modelRegistry: { models: ['fraud'], approverPrincipalArns: ['arn:aws:iam::111122223333:role/acme-release-managers'] },
  serving: {
    models: [{ name: 'fraud', modelVersion: '4', image: IMAGE }],
    batchJobs: [{ name: 'fraud-nightly-scores', model: 'fraud', image: IMAGE, schedule: '30 3 * * *' }],
  },
  driftMonitors: [{
    model: 'fraud',
    baseline: { zone: 'features', prefix: 'fraud/baseline/', producedBy: 'the fraud team\'s profiling job' },
    features: [{ name: 'amount', type: 'numeric', psiThreshold: 0.2 }],
    conceptDrift: { task: 'classification', groundTruth: { zone: 'curated', prefix: 'labels/fraud/', producedBy: 'the chargeback export of the payments team' }, baseline: 0.94, maxDegradation: 0.03 },
  }],
  retrainingPipelines: [
    { ...retrain, name: 'fraud-retrain', engine: 'step-functions', schedule: 'cron(0 3 ? * MON *)' },
    { ...retrain, name: 'fraud-queue', engine: 'queue', schedule: 'cron(0 4 ? * MON *)' },
  ],
};

const CURATED = '${aws_s3_bucket.data_lake_curated_bucket_bucket.arn}';
const CURATED_NAME = '${aws_s3_bucket.data_lake_curated_bucket_bucket.bucket}';
const GROUP = '${aws_sagemaker_model_package_group.model_registry_fraud.model_package_group_name}';

/** Every Allow statement of every inline role policy, with the role policy's logical id. */
function allStatements(p: any): Array<{ role: string; st: any }> {
  return Object.entries(resources(p, 'aws_iam_role_policy')).flatMap(([id, r]: [string, any]) =>
    policy(r.policy).Statement.filter((st: any) => st.Effect !== 'Deny').map((st: any) => ({ role: id, st })));
}

/** Trust statements of the role an inline policy is attached to. */
function trustOf(p: any, policyId: string): any[] {
  const roleRef: string = resource(p, 'aws_iam_role_policy', policyId).role;
  const roleId = /^\$\{aws_iam_role\.([^.]+)\./.exec(roleRef)![1];
  return JSON.parse(resource(p, 'aws_iam_role', roleId).assume_role_policy).Statement;
}

/** Whether an S3 object ARN pattern of `bucketArn` covers keys under `prefix`. */
function covers(resourceArn: string, bucketArn: string, prefix: string): boolean {
  if (resourceArn === '*') return true;
  if (!resourceArn.startsWith(`${bucketArn}/`)) return false;
  const pattern = resourceArn.slice(bucketArn.length + 1);
  const literal = pattern.split('*')[0];
  return prefix.startsWith(literal) || literal.startsWith(prefix);
}

// One synthesis of the platform, shared by the end-to-end describes below.
let s: Synthesized;
let p: any;
let platform: MlopsPlatform;
beforeAll(() => {
  s = synthesize((app) => { platform = new MlopsPlatform(app, 'mlops-prod', props); });
  p = s.stacks['mlops-prod-platform'];
});

describe('the model lifecycle closes: retrain (both engines) -> register -> approve -> promote -> serve', () => {
  const definition = () => JSON.parse(resource(p, 'aws_sfn_state_machine', 'promotion_fraud_state_machine').definition);
  const promotionStatements = () => policy(resource(p, 'aws_iam_role_policy', 'promotion_fraud_role_policy').policy).Statement;

  test('references resolve and every Kubernetes object passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('both engines register PendingManualApproval candidates into the served model\'s registry group', () => {
    const sfn = JSON.parse(resource(p, 'aws_sfn_state_machine', 'retraining_fraud_retrain_state_machine').definition);
    expect(sfn.States.RegisterCandidate.Parameters).toMatchObject({ ModelPackageGroupName: GROUP, ModelApprovalStatus: 'PendingManualApproval' });
    const job = object(s, 'ScaledJob', 'fraud-queue', 'fraud');
    const register = job.spec.jobTargetRef.template.spec.containers.find((c: any) => c.name === 'register-candidate');
    expect(register.command[2]).toMatch(/--model-package-group-name \S+ --model-approval-status PendingManualApproval/);
    expect(platform.retrainingPipelines['fraud-queue']).toBeDefined();
    expect(resource(p, 'aws_cloudwatch_event_rule', 'promotion_fraud_approval_rule').event_pattern).toBe(JSON.stringify({
      source: ['aws.sagemaker'],
      'detail-type': ['SageMaker Model Package State Change'],
      detail: { ModelPackageGroupName: [GROUP], ModelApprovalStatus: ['Approved'] },
    }));
  });

  test('each registered ModelDataUrl lies under a source prefix of the promotion, and the promotion reads nothing else', () => {
    const sfn = JSON.parse(resource(p, 'aws_sfn_state_machine', 'retraining_fraud_retrain_state_machine').definition);
    const url = sfn.States.RegisterCandidate.Parameters.InferenceSpecification.Containers[0]['ModelDataUrl.$'];
    expect(url).toBe(`States.Format('s3://${CURATED_NAME}/model-candidates/fraud-retrain/{}/model.tar.gz', $.run.jobName)`);
    const job = object(s, 'ScaledJob', 'fraud-queue', 'fraud');
    const register = job.spec.jobTargetRef.template.spec.containers.find((c: any) => c.name === 'register-candidate');
    expect(register.command[2]).toMatch(/"ModelDataUrl":"s3:\/\/[^"]+\/model-candidates\/fraud-queue\/\$\(RUN_ID\)\/model\.tar\.gz"/);
    // The promotion accepts exactly those two prefixes ...
    const condition: string = definition().States.CheckPackage.Choices[0].Condition;
    expect(condition).toContain(`['s3://${CURATED_NAME}/model-candidates/fraud-retrain/','s3://${CURATED_NAME}/model-candidates/fraud-queue/']`);
    expect(condition).toContain(`$status = 'Approved' and $group = '${GROUP}'`);
    // ... and its role may read exactly those two prefixes.
    const gets = promotionStatements().filter((x: any) => arr(x.Action).includes('s3:GetObject')).flatMap((x: any) => arr(x.Resource));
    expect(gets.sort()).toEqual([`${CURATED}/model-candidates/fraud-queue/*`, `${CURATED}/model-candidates/fraud-retrain/*`]);
    // The teams write their candidates there (and nowhere serving reads).
    const teamPuts = allStatements(p).filter(({ role, st }) => role.startsWith('team_fraud') && arr(st.Action).includes('s3:PutObject')).flatMap(({ st }) => arr(st.Resource));
    expect(teamPuts).toEqual(expect.arrayContaining([`${CURATED}/model-candidates/fraud-retrain/*`, `${CURATED}/model-candidates/fraud-queue/*`]));
    expect(teamPuts.some((r: string) => covers(r, CURATED, 'models/fraud/'))).toBe(false);
  });

  test('the promotion writes exactly where the serving identity and the batch job read, and the pointer the server is told about', () => {
    const puts = promotionStatements().filter((x: any) => arr(x.Action).includes('s3:PutObject')).flatMap((x: any) => arr(x.Resource));
    expect(puts).toEqual([`${CURATED}/models/fraud/*`]);
    const d = definition();
    expect(d.States.CopyArtifact.Arguments.Bucket).toBe(CURATED_NAME);
    expect(d.States.CopyArtifact.Arguments.Key).toBe("{% 'models/fraud/versions/' & $version & '/' & $split($source, '/')[-1] %}");
    expect(d.States.CopyArtifact.Arguments.CopySourceIfUnmodifiedSince).toBe('{% $registered %}');
    expect(d.States.DescribePackage.Assign.registered).toBe('{% $states.result.CreationTime %}');
    expect(d.States.PointServingAtVersion.Arguments).toMatchObject({ Bucket: CURATED_NAME, Key: 'models/fraud/current.json' });
    const served = policy(resource(p, 'aws_iam_role_policy', 'serving_fraud_identity_role_policy').policy).Statement;
    expect(served.filter((x: any) => arr(x.Action).includes('s3:GetObject')).flatMap((x: any) => arr(x.Resource))).toEqual([`${CURATED}/models/fraud/*`]);
    const batch = policy(resource(p, 'aws_iam_role_policy', 'serving_batch_fraud_nightly_scores_identity_role_policy').policy).Statement;
    expect(batch.filter((x: any) => arr(x.Action).includes('s3:GetObject')).flatMap((x: any) => arr(x.Resource))).toContain(`${CURATED}/models/fraud/*`);
    const env = object(s, 'Deployment', 'fraud', 'serving').spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([{ name: 'MODEL_POINTER_URI', value: expect.stringMatching(/^s3:\/\/.+\/models\/fraud\/current\.json$/) }]));
    const batchEnv = object(s, 'CronJob', 'fraud-nightly-scores', 'serving').spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(batchEnv).toEqual(expect.arrayContaining([{ name: 'MODEL_POINTER_URI', value: expect.stringMatching(/\/models\/fraud\/current\.json$/) }]));
  });

  test('no identity but the promotion may write where the model is served', () => {
    const writers = allStatements(p)
      .filter(({ st }) => arr(st.Action).some((a: string) => a === 's3:PutObject' || a === 's3:*' || a === 's3:Put*'))
      .filter(({ st }) => arr(st.Resource).some((r: string) => covers(r, CURATED, 'models/fraud/')))
      .map(({ role }) => role)
      // Lake Formation's own role for the registered lake locations, assumable by lakeformation.amazonaws.com only.
      .filter((role) => trustOf(p, role).every((t: any) => t.Principal?.Service === 'lakeformation.amazonaws.com') === false);
    expect([...new Set(writers)]).toEqual(['promotion_fraud_role_policy']);
  });

  test('the promotion role: describe packages of the group, zone key through S3, its own state machine; it cannot register or approve', () => {
    const st = promotionStatements();
    const actions = st.flatMap((x: any) => arr(x.Action));
    expect(actions.filter((a: string) => a.startsWith('sagemaker:'))).toEqual(['sagemaker:DescribeModelPackage']);
    expect(st.find((x: any) => x.Sid === 'DescribeApprovedPackage').Resource).toMatch(/:model-package\/\$\{aws_sagemaker_model_package_group\.model_registry_fraud\.model_package_group_name\}\/\*$/);
    expect(actions).not.toContain('s3:DeleteObject');
    expect(actions.some((a: string) => a.endsWith(':*'))).toBe(false);
    const kms = st.filter((x: any) => arr(x.Action).some((a: string) => a.startsWith('kms:')));
    for (const k of kms) expect(JSON.stringify(k.Condition)).toMatch(/kms:ViaService|aws:states:stateMachineArn/);
    const trust = JSON.parse(resource(p, 'aws_iam_role', 'promotion_fraud_role_role').assume_role_policy).Statement[0];
    expect(trust.Principal).toEqual({ Service: 'states.amazonaws.com' });
    expect(trust.Condition.ArnLike['aws:SourceArn']).toMatch(/stateMachine:acme-mlops-prod-promote-fraud$/);
  });

  test('approval stays with the approver: it may set Approved, the promoter (CI) carries the explicit Deny', () => {
    const approver = policy(resource(p, 'aws_iam_role_policy', 'model_approver_policy').policy).Statement;
    expect(approver.some((x: any) => arr(x.Action).includes('sagemaker:UpdateModelPackage') && x.Condition === undefined)).toBe(true);
    const ci = allStatements(p).filter(({ role }) => role.startsWith('ci_deploy'));
    expect(ci.some(({ st }) => arr(st.Action).includes('sagemaker:UpdateModelPackage') && st.Condition === undefined)).toBe(false);
    const updaters = allStatements(p).filter(({ st }) => arr(st.Action).includes('sagemaker:UpdateModelPackage') && st.Condition === undefined).map(({ role }) => role);
    expect(updaters).toEqual(['model_approver_policy']);
  });

  test('approval events that cannot start the promotion are dead-lettered; failures, timeouts and dead letters alarm', () => {
    const target = resource(p, 'aws_cloudwatch_event_target', 'promotion_fraud_approval_target');
    expect(target.arn).toBe('${aws_sfn_state_machine.promotion_fraud_state_machine.arn}');
    expect(target.dead_letter_config.arn).toBe('${aws_sqs_queue.promotion_fraud_dead_letter_queue.arn}');
    expect(resource(p, 'aws_sqs_queue', 'promotion_fraud_dead_letter_queue').kms_master_key_id).toMatch(/aws_kms_key\.keys_pipelines_key\.arn/);
    const alarms = resources(p, 'aws_cloudwatch_metric_alarm');
    for (const a of ['promotion_fraud_failed_alarm', 'promotion_fraud_timed_out_alarm', 'promotion_fraud_dead_letter_alarm']) {
      expect(alarms[a].alarm_actions).toEqual([expect.stringMatching(/aws_sns_topic\.alerts/)]);
    }
    expect(alarms.promotion_fraud_failed_alarm.alarm_name).toBe('acme-mlops-prod-promote-fraud-failed');
    const sm = resource(p, 'aws_sfn_state_machine', 'promotion_fraud_state_machine');
    expect(sm.logging_configuration).toMatchObject({ level: 'ALL', include_execution_data: false });
    expect(sm.encryption_configuration.type).toBe('CUSTOMER_MANAGED_KMS_KEY');
  });
});

describe('predictions have declared producers, and the drift monitor reads what they write (same platform)', () => {
  const RAW = '${aws_s3_bucket.data_lake_raw_bucket_bucket.arn}';

  test('the model server captures into raw predictions/<model>/dt=<day>/ through a Firehose stream encrypted with the lake CMK', () => {
    const f = resource(p, 'aws_kinesis_firehose_delivery_stream', 'serving_fraud_capture_delivery_stream');
    expect(f.name).toBe('acme-mlops-prod-predictions-fraud');
    expect(f.server_side_encryption).toEqual({ enabled: true, key_type: 'CUSTOMER_MANAGED_CMK', key_arn: '${aws_kms_key.keys_lake_key.arn}' });
    const dest = f.extended_s3_configuration;
    expect(dest).toMatchObject({ bucket_arn: RAW, prefix: 'predictions/fraud/dt=!{timestamp:yyyy-MM-dd}/', file_extension: '.jsonl', compression_format: 'UNCOMPRESSED', kms_key_arn: '${aws_kms_key.keys_lake_key.arn}' });
    expect(dest.processing_configuration.processors).toEqual([{ type: 'AppendDelimiterToRecord' }]);
    const env = object(s, 'Deployment', 'fraud', 'serving').spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'PREDICTIONS_STREAM', value: 'acme-mlops-prod-predictions-fraud' },
      { name: 'PREDICTIONS_URI', value: expect.stringMatching(/\/predictions\/fraud\/$/) },
    ]));
  });

  test('the serving identity may put records into exactly its stream, and write nothing in the lake', () => {
    const st = policy(resource(p, 'aws_iam_role_policy', 'serving_fraud_identity_role_policy').policy).Statement;
    const fh = st.filter((x: any) => arr(x.Action).some((a: string) => a.startsWith('firehose:')));
    expect(fh).toEqual([expect.objectContaining({ Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: '${aws_kinesis_firehose_delivery_stream.serving_fraud_capture_delivery_stream.arn}' })]);
    expect(st.some((x: any) => arr(x.Action).includes('s3:PutObject'))).toBe(false);
    const delivery = policy(resource(p, 'aws_iam_role_policy', 'serving_fraud_capture_delivery_role_policy').policy).Statement;
    expect(delivery.filter((x: any) => arr(x.Action).includes('s3:PutObject')).flatMap((x: any) => arr(x.Resource)).sort())
      .toEqual([`${RAW}/errors/predictions/fraud/*`, `${RAW}/predictions/fraud/*`]);
  });

  test('batch scoring writes its scores beside them, in raw predictions/<model>/', () => {
    const st = policy(resource(p, 'aws_iam_role_policy', 'serving_batch_fraud_nightly_scores_identity_role_policy').policy).Statement;
    expect(st.filter((x: any) => arr(x.Action).includes('s3:PutObject')).flatMap((x: any) => arr(x.Resource))).toEqual([`${RAW}/predictions/fraud/*`]);
    const env = object(s, 'CronJob', 'fraud-nightly-scores', 'serving').spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([{ name: 'PREDICTIONS_URI', value: expect.stringMatching(/\/predictions\/fraud\/$/) }]));
  });

  test('the drift monitor reads recent inputs and concept-drift predictions from that location by default', () => {
    const st = policy(resource(p, 'aws_iam_role_policy', 'drift_fraud_identity_role_policy').policy).Statement;
    const gets = st.filter((x: any) => arr(x.Action).includes('s3:GetObject')).flatMap((x: any) => arr(x.Resource));
    expect(gets).toContain(`${RAW}/predictions/fraud/*`);
    const cj = object(s, 'CronJob', 'drift-fraud', 'mlops-system');
    const script: string = cj.spec.jobTemplate.spec.template.spec.initContainers[0].command[2];
    expect(script).toMatch(/predictions\/fraud\/dt=\$day\//);
    expect(script).toMatch(/aws s3 sync "s3:\/\/[^"]+\/predictions\/fraud\/dt=\$day\/" "\/data\/predictions\/dt=\$day"/);
  });
});

describe('platform wiring of servedModel: invalid input', () => {
  const build = (over: Partial<MlopsPlatformProps>) => () => new MlopsPlatform(new App({ outdir: require('os').tmpdir() }), 'mlops-prod', { ...props, ...over });
  const pipeline = (over: Record<string, unknown>) => ({ retrainingPipelines: [{ ...retrain, name: 'fraud-retrain', schedule: 'rate(7 days)', ...over } as any] });

  test('a servedModel that is not served', () => {
    expect(build(pipeline({ servedModel: 'churn' }))).toThrow(/^\[mlops-prod\] retraining pipeline "fraud-retrain" names servedModel "churn", which is not a serving model\. Fix: use one of fraud\.$/);
  });
  test('a servedModel without a registry, or not in it', () => {
    expect(build({ ...pipeline({}), modelRegistry: undefined })).toThrow(/^\[mlops-prod\] retraining pipeline "fraud-retrain" serves model "fraud", but there is no modelRegistry to approve its candidates\. Fix: configure modelRegistry with "fraud" in models\.$/);
    expect(build({ ...pipeline({}), modelRegistry: { models: ['other'], approverPrincipalArns: ['arn:aws:iam::111122223333:role/r'] } }))
      .toThrow(/^\[mlops-prod\] retraining pipeline "fraud-retrain" serves model "fraud", which is not in modelRegistry\.models\. Fix: add "fraud" to modelRegistry\.models\.$/);
  });
  test('a modelPackageGroupName that contradicts servedModel, or neither of them', () => {
    expect(build(pipeline({ modelPackageGroupName: 'acme-other' }))).toThrow(/^\[mlops-prod\] retraining pipeline "fraud-retrain" registers into modelPackageGroupName "acme-other", but its servedModel "fraud" is promoted from group "acme-mlops-prod-fraud"\. Fix: drop modelPackageGroupName \(servedModel sets it\)\.$/);
    expect(build(pipeline({ servedModel: undefined }))).toThrow(/^\[mlops-prod\] retraining pipeline "fraud-retrain" has neither servedModel nor modelPackageGroupName: its candidates have nowhere to be registered\. Fix: set servedModel/);
  });
});

describe('ModelPromotion: invalid input', () => {
  let stack: any;
  let base: ModelPromotionProps;
  beforeAll(() => {
    stack = testStack(new App({ outdir: require('os').tmpdir() }));
    const bucket = new DataLake(stack, 'lake').zone('curated').bucket;
    base = {
      model: 'fraud', modelPackageGroupName: 'acme-fraud', alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
      sources: [{ bucket, prefix: 'model-candidates/fraud-retrain/' }], destination: { bucket, prefix: 'models/fraud/' },
    };
  });
  const bad = (id: string, over: Partial<ModelPromotionProps>) => () => new ModelPromotion(stack, id, { ...base, ...over });

  test('no sources, a wildcard destination, a source inside the served prefix', () => {
    expect(bad('p1', { sources: [] })).toThrow(/^\[platform\/p1\] sources is empty: no approved package could ever be promoted\. Fix: pass the candidates location/);
    expect(bad('p2', { destination: { ...base.destination, prefix: 'models/*' } })).toThrow(/^\[platform\/p2\] destination\.prefix "models\/\*" must be a literal, non-empty key prefix\./);
    expect(bad('p3', { sources: [{ ...base.destination, prefix: 'models/fraud/candidates/' }] }))
      .toThrow(/^\[platform\/p3\] sources\[0\]\.prefix "models\/fraud\/candidates\/" overlaps destination\.prefix "models\/fraud\/": the pipeline's team could write where serving reads\./);
  });
  test('no alarm topic, no group', () => {
    expect(bad('p4', { alarmTopicArn: '' })).toThrow(/^\[platform\/p4\] no alarmTopicArn: a failed promotion would go unseen\./);
    expect(bad('p5', { modelPackageGroupName: '' })).toThrow(/^\[platform\/p5\] no modelPackageGroupName/);
  });
});
