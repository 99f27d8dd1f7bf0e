import type { SNSEvent } from 'aws-lambda';
import { LocalTopic } from '../../examples/lab/local-aws/sns';

const ARN = 'arn:aws:sns:us-east-1:111111111111:orders-lag-eu-central-1';

function messagesOf(events: SNSEvent[]): unknown[] {
  return events.map((event) => JSON.parse(event.Records[0].Sns.Message));
}

describe('LocalTopic', () => {
  test('delivers one Lambda SNS event per subscriber per message', async () => {
    // GIVEN a topic with two subscribers
    const topic = new LocalTopic({ arn: ARN, now: () => Date.UTC(2026, 10, 20, 10, 15) });
    const first: SNSEvent[] = [];
    const second: SNSEvent[] = [];
    const subscriptionArn = topic.subscribe((event) => {
      first.push(event);
    });
    topic.subscribe(async (event) => {
      second.push(event);
    });

    // WHEN an alarm message is published
    await topic.publish({ AlarmName: 'orders-lag', NewStateValue: 'ALARM' }, 'ALARM: "orders-lag"');

    // THEN each subscriber got one event shaped like SNS's, with the message as JSON
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect(topic.deliveries).toBe(2);
    expect(first[0].Records).toHaveLength(1);
    const record = first[0].Records[0];
    expect(record).toMatchObject({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: subscriptionArn,
    });
    expect(subscriptionArn.startsWith(`${ARN}:`)).toBe(true);
    expect(record.Sns).toMatchObject({
      Type: 'Notification',
      TopicArn: ARN,
      Subject: 'ALARM: "orders-lag"',
      Timestamp: '2026-11-20T10:15:00.000Z',
      SignatureVersion: '1',
      MessageAttributes: {},
    });
    expect(record.Sns.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof record.Sns.Signature).toBe('string');
    expect(record.Sns.SigningCertUrl.startsWith('http://127.0.0.1/')).toBe(true);
    expect(record.Sns.UnsubscribeUrl.startsWith('http://127.0.0.1/')).toBe(true);
    expect(JSON.parse(record.Sns.Message)).toEqual({ AlarmName: 'orders-lag', NewStateValue: 'ALARM' });
    expect(second[0].Records[0].Sns.MessageId).toBe(record.Sns.MessageId);
  });

  test('sends a string message as it is', async () => {
    // GIVEN a subscriber / WHEN a plain string is published / THEN Message is that string
    const topic = new LocalTopic({ arn: ARN });
    const events: SNSEvent[] = [];
    topic.subscribe((event) => {
      events.push(event);
    });
    await topic.publish('replication lag alarm fired');
    expect(events[0].Records[0].Sns.Message).toBe('replication lag alarm fired');
  });

  test('duplicate delivers each message twice, concurrently, with the same MessageId', async () => {
    // GIVEN a slow subscriber and duplication on
    const topic = new LocalTopic({ arn: ARN, duplicate: true });
    let running = 0;
    let maxRunning = 0;
    const ids: string[] = [];
    topic.subscribe(async (event) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      ids.push(event.Records[0].Sns.MessageId);
      running -= 1;
    });

    // WHEN one message is published
    await topic.publish({ n: 1 });

    // THEN both copies ran at the same time and carry one MessageId
    expect(topic.deliveries).toBe(2);
    expect(maxRunning).toBe(2);
    expect(ids[0]).toBe(ids[1]);
  });

  test('sequential duplicates arrive one after the other', async () => {
    // GIVEN sequential duplication
    const topic = new LocalTopic({ arn: ARN, duplicate: 'sequential' });
    let running = 0;
    let maxRunning = 0;
    topic.subscribe(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    });

    // WHEN a message is published / THEN two deliveries never overlapped
    await topic.publish({ n: 1 });
    expect(topic.deliveries).toBe(2);
    expect(maxRunning).toBe(1);
  });

  test('reorder holds a window of messages and delivers it newest first', async () => {
    // GIVEN a reorder window of 3
    const topic = new LocalTopic({ arn: ARN, reorder: 3 });
    const events: SNSEvent[] = [];
    topic.subscribe((event) => {
      events.push(event);
    });

    // WHEN four messages are published, then the rest is flushed
    await topic.publish({ n: 1 });
    await topic.publish({ n: 2 });
    const heldBeforeWindow = topic.heldCount;
    await topic.publish({ n: 3 });
    await topic.publish({ n: 4 });
    const heldAfterWindow = topic.heldCount;
    await topic.flush();

    // THEN the first window came reversed, and the partial one was released by flush
    expect(heldBeforeWindow).toBe(2);
    expect(heldAfterWindow).toBe(1);
    expect(messagesOf(events)).toEqual([{ n: 3 }, { n: 2 }, { n: 1 }, { n: 4 }]);
  });

  test('delayMs delays delivery; whenIdle waits for it', async () => {
    // GIVEN a delay of 50 ms
    const topic = new LocalTopic({ arn: ARN, delayMs: 50 });
    const events: SNSEvent[] = [];
    topic.subscribe((event) => {
      events.push(event);
    });

    // WHEN a message is published without waiting
    const started = Date.now();
    const publishing = topic.publish({ n: 1 });
    const deliveredAtOnce = events.length;
    await topic.whenIdle();
    await publishing;

    // THEN it arrived only after the delay
    expect(deliveredAtOnce).toBe(0);
    expect(events).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  test('a failing subscriber does not fail publish and is recorded', async () => {
    // GIVEN a subscriber that throws and one that works
    const topic = new LocalTopic({ arn: ARN });
    const events: SNSEvent[] = [];
    topic.subscribe(() => {
      throw new Error('boom');
    });
    topic.subscribe((event) => {
      events.push(event);
    });

    // WHEN a message is published / THEN the other still got it and the error is kept
    await topic.publish({ n: 1 });
    expect(events).toHaveLength(1);
    expect(topic.errors).toHaveLength(1);
  });

  test('chaos can be changed and cleared', async () => {
    // GIVEN a topic with duplication turned on later, then cleared
    const topic = new LocalTopic({ arn: ARN });
    topic.subscribe(() => undefined);
    topic.setChaos({ duplicate: true });
    await topic.publish({ n: 1 });
    topic.clearChaos();
    await topic.publish({ n: 2 });

    // THEN the first was delivered twice, the second once
    expect(topic.publishes).toBe(2);
    expect(topic.deliveries).toBe(3);
  });

  test('throws when the ARN is not an SNS topic ARN', () => {
    // GIVEN / WHEN a bad ARN / THEN the error shows it and the allowed form
    expect(() => new LocalTopic({ arn: 'orders-topic' })).toThrow(
      'LocalTopic arn: got "orders-topic"; allowed: arn:aws:sns:<region>:<account>:<name>');
  });
});
