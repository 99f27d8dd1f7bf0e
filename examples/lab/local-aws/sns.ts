/**
 * A local SNS topic that delivers Lambda-shaped SNS events to its subscribers, with the misbehaviour real SNS allows
 * (late, duplicated and out-of-order delivery) available on demand. `npx jest test/local-aws/sns.test.ts` exercises it.
 */
import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';

/** A subscriber: typically `(event) => invoker.invokeAsync(event)`. */
export type SnsSubscriber = (event: SNSEvent) => Promise<unknown> | unknown;

/** Delivery faults; all off by default. */
export interface SnsChaos {
  /**
   * Wait this long before each delivery, in milliseconds.
   * @default 0
   */
  readonly delayMs?: number;
  /**
   * Deliver every message twice: `concurrent` (or `true`) delivers both copies at once, `sequential` one after
   * the other.
   * @default false
   */
  readonly duplicate?: boolean | 'concurrent' | 'sequential';
  /**
   * Hold messages until this many are held, then deliver them newest first; `flush()` releases a partial window.
   * @default 0 (deliver in order)
   */
  readonly reorder?: number;
}

/** Options of a local topic. */
export interface LocalTopicOptions extends SnsChaos {
  /** The topic ARN, e.g. `arn:aws:sns:us-east-1:111111111111:orders-lag-eu-central-1`. */
  readonly arn: string;
  /**
   * The lab clock, epoch ms (for the Timestamp field).
   * @default Date.now
   */
  readonly now?: () => number;
}

interface Subscription {
  readonly arn: string;
  readonly fn: SnsSubscriber;
}

interface HeldMessage {
  readonly message: string;
  readonly subject: string | undefined;
  readonly id: string;
  readonly timestamp: string;
}

/** A local SNS topic. */
export class LocalTopic {
  /** The topic ARN. */
  readonly arn: string;
  /** Errors thrown by subscribers (a delivery never throws into `publish`). */
  readonly errors: unknown[] = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly held: HeldMessage[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  private chaos: Required<Omit<SnsChaos, 'duplicate'>> & { duplicate: false | 'concurrent' | 'sequential' };
  private published = 0;
  private delivered = 0;

  constructor(options: LocalTopicOptions) {
    if (!/^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(options.arn)) {
      throw new Error(`LocalTopic arn: got ${JSON.stringify(options.arn)}; `
        + 'allowed: arn:aws:sns:<region>:<account>:<name>');
    }
    this.arn = options.arn;
    this.now = options.now ?? Date.now;
    this.chaos = { delayMs: 0, duplicate: false, reorder: 0 };
    this.setChaos(options);
  }

  /** Messages published so far. */
  get publishes(): number {
    return this.published;
  }

  /** Events handed to subscribers so far (one per subscriber per copy of a message). */
  get deliveries(): number {
    return this.delivered;
  }

  /** Messages held back for reordering. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Changes the delivery faults; a field left out keeps its value. */
  setChaos(chaos: SnsChaos): void {
    const duplicate = chaos.duplicate === undefined ? this.chaos.duplicate
      : chaos.duplicate === true ? 'concurrent' : chaos.duplicate;
    const delayMs = chaos.delayMs ?? this.chaos.delayMs;
    const reorder = chaos.reorder ?? this.chaos.reorder;
    if (!(delayMs >= 0)) {
      throw new Error(`LocalTopic delayMs: got ${delayMs}; allowed: 0 or more`);
    }
    if (!(Number.isInteger(reorder) && reorder >= 0)) {
      throw new Error(`LocalTopic reorder: got ${reorder}; allowed: a whole number, 0 for in-order delivery`);
    }
    this.chaos = { delayMs, duplicate, reorder };
  }

  /** Turns every fault off. */
  clearChaos(): void {
    this.chaos = { delayMs: 0, duplicate: false, reorder: 0 };
  }

  /** Adds a subscriber. @returns its subscription ARN */
  subscribe(fn: SnsSubscriber): string {
    const arn = `${this.arn}:${randomUUID()}`;
    this.subscriptions.push({ arn, fn });

    return arn;
  }

  /**
   * Publishes a message (an object is sent as its JSON). Resolves once it is delivered to every subscriber, or at
   * once when it is held back for reordering.
   */
  async publish(message: object | string, subject?: string): Promise<void> {
    this.published += 1;
    this.held.push({
      message: typeof message === 'string' ? message : JSON.stringify(message),
      subject,
      id: randomUUID(),
      timestamp: new Date(this.now()).toISOString(),
    });
    if (this.held.length < Math.max(this.chaos.reorder, 1)) {
      return;
    }
    await this.flush();
  }

  /** Delivers every held message, newest first. */
  async flush(): Promise<void> {
    const batch = this.held.splice(0, this.held.length).reverse();
    for (const message of batch) {
      await this.track(this.deliver(message));
    }
  }

  /** Resolves when no delivery is in progress (held messages stay held). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
    }
  }

  /** The Lambda event SNS would send to one subscription for one message. */
  eventFor(message: HeldMessage, subscriptionArn: string): SNSEvent {
    const region = this.arn.split(':')[3];

    return {
      Records: [{
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: 'Notification',
          MessageId: message.id,
          TopicArn: this.arn,
          Subject: message.subject,
          Message: message.message,
          Timestamp: message.timestamp,
          SignatureVersion: '1',
          Signature: Buffer.from(`local-signature:${message.id}`).toString('base64'),
          // Loopback placeholders: nothing fetches them, and no real host is ever named.
          SigningCertUrl: `http://127.0.0.1/local-sns/${region}/certificate.pem`,
          UnsubscribeUrl: `http://127.0.0.1/local-sns/${region}/unsubscribe?SubscriptionArn=${subscriptionArn}`,
          MessageAttributes: {},
        },
      }],
    };
  }

  private async track(delivery: Promise<void>): Promise<void> {
    this.inFlight.add(delivery);
    try {
      await delivery;
    } finally {
      this.inFlight.delete(delivery);
    }
  }

  private async deliver(message: HeldMessage): Promise<void> {
    if (this.chaos.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.chaos.delayMs));
    }
    const copies = this.chaos.duplicate === false ? 1 : 2;
    await Promise.all(this.subscriptions.map(async (subscription) => {
      const once = (): Promise<void> => this.deliverOne(message, subscription);
      if (copies === 1) {
        await once();
      } else if (this.chaos.duplicate === 'sequential') {
        await once();
        await once();
      } else {
        await Promise.all([once(), once()]);
      }
    }));
  }

  private async deliverOne(message: HeldMessage, subscription: Subscription): Promise<void> {
    this.delivered += 1;
    try {
      await subscription.fn(this.eventFor(message, subscription.arn));
    } catch (error) {
      this.errors.push(error);
    }
  }
}
