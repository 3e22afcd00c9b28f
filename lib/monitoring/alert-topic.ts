import { Construct } from 'constructs';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { MlopsStack, snake } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { KeyRing } from '../security/key-ring';
import { IGrantable } from '../security/principal';
import { DomainKey } from '../security/domain-key';

/** AWS services that publish alerts: CloudWatch alarms, EventBridge rules, AWS Budgets, Cost Anomaly Detection. */
export const ALERT_PUBLISHERS = ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'budgets.amazonaws.com', 'costalerts.amazonaws.com'];

/** Props of {@link AlertTopic}. */
export interface AlertTopicProps {
  /**
   * Words of the topic name after the platform prefix.
   * @default "alerts"
   */
  readonly name?: string;
  /**
   * E-mail addresses subscribed to the topic (each must confirm the subscription).
   * @default none
   */
  readonly emails?: string[];
  /**
   * HTTPS endpoints subscribed to the topic (e.g. an incident tool's webhook).
   * @default none
   */
  readonly httpsEndpoints?: string[];
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const keysWithPublishers = new WeakSet<DomainKey>();

/**
 * The platform's alert topic: SNS encrypted with the `alerts` domain key, which CloudWatch,
 * EventBridge, Budgets and Cost Anomaly Detection may use; a topic policy that denies publishing
 * without TLS and lets only those services publish, for this account (aws:SourceAccount);
 * e-mail and HTTPS subscriptions from props.
 */
export class AlertTopic extends Construct {
  public readonly topic: SnsTopic;
  public readonly topicPolicy: SnsTopicPolicy;
  public readonly key: DomainKey;
  public readonly subscriptions: SnsTopicSubscription[] = [];

  constructor(scope: Construct, id: string, props: AlertTopicProps = {}) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    for (const e of props.emails ?? []) if (!EMAIL.test(e)) invalid(this, `email ${show(e)} is not an e-mail address.`, 'use an address such as "ml-oncall@acme.example".');
    for (const u of props.httpsEndpoints ?? []) if (!/^https:\/\/[^\s/]+/.test(u)) invalid(this, `endpoint ${show(u)} is not an https:// URL.`, 'use an HTTPS endpoint; SNS would send plain HTTP notifications otherwise.');
    this.key = KeyRing.of(this).key('alerts');
    if (!keysWithPublishers.has(this.key)) {
      keysWithPublishers.add(this.key);
      for (const service of ALERT_PUBLISHERS) {
        this.key.allowInKeyPolicy({ principal: { Service: service }, actions: ['kms:Decrypt', 'kms:GenerateDataKey*'] });
      }
    }
    this.topic = new SnsTopic(this, 'topic', {
      name: stack.naming.name(this, 'sns-topic', props.name ?? 'alerts'),
      kmsMasterKeyId: this.key.keyArn,
    });
    this.topicPolicy = new SnsTopicPolicy(this, 'policy', { arn: this.topic.arn, policy: this.renderPolicy(stack) });
    for (const e of props.emails ?? []) this.subscribe('email', e);
    for (const u of props.httpsEndpoints ?? []) this.subscribe('https', u);
  }

  public get topicArn(): string {
    return this.topic.arn;
  }

  /** Lets a workload publish to the topic (and use its key through SNS only). */
  public grantPublish(principal: IGrantable): void {
    principal.addToPolicy({ actions: ['sns:Publish'], resources: [this.topic.arn] });
    principal.addToPolicy({ actions: ['kms:GenerateDataKey*', 'kms:Decrypt'], resources: [this.key.keyArn], conditions: { StringEquals: { 'kms:ViaService': `sns.${MlopsStack.of(this).region}.amazonaws.com` } } });
  }

  /** Subscribes an endpoint; the construct id derives from the endpoint, so adding one renames nothing. */
  protected subscribe(protocol: 'email' | 'https', endpoint: string): SnsTopicSubscription {
    const sub = new SnsTopicSubscription(this, `${protocol}_${snake(endpoint.replace(/^https:\/\//, ''))}`, { topicArn: this.topic.arn, protocol, endpoint });
    this.subscriptions.push(sub);
    return sub;
  }

  /** The topic policy; override to admit more publishers. */
  protected renderPolicy(stack: MlopsStack): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: this.topic.arn, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        { Sid: 'AllowAlertPublishers', Effect: 'Allow', Principal: { Service: ALERT_PUBLISHERS }, Action: 'sns:Publish', Resource: this.topic.arn, Condition: { StringEquals: { 'aws:SourceAccount': stack.accountId } } },
      ],
    });
  }
}
