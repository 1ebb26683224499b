/**
 * The findings topic: every message carries `agency` and `severity` attributes;
 * each agency's owners subscribe with a filter policy on their agency, so an
 * owner only ever receives its own hits; the security team gets everything
 * (findings, receipts, alarms).
 */
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface OwnerAlertsProps {
  readonly encryptionKey: kms.IKey;
  /** Agencies and the e-mail addresses that own them. */
  readonly owners: readonly { readonly agency: string; readonly emails: readonly string[] }[];
  /** Addresses that receive every message. */
  readonly securityTeam: readonly string[];
  /** @default - generated */
  readonly topicName?: string;
}

/** The findings topic and its owner subscriptions. */
export class OwnerAlerts extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: OwnerAlertsProps) {
    super(scope, id);
    if (props.securityTeam.length === 0) throw new Error('securityTeam must list at least one address (it receives alarms), got []');
    this.topic = new sns.Topic(this, 'Findings', {
      masterKey: props.encryptionKey,
      enforceSSL: true,
      topicName: props.topicName,
      displayName: 'Indicator sweep findings',
    });
    for (const o of props.owners) {
      for (const email of o.emails) {
        this.topic.addSubscription(
          new subs.EmailSubscription(email, {
            filterPolicy: { agency: sns.SubscriptionFilter.stringFilter({ allowlist: [o.agency] }) },
          }),
        );
      }
    }
    for (const email of props.securityTeam) this.topic.addSubscription(new subs.EmailSubscription(email));
    // A topic policy replaces SNS's default one: without this statement (enforceSSL writes a Deny only), CloudWatch
    // could not publish and the alarms would reach nobody. Only this account's alarms (confused deputy).
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    // CloudWatch alarms publish to the encrypted topic: the service needs the messaging key.
    props.encryptionKey.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
  }

  /** Lets `grantee` publish findings (and use the messaging key to do so). */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.topic.grantPublish(grantee);
  }

  /** Sends the alarm's state changes to the topic (security team only: no agency attribute). */
  notifyOnAlarm(alarm: cloudwatch.Alarm): void {
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
  }
}
