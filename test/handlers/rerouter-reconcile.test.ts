import net from 'node:net';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { alarmMessage, captureOutput, CapturedOutput, snsEvent } from './handler-output';
import { handler } from '../../lambda-src/rerouter';
import { DESCRIBE_ALARMS_MARGIN_MS, DESCRIBE_ALARMS_MAX_ATTEMPTS } from '../../lambda-src/rerouter/rerouter';
import { cloudWatchClient } from '../../lambda-src/shared/clients';
import { effectiveModeOf, parseRoutingValue } from '../../lambda-src/shared/routing-state';
import { REROUTER_ENV } from '../../src/private/handler-contract';
import { EnvironmentChanges } from '../support/env';
import { useLocalAws } from '../support/local-aws';

// The primary's lag alarm lives in the primary region; the stale-detections alarm in the reader's region.
const PRIMARY = 'us-east-1';
const READER = 'eu-central-1';
const LAG = `arn:aws:cloudwatch:${PRIMARY}:111111111111:alarm:orders-replication-lag-${READER}`;
const STALE = `arn:aws:cloudwatch:${READER}:111111111111:alarm:orders-stale-detections`;
const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const SDK_TIMEOUT_MS = 200;
const DESCRIBE_DEADLINE_MS = SDK_TIMEOUT_MS * DESCRIBE_ALARMS_MAX_ATTEMPTS + DESCRIBE_ALARMS_MARGIN_MS;
const SCHEDULED = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };

/** What a region's CloudWatch does with DescribeAlarms in a test. */
type RegionBehaviour = { readonly states: Record<string, { state: string; at: number }> }
| { readonly fails: Error }
| { readonly hangs: true };

describe('the scheduled reconcile when a region is out', () => {
  const local = useLocalAws();
  const env = new EnvironmentChanges();
  let parameter = '';
  let sequence = 0;

  const setEnv = (name: string, value: string | undefined): void => env.set(name, value);
  const stored = (): string | undefined => local().parameters.get(parameter)?.value;
  const held = (arn: string) => parseRoutingValue(stored()).state.alarms[arn];
  const notify = async (arn: string, state: string, offsetMs: number): Promise<void> => {
    const output = captureOutput();
    try {
      await handler(snsEvent(alarmMessage(arn, state, T0 + offsetMs)));
    } finally {
      output.restore();
    }
  };
  const regionFailed = (output: CapturedOutput, region: string) => output.atLevel('ERROR')
    .filter((line) => line.region === region && String(line.message).includes('describe the alarms'));

  /** Mocks DescribeAlarms per region; every call is answered (or not) by the behaviour of the client's region. */
  const cloudWatchIn = (behaviours: Record<string, RegionBehaviour>) =>
    jest.spyOn(CloudWatchClient.prototype, 'send').mockImplementation(async function (this: CloudWatchClient,
      command: unknown) {
      const region = await this.config.region();
      const behaviour = behaviours[region];
      if (behaviour === undefined) {
        throw new Error(`test: no behaviour for ${region}`);
      }
      if ('fails' in behaviour) {
        throw behaviour.fails;
      }
      if ('hangs' in behaviour) {
        return new Promise<never>(() => undefined);
      }
      const names = (command as DescribeAlarmsCommand).input.AlarmNames ?? [];

      return {
        MetricAlarms: Object.entries(behaviour.states)
          .filter(([arn]) => names.includes(arn.split(':alarm:')[1]))
          .map(([arn, observed]) => ({
            AlarmArn: arn,
            AlarmName: arn.split(':alarm:')[1],
            StateValue: observed.state,
            StateTransitionedTimestamp: new Date(observed.at),
          })),
        CompositeAlarms: [],
      } as never;
    });

  beforeAll(() => {
    setEnv('AWS_REGION', READER);
    setEnv(REROUTER_ENV.alarmArns, JSON.stringify([LAG, STALE]));
    setEnv(REROUTER_ENV.writeMaxAttempts, '4');
    setEnv(REROUTER_ENV.writeBaseDelayMs, '5');
    setEnv(REROUTER_ENV.sdkTimeoutMs, String(SDK_TIMEOUT_MS));
  });

  beforeEach(async () => {
    sequence += 1;
    parameter = `/test/rerouter-reconcile/${sequence}`;
    setEnv(REROUTER_ENV.routingParameterName, parameter);
    // The primary's lag alarm cleared; the reader's stale alarm fired and its OK was lost (it went to the DLQ).
    await notify(LAG, 'OK', 0);
    await notify(STALE, 'ALARM', 1_000);
    local().parameters.resetCounts();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  afterAll(() => env.restore());

  test('repairs the alarm of the region that answered while the other region fails', async () => {
    // GIVEN the primary region's CloudWatch fails and the reader region's reports the lost OK
    expect(effectiveModeOf(stored()).mode).toBe('primary');
    const send = cloudWatchIn({
      [PRIMARY]: { fails: Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error', code: 'ECONNREFUSED' }) },
      [READER]: { states: { [STALE]: { state: 'OK', at: T0 + 60_000 } } },
    });
    const output = captureOutput();

    // WHEN
    let result;
    try {
      result = await handler(SCHEDULED);
    } finally {
      output.restore();
    }

    // THEN the reader's alarm is repaired and the fleet returns to the replica; nothing is thrown
    expect(result).toMatchObject({ previousMode: 'primary', mode: 'replica', written: true });
    expect(result.unansweredRegions).toEqual([PRIMARY]);
    expect(held(STALE)).toMatchObject({ state: 'OK', at: T0 + 60_000 });
    // THEN the unanswered region's alarm keeps its held state
    expect(held(LAG)).toMatchObject({ state: 'OK', at: T0 });
    // THEN both regions were asked, and one JSON error line names the failed region and the cause
    expect(send).toHaveBeenCalledTimes(2);
    const errors = regionFailed(output, PRIMARY);
    expect(errors).toHaveLength(1);
    expect(String(errors[0].cause)).toContain('ECONNREFUSED');
    expect(regionFailed(output, READER)).toHaveLength(0);
    // THEN the alarm of the failed region is not reported as "not found"
    expect(output.atLevel('WARN').filter((line) => String(line.message).includes('not found'))).toHaveLength(0);
  });

  test('a region that never answers costs at most the describe deadline, and the other is still repaired',
    async () => {
      // GIVEN the primary region's CloudWatch accepts the call and never answers
      cloudWatchIn({
        [PRIMARY]: { hangs: true },
        [READER]: { states: { [STALE]: { state: 'OK', at: T0 + 60_000 } } },
      });
      const output = captureOutput();

      // WHEN
      const started = Date.now();
      let result;
      try {
        result = await handler(SCHEDULED);
      } finally {
        output.restore();
      }
      const elapsedMs = Date.now() - started;

      // THEN the reconcile waited for the deadline, not for the function's timeout, and repaired the reader's alarm
      expect(elapsedMs).toBeGreaterThanOrEqual(DESCRIBE_DEADLINE_MS - 50);
      expect(elapsedMs).toBeLessThan(DESCRIBE_DEADLINE_MS + 2_000);
      expect(result).toMatchObject({ mode: 'replica', written: true, unansweredRegions: [PRIMARY] });
      expect(String(regionFailed(output, PRIMARY)[0]?.cause)).toContain('TimeoutError');
    });

  test('unpinning a hand-written primary reads the alarms first, so a firing alarm keeps the fleet on the primary',
    async () => {
      // GIVEN an operator wrote the plain value `primary`, which holds no alarm states, while the lag alarm fires
      local().parameters.set(parameter, 'primary');
      cloudWatchIn({
        [PRIMARY]: { states: { [LAG]: { state: 'ALARM', at: T0 + 90_000 } } },
        [READER]: { states: { [STALE]: { state: 'OK', at: T0 + 90_000 } } },
      });
      const output = captureOutput();

      // WHEN the operator unpins
      let result;
      try {
        result = await handler({ action: 'unpin' });
      } finally {
        output.restore();
      }

      // THEN the pin is gone, the alarm states come from CloudWatch, and routing stays on the primary
      expect(result).toMatchObject({ mode: 'primary', written: true });
      expect(parseRoutingValue(stored()).state.pinned).toBe(false);
      expect(held(LAG)).toMatchObject({ state: 'ALARM', at: T0 + 90_000 });
      expect(effectiveModeOf(stored()).mode).toBe('primary');
    });

  test('unpinning a hand-written primary still unpins when the alarms cannot be read', async () => {
    // GIVEN both regions' CloudWatch fail
    local().parameters.set(parameter, 'primary');
    cloudWatchIn({ [PRIMARY]: { fails: new Error('down') }, [READER]: { fails: new Error('down') } });
    const output = captureOutput();

    // WHEN
    let result;
    try {
      result = await handler({ action: 'unpin' });
    } finally {
      output.restore();
    }

    // THEN it unpins with no alarm known, and says so in one error line
    expect(result).toMatchObject({ mode: 'replica', written: true });
    expect(parseRoutingValue(stored()).state.pinned).toBe(false);
    expect(output.atLevel('ERROR').filter((line) => String(line.message).includes('unpinning'))).toHaveLength(1);
  });

  test('throws when every region fails, leaving the value alone', async () => {
    // GIVEN both regions' CloudWatch fail
    const before = stored();
    const outage = Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' });
    cloudWatchIn({ [PRIMARY]: { fails: outage }, [READER]: { fails: outage } });
    const output = captureOutput();

    // WHEN / THEN the invocation fails (so a total outage reaches the dead-letter queue and its alarm)
    try {
      await expect(handler(SCHEDULED)).rejects.toMatchObject({
        name: 'DependencyError',
        message: expect.stringContaining(`${PRIMARY}, ${READER}`),
      });
    } finally {
      output.restore();
    }
    expect(stored()).toBe(before);
    expect(local().parameters.calls.PutParameter ?? 0).toBe(0);
    expect(regionFailed(output, PRIMARY)).toHaveLength(1);
    expect(regionFailed(output, READER)).toHaveLength(1);
  });
});

describe('the rerouter CloudWatch client', () => {
  test('gives up on an endpoint that accepts the connection and never answers', async () => {
    // GIVEN a local endpoint that holds every connection open without a byte of answer
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const saved = {
      endpoint: process.env.AWS_ENDPOINT_URL_CLOUDWATCH,
      key: process.env.AWS_ACCESS_KEY_ID,
      secret: process.env.AWS_SECRET_ACCESS_KEY,
    };
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH = `http://127.0.0.1:${port}`;
    process.env.AWS_ACCESS_KEY_ID = 'LOCALTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'LOCALTESTSECRET';
    const client = cloudWatchClient(PRIMARY, { timeoutMs: 300, maxAttempts: 2 });

    // WHEN
    const started = Date.now();
    let failure: unknown;
    try {
      await client.send(new DescribeAlarmsCommand({ AlarmNames: ['any'] }));
    } catch (error) {
      failure = error;
    } finally {
      client.destroy();
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
      for (const [name, value] of [['AWS_ENDPOINT_URL_CLOUDWATCH', saved.endpoint],
        ['AWS_ACCESS_KEY_ID', saved.key], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) {
          delete process.env[name];
        } else {
          process.env[name] = value;
        }
      }
    }
    const elapsedMs = Date.now() - started;

    // THEN the call failed with a timeout after its two attempts instead of waiting on
    expect(failure).toMatchObject({ name: 'TimeoutError' });
    expect(sockets.length).toBe(2);
    expect(elapsedMs).toBeGreaterThanOrEqual(2 * 300 - 50);
    expect(elapsedMs).toBeLessThan(5_000);
  });
});
