/**
 * One JSON object per line (Powertools logger): level, message, timestamp, request id, and the decision fields a
 * handler appends. The level comes from `LOG_LEVEL` (default INFO); per-read lines are DEBUG and sampled with
 * `POWERTOOLS_LOGGER_SAMPLE_RATE`. Events are never logged whole.
 */
import { Logger } from '@aws-lambda-powertools/logger';

/** Creates the logger of one handler. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
}
