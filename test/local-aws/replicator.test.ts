import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ReplicationEvent, Replicator } from '../../examples/lab/local-aws/replicator';
import { useLocalAws } from '../support/local-aws';

const local = useLocalAws();
const PRIMARY = 'us-east-1';
const REPLICA = 'eu-central-1';
let tableCount = 0;
let replicator: Replicator | undefined;

afterEach(async () => {
  await replicator?.stop();
  replicator = undefined;
});

/** A fresh table in both regions with a started replicator. */
async function replicated(lagMs: number): Promise<{ table: string; replicator: Replicator }> {
  const table = `replicated-${++tableCount}`;
  await local().createTable({
    tableName: table,
    regions: [PRIMARY, REPLICA],
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
  });
  replicator = new Replicator({
    local: local(),
    tableName: table,
    primaryRegion: PRIMARY,
    replicaRegions: [REPLICA],
    lagMs,
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: 'sk',
  });
  await replicator.start();

  return { table, replicator };
}

async function put(table: string, pk: string, value: string): Promise<void> {
  await local().dynamoDb(PRIMARY).send(new PutItemCommand({
    TableName: table,
    Item: { pk: { S: pk }, sk: { S: 'a' }, value: { S: value } },
  }));
}

async function replicaValue(table: string, pk: string): Promise<string | undefined> {
  const got = await local().dynamoDb(REPLICA).send(new GetItemCommand({
    TableName: table,
    Key: { pk: { S: pk }, sk: { S: 'a' } },
    ConsistentRead: true,
  }));

  return got.Item?.value?.S;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Replicator', () => {
  test('applies a write in the replica only after the lag', async () => {
    // GIVEN a replicator with a 600 ms lag
    const { table, replicator: r } = await replicated(600);

    // WHEN an item is written in the primary through the router
    await put(table, 'lagged', 'v1');
    await until(() => r.log.length === 1);

    // THEN the replica lacks it before the lag and has it after
    expect(await replicaValue(table, 'lagged')).toBeUndefined();
    await r.whenDrained();
    expect(await replicaValue(table, 'lagged')).toBe('v1');
    const [write] = r.log;
    expect(write).toMatchObject({
      key: JSON.stringify({ pk: 'lagged', sk: 'a' }),
      image: { pk: 'lagged', sk: 'a', value: 'v1' },
      eventName: 'INSERT',
    });
    expect(write.appliedAt[REPLICA] - write.seenAt).toBeGreaterThanOrEqual(600);
  });

  test('replicates an UpdateItem as the whole new item', async () => {
    // GIVEN a replicated item
    const { table, replicator: r } = await replicated(0);
    await put(table, 'updated', 'v1');

    // WHEN it is updated in the primary
    await local().dynamoDb(PRIMARY).send(new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: 'updated' }, sk: { S: 'a' } },
      UpdateExpression: 'SET #v = :v, extra = :e',
      ExpressionAttributeNames: { '#v': 'value' },
      ExpressionAttributeValues: { ':v': { S: 'v2' }, ':e': { N: '7' } },
    }));
    await r.whenDrained();

    // THEN the replica holds the updated item
    const got = await local().dynamoDb(REPLICA).send(new GetItemCommand({
      TableName: table,
      Key: { pk: { S: 'updated' }, sk: { S: 'a' } },
    }));
    expect(got.Item).toEqual({ pk: { S: 'updated' }, sk: { S: 'a' }, value: { S: 'v2' }, extra: { N: '7' } });
    expect(r.log.map((w) => w.eventName)).toEqual(['INSERT', 'MODIFY']);
  });

  test('queues writes while paused and drains them in order on resume, the last writer winning', async () => {
    // GIVEN a paused replica region
    const { table, replicator: r } = await replicated(0);
    r.pause(REPLICA);

    // WHEN the same key is written three times (one of them in a batch) and another key once
    await put(table, 'contended', 'v1');
    await put(table, 'contended', 'v2');
    await local().dynamoDb(PRIMARY).send(new BatchWriteItemCommand({
      RequestItems: {
        [table]: [
          { PutRequest: { Item: { pk: { S: 'contended' }, sk: { S: 'a' }, value: { S: 'v3' } } } },
          { PutRequest: { Item: { pk: { S: 'other' }, sk: { S: 'a' }, value: { S: 'o1' } } } },
        ],
      },
    }));
    await until(() => r.log.length === 4);
    await new Promise((resolve) => setTimeout(resolve, 200));

    // THEN nothing reached the replica while paused
    expect(await replicaValue(table, 'contended')).toBeUndefined();
    expect(r.log.every((w) => w.appliedAt[REPLICA] === undefined)).toBe(true);

    // WHEN the region resumes
    const resumedAt = Date.now();
    r.resume(REPLICA);
    await r.whenDrained(REPLICA);

    // THEN every write was applied, in the order seen, and the last write of each key won
    expect(await replicaValue(table, 'contended')).toBe('v3');
    expect(await replicaValue(table, 'other')).toBe('o1');
    const applied = r.log.map((w) => w.appliedAt[REPLICA]);
    expect(applied.every((at) => at >= resumedAt)).toBe(true);
    expect([...applied].sort((a, b) => a - b)).toEqual(applied);
    expect(r.log.map((w) => (w.image as { value: string }).value)).toEqual(['v1', 'v2', 'v3', 'o1']);
  });

  test('emits a latency event per applied write', async () => {
    // GIVEN a replicator with a 200 ms lag and a listener
    const { table, replicator: r } = await replicated(200);
    const events: ReplicationEvent[] = [];
    r.onReplicated((event) => events.push(event));

    // WHEN two writes replicate
    await put(table, 'first', 'v1');
    await put(table, 'second', 'v1');
    await r.whenDrained();

    // THEN one event per write names the receiving region and a latency of at least the lag
    expect(events).toHaveLength(2);
    for (const [index, event] of events.entries()) {
      expect(event.receivingRegion).toBe(REPLICA);
      expect(event.latencyMs).toBeGreaterThanOrEqual(200);
      expect(event.at).toBe(r.log[index].appliedAt[REPLICA]);
    }
  });

  test('replicates a delete', async () => {
    // GIVEN a replicated item
    const { table, replicator: r } = await replicated(0);
    await put(table, 'deleted', 'v1');
    await r.whenDrained();
    expect(await replicaValue(table, 'deleted')).toBe('v1');

    // WHEN it is deleted in the primary
    await local().dynamoDb(PRIMARY).send(new DeleteItemCommand({
      TableName: table,
      Key: { pk: { S: 'deleted' }, sk: { S: 'a' } },
    }));
    await r.whenDrained();

    // THEN the replica no longer has it, and the log records the delete
    expect(await replicaValue(table, 'deleted')).toBeUndefined();
    expect(r.log[r.log.length - 1]).toMatchObject({ eventName: 'REMOVE', image: null });
  });

  test('does not replicate its own writes or writes made in the replica', async () => {
    // GIVEN a replicator and one replicated write
    const { table, replicator: r } = await replicated(0);
    await put(table, 'once', 'v1');
    await r.whenDrained();

    // WHEN a client writes in the replica region directly
    await local().dynamoDb(REPLICA).send(new PutItemCommand({
      TableName: table,
      Item: { pk: { S: 'replica-only' }, sk: { S: 'a' }, value: { S: 'r1' } },
    }));
    await r.whenDrained();

    // THEN the log holds the primary's write only, and the primary never got the replica's item
    expect(r.log.map((w) => w.key)).toEqual([JSON.stringify({ pk: 'once', sk: 'a' })]);
    const primary = await local().dynamoDb(PRIMARY).send(new GetItemCommand({
      TableName: table,
      Key: { pk: { S: 'replica-only' }, sk: { S: 'a' } },
    }));
    expect(primary.Item).toBeUndefined();
  });

  test('setLag changes the lag of writes not yet applied', async () => {
    // GIVEN a long lag and a pending write
    const { table, replicator: r } = await replicated(60_000);
    await put(table, 'relagged', 'v1');
    await until(() => r.log.length === 1);

    // WHEN the lag is shortened
    r.setLag(0);
    await r.whenDrained();

    // THEN the write is applied at once
    expect(await replicaValue(table, 'relagged')).toBe('v1');
    expect(r.currentLagMs).toBe(0);
  });

  test('throws when the replica regions include the primary or the lag is negative', () => {
    // GIVEN / WHEN / THEN
    const base = { local: local(), tableName: 'any', primaryRegion: PRIMARY, partitionKey: 'pk' };
    expect(() => new Replicator({ ...base, replicaRegions: [PRIMARY], lagMs: 0 }))
      .toThrow(/replicaRegions: received \["us-east-1"\]/);
    expect(() => new Replicator({ ...base, replicaRegions: [REPLICA], lagMs: -5 })).toThrow(/lagMs: received -5/);
    expect(() => new Replicator({ ...base, replicaRegions: ['ap-south-1'], lagMs: 0 }))
      .toThrow(/received "ap-south-1"/);
  });
});
