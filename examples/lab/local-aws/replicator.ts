/**
 * The lab's stand-in for global table replication: it reads every write of the primary table from DynamoDB Local's
 * stream (so a write by any client counts, whatever path it took) and applies it to each replica region after a lag
 * the caller sets, in order, so the last writer wins. A region can be paused (its writes queue) and resumed (the
 * queue drains in order). Every write is logged with the time it was applied per region, and each applied write
 * emits a ReplicationLatency-like event. `npx jest test/local-aws/replicator.test.ts` exercises it.
 *
 * Replicated writes go straight to DynamoDB Local, past the replica's fault proxy (a proxy models the region's API
 * as its clients see it, not the replication channel), and only the primary's stream is read, so they are never
 * replicated again.
 */
import {
  AttributeValue,
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { LOCAL_CREDENTIALS } from './environment';
import type { KeyAttribute, LocalAws } from './index';
import { sleep } from './loopback';
import { StreamsClient } from './streams-client';

/** How often the stream is read when nothing else is set. */
export const DEFAULT_POLL_INTERVAL_MS = 20;

/** How often the shard list is read again, to follow shard splits and rotation. */
const SHARD_REFRESH_MS = 1_000;

/** How long a lane waits before retrying a replica write that failed. */
const APPLY_RETRY_MS = 50;

/** Options of {@link Replicator}. */
export interface ReplicatorOptions {
  readonly local: LocalAws;
  readonly tableName: string;
  readonly primaryRegion: string;
  readonly replicaRegions: string[];
  /** Time from a write being seen in the primary to its application in each replica, in milliseconds. */
  readonly lagMs: number;
  /** The partition key (its name, or name and type). */
  readonly partitionKey: string | KeyAttribute;
  /**
   * The sort key (its name, or name and type).
   * @default - the table has a partition key only
   */
  readonly sortKey?: string | KeyAttribute;
  /**
   * How often the primary's stream is read, in milliseconds.
   * @default 20
   */
  readonly pollIntervalMs?: number;
}

/** One write seen in the primary. */
export interface ReplicatedWrite {
  /** The item's key as JSON of its unmarshalled key attributes (partition key first). */
  readonly key: string;
  /** The item after the write (unmarshalled), or null for a delete. */
  readonly image: Record<string, unknown> | null;
  /** The stream's event name: INSERT, MODIFY or REMOVE. */
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** The stream sequence number of the write in the primary. */
  readonly sequenceNumber: string;
  /** When the replicator saw the write (epoch ms). */
  readonly seenAt: number;
  /** When the write was applied in each replica region (epoch ms); absent while pending. */
  readonly appliedAt: Record<string, number>;
}

/** A ReplicationLatency-like event, emitted once per write applied in a replica region. */
export interface ReplicationEvent {
  readonly receivingRegion: string;
  readonly latencyMs: number;
  /** When the write was applied (epoch ms). */
  readonly at: number;
}

interface PendingWrite {
  readonly record: ReplicatedWrite;
  readonly keyAttributes: Record<string, AttributeValue>;
  readonly newImage: Record<string, AttributeValue> | undefined;
}

interface StreamRecord {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly dynamodb: {
    readonly Keys: Record<string, AttributeValue>;
    readonly NewImage?: Record<string, AttributeValue>;
    readonly SequenceNumber: string;
  };
}

interface Shard {
  readonly ShardId: string;
  readonly ParentShardId?: string;
}

/** A wake-up signal: `wait` resolves on the next `notify` or after `timeoutMs`. */
class Signal {
  private waiters: Array<() => void> = [];

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      waiter();
    }
  }

  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((waiter) => waiter !== done);
          resolve();
        }, Math.max(0, timeoutMs));
      }
    });
  }
}

/** The queue of one replica region. */
class Lane {
  readonly queue: PendingWrite[] = [];
  readonly changed = new Signal();
  paused = false;
  applying = false;

  constructor(readonly region: string) {}

  get drained(): boolean {
    return this.queue.length === 0 && !this.applying;
  }
}

/** Replicates the primary table's writes to each replica region (see the file header). */
export class Replicator {
  /** Every write seen in the primary, in order. */
  readonly log: ReplicatedWrite[] = [];
  private readonly lanes: Map<string, Lane>;
  private readonly listeners: Array<(event: ReplicationEvent) => void> = [];
  private readonly keyNames: string[];
  private readonly pollIntervalMs: number;
  private lagMs: number;
  private streams: StreamsClient | undefined;
  private running = false;
  private loops: Promise<void>[] = [];
  private cycles = 0;
  private readonly cycled = new Signal();
  private lastError: Error | undefined;

  constructor(private readonly options: ReplicatorOptions) {
    checkLag('lagMs', options.lagMs);
    this.lagMs = options.lagMs;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    checkLag('pollIntervalMs', this.pollIntervalMs);
    if (options.replicaRegions.length === 0 || options.replicaRegions.includes(options.primaryRegion)) {
      throw new Error(`replicaRegions: received ${JSON.stringify(options.replicaRegions)}; allowed: one or more regions other than the primary ${options.primaryRegion}`);
    }
    for (const region of [options.primaryRegion, ...options.replicaRegions]) {
      if (!options.local.regions.includes(region)) {
        throw new Error(`region: received ${JSON.stringify(region)}; allowed: the local regions ${options.local.regions.join(', ')}`);
      }
    }
    this.keyNames = [options.partitionKey, ...(options.sortKey === undefined ? [] : [options.sortKey])]
      .map((key) => (typeof key === 'string' ? key : key.name));
    this.lanes = new Map(options.replicaRegions.map((region) => [region, new Lane(region)] as const));
  }

  /** The current lag, in milliseconds. */
  get currentLagMs(): number {
    return this.lagMs;
  }

  /** The last error met while reading the stream or writing a replica (the replicator keeps retrying). */
  get error(): Error | undefined {
    return this.lastError;
  }

  /** Enables the primary's stream when needed and starts reading it and applying writes. */
  async start(): Promise<void> {
    if (this.running) {
      return;
    }
    const streamArn = await this.primaryStreamArn();
    this.streams = new StreamsClient(
      this.options.local.dynamoDbLocal.endpoint,
      this.options.primaryRegion,
      LOCAL_CREDENTIALS,
    );
    this.running = true;
    this.loops = [
      this.readStream(streamArn),
      ...[...this.lanes.values()].map((lane) => this.drain(lane)),
    ];
  }

  /** Stops reading and applying; writes still queued stay unapplied. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.cycled.notify();
    for (const lane of this.lanes.values()) {
      lane.changed.notify();
    }
    await Promise.all(this.loops);
    this.loops = [];
    this.streams?.close();
  }

  /** Pauses one replica region (or all): its writes queue until `resume`. */
  pause(region?: string): void {
    for (const lane of this.selectLanes(region)) {
      lane.paused = true;
      lane.changed.notify();
    }
  }

  /** Resumes one replica region (or all): its queue drains in order. */
  resume(region?: string): void {
    for (const lane of this.selectLanes(region)) {
      lane.paused = false;
      lane.changed.notify();
    }
  }

  /** Changes the lag for every write not yet applied. */
  setLag(ms: number): void {
    checkLag('setLag(ms)', ms);
    this.lagMs = ms;
    for (const lane of this.lanes.values()) {
      lane.changed.notify();
    }
  }

  /** Calls `listener` once per write applied in a replica region. */
  onReplicated(listener: (event: ReplicationEvent) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Resolves once every write made in the primary before this call has been applied in `region` (or in every
   * replica region). A paused region is not drained until it is resumed.
   */
  async whenDrained(region?: string): Promise<void> {
    if (!this.running) {
      throw new Error('whenDrained: the replicator is not running; call start() first');
    }
    const target = this.cycles + 2;
    while (this.running && this.cycles < target) {
      await this.cycled.wait();
    }
    for (const lane of this.selectLanes(region)) {
      while (this.running && !lane.drained) {
        await lane.changed.wait();
      }
    }
  }

  private selectLanes(region: string | undefined): Lane[] {
    if (region === undefined) {
      return [...this.lanes.values()];
    }
    const lane = this.lanes.get(region);
    if (lane === undefined) {
      throw new Error(`region: received ${JSON.stringify(region)}; allowed: ${[...this.lanes.keys()].join(', ')}`);
    }

    return [lane];
  }

  private async primaryStreamArn(): Promise<string> {
    const client = this.options.local.direct(this.options.primaryRegion);
    const describe = async () =>
      (await client.send(new DescribeTableCommand({ TableName: this.options.tableName }))).Table;
    let table = await describe();
    if (table?.StreamSpecification?.StreamEnabled !== true) {
      await client.send(new UpdateTableCommand({
        TableName: this.options.tableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }));
      table = await describe();
    }
    const viewType = table?.StreamSpecification?.StreamViewType;
    if (viewType !== 'NEW_IMAGE' && viewType !== 'NEW_AND_OLD_IMAGES') {
      throw new Error(`table ${this.options.tableName}: stream view type ${String(viewType)} carries no new image; allowed: NEW_IMAGE or NEW_AND_OLD_IMAGES`);
    }
    if (table?.LatestStreamArn === undefined) {
      throw new Error(`table ${this.options.tableName}: DynamoDB Local reported no stream ARN`);
    }

    return table.LatestStreamArn;
  }

  /** Reads every shard of the stream from its start, in order, and queues each write for every replica. */
  private async readStream(streamArn: string): Promise<void> {
    const streams = this.streams!;
    const iterators = new Map<string, string>();
    const finished = new Set<string>();
    let refreshedAt = 0;
    while (this.running) {
      try {
        if (Date.now() - refreshedAt >= SHARD_REFRESH_MS) {
          await this.discoverShards(streams, streamArn, iterators, finished);
          refreshedAt = Date.now();
        }
        for (const [shardId, iterator] of [...iterators]) {
          const answer = await streams.call<{ Records: StreamRecord[]; NextShardIterator?: string }>(
            'GetRecords',
            { ShardIterator: iterator, Limit: 1000 },
          );
          this.accept(answer.Records);
          if (answer.NextShardIterator === undefined || answer.NextShardIterator === null) {
            iterators.delete(shardId);
            finished.add(shardId);
            refreshedAt = 0;
          } else {
            iterators.set(shardId, answer.NextShardIterator);
          }
        }
      } catch (error) {
        this.lastError = error as Error;
      }
      this.cycles++;
      this.cycled.notify();
      if (this.running) {
        await sleep(this.pollIntervalMs);
      }
    }
  }

  private async discoverShards(
    streams: StreamsClient,
    streamArn: string,
    iterators: Map<string, string>,
    finished: Set<string>,
  ): Promise<void> {
    const answer = await streams.call<{ StreamDescription: { Shards: Shard[] } }>('DescribeStream',
      { StreamArn: streamArn });
    const shards = answer.StreamDescription.Shards;
    const known = new Set(shards.map((shard) => shard.ShardId));
    for (const shard of shards) {
      if (iterators.has(shard.ShardId) || finished.has(shard.ShardId)) {
        continue;
      }
      const parent = shard.ParentShardId;
      if (parent !== undefined && known.has(parent) && !finished.has(parent)) {
        continue; // a child is read only after its parent, to keep each key's writes in order
      }
      const { ShardIterator } = await streams.call<{ ShardIterator: string }>('GetShardIterator', {
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      });
      iterators.set(shard.ShardId, ShardIterator);
    }
  }

  private accept(records: StreamRecord[]): void {
    const seenAt = Date.now();
    for (const streamRecord of records) {
      const keys = streamRecord.dynamodb.Keys;
      const plainKeys = unmarshall(keys);
      const newImage = streamRecord.eventName === 'REMOVE' ? undefined : streamRecord.dynamodb.NewImage;
      const record: ReplicatedWrite = {
        key: JSON.stringify(Object.fromEntries(this.keyNames.map((name) => [name, plainKeys[name]]))),
        image: newImage === undefined ? null : unmarshall(newImage),
        eventName: streamRecord.eventName,
        sequenceNumber: streamRecord.dynamodb.SequenceNumber,
        seenAt,
        appliedAt: {},
      };
      this.log.push(record);
      for (const lane of this.lanes.values()) {
        lane.queue.push({ record, keyAttributes: keys, newImage });
        lane.changed.notify();
      }
    }
  }

  /** Applies a region's queue in order, each write once its lag has passed and the region is not paused. */
  private async drain(lane: Lane): Promise<void> {
    while (this.running) {
      const head = lane.queue[0];
      if (lane.paused || head === undefined) {
        await lane.changed.wait();
        continue;
      }
      const dueAt = head.record.seenAt + this.lagMs;
      if (Date.now() < dueAt) {
        await lane.changed.wait(dueAt - Date.now());
        continue;
      }
      lane.applying = true;
      try {
        await this.apply(lane.region, head);
        lane.queue.shift();
        const appliedAt = Date.now();
        head.record.appliedAt[lane.region] = appliedAt;
        this.emit({ receivingRegion: lane.region, latencyMs: appliedAt - head.record.seenAt, at: appliedAt });
      } catch (error) {
        this.lastError = error as Error;
        await sleep(APPLY_RETRY_MS);
      } finally {
        lane.applying = false;
        lane.changed.notify();
      }
    }
  }

  private async apply(region: string, write: PendingWrite): Promise<void> {
    const client = this.options.local.direct(region);
    if (write.newImage === undefined) {
      await client.send(new DeleteItemCommand({ TableName: this.options.tableName, Key: write.keyAttributes }));
    } else {
      await client.send(new PutItemCommand({ TableName: this.options.tableName, Item: write.newImage }));
    }
  }

  private emit(event: ReplicationEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.lastError = error as Error;
      }
    }
  }
}

function checkLag(field: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new Error(`${field}: received ${ms}; allowed: a finite number of milliseconds >= 0`);
  }
}
