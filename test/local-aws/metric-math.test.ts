import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import {
  MetricMathError, evaluateExpression, parseExpression, referencedIds,
} from '../../examples/lab/local-aws/metric-math';
import { ResilientGlobalTable } from '../../src/resilient-global-table';

/** The lag alarm's expression and threshold as the construct ships them (synthesized, default settings). */
function shippedLagAlarm(): { expression: string; thresholdMs: number } {
  const stack = new Stack(new App(), 'Primary', { env: { account: '123456789012', region: 'us-east-1' } });
  new ResilientGlobalTable(stack, 'Table', {
    tableName: 'orders',
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    replicaRegions: ['eu-central-1'],
  });
  const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', {
    Properties: { AlarmName: 'orders-replication-lag-eu-central-1' },
  }));
  expect(alarms).toHaveLength(1);
  const properties = alarms[0].Properties as { Threshold: number; Metrics: Array<{ Expression?: string }> };
  const expressions = properties.Metrics.filter((metric) => metric.Expression !== undefined);
  expect(expressions).toHaveLength(1);

  return { expression: expressions[0].Expression!, thresholdMs: properties.Threshold };
}

describe('metric math', () => {
  test.each([
    ['1 + 2 * 3', {}, 7],
    ['(1 + 2) * 3', {}, 9],
    ['m1 / 4 - 1', { m1: 10 }, 1.5],
    ['-m1 + 1e3', { m1: 1 }, 999],
    ['m1 > 5', { m1: 6 }, 1],
    ['m1 > 5', { m1: 5 }, 0],
    ['m1 >= 5', { m1: 5 }, 1],
    ['m1 < 5', { m1: 5 }, 0],
    ['m1 <= 5', { m1: 5 }, 1],
    ['m1 == 5', { m1: 5 }, 1],
    ['m1 != 5', { m1: 5 }, 0],
    ['m1 > 0 AND m2 > 0', { m1: 1, m2: 0 }, 0],
    ['m1 > 0 OR m2 > 0', { m1: 1, m2: 0 }, 1],
    ['m1 > 0 && m2 > 0 || m1 == 1', { m1: 1, m2: 0 }, 1],
    ['NOT m1', { m1: 0 }, 1],
    ['!(m1 > 0)', { m1: 3 }, 0],
    ['IF(m1 > 10, 100, 0)', { m1: 11 }, 100],
    ['IF(m1 > 10, 100, 0)', { m1: 10 }, 0],
    ['MAX([m1, m2, 7])', { m1: 3, m2: 9 }, 9],
    ['MIN([m1, m2, 7])', { m1: 3, m2: 9 }, 3],
    ['FILL(m1, 0)', { m1: undefined }, 0],
    ['FILL(m1, 0)', { m1: 42 }, 42],
    ['fill(m1, m2 * 2)', { m1: undefined, m2: 4 }, 8],
  ])('evaluates %s with %j to %s', (expression, values, expected) => {
    // GIVEN the values of the ids at one timestamp
    // WHEN the expression is evaluated
    const result = evaluateExpression(expression, values);

    // THEN the result is the expected number
    expect(result).toBe(expected);
  });

  test.each([
    ['m1 + 1', { m1: undefined }],
    ['m1 > 0 AND m2 > 0', { m1: 1, m2: undefined }],
    ['IF(m1 > 0, 1, 0)', { m1: undefined }],
    ['IF(m1 > 0, 1)', { m1: 0 }],
    ['MAX([m1, m2])', { m1: undefined, m2: undefined }],
    ['m1 / 0', { m1: 4 }],
    ['NOT m1', { m1: undefined }],
  ])('gives a missing datapoint for %s with %j', (expression, values) => {
    // GIVEN a missing input (or a division by zero)
    // WHEN the expression is evaluated
    const result = evaluateExpression(expression, values);

    // THEN the datapoint is missing
    expect(result).toBeUndefined();
  });

  test('MAX and MIN skip missing members', () => {
    // GIVEN one missing member
    const values = { m1: undefined, m2: 4, m3: 2 };

    // WHEN MAX and MIN are evaluated
    // THEN they use the present members only
    expect(evaluateExpression('MAX([m1, m2, m3])', values)).toBe(4);
    expect(evaluateExpression('MIN([m1, m2, m3])', values)).toBe(2);
  });

  test('the shipped lag expression breaches when heartbeats were written but no latency arrived', () => {
    // GIVEN the replication-lag expression and threshold of a synthesized table
    const { expression, thresholdMs } = shippedLagAlarm();
    const at = (lat: number | undefined, hb: number | undefined, obs: number | undefined) =>
      evaluateExpression(expression, { m_lat: lat, m_hb: hb, m_obs: obs });

    // WHEN evaluated for a healthy, a silent-replication, a lagging, an observed-lag and an idle period
    // THEN healthy gives its latency, silent replication and lag go above the threshold, an idle table stays below
    expect(at(800, 5, 300)).toBe(800);
    expect(at(undefined, 5, 900)).toBeGreaterThan(thresholdMs);
    expect(at(undefined, 5, undefined)).toBeGreaterThan(thresholdMs);
    expect(at(thresholdMs + 7000, 5, undefined)).toBe(thresholdMs + 7000);
    expect(at(800, 5, thresholdMs + 1)).toBeGreaterThan(thresholdMs);
    expect(at(undefined, undefined, undefined)).toBe(0);
    expect(at(undefined, 0, undefined)).toBe(0);
  });

  test('lists the ids an expression uses', () => {
    // GIVEN an expression over three ids
    const node = parseExpression('IF(m2 > 0, MAX([m1, e1]), m1)');

    // WHEN its ids are listed
    // THEN each appears once, in first-use order
    expect(referencedIds(node)).toEqual(['m2', 'm1', 'e1']);
  });

  test.each([
    ['', /empty/],
    ['m1 +', /ended early/],
    ['m1 $ 2', /unexpected character "\$"/],
    ['RATE(m1)', /function RATE is not supported locally; supported are IF, MAX, MIN, FILL/],
    ['MAX(m1)', /MAX takes one array argument/],
    ['FILL(m1)', /FILL takes 2 arguments/],
    ['IF(m1)', /IF takes 2 or 3 arguments, got 1/],
    ['(m1 + 1', /ended early; expected "\)"/],
    ['M1 + 1', /"M1" is not an id/],
  ])('throws when the expression is %j', (expression, message) => {
    // GIVEN an expression the local evaluator cannot take
    // WHEN it is parsed
    // THEN a MetricMathError names the problem
    expect(() => parseExpression(expression)).toThrow(MetricMathError);
    expect(() => parseExpression(expression)).toThrow(message);
  });

  test('throws when an id has no value', () => {
    // GIVEN an expression over m2 and values for m1 only
    // WHEN it is evaluated
    // THEN the error names the id and the defined ones
    expect(() => evaluateExpression('m2 + 1', { m1: 1 })).toThrow('id "m2" is not defined; defined are m1');
  });
});
