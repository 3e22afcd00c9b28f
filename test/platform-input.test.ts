import { App } from 'cdktf';
import { MlopsPlatform, MlopsPlatformProps } from '../lib/platform';
import { PlatformRole } from '../lib/security/platform-role';
import { AWS_REGIONS } from '../lib/core/validators';
import { TAGS, testStack } from './support/fixtures';

// Issue 15: names, identifiers and time zones are clear errors at construction, naming the prop as
// written in MlopsPlatformProps. Nothing here synthesizes: each case throws before synth.
const IMAGE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/fraud:1.4.0';
const TRAIN = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/fraud-train:1.4.0';
const ROLE = 'arn:aws:iam::111122223333:role/acme-team-fraud';
const base: MlopsPlatformProps = {
  name: 'acme-mlops', environment: 'prod', region: 'eu-west-1', tags: TAGS,
  backend: { bucket: 'acme-terraform-state', region: 'eu-west-1', keyPrefix: 'cdktf-mlops' },
  cluster: { publicEndpointCidrs: ['203.0.113.0/24'] },
  teams: [{ name: 'fraud', accessRoleArn: ROLE, quota: { gpus: 8 } }],
  ciCd: { repository: 'acme/ml-platform' },
  containerRegistry: { accountId: '111122223333', models: ['fraud', 'fraud-train'] },
  modelRegistry: { models: ['fraud'], approverPrincipalArns: ['arn:aws:iam::111122223333:role/acme-release-managers'] },
  serving: { models: [{ name: 'fraud', modelVersion: '4', image: IMAGE }], batchJobs: [{ name: 'fraud-nightly-scores', model: 'fraud', image: IMAGE, schedule: '30 3 * * *' }] },
};
const build = (over: Partial<MlopsPlatformProps>) => () => new MlopsPlatform(new App({ outdir: '/tmp/cdktf-mlops-input' }), 'acme', { ...base, ...over });
const TZ_FIX = 'Fix: use a name from the IANA time zone database such as';

describe('MlopsPlatform: names and enums', () => {
  test('an unknown environment is blamed on environment, with the nearest one', () => {
    expect(build({ environment: 'production' as any })).toThrow(
      '[acme] environment "production" is not a known environment; did you mean "prod"? Fix: use "prod", or one of dev, staging, prod.');
    expect(build({ environment: 'qa' as any })).toThrow('[acme] environment "qa" is not a known environment. Fix: use one of dev, staging, prod.');
  });
  test('duplicate team or GPU pool names are named, not a construct-tree error', () => {
    expect(build({ teams: [{ name: 'fraud', accessRoleArn: ROLE }, { name: 'risk', accessRoleArn: ROLE }, { name: 'fraud', accessRoleArn: ROLE }] })).toThrow(
      '[acme] teams[2].name "fraud" is already used by teams[0]. Fix: give each entry of teams a distinct name.');
    expect(build({ gpuPools: [{ poolName: 'training', maxSize: 2 }, { poolName: 'training', maxSize: 4 }] })).toThrow(
      '[acme] gpuPools[1].poolName "training" is already used by gpuPools[0]. Fix: give each entry of gpuPools a distinct poolName.');
  });
});

describe('MlopsPlatform: regions and buckets', () => {
  test('an unknown region is refused with the nearest one', () => {
    expect(build({ region: 'eu-west-4' })).toThrow(
      `[acme] region "eu-west-4" is not an AWS region; did you mean "eu-west-1"? Fix: use "eu-west-1", or one of ${Object.keys(AWS_REGIONS).join(', ')}.`);
    expect(build({ backend: { bucket: 'acme-terraform-state', region: 'us-gov-west-2' } })).toThrow(
      `[acme] backend.region "us-gov-west-2" is not an AWS region; did you mean "us-gov-west-1"? Fix: use "us-gov-west-1", or one of ${Object.keys(AWS_REGIONS).join(', ')}.`);
  });
  test('a backend bucket given as a URL or with upper case is refused', () => {
    expect(build({ backend: { bucket: 's3://acme-terraform-state', region: 'eu-west-1' } })).toThrow(
      '[acme] backend.bucket "s3://acme-terraform-state" is not an S3 bucket name (it must be the bare name, not a URL, ARN or path). Fix: use "acme-terraform-state".');
    expect(build({ backend: { bucket: 'Acme-State', region: 'eu-west-1' } })).toThrow(
      '[acme] backend.bucket "Acme-State" is not a valid S3 bucket name. Fix: use 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, e.g. "acme-state".');
  });
  test('an audit bucket given as a name where an ARN is needed', () => {
    expect(build({ audit: { modelBuckets: ['acme-models'] } })).toThrow(
      '[acme] audit.modelBuckets[0] "acme-models" is not an ARN. Fix: use the full S3 bucket ARN, e.g. "arn:aws:s3:::acme-models".');
    expect(build({ ciCd: { repository: 'acme/ml-platform', stateBucketArn: 's3://acme-terraform-state' } })).toThrow(
      '[acme] ciCd.stateBucketArn "s3://acme-terraform-state" is not an ARN. Fix: use the full S3 bucket ARN, e.g. "arn:aws:s3:::<bucket>".');
  });
});

describe('MlopsPlatform: ARNs', () => {
  test('approver principals: none, a bare name, a policy ARN', () => {
    expect(build({ modelRegistry: { models: ['fraud'], approverPrincipalArns: [] } })).toThrow(
      '[acme] modelRegistry.approverPrincipalArns is empty, so no one could approve a model version for production. Fix: list the IAM role ARNs of the release approvers.');
    expect(build({ modelRegistry: { models: ['fraud'], approverPrincipalArns: [ROLE, 'release-managers'] } })).toThrow(
      '[acme] modelRegistry.approverPrincipalArns[1] "release-managers" is not an ARN. Fix: use the full IAM role, user or account root ARN, e.g. "arn:aws:iam::<account>:role/<name>".');
    expect(build({ modelRegistry: { models: ['fraud'], approverPrincipalArns: ['arn:aws:iam::111122223333:policy/x'] } })).toThrow(
      '[acme] modelRegistry.approverPrincipalArns[0] "arn:aws:iam::111122223333:policy/x" is not an IAM role, user or account root ARN. Fix: use the full IAM role, user or account root ARN, e.g. "arn:aws:iam::<account>:role/<name>".');
  });
  test('cluster admin and team access roles', () => {
    expect(build({ cluster: { publicEndpointCidrs: ['203.0.113.0/24'], adminRoleArns: ['arn:aws:iam:111122223333:role/admins'] } })).toThrow(
      '[acme] cluster.adminRoleArns[0] "arn:aws:iam:111122223333:role/admins" is not an IAM role ARN. Fix: use the full IAM role ARN, e.g. "arn:aws:iam::<account>:role/<name>".');
    expect(build({ teams: [{ name: 'fraud', accessRoleArn: 'acme-team-fraud' }] })).toThrow(
      '[acme] teams[0].accessRoleArn "acme-team-fraud" is not an ARN. Fix: use the full IAM role ARN, e.g. "arn:aws:iam::<account>:role/<name>".');
  });
  test('CI deploy policies given by name', () => {
    expect(build({ ciCd: { repository: 'acme/ml-platform', deployPolicyArns: ['AdministratorAccess'] } })).toThrow(
      '[acme] ciCd.deployPolicyArns[0] "AdministratorAccess" is not an ARN. Fix: use the full IAM policy ARN, e.g. "arn:aws:iam::aws:policy/<name>".');
  });
  test('PlatformRole trust principals given directly', () => {
    const role = (AWS: string | string[]) => () => new PlatformRole(testStack(new App({ outdir: '/tmp/cdktf-mlops-input' })), 'r', {
      nameParts: ['r'], description: 'r', trust: [{ principals: { AWS }, actions: ['sts:AssumeRole'] }],
    });
    expect(role('111122223333')).not.toThrow();
    expect(role([])).toThrow('[platform/r] trust[0].principals.AWS is empty, so no one could assume the role. Fix: list the IAM principal ARNs that may assume it.');
    expect(role('admins')).toThrow(
      '[platform/r] trust[0].principals.AWS "admins" is not an ARN. Fix: use the full IAM role, user or account root ARN, e.g. "arn:aws:iam::<account>:role/<name>".');
  });
});

describe('MlopsPlatform: time zones', () => {
  const retrain = { team: 'fraud', image: TRAIN, command: ['python', '-m', 'fraud.train'], gpus: 1, inferenceImage: IMAGE, servedModel: 'fraud' };
  test('a misspelt zone gets the nearest one; an abbreviation is refused', () => {
    expect(build({ trainingSchedules: [{ name: 'nightly', team: 'fraud', image: TRAIN, command: ['python'], gpus: 1, schedule: '0 2 * * *', timeZone: 'Europe/Berln' }] })).toThrow(
      `[acme] trainingSchedules[0].timeZone "Europe/Berln" is not an IANA time zone name; did you mean "Europe/Berlin"? ${TZ_FIX} "Europe/Berlin", "Etc/UTC" or "Europe/Paris" (abbreviations such as PST are ambiguous).`);
    expect(build({ serving: { models: [{ name: 'fraud', modelVersion: '4', image: IMAGE }], batchJobs: [{ name: 'scores', model: 'fraud', image: IMAGE, schedule: '30 3 * * *', timeZone: 'PST' }] } })).toThrow(
      `[acme] serving.batchJobs[0].timeZone "PST" is not an IANA time zone name. ${TZ_FIX} "Etc/UTC" or "Europe/Paris" (abbreviations such as PST are ambiguous).`);
    expect(build({ retrainingPipelines: [{ ...retrain, name: 'fraud-retrain', engine: 'step-functions', schedule: 'cron(0 3 ? * MON *)', scheduleTimeZone: 'Europe/Berln' }] })).toThrow(
      `[acme] retrainingPipelines[0].scheduleTimeZone "Europe/Berln" is not an IANA time zone name; did you mean "Europe/Berlin"? ${TZ_FIX} "Europe/Berlin", "Etc/UTC" or "Europe/Paris" (abbreviations such as PST are ambiguous).`);
  });
  test('valid zones, links and UTC build', () => {
    expect(build({ serving: { models: [{ name: 'fraud', modelVersion: '4', image: IMAGE }], batchJobs: [{ name: 'scores', model: 'fraud', image: IMAGE, schedule: '30 3 * * *', timeZone: 'Europe/Kiev' }] } })).not.toThrow();
  });
});

describe('MlopsPlatform: what an engine cannot honour is an error, not a silent drop', () => {
  const pipeline = { name: 'fraud-retrain', team: 'fraud', image: TRAIN, command: ['python', '-m', 'fraud.train'], gpus: 1, inferenceImage: IMAGE, servedModel: 'fraud', schedule: 'cron(0 3 ? * MON *)' };
  test('a schedule time zone on the queue engine (an EventBridge rule runs in UTC only)', () => {
    expect(build({ retrainingPipelines: [{ ...pipeline, engine: 'queue', scheduleTimeZone: 'Europe/Berlin' }] })).toThrow(
      '[acme] retraining pipeline "fraud-retrain" runs on the queue engine, whose schedule (an EventBridge rule) is in UTC only, but scheduleTimeZone is "Europe/Berlin". '
      + 'Fix: write the schedule in UTC and drop scheduleTimeZone, or use engine "step-functions" (EventBridge Scheduler, which honours time zones).');
  });
  test('UTC on the queue engine, and a time zone on the step-functions engine, are fine', () => {
    expect(build({ retrainingPipelines: [{ ...pipeline, engine: 'queue', scheduleTimeZone: 'Etc/UTC' }] })).not.toThrow();
    expect(build({ retrainingPipelines: [{ ...pipeline, engine: 'step-functions', scheduleTimeZone: 'Europe/Berlin' }] })).not.toThrow();
  });
});
