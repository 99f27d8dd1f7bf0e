import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import {
  ReplicationRerouter,
  ResilienceDashboard,
  ResilienceDashboardProps,
  ResilientGlobalTable,
  StalenessAwareReader,
} from '../src';

const ACCOUNT = '111122223333';

/** One rendered metric of a graph: its namespace, name, dimensions and options. */
interface RenderedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly options: { region?: string; label?: string; period?: number; stat?: string };
}

interface RenderedWidget {
  readonly type: string;
  readonly properties: {
    title?: string;
    region?: string;
    metrics?: unknown[][];
    annotations?: { horizontal?: { value: number; label?: string }[]; alarms?: unknown[] };
    markdown?: string;
  };
}

interface Fixture {
  readonly table: ResilientGlobalTable;
  readonly replicaStack: Stack;
  readonly reader: StalenessAwareReader;
  readonly rerouter: ReplicationRerouter;
}

/** A primary stack with the table and a replica stack with a rerouter and a reader, in a fresh app. */
function fixture(heartbeat = true): Fixture {
  const app = new App();
  const primaryStack = new Stack(app, 'Primary', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const replicaStack = new Stack(app, 'Replica', { env: { account: ACCOUNT, region: 'eu-central-1' } });
  const table = new ResilientGlobalTable(primaryStack, 'Table', {
    tableName: 'orders',
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    replicaRegions: ['eu-central-1'],
    lagAlarmThreshold: Duration.seconds(4),
    heartbeat: { enabled: heartbeat },
  });
  const rerouter = new ReplicationRerouter(replicaStack, 'Rerouter', { table });
  const reader = new StalenessAwareReader(replicaStack, 'Reader', {
    table,
    routing: rerouter,
    readerName: 'orders-reader',
  });

  return { table, replicaStack, reader, rerouter };
}

function dashboard(f: Fixture, props: Partial<ResilienceDashboardProps> = {}): ResilienceDashboard {
  return new ResilienceDashboard(f.replicaStack, 'Dashboard', {
    table: f.table, readers: [f.reader], rerouters: [f.rerouter], ...props,
  });
}

/** The dashboard body of the stack, tokens replaced by `TOKEN`, parsed. */
function widgets(stack: Stack): RenderedWidget[] {
  const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
  expect(Object.keys(dashboards)).toHaveLength(1);
  const body = Object.values(dashboards)[0].Properties.DashboardBody;
  const text = typeof body === 'string'
    ? body
    : (body['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');

  return JSON.parse(text).widgets;
}

/** The metrics of a graph, with CloudWatch's "same as above" shorthand (`"..."`) expanded. */
function metricsOf(widget: RenderedWidget): RenderedMetric[] {
  const rendered: RenderedMetric[] = [];
  for (const row of widget.properties.metrics ?? []) {
    const last = row[row.length - 1];
    const hasOptions = typeof last === 'object' && last !== null;
    const options = (hasOptions ? last : {}) as RenderedMetric['options'];
    const parts = (hasOptions ? row.slice(0, -1) : row) as string[];
    const [namespace, metricName, ...pairs] = parts;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < pairs.length; i += 2) {
      dimensions[pairs[i]] = pairs[i + 1];
    }
    rendered.push({ namespace, metricName, dimensions, options });
  }

  return rendered;
}

function widgetTitled(all: RenderedWidget[], prefix: string): RenderedWidget {
  const found = all.filter((w) => w.properties.title?.startsWith(prefix));
  expect(found).toHaveLength(1);

  return found[0];
}

describe('ResilienceDashboard', () => {
  test('shows replication latency and observed lag of each replica region, read in the primary region', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    dashboard(f);

    // THEN
    const graph = widgetTitled(widgets(f.replicaStack), 'Replication us-east-1 → eu-central-1');
    expect(graph.properties.region).toBe('us-east-1');
    const metrics = metricsOf(graph);
    expect(metrics.map((m) => [m.namespace, m.metricName, m.dimensions, m.options.region])).toEqual([
      ['AWS/DynamoDB', 'ReplicationLatency', { TableName: 'orders', ReceivingRegion: 'eu-central-1' }, 'us-east-1'],
      ['ResilientGlobalTable', 'ObservedReplicaLag', { TableName: 'orders', ReceivingRegion: 'eu-central-1' },
        'us-east-1'],
      ['ResilientGlobalTable', 'HeartbeatWrites', { TableName: 'orders' }, 'us-east-1'],
    ]);
    expect(graph.properties.annotations?.horizontal).toEqual([
      expect.objectContaining({ value: 4000, label: 'lag alarm threshold' }),
    ]);
  });

  test('shows only replication latency when the heartbeat is off', () => {
    // GIVEN
    const f = fixture(false);

    // WHEN
    dashboard(f);

    // THEN
    const graph = widgetTitled(widgets(f.replicaStack), 'Replication us-east-1 → eu-central-1');
    expect(metricsOf(graph).map((m) => m.metricName)).toEqual(['ReplicationLatency']);
  });

  test('shows each reader\'s reads by source, stale detections and fallbacks by reason in the reader\'s region', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    dashboard(f);

    // THEN
    const all = widgets(f.replicaStack);
    const reads = metricsOf(widgetTitled(all, 'Reads by source: orders-reader'));
    expect(reads.map((m) => [m.metricName, m.dimensions, m.options.stat])).toEqual([
      ['Reads', { Reader: 'orders-reader', ReadFrom: 'replica' }, 'Sum'],
      ['Reads', { Reader: 'orders-reader', ReadFrom: 'primary' }, 'Sum'],
    ]);
    const detections = metricsOf(widgetTitled(all, 'Stale detections: orders-reader'));
    expect(detections.map((m) => [m.metricName, m.dimensions, m.options.period])).toEqual([
      ['StaleDetections', { Reader: 'orders-reader' }, 10],
    ]);
    const fallbacks = metricsOf(widgetTitled(all, 'Fallbacks by reason: orders-reader'));
    const reasons = fallbacks.map((m) => m.dimensions.Reason);
    expect(fallbacks.every((m) => m.metricName === 'Fallbacks' && m.dimensions.Reader === 'orders-reader')).toBe(true);
    expect(reasons).toEqual(expect.arrayContaining([
      'breaker_open', 'token_fallback', 'stale_data', 'replica_miss_fallback', 'replica_error_fallback',
      'primary_error_fallback',
    ]));
    expect(reasons).not.toContain('replica');
    expect(reasons).not.toContain('probe');
    expect(reasons).not.toContain('routing_primary');
    for (const metric of [...reads, ...detections, ...fallbacks]) {
      expect(metric.namespace).toBe('ResilientGlobalTable');
    }
  });

  test('shows each rerouter\'s detection alarm and its routing changes to both modes', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    dashboard(f);

    // THEN
    const all = widgets(f.replicaStack);
    const alarm = widgetTitled(all, 'Stale detections of all readers');
    expect(alarm.type).toBe('metric');
    expect(alarm.properties.annotations?.alarms).toHaveLength(1);
    const changes = metricsOf(widgetTitled(all, 'Routing changes: /resilient-global-table/orders/routing'));
    expect(changes.map((m) => [m.metricName, m.dimensions])).toEqual([
      ['RoutingChanges', { Parameter: '/resilient-global-table/orders/routing', Mode: 'primary' }],
      ['RoutingChanges', { Parameter: '/resilient-global-table/orders/routing', Mode: 'replica' }],
    ]);
  });

  test('applies the dashboard name and the period override', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    const built = dashboard(f, { dashboardName: 'orders-resilience', period: Duration.minutes(2) });

    // THEN
    expect(built.dashboardName).toBe('orders-resilience');
    Template.fromStack(f.replicaStack).hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'orders-resilience',
    });
    const detections = metricsOf(widgetTitled(widgets(f.replicaStack), 'Stale detections: orders-reader'));
    expect(detections[0].options.period).toBe(120);
  });

  test('keeps each metric\'s own one-minute period when no period is given', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    dashboard(f);

    // THEN
    const all = widgets(f.replicaStack);
    const periods = (prefix: string, metricName: string): (number | undefined)[] =>
      metricsOf(widgetTitled(all, prefix)).filter((m) => m.metricName === metricName).map((m) => m.options.period);
    expect(periods('Reads by source: orders-reader', 'Reads')).toEqual([60, 60]);
    expect(periods('Fallbacks by reason: orders-reader', 'Fallbacks')).not.toHaveLength(0);
    expect(periods('Fallbacks by reason: orders-reader', 'Fallbacks').every((p) => p === 60)).toBe(true);
    expect(periods('Replication us-east-1 → eu-central-1', 'ReplicationLatency')).toEqual([60]);
    expect(periods('Replication us-east-1 → eu-central-1', 'ObservedReplicaLag')).toEqual([60]);
    expect(periods('Routing changes: /resilient-global-table/orders/routing', 'RoutingChanges')).toEqual([60, 60]);
  });

  test('shows the table alone when no reader or rerouter is given', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    new ResilienceDashboard(f.replicaStack, 'Dashboard', { table: f.table });

    // THEN
    const titles = widgets(f.replicaStack).map((w) => w.properties.title).filter((t) => t !== undefined);
    expect(titles).toEqual(['Replication us-east-1 → eu-central-1: latency and observed lag (ms)']);
  });

  test('throws when dashboardName has characters CloudWatch refuses', () => {
    // GIVEN
    const f = fixture();

    // WHEN / THEN
    expect(() => dashboard(f, { dashboardName: 'orders resilience' })).toThrow(
      'dashboardName must be 1 to 255 characters of a-z, A-Z, 0-9, \'-\' and \'_\', got "orders resilience"');
  });

  test('throws when period is shorter than one second', () => {
    // GIVEN
    const f = fixture();

    // WHEN / THEN
    expect(() => dashboard(f, { period: Duration.millis(500) }))
      .toThrow('period must be at least 1 second, got 500 millis');
  });
});
