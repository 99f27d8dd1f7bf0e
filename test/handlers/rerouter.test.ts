import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { alarmMessage, captureOutput, snsEvent } from './handler-output';
import { LocalInvoker } from '../../examples/lab/local-aws/invoker';
import { handler } from '../../lambda-src/rerouter';
import { backoffDelayMs, isRetryable } from '../../lambda-src/rerouter/retry';
import { effectiveModeOf, encodeRoutingValue, parseRoutingValue } from '../../lambda-src/shared/routing-state';
import { DIMENSIONS, METRIC_NAMESPACE, METRICS, REROUTER_ENV } from '../../src/private/handler-contract';
import { EnvironmentChanges } from '../support/env';
import { useLocalAws } from '../support/local-aws';

const LAG = 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:orders-replication-lag-eu-central-1';
const STALE = 'arn:aws:cloudwatch:eu-central-1:111111111111:alarm:orders-stale-detections';
const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const WRITE_MAX_ATTEMPTS = 4;

describe('rerouter handler', () => {
  const local = useLocalAws();
  const env = new EnvironmentChanges();
  let parameter = '';
  let sequence = 0;

  const setEnv = (name: string, value: string | undefined): void => env.set(name, value);
  const stored = (): string | undefined => local().parameters.get(parameter)?.value;
  const routing = (): string => effectiveModeOf(stored()).mode;
  const writes = (): number => local().parameters.calls.PutParameter ?? 0;
  const alarm = (arn: string, state: string, offsetMs: number) => snsEvent(alarmMessage(arn, state, T0 + offsetMs));
  const quietly = async <T>(run: () => Promise<T>): Promise<T> => {
    const output = captureOutput();
    try {
      return await run();
    } finally {
      output.restore();
    }
  };

  beforeAll(() => {
    setEnv('AWS_REGION', 'eu-central-1');
    setEnv(REROUTER_ENV.alarmArns, JSON.stringify([LAG, STALE]));
    setEnv(REROUTER_ENV.writeMaxAttempts, String(WRITE_MAX_ATTEMPTS));
    setEnv(REROUTER_ENV.writeBaseDelayMs, '5');
  });

  beforeEach(() => {
    sequence += 1;
    parameter = `/test/rerouter/${sequence}`;
    setEnv(REROUTER_ENV.routingParameterName, parameter);
    local().parameters.resetCounts();
  });

  afterEach(() => {
    jest.restoreAllMocks();
    local().parameters.up();
  });

  afterAll(() => env.restore());

  test('an OK of one alarm keeps the primary while the other is in ALARM', async () => {
    // GIVEN both alarms fire
    await quietly(() => handler(alarm(LAG, 'ALARM', 0)));
    await quietly(() => handler(alarm(STALE, 'ALARM', 1_000)));

    // WHEN one clears
    await quietly(() => handler(alarm(LAG, 'OK', 2_000)));

    // THEN the fleet stays on the primary until the other clears too
    expect(routing()).toBe('primary');
    await quietly(() => handler(alarm(STALE, 'OK', 3_000)));
    expect(routing()).toBe('replica');
    expect(writes()).toBe(4);
  });

  test('INSUFFICIENT_DATA after ALARM keeps the primary under the default policy (keep)', async () => {
    // GIVEN the lag alarm fired, and no INSUFFICIENT_DATA policy is configured
    setEnv(REROUTER_ENV.insufficientDataPolicy, undefined);
    await quietly(() => handler(alarm(LAG, 'ALARM', 0)));
    local().parameters.resetCounts();

    // WHEN its metric stops arriving and the alarm goes to INSUFFICIENT_DATA
    const output = captureOutput();
    const result = await handler(alarm(LAG, 'INSUFFICIENT_DATA', 60_000)).finally(() => output.restore());

    // THEN routing stays on the primary, nothing reports a routing change, and the alarm counts as its last state
    expect(result).toMatchObject({ previousMode: 'primary', mode: 'primary' });
    expect(routing()).toBe('primary');
    expect(output.metrics(METRICS.routingChanges)).toHaveLength(0);
    expect(output.atLevel('INFO').filter((line) => line.message === 'routing changed')).toHaveLength(0);
    expect(parseRoutingValue(stored()).state.alarms[LAG]).toEqual({
      state: 'ALARM', at: T0 + 60_000, reported: 'INSUFFICIENT_DATA',
    });

    // WHEN the same INSUFFICIENT_DATA is delivered again
    local().parameters.resetCounts();
    await quietly(() => handler(alarm(LAG, 'INSUFFICIENT_DATA', 60_000)));

    // THEN nothing is written
    expect(writes()).toBe(0);
    expect(routing()).toBe('primary');
  });

  test('a notification older than the state is ignored', async () => {
    // GIVEN
    await quietly(() => handler(alarm(LAG, 'ALARM', 0)));
    await quietly(() => handler(alarm(LAG, 'OK', 60_000)));
    local().parameters.resetCounts();

    // WHEN the ALARM arrives again, late
    const result = await quietly(() => handler(alarm(LAG, 'ALARM', 0)));

    // THEN
    expect(result).toMatchObject({ applied: 0, ignored: 1, written: false, mode: 'replica' });
    expect(routing()).toBe('replica');
    expect(writes()).toBe(0);
  });

  test('duplicates delivered one after the other make one write', async () => {
    // WHEN
    await quietly(() => handler(alarm(LAG, 'ALARM', 0)));
    await quietly(() => handler(alarm(LAG, 'ALARM', 0)));

    // THEN
    expect(routing()).toBe('primary');
    expect(writes()).toBe(1);
  });

  test('duplicates delivered at once with reserved concurrency 1 run one at a time and make one write', async () => {
    // GIVEN
    const invoker = new LocalInvoker(handler, { reservedConcurrency: 1, throttleRetryDelayMs: 10 });
    const output = captureOutput();

    // WHEN SNS delivers the same ALARM twice, concurrently
    try {
      invoker.invokeAsync(alarm(LAG, 'ALARM', 0));
      invoker.invokeAsync(alarm(LAG, 'ALARM', 0));
      await invoker.whenIdle();
    } finally {
      output.restore();
    }

    // THEN the second was throttled and retried, and found nothing to write
    expect(invoker.invocations).toBe(2);
    expect(invoker.maxInFlight).toBe(1);
    expect(invoker.throttles).toBeGreaterThanOrEqual(1);
    expect(invoker.errors).toBe(0);
    expect(routing()).toBe('primary');
    expect(writes()).toBe(1);
  });

  test('an invocation that fails beyond the write budget goes to the on-failure destination', async () => {
    // GIVEN
    const invoker = new LocalInvoker(handler, { reservedConcurrency: 1, maxRetries: 0 });
    local().parameters.throttleNext(WRITE_MAX_ATTEMPTS, 'PutParameter');
    const output = captureOutput();

    // WHEN
    try {
      invoker.invokeAsync(alarm(LAG, 'ALARM', 0));
      await invoker.whenIdle();
    } finally {
      output.restore();
    }

    // THEN
    expect(invoker.deadLetters).toHaveLength(1);
    expect(invoker.deadLetters[0].error).toMatchObject({ name: 'DependencyError' });
    expect(stored()).toBeUndefined();
  });

  test('a change of effective mode emits RoutingChanges with Parameter and Mode only', async () => {
    // WHEN
    const output = captureOutput();
    try {
      await handler(alarm(LAG, 'ALARM', 0));
      await handler(alarm(LAG, 'ALARM', 0));
      await handler(alarm(STALE, 'OK', 0));
    } finally {
      output.restore();
    }

    // THEN one change, to the primary
    const emitted = output.metrics(METRICS.routingChanges);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({
      [DIMENSIONS.parameter]: parameter,
      [DIMENSIONS.mode]: 'primary',
      [METRICS.routingChanges]: 1,
      _aws: {
        CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [[DIMENSIONS.parameter, DIMENSIONS.mode]] }],
      },
    });
    expect(output.atLevel('INFO').filter((line) => line.message === 'routing changed')).toHaveLength(1);
  });

  test('throttling below the budget still ends in the right value', async () => {
    // GIVEN reads and writes are throttled, one call fewer than the budget
    local().parameters.throttleNext(WRITE_MAX_ATTEMPTS - 1);

    // WHEN
    const result = await quietly(() => handler(alarm(LAG, 'ALARM', 0)));

    // THEN
    expect(result.written).toBe(true);
    expect(routing()).toBe('primary');
  });

  test('throttled writes are retried until they succeed', async () => {
    // GIVEN
    local().parameters.throttleNext(WRITE_MAX_ATTEMPTS - 1, 'PutParameter');

    // WHEN
    await quietly(() => handler(alarm(LAG, 'ALARM', 0)));

    // THEN
    expect(routing()).toBe('primary');
    expect(writes()).toBe(WRITE_MAX_ATTEMPTS);
  });

  test('throws when writes stay throttled beyond the budget (so the dead-letter destination gets it)', async () => {
    // GIVEN
    local().parameters.throttleNext(WRITE_MAX_ATTEMPTS, 'PutParameter');

    // WHEN
    const output = captureOutput();
    let failure: unknown;
    try {
      await handler(alarm(LAG, 'ALARM', 0));
    } catch (error) {
      failure = error;
    } finally {
      output.restore();
    }

    // THEN
    expect(failure).toMatchObject({ name: 'DependencyError', message: expect.stringContaining('ThrottlingException') });
    expect(writes()).toBe(WRITE_MAX_ATTEMPTS);
    expect(stored()).toBeUndefined();
    expect(output.atLevel('WARN').filter((line) => line.message === 'parameter call retried'))
      .toHaveLength(WRITE_MAX_ATTEMPTS - 1);
  });

  test('throws when the parameter store is down', async () => {
    // GIVEN
    local().parameters.down();

    // WHEN / THEN
    await expect(quietly(() => handler(alarm(LAG, 'ALARM', 0)))).rejects.toMatchObject({ name: 'DependencyError' });
    expect(local().parameters.calls.GetParameter).toBe(WRITE_MAX_ATTEMPTS);
  });

  test('a pin survives ALARM and OK', async () => {
    // GIVEN
    await quietly(() => handler({ action: 'pin', mode: 'primary' }));

    // WHEN
    await quietly(() => handler(alarm(LAG, 'ALARM', 0)));
    const afterAlarm = routing();
    await quietly(() => handler(alarm(LAG, 'OK', 1_000)));

    // THEN
    expect(afterAlarm).toBe('primary');
    expect(routing()).toBe('primary');
    expect(parseRoutingValue(stored()).state).toMatchObject({ pinned: true, pinMode: 'primary' });
  });

  test('a pin to the replica holds while an alarm fires', async () => {
    // WHEN
    await quietly(() => handler({ action: 'pin', mode: 'replica' }));
    await quietly(() => handler(alarm(LAG, 'ALARM', 0)));

    // THEN
    expect(routing()).toBe('replica');
  });

  test('unpin keeps the alarm states', async () => {
    // GIVEN an alarm fires while pinned to the replica
    await quietly(() => handler({ action: 'pin', mode: 'replica' }));
    await quietly(() => handler(alarm(LAG, 'ALARM', 0)));

    // WHEN
    const result = await quietly(() => handler({ action: 'unpin' }));

    // THEN the firing alarm routes again
    expect(result).toMatchObject({ previousMode: 'replica', mode: 'primary', written: true });
    expect(routing()).toBe('primary');
    expect(parseRoutingValue(stored()).state.alarms[LAG]).toEqual({ state: 'ALARM', at: T0 });
  });

  test('status answers the state without writing', async () => {
    // GIVEN
    await quietly(() => handler(alarm(LAG, 'ALARM', 0)));
    local().parameters.resetCounts();

    // WHEN
    const status = await quietly(() => handler({ action: 'status' }));

    // THEN
    expect(status).toMatchObject({ parameter, mode: 'primary', written: false, previousForm: 'json' });
    expect(writes()).toBe(0);
  });

  test('throws when an operator action is unknown or a pin has no valid mode', async () => {
    await expect(quietly(() => handler({ action: 'reroute' })))
      .rejects.toMatchObject({ name: 'InvalidInputError', field: 'action' });
    await expect(quietly(() => handler({ action: 'pin', mode: 'Primary' }))).rejects.toMatchObject({ field: 'mode' });
    expect(writes()).toBe(0);
  });

  test('a hand-written primary stays pinned through an OK, and unpin returns to automatic', async () => {
    // GIVEN
    local().parameters.set(parameter, 'primary');

    // WHEN
    await quietly(() => handler(alarm(LAG, 'OK', 0)));
    const afterOk = routing();
    await quietly(() => handler({ action: 'unpin' }));

    // THEN
    expect(afterOk).toBe('primary');
    expect(routing()).toBe('replica');
  });

  test('a garbage value reads as automatic, is logged once, and is replaced by the next change', async () => {
    // GIVEN
    local().parameters.set(parameter, 'prim ary!');

    // WHEN
    const output = captureOutput();
    try {
      await handler(alarm(LAG, 'ALARM', 0));
    } finally {
      output.restore();
    }

    // THEN
    expect(output.atLevel('ERROR').filter((line) => String(line.message).includes('unreadable'))).toHaveLength(1);
    expect(parseRoutingValue(stored()).form).toBe('json');
    expect(routing()).toBe('primary');
  });

  describe('the scheduled reconcile', () => {
    const scheduled = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };
    const describeAlarms = (states: Record<string, { state: string; at: number }>) =>
      jest.spyOn(CloudWatchClient.prototype, 'send').mockImplementation(async function (this: CloudWatchClient,
        command: unknown) {
        const input = (command as DescribeAlarmsCommand).input;
        const region = await this.config.region();

        return {
          MetricAlarms: Object.entries(states)
            .filter(([arn]) => arn.split(':')[3] === region && input.AlarmNames?.includes(arn.split(':alarm:')[1]))
            .map(([arn, observed]) => ({
              AlarmArn: arn,
              AlarmName: arn.split(':alarm:')[1],
              StateValue: observed.state,
              StateTransitionedTimestamp: new Date(observed.at),
              StateUpdatedTimestamp: new Date(observed.at),
            })),
          CompositeAlarms: [],
        } as never;
      });

    test('repairs a lost OK, asking each alarm in its own region', async () => {
      // GIVEN the fleet is on the primary and the OK went to the dead-letter queue
      await quietly(() => handler(alarm(LAG, 'ALARM', 0)));
      const send = describeAlarms({
        [LAG]: { state: 'OK', at: T0 + 60_000 },
        [STALE]: { state: 'OK', at: T0 - 60_000 },
      });

      // WHEN
      const result = await quietly(() => handler(scheduled));

      // THEN
      expect(result).toMatchObject({ previousMode: 'primary', mode: 'replica', written: true });
      expect(routing()).toBe('replica');
      const clients = send.mock.contexts as CloudWatchClient[];
      const regions = await Promise.all(clients.map((client) => client.config.region()));
      expect(regions.sort()).toEqual(['eu-central-1', 'us-east-1']);
    });

    test('writes nothing when nothing drifted', async () => {
      // GIVEN
      await quietly(() => handler(alarm(LAG, 'ALARM', 0)));
      await quietly(() => handler(alarm(STALE, 'OK', 0)));
      local().parameters.resetCounts();
      describeAlarms({ [LAG]: { state: 'ALARM', at: T0 }, [STALE]: { state: 'OK', at: T0 } });

      // WHEN
      const result = await quietly(() => handler(scheduled));

      // THEN
      expect(result.written).toBe(false);
      expect(writes()).toBe(0);
    });

    test('replaces a garbage value with the observed state', async () => {
      // GIVEN
      local().parameters.set(parameter, '{"mode": ');
      describeAlarms({ [LAG]: { state: 'ALARM', at: T0 }, [STALE]: { state: 'OK', at: T0 } });

      // WHEN
      await quietly(() => handler(scheduled));

      // THEN
      expect(stored()).toBe(encodeRoutingValue(parseRoutingValue(stored()).state));
      expect(routing()).toBe('primary');
    });

    test('throws when DescribeAlarms fails, leaving the value alone', async () => {
      // GIVEN
      await quietly(() => handler(alarm(LAG, 'ALARM', 0)));
      const before = stored();
      jest.spyOn(CloudWatchClient.prototype, 'send').mockRejectedValue(
        Object.assign(new Error('boom'), { name: 'InternalServiceError' }) as never);

      // WHEN / THEN
      await expect(quietly(() => handler(scheduled))).rejects.toMatchObject({ name: 'DependencyError' });
      expect(stored()).toBe(before);
    });
  });
});

describe('retry policy', () => {
  test('throttling, 5xx, timeouts and dropped connections are retried; client errors are not', () => {
    expect(isRetryable(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe(true);
    expect(isRetryable({ name: 'Whatever', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryable({ name: 'TimeoutError' })).toBe(true);
    expect(isRetryable({ code: 'ECONNRESET' })).toBe(true);
    expect(isRetryable({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
  });

  test('the backoff doubles per attempt and is jittered within its upper half', () => {
    expect(backoffDelayMs(1, 100, () => 0)).toBe(50);
    expect(backoffDelayMs(1, 100, () => 1)).toBe(100);
    expect(backoffDelayMs(3, 100, () => 0)).toBe(200);
    expect(backoffDelayMs(3, 100, () => 1)).toBe(400);
  });
});
