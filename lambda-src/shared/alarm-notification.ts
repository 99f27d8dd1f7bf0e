/**
 * Parsing one SNS record that carries a CloudWatch alarm state change into an `AlarmNotification`, or into the
 * reason it is malformed. Pure: the rerouter logs the reason and skips the record.
 */
import { AlarmNotification, isAlarmStateValue, ALARM_STATE_VALUES } from './routing-state';

export type { AlarmNotification } from './routing-state';

/** The parts of an SNS record this parser reads (a Lambda SNS event record has them). */
export interface SnsRecordLike {
  readonly EventSource?: string;
  readonly Sns?: { readonly Message?: unknown; readonly MessageId?: string };
}

/** A parsed record: the notification, or why it is malformed. */
export type ParsedAlarmRecord =
  | { readonly ok: true; readonly notification: AlarmNotification }
  | { readonly ok: false; readonly reason: string };

function malformed(reason: string): ParsedAlarmRecord {
  return { ok: false, reason };
}

/**
 * Parses CloudWatch's `StateChangeTime` (for example `2026-11-20T10:15:00.000+0000`) into epoch ms, or `undefined`
 * when it is not a time.
 */
export function parseStateChangeTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    return undefined;
  }
  // ISO 8601 with a colon-less offset; add the colon so the parse does not depend on the engine's leniency.
  const normalized = value.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const at = Date.parse(normalized);

  return Number.isFinite(at) ? at : undefined;
}

/** Parses one SNS record carrying a CloudWatch alarm state change. */
export function parseAlarmRecord(record: SnsRecordLike | undefined): ParsedAlarmRecord {
  const message = record?.Sns?.Message;
  if (typeof message !== 'string') {
    return malformed('Sns.Message is missing or not a string');
  }
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return malformed('Sns.Message is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return malformed('Sns.Message is JSON but not an object');
  }
  const fields = body as Record<string, unknown>;
  if (fields.NewStateValue === undefined) {
    return malformed('NewStateValue is missing');
  }
  if (!isAlarmStateValue(fields.NewStateValue)) {
    return malformed(
      `NewStateValue is ${JSON.stringify(fields.NewStateValue)}; allowed: ${ALARM_STATE_VALUES.join(', ')}`);
  }
  if (typeof fields.AlarmArn !== 'string' || fields.AlarmArn === '') {
    return malformed('AlarmArn is missing');
  }
  const at = parseStateChangeTime(fields.StateChangeTime);
  if (at === undefined) {
    return malformed(`StateChangeTime is ${JSON.stringify(fields.StateChangeTime)}; allowed: an ISO 8601 time`);
  }
  const alarmName = typeof fields.AlarmName === 'string' && fields.AlarmName !== '' ? fields.AlarmName : undefined;

  return {
    ok: true,
    notification: {
      alarmArn: fields.AlarmArn,
      ...(alarmName === undefined ? {} : { alarmName }),
      state: fields.NewStateValue,
      at,
    },
  };
}
