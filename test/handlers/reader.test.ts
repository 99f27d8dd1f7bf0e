/**
 * The reader handler against DynamoDB Local in two regions (primary us-east-1, replica eu-central-1), the lab's
 * replicator between them, fault proxies in front of each region and the local parameter store. Each test loads the
 * handler module afresh (jest.isolateModules): a new container, with its own breaker and caches.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { captureOutput } from './handler-output';
import { Replicator } from '../../examples/lab/local-aws/replicator';
import type { ReaderErrorResult, ReaderResponse, ReaderResult } from '../../lambda-src/reader/types';
import { useLocalAws } from '../support/local-aws';
import { loadReaderContainer } from '../support/reader-container';

const PRIMARY = 'us-east-1';
const REPLICA = 'eu-central-1';
const HEARTBEAT = '__rgt_heartbeat__';
const KEY = { partitionKey: { name: 'pk', type: 'S' as const }, sortKey: { name: 'sk', type: 'S' as const } };

const local = useLocalAws();

type Handler = (event: unknown) => Promise<ReaderResponse>;

let tableCount = 0;
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
  for (const region of [PRIMARY, REPLICA]) {
    local().proxy(region).pass();
  }
  local().parameters.up();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createTable(lagMs = 50): Promise<{ tableName: string; parameterName: string; replicator: Replicator }> {
  const tableName = `reader-test-${process.pid}-${++tableCount}`;
  await local().createTable({ tableName, regions: [PRIMARY, REPLICA], ...KEY, stream: true });
  const replicator = new Replicator({
    local: local(), tableName, primaryRegion: PRIMARY, replicaRegions: [REPLICA], lagMs, ...KEY,
  });
  await replicator.start();
  cleanups.push(() => replicator.stop());

  return { tableName, parameterName: `/resilient-global-table/${tableName}/routing`, replicator };
}

/** Writes an item to the primary, past its fault proxy (so proxy counters only see the reader). */
async function put(tableName: string, pk: string, fields: { writtenAt?: number; version?: number; sk?: string }) {
  await local().direct(PRIMARY).send(new PutItemCommand({
    TableName: tableName,
    Item: {
      pk: { S: pk },
      sk: { S: fields.sk ?? 'v0' },
      ...(fields.writtenAt === undefined ? {} : { written_at: { N: String(fields.writtenAt) } }),
      ...(fields.version === undefined ? {} : { version: { N: String(fields.version) } }),
    },
  }));
}

/** Rewrites `pk` in the primary every `intervalMs` (version 1, 2, ...) until the test ends. */
function startWriter(tableName: string, pk: string, intervalMs: number): void {
  let writing = true;
  const writer = (async () => {
    for (let version = 1; writing; version++) {
      await put(tableName, pk, { writtenAt: Date.now(), version });
      await sleep(intervalMs);
    }
  })();
  cleanups.push(async () => {
    writing = false;
    await writer;
  });
}

/** Beats like the heartbeat function: puts the heartbeat item in the primary every `intervalMs`. */
function startHeartbeat(tableName: string, intervalMs: number): () => void {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await put(tableName, HEARTBEAT, { writtenAt: Date.now(), sk: HEARTBEAT });
      await sleep(intervalMs);
    }
  })();
  const stop = () => {
    stopped = true;
  };
  cleanups.push(async () => {
    stop();
    await loop;
  });

  return stop;
}

/** Sets the reader's environment (restored after the test) and loads a fresh container. */
function loadReader(tableName: string, env: Record<string, string> = {}, onLoad?: () => void): Handler {
  const values: Record<string, string> = {
    AWS_REGION: REPLICA,
    TABLE_NAME: tableName,
    PRIMARY_REGION: PRIMARY,
    PARTITION_KEY: 'pk',
    PARTITION_KEY_TYPE: 'S',
    SORT_KEY: 'sk',
    SORT_KEY_TYPE: 'S',
    ROUTING_PARAMETER_NAME: `/resilient-global-table/${tableName}/routing`,
    READER_NAME: 'test-reader',
    SDK_TIMEOUT_MS: '1000',
    SDK_MAX_ATTEMPTS: '1',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...env,
  };
  const container = loadReaderContainer<Handler>(values, onLoad);
  cleanups.push(container.restore);

  return container.handler;
}

function served(response: ReaderResponse): ReaderResult {
  if ('error' in response) {
    throw new Error(`expected a served read, got ${JSON.stringify(response)}`);
  }

  return response;
}

/** Collects the EMF lines the test writes to stdout. */
function captureEmf(): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    const text = String(chunk);
    for (const line of text.split('\n')) {
      if (line.includes('"_aws"')) lines.push(JSON.parse(line));
    }

    return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
  cleanups.push(() => spy.mockRestore());

  return lines;
}

describe('reader handler on local AWS', () => {
  test('healthy: a fresh item is served from the replica', async () => {
    // GIVEN an item replicated to the replica
    const { tableName, replicator } = await createTable();
    await put(tableName, 'order#1', { writtenAt: Date.now(), version: 1 });
    await replicator.whenDrained();
    const handler = loadReader(tableName);

    // WHEN read
    const result = served(await handler({ pk: 'order#1', sk: 'v0' }));

    // THEN
    expect(result).toMatchObject({
      item: { pk: 'order#1', sk: 'v0', version: 1 },
      readFrom: 'replica',
      routingReason: 'replica',
      staleDetected: false,
      possiblyStale: false,
    });
  });

  test('a quiet old item with a healthy heartbeat is served from the replica, without any primary read (item 9)', async () => {
    // GIVEN an item nobody changed for an hour, healthy replication and a beating heartbeat
    const { tableName, replicator } = await createTable();
    startHeartbeat(tableName, 200);
    await put(tableName, 'quiet', { writtenAt: Date.now() - 3_600_000, version: 3 });
    await sleep(300);
    await replicator.whenDrained();
    const handler = loadReader(tableName, {
      HEARTBEAT_PARTITION_VALUE: HEARTBEAT, HEARTBEAT_INTERVAL_MS: '200', MAX_STALENESS_MS: '1000',
    });
    const emf = captureEmf();
    const primaryBefore = local().proxy(PRIMARY).requests;

    // WHEN read many times
    const results = [];
    for (let i = 0; i < 10; i++) {
      results.push(served(await handler({ key: { pk: 'quiet', sk: 'v0' } })));
    }

    // THEN every read is a replica read, nothing is detected, the primary is never asked
    const allPlainReplicaReads = results.every(
      (r) => r.readFrom === 'replica' && r.routingReason === 'replica' && !r.staleDetected,
    );
    expect(allPlainReplicaReads).toBe(true);
    expect(results[0].itemAgeMs).toBeGreaterThan(3_500_000);
    expect(local().proxy(PRIMARY).requests - primaryBefore).toBe(0);
    expect(emf.some((line) => 'StaleDetections' in line)).toBe(false);
  });

  test('a read right after a write: token and miss go to the primary with no detection', async () => {
    // GIVEN a slow replicator, an old copy everywhere, then a new write not yet replicated
    const { tableName, replicator } = await createTable(4000);
    await put(tableName, 'order#2', { writtenAt: Date.now() - 60_000, version: 1 });
    await replicator.whenDrained();
    const writtenAt = Date.now();
    await put(tableName, 'order#2', { writtenAt, version: 2 });
    await put(tableName, 'order#3', { writtenAt, version: 1 });
    const handler = loadReader(tableName);

    // WHEN read with a token, and a new key read at once
    const token = served(await handler({ pk: 'order#2', sk: 'v0', minWrittenAt: writtenAt }));
    const version = served(await handler({ pk: 'order#2', sk: 'v0', minVersion: 2 }));
    const miss = served(await handler({ pk: 'order#3', sk: 'v0' }));

    // THEN
    expect(token).toMatchObject({
      readFrom: 'primary',
      routingReason: 'token_fallback',
      staleDetected: false,
      item: { version: 2 },
    });
    expect(version).toMatchObject({ readFrom: 'primary', routingReason: 'token_fallback', staleDetected: false });
    expect(miss).toMatchObject({ readFrom: 'primary', routingReason: 'replica_miss_fallback', staleDetected: false });
  });

  test('replica paused while writes continue: bounded staleness, timely detection, breaker opens then probes', async () => {
    // GIVEN 1 s maxStaleness, 200 ms heartbeat, 100 ms watermark cache, 1.5 s lease, writes every 100 ms
    const maxStalenessMs = 1000;
    const intervalMs = 200;
    const watermarkMaxAgeMs = 100;
    const leaseMs = 1500;
    const { tableName, replicator } = await createTable();
    startHeartbeat(tableName, intervalMs);
    startWriter(tableName, 'hot', 100);
    await sleep(500);
    await replicator.whenDrained();
    const handler = loadReader(tableName, {
      HEARTBEAT_PARTITION_VALUE: HEARTBEAT,
      HEARTBEAT_INTERVAL_MS: String(intervalMs),
      MAX_STALENESS_MS: String(maxStalenessMs),
      WATERMARK_MAX_AGE_MS: String(watermarkMaxAgeMs),
      BREAKER_LEASE_MS: String(leaseMs),
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    const emf = captureEmf();
    expect(served(await handler({ pk: 'hot', sk: 'v0' })).routingReason).toBe('replica');

    // WHEN the replica pauses and reads go on
    replicator.pause(REPLICA);
    const pausedAt = Date.now();
    const reads: Array<{ startedAt: number; finishedAt: number; result: ReaderResult }> = [];
    while (Date.now() - pausedAt < maxStalenessMs + leaseMs * 2 + 1500) {
      const startedAt = Date.now();
      const result = served(await handler({ pk: 'hot', sk: 'v0' }));
      reads.push({ startedAt, finishedAt: Date.now(), result });
      await sleep(30);
    }

    // THEN no answer lags the primary by more than maxStaleness (writes every 100 ms: allow one write interval)
    for (const read of reads) {
      const writtenAt = (read.result.item as { written_at: number }).written_at;
      expect(read.startedAt - writtenAt).toBeLessThanOrEqual(maxStalenessMs + 100 + 100);
    }
    // AND the first detection comes within maxStaleness + interval + watermark cache age + one read (+ slack)
    const first = reads.find((r) => r.result.staleDetected);
    expect(first).toBeDefined();
    expect(first!.finishedAt - pausedAt).toBeLessThanOrEqual(maxStalenessMs + intervalMs + watermarkMaxAgeMs + 300);
    expect(first!.result).toMatchObject({ readFrom: 'primary', routingReason: 'stale_data' });
    // AND the breaker opens, and after the lease a probe finds the replica still behind
    const afterFirst = reads.slice(reads.indexOf(first!) + 1);
    expect(afterFirst.some((r) => r.result.routingReason === 'breaker_open')).toBe(true);
    const reDetections = afterFirst.filter((r) => r.result.staleDetected);
    expect(reDetections.length).toBeGreaterThan(0);
    expect(reDetections[0].startedAt - first!.finishedAt).toBeGreaterThanOrEqual(leaseMs - 50);
    // AND each detection is a high-resolution StaleDetections with the {Reader} and {Parameter} dimension sets
    const detections = emf.filter((line) => 'StaleDetections' in line);
    expect(detections.length).toBe(1 + reDetections.length);
    expect(detections[0]).toMatchObject({
      Reader: 'test-reader',
      Parameter: `/resilient-global-table/${tableName}/routing`,
      _aws: {
        CloudWatchMetrics: [{
          Namespace: 'ResilientGlobalTable',
          Dimensions: [['Reader'], ['Parameter']],
          Metrics: [{ Name: 'StaleDetections', Unit: 'Count', StorageResolution: 1 }],
        }],
      },
    });

    // WHEN replication resumes and the lease runs out
    replicator.resume(REPLICA);
    await replicator.whenDrained();
    await sleep(leaseMs + 100);

    // THEN the probe finds the replica healthy and the breaker closes
    const probe = served(await handler({ pk: 'hot', sk: 'v0' }));
    expect(probe).toMatchObject({ readFrom: 'replica', routingReason: 'probe', staleDetected: false });
    expect(served(await handler({ pk: 'hot', sk: 'v0' })).routingReason).toBe('replica');
  });

  test('negative control: with staleness checks off, a paused replica serves answers older than maxStaleness', async () => {
    // GIVEN mode none, a heartbeat, and a key written every 100 ms
    const { tableName, replicator } = await createTable();
    startHeartbeat(tableName, 200);
    startWriter(tableName, 'hot', 100);
    await sleep(300);
    await replicator.whenDrained();
    const handler = loadReader(tableName, {
      STALENESS_MODE: 'none', HEARTBEAT_PARTITION_VALUE: HEARTBEAT, HEARTBEAT_INTERVAL_MS: '200', MAX_STALENESS_MS: '1000',
    });

    // WHEN the replica pauses for longer than maxStaleness
    replicator.pause(REPLICA);
    await sleep(1600);
    const startedAt = Date.now();
    const result = served(await handler({ pk: 'hot', sk: 'v0' }));

    // THEN the answer lags by more than maxStaleness and nothing notices: what the other modes prevent
    expect(result).toMatchObject({ readFrom: 'replica', routingReason: 'replica', staleDetected: false });
    expect(startedAt - (result.item as { written_at: number }).written_at).toBeGreaterThan(1000 + 200);
    replicator.resume(REPLICA);
  });

  test('a stalled heartbeat writer with healthy replication is not a detection', async () => {
    // GIVEN a heartbeat that beat a few times and stopped, and an old item
    const { tableName, replicator } = await createTable();
    const stop = startHeartbeat(tableName, 100);
    await put(tableName, 'old', { writtenAt: Date.now() - 60_000, version: 1 });
    await sleep(300);
    stop();
    await sleep(1500);
    await replicator.whenDrained();
    const handler = loadReader(tableName, {
      HEARTBEAT_PARTITION_VALUE: HEARTBEAT, HEARTBEAT_INTERVAL_MS: '100', MAX_STALENESS_MS: '1000',
    });

    // WHEN the old item is read twice
    const first = served(await handler({ pk: 'old', sk: 'v0' }));
    const second = served(await handler({ pk: 'old', sk: 'v0' }));

    // THEN one verification with the primary, no detection, and the verification is remembered
    expect(first).toMatchObject({ readFrom: 'primary', routingReason: 'verification', staleDetected: false });
    expect(second).toMatchObject({ readFrom: 'replica', routingReason: 'replica', staleDetected: false });
  });

  test('a failing replica: replica_error_fallback from the primary', async () => {
    const { tableName, replicator } = await createTable();
    await put(tableName, 'order#4', { writtenAt: Date.now(), version: 1 });
    await replicator.whenDrained();
    const handler = loadReader(tableName);

    // WHEN the replica's API fails (500, then dropped connections)
    local().proxy(REPLICA).fail('http500');
    const http500 = served(await handler({ pk: 'order#4', sk: 'v0' }));
    local().proxy(REPLICA).fail('drop');
    const dropped = served(await handler({ pk: 'order#4', sk: 'v0' }));

    // THEN
    for (const result of [http500, dropped]) {
      expect(result)
        .toMatchObject({ readFrom: 'primary', routingReason: 'replica_error_fallback', item: { version: 1 } });
    }
  });

  test('a failing primary: possibly stale answers from the replica; both failing: an error result', async () => {
    // GIVEN routing pinned to the primary
    const { tableName, parameterName, replicator } = await createTable();
    local().parameters.set(parameterName, 'primary');
    await put(tableName, 'order#5', { writtenAt: Date.now(), version: 1 });
    await replicator.whenDrained();
    const handler = loadReader(tableName);
    expect(served(await handler({ pk: 'order#5', sk: 'v0' })).routingReason).toBe('routing_primary');

    // WHEN the primary fails
    local().proxy(PRIMARY).fail('http500');
    const fallback = served(await handler({ pk: 'order#5', sk: 'v0' }));

    // THEN the replica answers, marked possibly stale
    expect(fallback)
      .toMatchObject({ readFrom: 'replica', routingReason: 'primary_error_fallback', possiblyStale: true });

    // WHEN both fail
    local().proxy(REPLICA).fail('drop');
    const failed = await handler({ pk: 'order#5', sk: 'v0' });

    // THEN an error result, not an exception
    expect((failed as ReaderErrorResult).error).toMatchObject({ type: 'Unavailable' });
  });

  test('the parameter store down or throttling: reads are served and the last known value is kept', async () => {
    // GIVEN routing set to the primary and read once
    const { tableName, parameterName } = await createTable();
    local().parameters.set(parameterName, 'primary');
    await put(tableName, 'order#6', { writtenAt: Date.now(), version: 1 });
    const handler = loadReader(tableName, { ROUTING_MAX_AGE_MS: '100' });
    expect(served(await handler({ pk: 'order#6', sk: 'v0' })).routingReason).toBe('routing_primary');

    // WHEN the parameter store fails, then drops connections, then throttles
    const reasons: string[] = [];
    for (const fault of [() => local().parameters.down('http500'), () => local().parameters.down('drop'),
      () => { local().parameters.up(); local().parameters.throttleNext(100); }]) {
      fault();
      await sleep(150);
      reasons.push(served(await handler({ pk: 'order#6', sk: 'v0' })).routingReason);
    }

    // THEN the last known value (primary) is kept every time
    expect(reasons).toEqual(['routing_primary', 'routing_primary', 'routing_primary']);
  });

  test('the parameter store down at a cold start: automatic mode', async () => {
    const { tableName, parameterName, replicator } = await createTable();
    local().parameters.set(parameterName, 'primary');
    await put(tableName, 'order#7', { writtenAt: Date.now(), version: 1 });
    await replicator.whenDrained();
    local().parameters.down('http500');
    const handler = loadReader(tableName);

    expect(served(await handler({ pk: 'order#7', sk: 'v0' })).routingReason).toBe('replica');
  });

  test('N reads within the cache age make one GetParameter call, found or not found (item 7)', async () => {
    // GIVEN a fresh container with a 60 s cache age, and a parameter that does not exist
    const { tableName, replicator } = await createTable();
    await put(tableName, 'order#8', { writtenAt: Date.now(), version: 1 });
    await replicator.whenDrained();
    const handler = loadReader(tableName, { ROUTING_MAX_AGE_MS: '60000' });
    local().parameters.resetCounts();

    // WHEN read 20 times
    for (let i = 0; i < 20; i++) {
      served(await handler({ pk: 'order#8', sk: 'v0' }));
    }

    // THEN one call ("not found" is cached like a value)
    expect(local().parameters.calls.GetParameter).toBe(1);

    // AND with a value, a second container also makes one call for 20 reads
    local().parameters.set(`/resilient-global-table/${tableName}/routing`, 'replica');
    const second = loadReader(tableName, { ROUTING_MAX_AGE_MS: '60000' });
    local().parameters.resetCounts();
    for (let i = 0; i < 20; i++) {
      served(await second({ pk: 'order#8', sk: 'v0' }));
    }
    expect(local().parameters.calls.GetParameter).toBe(1);
  });

  test('the fallback read goes to the primary region with ConsistentRead true (item 8)', async () => {
    // GIVEN every DynamoDB call of the container recorded with its client's region, and a replication lag long
    // enough that the replica cannot have the new item when the read comes
    const { tableName } = await createTable(60_000);
    await put(tableName, 'fresh', { writtenAt: Date.now(), version: 1 });
    const calls: Array<{ region: string; input: Record<string, unknown> }> = [];
    const handler = loadReader(tableName, {}, () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const sdk = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
      const send = sdk.DynamoDBClient.prototype.send;
      jest.spyOn(sdk.DynamoDBClient.prototype, 'send').mockImplementation(async function (this: InstanceType<
        typeof sdk.DynamoDBClient>, command: { input: Record<string, unknown> }) {
        calls.push({ region: await this.config.region(), input: command.input });

        return (send as (c: unknown) => Promise<unknown>).call(this, command);
      } as never);
    });

    // WHEN a key the replica does not hold yet is read
    const result = served(await handler({ pk: 'fresh', sk: 'v0' }));

    // THEN the replica was read eventually consistent in its region, the primary strongly consistent in its own
    expect(result).toMatchObject({ readFrom: 'primary', routingReason: 'replica_miss_fallback' });
    expect(calls).toEqual([
      { region: REPLICA, input: expect.objectContaining({ TableName: tableName, ConsistentRead: false }) },
      { region: PRIMARY, input: expect.objectContaining({ TableName: tableName, ConsistentRead: true }) },
    ]);
  });

  test('written_at in epoch seconds and in the future: each warned once per container, a future age is 0', async () => {
    // GIVEN two keys written in epoch seconds by mistake, and one written by a clock 5 minutes ahead, replicated
    const { tableName, replicator } = await createTable();
    await put(tableName, 'seconds#1', { writtenAt: 1_764_000_000, version: 1 });
    await put(tableName, 'seconds#2', { writtenAt: 1_764_000_000, version: 1 });
    const skewMs = 300_000;
    await put(tableName, 'future', { writtenAt: Date.now() + skewMs, version: 1 });
    await replicator.whenDrained();
    const handler = loadReader(tableName);
    const output = captureOutput();
    const epochWarnings = () => output.atLevel('WARN').filter((line) => String(line.message).includes('epoch seconds'));
    const skewWarnings = () => output.atLevel('WARN').filter((line) => String(line.message).includes('clock skew'));

    // WHEN each key is read twice (the second epoch-seconds key once) in one container
    const results: ReaderResult[] = [];
    try {
      for (const pk of ['seconds#1', 'seconds#1', 'future', 'future', 'seconds#2']) {
        results.push(served(await handler({ pk, sk: 'v0' })));
      }
    } finally {
      output.restore();
    }

    // THEN the container warned once about epoch seconds and once about clock skew, with the skew it saw
    expect(epochWarnings()).toHaveLength(1);
    expect(skewWarnings()).toHaveLength(1);
    expect(Math.abs(Number(skewWarnings()[0].skewMs) - skewMs)).toBeLessThan(10_000);
    // AND the future item is served with an age of 0; the epoch-seconds items with an unknown age
    expect(results[2]).toMatchObject({ item: { pk: 'future' }, itemAgeMs: 0 });
    expect(results[3]).toMatchObject({ item: { pk: 'future' }, itemAgeMs: 0 });
    expect(results[0]).toMatchObject({ item: { pk: 'seconds#1' }, itemAgeMs: null });

    // WHEN a fresh container reads an epoch-seconds key
    const second = loadReader(tableName);
    const again = captureOutput();
    try {
      served(await second({ pk: 'seconds#2', sk: 'v0' }));
    } finally {
      again.restore();
    }

    // THEN it warns once too: the memory is per container
    expect(again.atLevel('WARN').filter((line) => String(line.message).includes('epoch seconds'))).toHaveLength(1);
  });

  describe('reader-events.json through the handler', () => {
    const fixture = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'cases', 'reader-events.json'),
      'utf8')) as { cases: Array<{ name: string; event: unknown; valid: boolean; field?: string }> };
    const expand = (event: unknown): unknown => (event !== null && typeof event === 'object'
      ? Object.fromEntries(Object.entries(event).map(([k, v]) => {
        const match = typeof v === 'string' ? /^REPEAT:(.):(\d+)$/.exec(v) : null;

        return [k, match ? match[1].repeat(Number(match[2])) : v];
      }))
      : event);

    test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      // GIVEN a fresh container and zeroed counters
      const { tableName } = await createTable();
      const handler = loadReader(tableName);
      local().parameters.resetCounts();
      const before = [PRIMARY, REPLICA].map((region) => local().proxy(region).requests);

      // WHEN the event is handled
      const result = await handler(expand(c.event));

      // THEN valid events are served; invalid ones get an error naming the field and cause no call at all
      if (c.valid) {
        expect(served(result).readFrom).toBeDefined();
      } else {
        expect(result).toEqual({
          error: { type: 'InvalidInput', field: c.field, message: expect.stringContaining(c.field!) },
        });
        expect([PRIMARY, REPLICA].map((region) => local().proxy(region).requests)).toEqual(before);
        expect(Object.values(local().parameters.calls).reduce((a, b) => a + b, 0)).toBe(0);
      }
    });
  });
});
