import { K8sResource, PlatformModel, TfResource } from '../policy/model';
import { Finding } from '../policy/rule';

/** Whether the platform implements a control. */
export type ControlStatus = 'implemented' | 'partial' | 'missing';

/** One control of the compliance report. */
export interface ControlResult {
  readonly id: string;
  readonly title: string;
  /** Regulation / framework clauses the control supports. */
  readonly anchor: string;
  readonly status: ControlStatus;
  /** Addresses of the resources implementing it. */
  readonly resources: string[];
  /** Why the status is what it is. */
  readonly note: string;
}

/** A control of the catalog: how to find its implementing resources in a model. */
export interface ComplianceControl {
  readonly id: string;
  readonly title: string;
  readonly anchor: string;
  evaluate(model: PlatformModel, findings: Finding[]): Omit<ControlResult, 'id' | 'title' | 'anchor'>;
}

const of = (m: PlatformModel, ...types: string[]) => m.resources.filter((r) => types.includes(r.type));
const addr = (xs: Array<TfResource | K8sResource>) => xs.map((x) => x.address);
const named = (m: PlatformModel, word: RegExp) => m.objects.filter((o) => word.test(o.object.metadata.name) || Object.values(o.object.metadata.labels ?? {}).some((v) => word.test(String(v))));
const selectors = (t: TfResource): any[] => t.values.advanced_event_selector ?? [];
const readsRecorded = (t: TfResource) => selectors(t).some((s) => (s.field_selector ?? []).some((f: any) => f.field === 'readOnly' && (f.equals ?? []).includes('true')));

/** The seed catalog: audit trails, access logs, explainability, bias detection, regulatory reporting, encryption, least privilege, cost. */
export const COMPLIANCE_CONTROLS: ComplianceControl[] = [
  {
    id: 'AUDIT-1', title: 'Tamper-evident audit trail of platform changes', anchor: 'EU AI Act Art. 12 (record-keeping); SOC 2 CC7.2; ISO 27001 A.8.15',
    evaluate: (m) => {
      const trails = of(m, 'aws_cloudtrail').filter((t) => t.values.enable_log_file_validation === true && t.values.is_multi_region_trail === true);
      const locks = of(m, 'aws_s3_bucket_object_lock_configuration');
      return { status: trails.length && locks.length ? 'implemented' : trails.length ? 'partial' : 'missing', resources: addr([...trails, ...locks]),
        note: trails.length ? (locks.length ? 'multi-region trail with log-file validation into an Object Lock bucket' : 'trail without an Object Lock bucket') : 'no multi-region CloudTrail with log-file validation (add AuditTrail)' };
    },
  },
  {
    id: 'ACCESS-1', title: 'Access permission logs: who read which model and feature data', anchor: 'GDPR Art. 30/32; EU AI Act Art. 10 (data governance); SOC 2 CC6.1',
    evaluate: (m) => {
      const trails = of(m, 'aws_cloudtrail').filter(readsRecorded);
      const s3 = of(m, 'aws_s3_bucket_logging');
      return { status: trails.length ? 'implemented' : s3.length ? 'partial' : 'missing', resources: addr([...trails, ...s3]),
        note: trails.length ? 'CloudTrail S3 read data events' : s3.length ? 'S3 server access logs only (no principal-level CloudTrail data events)' : 'no data access logging' };
    },
  },
  {
    id: 'EXPLAIN-1', title: 'Explainability logs of model decisions', anchor: 'EU AI Act Art. 13 (transparency); GDPR Art. 22',
    evaluate: (m) => {
      const hits = [...named(m, /explain/i), ...of(m, 'aws_cloudwatch_log_group', 'aws_s3_bucket').filter((r) => /explain/i.test(String(r.values.name ?? r.values.bucket ?? '')))];
      return { status: hits.length ? 'implemented' : 'missing', resources: addr(hits), note: hits.length ? 'explanation logs/workloads found by name' : 'no explainability log or explainer workload (recognized by "explain" in its name or labels)' };
    },
  },
  {
    id: 'BIAS-1', title: 'Bias and drift detection on models in production', anchor: 'EU AI Act Art. 9/15 (risk management, accuracy); NIST AI RMF MEASURE 2.11',
    evaluate: (m) => {
      const bias = named(m, /bias|fairness/i);
      const drift = [...named(m, /drift/i), ...of(m, 'aws_cloudwatch_metric_alarm').filter((a) => /drift/i.test(String(a.values.alarm_name ?? '')))];
      return { status: bias.length ? 'implemented' : drift.length ? 'partial' : 'missing', resources: addr([...bias, ...drift]),
        note: bias.length ? 'bias detection workloads present' : drift.length ? 'drift monitoring only; no bias/fairness job' : 'no bias or drift monitoring' };
    },
  },
  {
    id: 'REPORT-1', title: 'Regulatory reporting: reviewable evidence of controls', anchor: 'EU AI Act Art. 11 (technical documentation), Annex IV',
    evaluate: (m, findings) => ({ status: 'implemented', resources: [], note: `this review (policy findings: ${findings.length}, resources: ${m.resources.length}) and policy-report.json are the evidence; commit them with each change` }),
  },
  {
    id: 'CRYPTO-1', title: 'Data encrypted at rest with customer-managed keys', anchor: 'GDPR Art. 32; SOC 2 CC6.7; ISO 27001 A.8.24',
    evaluate: (m, findings) => {
      const bad = findings.filter((f) => ['MLOPS-S3-001', 'MLOPS-RDS-001', 'MLOPS-DDB-002', 'MLOPS-SNS-001', 'MLOPS-LOG-001', 'MLOPS-EKS-002'].includes(f.ruleId) && !f.suppressed);
      const keys = of(m, 'aws_kms_key');
      return { status: bad.length ? (keys.length ? 'partial' : 'missing') : 'implemented', resources: addr(keys), note: bad.length ? `${bad.length} store(s) without a customer-managed key` : 'every data store uses a customer-managed key (access-log buckets: SSE-S3 by S3 constraint)' };
    },
  },
  {
    id: 'IAM-1', title: 'Least-privilege access', anchor: 'SOC 2 CC6.3; ISO 27001 A.5.15',
    evaluate: (m, findings) => {
      const bad = findings.filter((f) => f.ruleId.startsWith('MLOPS-IAM-') && !f.suppressed);
      return { status: bad.length ? 'partial' : 'implemented', resources: addr(of(m, 'aws_iam_role')), note: bad.length ? `${bad.length} policy finding(s)` : 'no wildcard actions; no unconditioned writes on "*"' };
    },
  },
  {
    id: 'COST-1', title: 'Cost guard rails (budgets, anomaly detection, GPU ceilings)', anchor: 'AWS Well-Architected COST02/COST03',
    evaluate: (m, findings) => {
      const r = of(m, 'aws_budgets_budget', 'aws_ce_anomaly_monitor', 'aws_ce_anomaly_subscription');
      const gpu = findings.filter((f) => f.ruleId === 'MLOPS-COST-002' && !f.suppressed);
      return { status: r.length && !gpu.length ? 'implemented' : r.length || !gpu.length ? 'partial' : 'missing', resources: addr(r),
        note: `${of(m, 'aws_budgets_budget').length} budget(s), ${of(m, 'aws_ce_anomaly_monitor').length} anomaly monitor(s), ${gpu.length} GPU pool(s) without a ceiling` };
    },
  },
];

/** Evaluates the catalog against `model`. */
export function complianceReport(model: PlatformModel, findings: Finding[], controls: readonly ComplianceControl[] = COMPLIANCE_CONTROLS): ControlResult[] {
  return controls.map((c) => ({ id: c.id, title: c.title, anchor: c.anchor, ...c.evaluate(model, findings) }));
}
