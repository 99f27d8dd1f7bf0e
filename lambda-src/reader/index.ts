/**
 * The staleness-aware reader: a thin shell of I/O around the pure decision (shared/staleness.ts, read-flow.ts).
 * A read flows one way: event, validation, routing value (cached), replica read, decision, maybe the primary read,
 * result. The routing value is served from memory and refreshed in the background (only a cold start waits for it),
 * and in evidence mode an expired heartbeat is read alongside the replica read, so neither adds a round trip in
 * series. Every invocation gives the logger its request id and a fresh DEBUG sampling decision. Module state is one
 * container: its breaker, routing cache, watermark cache and verification memory.
 * Bad input gets an error result naming the field and causes no read; a read never fails because of SSM; when
 * neither region answers the result is an `Unavailable` error, never an unhandled exception.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { readerConfig, ReaderConfig } from './config';
import { ReaderMetrics } from './metrics';
import { FailedRead, performRead, ServedRead } from './read-flow';
import { RoutingCache, RoutingValue } from './routing-cache';
import type { ReaderResponse } from './types';
import { WatermarkSource } from './watermark-source';
import { Breaker } from '../shared/breaker';
import { dynamoDbClient, ssmClient } from '../shared/clients';
import { describe, DependencyError } from '../shared/errors';
import { ItemCopy, toPlainItem, writtenAtOf } from '../shared/item';
import { createLogger } from '../shared/logging';
import { validateReaderEvent } from '../shared/reader-event';
import { VerificationMemory } from '../shared/staleness';

export type * from './types';

interface Container {
  readonly config: ReaderConfig;
  readonly logger: Logger;
  readonly replicaClient: DynamoDBClient;
  readonly primaryClient: DynamoDBClient;
  readonly routing: RoutingCache;
  readonly breaker: Breaker;
  readonly watermark: WatermarkSource | undefined;
  readonly verified: VerificationMemory;
  readonly metrics: ReaderMetrics;
  readonly warned: Set<string>;
}

const clock = (): number => Date.now();
let container: Container | undefined;

async function getItem(client: DynamoDBClient, config: ReaderConfig, key: Record<string, AttributeValue>,
  consistent: boolean): Promise<ItemCopy | null> {
  const region = consistent ? config.primaryRegion : config.region;
  try {
    const command = new GetItemCommand({ TableName: config.tableName, Key: key, ConsistentRead: consistent });
    const output = await client.send(command);

    return output.Item ?? null;
  } catch (error) {
    throw new DependencyError('DynamoDB', 'GetItem', region, error);
  }
}

function createContainer(env: NodeJS.ProcessEnv): Container {
  const config = readerConfig(env);
  const budget = { timeoutMs: config.sdkTimeoutMs, maxAttempts: config.sdkMaxAttempts };
  const replicaClient = dynamoDbClient(config.region, budget);
  const primaryClient = dynamoDbClient(config.primaryRegion, budget);
  const provider = new SSMProvider({ awsSdkV3Client: ssmClient(config.region, budget) });
  const heartbeatKey = config.heartbeatKey;
  const logger = createLogger('reader');
  const onFetched = (value: RoutingValue) => noteRoutingFetch(logger, config, value);

  return {
    config,
    logger,
    replicaClient,
    primaryClient,
    routing: new RoutingCache(provider, config.routingParameterName, config.routingMaxAgeMs, clock, onFetched),
    breaker: new Breaker(config.breakerLeaseMs, clock),
    watermark: heartbeatKey === undefined ? undefined : new WatermarkSource({
      readReplica: () => getItem(replicaClient, config, heartbeatKey, false),
      readPrimary: () => getItem(primaryClient, config, heartbeatKey, true),
      clock,
      maxAgeMs: config.watermarkMaxAgeMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      maxStalenessMs: config.maxStalenessMs,
    }),
    verified: new VerificationMemory(config.maxStalenessMs),
    metrics: new ReaderMetrics(config.readerName, config.routingParameterName),
    warned: new Set(),
  };
}

function keyId(key: Record<string, AttributeValue>): string {
  return JSON.stringify(toPlainItem(key));
}

/** Logs what one routing fetch found, once per fetch (foreground or background), not once per read. */
function noteRoutingFetch(logger: Logger, config: ReaderConfig, value: RoutingValue): void {
  if (value.source === 'last-known') {
    logger.warn('routing parameter read failed; keeping the last known value', {
      parameter: config.routingParameterName, mode: value.mode, error: describe(value.error),
    });
  }
  if (value.unreadable && value.source === 'fetched') {
    logger.error('routing parameter value is unreadable; reading in automatic mode', {
      parameter: config.routingParameterName,
    });
  }
}

/** Per invocation: a fresh DEBUG sampling decision, and the request id on every line (when there is a context). */
function startInvocation(logger: Logger, context: Context | undefined): void {
  if (context !== undefined) {
    logger.addContext(context);
  }
  logger.refreshSampleRateCalculation();
}

function noteWrittenAt(c: Container, item: ItemCopy | null): void {
  const reading = writtenAtOf(item, clock());
  if (reading.issue === 'epoch-seconds' && !c.warned.has('epoch-seconds')) {
    c.warned.add('epoch-seconds');
    c.logger.warn('written_at looks like epoch seconds; its age is treated as unknown (logged once)');
  }
  if (reading.issue === 'future' && !c.warned.has('future')) {
    c.warned.add('future');
    c.logger.warn(
      'written_at is in the future: writer clock skew; age clamped at 0 (logged once)', { skewMs: reading.skewMs },
    );
  }
}

function report(c: Container, read: ServedRead | FailedRead): void {
  if (read.breakerTransition) {
    c.logger.info('breaker changed state', {
      from: read.breakerTransition.from, to: read.breakerTransition.to, openUntilMs: c.breaker.openUntilMs,
    });
  }
  if (!read.served) {
    c.logger.error('read failed in both regions', { errors: read.errors.map(describe) });

    return;
  }
  const fields = {
    readFrom: read.readFrom,
    routingReason: read.routingReason,
    replicaLagMs: read.replicaLagMs ?? null,
    itemAgeMs: read.itemAgeMs ?? null,
    staleDetected: read.staleDetected,
    possiblyStale: read.possiblyStale,
  };
  if (read.staleDetected) {
    c.logger.info('stale replica detected', fields);
  } else if (read.routingReason !== 'replica' && read.routingReason !== 'routing_primary') {
    c.logger.info('read not served the normal way', { ...fields, errors: read.errors.map(describe) });
  } else {
    c.logger.debug('read', fields);
  }
  c.metrics.record(read);
  noteWrittenAt(c, read.item);
}

/** The Lambda handler. `context` may be left out (direct calls, tests); the log lines then carry no request id. */
export const handler = async (event: unknown, context?: Context): Promise<ReaderResponse> => {
  const c = (container ??= createContainer(process.env));
  startInvocation(c.logger, context);
  const validation = validateReaderEvent(event, c.config.keySchema);
  if (!validation.ok) {
    c.logger.info('invalid input', { field: validation.field, message: validation.message });

    return { error: { type: 'InvalidInput', field: validation.field, message: validation.message } };
  }
  const { key, minWrittenAt, minVersion } = validation.request;
  const id = keyId(key);

  const read = await performRead({
    settings: { maxStalenessMs: c.config.maxStalenessMs, mode: c.config.mode },
    routingMode: (await c.routing.get()).mode,
    breaker: c.breaker,
    token: { minWrittenAt, minVersion },
  }, {
    now: clock,
    readReplica: () => getItem(c.replicaClient, c.config, key, false),
    readPrimary: () => getItem(c.primaryClient, c.config, key, true),
    watermark: async () => c.watermark?.watermark() ?? { kind: 'none', reason: 'heartbeat-disabled' },
    prefetchWatermark: () => c.watermark?.prefetch(),
    verifiedAt: () => c.verified.lookup(id, clock()),
    rememberVerified: () => c.verified.remember(id, clock()),
  });
  report(c, read);
  if (!read.served) {
    const message = `neither ${c.config.region} nor ${c.config.primaryRegion} answered`;

    return { error: { type: 'Unavailable', message } };
  }

  return {
    item: read.item === null ? null : toPlainItem(read.item),
    readFrom: read.readFrom,
    routingReason: read.routingReason,
    staleDetected: read.staleDetected,
    possiblyStale: read.possiblyStale,
    replicaLagMs: read.replicaLagMs ?? null,
    itemAgeMs: read.itemAgeMs ?? null,
  };
};
