import {
  AlarmDefinition, AlarmDefinitionError, AlarmEvaluator, AlarmNotification, TreatMissingData, alarmFromTemplate,
  alarmsFromTemplate, decideState, effectiveTreatMissingData, stateChangeTime,
} from '../../examples/lab/local-aws/alarm-evaluator';
import { MetricStore } from '../../examples/lab/local-aws/metric-store';

const NS = 'ResilientGlobalTable';
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);

/** '0' not breaching, 'X' breaching, '-' missing; oldest first. */
function range(pattern: string): (boolean | undefined)[] {
  return pattern.split(' ').map((cell) => cell === '-' ? undefined : cell === 'X');
}

describe('decideState (CloudWatch missing-data table, 3 evaluation periods, 3 datapoints to alarm)', () => {
  // The evaluation range holds 5 periods for 3 evaluation periods, as in AWS's documented examples.
  const table: Array<[string, Record<TreatMissingData, string>]> = [
    ['0 - X - X', { missing: 'OK', ignore: 'OK', breaching: 'OK', notBreaching: 'OK' }],
    ['0 - - - -', { missing: 'OK', ignore: 'OK', breaching: 'OK', notBreaching: 'OK' }],
    ['- - - - -', { missing: 'INSUFFICIENT_DATA', ignore: 'retain', breaching: 'ALARM', notBreaching: 'OK' }],
    ['0 X X - X', { missing: 'ALARM', ignore: 'ALARM', breaching: 'ALARM', notBreaching: 'ALARM' }],
    ['- - X - -', { missing: 'ALARM', ignore: 'retain', breaching: 'ALARM', notBreaching: 'OK' }],
  ];
  const cases = table.flatMap(([pattern, results]) =>
    (Object.keys(results) as TreatMissingData[]).map((treat) => [pattern, treat, results[treat]] as const));

  test.each(cases)('range %s with %s gives %s', (pattern, treatMissingData, expected) => {
    // GIVEN a 3-of-3 alarm and the datapoints of its evaluation range
    const rule = { evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData };

    // WHEN the state is decided
    const decision = decideState(range(pattern), rule);

    // THEN it matches AWS's table ('retain' keeps the current state)
    expect(decision.state ?? 'retain').toBe(expected);
  });
});

describe('decideState (M out of N)', () => {
  test.each([
    ['0 0 0 X X', 2, 3, 'ALARM'],
    ['0 0 X 0 X', 2, 3, 'ALARM'],
    ['0 0 X 0 0', 2, 3, 'OK'],
    ['X X 0 0 X', 2, 3, 'OK'],
    ['0 X', 1, 1, 'ALARM'],
    ['X 0', 1, 1, 'OK'],
  ])('range %s with %i of %i gives %s', (pattern, datapointsToAlarm, evaluationPeriods, expected) => {
    // GIVEN a full range of real datapoints
    const rule = { evaluationPeriods, datapointsToAlarm, treatMissingData: 'missing' as const };

    // WHEN the state is decided
    // THEN only the most recent N count, and M of them must breach
    expect(decideState(range(pattern), rule).state).toBe(expected);
  });

  test('fills missing datapoints only as often as needed, and every real one counts', () => {
    // GIVEN 2 of 3 with one real breaching datapoint and missing ones
    const base = { evaluationPeriods: 3, datapointsToAlarm: 2 };

    // WHEN missing data is breaching or not breaching
    // THEN one filled breaching datapoint reaches 2; not breaching stays at 1
    expect(decideState(range('- - - - X'), { ...base, treatMissingData: 'breaching' }).state).toBe('ALARM');
    expect(decideState(range('- - - - X'), { ...base, treatMissingData: 'notBreaching' }).state).toBe('OK');
  });
});

function simpleAlarm(overrides: Partial<AlarmDefinition> = {}): AlarmDefinition {
  return {
    alarmName: 'orders-stale-detections',
    metric: {
      metric: { namespace: NS, metricName: 'StaleDetections', dimensions: { Parameter: '/orders/routing' } },
      stat: 'Sum',
      periodSeconds: 10,
    },
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    evaluationPeriods: 3,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    alarmActions: ['arn:alarm-topic'],
    okActions: ['arn:ok-topic'],
    insufficientDataActions: ['arn:insufficient-topic'],
    ...overrides,
  };
}

describe('AlarmEvaluator', () => {
  test('starts in INSUFFICIENT_DATA, moves to OK, then ALARM, then back, notifying each change', async () => {
    // GIVEN a 1-of-3 alarm on StaleDetections (10 s period at timeScale 10, so 1 s windows) and a listener
    const store = new MetricStore();
    const options = { store, timeScale: 10, region: 'eu-central-1', accountId: '222222222222' };
    const alarm = new AlarmEvaluator(simpleAlarm(), options);
    const heard: Array<{ message: AlarmNotification; actions: readonly unknown[] }> = [];
    alarm.onStateChange((message, actions) => {
      heard.push({ message, actions });
    });
    expect(alarm.periodMs).toBe(1000);
    expect(alarm.state).toBe('INSUFFICIENT_DATA');

    // WHEN nothing is detected, then one detection lands, then the hold-down passes
    await alarm.evaluate(T0 + 500);
    store.put(NS, 'StaleDetections', { Parameter: '/orders/routing' }, 1, T0 + 1200);
    const toAlarm = await alarm.evaluate(T0 + 2000);
    const stillAlarm = await alarm.evaluate(T0 + 5999);
    await alarm.evaluate(T0 + 7000);

    // THEN the states follow, each change is recorded and notified with the actions of the new state
    expect(alarm.transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      'INSUFFICIENT_DATA->OK', 'OK->ALARM', 'ALARM->OK',
    ]);
    expect(toAlarm?.to).toBe('ALARM');
    expect(stillAlarm).toBeUndefined();
    expect(heard.map((h) => h.actions)).toEqual([['arn:ok-topic'], ['arn:alarm-topic'], ['arn:ok-topic']]);
    expect(heard[1].message).toMatchObject({
      AlarmName: 'orders-stale-detections',
      AlarmArn: 'arn:aws:cloudwatch:eu-central-1:222222222222:alarm:orders-stale-detections',
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      StateChangeTime: '2026-11-20T10:00:02.000+0000',
      Region: 'EU (Frankfurt)',
      Trigger: { MetricName: 'StaleDetections', Namespace: NS, Statistic: 'SUM', Period: 10, Threshold: 0 },
    });
    expect(heard[1].message.NewStateReason).toMatch(/^Threshold Crossed: 1 out of the last 3 datapoints/);
  });

  test('a missing-data alarm with no data goes to INSUFFICIENT_DATA and notifies its actions', async () => {
    // GIVEN an alarm treating missing data as missing, once OK
    const store = new MetricStore();
    const alarm = new AlarmEvaluator(simpleAlarm({ treatMissingData: 'missing', evaluationPeriods: 1 }), { store });
    const actions: unknown[] = [];
    alarm.onStateChange((_message, stateActions) => {
      actions.push(...stateActions);
    });
    store.put(NS, 'StaleDetections', { Parameter: '/orders/routing' }, 0, T0 + 1000);
    await alarm.evaluate(T0 + 10_000);

    // WHEN its data stops for longer than the evaluation range
    await alarm.evaluate(T0 + 40_000);

    // THEN it went OK, then INSUFFICIENT_DATA
    expect(alarm.transitions.map((t) => t.to)).toEqual(['OK', 'INSUFFICIENT_DATA']);
    expect(actions).toEqual(['arn:ok-topic', 'arn:insufficient-topic']);
    expect(alarm.transitions[1].reason).toBe('Insufficient Data: 3 datapoints were unknown.');
  });

  test('an ignore alarm keeps its state while data is missing', async () => {
    // GIVEN an alarm that ignores missing data, in ALARM
    const store = new MetricStore();
    const alarm = new AlarmEvaluator(simpleAlarm({ treatMissingData: 'ignore', evaluationPeriods: 1 }), { store });
    store.put(NS, 'StaleDetections', { Parameter: '/orders/routing' }, 3, T0 + 1000);
    await alarm.evaluate(T0 + 10_000);

    // WHEN data stops
    await alarm.evaluate(T0 + 100_000);

    // THEN it stays in ALARM
    expect(alarm.state).toBe('ALARM');
    expect(alarm.transitions).toHaveLength(1);
  });

  test('evaluates a metric-math alarm per period', async () => {
    // GIVEN the lag alarm shape: heartbeats written but no ReplicationLatency is a breach
    const store = new MetricStore();
    const alarm = new AlarmEvaluator(alarmFromTemplate(TEMPLATE, 'LagAlarm', { resolve: resolveRef }), {
      store, timeScale: 10,
    });
    const latency = { TableName: 'orders', ReceivingRegion: 'eu-central-1' };

    // WHEN replication is healthy for two periods
    for (const offset of [100, 1100]) {
      store.put(NS, 'HeartbeatWrites', { TableName: 'orders' }, 1, T0 + offset);
      store.put('AWS/DynamoDB', 'ReplicationLatency', latency, 400, T0 + offset);
    }
    await alarm.evaluate(T0 + 2000);
    const healthy = alarm.state;

    // AND THEN heartbeats go on with no latency for two periods
    for (const offset of [2100, 3100]) {
      store.put(NS, 'HeartbeatWrites', { TableName: 'orders' }, 1, T0 + offset);
    }
    await alarm.evaluate(T0 + 4000);

    // THEN the alarm goes OK, then ALARM (2 of 3)
    expect(healthy).toBe('OK');
    expect(alarm.state).toBe('ALARM');
    expect(alarm.series(T0 + 4000).map((point) => point.value)).toEqual([undefined, 0, 0, 1, 1]);
  });

  test('start() evaluates on a timer until stop()', async () => {
    // GIVEN an alarm on a fast scaled period
    const store = new MetricStore();
    const alarm = new AlarmEvaluator(simpleAlarm(), { store, timeScale: 200 });

    // WHEN it runs for a few periods
    alarm.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await alarm.stop();

    // THEN it left INSUFFICIENT_DATA by itself
    expect(alarm.state).toBe('OK');
  });

  test('formats StateChangeTime like CloudWatch', () => {
    // GIVEN an epoch time / WHEN formatted / THEN it has milliseconds and a +0000 offset
    expect(stateChangeTime(Date.UTC(2026, 10, 20, 10, 15))).toBe('2026-11-20T10:15:00.000+0000');
  });
});

const TEMPLATE = {
  Resources: {
    StaleAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: 'orders-stale-detections',
        Namespace: NS,
        MetricName: 'StaleDetections',
        Dimensions: [{ Name: 'Parameter', Value: '/orders/routing' }],
        Statistic: 'Sum',
        Period: 10,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 4,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'StaleTopic' }],
        OKActions: [{ Ref: 'StaleTopic' }],
        InsufficientDataActions: [{ Ref: 'StaleTopic' }],
      },
    },
    LagAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: { 'Fn::Join': ['', ['orders-lag-', { Ref: 'AWS::Region' }]] },
        Metrics: [
          {
            Id: 'e1',
            Expression: 'IF(m2 > 0 AND FILL(m1, 0) == 0, 1, IF(MAX([FILL(m1, 0), FILL(m3, 0)]) > 10000, 1, 0))',
            Label: 'lag breach',
          },
          metricQuery('m1', 'AWS/DynamoDB', 'ReplicationLatency', 'Maximum', [
            { Name: 'TableName', Value: { Ref: 'Table' } }, { Name: 'ReceivingRegion', Value: 'eu-central-1' },
          ]),
          metricQuery('m2', NS, 'HeartbeatWrites', 'Sum', [{ Name: 'TableName', Value: { Ref: 'Table' } }]),
          metricQuery('m3', NS, 'ObservedReplicaLag', 'Maximum', [
            { Name: 'TableName', Value: { Ref: 'Table' } }, { Name: 'ReceivingRegion', Value: 'eu-central-1' },
          ]),
        ],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
        AlarmActions: ['arn:aws:sns:us-east-1:111111111111:orders-lag-eu-central-1'],
      },
    },
    Table: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} },
  },
};

function metricQuery(id: string, namespace: string, metricName: string, stat: string, dimensions: unknown[]): object {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions },
      Period: 10,
      Stat: stat,
    },
    ReturnData: false,
  };
}

/** A template with one alarm, logical id A: the stale alarm with some properties replaced. */
function staleAlarmWith(overrides: Record<string, unknown>): object {
  const properties = { ...TEMPLATE.Resources.StaleAlarm.Properties, ...overrides };

  return { Resources: { A: { Type: 'AWS::CloudWatch::Alarm', Properties: properties } } };
}

function resolveRef(value: unknown): string {
  if (JSON.stringify(value) === '{"Ref":"Table"}') {
    return 'orders';
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

describe('alarms from a template', () => {
  test('reads a simple metric alarm with its settings and actions as given', () => {
    // GIVEN a template fragment / WHEN the alarm is read by name
    const alarm = alarmFromTemplate(TEMPLATE, 'orders-stale-detections', { resolve: resolveRef });

    // THEN every setting is taken from it
    expect(alarm).toEqual({
      alarmName: 'orders-stale-detections',
      logicalId: 'StaleAlarm',
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 4,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      alarmActions: [{ Ref: 'StaleTopic' }],
      okActions: [{ Ref: 'StaleTopic' }],
      insufficientDataActions: [{ Ref: 'StaleTopic' }],
      metric: {
        metric: { namespace: NS, metricName: 'StaleDetections', dimensions: { Parameter: '/orders/routing' } },
        stat: 'Sum',
        periodSeconds: 10,
      },
    });
  });

  test('reads a metric-math alarm, resolving intrinsic dimension values and falling back to the logical id', () => {
    // GIVEN the template / WHEN every alarm is read
    const alarms = alarmsFromTemplate(TEMPLATE, { resolve: resolveRef });
    const lag = alarms.find((alarm) => alarm.logicalId === 'LagAlarm')!;

    // THEN the math alarm has its queries, the returned expression, and defaults for what is absent
    expect(alarms).toHaveLength(2);
    expect(lag.alarmName).toBe('LagAlarm');
    expect(lag.okActions).toEqual([]);
    expect(lag.metrics?.map((query) => [query.id, query.returnData])).toEqual([
      ['e1', true], ['m1', false], ['m2', false], ['m3', false],
    ]);
    expect(lag.metrics?.[1].metricStat).toEqual({
      metric: {
        namespace: 'AWS/DynamoDB',
        metricName: 'ReplicationLatency',
        dimensions: { TableName: 'orders', ReceivingRegion: 'eu-central-1' },
      },
      stat: 'Maximum',
      periodSeconds: 10,
    });
  });

  test('DatapointsToAlarm defaults to EvaluationPeriods and TreatMissingData to missing', () => {
    // GIVEN an alarm without either
    const template = staleAlarmWith({ DatapointsToAlarm: undefined, TreatMissingData: undefined });

    // WHEN read / THEN the CloudWatch defaults apply
    expect(alarmFromTemplate(template, 'A')).toMatchObject({ datapointsToAlarm: 4, treatMissingData: 'missing' });
  });

  test('throws when a dimension value is an intrinsic and no resolver is given', () => {
    // GIVEN the lag alarm / WHEN read without a resolver / THEN the error names the dimension
    expect(() => alarmFromTemplate(TEMPLATE, 'LagAlarm'))
      .toThrow(/dimension TableName has the value \{"Ref":"Table"\}/);
  });

  test('throws when the alarm does not exist', () => {
    // GIVEN the template / WHEN an unknown alarm is asked for / THEN the error lists what exists
    expect(() => alarmFromTemplate(TEMPLATE, 'Nope', { resolve: resolveRef }))
      .toThrow('No AWS::CloudWatch::Alarm with logical id or name "Nope"; the template has: StaleAlarm');
  });

  test('throws when the comparison operator is not supported', () => {
    // GIVEN an anomaly-band operator
    const template = staleAlarmWith({ ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' });

    // WHEN read / THEN it is refused with the allowed values
    expect(() => alarmFromTemplate(template, 'A')).toThrow(AlarmDefinitionError);
    expect(() => alarmFromTemplate(template, 'A'))
      .toThrow(/ComparisonOperator got "LessThanLowerOrGreaterThanUpperThreshold"/);
  });
});

describe('MetricStore', () => {
  test('ingests an EMF line with two dimension sets and high resolution as two metric identities', () => {
    // GIVEN a reader's EMF line: StaleDetections by {Reader} and by {Parameter}, StorageResolution 1
    const store = new MetricStore();
    const line = JSON.stringify({
      _aws: {
        Timestamp: T0,
        CloudWatchMetrics: [{
          Namespace: NS,
          Dimensions: [['Reader'], ['Parameter']],
          Metrics: [{ Name: 'StaleDetections', Unit: 'Count', StorageResolution: 1 }],
        }],
      },
      Reader: 'orders-reader',
      Parameter: '/orders/routing',
      StaleDetections: [1, 2],
      level: 'INFO',
    });

    // WHEN the line and a plain log line are ingested
    const stored = store.ingestEmf(line, T0 + 100);
    const ignored = store.ingestEmf('{"level":"INFO","message":"read served"}');

    // THEN each dimension set holds both values, summed per period; the plain line is ignored
    expect(stored).toBe(4);
    expect(ignored).toBe(0);
    expect(store.list()).toHaveLength(2);
    const byReader = { namespace: NS, metricName: 'StaleDetections', dimensions: { Reader: 'orders-reader' } };
    const byParameter = { namespace: NS, metricName: 'StaleDetections', dimensions: { Parameter: '/orders/routing' } };
    expect(store.statistic(byReader, 'Sum', T0, T0 + 1000)).toBe(3);
    expect(store.statistic(byParameter, 'SampleCount', T0, T0 + 1000)).toBe(2);
    expect(store.statistic(byParameter, 'Sum', T0 + 1000, T0 + 2000)).toBeUndefined();
  });

  test('computes each statistic over period-aligned windows', () => {
    // GIVEN raw datapoints in two 1 s periods
    const store = new MetricStore();
    const id = { namespace: 'AWS/DynamoDB', metricName: 'ReplicationLatency', dimensions: { ReceivingRegion: 'eu' } };
    for (const [value, at] of [[100, 10], [300, 900], [50, 1500]]) {
      store.put(id.namespace, id.metricName, id.dimensions, value, T0 + at);
    }

    // WHEN the series is read from a time inside the first period
    const series = store.series(id, 'Maximum', 1000, T0 + 400, T0 + 2000);

    // THEN windows start on period boundaries and each statistic is right
    expect(series).toEqual([{ start: T0, value: 300 }, { start: T0 + 1000, value: 50 }]);
    expect(store.statistic(id, 'Average', T0, T0 + 1000)).toBe(200);
    expect(store.statistic(id, 'Minimum', T0, T0 + 2000)).toBe(50);
    expect(store.statistic(id, 'Sum', T0, T0 + 2000)).toBe(450);
  });
});

describe('effectiveTreatMissingData', () => {
  test('alarms on AWS/DynamoDB metrics ignore missing data whatever they set, as CloudWatch documents', () => {
    // GIVEN an alarm on ReplicationLatency that asks for notBreaching, and one on the library's own metric
    const dynamo = simpleAlarm({
      metric: {
        metric: { namespace: 'AWS/DynamoDB', metricName: 'ReplicationLatency', dimensions: { TableName: 'orders' } },
        stat: 'Maximum',
        periodSeconds: 60,
      },
    });
    const own = simpleAlarm();

    // WHEN / THEN
    expect(effectiveTreatMissingData(dynamo)).toBe('ignore');
    expect(effectiveTreatMissingData(own)).toBe('notBreaching');
  });

  test('an AWS/DynamoDB alarm keeps its state when its data goes missing', async () => {
    // GIVEN a latency alarm in ALARM
    const store = new MetricStore();
    let now = T0;
    const identity = {
      namespace: 'AWS/DynamoDB',
      metricName: 'ReplicationLatency',
      dimensions: { TableName: 'orders' },
    };
    const alarm = new AlarmEvaluator(simpleAlarm({
      metric: { metric: identity, stat: 'Maximum', periodSeconds: 10 },
      threshold: 5000,
      evaluationPeriods: 1,
    }), { store, now: () => now, evaluationRangePeriods: 1 });
    store.put(identity.namespace, identity.metricName, identity.dimensions, 9000, T0 + 1000);
    now = T0 + 10_000;
    await alarm.evaluate();
    expect(alarm.state).toBe('ALARM');

    // WHEN no datapoint arrives for many periods
    now = T0 + 120_000;
    await alarm.evaluate();

    // THEN it stays in ALARM (notBreaching would have made it OK)
    expect(alarm.state).toBe('ALARM');
  });
});
