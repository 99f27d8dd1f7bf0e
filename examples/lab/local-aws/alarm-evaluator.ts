/**
 * Local CloudWatch alarms: read AWS::CloudWatch::Alarm resources from a synthesized template, evaluate them over the
 * local MetricStore with CloudWatch's M-out-of-N and missing-data rules, and notify listeners with the message
 * CloudWatch sends to SNS on a state change. One time scale shrinks every period.
 * `npx jest test/local-aws/alarm-evaluator.test.ts` exercises it.
 */
import { MathNode, MathValue, MetricMathError, evaluateNode, parseExpression, referencedIds } from './metric-math';
import { MetricIdentity, MetricStore, Statistic, alignDown, toStatistic } from './metric-store';

/** The three alarm states. */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** The comparison operators the local alarms support. */
export const COMPARISON_OPERATORS = [
  'GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold',
] as const;

/** One of COMPARISON_OPERATORS. */
export type ComparisonOperator = typeof COMPARISON_OPERATORS[number];

/** The TreatMissingData settings. */
export const TREAT_MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'] as const;

/** One of TREAT_MISSING_DATA. */
export type TreatMissingData = typeof TREAT_MISSING_DATA[number];

/** A metric and statistic over a period, as in a MetricStat. */
export interface AlarmMetricStat {
  readonly metric: MetricIdentity;
  readonly stat: Statistic;
  /** The period in (unscaled) seconds. */
  readonly periodSeconds: number;
}

/** One entry of an alarm's `Metrics` (metric math): a metric or an expression. */
export interface AlarmMetricQuery {
  readonly id: string;
  readonly expression?: string;
  readonly metricStat?: AlarmMetricStat;
  readonly returnData: boolean;
}

/** An alarm as read from a template (or written by hand in a test). */
export interface AlarmDefinition {
  readonly alarmName: string;
  /** The template's logical id, when read from a template. */
  readonly logicalId?: string;
  /** A single-metric alarm's metric; exactly one of `metric` and `metrics` is set. */
  readonly metric?: AlarmMetricStat;
  /** A metric-math alarm's queries; exactly one has `returnData: true`. */
  readonly metrics?: readonly AlarmMetricQuery[];
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  /** The actions as written in the template (ARNs, or intrinsics such as `{ Ref }`). */
  readonly alarmActions: readonly unknown[];
  readonly okActions: readonly unknown[];
  readonly insufficientDataActions: readonly unknown[];
}

/** Options for reading alarms from a template. */
export interface TemplateAlarmOptions {
  /**
   * Turns a dimension value that is not a plain string (an intrinsic such as `{ Ref: 'Table' }`) into a string.
   * @default - such a value throws, naming the alarm and the dimension
   */
  readonly resolve?: (value: unknown) => string;
}

/** Thrown for an alarm the local evaluator cannot read or evaluate. */
export class AlarmDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlarmDefinitionError';
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireNumber(properties: Json, field: string, where: string): number {
  const value = properties[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new AlarmDefinitionError(`${where}: ${field} got ${JSON.stringify(value)}; allowed: a number`);
  }

  return value;
}

function requireString(properties: Json, field: string, where: string): string {
  const value = properties[field];
  if (typeof value !== 'string') {
    throw new AlarmDefinitionError(`${where}: ${field} got ${JSON.stringify(value)}; allowed: a string`);
  }

  return value;
}

function readDimensions(value: unknown, where: string, options: TemplateAlarmOptions): Record<string, string> {
  if (value === undefined) {
    return {};
  }
  if (!Array.isArray(value)) {
    throw new AlarmDefinitionError(`${where}: Dimensions got ${JSON.stringify(value)}; `
      + 'allowed: a list of {Name, Value}');
  }
  const dimensions: Record<string, string> = {};
  for (const entry of value) {
    if (!isObject(entry) || typeof entry.Name !== 'string') {
      throw new AlarmDefinitionError(`${where}: dimension got ${JSON.stringify(entry)}; allowed: {Name, Value}`);
    }
    if (typeof entry.Value === 'string') {
      dimensions[entry.Name] = entry.Value;
    } else if (options.resolve) {
      dimensions[entry.Name] = options.resolve(entry.Value);
    } else {
      throw new AlarmDefinitionError(`${where}: dimension ${entry.Name} has the value ${JSON.stringify(entry.Value)}; `
        + 'allowed: a string, or pass `resolve` to turn intrinsics into strings');
    }
  }

  return dimensions;
}

function readMetricStat(value: unknown, where: string, options: TemplateAlarmOptions): AlarmMetricStat {
  if (!isObject(value) || !isObject(value.Metric)) {
    throw new AlarmDefinitionError(`${where}: MetricStat got ${JSON.stringify(value)}; `
      + 'allowed: {Metric, Period, Stat}');
  }
  const metric = value.Metric;

  return {
    metric: {
      namespace: requireString(metric, 'Namespace', where),
      metricName: requireString(metric, 'MetricName', where),
      dimensions: readDimensions(metric.Dimensions, where, options),
    },
    stat: toStatistic(value.Stat, `${where}: Stat`),
    periodSeconds: requireNumber(value, 'Period', where),
  };
}

function readQueries(value: unknown[], where: string, options: TemplateAlarmOptions): AlarmMetricQuery[] {
  const queries = value.map((entry, index): AlarmMetricQuery => {
    const at = `${where} Metrics[${index}]`;
    if (!isObject(entry)) {
      throw new AlarmDefinitionError(`${at}: got ${JSON.stringify(entry)}; allowed: {Id, Expression | MetricStat}`);
    }
    const id = requireString(entry, 'Id', at);
    if (typeof entry.Expression === 'string') {
      parseExpression(entry.Expression);

      return { id, expression: entry.Expression, returnData: entry.ReturnData !== false };
    }
    if (entry.MetricStat !== undefined) {
      return { id, metricStat: readMetricStat(entry.MetricStat, at, options), returnData: entry.ReturnData !== false };
    }

    throw new AlarmDefinitionError(`${at}: has neither Expression nor MetricStat; allowed: one of them`);
  });
  const returned = queries.filter((query) => query.returnData);
  if (returned.length !== 1) {
    throw new AlarmDefinitionError(`${where}: ${returned.length} Metrics entries return data `
      + `(${returned.map((query) => query.id).join(', ') || 'none'}); allowed: exactly one`);
  }

  return queries;
}

function listOrEmpty(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function readAlarm(logicalId: string, properties: Json, options: TemplateAlarmOptions): AlarmDefinition {
  const alarmName = typeof properties.AlarmName === 'string' ? properties.AlarmName : logicalId;
  const where = `Alarm ${logicalId}`;
  const comparisonOperator = properties.ComparisonOperator;
  if (!(COMPARISON_OPERATORS as readonly unknown[]).includes(comparisonOperator)) {
    throw new AlarmDefinitionError(`${where}: ComparisonOperator got ${JSON.stringify(comparisonOperator)}; `
      + `allowed: ${COMPARISON_OPERATORS.join(', ')}`);
  }
  const treatMissingData = properties.TreatMissingData ?? 'missing';
  if (!(TREAT_MISSING_DATA as readonly unknown[]).includes(treatMissingData)) {
    throw new AlarmDefinitionError(`${where}: TreatMissingData got ${JSON.stringify(treatMissingData)}; `
      + `allowed: ${TREAT_MISSING_DATA.join(', ')}`);
  }
  const evaluationPeriods = requireNumber(properties, 'EvaluationPeriods', where);
  const datapointsToAlarm = properties.DatapointsToAlarm === undefined
    ? evaluationPeriods : requireNumber(properties, 'DatapointsToAlarm', where);
  if (datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
    throw new AlarmDefinitionError(`${where}: DatapointsToAlarm got ${datapointsToAlarm}; allowed: 1 to `
      + `EvaluationPeriods (${evaluationPeriods})`);
  }
  if (properties.ExtendedStatistic !== undefined) {
    throw new AlarmDefinitionError(`${where}: ExtendedStatistic ${JSON.stringify(properties.ExtendedStatistic)} is not `
      + 'supported locally; allowed: Statistic (Sum, Average, Maximum, Minimum, SampleCount)');
  }
  const base = {
    alarmName,
    logicalId,
    threshold: requireNumber(properties, 'Threshold', where),
    comparisonOperator: comparisonOperator as ComparisonOperator,
    evaluationPeriods,
    datapointsToAlarm,
    treatMissingData: treatMissingData as TreatMissingData,
    alarmActions: listOrEmpty(properties.AlarmActions),
    okActions: listOrEmpty(properties.OKActions),
    insufficientDataActions: listOrEmpty(properties.InsufficientDataActions),
  };
  if (Array.isArray(properties.Metrics)) {
    return { ...base, metrics: readQueries(properties.Metrics, where, options) };
  }

  return {
    ...base,
    metric: {
      metric: {
        namespace: requireString(properties, 'Namespace', where),
        metricName: requireString(properties, 'MetricName', where),
        dimensions: readDimensions(properties.Dimensions, where, options),
      },
      stat: toStatistic(properties.Statistic, `${where}: Statistic`),
      periodSeconds: requireNumber(properties, 'Period', where),
    },
  };
}

/** Every AWS::CloudWatch::Alarm of a synthesized template (`Template.fromStack(stack).toJSON()`). */
export function alarmsFromTemplate(template: object, options: TemplateAlarmOptions = {}): AlarmDefinition[] {
  const resources = (template as Json).Resources;
  if (!isObject(resources)) {
    return [];
  }

  return Object.entries(resources)
    .filter(([, resource]) => isObject(resource) && resource.Type === 'AWS::CloudWatch::Alarm')
    .map(([logicalId, resource]) => readAlarm(logicalId, (resource as Json).Properties as Json ?? {}, options));
}

/** The alarm of a template with the given logical id or alarm name; throws when there is none. */
export function alarmFromTemplate(template: object, logicalIdOrAlarmName: string,
  options: TemplateAlarmOptions = {}): AlarmDefinition {
  const alarms = alarmsFromTemplate(template, options);
  const found = alarms.find((alarm) => alarm.logicalId === logicalIdOrAlarmName)
    ?? alarms.find((alarm) => alarm.alarmName === logicalIdOrAlarmName);
  if (!found) {
    throw new AlarmDefinitionError(`No AWS::CloudWatch::Alarm with logical id or name "${logicalIdOrAlarmName}"; `
      + `the template has: ${alarms.map((alarm) => `${alarm.logicalId} (${alarm.alarmName})`).join(', ') || 'none'}`);
  }

  return found;
}

/** The M-out-of-N settings that decide a state. */
export interface EvaluationRule {
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
}

/** The outcome of one evaluation: the state to move to (`undefined`: keep the current one) and the counts. */
export interface Decision {
  readonly state: AlarmState | undefined;
  /** Breaching datapoints among those evaluated (real and filled). */
  readonly breaching: number;
  /** Real datapoints found in the evaluation range. */
  readonly present: number;
}

/**
 * CloudWatch's documented rule for a state from the datapoints of the evaluation range (oldest first; `true`
 * breaching, `false` not breaching, `undefined` missing). The range may hold more periods than EvaluationPeriods.
 * - At least N real datapoints: the most recent N real ones decide, and TreatMissingData plays no part.
 * - Fewer: the missing ones (N minus the real count) are filled per TreatMissingData, and every real one counts:
 *   `breaching` fills breaching, `notBreaching` fills not breaching; `missing` judges the real ones alone (ALARM when
 *   at least min(M, real) breach) and gives INSUFFICIENT_DATA when all are missing; `ignore` keeps the current state
 *   unless the real ones decide the outcome whatever the missing ones were (and keeps it when all are missing).
 */
/**
 * How CloudWatch really treats an alarm's missing data. Its documentation says that alarms evaluating metrics in the
 * AWS/DynamoDB namespace always ignore missing data, whatever TreatMissingData says: the alarm keeps its state.
 */
export function effectiveTreatMissingData(definition: AlarmDefinition): TreatMissingData {
  const namespaces = [definition.metric, ...(definition.metrics ?? []).map((query) => query.metricStat)]
    .filter((stat): stat is AlarmMetricStat => stat !== undefined)
    .map((stat) => stat.metric.namespace);

  return namespaces.includes('AWS/DynamoDB') ? 'ignore' : definition.treatMissingData;
}

export function decideState(range: readonly (boolean | undefined)[], rule: EvaluationRule): Decision {
  const n = rule.evaluationPeriods;
  const m = rule.datapointsToAlarm;
  const real = range.filter((value): value is boolean => value !== undefined);
  if (real.length >= n) {
    const breaching = real.slice(-n).filter(Boolean).length;

    return { state: breaching >= m ? 'ALARM' : 'OK', breaching, present: real.length };
  }
  const fill = n - real.length;
  const breaching = real.filter(Boolean).length;
  switch (rule.treatMissingData) {
    case 'breaching':
      return { state: breaching + fill >= m ? 'ALARM' : 'OK', breaching: breaching + fill, present: real.length };
    case 'notBreaching':
      return { state: breaching >= m ? 'ALARM' : 'OK', breaching, present: real.length };
    case 'missing':
      if (real.length === 0) {
        return { state: 'INSUFFICIENT_DATA', breaching: 0, present: 0 };
      }

      return { state: breaching >= Math.min(m, real.length) ? 'ALARM' : 'OK', breaching, present: real.length };
    case 'ignore': {
      const atBest = breaching >= m;
      const atWorst = breaching + fill >= m;
      if (real.length === 0 || atBest !== atWorst) {
        return { state: undefined, breaching, present: real.length };
      }

      return { state: atBest ? 'ALARM' : 'OK', breaching, present: real.length };
    }
    default:
      throw new AlarmDefinitionError(`TreatMissingData got ${JSON.stringify(rule.treatMissingData)}; `
        + `allowed: ${TREAT_MISSING_DATA.join(', ')}`);
  }
}

/** Whether a value breaches a threshold under a comparison operator. */
export function breaches(value: number, operator: ComparisonOperator, threshold: number): boolean {
  switch (operator) {
    case 'GreaterThanThreshold': return value > threshold;
    case 'GreaterThanOrEqualToThreshold': return value >= threshold;
    case 'LessThanThreshold': return value < threshold;
    case 'LessThanOrEqualToThreshold': return value <= threshold;
    default: throw new AlarmDefinitionError(`ComparisonOperator got ${JSON.stringify(operator)}`);
  }
}

/** The message CloudWatch publishes to SNS on an alarm state change (the fields the rerouter reads, and a few more). */
export interface AlarmNotification {
  readonly AlarmName: string;
  readonly AlarmDescription: string | null;
  readonly AWSAccountId: string;
  readonly AlarmArn: string;
  readonly NewStateValue: AlarmState;
  readonly OldStateValue: AlarmState;
  readonly NewStateReason: string;
  /** ISO time with a `+0000` offset, e.g. `2026-11-20T10:15:00.000+0000`. */
  readonly StateChangeTime: string;
  readonly Region: string;
  readonly Trigger: Record<string, unknown>;
}

/** A state change as recorded by the evaluator. */
export interface AlarmTransition {
  /** Lab time of the change, epoch ms. */
  readonly at: number;
  readonly from: AlarmState;
  readonly to: AlarmState;
  readonly reason: string;
}

/** Called on every state change with the SNS message and the actions configured for the new state. */
export type AlarmListener = (message: AlarmNotification, actions: readonly unknown[]) => void | Promise<void>;

/** Options of a local alarm. */
export interface AlarmEvaluatorOptions {
  /** Where the datapoints come from. */
  readonly store: MetricStore;
  /**
   * Every period is divided by this: a 10 s period at timeScale 10 is evaluated over 1 s windows.
   * @default 1
   */
  readonly timeScale?: number;
  /**
   * The lab clock, epoch ms.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Region of the alarm ARN.
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * Account of the alarm ARN.
   * @default '111111111111'
   */
  readonly accountId?: string;
  /**
   * Periods CloudWatch looks back to find datapoints (the evaluation range); it retrieves more than
   * EvaluationPeriods, and the AWS documentation's examples show 5 for 3.
   * @default EvaluationPeriods + 2
   */
  readonly evaluationRangePeriods?: number;
  /**
   * How often `start()` evaluates, in (scaled) milliseconds.
   * @default - once per scaled period
   */
  readonly evaluationIntervalMs?: number;
}

const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-central-1': 'EU (Frankfurt)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
};

const OPERATOR_WORDS: Record<ComparisonOperator, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** CloudWatch's StateChangeTime form: `2026-11-20T10:15:00.000+0000`. */
export function stateChangeTime(at: number): string {
  return new Date(at).toISOString().replace('Z', '+0000');
}

/** One local CloudWatch alarm over a MetricStore. It starts in INSUFFICIENT_DATA. */
export class AlarmEvaluator {
  /** Every state change, oldest first. */
  readonly transitions: AlarmTransition[] = [];
  /** Errors thrown by listeners (they never stop the evaluation). */
  readonly listenerErrors: unknown[] = [];
  /** The alarm ARN (`arn:aws:cloudwatch:<region>:<account>:alarm:<name>`). */
  readonly alarmArn: string;
  /** One period, scaled, in milliseconds. */
  readonly periodMs: number;
  private currentState: AlarmState = 'INSUFFICIENT_DATA';
  private readonly listeners: AlarmListener[] = [];
  private readonly now: () => number;
  private readonly region: string;
  private readonly accountId: string;
  private readonly rangePeriods: number;
  private readonly intervalMs: number;
  private readonly parsed = new Map<string, MathNode>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(readonly definition: AlarmDefinition, private readonly options: AlarmEvaluatorOptions) {
    const timeScale = options.timeScale ?? 1;
    if (!(timeScale > 0)) {
      throw new AlarmDefinitionError(`timeScale got ${timeScale}; allowed: a positive number`);
    }
    if ((definition.metric === undefined) === (definition.metrics === undefined)) {
      throw new AlarmDefinitionError(`Alarm ${definition.alarmName}: set exactly one of metric and metrics`);
    }
    this.periodMs = this.periodSeconds() * 1000 / timeScale;
    this.now = options.now ?? Date.now;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '111111111111';
    this.rangePeriods = options.evaluationRangePeriods ?? definition.evaluationPeriods + 2;
    if (this.rangePeriods < definition.evaluationPeriods) {
      throw new AlarmDefinitionError(`evaluationRangePeriods got ${this.rangePeriods}; allowed: at least `
        + `EvaluationPeriods (${definition.evaluationPeriods})`);
    }
    this.intervalMs = options.evaluationIntervalMs ?? this.periodMs;
    this.alarmArn = `arn:aws:cloudwatch:${this.region}:${this.accountId}:alarm:${definition.alarmName}`;
    for (const query of definition.metrics ?? []) {
      if (query.expression !== undefined) {
        this.parsed.set(query.id, parseExpression(query.expression));
      }
    }
    this.checkReferences();
  }

  /** The current state. */
  get state(): AlarmState {
    return this.currentState;
  }

  /** Registers a listener for state changes. */
  onStateChange(listener: AlarmListener): void {
    this.listeners.push(listener);
  }

  /**
   * The alarmed value for each period of the evaluation range ending at the last complete period before `now`,
   * oldest first (`undefined` where missing).
   */
  series(now: number = this.now()): Array<{ start: number; value: MathValue }> {
    const end = alignDown(now, this.periodMs);
    const result: Array<{ start: number; value: MathValue }> = [];
    for (let k = this.rangePeriods; k >= 1; k -= 1) {
      const start = end - k * this.periodMs;
      result.push({ start, value: this.valueAt(start) });
    }

    return result;
  }

  /**
   * Evaluates once at `now` (the lab clock by default); on a state change records it and awaits every listener.
   * @returns the transition, or undefined when the state did not change
   */
  async evaluate(now: number = this.now()): Promise<AlarmTransition | undefined> {
    const definition = this.definition;
    const values = this.series(now).map((point) => point.value);
    const decision = decideState(
      values.map((value) => value === undefined ? undefined : breaches(value, definition.comparisonOperator,
        definition.threshold)),
      { ...definition, treatMissingData: effectiveTreatMissingData(definition) },
    );
    if (decision.state === undefined || decision.state === this.currentState) {
      return undefined;
    }
    const transition: AlarmTransition = {
      at: now, from: this.currentState, to: decision.state, reason: this.reason(decision, values),
    };
    this.currentState = decision.state;
    this.transitions.push(transition);
    const message = this.notification(transition);
    const actions = this.actionsFor(decision.state);
    await Promise.all(this.listeners.map(async (listener) => {
      try {
        await listener(message, actions);
      } catch (error) {
        this.listenerErrors.push(error);
      }
    }));

    return transition;
  }

  /** Evaluates on a timer (every scaled period by default) until `stop()`. */
  start(): void {
    if (this.timer) {
      return;
    }
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.evaluate()).catch((error) => this.listenerErrors.push(error));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for an evaluation in progress. */
  async stop(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    await this.running;
  }

  /** The actions configured for a state, as given in the template. */
  actionsFor(state: AlarmState): readonly unknown[] {
    switch (state) {
      case 'ALARM': return this.definition.alarmActions;
      case 'OK': return this.definition.okActions;
      default: return this.definition.insufficientDataActions;
    }
  }

  private periodSeconds(): number {
    const definition = this.definition;
    if (definition.metric) {
      return definition.metric.periodSeconds;
    }
    const stats = (definition.metrics ?? []).filter((query) => query.metricStat);
    const periods = [...new Set(stats.map((query) => query.metricStat!.periodSeconds))];
    if (periods.length !== 1) {
      throw new AlarmDefinitionError(`Alarm ${definition.alarmName}: its metrics have the periods `
        + `[${periods.join(', ')}]; allowed: one period shared by every MetricStat`);
    }

    return periods[0];
  }

  private checkReferences(): void {
    const ids = new Set((this.definition.metrics ?? []).map((query) => query.id));
    for (const [id, node] of this.parsed) {
      for (const used of referencedIds(node)) {
        if (!ids.has(used)) {
          throw new AlarmDefinitionError(`Alarm ${this.definition.alarmName}: expression ${id} uses "${used}", `
            + `which is not one of the Metrics ids (${[...ids].join(', ')})`);
        }
      }
    }
  }

  private valueAt(start: number): MathValue {
    const definition = this.definition;
    const store = this.options.store;
    const end = start + this.periodMs;
    if (definition.metric) {
      return store.statistic(definition.metric.metric, definition.metric.stat, start, end);
    }
    const queries = new Map((definition.metrics ?? []).map((query) => [query.id, query]));
    const memo = new Map<string, MathValue>();
    const visiting = new Set<string>();
    const lookup = (id: string): MathValue => {
      if (memo.has(id)) {
        return memo.get(id);
      }
      const query = queries.get(id);
      if (!query) {
        throw new MetricMathError(`Alarm ${definition.alarmName}: unknown id "${id}"`);
      }
      if (visiting.has(id)) {
        throw new MetricMathError(`Alarm ${definition.alarmName}: expression ${id} refers to itself`);
      }
      visiting.add(id);
      const value = query.metricStat
        ? store.statistic(query.metricStat.metric, query.metricStat.stat, start, end)
        : evaluateNode(this.parsed.get(id)!, lookup);
      visiting.delete(id);
      memo.set(id, value);

      return value;
    };
    const returned = (definition.metrics ?? []).find((query) => query.returnData)!;

    return lookup(returned.id);
  }

  private reason(decision: ReturnType<typeof decideState>, values: MathValue[]): string {
    const definition = this.definition;
    if (decision.state === 'INSUFFICIENT_DATA') {
      return `Insufficient Data: ${values.length} datapoints were unknown.`;
    }
    const recent = values.filter((value): value is number => value !== undefined)
      .slice(-definition.evaluationPeriods);
    const shown = recent.map((value) => value.toFixed(1)).join(', ');
    const words = OPERATOR_WORDS[definition.comparisonOperator];
    if (decision.state === 'ALARM') {
      return `Threshold Crossed: ${decision.breaching} out of the last ${definition.evaluationPeriods} datapoints `
        + `[${shown}] were ${words} the threshold (${definition.threshold.toFixed(1)}) `
        + `(minimum ${definition.datapointsToAlarm} datapoints for OK -> ALARM transition).`;
    }

    return `Threshold Crossed: ${decision.breaching} out of the last ${definition.evaluationPeriods} datapoints `
      + `[${shown}] were ${words} the threshold (${definition.threshold.toFixed(1)}) `
      + `(minimum ${definition.datapointsToAlarm} datapoints for ALARM -> OK transition was not met).`;
  }

  private notification(transition: AlarmTransition): AlarmNotification {
    const definition = this.definition;
    const trigger: Record<string, unknown> = {
      Period: definition.metric?.periodSeconds ?? this.periodSeconds(),
      EvaluationPeriods: definition.evaluationPeriods,
      DatapointsToAlarm: definition.datapointsToAlarm,
      ComparisonOperator: definition.comparisonOperator,
      Threshold: definition.threshold,
      TreatMissingData: definition.treatMissingData,
    };
    if (definition.metric) {
      Object.assign(trigger, {
        MetricName: definition.metric.metric.metricName,
        Namespace: definition.metric.metric.namespace,
        StatisticType: 'Statistic',
        Statistic: definition.metric.stat.toUpperCase(),
        Dimensions: Object.entries(definition.metric.metric.dimensions).map(([name, value]) => ({ name, value })),
      });
    } else {
      trigger.Metrics = (definition.metrics ?? []).map((query) => ({
        Id: query.id,
        ReturnData: query.returnData,
        ...(query.expression !== undefined ? { Expression: query.expression } : {}),
        ...(query.metricStat ? {
          MetricStat: {
            Metric: {
              Namespace: query.metricStat.metric.namespace,
              MetricName: query.metricStat.metric.metricName,
              Dimensions: Object.entries(query.metricStat.metric.dimensions).map(([name, value]) => ({ name, value })),
            },
            Period: query.metricStat.periodSeconds,
            Stat: query.metricStat.stat,
          },
        } : {}),
      }));
    }

    return {
      AlarmName: definition.alarmName,
      AlarmDescription: null,
      AWSAccountId: this.accountId,
      AlarmArn: this.alarmArn,
      NewStateValue: transition.to,
      OldStateValue: transition.from,
      NewStateReason: transition.reason,
      StateChangeTime: stateChangeTime(transition.at),
      Region: REGION_NAMES[this.region] ?? this.region,
      Trigger: trigger,
    };
  }
}
