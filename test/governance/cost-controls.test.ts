import { App } from 'cdktf';
import { danglingReferences, resource, resources, synthesize, Synthesized, scratchOutdir } from '../support/synth';
import { testCluster, testStack } from '../support/fixtures';
import { Team } from '../../lib/compute/team';
import { Construct } from 'constructs';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { AlertTopic } from '../../lib/monitoring/alert-topic';
import { CostControls } from '../../lib/governance/cost-controls';

const ROLE = 'arn:aws:iam::123456789012:role/fraud-team';

describe('CostControls', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      for (const name of ['fraud', 'search-ranking']) new Team(stack, `team_${name.replace('-', '_')}`, { cluster, name, accessRoleArn: ROLE });
      const alertTopic = new AlertTopic(stack, 'alerts', {});
      new CostControls(stack, 'cost', { alertTopic, monthlyBudgetUsd: 20000, teamBudgetsUsd: { fraud: 5000, 'search-ranking': 8000 } });
    });
    p = s.stacks.platform;
  });
  test('references resolve', () => expect(danglingReferences(s)).toEqual([]));
  test('platform budget on the stack cost-center, monthly, actual and forecast alerts to the topic', () => {
    expect(resource(p, 'aws_budgets_budget', 'cost_platform_budget')).toEqual(expect.objectContaining({
      name: 'acme-dev-platform', budget_type: 'COST', time_unit: 'MONTHLY', limit_amount: '20000.00', limit_unit: 'USD',
      cost_filter: [{ name: 'TagKeyValue', values: ['user:cost-center$cc-1'] }],
      notification: [
        { notification_type: 'ACTUAL', comparison_operator: 'GREATER_THAN', threshold: 80, threshold_type: 'PERCENTAGE', subscriber_sns_topic_arns: ['${aws_sns_topic.alerts_topic.arn}'] },
        { notification_type: 'FORECASTED', comparison_operator: 'GREATER_THAN', threshold: 100, threshold_type: 'PERCENTAGE', subscriber_sns_topic_arns: ['${aws_sns_topic.alerts_topic.arn}'] },
      ],
    }));
  });
  test('one budget per team, filtered on the team tag, with stable addresses', () => {
    expect(Object.keys(resources(p, 'aws_budgets_budget')).sort()).toEqual(['cost_platform_budget', 'cost_team_budget_fraud', 'cost_team_budget_search_ranking']);
    expect(resource(p, 'aws_budgets_budget', 'cost_team_budget_search_ranking')).toMatchObject({ name: 'acme-dev-team-search-ranking', limit_amount: '8000.00', cost_filter: [{ name: 'TagKeyValue', values: ['user:team$search-ranking'] }] });
  });
  test('the tag a team budget filters on is carried by the resources the platform creates for that team', () => {
    for (const team of ['fraud', 'search-ranking']) {
      const filter = resource(p, 'aws_budgets_budget', `cost_team_budget_${team.replace('-', '_')}`).cost_filter[0].values[0];
      const [, key, value] = /^user:([^$]+)\$(.+)$/.exec(filter)!;
      const tagged = ['aws_eks_access_entry', 'aws_iam_role', 'aws_eks_pod_identity_association']
        .flatMap((type) => Object.entries(resources(p, type)).filter(([, r]) => r.tags?.[key] === value).map(([id]) => `${type}.${id}`));
      const id = team.replace('-', '_');
      expect(tagged.sort()).toEqual([`aws_eks_access_entry.team_${id}_access_entry`, `aws_eks_pod_identity_association.team_${id}_identity_association`, `aws_iam_role.team_${id}_identity_role_role`]);
    }
  });
  test('cost-allocation tag activation is opt-in (an account-wide payer setting): none by default', () => {
    expect(resources(p, 'aws_ce_cost_allocation_tag')).toEqual({});
  });
  test('anomaly monitor per service and an immediate SNS subscription above 100 USD impact', () => {
    expect(resource(p, 'aws_ce_anomaly_monitor', 'cost_anomaly_monitor')).toMatchObject({ name: 'acme-dev-services', monitor_type: 'DIMENSIONAL', monitor_dimension: 'SERVICE' });
    expect(resource(p, 'aws_ce_anomaly_subscription', 'cost_anomaly_subscription')).toMatchObject({
      frequency: 'IMMEDIATE', monitor_arn_list: ['${aws_ce_anomaly_monitor.cost_anomaly_monitor.arn}'],
      subscriber: [{ type: 'SNS', address: '${aws_sns_topic.alerts_topic.arn}' }],
      threshold_expression: { dimension: { key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', match_options: ['GREATER_THAN_OR_EQUAL'], values: ['100'] } },
      depends_on: ['aws_sns_topic_policy.alerts_policy'],
    });
  });
  describe('invalid input', () => {
    const make = (props: any) => {
      const stack = testStack(new App());
      const alertTopic = new AlertTopic(stack, 'alerts', {});
      return () => new CostControls(stack, 'cost', { alertTopic, monthlyBudgetUsd: 1000, ...props });
    };
    test('non-positive budget', () => expect(make({ monthlyBudgetUsd: 0 })).toThrow(/^\[platform\/cost\] monthlyBudgetUsd 0 is not a positive amount\. Fix: give a monthly amount in USD greater than 0\.$/));
    test('bad team name', () => expect(make({ teamBudgetsUsd: { 'Team A': 10 } })).toThrow(/^\[platform\/cost\] team "Team A" is not a valid team tag value\. Fix: use the team name as tagged: lower-case letters, digits and hyphens\.$/));
    test('team budgets over the platform budget', () => expect(make({ teamBudgetsUsd: { a: 600, b: 600 } })).toThrow(/^\[platform\/cost\] team budgets add up to 1200 USD, over the platform budget of 1000 USD\. Fix: raise monthlyBudgetUsd or lower the team budgets\.$/));
    test('a team budget for a team that does not exist', () => {
      const app = new App({ outdir: scratchOutdir() });
      const { stack, cluster } = testCluster(app);
      new Team(stack, 'team_fraud', { cluster, name: 'fraud', accessRoleArn: ROLE });
      new CostControls(stack, 'cost', { alertTopic: new AlertTopic(stack, 'alerts', {}), monthlyBudgetUsd: 1000, teamBudgetsUsd: { fraud: 100, frad: 100 } });
      expect(() => app.synth()).toThrow(/\[platform\/cost\] teamBudgetsUsd names team "frad", but no Team of the app is called so: no resource carries the tag team=frad and the budget would stay at 0 USD \(teams: fraud\)\. Fix: budget an existing team by its Team name, or add the Team\./);
    });
    test('threshold out of range', () => expect(make({ actualThresholdPercent: 0 })).toThrow(/^\[platform\/cost\] actualThresholdPercent 0 is outside 1-1000\. Fix: use a percentage of the budget such as 80 or 100\.$/));
  });
});

describe('CostControls cost-allocation tag activation (opt-in)', () => {
  test('activates cost-center and team when asked', () => {
    const s = synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      new Team(stack, 'team_fraud', { cluster, name: 'fraud', accessRoleArn: ROLE });
      new CostControls(stack, 'cost', { alertTopic: new AlertTopic(stack, 'alerts', {}), monthlyBudgetUsd: 1000, teamBudgetsUsd: { fraud: 100 }, activateCostAllocationTags: true });
    });
    expect(danglingReferences(s)).toEqual([]);
    const tags = resources(s.stacks.platform, 'aws_ce_cost_allocation_tag');
    expect(Object.keys(tags).sort()).toEqual(['cost_cost_allocation_tag_cost_center', 'cost_cost_allocation_tag_team']);
    expect(tags.cost_cost_allocation_tag_cost_center).toMatchObject({ tag_key: 'cost-center', status: 'Active' });
    expect(tags.cost_cost_allocation_tag_team).toMatchObject({ tag_key: 'team', status: 'Active' });
  });
});

describe('Team.attributeCosts', () => {
  test('every taggable resource under the scope gets team=<name>, over its own tags', () => {
    const s = synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      const team = new Team(stack, 'team_fraud', { cluster, name: 'fraud', accessRoleArn: ROLE });
      const pipeline = new Construct(stack, 'pipeline');
      new SqsQueue(pipeline, 'queue', { name: 'acme-dev-retrain', tags: { purpose: 'retraining' } });
      new SqsQueue(stack, 'other_queue', { name: 'acme-dev-other' });
      team.attributeCosts(pipeline);
    });
    expect(danglingReferences(s)).toEqual([]);
    expect(resource(s.stacks.platform, 'aws_sqs_queue', 'pipeline_queue').tags).toEqual({ purpose: 'retraining', team: 'fraud' });
    expect(resource(s.stacks.platform, 'aws_sqs_queue', 'other_queue').tags).toBeUndefined();
  });
});
