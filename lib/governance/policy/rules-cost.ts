import { COST_ALLOCATION_TAGS, DATA_CLASSIFICATIONS } from '../../core/tagging';
import { firstBlock, effectiveTags, PlatformModel } from './model';
import { PolicyRule } from './rule';

/** AWS resource types the pack expects cost-allocation tags on (the taggable types the library creates). */
export const TAGGABLE_TYPES = [
  'aws_s3_bucket', 'aws_kms_key', 'aws_eks_cluster', 'aws_eks_node_group', 'aws_launch_template', 'aws_db_instance', 'aws_rds_cluster',
  'aws_dynamodb_table', 'aws_ecr_repository', 'aws_sns_topic', 'aws_sqs_queue', 'aws_cloudwatch_log_group', 'aws_iam_role', 'aws_vpc',
  'aws_subnet', 'aws_nat_gateway', 'aws_kinesis_stream', 'aws_kinesis_firehose_delivery_stream', 'aws_glue_job', 'aws_glue_crawler',
  'aws_msk_cluster', 'aws_elasticache_replication_group', 'aws_sagemaker_model_package_group', 'aws_lambda_function', 'aws_cloudtrail',
  'aws_instance', 'aws_secretsmanager_secret', 'aws_sfn_state_machine', 'aws_budgets_budget', 'aws_ce_anomaly_monitor',
];

/** GPU instance families (NVIDIA and AWS accelerators). */
export const GPU_INSTANCE = /^(p\d|g\d|trn\d|inf\d|dl\d)/;

/** The cost rules of the pack. */
export const COST_RULES: PolicyRule[] = [
  {
    id: 'MLOPS-COST-001', title: 'Cost-allocation tags on every taggable resource', severity: 'warning', anchor: 'AWS Well-Architected COST03-BP02',
    fix: `tag with ${COST_ALLOCATION_TAGS.join(', ')}: the stack tags (provider default_tags) for platform-wide values, the construct's tags for team and model.`,
    check: (m: PlatformModel) => m.resources.filter((r) => TAGGABLE_TYPES.includes(r.type)).flatMap((r) => {
      const tags = effectiveTags(m, r);
      const missing = COST_ALLOCATION_TAGS.filter((t) => !tags[t]);
      return missing.length ? [{ target: r, message: `${r.address} has no cost-allocation tag${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.` }] : [];
    }),
  },
  {
    id: 'MLOPS-TAG-001', title: 'data-classification tag is a known classification', severity: 'error', anchor: 'cdktf-mlops tagging policy (required tag data-classification)',
    fix: `set the data-classification tag (the stack tags, or the construct's dataClassification) to one of ${DATA_CLASSIFICATIONS.join(', ')}.`,
    check: (m: PlatformModel) => m.resources.filter((r) => TAGGABLE_TYPES.includes(r.type)).flatMap((r) => {
      const value = effectiveTags(m, r)['data-classification'];
      return value !== undefined && !(DATA_CLASSIFICATIONS as readonly string[]).includes(value)
        ? [{ target: r, message: `${r.address} has data-classification tag "${value}", which is not one of ${DATA_CLASSIFICATIONS.join(', ')}.` }] : [];
    }),
  },
  {
    id: 'MLOPS-COST-002', title: 'GPU capacity has a ceiling', severity: 'error', anchor: 'cdktf-mlops GPU-hour ceiling (AWS Well-Architected COST02)',
    fix: 'give every GPU node group a scaling_config max_size and every Karpenter NodePool spec.limits (with nvidia.com/gpu for GPU pools).',
    check: (m: PlatformModel) => [
      ...m.resources.filter((r) => r.type === 'aws_eks_node_group' && (r.values.instance_types ?? []).some((t: string) => GPU_INSTANCE.test(t))
        && !(Number(firstBlock(r.values.scaling_config)?.max_size) > 0))
        .map((r) => ({ target: r, message: `GPU node group ${r.address} has no scaling_config max_size.` })),
      ...m.objects.filter((o) => o.object.kind === 'NodePool' && String(o.object.apiVersion).startsWith('karpenter.sh/')).flatMap((o) => {
        const limits = (o.object.spec as any)?.limits ?? {};
        const gpu = JSON.stringify((o.object.spec as any)?.template ?? {}).includes('nvidia.com/gpu') || /"(p|g)\d?"|instance-gpu/.test(JSON.stringify((o.object.spec as any)?.template ?? {}));
        if (Object.keys(limits).length === 0) return [{ target: o, message: `Karpenter NodePool ${o.object.metadata.name} has no spec.limits, so it can scale without bound.` }];
        if (gpu && limits['nvidia.com/gpu'] === undefined) return [{ target: o, message: `GPU NodePool ${o.object.metadata.name} has no nvidia.com/gpu limit.` }];
        return [];
      }),
    ],
  },
];
