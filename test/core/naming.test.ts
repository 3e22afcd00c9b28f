import { App } from 'cdktf';
import { Construct } from 'constructs';
import { checkName, Naming, NAMING_RULES } from '../../lib/core/naming';
import { MlopsValidationError } from '../../lib/core/errors';

const scope = () => new Construct(new App({ outdir: '/tmp/cdktf-mlops-naming' }), 'thing');

describe('Naming', () => {
  test('joins the prefix and parts with the kind separator and case', () => {
    const n = new Naming('acme-mlops-prod');
    const s = scope();
    expect(n.name(s, 's3-bucket', 'lake', 'Raw')).toBe('acme-mlops-prod-lake-raw');
    expect(n.name(s, 'glue-database', 'curated')).toBe('acme_mlops_prod_curated');
    expect(n.name(s, 'kms-alias', 'lake')).toBe('alias/acme-mlops-prod-lake');
  });

  test('is deterministic', () => {
    const s = scope();
    expect(new Naming('p').name(s, 'iam-role', 'a', 'b')).toBe(new Naming('p').name(s, 'iam-role', 'a', 'b'));
  });

  test('a name over an AWS limit is an error naming the construct, the limit and the fix', () => {
    const s = scope();
    expect(() => new Naming('acme-mlops-production').name(s, 's3-bucket', 'a'.repeat(50)))
      .toThrow(/^\[thing\] S3 bucket name "acme-mlops-production-a+" is 72 characters, over the limit of 63\. Fix: shorten/);
    expect(() => checkName(s, 'iam-role', 'r'.repeat(65))).toThrow(MlopsValidationError);
    expect(() => checkName(s, 'eks-node-group', 'n'.repeat(64))).toThrow(/over the limit of 63/);
  });

  test('a name with characters AWS refuses is an error naming the allowed charset', () => {
    const s = scope();
    expect(() => checkName(s, 's3-bucket', 'Acme_Bucket')).toThrow(/\[thing\] S3 bucket name "Acme_Bucket" is not allowed: it may contain only lower-case letters, digits, dots and hyphens\./);
    expect(() => checkName(s, 'rds-instance', 'db--one')).toThrow(/RDS DB identifier/);
    expect(() => checkName(s, 'k8s-name', 'Model_A')).toThrow(/DNS-1123/);
    expect(() => checkName(s, 'kms-alias', 'alias/aws/s3')).toThrow(/KMS alias/);
    expect(() => checkName(s, 's3-bucket', 'ab')).toThrow(/shorter than 3/);
  });

  test('every rule accepts a typical name', () => {
    const s = scope();
    for (const kind of Object.keys(NAMING_RULES) as Array<keyof typeof NAMING_RULES>) {
      expect(() => new Naming('acme-dev').name(s, kind, 'models')).not.toThrow();
    }
  });
});
