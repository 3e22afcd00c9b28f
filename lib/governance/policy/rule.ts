import { K8sResource, PlatformModel, Severity, TfResource } from './model';

/** One failing resource or object, as a rule reports it. */
export interface RuleViolation {
  readonly target: TfResource | K8sResource;
  /** What is wrong with this resource (the fix is the rule's). */
  readonly message: string;
  /**
   * Why the rule accepts this deviation by design (e.g. SSE-S3 on a server access log target): it
   * is recorded as an {@link AcceptedException} in the report, never silently skipped, never a failure.
   * @default a violation (a finding)
   */
  readonly accepted?: string;
}

/**
 * A deviation from a rule (or from a checkov check the pack does not implement) accepted with a
 * written reason. Listed in the policy report and the review; not counted as a failure.
 */
export interface AcceptedException {
  /** The pack rule id (`MLOPS-S3-001`) or the checkov id (`CKV_AWS_144`). */
  readonly ruleId: string;
  /** Where the rule comes from (checkov id, CIS control). */
  readonly anchor: string;
  readonly stack: string;
  /** Terraform address. */
  readonly address: string;
  /** Construct path, or the address for plan files. */
  readonly path: string;
  /** What deviates. */
  readonly message: string;
  /** Why it is accepted. */
  readonly reason: string;
}

/** Findings and accepted exceptions of one evaluation. */
export interface PolicyEvaluation {
  readonly findings: Finding[];
  readonly exceptions: AcceptedException[];
}

/** A policy rule over the synthesized shape. */
export interface PolicyRule {
  /** Stable id, e.g. `MLOPS-S3-001`. */
  readonly id: string;
  /** One-line title. */
  readonly title: string;
  /** Default severity. */
  readonly severity: Severity;
  /** Where the rule comes from: checkov id, CIS EKS control, Pod Security Standard. */
  readonly anchor: string;
  /** How to fix a violation. */
  readonly fix: string;
  /**
   * `system`: the rule reads the whole platform at once (every stack of the pack, the declared needs),
   * so the pack runs it once per synth over the system model rather than once per stack.
   * @default "stack"
   */
  readonly scope?: 'stack' | 'system';
  /** The failing resources of `model`. */
  check(model: PlatformModel): RuleViolation[];
}

/** A rule's verdict on one resource, with the construct path, suppression and fix. */
export interface Finding {
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly anchor: string;
  readonly stack: string;
  /** Terraform address (`aws_s3_bucket.lake_raw_bucket`). */
  readonly address: string;
  /** Construct path, or the address for plan files. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
  /** Why this finding is accepted, when it is suppressed. */
  readonly suppressed?: string;
}

/** Accepts one rule's findings on matching resources, with a written reason. */
export interface Suppression {
  /** The rule id. */
  readonly ruleId: string;
  /**
   * Construct path prefix or Terraform address the suppression applies to.
   * @default every resource (use sparingly)
   */
  readonly path?: string;
  /** Why the finding is acceptable: required, and shown in the report. */
  readonly reason: string;
}

/** Whether suppression `s` accepts a finding of `ruleId` on `t` (path prefix or exact address). */
export function suppresses(s: Suppression, ruleId: string, t: { readonly path: string; readonly address: string }): boolean {
  return s.ruleId === ruleId && (s.path === undefined || t.path === s.path || t.path.startsWith(`${s.path}/`) || t.address === s.path);
}

/** Runs `rules` over `model`, applying `suppressions` and severity overrides (findings only; see {@link evaluatePolicy}). */
export function evaluateRules(model: PlatformModel, rules: readonly PolicyRule[], suppressions: readonly Suppression[] = [],
  severityOverrides: Record<string, Severity> = {}): Finding[] {
  return evaluatePolicy(model, rules, suppressions, severityOverrides).findings;
}

/** Runs `rules` over `model`: findings (with suppressions and severity overrides) and the deviations the rules accept by design. */
export function evaluatePolicy(model: PlatformModel, rules: readonly PolicyRule[], suppressions: readonly Suppression[] = [],
  severityOverrides: Record<string, Severity> = {}): PolicyEvaluation {
  const findings: Finding[] = [];
  const exceptions: AcceptedException[] = [];
  for (const rule of rules) {
    for (const v of rule.check(model)) {
      const t = v.target;
      if (v.accepted !== undefined) {
        exceptions.push({ ruleId: rule.id, anchor: rule.anchor, stack: t.stack, address: t.address, path: t.path, message: v.message, reason: v.accepted });
        continue;
      }
      const s = suppressions.find((x) => suppresses(x, rule.id, t));
      findings.push({
        ruleId: rule.id, title: rule.title, severity: severityOverrides[rule.id] ?? rule.severity, anchor: rule.anchor,
        stack: t.stack, address: t.address, path: t.path, message: v.message, fix: rule.fix,
        ...(s ? { suppressed: s.reason } : {}),
      });
    }
  }
  return { findings, exceptions };
}

/** `[path] RULE-ID (severity, anchor): message Fix: fix` */
export function formatFinding(f: Finding): string {
  return `[${f.path}] ${f.ruleId} (${f.severity}, ${f.anchor}): ${f.message} Fix: ${f.fix}`;
}
