import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { Annotations, App, Aspects, IAspect, TerraformElement, TerraformStack } from 'cdktf';
import { invalid, show } from '../core/errors';
import { APPLIED_FROM, AppliedFrom } from '../core/workloads-stack';
import { modelOfStack, NEEDS_FILE, PlatformModel, SEVERITIES, Severity, stackDependencies } from './policy/model';
import { didYouMean, nearest } from '../core/suggest';
import { acceptedImagesOf, declaredNeeds } from './system/needs';
import { AcceptedException, evaluatePolicy, Finding, formatFinding, PolicyEvaluation, PolicyRule, Suppression, suppresses } from './policy/rule';
import { CheckovDeviation, CHECKOV_DEVIATIONS, checkovExceptions } from './policy/checkov-exceptions';
import { AWS_RULES } from './policy/rules-aws';
import { KUBERNETES_RULES } from './policy/rules-kubernetes';
import { COST_RULES } from './policy/rules-cost';
import { SYSTEM_RULES } from './policy/rules-system';

/** Every rule the library ships, in report order. */
export const DEFAULT_RULES: readonly PolicyRule[] = [...AWS_RULES, ...KUBERNETES_RULES, ...COST_RULES, ...SYSTEM_RULES];

/** Props of {@link PolicyPack}. */
export interface PolicyPackProps {
  /** Accepted findings, each with a reason (recorded in the report). @default none */
  readonly suppressions?: Suppression[];
  /** Rules to run. @default DEFAULT_RULES */
  readonly rules?: readonly PolicyRule[];
  /** Per-rule severity changes, e.g. `{ 'MLOPS-COST-001': 'error' }`. @default each rule's severity */
  readonly severityOverrides?: Record<string, Severity>;
  /**
   * checkov checks the platform knowingly deviates from, each with its reason; every deviation found
   * is listed in the report as an accepted exception (with the checkov id).
   * @default CHECKOV_DEVIATIONS
   */
  readonly checkovDeviations?: readonly CheckovDeviation[];
  /**
   * Write `<outdir>/policy-report.json` (or `policy-report-<scope id>.json` when applied to a
   * construct other than the app) with every finding (suppressed ones with their reason) and every
   * accepted exception (deviations the rules accept by design and known checkov deviations, with their reasons).
   * @default true
   */
  readonly writeReport?: boolean;
}

/**
 * The policy pack as a cdktf Aspect: at synth, every stack's resolved Terraform JSON (and the
 * Kubernetes objects of its kubernetes_manifest resources) is checked against the rules. Error
 * findings fail `app.synth()` with `[construct path] RULE-ID (...): problem Fix: fix`; warnings
 * become synth warnings; everything goes to `policy-report.json` in the output directory.
 */
export class PolicyPack implements IAspect {
  /**
   * Applies a pack to `scope` (an App: every stack it holds now; or one stack) and returns it.
   * cdktf invokes aspects per stack, so call this after the stacks are created.
   */
  public static applyTo(scope: IConstruct, props: PolicyPackProps = {}): PolicyPack {
    const pack = new PolicyPack(scope, props);
    const stacks = scope instanceof TerraformStack ? [scope] : scope.node.findAll().filter((c): c is TerraformStack => c instanceof TerraformStack);
    if (stacks.length === 0) invalid(scope, 'the policy pack was applied to a scope with no stacks.', 'call PolicyPack.applyTo(app) after creating the stacks.');
    for (const s of stacks) Aspects.of(s).add(pack);
    return pack;
  }

  /** Findings of every stack evaluated so far (suppressed ones included, marked). */
  public readonly findings: Finding[] = [];
  /** Accepted exceptions of every stack evaluated so far: never failures, always in the report. */
  public readonly exceptions: AcceptedException[] = [];
  public readonly rules: readonly PolicyRule[];
  private readonly suppressions: Suppression[];
  private readonly overrides: Record<string, Severity>;
  private readonly byStack = new Map<TerraformStack, Finding[]>();
  private systemEvaluation?: PolicyEvaluation;
  private systemModel?: PlatformModel;
  private readonly used = new Set<Suppression>();
  private unusedReported = false;
  /** The stacks the aspect visited (every one prepared before the first is synthesized). */
  private readonly visited = new Set<TerraformStack>();

  constructor(private readonly scope: IConstruct, private readonly props: PolicyPackProps = {}) {
    this.rules = props.rules ?? DEFAULT_RULES;
    this.suppressions = props.suppressions ?? [];
    this.overrides = props.severityOverrides ?? {};
    const ids = this.rules.map((r) => r.id);
    for (const s of this.suppressions) {
      if (!s.reason || s.reason.trim().length < 10) {
        invalid(scope, `the suppression of ${s.ruleId}${s.path ? ` at ${s.path}` : ''} has no reason (${show(s.reason ?? '')}).`,
          'write why the finding is acceptable (at least 10 characters); it is shown in the review report.');
      }
      if (!ids.includes(s.ruleId)) invalid(scope, `a suppression names rule ${show(s.ruleId)}, which the pack does not have.`, this.useRuleId(s.ruleId));
    }
    for (const [id, severity] of Object.entries(this.overrides)) {
      if (!ids.includes(id)) invalid(scope, `severityOverrides names rule ${show(id)}, which the pack does not have.`, this.useRuleId(id));
      if (!SEVERITIES.includes(severity)) {
        invalid(scope, `severityOverrides[${show(id)}] is ${show(severity)}, which is not a severity${didYouMean(String(severity), SEVERITIES)}.`,
          `use one of ${SEVERITIES.join(', ')}.`);
      }
    }
  }

  /** The fix for an unknown rule id: the nearest id (or the rule whose checkov anchor it is), then every id. */
  private useRuleId(id: string): string {
    const ids = this.rules.map((r) => r.id);
    const byAnchor = this.rules.find((r) => r.anchor.split(/[\s;,()]+/).includes(id))?.id;
    const near = byAnchor ?? nearest(id, ids);
    return `${near ? `use ${show(near)}${byAnchor ? ` (the rule anchored on ${id})` : ''}; the pack's rules are` : 'use one of'} ${ids.join(', ')}.`;
  }

  public visit(node: IConstruct): void {
    if (node instanceof TerraformStack) {
      this.visited.add(node);
      node.node.addValidation({ validate: () => this.forNode(node, node, true) });
    } else if (TerraformElement.isTerraformElement(node)) {
      const stack = TerraformStack.of(node);
      node.node.addValidation({ validate: () => this.forNode(stack, node, false) });
    }
  }

  /** The findings of `stack`, evaluated once (after every construct, aspect and manifest exists). */
  public evaluateStack(stack: TerraformStack): Finding[] {
    let f = this.byStack.get(stack);
    if (!f) {
      const m = this.stackModel(stack).model;
      const model: PlatformModel = { ...m, defaultTags: { [stack.node.id]: m.defaultTags }, source: stack.node.path };
      const evaluation = evaluatePolicy(model, this.rules.filter((r) => r.scope !== 'system'), this.suppressions, this.overrides);
      const system = this.evaluateSystem();
      f = [...evaluation.findings, ...system.findings.filter((x) => x.stack === stack.node.id)];
      for (const x of f) if (x.suppressed) this.used.add(this.suppressions.find((s) => s.reason === x.suppressed && suppresses(s, x.ruleId, x))!);
      this.byStack.set(stack, f);
      this.findings.push(...f);
      this.exceptions.push(...evaluation.exceptions, ...system.exceptions.filter((x) => x.stack === stack.node.id),
        ...checkovExceptions(model, this.props.checkovDeviations ?? CHECKOV_DEVIATIONS));
      this.writeReport();
    }
    return f;
  }

  /**
   * The model of the whole platform (every stack the pack checks, and the needs the grants declared),
   * built once per synth and shared by every system rule.
   */
  public model(): PlatformModel {
    if (!this.systemModel) {
      const stacks = this.stacks();
      const model: PlatformModel = { resources: [], objects: [], defaultTags: {}, source: this.scope.node.path, needs: declaredNeeds(this.scope).filter((n) => App.isApp(this.scope) || n.principalPath === this.scope.node.path || n.principalPath.startsWith(`${this.scope.node.path}/`)), acceptedImages: acceptedImagesOf(this.scope), stacks: [], providers: {} };
      for (const s of stacks) {
        const { json, model: m } = this.stackModel(s);
        model.resources.push(...m.resources);
        model.objects.push(...m.objects);
        model.defaultTags[s.node.id] = m.defaultTags;
        model.providers![s.node.id] = json.provider ?? {};
        const appliedFrom = (s as { appliedFrom?: unknown }).appliedFrom;
        model.stacks!.push({ name: s.node.id, path: s.node.path, dependsOn: [...new Set([...stackDependencies(json), ...s.dependencies.map((d) => d.node.id)])], ...(APPLIED_FROM.includes(appliedFrom as AppliedFrom) ? { appliedFrom: appliedFrom as AppliedFrom } : {}) });
      }
      this.systemModel = model;
    }
    return this.systemModel;
  }

  private readonly stackModels = new Map<TerraformStack, { json: Record<string, any>; model: ReturnType<typeof modelOfStack> }>();

  /** A stack's resolved document and its model, read once per synth (toTerraform() is rendered once by the library's stacks). */
  private stackModel(stack: TerraformStack): { json: Record<string, any>; model: ReturnType<typeof modelOfStack> } {
    let e = this.stackModels.get(stack);
    if (!e) {
      const json = stack.toTerraform() as Record<string, any>;
      this.stackModels.set(stack, e = { json, model: modelOfStack(stack.node.id, json) });
    }
    return e;
  }

  private stacks(): TerraformStack[] {
    return this.scope instanceof TerraformStack ? [this.scope] : this.scope.node.findAll().filter((c): c is TerraformStack => c instanceof TerraformStack);
  }

  /** Findings and accepted exceptions of the system rules, over the whole platform, evaluated once. */
  private evaluateSystem(): PolicyEvaluation {
    if (!this.systemEvaluation) {
      const rules = this.rules.filter((r) => r.scope === 'system');
      this.systemEvaluation = rules.length ? evaluatePolicy(this.model(), rules, this.suppressions, this.overrides) : { findings: [], exceptions: [] };
    }
    return this.systemEvaluation;
  }

  /** Validation messages for `node` (errors only; findings not mapped to a construct go to the stack); warnings become annotations. */
  private forNode(stack: TerraformStack, node: IConstruct, isStack: boolean): string[] {
    const p = node.node.path;
    if (isStack) this.warnUnusedSuppressions(stack);
    const f = this.evaluateStack(stack).filter((x) => !x.suppressed && (x.path === p || (isStack && !x.path.startsWith(`${p}/`))));
    for (const w of f.filter((x) => x.severity !== 'error')) Annotations.of(node).addWarning(formatFinding(w));
    return f.filter((x) => x.severity === 'error').map((x) => `${x.ruleId} (${x.severity}, ${x.anchor}): ${x.message} Fix: ${x.fix}`);
  }

  /**
   * Once every stack of the pack is evaluated: a synth warning (on `stack`, the last one) for each
   * suppression that matched no finding, since it hides nothing and is probably a wrong ruleId or path.
   */
  private warnUnusedSuppressions(stack: TerraformStack): void {
    this.evaluateStack(stack);
    if (this.unusedReported || ![...this.visited].every((s) => this.byStack.has(s))) return;
    this.unusedReported = true;
    for (const s of this.suppressions.filter((x) => !this.used.has(x))) {
      Annotations.of(stack).addWarning(`the suppression of ${s.ruleId}${s.path !== undefined ? ` at ${show(s.path)}` : ''} (${show(s.reason)}) matched no finding, so it hides nothing. `
        + 'Remove it, or correct its path (a construct path prefix or a Terraform address).');
    }
  }

  private writeReport(): void {
    if (this.props.writeReport === false) return;
    const outdir = App.of(this.scope).outdir;
    fs.mkdirSync(outdir, { recursive: true });
    // One report per pack: the app's pack writes policy-report.json, a platform's pack policy-report-<id>.json.
    const file = App.isApp(this.scope) ? 'policy-report.json' : `policy-report-${this.scope.node.id}.json`;
    fs.writeFileSync(path.join(outdir, file), JSON.stringify({
      rules: this.rules.map((r) => ({ id: r.id, title: r.title, severity: this.overrides[r.id] ?? r.severity, anchor: r.anchor, fix: r.fix })),
      suppressions: this.suppressions.map((s) => ({ ...s, used: this.used.has(s) })),
      findings: this.findings,
      exceptions: this.exceptions,
    }, null, 2));
    // The grants' declared needs, so `cdktf-mlops review cdktf.out` evaluates the same system model.
    if (this.systemModel) {
      const needsFile = App.isApp(this.scope) ? NEEDS_FILE : NEEDS_FILE.replace('.json', `-${this.scope.node.id}.json`);
      fs.writeFileSync(path.join(outdir, needsFile), JSON.stringify({ needs: this.systemModel.needs, acceptedImages: this.systemModel.acceptedImages }, null, 2));
    }
  }
}
