import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { captureOutput } from './handler-output';
import { handler, observedLagMs, unshownWrites, withWrite } from '../../lambda-src/heartbeat';
import { MAX_PENDING_WRITES } from '../../lambda-src/heartbeat/lag';
import { DIMENSIONS, HEARTBEAT_ENV, METRIC_NAMESPACE, METRICS } from '../../src/private/handler-contract';
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

describe('heartbeat handler on DynamoDB Local', () => {
  const PRIMARY = 'us-east-1';
  const CURRENT = 'eu-central-1';
  const STALE = 'ap-southeast-2';
  const TABLE = 'heartbeat-test';
  const INTERVAL_MS = 200;
  const local = useLocalAws({ regions: [PRIMARY, CURRENT, STALE] });
  const saved: Record<string, string | undefined> = {};
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
    for (const [name, value] of Object.entries(settings)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    await local().createTable({
      tableName: TABLE,
      regions: [PRIMARY, CURRENT, STALE],
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
    });
  });

  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  });

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
