import { App } from 'cdktf';
import { danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';
import { AlertTopic } from '../../lib/monitoring/alert-topic';

describe('AlertTopic', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      new AlertTopic(stack, 'alerts', { emails: ['ml-oncall@acme.example'], httpsEndpoints: ['https://events.pagerduty.com/integration/abc/enqueue'] });
    });
    p = s.stacks.platform;
  });
  test('references resolve', () => expect(danglingReferences(s)).toEqual([]));
  test('topic encrypted with the alerts domain key', () => {
    expect(resource(p, 'aws_sns_topic', 'alerts_topic')).toMatchObject({ name: 'acme-dev-alerts', kms_master_key_id: '${aws_kms_key.keys_alerts_key.arn}' });
  });
  test('the key lets the four alert publishers encrypt, and nothing more', () => {
    const st = policy(resource(p, 'aws_kms_key', 'keys_alerts_key').policy).Statement.slice(1);
    expect(st.map((x) => [x.Principal.Service, x.Action])).toEqual(
      ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'budgets.amazonaws.com', 'costalerts.amazonaws.com'].map((svc) => [svc, ['kms:Decrypt', 'kms:GenerateDataKey*']]));
  });
  test('topic policy: deny without TLS, publish only by the services for this account', () => {
    const st = policy(resource(p, 'aws_sns_topic_policy', 'alerts_policy').policy).Statement;
    expect(st[0]).toEqual({ Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: '${aws_sns_topic.alerts_topic.arn}', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(st[1]).toEqual({ Sid: 'AllowAlertPublishers', Effect: 'Allow', Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'budgets.amazonaws.com', 'costalerts.amazonaws.com'] },
      Action: 'sns:Publish', Resource: '${aws_sns_topic.alerts_topic.arn}', Condition: { StringEquals: { 'aws:SourceAccount': '${data.aws_caller_identity.caller_identity.account_id}' } } });
    expect(st).toHaveLength(2);
  });
  test('subscriptions with readable, endpoint-derived addresses', () => {
    expect(Object.keys(resources(p, 'aws_sns_topic_subscription')).sort()).toEqual(['alerts_email_ml_oncall_acme_example', 'alerts_https_events_pagerduty_com_integration_abc_enqueue']);
    expect(resource(p, 'aws_sns_topic_subscription', 'alerts_email_ml_oncall_acme_example')).toMatchObject({ protocol: 'email', endpoint: 'ml-oncall@acme.example', topic_arn: '${aws_sns_topic.alerts_topic.arn}' });
  });
  test('bad endpoints are errors', () => {
    const stack = testStack(new App());
    expect(() => new AlertTopic(stack, 'a', { emails: ['oncall'] })).toThrow(/^\[platform\/a\] email "oncall" is not an e-mail address\. Fix: use an address such as "ml-oncall@acme\.example"\.$/);
    expect(() => new AlertTopic(stack, 'b', { httpsEndpoints: ['http://hooks.example'] })).toThrow(/^\[platform\/b\] endpoint "http:\/\/hooks\.example" is not an https:\/\/ URL\. Fix: use an HTTPS endpoint; SNS would send plain HTTP notifications otherwise\.$/);
  });
});
