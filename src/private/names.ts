/**
 * Physical names and literal ARNs. Resources that other regions' stacks reference (the table, the lag alarms, their
 * topics and dead-letter queues) have physical names, so a stack in another region builds their ARNs from literals
 * and never imports a value across regions. The account and partition are the stack's pseudo values, which resolve
 * in whichever stack uses them (no cross-stack reference).
 */
import { createHash } from 'crypto';
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Longest SNS topic name (standard topics). */
export const TOPIC_NAME_MAX_LENGTH = 256;

/** Longest SQS queue name. */
export const QUEUE_NAME_MAX_LENGTH = 80;

/** Longest CloudWatch alarm name. */
export const ALARM_NAME_MAX_LENGTH = 255;

/** Characters SNS topic and SQS queue names allow. */
const TOPIC_AND_QUEUE_CHARACTERS = /[^a-zA-Z0-9_-]/g;

/** Length of the hash suffix that keeps a shortened or rewritten name unique. */
const HASH_LENGTH = 8;

/**
 * Makes `wanted` fit a service's naming rules: characters outside `disallowed` become `-`, and a name that had to
 * change (rewritten or too long) gets a short hash of the wanted name, so two different wanted names never meet.
 * A name that contains a token is returned unchanged (it cannot be inspected at synth time).
 */
export function fitName(wanted: string, maxLength: number, disallowed?: RegExp): string {
  if (Token.isUnresolved(wanted)) {
    return wanted;
  }
  const cleaned = disallowed ? wanted.replace(disallowed, '-') : wanted;
  if (cleaned === wanted && cleaned.length <= maxLength) {
    return wanted;
  }
  const hash = createHash('sha256').update(wanted).digest('hex').slice(0, HASH_LENGTH);

  return `${cleaned.slice(0, maxLength - HASH_LENGTH - 1)}-${hash}`;
}

/** The physical name of the lag alarm for one receiving region. */
export function lagAlarmName(tableName: string, receivingRegion: string): string {
  return fitName(`${tableName}-replication-lag-${receivingRegion}`, ALARM_NAME_MAX_LENGTH);
}

/** The physical name of the SNS topic of the lag alarm for one receiving region. */
export function lagTopicName(tableName: string, receivingRegion: string): string {
  return fitName(`${tableName}-replication-lag-${receivingRegion}`, TOPIC_NAME_MAX_LENGTH, TOPIC_AND_QUEUE_CHARACTERS);
}

/** The physical name of the subscription dead-letter queue of the lag topic for one receiving region. */
export function lagDeadLetterQueueName(tableName: string, receivingRegion: string): string {
  const wanted = `${tableName}-replication-lag-${receivingRegion}-dlq`;

  return fitName(wanted, QUEUE_NAME_MAX_LENGTH, TOPIC_AND_QUEUE_CHARACTERS);
}

/** `arn:<partition>:dynamodb:<region>:<account>:table/<tableName>`. */
export function dynamoDbTableArn(scope: IConstruct, region: string, tableName: string): string {
  return Stack.of(scope).formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: tableName });
}

/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<alarmName>`. */
export function cloudWatchAlarmArn(scope: IConstruct, region: string, alarmName: string): string {
  return Stack.of(scope).formatArn({
    service: 'cloudwatch',
    region,
    resource: 'alarm',
    resourceName: alarmName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** `arn:<partition>:sns:<region>:<account>:<topicName>`. */
export function snsTopicArn(scope: IConstruct, region: string, topicName: string): string {
  return Stack.of(scope).formatArn({
    service: 'sns',
    region,
    resource: topicName,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
}

/** `arn:<partition>:sqs:<region>:<account>:<queueName>`. */
export function sqsQueueArn(scope: IConstruct, region: string, queueName: string): string {
  return Stack.of(scope).formatArn({
    service: 'sqs',
    region,
    resource: queueName,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
}
