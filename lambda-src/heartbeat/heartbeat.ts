/**
 * One heartbeat run: every interval it writes the heartbeat item to the primary (`written_at` = now in epoch ms,
 * `beat` = a counter) and reads each replica's copy (eventually consistent) to compute the observed lag from this
 * run's own writes (./lag.ts). It emits HeartbeatWrites {TableName} per successful write and ObservedReplicaLag
 * {TableName, ReceivingRegion} per replica read, flushed each beat, and stops before the Lambda deadline.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeartbeatConfig } from './config';
import { observedLagMs, unshownWrites, withWrite } from './lag';
import { DIMENSIONS, ITEM, METRICS } from '../../src/private/handler-contract';
import { describe } from '../shared/errors';
import { writtenAtOf } from '../shared/item';

/** What a run talks to; tests replace any of it. */
export interface HeartbeatDependencies {
  /** A DynamoDB client for a region (the primary, or a replica). */
  readonly dynamoDb: (region: string) => DynamoDBClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The clock, epoch ms. @default Date.now */
  readonly now?: () => number;
  /** Waits. @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The part of the Lambda context a run uses. */
export interface DeadlineContext {
  getRemainingTimeInMillis(): number;
}

/** What one run did. */
export interface HeartbeatRunResult {
  readonly beats: number;
  readonly writes: number;
  readonly failedWrites: number;
  /** The lag observed at each beat, per replica region (absent for a beat whose read failed). */
  readonly lagMs: Record<string, number[]>;
  /** Why the run stopped. */
  readonly stoppedBecause: 'run-duration' | 'deadline';
}

/** Time kept free before the Lambda deadline, on top of one beat's worst-case SDK time. */
export const DEADLINE_MARGIN_MS = 250;

/** Runs the heartbeat for `config.runMs`, or until the deadline of `context` comes near. */
export async function runHeartbeat(config: HeartbeatConfig, deps: HeartbeatDependencies,
  context?: DeadlineContext): Promise<HeartbeatRunResult> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const beatBudgetMs = config.sdkTimeoutMs * config.sdkMaxAttempts + DEADLINE_MARGIN_MS;
  const start = now();
  const pending = new Map<string, number[]>(config.replicaRegions.map((region) => [region, []]));
  const lagMs: Record<string, number[]> = Object.fromEntries(config.replicaRegions.map((region) => [region, []]));
  let beats = 0;
  let writes = 0;
  let failedWrites = 0;
  let next = start;
  let stoppedBecause: HeartbeatRunResult['stoppedBecause'] = 'run-duration';
  for (;;) {
    if (next - start >= config.runMs) {
      break;
    }
    const waitMs = next - now();
    const remainingMs = context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
    if (remainingMs - Math.max(0, waitMs) < beatBudgetMs) {
      stoppedBecause = 'deadline';
      break;
    }
    if (waitMs > 0) {
      await sleep(waitMs);
    }
    const writtenAt = now();
    const [written, ...copies] = await Promise.all([
      writeBeat(config, deps, writtenAt, writes + 1),
      ...config.replicaRegions.map((region) => readCopy(config, deps, region, now)),
    ]);
    beats += 1;
    config.replicaRegions.forEach((region, index) => {
      const copy = copies[index];
      if (!copy.ok) {
        return;
      }
      const unshown = unshownWrites(pending.get(region)!, copy.writtenAtMs);
      pending.set(region, unshown);
      const lag = observedLagMs(unshown, copy.writtenAtMs, now());
      lagMs[region].push(lag);
      deps.metrics.addDimension(DIMENSIONS.tableName, config.tableName);
      deps.metrics.addDimension(DIMENSIONS.receivingRegion, region);
      deps.metrics.addMetric(METRICS.observedReplicaLag, MetricUnit.Milliseconds, lag);
      deps.metrics.publishStoredMetrics();
    });
    if (written) {
      writes += 1;
      for (const region of config.replicaRegions) {
        pending.set(region, withWrite(pending.get(region)!, writtenAt));
      }
      deps.metrics.addDimension(DIMENSIONS.tableName, config.tableName);
      deps.metrics.addMetric(METRICS.heartbeatWrites, MetricUnit.Count, 1);
      deps.metrics.publishStoredMetrics();
    } else {
      failedWrites += 1;
    }
    deps.logger.debug('heartbeat', {
      beat: beats,
      written,
      lagMs: Object.fromEntries(
        config.replicaRegions.map((region) => [region, lagMs[region][lagMs[region].length - 1]])),
    });
    next = Math.max(next + config.intervalMs, now());
  }
  deps.logger.info('heartbeat run finished', { table: config.tableName, beats, writes, failedWrites, stoppedBecause });

  return { beats, writes, failedWrites, lagMs, stoppedBecause };
}

async function writeBeat(config: HeartbeatConfig, deps: HeartbeatDependencies, writtenAt: number,
  beat: number): Promise<boolean> {
  try {
    await deps.dynamoDb(config.primaryRegion).send(new PutItemCommand({
      TableName: config.tableName,
      Item: { ...config.key, [ITEM.writtenAt]: { N: String(writtenAt) }, beat: { N: String(beat) } },
    }));

    return true;
  } catch (error) {
    deps.logger.warn('heartbeat write failed', { region: config.primaryRegion, error: describe(error) });

    return false;
  }
}

type CopyRead = { readonly ok: true; readonly writtenAtMs: number | undefined } | { readonly ok: false };

async function readCopy(config: HeartbeatConfig, deps: HeartbeatDependencies, region: string,
  now: () => number): Promise<CopyRead> {
  try {
    const answer = await deps.dynamoDb(region).send(new GetItemCommand({
      TableName: config.tableName,
      Key: config.key,
      ConsistentRead: false,
      ProjectionExpression: '#writtenAt',
      ExpressionAttributeNames: { '#writtenAt': ITEM.writtenAt },
    }));
    const reading = writtenAtOf(answer.Item, now());
    if (reading.writtenAtMs === undefined && reading.issue !== 'missing') {
      // Another writer broke the item convention; the copy counts as showing none of this run's writes.
      deps.logger.warn('heartbeat copy has an unusable written_at', { region, issue: reading.issue });
    }

    return { ok: true, writtenAtMs: reading.writtenAtMs };
  } catch (error) {
    deps.logger.warn('heartbeat replica read failed', { region, error: describe(error) });

    return { ok: false };
  }
}
