/**
 * The rerouter: the routing parameter's single writer. A thin shell of I/O around the pure state machine in
 * ../shared/routing-state.ts: it reads the parameter, applies what the event says, and writes the canonical value
 * only when it changed (PutParameter has no conditional write; the function runs with reserved concurrency 1).
 *
 * Events: SNS records carrying CloudWatch alarm state changes; the scheduled reconcile (EventBridge); and
 * operator invocations `{ "action": "pin", "mode": "primary" | "replica" }`, `{ "action": "unpin" }`,
 * `{ "action": "status" }`.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient, DescribeAlarmsCommand, MetricAlarm, CompositeAlarm } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { alarmNameOf, alarmRegion, RerouterConfig } from './config';
import { REAL_RETRY_TOOLS, RetryTools, withRetry } from './retry';
import { DIMENSIONS, METRICS } from '../../src/private/handler-contract';
import { parseAlarmRecord, SnsRecordLike } from '../shared/alarm-notification';
import { DependencyError, InvalidInputError, describe } from '../shared/errors';
import {
  AlarmNotification, applyNotification, effectiveMode, encodeRoutingValue, forgetUnconfigured, parseRoutingValue,
  pin, reconcile,
  RoutingMode, RoutingState, RoutingValueForm, unpin,
} from '../shared/routing-state';

/** What the rerouter talks to; tests replace any of it. */
export interface RerouterDependencies {
  /** SSM in the parameter's region. */
  readonly ssm: SSMClient;
  /** CloudWatch in a given region (the alarms' regions, from their ARNs). */
  readonly cloudWatch: (region: string) => CloudWatchClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly retryTools?: RetryTools;
}

/** What one invocation did. */
export interface RerouterResult {
  readonly parameter: string;
  /** The effective mode afterwards. */
  readonly mode: RoutingMode;
  /** The effective mode before. */
  readonly previousMode: RoutingMode;
  /** Whether the parameter was written. */
  readonly written: boolean;
  /** The state afterwards. */
  readonly state: RoutingState;
  /** The form the stored value had before (`unreadable` when it could not be parsed). */
  readonly previousForm: RoutingValueForm;
  /** SNS events only: notifications applied, ignored (older, duplicate or not configured) and malformed. */
  readonly applied?: number;
  readonly ignored?: number;
  readonly malformed?: number;
  /** Reconcile only: the regions whose alarms could not be described (their held states were kept). */
  readonly unansweredRegions?: readonly string[];
}

/** An operator's direct invocation. */
export type OperatorCommand = { readonly action: 'pin'; readonly mode: RoutingMode }
| { readonly action: 'unpin' }
| { readonly action: 'status' };

type RerouterEvent =
  | { readonly kind: 'sns'; readonly records: readonly SnsRecordLike[] }
  | { readonly kind: 'reconcile' }
  | { readonly kind: 'operator'; readonly command: OperatorCommand };

const OPERATOR_ACTIONS = ['pin', 'unpin', 'status'];

/** Recognizes the event; throws InvalidInputError naming the field when it is none of the three kinds. */
export function classifyEvent(event: unknown): RerouterEvent {
  if (typeof event !== 'object' || event === null) {
    throw new InvalidInputError('event', `event must be an object, got ${JSON.stringify(event)}`);
  }
  const fields = event as Record<string, unknown>;
  if (Array.isArray(fields.Records)) {
    return { kind: 'sns', records: fields.Records as SnsRecordLike[] };
  }
  if (fields.source === 'aws.events' && fields['detail-type'] === 'Scheduled Event') {
    return { kind: 'reconcile' };
  }
  if ('action' in fields) {
    if (!OPERATOR_ACTIONS.includes(fields.action as string)) {
      throw new InvalidInputError('action',
        `action must be one of ${OPERATOR_ACTIONS.join(', ')}, got ${JSON.stringify(fields.action)}`);
    }
    if (fields.action === 'pin') {
      if (fields.mode !== 'primary' && fields.mode !== 'replica') {
        throw new InvalidInputError('mode', `mode must be primary or replica, got ${JSON.stringify(fields.mode)}`);
      }

      return { kind: 'operator', command: { action: 'pin', mode: fields.mode } };
    }

    return { kind: 'operator', command: { action: fields.action as 'unpin' | 'status' } };
  }

  throw new InvalidInputError('event',
    'event must be SNS records, an EventBridge scheduled event or an operator action (pin, unpin, status)');
}

/** Batches of alarm names per DescribeAlarms call (the API's limit). */
const DESCRIBE_ALARMS_MAX_NAMES = 100;

/** Attempts of one DescribeAlarms call within the SDK (the reconcile runs again on its schedule). */
export const DESCRIBE_ALARMS_MAX_ATTEMPTS = 3;

/**
 * Time allowed on top of the SDK's attempts (its backoff between them) before a region's DescribeAlarms is given up,
 * so one silent region costs at most `sdkTimeoutMs * DESCRIBE_ALARMS_MAX_ATTEMPTS + DESCRIBE_ALARMS_MARGIN_MS`.
 */
export const DESCRIBE_ALARMS_MARGIN_MS = 500;

/** The routing parameter's single writer. */
export class Rerouter {
  private readonly retryTools: RetryTools;

  constructor(private readonly config: RerouterConfig, private readonly deps: RerouterDependencies) {
    this.retryTools = deps.retryTools ?? REAL_RETRY_TOOLS;
  }

  /** Handles one invocation. Throws when the parameter cannot be read or written within the budget. */
  public async handle(event: unknown): Promise<RerouterResult> {
    const classified = classifyEvent(event);
    switch (classified.kind) {
      case 'sns':
        return this.onNotifications(classified.records);
      case 'reconcile':
        return this.onReconcile();
      case 'operator':
        return this.onOperator(classified.command);
    }
  }

  private async onNotifications(records: readonly SnsRecordLike[]): Promise<RerouterResult> {
    const notifications: AlarmNotification[] = [];
    records.forEach((record, index) => {
      const parsed = parseAlarmRecord(record);
      if (parsed.ok) {
        notifications.push(parsed.notification);
      } else {
        this.deps.logger.error('malformed alarm record skipped', {
          record: index,
          messageId: record?.Sns?.MessageId,
          problem: parsed.reason,
        });
      }
    });
    const malformed = records.length - notifications.length;
    let applied = 0;
    const result = await this.transition((initial) => notifications.reduce((state, notification) => {
      const outcome = applyNotification(state, notification, this.config);
      this.deps.logger.info('alarm notification', {
        alarm: notification.alarmName ?? notification.alarmArn,
        alarmState: notification.state,
        at: notification.at,
        outcome: outcome.outcome,
      });
      applied += outcome.outcome === 'applied' ? 1 : 0;

      return outcome.state;
    }, initial), false);

    return { ...result, applied, ignored: notifications.length - applied, malformed };
  }

  private async onReconcile(): Promise<RerouterResult> {
    const { observed, unansweredRegions } = await this.describeAlarms();
    const result = await this.transition((state) => reconcile(state, observed, this.config), true);

    return { ...result, unansweredRegions };
  }

  private async onOperator(command: OperatorCommand): Promise<RerouterResult> {
    switch (command.action) {
      case 'pin':
        return this.transition((state) => pin(state, command.mode), true);
      case 'unpin':
        return this.onUnpin();
      case 'status': {
        const parsed = parseRoutingValue(await this.readParameter());
        const mode = effectiveMode(parsed.state, this.config);

        return {
          parameter: this.config.parameterName,
          mode,
          previousMode: mode,
          written: false,
          state: parsed.state,
          previousForm: parsed.form,
        };
      }
    }
  }

  /**
   * Unpins. A pin written by hand as the plain value `primary` holds no alarm states, so unpinning it alone would route
   * to the replica even while an alarm fires: the alarms are read first (DescribeAlarms), and unpinning goes on with
   * what it has when they cannot be read. A pin the rerouter wrote keeps its alarm states and is only flipped.
   */
  private async onUnpin(): Promise<RerouterResult> {
    if (parseRoutingValue(await this.readParameter()).form !== 'plain') {
      return this.transition(unpin, true);
    }
    let observed: AlarmNotification[] = [];
    try {
      observed = (await this.describeAlarms()).observed;
    } catch (error) {
      this.deps.logger.error('could not read the alarms while unpinning a hand-written pin; unpinning with none known', {
        parameter: this.config.parameterName,
        error: describe(error),
      });
    }

    return this.transition((state) => reconcile(unpin(state), observed, this.config), true);
  }

  /**
   * Reads the parameter, computes the next state and writes it when its encoding differs from the stored state's
   * (or, with `repairUnreadable`, when the stored value was unreadable).
   */
  private async transition(next: (state: RoutingState) => RoutingState, repairUnreadable: boolean):
  Promise<RerouterResult> {
    const parsed = parseRoutingValue(await this.readParameter());
    if (parsed.unreadable) {
      this.deps.logger.error('routing parameter value is unreadable; it reads as automatic (replica)', {
        parameter: this.config.parameterName,
        problem: parsed.problem,
      });
    }
    const state = forgetUnconfigured(next(parsed.state), this.config);
    const previousMode = effectiveMode(parsed.state, this.config);
    const mode = effectiveMode(state, this.config);
    const encoded = encodeRoutingValue(state);
    const write = encoded !== encodeRoutingValue(parsed.state) || (repairUnreadable && parsed.unreadable);
    if (write) {
      await this.writeParameter(encoded);
    }
    if (write && mode !== previousMode) {
      this.deps.logger.info('routing changed', {
        parameter: this.config.parameterName, mode, previousMode, reason: state.reason,
      });
      this.deps.metrics.addDimensions({ [DIMENSIONS.parameter]: this.config.parameterName, [DIMENSIONS.mode]: mode });
      this.deps.metrics.addMetric(METRICS.routingChanges, MetricUnit.Count, 1);
      this.deps.metrics.publishStoredMetrics();
    }

    return {
      parameter: this.config.parameterName, mode, previousMode, written: write, state, previousForm: parsed.form,
    };
  }

  private budget() {
    return { maxAttempts: this.config.writeMaxAttempts, baseDelayMs: this.config.writeBaseDelayMs };
  }

  private onRetry(operation: string) {
    return (attempt: number, delayMs: number, error: unknown) => this.deps.logger.warn('parameter call retried', {
      operation, attempt, delayMs, error: describe(error),
    });
  }

  private async readParameter(): Promise<string | undefined> {
    try {
      return await withRetry(async () => {
        try {
          const answer = await this.deps.ssm.send(new GetParameterCommand({ Name: this.config.parameterName }));

          return answer.Parameter?.Value;
        } catch (error) {
          if ((error as { name?: string }).name === 'ParameterNotFound') {
            return undefined;
          }
          throw error;
        }
      }, this.budget(), this.retryTools, this.onRetry('GetParameter'));
    } catch (error) {
      throw this.failed('GetParameter', error);
    }
  }

  private async writeParameter(value: string): Promise<void> {
    try {
      await withRetry(() => this.deps.ssm.send(new PutParameterCommand({
        Name: this.config.parameterName,
        Value: value,
        Type: 'String',
        Overwrite: true,
      })), this.budget(), this.retryTools, this.onRetry('PutParameter'));
    } catch (error) {
      throw this.failed('PutParameter', error);
    }
  }

  private failed(operation: string, cause: unknown): DependencyError {
    const error = new DependencyError('SSM', operation, this.config.region, cause);
    this.deps.logger.error('routing parameter call failed', {
      parameter: this.config.parameterName, error: error.message,
    });

    return error;
  }

  /**
   * The configured alarms' current states, asked of CloudWatch in each alarm's region, all regions at once. A region
   * that fails or gives no answer within its deadline is logged and left out: its alarms keep their held states, and
   * the alarms of the regions that answered are still reconciled (a region's outage must not stop the repair of the
   * others). Throws only when no region answered.
   */
  private async describeAlarms(): Promise<{ observed: AlarmNotification[]; unansweredRegions: string[] }> {
    const byRegion = new Map<string, string[]>();
    for (const arn of this.config.alarmArns) {
      const region = alarmRegion(arn)!;
      byRegion.set(region, [...(byRegion.get(region) ?? []), arn]);
    }
    const regions = [...byRegion.keys()];
    const outcomes = await Promise.allSettled(
      regions.map((region) => this.describeRegion(region, byRegion.get(region)!)));
    const observed: AlarmNotification[] = [];
    const answered: string[] = [];
    const failures: DependencyError[] = [];
    outcomes.forEach((outcome, index) => {
      const region = regions[index];
      if (outcome.status === 'fulfilled') {
        observed.push(...outcome.value);
        answered.push(...byRegion.get(region)!);
      } else {
        const failure = new DependencyError('CloudWatch', 'DescribeAlarms', region, outcome.reason);
        failures.push(failure);
        this.deps.logger.error('reconcile could not describe the alarms of a region; their held states are kept', {
          region, alarms: byRegion.get(region), cause: describe(outcome.reason), error: failure.message,
        });
      }
    });
    if (failures.length === regions.length && failures.length > 0) {
      throw failures.length === 1 ? failures[0]
        : new DependencyError('CloudWatch', 'DescribeAlarms', regions.join(', '), failures[0].cause);
    }
    const seen = new Set(observed.map((entry) => entry.alarmArn));
    const missing = answered.filter((arn) => !seen.has(arn));
    if (missing.length > 0) {
      this.deps.logger.warn('configured alarms not found; their held states are kept', { alarms: missing });
    }

    return { observed, unansweredRegions: failures.map((failure) => failure.region!) };
  }

  /** The states of `arns`, all in `region`; each call is given up after the describe deadline. */
  private async describeRegion(region: string, arns: readonly string[]): Promise<AlarmNotification[]> {
    const names = arns.map(alarmNameOf);
    const deadlineMs = this.config.sdkTimeoutMs * DESCRIBE_ALARMS_MAX_ATTEMPTS + DESCRIBE_ALARMS_MARGIN_MS;
    const observed: AlarmNotification[] = [];
    for (let start = 0; start < names.length; start += DESCRIBE_ALARMS_MAX_NAMES) {
      const command = new DescribeAlarmsCommand({
        AlarmNames: names.slice(start, start + DESCRIBE_ALARMS_MAX_NAMES),
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      });
      const answer = await withDeadline(deadlineMs,
        (abortSignal) => this.deps.cloudWatch(region).send(command, { abortSignal }));
      const alarms: Array<MetricAlarm | CompositeAlarm> = [
        ...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? []),
      ];
      observed.push(...alarms.flatMap((alarm) => observation(alarm, arns)));
    }

    return observed;
  }
}

/**
 * Runs `call` and gives it up after `deadlineMs`: the signal aborts the request, and the returned promise rejects
 * with a TimeoutError even if the call ignores the signal.
 */
async function withDeadline<T>(deadlineMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = Object.assign(new Error(`no answer within ${deadlineMs} ms`), { name: 'TimeoutError' });
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function observation(alarm: MetricAlarm | CompositeAlarm, arns: readonly string[]): AlarmNotification[] {
  const at = (alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp)?.getTime();
  const state = alarm.StateValue;
  if (alarm.AlarmArn === undefined || !arns.includes(alarm.AlarmArn) || at === undefined
    || (state !== 'ALARM' && state !== 'OK' && state !== 'INSUFFICIENT_DATA')) {
    return [];
  }

  return [{ alarmArn: alarm.AlarmArn, alarmName: alarm.AlarmName, state, at }];
}
