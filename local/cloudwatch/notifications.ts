import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AlarmStateChange } from './alarm-evaluator';
import { regionDisplayName } from './alarm-message';

/**
 * Local delivery of alarm notifications: what an SQS or HTTP subscriber of the alarm's SNS
 * topic would receive, one JSON line per notification in `<dir>/<topic name>.jsonl`, and the
 * last ones in memory for the console.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
 */

export interface SnsNotification {
  readonly Type: 'Notification';
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject: string;
  /** The CloudWatch alarm message, as a JSON string (as SNS delivers it). */
  readonly Message: string;
  readonly Timestamp: string;
}

export interface AlarmNotificationSinkOptions {
  /** Folder of the `<topic name>.jsonl` files. */
  readonly dir: string;
  /** Notifications kept in memory. @default 100 */
  readonly keepLast?: number;
}

export class AlarmNotificationSink {
  private readonly keepLast: number;
  private readonly latest: SnsNotification[] = [];

  public constructor(private readonly options: AlarmNotificationSinkOptions) {
    this.keepLast = options.keepLast ?? 100;
  }

  /** Writes one notification per SNS topic among the change's actions; returns them. */
  public deliver(change: AlarmStateChange): SnsNotification[] {
    const topics = change.topicArns.filter((arn) => arn.startsWith('arn:aws:sns:'));
    if (topics.length === 0) return [];
    mkdirSync(this.options.dir, { recursive: true });
    return topics.map((topicArn) => {
      const notification: SnsNotification = {
        Type: 'Notification',
        MessageId: randomUUID(),
        TopicArn: topicArn,
        Subject: alarmSubject(change),
        Message: JSON.stringify(change.message),
        Timestamp: new Date(change.timestampMs).toISOString(),
      };
      appendFileSync(join(this.options.dir, `${topicName(topicArn)}.jsonl`), `${JSON.stringify(notification)}\n`);
      this.remember(notification);
      return notification;
    });
  }

  /** The last notifications, oldest first. */
  public recent(): readonly SnsNotification[] {
    return [...this.latest];
  }

  private remember(notification: SnsNotification): void {
    this.latest.push(notification);
    if (this.latest.length > this.keepLast) this.latest.splice(0, this.latest.length - this.keepLast);
  }
}

/** `ALARM: "name" in US East (N. Virginia)`, the subject CloudWatch gives alarm notifications. */
export function alarmSubject(change: AlarmStateChange): string {
  return `${change.newState}: "${change.alarm.alarmName}" in ${regionDisplayName(change.alarm.region)}`;
}

/** The topic name: the last part of its ARN. */
export function topicName(topicArn: string): string {
  return topicArn.slice(topicArn.lastIndexOf(':') + 1);
}
