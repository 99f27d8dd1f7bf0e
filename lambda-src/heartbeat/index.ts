/**
 * The heartbeat function's entry point (see ./heartbeat.ts). The construct schedules a run every minute and makes
 * each run last longer than a minute, so runs overlap and the beat never pauses between them.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { readHeartbeatConfig } from './config';
import { HeartbeatRunResult, runHeartbeat } from './heartbeat';
import { METRIC_NAMESPACE } from '../../src/private/handler-contract';
import { dynamoDbClient } from '../shared/clients';
import { createLogger } from '../shared/logging';

export { readHeartbeatConfig } from './config';
export type { HeartbeatConfig } from './config';
export { runHeartbeat } from './heartbeat';
export type { HeartbeatDependencies, HeartbeatRunResult, DeadlineContext } from './heartbeat';
export { observedLagMs, unshownWrites, withWrite } from './lag';
export type { PendingWrites } from './lag';

const logger = createLogger('heartbeat');
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'heartbeat' });
// The metrics carry exactly the dimensions of DESIGN.md, without Powertools' `service`.
metrics.clearDefaultDimensions();
const clients = new Map<string, DynamoDBClient>();

/** The Lambda handler: one run of the heartbeat. */
export async function handler(_event: unknown, context?: Context): Promise<HeartbeatRunResult> {
  if (context !== undefined) {
    logger.addContext(context);
  }
  const config = readHeartbeatConfig(process.env);
  const dynamoDb = (region: string): DynamoDBClient => {
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '';
    const key = `${region}/${config.sdkTimeoutMs}/${config.sdkMaxAttempts}/${endpoint}`;
    let client = clients.get(key);
    if (client === undefined) {
      client = dynamoDbClient(region, { timeoutMs: config.sdkTimeoutMs, maxAttempts: config.sdkMaxAttempts });
      clients.set(key, client);
    }

    return client;
  };

  return runHeartbeat(config, { dynamoDb, logger, metrics }, context);
}
