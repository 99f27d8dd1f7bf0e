/**
 * The routing state machine (DESIGN.md, Routing: The value). Pure functions, no I/O: the rerouter reads the
 * parameter, applies notifications, pins or reconciles here, and writes what `encodeRoutingValue` returns; the
 * reader only asks `effectiveModeOf` for the mode of a raw value.
 *
 * Rules:
 * - absent or plain `replica`: automatic, no alarm known to be firing; plain `primary`: pinned to the primary;
 *   the rerouter's JSON (`{"v":1,...}`): its state; anything else: automatic and flagged unreadable.
 * - Effective mode: a pin wins; else `primary` while any held alarm is in `ALARM`; else `replica`.
 * - Each alarm's state and time are held separately. A notification older than what is held for that alarm is
 *   ignored; at the same time, the more severe state wins (ALARM over INSUFFICIENT_DATA over OK), so the result
 *   does not depend on delivery order. Alarms that are not configured are ignored.
 * - INSUFFICIENT_DATA follows a policy: `keep` (the alarm's last known state), `alarm` or `ok`.
 * - Unpinning flips the pin alone and keeps the alarm states.
 */
import { INSUFFICIENT_DATA_POLICIES } from '../../src/private/handler-contract';

/** Where readers read. */
export type RoutingMode = 'replica' | 'primary';

/** A CloudWatch alarm state. */
export type AlarmStateValue = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

/** The alarm states CloudWatch reports. */
export const ALARM_STATE_VALUES: readonly AlarmStateValue[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

/** How an alarm's INSUFFICIENT_DATA counts for routing. */
export type InsufficientDataPolicy = (typeof INSUFFICIENT_DATA_POLICIES)[number];

/** The version of the JSON value this module writes. */
export const ROUTING_VALUE_VERSION = 1;

/** What is held for one alarm: the state that counts for routing and the time of the change, in epoch ms. */
export interface HeldAlarmState {
  /** The state that counts for routing (after the INSUFFICIENT_DATA policy). */
  readonly state: AlarmStateValue;
  /** When the alarm changed to the state it reported, epoch ms. */
  readonly at: number;
  /** The state the alarm reported, present only when the policy made it count as another one. */
  readonly reported?: AlarmStateValue;
}

/** The routing state held in the parameter. */
export interface RoutingState {
  /** Whether an operator pinned the mode. */
  readonly pinned: boolean;
  /** The pinned mode; present exactly when `pinned`. */
  readonly pinMode?: RoutingMode;
  /** Held states by alarm ARN. */
  readonly alarms: Readonly<Record<string, HeldAlarmState>>;
  /** Why the state last changed (for people reading the parameter). */
  readonly reason?: string;
}

/** One alarm state change (from an SNS record, or observed with DescribeAlarms). */
export interface AlarmNotification {
  readonly alarmArn: string;
  readonly alarmName?: string;
  readonly state: AlarmStateValue;
  /** When the alarm changed state, epoch ms. */
  readonly at: number;
}

/** What the rerouter was configured with. */
export interface RoutingConfig {
  /** The ARNs of the alarms that route; notifications of any other alarm are ignored. */
  readonly alarmArns: readonly string[];
  /** How INSUFFICIENT_DATA counts. @default 'keep' */
  readonly insufficientDataPolicy?: InsufficientDataPolicy;
}

/** The form a raw parameter value had. */
export type RoutingValueForm = 'absent' | 'plain' | 'json' | 'unreadable';

/** A raw parameter value, parsed. */
export interface ParsedRoutingValue {
  readonly state: RoutingState;
  readonly form: RoutingValueForm;
  /** True when the value was neither absent, a plain mode nor a valid JSON state (it then reads as automatic). */
  readonly unreadable: boolean;
  /** Why the value is unreadable, when it is. */
  readonly problem?: string;
}

/** What applying one notification did. */
export type NotificationOutcome = 'applied' | 'unconfigured' | 'older' | 'unchanged';

/** The state after one notification and what happened to it. */
export interface NotificationResult {
  readonly state: RoutingState;
  readonly outcome: NotificationOutcome;
}

/** The state with no pin and no alarm known: automatic, reads the replica. */
export const AUTOMATIC_STATE: RoutingState = Object.freeze({ pinned: false, alarms: Object.freeze({}) });

const PINNED_PRIMARY_STATE: RoutingState = Object.freeze({
  pinned: true,
  pinMode: 'primary' as const,
  alarms: Object.freeze({}),
  reason: 'pinned to primary by hand',
});

const SEVERITY: Record<AlarmStateValue, number> = { OK: 0, INSUFFICIENT_DATA: 1, ALARM: 2 };

function isRoutingMode(value: unknown): value is RoutingMode {
  return value === 'replica' || value === 'primary';
}

/** Whether `value` is a CloudWatch alarm state. */
export function isAlarmStateValue(value: unknown): value is AlarmStateValue {
  return typeof value === 'string' && (ALARM_STATE_VALUES as readonly string[]).includes(value);
}

function unreadable(problem: string): ParsedRoutingValue {
  return { state: AUTOMATIC_STATE, form: 'unreadable', unreadable: true, problem };
}

function parseHeldAlarm(arn: string, value: unknown): HeldAlarmState | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `alarms[${JSON.stringify(arn)}] is not an object`;
  }
  const entry = value as Record<string, unknown>;
  if (!isAlarmStateValue(entry.state)) {
    return `alarms[${JSON.stringify(arn)}].state is ${JSON.stringify(entry.state)}; allowed: ${ALARM_STATE_VALUES.join(', ')}`;
  }
  if (typeof entry.at !== 'number' || !Number.isFinite(entry.at)) {
    return `alarms[${JSON.stringify(arn)}].at is ${JSON.stringify(entry.at)}; allowed: epoch milliseconds`;
  }
  if (entry.reported !== undefined && !isAlarmStateValue(entry.reported)) {
    return `alarms[${JSON.stringify(arn)}].reported is ${JSON.stringify(entry.reported)}; allowed: ${ALARM_STATE_VALUES.join(', ')}`;
  }

  return entry.reported === undefined || entry.reported === entry.state
    ? { state: entry.state, at: entry.at }
    : { state: entry.state, at: entry.at, reported: entry.reported };
}

function parseJsonState(raw: string): ParsedRoutingValue {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return unreadable('not a plain mode and not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return unreadable('JSON but not an object');
  }
  const object = value as Record<string, unknown>;
  if (object.v !== ROUTING_VALUE_VERSION) {
    return unreadable(`v is ${JSON.stringify(object.v)}; allowed: ${ROUTING_VALUE_VERSION}`);
  }
  const pinned = object.pinned ?? false;
  if (typeof pinned !== 'boolean') {
    return unreadable(`pinned is ${JSON.stringify(object.pinned)}; allowed: true, false`);
  }
  if (pinned && !isRoutingMode(object.pinMode)) {
    return unreadable(`pinMode is ${JSON.stringify(object.pinMode)} while pinned; allowed: replica, primary`);
  }
  const rawAlarms = object.alarms ?? {};
  if (typeof rawAlarms !== 'object' || rawAlarms === null || Array.isArray(rawAlarms)) {
    return unreadable('alarms is not an object');
  }
  const alarms: Record<string, HeldAlarmState> = {};
  for (const [arn, entry] of Object.entries(rawAlarms as Record<string, unknown>)) {
    const held = parseHeldAlarm(arn, entry);
    if (typeof held === 'string') {
      return unreadable(held);
    }
    alarms[arn] = held;
  }
  const reason = typeof object.reason === 'string' ? object.reason : undefined;
  const state: RoutingState = {
    pinned,
    ...(pinned ? { pinMode: object.pinMode as RoutingMode } : {}),
    alarms,
    ...(reason === undefined ? {} : { reason }),
  };

  return { state, form: 'json', unreadable: false };
}

/**
 * Parses a raw parameter value (`undefined` when the parameter does not exist). Plain values are trimmed and
 * compared without case, since people write them by hand.
 */
export function parseRoutingValue(raw: string | undefined): ParsedRoutingValue {
  if (raw === undefined) {
    return { state: AUTOMATIC_STATE, form: 'absent', unreadable: false };
  }
  const plain = raw.trim().toLowerCase();
  if (plain === 'replica') {
    return { state: AUTOMATIC_STATE, form: 'plain', unreadable: false };
  }
  if (plain === 'primary') {
    return { state: PINNED_PRIMARY_STATE, form: 'plain', unreadable: false };
  }

  return parseJsonState(raw);
}

/**
 * The mode readers use: a pin wins; else `primary` while any held alarm (any configured alarm, when `config` is
 * given) is in ALARM; else `replica`.
 */
export function effectiveMode(state: RoutingState, config?: RoutingConfig): RoutingMode {
  if (state.pinned && state.pinMode !== undefined) {
    return state.pinMode;
  }
  const firing = Object.entries(state.alarms).some(
    ([arn, held]) => held.state === 'ALARM' && (config === undefined || config.alarmArns.includes(arn)),
  );

  return firing ? 'primary' : 'replica';
}

/** The effective mode of a raw parameter value, and whether the value was unreadable (it then reads `replica`). */
export function effectiveModeOf(raw: string | undefined): { mode: RoutingMode; unreadable: boolean } {
  const parsed = parseRoutingValue(raw);

  return { mode: effectiveMode(parsed.state), unreadable: parsed.unreadable };
}

function sameHeld(a: HeldAlarmState | undefined, b: HeldAlarmState | undefined): boolean {
  return a?.state === b?.state && a?.at === b?.at && a?.reported === b?.reported;
}

function heldFor(notification: AlarmNotification, previous: HeldAlarmState | undefined,
  policy: InsufficientDataPolicy): HeldAlarmState {
  if (notification.state !== 'INSUFFICIENT_DATA') {
    return { state: notification.state, at: notification.at };
  }
  const counted: AlarmStateValue = policy === 'alarm' ? 'ALARM'
    : policy === 'ok' ? 'OK'
      : previous?.state ?? 'INSUFFICIENT_DATA';

  return counted === 'INSUFFICIENT_DATA'
    ? { state: counted, at: notification.at }
    : { state: counted, at: notification.at, reported: 'INSUFFICIENT_DATA' };
}

/** Whether `candidate` (a notification) replaces `held`: newer, or as new and more severe. */
function supersedes(candidate: AlarmNotification, held: HeldAlarmState | undefined): boolean {
  if (held === undefined || candidate.at > held.at) {
    return true;
  }
  if (candidate.at < held.at) {
    return false;
  }

  return SEVERITY[candidate.state] > SEVERITY[held.reported ?? held.state];
}

function nameOf(notification: AlarmNotification): string {
  return notification.alarmName ?? notification.alarmArn;
}

/**
 * Applies one alarm notification. Ignores alarms not in `config.alarmArns` and notifications older than what is
 * held for that alarm; returns the same state object when nothing changed.
 */
export function applyNotification(state: RoutingState, notification: AlarmNotification,
  config: RoutingConfig): NotificationResult {
  if (!config.alarmArns.includes(notification.alarmArn)) {
    return { state, outcome: 'unconfigured' };
  }
  const previous = state.alarms[notification.alarmArn];
  if (!supersedes(notification, previous)) {
    return { state, outcome: previous !== undefined && notification.at < previous.at ? 'older' : 'unchanged' };
  }
  const next = heldFor(notification, previous, config.insufficientDataPolicy ?? 'keep');
  if (sameHeld(previous, next)) {
    return { state, outcome: 'unchanged' };
  }

  return {
    state: {
      ...state,
      alarms: { ...state.alarms, [notification.alarmArn]: next },
      reason: `${nameOf(notification)} is ${notification.state}`,
    },
    outcome: 'applied',
  };
}

/** Pins the mode (an operator's decision that no alarm overrides). Same state object when already so pinned. */
export function pin(state: RoutingState, mode: RoutingMode): RoutingState {
  if (state.pinned && state.pinMode === mode) {
    return state;
  }

  return { ...state, pinned: true, pinMode: mode, reason: `pinned to ${mode} by an operator` };
}

/** Removes the pin and keeps the alarm states. Same state object when not pinned. */
export function unpin(state: RoutingState): RoutingState {
  if (!state.pinned) {
    return state;
  }
  const { pinMode: _dropped, ...rest } = state;

  return { ...rest, pinned: false, reason: 'unpinned by an operator' };
}

/**
 * Forgets held alarms that are not in `config.alarmArns` (the rerouter was reconfigured), so the stored mode and the
 * readers' mode agree. Same state object when every held alarm is configured.
 */
export function forgetUnconfigured(state: RoutingState, config: RoutingConfig): RoutingState {
  const arns = Object.keys(state.alarms);
  const kept = arns.filter((arn) => config.alarmArns.includes(arn));
  if (kept.length === arns.length) {
    return state;
  }

  return {
    ...state,
    alarms: Object.fromEntries(kept.map((arn) => [arn, state.alarms[arn]])),
    reason: 'dropped alarms not configured',
  };
}

/**
 * Repairs drift from the alarms' current states (DescribeAlarms): drops held alarms that are not configured, and
 * takes each observed state unless what is held is newer. Observations of alarms that are not configured are
 * ignored. Same state object when nothing changed.
 */
export function reconcile(state: RoutingState, observedAlarmStates: readonly AlarmNotification[],
  config: RoutingConfig): RoutingState {
  const alarms: Record<string, HeldAlarmState> = {};
  let changed = false;
  for (const [arn, held] of Object.entries(state.alarms)) {
    if (config.alarmArns.includes(arn)) {
      alarms[arn] = held;
    } else {
      changed = true;
    }
  }
  const repaired: string[] = [];
  for (const observed of observedAlarmStates) {
    if (!config.alarmArns.includes(observed.alarmArn)) {
      continue;
    }
    const previous = alarms[observed.alarmArn];
    if (previous !== undefined && observed.at < previous.at) {
      continue;
    }
    const next = heldFor(observed, previous, config.insufficientDataPolicy ?? 'keep');
    if (!sameHeld(previous, next)) {
      alarms[observed.alarmArn] = next;
      repaired.push(`${nameOf(observed)} is ${observed.state}`);
      changed = true;
    }
  }
  if (!changed) {
    return state;
  }

  return {
    ...state,
    alarms,
    reason: repaired.length > 0 ? `reconciled: ${repaired.join(', ')}` : 'reconciled: dropped alarms not configured',
  };
}

/**
 * The canonical JSON of a state: fixed key order, alarms sorted by ARN, the effective mode included for people
 * reading the parameter. Equal states encode to equal strings, so a write is skipped when the encoding is unchanged.
 */
export function encodeRoutingValue(state: RoutingState): string {
  const alarms: Record<string, HeldAlarmState> = {};
  for (const arn of Object.keys(state.alarms).sort()) {
    const held = state.alarms[arn];
    alarms[arn] = held.reported === undefined
      ? { state: held.state, at: held.at }
      : { state: held.state, at: held.at, reported: held.reported };
  }

  return JSON.stringify({
    v: ROUTING_VALUE_VERSION,
    pinned: state.pinned,
    pinMode: state.pinned ? state.pinMode ?? null : null,
    alarms,
    mode: effectiveMode(state),
    reason: state.reason ?? null,
  });
}
