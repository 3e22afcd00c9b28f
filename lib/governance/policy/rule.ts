import { K8sResource, PlatformModel, Severity, TfResource } from './model';

/** One failing resource or object, as a rule reports it. */
export interface RuleViolation {
  readonly target: TfResource | K8sResource;
  /** What is wrong with this resource (the fix is the rule's). */
  readonly message: string;
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

/** Runs `rules` over `model`, applying `suppressions` and severity overrides. */
export function evaluateRules(model: PlatformModel, rules: readonly PolicyRule[], suppressions: readonly Suppression[] = [],
  severityOverrides: Record<string, Severity> = {}): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const v of rule.check(model)) {
      const t = v.target;
      const s = suppressions.find((x) => suppresses(x, rule.id, t));
      findings.push({
        ruleId: rule.id, title: rule.title, severity: severityOverrides[rule.id] ?? rule.severity, anchor: rule.anchor,
        stack: t.stack, address: t.address, path: t.path, message: v.message, fix: rule.fix,
        ...(s ? { suppressed: s.reason } : {}),
      });
    }
  }
  return findings;
}

/** `[path] RULE-ID (severity, anchor): message Fix: fix` */
export function formatFinding(f: Finding): string {
  return `[${f.path}] ${f.ruleId} (${f.severity}, ${f.anchor}): ${f.message} Fix: ${f.fix}`;
}
