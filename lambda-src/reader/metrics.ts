/**
 * The reader's metrics, as EMF lines (Powertools metrics), one line per metric so each keeps its own dimensions:
 * - `Reads` {Reader, ReadFrom};
 * - `StaleDetections` high resolution, two dimension sets {Reader} and {Parameter} (the detection alarm sums the
 *   latter over every reader of the parameter);
 * - `Fallbacks` {Reader, Reason} for every read not served the normal way (the reasons in `FALLBACK_REASONS`).
 * Powertools' default `service` dimension is removed: the alarms name the dimensions exactly.
 */
import { MetricResolution, Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DIMENSIONS, METRIC_NAMESPACE, METRICS } from '../../src/private/handler-contract';
import type { RoutingReason } from '../shared/staleness';

/** The routing reasons counted as `Fallbacks`: every reason except `replica`, `probe` and `routing_primary`. */
export const FALLBACK_REASONS: readonly RoutingReason[] = [
  'breaker_open', 'token_fallback', 'stale_data', 'replica_miss_fallback', 'replica_error_fallback',
  'primary_error_fallback', 'verification',
];

/** What one served read contributes. */
export interface ReadMetrics {
  readonly readFrom: 'replica' | 'primary';
  readonly routingReason: RoutingReason;
  readonly staleDetected: boolean;
}

/** The metrics of one reader container. */
export class ReaderMetrics {
  private readonly metrics: Metrics;

  constructor(private readonly readerName: string, private readonly parameterName: string) {
    this.metrics = new Metrics({ namespace: METRIC_NAMESPACE });
    this.metrics.clearDefaultDimensions();
  }

  /** Emits the metrics of one served read. */
  public record(read: ReadMetrics): void {
    this.emit({ [DIMENSIONS.reader]: this.readerName, [DIMENSIONS.readFrom]: read.readFrom }, METRICS.reads);
    if (FALLBACK_REASONS.includes(read.routingReason)) {
      this.emit({ [DIMENSIONS.reader]: this.readerName, [DIMENSIONS.reason]: read.routingReason }, METRICS.fallbacks);
    }
    if (read.staleDetected) {
      this.metrics.addDimensions({ [DIMENSIONS.reader]: this.readerName });
      this.metrics.addDimensions({ [DIMENSIONS.parameter]: this.parameterName });
      this.metrics.addMetric(METRICS.staleDetections, MetricUnit.Count, 1, MetricResolution.High);
      this.metrics.publishStoredMetrics();
    }
  }

  private emit(dimensions: Record<string, string>, name: string): void {
    for (const [dimension, value] of Object.entries(dimensions)) {
      this.metrics.addDimension(dimension, value);
    }
    this.metrics.addMetric(name, MetricUnit.Count, 1);
    this.metrics.publishStoredMetrics();
  }
}
