/**
 * The rerouter function's entry point (see ./rerouter.ts). Settings come from the environment on each
 * invocation; clients are built once per set of settings and reused across invocations.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import { readRerouterConfig, RerouterConfig } from './config';
import { DESCRIBE_ALARMS_MAX_ATTEMPTS, Rerouter, RerouterResult } from './rerouter';
import { METRIC_NAMESPACE } from '../../src/private/handler-contract';
import { cloudWatchClient, ssmClient } from '../shared/clients';
import { createLogger } from '../shared/logging';

export { Rerouter, classifyEvent } from './rerouter';
export type { RerouterDependencies, RerouterResult, OperatorCommand } from './rerouter';
export { readRerouterConfig } from './config';
export type { RerouterConfig } from './config';

const logger = createLogger('rerouter');
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'rerouter' });
// The metrics carry exactly the dimensions of DESIGN.md (Parameter, Mode), without Powertools' `service`.
metrics.clearDefaultDimensions();

/** Builds a rerouter with real clients for `config`. */
export function createRerouter(config: RerouterConfig): Rerouter {
  // The SDK does not retry parameter calls: the rerouter's own jittered backoff owns the whole budget.
  const ssm = ssmClient(config.region, { timeoutMs: config.sdkTimeoutMs, maxAttempts: 1 });
  const cloudWatchClients = new Map<string, CloudWatchClient>();
  const cloudWatch = (region: string): CloudWatchClient => {
    let client = cloudWatchClients.get(region);
    if (client === undefined) {
      client = cloudWatchClient(region, { timeoutMs: config.sdkTimeoutMs, maxAttempts: DESCRIBE_ALARMS_MAX_ATTEMPTS });
      cloudWatchClients.set(region, client);
    }

    return client;
  };

  return new Rerouter(config, { ssm, cloudWatch, logger, metrics });
}

let current: { readonly key: string; readonly rerouter: Rerouter } | undefined;

/** The Lambda handler. Throws when the invocation failed (the construct sends it to a dead-letter destination). */
export async function handler(event: unknown, context?: Context): Promise<RerouterResult> {
  if (context !== undefined) {
    logger.addContext(context);
  }
  const config = readRerouterConfig(process.env);
  const key = JSON.stringify(config);
  if (current?.key !== key) {
    current = { key, rerouter: createRerouter(config) };
  }

  return current.rerouter.handle(event);
}
