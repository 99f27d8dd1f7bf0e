/**
 * The local stand-in for CloudWatch metrics: it ingests Embedded Metric Format (EMF) log lines, as the handlers print
 * them, and raw datapoints (the replicator's ReplicationLatency), and answers statistics over period-aligned windows
 * for the local alarms. `npx jest test/local-aws/alarm-evaluator.test.ts` exercises it.
 */

/** The statistics the local store computes. */
export const STATISTICS = ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'] as const;

/** One of STATISTICS. */
export type Statistic = typeof STATISTICS[number];

/** A metric identity: CloudWatch treats each distinct dimension set as a separate metric. */
export interface MetricIdentity {
  readonly namespace: string;
  readonly metricName: string;
  /** Dimension name to value; `{}` for a metric without dimensions. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** One stored datapoint. */
export interface Datapoint {
  /** Time of the datapoint in epoch milliseconds (the lab clock). */
  readonly at: number;
  readonly value: number;
  /** The unit as reported, when known. */
  readonly unit?: string;
}

/** Options of the metric store. */
export interface MetricStoreOptions {
  /**
   * The clock used when a datapoint comes without a time.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** Thrown for a query the store cannot answer (an unknown statistic, a bad window). */
export class MetricStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricStoreError';
  }
}

/** The key of a metric identity: namespace, name and sorted dimensions. */
export function metricKey(identity: MetricIdentity): string {
  const dimensions = Object.keys(identity.dimensions).sort().map((name) => [name, identity.dimensions[name]]);

  return JSON.stringify([identity.namespace, identity.metricName, dimensions]);
}

/** Computes a statistic over values; `undefined` when there are none (a missing datapoint). */
export function computeStatistic(statistic: Statistic, values: readonly number[]): number | undefined {
  if (values.length === 0) {
    return undefined;
  }
  switch (statistic) {
    case 'Sum': return values.reduce((total, value) => total + value, 0);
    case 'Average': return values.reduce((total, value) => total + value, 0) / values.length;
    case 'Maximum': return Math.max(...values);
    case 'Minimum': return Math.min(...values);
    case 'SampleCount': return values.length;
    default:
      throw new MetricStoreError(`statistic "${String(statistic)}" is not supported; `
        + `allowed: ${STATISTICS.join(', ')}`);
  }
}

/** Checks a statistic name read from a template or a test. */
export function toStatistic(value: unknown, field: string): Statistic {
  if (typeof value === 'string' && (STATISTICS as readonly string[]).includes(value)) {
    return value as Statistic;
  }

  throw new MetricStoreError(`${field}: got ${JSON.stringify(value)}; allowed: ${STATISTICS.join(', ')}`);
}

interface StoredMetric {
  readonly identity: MetricIdentity;
  readonly points: Datapoint[];
}

interface EmfDirective {
  readonly Namespace?: unknown;
  readonly Dimensions?: unknown;
  readonly Metrics?: unknown;
}

/** An in-memory CloudWatch metric store. */
export class MetricStore {
  private readonly metrics = new Map<string, StoredMetric>();
  private readonly now: () => number;

  constructor(options: MetricStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Ingests one log line. An EMF line (`_aws.CloudWatchMetrics`) stores one datapoint per metric value (arrays give
   * several) per dimension set; each dimension set is its own metric identity, with values from the line's top-level
   * keys. Any other line is ignored. The time is `at`, else the line's `_aws.Timestamp`, else the store's clock.
   * @returns the number of datapoints stored (0 for a line that is not EMF)
   */
  ingestEmf(line: string, at?: number): number {
    const document = parseJsonObject(line);
    const aws = document?._aws;
    if (!document || !isObject(aws) || !Array.isArray(aws.CloudWatchMetrics)) {
      return 0;
    }
    const time = at ?? (typeof aws.Timestamp === 'number' ? aws.Timestamp : this.now());
    let stored = 0;
    for (const directive of aws.CloudWatchMetrics as EmfDirective[]) {
      if (!isObject(directive) || typeof directive.Namespace !== 'string' || !Array.isArray(directive.Metrics)) {
        continue;
      }
      const dimensionSets = Array.isArray(directive.Dimensions) && directive.Dimensions.length > 0
        ? directive.Dimensions as unknown[] : [[]];
      for (const metric of directive.Metrics) {
        const name = isObject(metric) ? metric.Name : undefined;
        if (typeof name !== 'string') {
          continue;
        }
        const unit = isObject(metric) && typeof metric.Unit === 'string' ? metric.Unit : undefined;
        const raw = document[name];
        const values = (Array.isArray(raw) ? raw : [raw]).filter((value): value is number =>
          typeof value === 'number' && Number.isFinite(value));
        for (const set of dimensionSets) {
          const dimensions = dimensionsFrom(set, document);
          if (!dimensions) {
            continue;
          }
          for (const value of values) {
            this.add({ namespace: directive.Namespace, metricName: name, dimensions }, { at: time, value, unit });
            stored += 1;
          }
        }
      }
    }

    return stored;
  }

  /** Stores a raw datapoint, as PutMetricData would (the replicator's ReplicationLatency). */
  put(namespace: string, metricName: string, dimensions: Record<string, string>, value: number, at?: number): void {
    if (!Number.isFinite(value)) {
      throw new MetricStoreError(`value of ${namespace}/${metricName}: got ${value}; allowed: a finite number`);
    }
    this.add({ namespace, metricName, dimensions: { ...dimensions } }, { at: at ?? this.now(), value });
  }

  /** The datapoints of a metric with `startMs <= at < endMs`, oldest first. */
  datapoints(identity: MetricIdentity, startMs: number, endMs: number): Datapoint[] {
    const stored = this.metrics.get(metricKey(identity));
    if (!stored) {
      return [];
    }

    return stored.points.filter((point) => point.at >= startMs && point.at < endMs).sort((a, b) => a.at - b.at);
  }

  /** A statistic over `startMs <= at < endMs`; `undefined` when the window has no datapoint. */
  statistic(identity: MetricIdentity, statistic: Statistic, startMs: number, endMs: number): number | undefined {
    if (!(endMs > startMs)) {
      throw new MetricStoreError(`window: got start ${startMs} and end ${endMs}; the end must be after the start`);
    }

    return computeStatistic(statistic, this.datapoints(identity, startMs, endMs).map((point) => point.value));
  }

  /**
   * A statistic per period, for each period window that starts at a multiple of `periodMs` (epoch aligned) and
   * overlaps `[fromMs, toMs)`; missing periods are `undefined`.
   */
  series(identity: MetricIdentity, statistic: Statistic, periodMs: number, fromMs: number, toMs: number):
  Array<{ start: number; value: number | undefined }> {
    if (!(periodMs > 0)) {
      throw new MetricStoreError(`periodMs: got ${periodMs}; allowed: a positive number`);
    }
    const result: Array<{ start: number; value: number | undefined }> = [];
    for (let start = alignDown(fromMs, periodMs); start < toMs; start += periodMs) {
      result.push({ start, value: this.statistic(identity, statistic, start, start + periodMs) });
    }

    return result;
  }

  /** Every metric identity seen so far. */
  list(): MetricIdentity[] {
    return [...this.metrics.values()].map((stored) => stored.identity);
  }

  /** Forgets every datapoint. */
  clear(): void {
    this.metrics.clear();
  }

  private add(identity: MetricIdentity, point: Datapoint): void {
    const key = metricKey(identity);
    let stored = this.metrics.get(key);
    if (!stored) {
      stored = { identity, points: [] };
      this.metrics.set(key, stored);
    }
    stored.points.push(point);
  }
}

/** The start of the period window that holds `at`. */
export function alignDown(at: number, periodMs: number): number {
  return Math.floor(at / periodMs) * periodMs;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  const start = line.indexOf('{');
  if (start < 0 || !line.includes('_aws')) {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(line.slice(start));

    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function dimensionsFrom(set: unknown, document: Record<string, unknown>): Record<string, string> | undefined {
  if (!Array.isArray(set)) {
    return undefined;
  }
  const dimensions: Record<string, string> = {};
  for (const name of set) {
    const value = typeof name === 'string' ? document[name] : undefined;
    if (typeof value !== 'string') {
      return undefined; // CloudWatch drops a dimension set whose value is absent or not a string
    }
    dimensions[name] = value;
  }

  return dimensions;
}
