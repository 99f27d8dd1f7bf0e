import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { captureOutput } from './handler-output';
import {
  handler, HeartbeatConfig, observedLagMs, readHeartbeatConfig, runHeartbeat, unshownWrites, withWrite,
} from '../../lambda-src/heartbeat';
import { MAX_PENDING_WRITES } from '../../lambda-src/heartbeat/lag';
import { DEFAULTS, DIMENSIONS, HEARTBEAT_ENV, METRIC_NAMESPACE, METRICS } from '../../src/private/handler-contract';
import { EnvironmentChanges } from '../support/env';
import { useLocalAws } from '../support/local-aws';

describe('observed lag (pure)', () => {
  test('is 0 when the replica shows every write of the run', () => {
    expect(observedLagMs([1_000, 2_000], 2_000, 5_000)).toBe(0);
    expect(observedLagMs([1_000, 2_000], 9_000, 5_000)).toBe(0);
    expect(observedLagMs([], undefined, 5_000)).toBe(0);
  });

  test('is the age of the oldest write the replica has not shown', () => {
    expect(observedLagMs([1_000, 2_000, 3_000], 1_000, 5_000)).toBe(3_000);
    expect(observedLagMs([1_000, 2_000, 3_000], 1_500, 5_000)).toBe(3_000);
    expect(observedLagMs([1_000, 2_000, 3_000], 2_000, 5_000)).toBe(2_000);
  });

  test('counts every write when the replica has no copy', () => {
    expect(observedLagMs([1_000, 2_000], undefined, 5_000)).toBe(4_000);
  });

  test('never reports a negative lag when clocks disagree', () => {
    expect(observedLagMs([6_000], 1_000, 5_000)).toBe(0);
  });

  test('shown writes are dropped and the pending list stays bounded', () => {
    expect(unshownWrites([1, 2, 3], 2)).toEqual([3]);
    expect(unshownWrites([1, 2], undefined)).toEqual([1, 2]);
    const full = Array.from({ length: MAX_PENDING_WRITES }, (_, index) => index);
    expect(withWrite(full, 99_999)).toEqual(full);
    expect(withWrite([1], 2)).toEqual([1, 2]);
  });
});

describe('heartbeat settings', () => {
  const base = {
    [HEARTBEAT_ENV.tableName]: 'orders',
    [HEARTBEAT_ENV.primaryRegion]: 'us-east-1',
    [HEARTBEAT_ENV.replicaRegions]: 'eu-central-1, ap-southeast-2',
    [HEARTBEAT_ENV.partitionKey]: 'pk',
  };

  test('defaults the run duration and the key to the shared contract', () => {
    // WHEN
    const config = readHeartbeatConfig(base);

    // THEN
    expect(config.runMs).toBe(DEFAULTS.heartbeatRunMs);
    expect(config.key).toEqual({ pk: { S: DEFAULTS.heartbeatPartitionValue } });
    expect(config.replicaRegions).toEqual(['eu-central-1', 'ap-southeast-2']);
  });

  test('decodes a Binary key value from base64 and keeps a Number key as given', () => {
    // WHEN
    const config = readHeartbeatConfig({
      ...base,
      [HEARTBEAT_ENV.partitionKeyType]: 'B',
      [HEARTBEAT_ENV.heartbeatPartitionValue]: Buffer.from('heartbeat').toString('base64'),
      [HEARTBEAT_ENV.sortKey]: 'sk',
      [HEARTBEAT_ENV.sortKeyType]: 'N',
      [HEARTBEAT_ENV.heartbeatSortValue]: '42',
    });

    // THEN
    expect(Buffer.from(config.key.pk.B!).toString('utf8')).toBe('heartbeat');
    expect(config.key.sk).toEqual({ N: '42' });
  });

  test('throws when a key value does not fit its type', () => {
    // WHEN / THEN
    expect(() => readHeartbeatConfig({
      ...base, [HEARTBEAT_ENV.partitionKeyType]: 'B', [HEARTBEAT_ENV.heartbeatPartitionValue]: 'not base64!',
    })).toThrow(/HEARTBEAT_PARTITION_VALUE must be non-empty base64 for a key of type B, got "not base64!"/);
    expect(() => readHeartbeatConfig({
      ...base,
      [HEARTBEAT_ENV.sortKey]: 'sk',
      [HEARTBEAT_ENV.sortKeyType]: 'N',
      [HEARTBEAT_ENV.heartbeatSortValue]: ' ',
    })).toThrow(/HEARTBEAT_SORT_VALUE must be a finite number for a key of type N, got " "/);
  });
});

describe('heartbeat run reading a replica copy', () => {
  const config: HeartbeatConfig = {
    tableName: 'orders',
    primaryRegion: 'us-east-1',
    replicaRegions: ['eu-central-1'],
    key: { pk: { S: 'hb' } },
    intervalMs: 1_000,
    runMs: 3_000,
    sdkTimeoutMs: 100,
    sdkMaxAttempts: 1,
  };
  const run = async (replicaWrittenAt: Record<string, unknown> | undefined) => {
    let clock = 1_700_000_000_000;
    const client = {
      send: async (command: unknown) => (command instanceof GetItemCommand
        ? { Item: replicaWrittenAt === undefined ? undefined : { written_at: replicaWrittenAt } }
        : {}),
    } as unknown as DynamoDBClient;
    const output = captureOutput();
    try {
      const result = await runHeartbeat(config, {
        dynamoDb: () => client,
        logger: new Logger({ serviceName: 'heartbeat-test' }),
        metrics: new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'heartbeat-test' }),
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      });

      return { result, warnings: output.atLevel('WARN') };
    } finally {
      output.restore();
    }
  };

  test('a copy with written_at in epoch seconds shows none of the run\'s writes, with a warning', async () => {
    // WHEN the replica's copy carries a written_at that only makes sense as epoch seconds
    const { result, warnings } = await run({ N: '1700000000' });

    // THEN it is not read as a current copy: the lag grows with each beat
    expect(result.lagMs['eu-central-1']).toEqual([0, 1_000, 2_000]);
    expect(warnings.filter((line) => line.message === 'heartbeat copy has an unusable written_at'
      && line.issue === 'epoch-seconds' && line.region === 'eu-central-1')).toHaveLength(3);
  });

  test('a copy newer than every write of the run, as a numeric String, shows them all', async () => {
    // WHEN
    const { result, warnings } = await run({ S: '1800000000000' });

    // THEN
    expect(result.lagMs['eu-central-1']).toEqual([0, 0, 0]);
    expect(warnings).toHaveLength(0);
  });
});

describe('heartbeat handler on DynamoDB Local', () => {
  const PRIMARY = 'us-east-1';
  const CURRENT = 'eu-central-1';
  const STALE = 'ap-southeast-2';
  const TABLE = 'heartbeat-test';
  const INTERVAL_MS = 200;
  const local = useLocalAws({ regions: [PRIMARY, CURRENT, STALE] });
  const env = new EnvironmentChanges();
  const settings: Record<string, string> = {
    [HEARTBEAT_ENV.tableName]: TABLE,
    [HEARTBEAT_ENV.primaryRegion]: PRIMARY,
    [HEARTBEAT_ENV.replicaRegions]: `${CURRENT},${STALE}`,
    [HEARTBEAT_ENV.partitionKey]: 'pk',
    [HEARTBEAT_ENV.partitionKeyType]: 'S',
    [HEARTBEAT_ENV.sortKey]: 'sk',
    [HEARTBEAT_ENV.sortKeyType]: 'S',
    [HEARTBEAT_ENV.heartbeatIntervalMs]: String(INTERVAL_MS),
    [HEARTBEAT_ENV.runDurationMs]: '1500',
    [HEARTBEAT_ENV.sdkTimeoutMs]: '2000',
    [HEARTBEAT_ENV.sdkMaxAttempts]: '1',
  };
  const KEY = { pk: { S: '__rgt_heartbeat__' }, sk: { S: '__rgt_heartbeat__' } };

  beforeAll(async () => {
    env.setAll(settings);
    await local().createTable({
      tableName: TABLE,
      regions: [PRIMARY, CURRENT, STALE],
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
    });
  });

  afterAll(() => env.restore());

  test('beats to the primary, reports 0 for a current replica and a growing lag for a stale one', async () => {
    // GIVEN one replica that copies the primary's heartbeat item continually, and one left with an old copy
    await local().direct(STALE).send(new PutItemCommand({
      TableName: TABLE, Item: { ...KEY, written_at: { N: String(Date.now() - 60_000) }, beat: { N: '0' } },
    }));
    let copying = true;
    const copier = (async () => {
      while (copying) {
        const answer = await local().direct(PRIMARY).send(new GetItemCommand({ TableName: TABLE, Key: KEY }));
        if (answer.Item !== undefined) {
          await local().direct(CURRENT).send(new PutItemCommand({ TableName: TABLE, Item: answer.Item }));
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    // WHEN
    const output = captureOutput();
    let result;
    try {
      result = await handler({ 'source': 'aws.events', 'detail-type': 'Scheduled Event' });
    } finally {
      output.restore();
      copying = false;
      await copier;
    }

    // THEN the run beat every interval and stopped after its duration
    expect(result.stoppedBecause).toBe('run-duration');
    expect(result.beats).toBeGreaterThanOrEqual(5);
    expect(result.beats).toBeLessThanOrEqual(8);
    expect(result.writes).toBe(result.beats);
    const item = (await local().direct(PRIMARY).send(new GetItemCommand({ TableName: TABLE, Key: KEY }))).Item;
    expect(item?.beat).toEqual({ N: String(result.writes) });
    expect(Date.now() - Number(item?.written_at?.N)).toBeLessThan(5_000);

    // THEN the current replica shows no lag and the stale one a lag that grows each beat
    expect(result.lagMs[CURRENT]).toHaveLength(result.beats);
    expect(result.lagMs[CURRENT].every((lag) => lag === 0)).toBe(true);
    const stale = result.lagMs[STALE];
    expect(stale[0]).toBe(0);
    for (let index = 2; index < stale.length; index++) {
      expect(stale[index]).toBeGreaterThan(stale[index - 1]);
    }
    expect(stale[stale.length - 1]).toBeGreaterThanOrEqual((stale.length - 2) * INTERVAL_MS);

    // THEN the metrics carry exactly the documented dimensions
    const heartbeatWrites = output.metrics(METRICS.heartbeatWrites);
    expect(heartbeatWrites).toHaveLength(result.writes);
    expect(heartbeatWrites[0]).toMatchObject({
      [DIMENSIONS.tableName]: TABLE,
      _aws: { CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [[DIMENSIONS.tableName]] }] },
    });
    const lags = output.metrics(METRICS.observedReplicaLag);
    expect(lags).toHaveLength(2 * result.beats);
    const staleLags = lags.filter((line) => line[DIMENSIONS.receivingRegion] === STALE);
    expect(staleLags.map((line) => line[METRICS.observedReplicaLag])).toEqual(stale);
    expect(lags[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Dimensions: [[DIMENSIONS.tableName, DIMENSIONS.receivingRegion]] }] },
    });
  });

  test('stops before the Lambda deadline', async () => {
    // GIVEN a run meant to last 10 s in an invocation with 3 s left
    process.env[HEARTBEAT_ENV.runDurationMs] = '10000';
    const deadline = Date.now() + 3_000;
    const output = captureOutput();

    // WHEN
    let result;
    try {
      result = await handler({}, { getRemainingTimeInMillis: () => deadline - Date.now() } as never);
    } finally {
      output.restore();
      process.env[HEARTBEAT_ENV.runDurationMs] = settings[HEARTBEAT_ENV.runDurationMs];
    }

    // THEN it stopped with at least one beat's budget (SDK timeout + margin) to spare
    expect(result.stoppedBecause).toBe('deadline');
    expect(result.beats).toBeGreaterThan(0);
    expect(deadline - Date.now()).toBeGreaterThan(0);
  });

  test('a failed primary write is counted and not reported as a heartbeat write', async () => {
    // GIVEN the primary answers 500
    local().proxy(PRIMARY).fail('http500');
    process.env[HEARTBEAT_ENV.runDurationMs] = '500';
    const output = captureOutput();

    // WHEN
    let result;
    try {
      result = await handler({});
    } finally {
      output.restore();
      local().proxy(PRIMARY).pass();
      process.env[HEARTBEAT_ENV.runDurationMs] = settings[HEARTBEAT_ENV.runDurationMs];
    }

    // THEN
    expect(result.writes).toBe(0);
    expect(result.failedWrites).toBe(result.beats);
    expect(output.metrics(METRICS.heartbeatWrites)).toHaveLength(0);
    const warnings = output.atLevel('WARN').filter((line) => line.message === 'heartbeat write failed');
    expect(warnings).toHaveLength(result.beats);
  });
});
