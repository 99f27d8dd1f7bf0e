/**
 * The reader's hot path and logging on local AWS: request ids and per-invocation DEBUG sampling, the routing value
 * served while it is refreshed in the background, the heartbeat read alongside the replica read, and bounded waits.
 * Plus the watermark source on a fake clock. Each container is the handler module loaded afresh.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { captureOutput } from './handler-output';
import { Replicator } from '../../examples/lab/local-aws/replicator';
import type { ReaderResponse, ReaderResult } from '../../lambda-src/reader/types';
import { WatermarkSource } from '../../lambda-src/reader/watermark-source';
import { useLocalAws } from '../support/local-aws';
import { loadReaderContainer } from '../support/reader-container';

const PRIMARY = 'us-east-1';
const REPLICA = 'eu-central-1';
const HEARTBEAT = '__rgt_heartbeat__';
const KEY = { partitionKey: { name: 'pk', type: 'S' as const }, sortKey: { name: 'sk', type: 'S' as const } };

type Handler = (event: unknown, context?: { awsRequestId: string }) => Promise<ReaderResponse>;

const local = useLocalAws();
const cleanups: Array<() => Promise<void> | void> = [];
let tableCount = 0;

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

function served(response: ReaderResponse): ReaderResult {
  if ('error' in response) {
    throw new Error(`expected a served read, got ${JSON.stringify(response)}`);
  }

  return response;
}

/** A table in both regions with one replicated item `order#1` written now. */
async function tableWithItem(): Promise<{ tableName: string; parameterName: string }> {
  const tableName = `reader-hot-${process.pid}-${++tableCount}`;
  await local().createTable({ tableName, regions: [PRIMARY, REPLICA], ...KEY, stream: true });
  const replicator = new Replicator({
    local: local(), tableName, primaryRegion: PRIMARY, replicaRegions: [REPLICA], lagMs: 20, ...KEY,
  });
  await replicator.start();
  cleanups.push(() => replicator.stop());
  await put(tableName, 'order#1', Date.now());
  await put(tableName, HEARTBEAT, Date.now());
  await replicator.whenDrained();

  return { tableName, parameterName: `/resilient-global-table/${tableName}/routing` };
}

async function put(tableName: string, pk: string, writtenAt: number): Promise<void> {
  await local().direct(PRIMARY).send(new PutItemCommand({
    TableName: tableName,
    Item: { pk: { S: pk }, sk: { S: pk === HEARTBEAT ? HEARTBEAT : 'v0' }, written_at: { N: String(writtenAt) } },
  }));
}

/** An SSM endpoint on 127.0.0.1 that forwards to the local parameter store after `delayMs()` (read per request). */
async function delayingSsm(delayMs: () => number): Promise<string> {
  const target = new URL(local().parameters.endpoint);
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        const forward = http.request({
          host: '127.0.0.1', port: target.port, path: request.url, method: request.method, headers: request.headers,
        }, (answer) => {
          response.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(response);
        });
        forward.on('error', () => response.destroy());
        forward.end(Buffer.concat(chunks));
      }, delayMs());
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    timers.forEach(clearTimeout);
    server.closeAllConnections();
    server.close(() => resolve());
  }));

  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Sets the reader's environment (restored after the test) and loads a fresh container. */
function loadReader(tableName: string, env: Record<string, string> = {}, onLoad?: () => void): Handler {
  const values: Record<string, string> = {
    AWS_REGION: REPLICA,
    TABLE_NAME: tableName,
    PRIMARY_REGION: PRIMARY,
    PARTITION_KEY: 'pk',
    SORT_KEY: 'sk',
    ROUTING_PARAMETER_NAME: `/resilient-global-table/${tableName}/routing`,
    READER_NAME: 'hot-path-reader',
    SDK_TIMEOUT_MS: '1000',
    SDK_MAX_ATTEMPTS: '1',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...env,
  };
  const container = loadReaderContainer<Handler>(values, onLoad);
  cleanups.push(container.restore);

  return container.handler;
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const startedAt = performance.now();
  const value = await run();

  return { value, ms: performance.now() - startedAt };
}

const READ = { pk: 'order#1', sk: 'v0' };

describe('reader logging', () => {
  test('every line of an invocation carries that invocation\'s request id; a call without context works', async () => {
    // GIVEN a container logging at DEBUG
    const { tableName } = await tableWithItem();
    const handler = loadReader(tableName, { POWERTOOLS_LOG_LEVEL: 'DEBUG' });
    const output = captureOutput();

    // WHEN invoked twice with a context, then once without
    let withoutContext: ReaderResponse;
    try {
      served(await handler(READ, { awsRequestId: 'request-1' }));
      served(await handler(READ, { awsRequestId: 'request-2' }));
      withoutContext = await handler(READ);
    } finally {
      output.restore();
    }

    // THEN each invocation's per-read DEBUG line names its own request id, and the call without context is served
    const reads = output.atLevel('DEBUG').filter((line) => line.message === 'read');
    expect(reads.map((line) => line.function_request_id).slice(0, 2)).toEqual(['request-1', 'request-2']);
    expect(output.lines.filter((line) => 'level' in line).every((line) => 'function_request_id' in line)).toBe(true);
    expect(served(withoutContext).readFrom).toBe('replica');
  });

  test('with a sample rate of 0.5, some but not all invocations of one container log the DEBUG read line', async () => {
    // GIVEN a container at INFO with sampling 0.5, and Powertools' random draw stubbed to alternate 0.9 and 0.1
    const { tableName } = await tableWithItem();
    const draws = [90, 10];
    let drawCount = 0;
    const env = { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_LOGGER_SAMPLE_RATE: '0.5' };
    const handler = loadReader(tableName, env, () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const crypto = require('node:crypto') as typeof import('node:crypto');
      const original = crypto.randomInt;
      const spy = jest.spyOn(crypto, 'randomInt').mockImplementation(((...args: unknown[]) => (
        args.length === 2 && args[0] === 0 && args[1] === 100
          ? draws[drawCount++ % draws.length]
          : (original as (...a: unknown[]) => number)(...args))) as never);
      cleanups.push(() => spy.mockRestore());
    });
    const output = captureOutput();

    // WHEN invoked 10 times
    try {
      for (let i = 0; i < 10; i++) {
        served(await handler(READ, { awsRequestId: `request-${i}` }));
      }
    } finally {
      output.restore();
    }

    // THEN a fresh draw is made per invocation and the DEBUG read line appears in some invocations only
    const sampled = new Set(output.atLevel('DEBUG').filter((line) => line.message === 'read')
      .map((line) => line.function_request_id));
    expect(drawCount).toBeGreaterThanOrEqual(10);
    expect(sampled.size).toBeGreaterThan(0);
    expect(sampled.size).toBeLessThan(10);
    // AND INFO-level behaviour is unchanged: no DEBUG line outside a sampled invocation
    expect(output.atLevel('DEBUG').every((line) => sampled.has(line.function_request_id))).toBe(true);
  });
});

describe('routing value: stale-while-revalidate', () => {
  test('an expired routing value is served at once and refreshed in the background, one fetch at a time', async () => {
    // GIVEN routing pinned to the primary, a 100 ms cache age, and SSM answering 300 ms late
    const { tableName, parameterName } = await tableWithItem();
    local().parameters.set(parameterName, 'primary');
    let ssmDelayMs = 0;
    const endpoint = await delayingSsm(() => ssmDelayMs);
    const handler = loadReader(tableName, { ROUTING_MAX_AGE_MS: '100', AWS_ENDPOINT_URL_SSM: endpoint });
    expect(served(await handler(READ)).routingReason).toBe('routing_primary');
    const warm = await timed(() => handler(READ));
    ssmDelayMs = 300;

    // WHEN the value expires, the operator returns routing to automatic, and reads go on during the slow refresh
    local().parameters.set(parameterName, 'auto');
    await sleep(150);
    local().parameters.resetCounts();
    const expired = await timed(() => handler(READ));
    const during = [];
    for (let i = 0; i < 5; i++) {
      during.push(served(await handler(READ)).routingReason);
    }
    await sleep(400);
    const after = served(await handler(READ));

    // THEN the expired read did not wait for SSM and kept the last known value; one GetParameter served them all
    expect(served(expired.value).routingReason).toBe('routing_primary');
    expect(expired.ms).toBeLessThan(250);
    expect(during.every((reason) => reason === 'routing_primary')).toBe(true);
    expect(local().parameters.calls.GetParameter).toBe(1);
    // AND once the refresh landed the new value is used
    expect(after.routingReason).toBe('replica');
    process.stdout.write(`# hot path: warm read ${warm.ms.toFixed(0)} ms, read with expired routing cache and SSM`
      + ` +300 ms ${expired.ms.toFixed(0)} ms (ratio ${(expired.ms / warm.ms).toFixed(2)})\n`);
  });

  test('a cold start waits for its first fetch; one slower than the SDK budget means automatic mode', async () => {
    // GIVEN routing pinned to the primary and SSM answering 300 ms late
    const { tableName, parameterName } = await tableWithItem();
    local().parameters.set(parameterName, 'primary');
    let ssmDelayMs = 300;
    const endpoint = await delayingSsm(() => ssmDelayMs);

    // WHEN a fresh container reads
    const cold = await timed(() => loadReader(tableName, { AWS_ENDPOINT_URL_SSM: endpoint })(READ));

    // THEN it waited for the value and used it
    expect(served(cold.value).routingReason).toBe('routing_primary');
    expect(cold.ms).toBeGreaterThanOrEqual(290);

    // WHEN SSM answers later than the SDK budget (250 ms x 2 attempts) at a cold start
    ssmDelayMs = 5_000;
    const slow = await timed(() => loadReader(tableName, {
      AWS_ENDPOINT_URL_SSM: endpoint, SDK_TIMEOUT_MS: '250', SDK_MAX_ATTEMPTS: '2',
    })(READ));

    // THEN the read waited no longer than the budget and read in automatic mode
    expect(served(slow.value).routingReason).toBe('replica');
    expect(slow.ms).toBeLessThan(250 * 2 + 500);
  });

  test('each fetched value is parsed once, not once per read', async () => {
    // GIVEN a container whose routing value parser is counted
    const { tableName, parameterName } = await tableWithItem();
    local().parameters.set(parameterName, 'primary');
    let parses = 0;
    const handler = loadReader(tableName, { ROUTING_MAX_AGE_MS: '60000' }, () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const routingState = require('../../lambda-src/shared/routing-state') as typeof import(
        '../../lambda-src/shared/routing-state');
      const original = routingState.effectiveModeOf;
      jest.spyOn(routingState, 'effectiveModeOf').mockImplementation((raw) => {
        parses += raw === undefined ? 0 : 1;

        return original(raw);
      });
    });

    // WHEN read 20 times
    for (let i = 0; i < 20; i++) {
      expect(served(await handler(READ)).routingReason).toBe('routing_primary');
    }

    // THEN the one fetched value was parsed once
    expect(parses).toBe(1);
  });
});

describe('evidence mode: the heartbeat read runs alongside the replica read', () => {
  test('with an expired watermark cache and a slow replica, a read costs one replica round trip, not two', async () => {
    // GIVEN a warm container with the heartbeat enabled and a 100 ms watermark cache
    const { tableName } = await tableWithItem();
    const handler = loadReader(tableName, {
      HEARTBEAT_PARTITION_VALUE: HEARTBEAT,
      HEARTBEAT_INTERVAL_MS: '60000',
      MAX_STALENESS_MS: '120000',
      WATERMARK_MAX_AGE_MS: '100',
      ROUTING_MAX_AGE_MS: '60000',
      SDK_TIMEOUT_MS: '3000',
    });
    expect(served(await handler(READ))).toMatchObject({ readFrom: 'replica', routingReason: 'replica' });

    // WHEN the watermark cache has expired and every replica request takes 400 ms
    await sleep(150);
    const before = local().proxy(REPLICA).requests;
    local().proxy(REPLICA).delay(400);
    const read = await timed(() => handler(READ));

    // THEN both replica requests (item and heartbeat) were made, in parallel, and the lag came from the heartbeat
    expect(local().proxy(REPLICA).requests - before).toBe(2);
    expect(served(read.value)).toMatchObject({ readFrom: 'replica', routingReason: 'replica' });
    expect(served(read.value).replicaLagMs).not.toBeNull();
    expect(read.ms).toBeGreaterThanOrEqual(390);
    expect(read.ms).toBeLessThan(750);
  });

  test('a stalled replica: the read answers within the SDK budget, from the primary', async () => {
    // GIVEN a warm container with a 300 ms x 2 attempts SDK budget and the heartbeat enabled
    const { tableName } = await tableWithItem();
    const handler = loadReader(tableName, {
      HEARTBEAT_PARTITION_VALUE: HEARTBEAT, SDK_TIMEOUT_MS: '300', SDK_MAX_ATTEMPTS: '2', ROUTING_MAX_AGE_MS: '60000',
    });
    served(await handler(READ));

    // WHEN the replica stalls
    local().proxy(REPLICA).stall();
    const read = await timed(() => handler(READ));

    // THEN the answer comes from the primary within the budget (+500 ms)
    expect(served(read.value)).toMatchObject({ readFrom: 'primary', routingReason: 'replica_error_fallback' });
    expect(read.ms).toBeLessThan(300 * 2 + 500);
  });
});

describe('watermark source on a fake clock', () => {
  test('a healthy replica (lag + cache age within maxStaleness) is never flagged, whatever the cache age', async () => {
    // GIVEN a replica 300 ms behind a heartbeat written every 1 s, a 1 s watermark cache, and maxStaleness 1.5 s
    const intervalMs = 1000;
    const lagMs = 300;
    const maxStalenessMs = 1500;
    let now = 1_764_000_000_000;
    const beatAtOrBefore = (t: number) => Math.floor(t / intervalMs) * intervalMs;
    const heartbeat = (t: number) => ({ pk: { S: HEARTBEAT }, written_at: { N: String(t) } });
    const source = new WatermarkSource({
      readReplica: async () => heartbeat(beatAtOrBefore(now - lagMs)),
      readPrimary: async () => heartbeat(beatAtOrBefore(now)),
      clock: () => now,
      maxAgeMs: 1000,
      heartbeatIntervalMs: intervalMs,
      maxStalenessMs,
    });

    // WHEN asked every 10 ms for 10 s
    const lags: number[] = [];
    for (const end = now + 10_000; now < end; now += 10) {
      const watermark = await source.watermark();
      if (watermark.kind !== 'lag') {
        throw new Error(`expected a lag at ${now}, got ${JSON.stringify(watermark)}`);
      }
      lags.push(watermark.replicaLagMs);
    }

    // THEN every estimate stays within maxStaleness, and the estimate grows with the cache age (measured at now)
    expect(Math.max(...lags)).toBeLessThanOrEqual(maxStalenessMs);
    expect(Math.max(...lags)).toBeGreaterThan(intervalMs);
  });

  test('prefetch starts one replica heartbeat read that watermark() then joins', async () => {
    // GIVEN a source whose replica read is held open
    let release: () => void = () => undefined;
    let replicaReads = 0;
    const source = new WatermarkSource({
      readReplica: () => {
        replicaReads++;

        return new Promise((resolve) => {
          release = () => resolve({ written_at: { N: String(1_764_000_000_000) } });
        });
      },
      readPrimary: async () => null,
      clock: () => 1_764_000_000_100,
      maxAgeMs: 1000,
      heartbeatIntervalMs: 1000,
      maxStalenessMs: 5000,
    });

    // WHEN prefetched twice, then asked for the watermark while the read is open
    source.prefetch();
    source.prefetch();
    const watermark = source.watermark();
    release();

    // THEN one read served all three, and the watermark used it
    expect(await watermark)
      .toEqual({ kind: 'lag', replicaLagMs: 100, comparedWithPrimary: false, replicaVouched: true });
    expect(replicaReads).toBe(1);
  });
});
