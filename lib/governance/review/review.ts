import { DEFAULT_RULES } from '../policy-pack';
import { firstBlock, PlatformModel, SEVERITIES, Severity, TfResource } from '../policy/model';
import { AcceptedException, evaluatePolicy, Finding, PolicyRule, Suppression } from '../policy/rule';
import { CheckovDeviation, CHECKOV_DEVIATIONS, checkovExceptions } from '../policy/checkov-exceptions';
import { attachedTo } from '../policy/rules-aws';
import { containersOf, podSpec } from '../policy/rules-kubernetes';
import { GPU_INSTANCE } from '../policy/rules-cost';
import { PRICE_TABLE } from './prices';
import { complianceReport, ControlResult } from './compliance';
import { groupBy } from '../../core/collections';
import { systemModelOf } from '../system/system-model';
import { systemFlows } from '../system/flows';

/** What one IAM role can do. */
export interface RoleInventory {
  readonly address: string;
  readonly name: string;
  /** Who may assume it (service principals, federated providers, accounts). */
  readonly trustedBy: string[];
  /** `Effect action on resource` lines of its inline policies, plus attached managed policies. */
  readonly permissions: string[];
}

/** A review of a synthesized platform or a plan. */
export interface Review {
  readonly source: string;
  readonly generatedBy: string;
  readonly resourceCount: number;
  readonly objectCount: number;
  readonly rules: readonly PolicyRule[];
  readonly findings: Finding[];
  /** Deviations accepted with a reason (by the rules' design, or known checkov deviations): listed, never failures. */
  readonly exceptions: AcceptedException[];
  readonly roles: RoleInventory[];
  readonly publicEndpoints: Array<{ address: string; what: string }>;
  readonly encryption: Array<{ address: string; store: string; encryption: string }>;
  readonly images: Array<{ image: string; usedBy: string[] }>;
  readonly charts: Array<{ address: string; chart: string; version: string; repository: string }>;
  /** Settings that are one per account and region, which this platform takes over (they affect more than the platform). */
  readonly accountWide: Array<{ address: string; setting: string }>;
  /** Which controls the platform implements, and with which resources. */
  readonly compliance: ControlResult[];
  /**
   * The flows of the system model with their status: data (who writes and reads each location), IAM needs,
   * separation of duties, network paths, images, placement, budgets, alerts, cluster order and API reach.
   */
  readonly flows: Array<{ kind: string; from: string; to: string; status: 'ok' | 'broken' | 'accepted'; detail: string }>;
  /** Whether the declared needs of the grants were available (cdktf.out written by a policy pack; not plans). */
  readonly declaredNeeds: boolean;
  readonly cost: { priceTable: string; lines: Array<{ address: string; item: string; baselineMonthly: number; ceilingMonthly: number; basis: string }>; baselineMonthly: number; ceilingMonthly: number };
}

/** Options of {@link review}. */
export interface ReviewOptions {
  /** Accepted findings. @default none */
  readonly suppressions?: Suppression[];
  /** Rules. @default DEFAULT_RULES */
  readonly rules?: readonly PolicyRule[];
  /** Known checkov deviations, listed as accepted exceptions. @default CHECKOV_DEVIATIONS */
  readonly checkovDeviations?: readonly CheckovDeviation[];
}

const of = (m: PlatformModel, ...types: string[]) => m.resources.filter((r) => types.includes(r.type));
const list = (v: unknown): any[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const parse = (s: unknown): any => {
  if (typeof s !== 'string') return {};
  try { return JSON.parse(s); } catch { return {}; }
};
const round = (n: number) => Math.round(n * 100) / 100;

/** Reviews `model`: policy findings, IAM inventory, public endpoints, encryption, images and charts, cost. */
export function review(model: PlatformModel, opts: ReviewOptions = {}): Review {
  const rules = opts.rules ?? DEFAULT_RULES;
  // Yours first, then what the synth's policy packs accepted (recorded in their reports).
  const evaluation = evaluatePolicy(model, rules, [...(opts.suppressions ?? []), ...(model.acceptedSuppressions ?? [])]);
  const exceptions = [...evaluation.exceptions, ...checkovExceptions(model, opts.checkovDeviations ?? CHECKOV_DEVIATIONS)]
    .sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.address.localeCompare(b.address));
  const findings = evaluation.findings
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.ruleId.localeCompare(b.ruleId) || a.address.localeCompare(b.address));
  return {
    source: model.source,
    generatedBy: 'cdktf-mlops review',
    resourceCount: model.resources.length,
    objectCount: model.objects.length,
    rules, findings, exceptions,
    roles: roles(model),
    publicEndpoints: publicEndpoints(model),
    encryption: encryption(model),
    images: images(model),
    charts: of(model, 'helm_release').map((h) => ({ address: h.address, chart: String(h.values.chart), version: String(h.values.version ?? 'unpinned'), repository: String(h.values.repository ?? '') })),
    compliance: complianceReport(model, findings),
    accountWide: accountWide(model),
    flows: listedFlows(model)
      .sort((a, b) => a.kind.localeCompare(b.kind) || (a.status === b.status ? 0 : a.status === 'broken' ? -1 : 1) || a.from.localeCompare(b.from)),
    declaredNeeds: model.needs !== undefined,
    cost: cost(model),
  };
}

/** The system model's flows; resources correctly ordered after their cluster are one line per cluster. */
function listedFlows(m: PlatformModel): Review['flows'] {
  const all = systemFlows(systemModelOf(m)).map((f) => ({ kind: f.kind, from: f.from, to: f.to, status: f.status, detail: f.detail }));
  const ordered = groupBy(all.filter((f) => f.kind === 'cluster' && f.status === 'ok'), (f) => f.to);
  return [
    ...all.filter((f) => !(f.kind === 'cluster' && f.status === 'ok')),
    ...[...ordered.entries()].map(([to, fs]) => ({ kind: 'cluster', from: `${fs.length} resources`, to, status: 'ok' as const, detail: 'reference the cluster or are applied after it' })),
  ];
}

function roles(m: PlatformModel): RoleInventory[] {
  return of(m, 'aws_iam_role').map((r) => {
    const trust = list(parse(r.values.assume_role_policy).Statement).flatMap((s: any) => Object.entries<any>(s.Principal ?? {}).flatMap(([k, v]) => list(v).map((x) => `${k}: ${x}`)));
    const refersToRole = (p: TfResource) => (p.references.role ?? []).includes(r.address) || (r.values.name !== undefined && p.values.role === r.values.name);
    const inline = of(m, 'aws_iam_role_policy').filter(refersToRole).flatMap((p) => list(parse(p.values.policy).Statement)
      .map((s: any) => `${s.Effect} ${list(s.Action).join(', ')} on ${list(s.Resource).join(', ')}${s.Condition ? ' (conditional)' : ''}`));
    const attached = of(m, 'aws_iam_role_policy_attachment').filter(refersToRole).map((p) => `managed policy ${p.values.policy_arn}`);
    return { address: r.address, name: String(r.values.name ?? r.name), trustedBy: [...new Set(trust)], permissions: [...inline, ...attached] };
  });
}

/** Account-and-region singletons the platform manages: applying it replaces the account's value. */
const ACCOUNT_WIDE: Record<string, (r: TfResource) => string> = {
  aws_lakeformation_data_lake_settings: (r) => `Lake Formation settings of the account: administrators ${list(r.values.admins).join(', ') || 'none'}; new databases and tables: ${list(r.values.create_database_default_permissions).length || list(r.values.create_table_default_permissions).length ? 'IAM_ALLOWED_PRINCIPALS defaults' : 'Lake Formation permissions only (no IAM_ALLOWED_PRINCIPALS defaults)'}`,
  aws_glue_data_catalog_encryption_settings: (r) => `Glue Data Catalog encryption of the whole account: ${firstBlock(firstBlock(r.values.data_catalog_encryption_settings)?.encryption_at_rest)?.catalog_encryption_mode ?? '?'} with ${firstBlock(firstBlock(r.values.data_catalog_encryption_settings)?.encryption_at_rest)?.sse_aws_kms_key_id ?? 'no key'}`,
};

function accountWide(m: PlatformModel): Array<{ address: string; setting: string }> {
  return m.resources.filter((r) => ACCOUNT_WIDE[r.type]).map((r) => ({ address: r.address, setting: ACCOUNT_WIDE[r.type](r) }));
}

function publicEndpoints(m: PlatformModel): Array<{ address: string; what: string }> {
  const out: Array<{ address: string; what: string }> = [];
  for (const c of of(m, 'aws_eks_cluster')) if (firstBlock(c.values.vpc_config)?.endpoint_public_access !== false) out.push({ address: c.address, what: `EKS API endpoint public (allowed CIDRs: ${list(firstBlock(c.values.vpc_config)?.public_access_cidrs).join(', ') || '0.0.0.0/0'})` });
  for (const l of of(m, 'aws_lb', 'aws_alb')) if (l.values.internal !== true) out.push({ address: l.address, what: 'internet-facing load balancer' });
  for (const d of of(m, 'aws_db_instance', 'aws_rds_cluster_instance')) if (d.values.publicly_accessible === true) out.push({ address: d.address, what: 'publicly accessible database' });
  for (const o of m.objects) {
    const ann = o.object.metadata.annotations ?? {};
    if (o.object.kind === 'Service' && (o.object.spec as any)?.type === 'LoadBalancer' && ann['service.beta.kubernetes.io/aws-load-balancer-scheme'] !== 'internal') out.push({ address: o.address, what: `Service ${o.object.metadata.namespace}/${o.object.metadata.name} of type LoadBalancer (internet-facing)` });
    if (o.object.kind === 'Ingress' && ann['alb.ingress.kubernetes.io/scheme'] === 'internet-facing') out.push({ address: o.address, what: `Ingress ${o.object.metadata.namespace}/${o.object.metadata.name} internet-facing` });
  }
  return out;
}

function keyOf(v: unknown): string {
  return v ? `KMS ${String(v)}` : '';
}

function encryption(m: PlatformModel): Array<{ address: string; store: string; encryption: string }> {
  const out: Array<{ address: string; store: string; encryption: string }> = [];
  const add = (r: TfResource, store: string, enc: string) => out.push({ address: r.address, store, encryption: enc || 'NOT ENCRYPTED (or AWS-owned key)' });
  for (const b of of(m, 'aws_s3_bucket')) {
    const d = attachedTo(m, b, 'aws_s3_bucket_server_side_encryption_configuration').flatMap((e) => list(e.values.rule)).map((r) => firstBlock(r.apply_server_side_encryption_by_default))[0];
    add(b, 'S3 bucket', d ? (String(d.sse_algorithm).startsWith('aws:kms') ? keyOf(d.kms_master_key_id) || 'SSE-KMS (AWS managed key)' : `SSE-S3 (${d.sse_algorithm})`) : 'no encryption configuration (S3 default SSE-S3, no customer-managed key)');
  }
  for (const t of of(m, 'aws_dynamodb_table')) add(t, 'DynamoDB table', firstBlock(t.values.server_side_encryption)?.enabled ? keyOf(firstBlock(t.values.server_side_encryption)?.kms_key_arn) || 'AWS managed key' : '');
  for (const d of of(m, 'aws_db_instance', 'aws_rds_cluster')) add(d, 'RDS database', d.values.storage_encrypted ? keyOf(d.values.kms_key_id) || 'AWS managed key' : '');
  for (const c of of(m, 'aws_elasticache_replication_group')) add(c, 'ElastiCache', c.values.at_rest_encryption_enabled ? `${keyOf(c.values.kms_key_id) || 'AWS managed key'}${c.values.transit_encryption_enabled ? ', TLS' : ', NO TLS'}` : '');
  for (const k of of(m, 'aws_kinesis_stream')) add(k, 'Kinesis stream', k.values.encryption_type === 'KMS' ? keyOf(k.values.kms_key_id) : '');
  for (const k of of(m, 'aws_msk_cluster')) add(k, 'MSK cluster', keyOf(firstBlock(k.values.encryption_info)?.encryption_at_rest_kms_key_arn));
  for (const t of of(m, 'aws_sns_topic')) add(t, 'SNS topic', keyOf(t.values.kms_master_key_id));
  for (const q of of(m, 'aws_sqs_queue')) add(q, 'SQS queue', keyOf(q.values.kms_master_key_id) || (q.values.sqs_managed_sse_enabled ? 'SQS managed SSE' : ''));
  for (const g of of(m, 'aws_cloudwatch_log_group')) add(g, 'CloudWatch log group', keyOf(g.values.kms_key_id));
  for (const c of of(m, 'aws_eks_cluster')) add(c, 'EKS secrets', keyOf(firstBlock(firstBlock(c.values.encryption_config)?.provider)?.key_arn));
  for (const r of of(m, 'aws_ecr_repository')) add(r, 'ECR repository', keyOf(firstBlock(r.values.encryption_configuration)?.kms_key) || (firstBlock(r.values.encryption_configuration)?.encryption_type ?? 'AES256'));
  for (const l of of(m, 'aws_launch_template')) {
    const ebs = list(l.values.block_device_mappings).map((b) => firstBlock(b.ebs));
    add(l, 'EBS volumes (launch template)', ebs.length && ebs.every((e) => String(e?.encrypted) === 'true') ? ebs.map((e) => keyOf(e.kms_key_id) || 'AWS managed key').join(', ') : '');
  }
  return out;
}

function images(m: PlatformModel): Array<{ image: string; usedBy: string[] }> {
  const uses = m.objects.flatMap((o) => containersOf(podSpec(o.object)).map((c) => ({
    image: c.image as string,
    who: `${o.object.kind} ${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`,
  })));
  const by = groupBy(uses, (u) => u.image);
  return [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([image, us]) => ({ image, usedBy: [...new Set(us.map((u) => u.who))] }));
}

function cost(m: PlatformModel): Review['cost'] {
  const P = PRICE_TABLE;
  const h = P.hoursPerMonth;
  const lines: Review['cost']['lines'] = [];
  for (const g of of(m, 'aws_eks_node_group')) {
    const types: string[] = g.values.instance_types ?? [];
    if (!types.some((t) => GPU_INSTANCE.test(t))) continue;
    const price = Math.max(...types.map((t) => P.instanceHourly[t] ?? 0));
    const sc = firstBlock(g.values.scaling_config) ?? {};
    lines.push({ address: g.address, item: `GPU node group (${types.join(', ')})`, baselineMonthly: round(price * (Number(sc.min_size) || 0) * h), ceilingMonthly: round(price * (Number(sc.max_size) || 0) * h), basis: `${price}/h x min ${sc.min_size ?? 0} / max ${sc.max_size ?? '?'} nodes x ${h} h${price === 0 ? ' (type not in price table)' : ''}` });
  }
  for (const o of m.objects.filter((x) => x.object.kind === 'NodePool' && String(x.object.apiVersion).startsWith('karpenter.sh/'))) {
    const gpus = Number((o.object.spec as any)?.limits?.['nvidia.com/gpu']);
    if (!(gpus > 0)) continue;
    lines.push({ address: o.address, item: `Karpenter GPU NodePool ${o.object.metadata.name}`, baselineMonthly: 0, ceilingMonthly: round(gpus * P.defaultGpuHourly * h), basis: `limit ${gpus} GPUs x ${P.defaultGpuHourly}/GPU-h x ${h} h (scales from zero)` });
  }
  for (const c of of(m, 'aws_eks_cluster')) lines.push({ address: c.address, item: 'EKS control plane', baselineMonthly: P.monthly.eksCluster, ceilingMonthly: P.monthly.eksCluster, basis: 'fixed' });
  for (const n of of(m, 'aws_nat_gateway')) lines.push({ address: n.address, item: 'NAT gateway (excl. data processing)', baselineMonthly: P.monthly.natGateway, ceilingMonthly: P.monthly.natGateway, basis: 'fixed' });
  for (const d of of(m, 'aws_db_instance')) {
    const rate = (P.rdsHourly[String(d.values.instance_class)] ?? 0) * (d.values.multi_az ? 2 : 1);
    const storage = (Number(d.values.allocated_storage) || 0) * P.storagePerGbMonth.rdsGp3;
    lines.push({ address: d.address, item: `RDS ${d.values.instance_class}${d.values.multi_az ? ' Multi-AZ' : ''}`, baselineMonthly: round(rate * h + storage), ceilingMonthly: round(rate * h + (Number(d.values.max_allocated_storage) || Number(d.values.allocated_storage) || 0) * P.storagePerGbMonth.rdsGp3), basis: `${rate}/h + storage${rate === 0 ? ' (class not in price table)' : ''}` });
  }
  for (const c of of(m, 'aws_elasticache_replication_group')) {
    const nodes = Number(c.values.num_cache_clusters) || 1;
    const rate = P.cacheHourly[String(c.values.node_type)] ?? 0;
    lines.push({ address: c.address, item: `ElastiCache ${c.values.node_type} x ${nodes}`, baselineMonthly: round(rate * nodes * h), ceilingMonthly: round(rate * nodes * h), basis: `${rate}/node-h` });
  }
  for (const k of of(m, 'aws_kinesis_stream')) {
    const shards = Number(k.values.shard_count) || 0;
    lines.push({ address: k.address, item: `Kinesis stream (${shards ? `${shards} shards` : 'on-demand'})`, baselineMonthly: round(shards * P.monthly.kinesisShard), ceilingMonthly: round(shards * P.monthly.kinesisShard), basis: shards ? 'per shard-month' : 'usage-based' });
  }
  for (const k of of(m, 'aws_kms_key')) lines.push({ address: k.address, item: 'KMS key', baselineMonthly: P.monthly.kmsKey, ceilingMonthly: P.monthly.kmsKey, basis: 'fixed (requests extra)' });
  for (const b of of(m, 'aws_s3_bucket', 'aws_dynamodb_table')) lines.push({ address: b.address, item: b.type === 'aws_s3_bucket' ? 'S3 bucket' : 'DynamoDB table', baselineMonthly: 0, ceilingMonthly: 0, basis: `usage-based: ${b.type === 'aws_s3_bucket' ? P.storagePerGbMonth.s3Standard : P.storagePerGbMonth.dynamodb}/GB-month` });
  const sum = (k: 'baselineMonthly' | 'ceilingMonthly') => round(lines.reduce((a, l) => a + l[k], 0));
  return { priceTable: `${P.currency} on-demand ${P.region}, prices as of ${P.date}`, lines, baselineMonthly: sum('baselineMonthly'), ceilingMonthly: sum('ceilingMonthly') };
}

/** Findings (not suppressed) at or above `threshold`. */
export function blocking(r: Review, threshold: Severity | 'none'): Finding[] {
  if (threshold === 'none') return [];
  const limit = SEVERITIES.indexOf(threshold);
  return r.findings.filter((f) => !f.suppressed && SEVERITIES.indexOf(f.severity) <= limit);
}
