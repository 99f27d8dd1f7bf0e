/**
 * What the example app reads from CDK context, with the documented defaults. Shows how every region, threshold and
 * name of the deployment comes from context (cdk.json or `-c key=value`) and is checked before any construct exists.
 *
 * Not run on its own: `stacks.ts` uses it; `npx cdk synth -c maxStalenessSeconds=8` (from examples/app) overrides a
 * default.
 */
import { Duration } from 'aws-cdk-lib';
import { Node } from 'constructs';

/** The context keys of the example app and their defaults. `account` has none: unset, the account stays unresolved. */
export const CONTEXT_DEFAULTS = {
  /** The region every write goes to; the table, heartbeat, lag alarms and lag topic live here. */
  primaryRegion: 'us-east-1',
  /** The replica region of the reader, the routing parameter, the rerouter and the experiments. */
  replicaRegion: 'eu-central-1',
  /** The table's physical name, the literal both stacks share. */
  tableName: 'resilient-orders',
  /** The `Reader` metric dimension of the reader. */
  readerName: 'orders-reader',
  /** The CloudWatch dashboard's name. */
  dashboardName: 'resilient-orders',
  /** Stack names. */
  primaryStackName: 'ResilientOrdersPrimary',
  replicaStackName: 'ResilientOrdersReplica',
  /** The reader's staleness bound. */
  maxStalenessSeconds: 10,
  /** The lag alarm threshold. */
  lagAlarmThresholdSeconds: 5,
  /** How long the replication pause lasts (the reference design's 3 minutes may pause nothing: see the README). */
  pauseMinutes: 10,
  /** The delay added before the reader's handler runs, and for how long. */
  delaySeconds: 12,
  delayMinutes: 2,
  /** How long the reader's invocations fail. */
  errorMinutes: 2,
  /** The reader's timeout: longer than the injected delay, so the delay experiment shows slow reads, not timeouts. */
  readerTimeoutSeconds: 20,
  /** Stop conditions: failed reader invocations per minute, in each of two minutes in a row. */
  stopReaderErrorsPerMinute: 1,
  /** Stop conditions: reads whose primary read failed per minute, in each of two minutes in a row. */
  stopPrimaryReadFailuresPerMinute: 1,
} as const;

/** The settings of one deployment of the example, after defaults and checks. */
export interface ExampleSettings {
  /** The account, when given as context `account`; unset, the stacks are environment-agnostic in their account. */
  readonly account?: string;
  readonly primaryRegion: string;
  readonly replicaRegion: string;
  readonly tableName: string;
  readonly readerName: string;
  readonly dashboardName: string;
  readonly primaryStackName: string;
  readonly replicaStackName: string;
  readonly maxStaleness: Duration;
  readonly lagAlarmThreshold: Duration;
  readonly pauseDuration: Duration;
  readonly startupDelay: Duration;
  readonly delayDuration: Duration;
  readonly errorDuration: Duration;
  readonly readerTimeout: Duration;
  readonly stopReaderErrorsPerMinute: number;
  readonly stopPrimaryReadFailuresPerMinute: number;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;

/**
 * Reads the settings from the context of `node` (normally the App's). Numbers may come as numbers (cdk.json) or as
 * strings (`-c key=value`); every value is checked and a wrong one names its context key.
 */
export function settingsFromContext(node: Node): ExampleSettings {
  const text = (key: keyof typeof CONTEXT_DEFAULTS): string => {
    const value = node.tryGetContext(key) ?? CONTEXT_DEFAULTS[key];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new Error(`context ${key} must be a non-empty string, got ${JSON.stringify(value)}`);
    }

    return value;
  };
  const positive = (key: keyof typeof CONTEXT_DEFAULTS): number => {
    const raw = node.tryGetContext(key) ?? CONTEXT_DEFAULTS[key];
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new Error(`context ${key} must be a whole number greater than 0, got ${JSON.stringify(raw)}`);
    }

    return value;
  };

  const account = node.tryGetContext('account');
  if (account !== undefined && (typeof account !== 'string' || !ACCOUNT.test(account))) {
    throw new Error(`context account must be a 12-digit AWS account id, got ${JSON.stringify(account)}`);
  }
  const primaryRegion = text('primaryRegion');
  const replicaRegion = text('replicaRegion');
  for (const [key, value] of [['primaryRegion', primaryRegion], ['replicaRegion', replicaRegion]]) {
    if (!REGION.test(value)) {
      throw new Error(`context ${key} must be an AWS region name such as us-east-1, got ${JSON.stringify(value)}`);
    }
  }
  if (primaryRegion === replicaRegion) {
    throw new Error(`context replicaRegion must differ from primaryRegion, got ${replicaRegion} for both`);
  }
  const startupDelay = Duration.seconds(positive('delaySeconds'));
  const readerTimeout = Duration.seconds(positive('readerTimeoutSeconds'));
  if (readerTimeout.toSeconds() <= startupDelay.toSeconds()) {
    throw new Error(`context readerTimeoutSeconds must exceed delaySeconds (${startupDelay.toSeconds()}), got `
      + `${readerTimeout.toSeconds()}: a delay as long as the timeout turns the delay experiment into an error `
      + 'experiment and trips its own stop condition');
  }

  return {
    account,
    primaryRegion,
    replicaRegion,
    tableName: text('tableName'),
    readerName: text('readerName'),
    dashboardName: text('dashboardName'),
    primaryStackName: text('primaryStackName'),
    replicaStackName: text('replicaStackName'),
    maxStaleness: Duration.seconds(positive('maxStalenessSeconds')),
    lagAlarmThreshold: Duration.seconds(positive('lagAlarmThresholdSeconds')),
    pauseDuration: Duration.minutes(positive('pauseMinutes')),
    startupDelay,
    delayDuration: Duration.minutes(positive('delayMinutes')),
    errorDuration: Duration.minutes(positive('errorMinutes')),
    readerTimeout,
    stopReaderErrorsPerMinute: positive('stopReaderErrorsPerMinute'),
    stopPrimaryReadFailuresPerMinute: positive('stopPrimaryReadFailuresPerMinute'),
  };
}
