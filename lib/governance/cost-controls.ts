import { Construct } from 'constructs';
import { BudgetsBudget, BudgetsBudgetNotification } from '@cdktf/provider-aws/lib/budgets-budget';
import { CeCostAllocationTag } from '@cdktf/provider-aws/lib/ce-cost-allocation-tag';
import { CeAnomalyMonitor } from '@cdktf/provider-aws/lib/ce-anomaly-monitor';
import { CeAnomalySubscription } from '@cdktf/provider-aws/lib/ce-anomaly-subscription';
import { MlopsStack, snake } from '../core/mlops-stack';
import { invalid, show, validateAtSynth } from '../core/errors';
import { Team, TEAM_COST_TAG } from '../compute/team';
import { AlertTopic } from '../monitoring/alert-topic';

/** Props of {@link CostControls}. */
export interface CostControlsProps {
  /** Topic receiving budget and anomaly alerts. */
  readonly alertTopic: AlertTopic;
  /** Monthly budget of the whole platform in USD (costs tagged with the stack's cost-center). */
  readonly monthlyBudgetUsd: number;
  /**
   * Monthly budgets per team in USD, by Team name. Each filters on the cost-allocation tag
   * `team=<name>` that every AWS resource of that {@link Team} carries; a name that is no Team of
   * the app is refused at synth.
   * @default none
   */
  readonly teamBudgetsUsd?: Record<string, number>;
  /**
   * Activate the budgets' tag keys (`cost-center`, and `team` with team budgets) as cost
   * allocation tags (`aws_ce_cost_allocation_tag`). Budgets only see tags that are activated, but
   * activation is an account-wide Billing setting of the payer (management) account: opt in only
   * when this stack is applied there, otherwise activate the keys in that account's Billing console.
   * A key can only be activated once it has been seen on a resource (up to 24 hours after tagging).
   * @default false (the keys must be activated outside this stack, or the budgets stay at 0 USD)
   */
  readonly activateCostAllocationTags?: boolean;
  /**
   * Alert when actual spend passes this percentage of a budget.
   * @default 80
   */
  readonly actualThresholdPercent?: number;
  /**
   * Alert when forecast spend passes this percentage of a budget.
   * @default 100
   */
  readonly forecastThresholdPercent?: number;
  /**
   * Alert on cost anomalies whose total impact reaches this many USD.
   * @default 100
   */
  readonly anomalyImpactUsd?: number;
}

const TEAM = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Cost guard rails: a monthly AWS Budget for the platform (filtered on the stack's cost-center tag,
 * a provider default tag of every resource) and one per Team (filtered on the `team=<name>` tag its
 * resources carry), each alerting the alert topic on actual and
 * forecast spend; a Cost Anomaly Detection monitor per AWS service with an immediate SNS
 * subscription. Cost-allocation tags and GPU ceilings are enforced by the policy pack
 * (MLOPS-COST-001, MLOPS-COST-002). The budgets need their tag keys activated as cost-allocation
 * tags in the payer account (`activateCostAllocationTags` does it when applied there).
 */
export class CostControls extends Construct {
  public readonly platformBudget: BudgetsBudget;
  public readonly teamBudgets: Record<string, BudgetsBudget> = {};
  public readonly anomalyMonitor: CeAnomalyMonitor;
  public readonly anomalySubscription: CeAnomalySubscription;
  /** The tag keys activated for cost allocation, by key (with `activateCostAllocationTags`). */
  public readonly costAllocationTags: Record<string, CeCostAllocationTag> = {};
  /** The tag keys the budgets filter on (they must be active cost-allocation tags). */
  public readonly budgetTagKeys: string[];

  constructor(scope: Construct, id: string, props: CostControlsProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    positive(this, 'monthlyBudgetUsd', props.monthlyBudgetUsd);
    const teams = props.teamBudgetsUsd ?? {};
    for (const [team, usd] of Object.entries(teams)) {
      if (!TEAM.test(team)) invalid(this, `team ${show(team)} is not a valid team tag value.`, 'use the team name as tagged: lower-case letters, digits and hyphens.');
      positive(this, `teamBudgetsUsd.${team}`, usd);
    }
    const teamTotal = Object.values(teams).reduce((a, b) => a + b, 0);
    if (teamTotal > props.monthlyBudgetUsd) {
      invalid(this, `team budgets add up to ${teamTotal} USD, over the platform budget of ${props.monthlyBudgetUsd} USD.`, 'raise monthlyBudgetUsd or lower the team budgets.');
    }
    const actual = props.actualThresholdPercent ?? 80;
    const forecast = props.forecastThresholdPercent ?? 100;
    for (const [k, v] of [['actualThresholdPercent', actual], ['forecastThresholdPercent', forecast]] as const) {
      if (!(v > 0 && v <= 1000)) invalid(this, `${k} ${show(v)} is outside 1-1000.`, 'use a percentage of the budget such as 80 or 100.');
    }
    const impact = props.anomalyImpactUsd ?? 100;
    positive(this, 'anomalyImpactUsd', impact);
    const notifications: BudgetsBudgetNotification[] = [
      { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: actual, thresholdType: 'PERCENTAGE', subscriberSnsTopicArns: [props.alertTopic.topicArn] },
      { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: forecast, thresholdType: 'PERCENTAGE', subscriberSnsTopicArns: [props.alertTopic.topicArn] },
    ];
    this.platformBudget = this.budget('platform_budget', 'platform', props.monthlyBudgetUsd, 'cost-center', stack.tags['cost-center'], notifications);
    for (const [team, usd] of Object.entries(teams).sort(([a], [b]) => a.localeCompare(b))) {
      this.teamBudgets[team] = this.budget(`team_budget_${snake(team)}`, `team-${team}`, usd, 'team', team, notifications);
    }
    this.budgetTagKeys = ['cost-center', ...(Object.keys(teams).length > 0 ? [TEAM_COST_TAG] : [])];
    if (props.activateCostAllocationTags ?? false) {
      for (const key of this.budgetTagKeys) {
        this.costAllocationTags[key] = new CeCostAllocationTag(this, `cost_allocation_tag_${snake(key)}`, { tagKey: key, status: 'Active' });
      }
    }
    validateAtSynth(this, () => this.checkTeams(Object.keys(teams)));
    this.anomalyMonitor = new CeAnomalyMonitor(this, 'anomaly_monitor', {
      name: stack.naming.name(this, 'cost-anomaly', 'services'),
      monitorType: 'DIMENSIONAL',
      monitorDimension: 'SERVICE',
    });
    this.anomalySubscription = new CeAnomalySubscription(this, 'anomaly_subscription', {
      name: stack.naming.name(this, 'cost-anomaly', 'alerts'),
      frequency: 'IMMEDIATE',
      monitorArnList: [this.anomalyMonitor.arn],
      subscriber: [{ type: 'SNS', address: props.alertTopic.topicArn }],
      thresholdExpression: { dimension: { key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', matchOptions: ['GREATER_THAN_OR_EQUAL'], values: [String(impact)] } },
      dependsOn: [props.alertTopic.topicPolicy],
    });
  }

  /** Every team budget names a Team of the app, whose resources carry the tag the budget filters on. */
  protected checkTeams(budgeted: string[]): Array<{ problem: string; fix: string }> {
    const known = this.node.root.node.findAll().filter((c): c is Team => c instanceof Team).map((t) => t.name);
    return budgeted.filter((t) => !known.includes(t)).sort().map((t) => ({
      problem: `teamBudgetsUsd names team ${show(t)}, but no Team of the app is called so: no resource carries the tag ${TEAM_COST_TAG}=${t} and the budget would stay at 0 USD (teams: ${known.sort().join(', ') || 'none'}).`,
      fix: 'budget an existing team by its Team name, or add the Team.',
    }));
  }

  /** One monthly cost budget filtered on a cost-allocation tag; override to add filters or notifications. */
  protected budget(id: string, namePart: string, usd: number, tagKey: string, tagValue: string, notification: BudgetsBudgetNotification[]): BudgetsBudget {
    return new BudgetsBudget(this, id, {
      name: MlopsStack.of(this).naming.name(this, 'budget', namePart),
      budgetType: 'COST',
      timeUnit: 'MONTHLY',
      limitAmount: usd.toFixed(2),
      limitUnit: 'USD',
      costFilter: [{ name: 'TagKeyValue', values: [`user:${tagKey}$${tagValue}`] }],
      notification,
    });
  }
}

function positive(scope: Construct, what: string, v: number): void {
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) invalid(scope, `${what} ${show(v)} is not a positive amount.`, 'give a monthly amount in USD greater than 0.');
}
