import * as fs from 'fs';
import * as path from 'path';
import { handler } from '../../lambda-src/rerouter';
import {
  encodeRoutingValue, effectiveModeOf, HeldAlarmState, parseRoutingValue, RoutingState,
} from '../../lambda-src/shared/routing-state';
import { REROUTER_ENV } from '../../src/private/handler-contract';
import { captureOutput } from '../handlers/handler-output';
import { EnvironmentChanges } from '../support/env';
import { useLocalAws } from '../support/local-aws';

interface AlarmCase {
  readonly name: string;
  readonly initial?: { readonly raw?: string; readonly alarms?: Record<string, HeldAlarmState> };
  readonly event: unknown;
  readonly expect: {
    readonly routing: 'primary' | 'replica' | 'unchanged';
    readonly succeeds: boolean;
    readonly parameterWrites?: number | string;
    readonly logs?: string;
  };
}

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'cases', 'alarm-notifications.json');
const fixture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { configuredAlarms: string[]; cases: AlarmCase[] };

/** The malformed records of each case (by index), each of which must log exactly one error line naming it. */
const MALFORMED_RECORDS: Record<string, number[]> = {
  'message is not JSON': [0],
  'JSON without a state': [0],
  'unknown state value': [0],
  'one bad record between two good ones, in order': [1],
};

/** The cases whose stored value is unreadable, which must log exactly one error line saying so. */
const UNREADABLE_VALUE = new Set(['the parameter holds garbage']);

/** The alarm ARN, state and time (epoch ms, read independently of the product's parser) of a case's first record. */
function firstNotification(c: AlarmCase): { arn: string; state: string; at: number } {
  const records = (c.event as { Records: Array<{ Sns: { Message: string } }> }).Records;
  const message = JSON.parse(records[0].Sns.Message) as {
    AlarmArn: string;
    NewStateValue: string;
    StateChangeTime: string;
  };
  const at = Date.parse(message.StateChangeTime);
  expect(Number.isFinite(at)).toBe(true);

  return { arn: message.AlarmArn, state: message.NewStateValue, at };
}

/**
 * What the stored state must show after the cases whose routing alone does not prove the record was applied
 * (the default INSUFFICIENT_DATA policy, keep, is in force).
 */
const STATE_CHECKS: Record<string, (c: AlarmCase, after: RoutingState) => void> = {
  'one alarm clears while another still fires': (c, after) => {
    const { arn, at } = firstNotification(c);
    const other = Object.keys(c.initial!.alarms!).find((held) => held !== arn)!;
    expect(after.pinned).toBe(false);
    expect(after.alarms).toEqual({ [arn]: { state: 'OK', at }, [other]: c.initial!.alarms![other] });
  },
  'pinned to the primary by hand (plain value), then the alarm clears': (c, after) => {
    const { arn, at } = firstNotification(c);
    expect(after).toMatchObject({ pinned: true, pinMode: 'primary' });
    expect(after.alarms).toEqual({ [arn]: { state: 'OK', at } });
  },
  'insufficient data (an alarm just created, or its metric not yet published)': (c, after) => {
    const { arn, state, at } = firstNotification(c);
    expect(state).toBe('INSUFFICIENT_DATA');
    const kept = c.initial!.alarms![arn].state;
    expect(after.alarms[arn]).toEqual({ state: kept, at, reported: 'INSUFFICIENT_DATA' });
  },
};

describe('alarm notification cases through the rerouter handler', () => {
  const local = useLocalAws();
  const env = new EnvironmentChanges();

  beforeAll(() => {
    env.setAll({
      [REROUTER_ENV.insufficientDataPolicy]: undefined,
      AWS_REGION: 'eu-central-1',
      [REROUTER_ENV.alarmArns]: JSON.stringify(fixture.configuredAlarms),
      [REROUTER_ENV.writeBaseDelayMs]: '10',
    });
  });

  afterAll(() => {
    env.restore();
    delete process.env[REROUTER_ENV.routingParameterName];
  });

  test('the fixture has cases', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(15);
  });

  test('every case with a state check is in the fixture', () => {
    expect(Object.keys(STATE_CHECKS).filter((name) => !fixture.cases.some((c) => c.name === name))).toEqual([]);
  });

  test.each(fixture.cases.map((c, index) => [c.name, c, index] as const))('%s', async (_name, c, index) => {
    // GIVEN a parameter of this case only, holding the initial state
    const parameter = `/cases/alarm-notifications/${index}`;
    process.env[REROUTER_ENV.routingParameterName] = parameter;
    const parameters = local().parameters;
    if (c.initial?.raw !== undefined) {
      parameters.set(parameter, c.initial.raw);
    } else if (c.initial?.alarms !== undefined) {
      parameters.set(parameter, encodeRoutingValue({ pinned: false, alarms: c.initial.alarms }));
    }
    const before = parameters.get(parameter)?.value;
    parameters.resetCounts();

    // WHEN
    const output = captureOutput();
    let outcome: 'succeeded' | 'failed';
    try {
      await handler(c.event);
      outcome = 'succeeded';
    } catch {
      outcome = 'failed';
    } finally {
      output.restore();
    }

    // THEN
    expect(outcome).toBe(c.expect.succeeds ? 'succeeded' : 'failed');
    const after = parameters.get(parameter)?.value;
    if (c.expect.routing === 'unchanged') {
      expect(after).toBe(before);
    } else {
      expect(effectiveModeOf(after).mode).toBe(c.expect.routing);
    }
    const writes = parameters.calls.PutParameter ?? 0;
    if (typeof c.expect.parameterWrites === 'number') {
      expect(writes).toBe(c.expect.parameterWrites);
    } else if (c.expect.parameterWrites === 'at most 2') {
      expect(writes).toBeLessThanOrEqual(2);
    } else {
      expect(c.expect.parameterWrites).toBeUndefined();
    }
    const errors = output.atLevel('ERROR');
    const malformed = MALFORMED_RECORDS[c.name] ?? [];
    const unreadable = UNREADABLE_VALUE.has(c.name) ? 1 : 0;
    expect(errors).toHaveLength(malformed.length + unreadable);
    expect(errors.filter((line) => line.record !== undefined).map((line) => line.record)).toEqual(malformed);
    expect(errors.filter((line) => String(line.message).includes('unreadable'))).toHaveLength(unreadable);
    const check = STATE_CHECKS[c.name];
    if (check !== undefined) {
      const parsed = parseRoutingValue(after);
      expect(parsed.form).toBe('json');
      check(c, parsed.state);
    }
  });
});
