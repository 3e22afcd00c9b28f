import { Construct } from 'constructs';
import { BudgetsBudget, BudgetsBudgetNotification } from '@cdktf/provider-aws/lib/budgets-budget';
import { CeAnomalyMonitor } from '@cdktf/provider-aws/lib/ce-anomaly-monitor';
import { CeAnomalySubscription } from '@cdktf/provider-aws/lib/ce-anomaly-subscription';
import { MlopsStack, snake } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { AlertTopic } from '../monitoring/alert-topic';

/** Props of {@link CostControls}. */
export interface CostControlsProps {
  /** Topic receiving budget and anomaly alerts. */
  readonly alertTopic: AlertTopic;
  /** Monthly budget of the whole platform in USD (costs tagged with the stack's cost-center). */
  readonly monthlyBudgetUsd: number;
  /**
   * Monthly budgets per team in USD, by the value of the `team` cost-allocation tag.
   * @default none
   */
  readonly teamBudgetsUsd?: Record<string, number>;
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
 * Cost guard rails: a monthly AWS Budget for the platform (filtered on the stack's cost-center tag)
 * and one per team (filtered on the `team` tag), each alerting the alert topic on actual and
 * forecast spend; a Cost Anomaly Detection monitor per AWS service with an immediate SNS
 * subscription. Cost-allocation tags and GPU ceilings are enforced by the policy pack
 * (MLOPS-COST-001, MLOPS-COST-002).
 */
export class CostControls extends Construct {
  public readonly platformBudget: BudgetsBudget;
  public readonly teamBudgets: Record<string, BudgetsBudget> = {};
  public readonly anomalyMonitor: CeAnomalyMonitor;
  public readonly anomalySubscription: CeAnomalySubscription;

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
