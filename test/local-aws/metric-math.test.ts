import {
  MetricMathError, evaluateExpression, parseExpression, referencedIds,
} from '../../examples/lab/local-aws/metric-math';

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

  test('the lag expression shape our alarms use alarms when heartbeats were written but no latency arrived', () => {
    // GIVEN the replication-lag expression: latency or observed lag above the bound, or heartbeats without latency
    const expression = 'IF(m2 > 0 AND FILL(m1, 0) == 0, 1, IF(MAX([FILL(m1, 0), FILL(m3, 0)]) > 10000, 1, 0))';

    // WHEN evaluated for a healthy period, a silent-replication period, a lagging period and an idle period
    // THEN only the silent and lagging periods give 1; the idle table (no heartbeat) is missing
    expect(evaluateExpression(expression, { m1: 800, m2: 5, m3: 900 })).toBe(0);
    expect(evaluateExpression(expression, { m1: undefined, m2: 5, m3: 900 })).toBe(1);
    expect(evaluateExpression(expression, { m1: 12000, m2: 5, m3: undefined })).toBe(1);
    expect(evaluateExpression(expression, { m1: undefined, m2: undefined, m3: undefined })).toBeUndefined();
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
