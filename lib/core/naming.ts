import { IConstruct } from 'constructs';
import { invalid, show } from './errors';

/** The length and character rules of one kind of named resource. */
export interface NamingRule {
  /** Human name of the resource kind, used in errors. */
  readonly what: string;
  readonly minLength: number;
  readonly maxLength: number;
  /** The whole name must match this. */
  readonly pattern: RegExp;
  /** Words of a generated name are joined with this. */
  readonly separator: '-' | '_';
  /** Generated names are lower-cased. */
  readonly lowercase: boolean;
  /** The allowed characters, in words, for the fix. */
  readonly charset: string;
}

const rule = (what: string, minLength: number, maxLength: number, pattern: RegExp, charset: string, separator: '-' | '_' = '-', lowercase = true): NamingRule =>
  ({ what, minLength, maxLength, pattern, charset, separator, lowercase });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LOWER_HYPHEN = 'lower-case letters, digits and hyphens';

/**
 * AWS and Kubernetes naming rules, from each service's API reference.
 * A name that breaks one is a synth error, never a failed apply.
 */
export const NAMING_RULES = {
  's3-bucket': rule('S3 bucket', 3, 63, /^(?!xn--)(?!.*\.\.)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]*[a-z0-9]$/, 'lower-case letters, digits, dots and hyphens'),
  'iam-role': rule('IAM role', 1, 64, /^[\w+=,.@-]+$/, 'letters, digits and +=,.@_-'),
  'iam-policy': rule('IAM policy', 1, 128, /^[\w+=,.@-]+$/, 'letters, digits and +=,.@_-'),
  'eks-cluster': rule('EKS cluster', 1, 100, /^[0-9A-Za-z][A-Za-z0-9\-_]*$/, 'letters, digits, hyphens and underscores'),
  'eks-node-group': rule('EKS node group', 1, 63, /^[0-9A-Za-z][A-Za-z0-9\-_]*$/, 'letters, digits, hyphens and underscores'),
  'launch-template': rule('EC2 launch template', 3, 128, /^[a-zA-Z0-9().\/_-]+$/, 'letters, digits and ()./_-'),
  'kms-alias': rule('KMS alias', 7, 256, /^alias\/(?!aws\/)[a-zA-Z0-9\/_-]+$/, 'letters, digits and /_- after "alias/"'),
  'log-group': rule('CloudWatch log group', 1, 512, /^[.\-_/#A-Za-z0-9]+$/, 'letters, digits and ._-/#'),
  'security-group': rule('security group', 1, 255, /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/, 'letters, digits and common punctuation'),
  'kinesis-stream': rule('Kinesis data stream', 1, 128, /^[a-zA-Z0-9_.-]+$/, 'letters, digits and _.-'),
  'firehose-stream': rule('Firehose delivery stream', 1, 64, /^[a-zA-Z0-9_.-]+$/, 'letters, digits and _.-'),
  'msk-cluster': rule('MSK cluster', 1, 64, /^[a-zA-Z][a-zA-Z0-9-]*$/, 'letters, digits and hyphens, starting with a letter'),
  'ecr-repository': rule('ECR repository', 2, 256, /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, 'lower-case letters, digits and ._-/'),
  'dynamodb-table': rule('DynamoDB table', 3, 255, /^[a-zA-Z0-9_.-]+$/, 'letters, digits and _.-'),
  'rds-instance': rule('RDS DB identifier', 1, 63, /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/, `${LOWER_HYPHEN}, starting with a letter, no "--"`),
  'elasticache-group': rule('ElastiCache replication group', 1, 40, /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/, `${LOWER_HYPHEN}, starting with a letter, no "--"`),
  'glue-database': rule('Glue database', 1, 255, /^[a-z0-9_]+$/, 'lower-case letters, digits and underscores', '_'),
  'glue-table': rule('Glue table', 1, 255, /^[a-z0-9_]+$/, 'lower-case letters, digits and underscores', '_'),
  'glue-job': rule('Glue job, crawler or trigger', 1, 255, /^[a-zA-Z0-9_.-]+$/, 'letters, digits and _.-'),
  'glue-registry': rule('Glue schema registry or schema', 1, 255, /^[a-zA-Z0-9-_$#.]+$/, 'letters, digits and -_$#.'),
  'sns-topic': rule('SNS topic', 1, 256, /^[A-Za-z0-9_-]+$/, 'letters, digits, hyphens and underscores'),
  'sqs-queue': rule('SQS queue', 1, 80, /^[A-Za-z0-9_-]+$/, 'letters, digits, hyphens and underscores'),
  'secret': rule('Secrets Manager secret', 1, 512, /^[A-Za-z0-9/_+=.@-]+$/, 'letters, digits and /_+=.@-'),
  'lambda-function': rule('Lambda function', 1, 64, /^[a-zA-Z0-9-_]+$/, 'letters, digits, hyphens and underscores'),
  'eventbridge-rule': rule('EventBridge rule', 1, 64, /^[.\-_A-Za-z0-9]+$/, 'letters, digits and ._-'),
  'state-machine': rule('Step Functions state machine', 1, 80, /^[A-Za-z0-9_-]+$/, 'letters, digits, hyphens and underscores'),
  'cloudtrail': rule('CloudTrail trail', 3, 128, /^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$/, 'letters, digits and ._-'),
  'budget': rule('AWS Budget', 1, 100, /^[^:\\]+$/, 'any characters but : and \\'),
  'alarm': rule('CloudWatch alarm', 1, 255, /^[^\x00-\x1f]+$/, 'printable characters'),
  'dashboard': rule('CloudWatch dashboard', 1, 255, /^[A-Za-z0-9_-]+$/, 'letters, digits, hyphens and underscores'),
  'model-package-group': rule('SageMaker model package group', 1, 63, /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'letters, digits and hyphens'),
  'k8s-name': rule('Kubernetes object name (DNS-1123 label)', 1, 63, DNS_LABEL, LOWER_HYPHEN),
  'k8s-namespace': rule('Kubernetes namespace', 1, 63, DNS_LABEL, LOWER_HYPHEN),
  'feast-project': rule('Feast project', 1, 100, /^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and underscores, starting with a letter', '_'),
  'scheduler-schedule': rule('EventBridge Scheduler schedule', 1, 64, /^[0-9a-zA-Z_.-]+$/, 'letters, digits and ._-'),
  'cost-anomaly': rule('Cost anomaly monitor or subscription', 1, 1024, /^[A-Za-z0-9 _.:/=+@-]+$/, 'letters, digits, spaces and _.:/=+@-'),
} as const satisfies Record<string, NamingRule>;

/** A kind of resource whose name the library checks. */
export type NameKind = keyof typeof NAMING_RULES;

/**
 * Checks `name` against the rules of `kind` and returns it; a breach is a synth error that names
 * the construct, the name, the rule and the fix.
 */
export function checkName(scope: IConstruct, kind: NameKind, name: string): string {
  const r: NamingRule = NAMING_RULES[kind];
  if (name.length > r.maxLength) {
    invalid(scope, `${r.what} name ${show(name)} is ${name.length} characters, over the limit of ${r.maxLength}.`,
      `shorten the construct's name or the platform name prefix so the name fits in ${r.maxLength} characters.`);
  }
  if (name.length < r.minLength) {
    invalid(scope, `${r.what} name ${show(name)} is shorter than ${r.minLength} characters.`, `use a longer name.`);
  }
  if (!r.pattern.test(name)) {
    invalid(scope, `${r.what} name ${show(name)} is not allowed: it may contain only ${r.charset}.`,
      `rename it using only ${r.charset}.`);
  }
  return name;
}

/**
 * Deterministic names: `<prefix>-<parts...>` with each kind's separator and case, validated against
 * that kind's rules. Names carry no random suffix, so a plan shows the same names on every synth.
 */
export class Naming {
  /** @param prefix words every name starts with, e.g. `acme-mlops-prod` */
  constructor(public readonly prefix: string) {}

  /** A validated name of `kind` made of the prefix and `parts`. */
  public name(scope: IConstruct, kind: NameKind, ...parts: string[]): string {
    const r: NamingRule = NAMING_RULES[kind];
    const words = [this.prefix, ...parts].filter((p) => p.length > 0);
    let joined = words.join(r.separator);
    if (r.lowercase) joined = joined.toLowerCase();
    joined = r.separator === '_' ? joined.replace(/-/g, '_') : joined.replace(/_/g, '-');
    if (kind === 'kms-alias') joined = `alias/${joined}`;
    return checkName(scope, kind, joined);
  }
}
