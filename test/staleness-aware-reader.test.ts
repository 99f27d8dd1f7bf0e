import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { HandlerFunctionOptions } from '../src/handler-function-options';
import { ReplicationRerouter } from '../src/replication-rerouter';
import { ResilientGlobalTable, ResilientGlobalTableProps } from '../src/resilient-global-table';
import { IRoutingParameter, ReadLocation, RoutingParameter } from '../src/routing-parameter';
import {
  RoutingReason,
  StalenessAwareReader,
  StalenessAwareReaderProps,
  StalenessMode,
} from '../src/staleness-aware-reader';

const ACCOUNT = '111111111111';
const PRIMARY_REGION = 'us-east-1';
const READER_REGION = 'eu-central-1';
const PARAMETER_NAME = '/resilient-global-table/orders/routing';

/** `arn:<partition>:<rest>` as CloudFormation renders an ARN built from the partition pseudo value. */
function arn(rest: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${rest}`]] };
}

interface Fixture {
  readonly app: App;
  readonly primaryStack: Stack;
  readonly readerStack: Stack;
  readonly table: ResilientGlobalTable;
  readonly routing: IRoutingParameter;
}

/** A fresh app: the table in us-east-1 replicating to eu-central-1, and an empty reader stack in eu-central-1. */
function givenTable(
  tableProps: Partial<ResilientGlobalTableProps> = {},
  context: Record<string, unknown> = {},
): Fixture {
  const app = new App({ context });
  const primaryStack = new Stack(app, 'Primary', {
    env: { account: ACCOUNT, region: PRIMARY_REGION },
    crossRegionReferences: false,
  });
  const readerStack = new Stack(app, 'ReaderStack', {
    env: { account: ACCOUNT, region: READER_REGION },
    crossRegionReferences: false,
  });
  const table = new ResilientGlobalTable(primaryStack, 'Orders', {
    tableName: 'orders',
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    replicaRegions: [READER_REGION],
    ...tableProps,
  });
  const routing = RoutingParameter.fromParameterName(readerStack, PARAMETER_NAME);

  return { app, primaryStack, readerStack, table, routing };
}

function givenReader(props: Partial<StalenessAwareReaderProps> = {}, fixture: Fixture = givenTable()) {
  const reader = new StalenessAwareReader(fixture.readerStack, 'Reader', {
    table: fixture.table,
    routing: fixture.routing,
    ...props,
  });

  return { ...fixture, reader };
}

/** A prop name, props that break it, and the message expected. */
type RefusalCase = [string, Partial<StalenessAwareReaderProps>, RegExp];

function functionOf(template: Template): Record<string, any> {
  const functions = template.findResources('AWS::Lambda::Function');
  expect(Object.keys(functions)).toHaveLength(1);

  return Object.values(functions)[0].Properties;
}

describe('StalenessAwareReader', () => {
  test('creates the reader function with its defaults', () => {
    // GIVEN / WHEN
    const { readerStack, reader } = givenReader({ readerName: 'orders-reader' });

    // THEN
    const template = Template.fromStack(readerStack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 10,
      Environment: {
        Variables: Match.objectEquals({
          TABLE_NAME: 'orders',
          PRIMARY_REGION: 'us-east-1',
          PARTITION_KEY: 'pk',
          PARTITION_KEY_TYPE: 'S',
          ROUTING_PARAMETER_NAME: PARAMETER_NAME,
          READER_NAME: 'orders-reader',
          MAX_STALENESS_MS: '10000',
          ROUTING_MAX_AGE_MS: '5000',
          BREAKER_LEASE_MS: '30000',
          STALENESS_MODE: 'evidence',
          HEARTBEAT_PARTITION_VALUE: '__rgt_heartbeat__',
          HEARTBEAT_INTERVAL_MS: '2000',
          WATERMARK_MAX_AGE_MS: '1000',
          SDK_TIMEOUT_MS: '1000',
          SDK_MAX_ATTEMPTS: '2',
          POWERTOOLS_SERVICE_NAME: 'resilient-global-table-reader',
          POWERTOOLS_METRICS_NAMESPACE: 'ResilientGlobalTable',
          LOG_LEVEL: 'INFO',
          POWERTOOLS_LOGGER_SAMPLE_RATE: '0.01',
        }),
      },
    });
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    expect(reader.readerName).toBe('orders-reader');
    expect(reader.region).toBe(READER_REGION);
  });

  test('never filters log lines at the platform level, so EMF lines survive', () => {
    // GIVEN / WHEN
    const { readerStack } = givenReader({ logLevel: 'ERROR' });

    // THEN the log group is set, and no platform log level or format is
    const props = functionOf(Template.fromStack(readerStack));
    const logGroupId = Object.keys(Template.fromStack(readerStack).findResources('AWS::Logs::LogGroup'))[0];
    expect(props.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    expect(props.Environment.Variables.LOG_LEVEL).toBe('ERROR');
  });

  test('grants GetItem on the replica and primary tables and indexes, and GetParameter on the parameter', () => {
    // GIVEN / WHEN
    const { readerStack } = givenReader();

    // THEN (construct-checks item 1)
    const template = Template.fromStack(readerStack);
    const logGroupId = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0];
    const policies = template.findResources('AWS::IAM::Policy');
    expect(Object.keys(policies)).toHaveLength(1);
    expect(Object.values(policies)[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ReadReplicaAndPrimary',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: [
          arn(`dynamodb:eu-central-1:${ACCOUNT}:table/orders`),
          arn(`dynamodb:eu-central-1:${ACCOUNT}:table/orders/index/*`),
          arn(`dynamodb:us-east-1:${ACCOUNT}:table/orders`),
          arn(`dynamodb:us-east-1:${ACCOUNT}:table/orders/index/*`),
        ],
      },
      {
        Sid: 'ReadRoutingParameter',
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: arn(`ssm:eu-central-1:${ACCOUNT}:parameter${PARAMETER_NAME}`),
      },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('has no ssm:PutParameter and no cloudwatch:PutMetricData anywhere in its stack', () => {
    // GIVEN / WHEN
    const { readerStack } = givenReader();

    // THEN (construct-checks item 6: readers never write the routing parameter nor call an API to escalate)
    const text = JSON.stringify(Template.fromStack(readerStack).toJSON());
    expect(text).toContain('ssm:GetParameter');
    expect(text).not.toContain('ssm:PutParameter');
    expect(text).not.toContain('cloudwatch:PutMetricData');
    expect(text).not.toMatch(/"ssm:\*"|"dynamodb:\*"|"cloudwatch:\*"/);
  });

  test('follows the parameter of a ReplicationRerouter and still gets no PutParameter', () => {
    // GIVEN
    const fixture = givenTable();
    const rerouter = new ReplicationRerouter(fixture.readerStack, 'Rerouter', {
      table: fixture.table,
      parameterName: '/shop/orders/routing',
    });

    // WHEN
    const { readerStack } = givenReader({ routing: rerouter }, fixture);

    // THEN the reader's own policy reads that parameter and writes nothing
    const template = Template.fromStack(readerStack);
    const readerRoleId = Object.keys(template.findResources('AWS::IAM::Role'))
      .find((id) => id.startsWith('ReaderRole'))!;
    const readerPolicy = Object.values(template.findResources('AWS::IAM::Policy'))
      .find((p) => p.Properties.Roles[0].Ref === readerRoleId)!;
    const statements = readerPolicy.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual({
      Sid: 'ReadRoutingParameter',
      Effect: 'Allow',
      Action: 'ssm:GetParameter',
      Resource: arn(`ssm:eu-central-1:${ACCOUNT}:parameter/shop/orders/routing`),
    });
    expect(JSON.stringify(statements)).not.toContain('ssm:PutParameter');
  });

  test('passes the sort key and the heartbeat sort value of the table', () => {
    // GIVEN
    const fixture = givenTable({
      sortKey: { name: 'sk', type: dynamodb.AttributeType.NUMBER },
      heartbeat: { partitionValue: 'hb', sortValue: '0', interval: Duration.seconds(3) },
    });

    // WHEN
    const { readerStack } = givenReader({}, fixture);

    // THEN
    Template.fromStack(readerStack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SORT_KEY: 'sk',
          SORT_KEY_TYPE: 'N',
          HEARTBEAT_PARTITION_VALUE: 'hb',
          HEARTBEAT_SORT_VALUE: '0',
          HEARTBEAT_INTERVAL_MS: '3000',
        }),
      },
    });
  });

  test('sets no heartbeat variables when the table has no heartbeat', () => {
    // GIVEN
    const fixture = givenTable({ heartbeat: { enabled: false } });

    // WHEN
    const { readerStack } = givenReader({}, fixture);

    // THEN the handler has no watermark to read
    const variables = Object.keys(functionOf(Template.fromStack(readerStack)).Environment.Variables);
    expect(variables.filter((name) => name.startsWith('HEARTBEAT_'))).toEqual([]);
    expect(variables).not.toContain('SORT_KEY');
  });

  test('applies every prop', () => {
    // GIVEN / WHEN
    const { readerStack } = givenReader({
      readerName: 'checkout',
      maxStaleness: Duration.seconds(20),
      routingCacheMaxAge: Duration.seconds(2),
      breakerLease: Duration.minutes(1),
      stalenessMode: StalenessMode.ITEM_AGE,
      watermarkCacheMaxAge: Duration.millis(500),
      sdkTimeout: Duration.millis(800),
      sdkMaxAttempts: 3,
      memorySize: 512,
      timeout: Duration.seconds(15),
      logLevel: 'debug',
      debugLogSamplePercent: 25,
      logRetention: logs.RetentionDays.ONE_WEEK,
      architecture: lambda.Architecture.X86_64,
    });

    // THEN
    const template = Template.fromStack(readerStack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['x86_64'],
      MemorySize: 512,
      Timeout: 15,
      Environment: {
        Variables: Match.objectLike({
          READER_NAME: 'checkout',
          MAX_STALENESS_MS: '20000',
          ROUTING_MAX_AGE_MS: '2000',
          BREAKER_LEASE_MS: '60000',
          STALENESS_MODE: 'item-age',
          WATERMARK_MAX_AGE_MS: '500',
          SDK_TIMEOUT_MS: '800',
          SDK_MAX_ATTEMPTS: '3',
          LOG_LEVEL: 'DEBUG',
          POWERTOOLS_LOGGER_SAMPLE_RATE: '0.25',
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test('turns staleness checks off with StalenessMode.NONE', () => {
    // GIVEN / WHEN
    const { readerStack } = givenReader({ stalenessMode: StalenessMode.NONE });

    // THEN
    expect(functionOf(Template.fromStack(readerStack)).Environment.Variables.STALENESS_MODE).toBe('none');
  });

  test('names itself after its construct path by default', () => {
    // GIVEN / WHEN
    const { readerStack, reader } = givenReader();

    // THEN the same name is the env value and the metric dimension
    expect(reader.readerName).toMatch(/^ReaderStackReader[0-9A-F]{8}$/);
    expect(functionOf(Template.fromStack(readerStack)).Environment.Variables.READER_NAME).toBe(reader.readerName);
    expect(reader.metricStaleDetections().dimensions).toEqual({ Reader: reader.readerName });
  });

  test('exposes its metrics with their dimensions, statistics and periods', () => {
    // GIVEN
    const { reader } = givenReader({ readerName: 'r1' });

    // WHEN
    const reads = reader.metricReads(ReadLocation.PRIMARY);
    const detections = reader.metricStaleDetections();
    const fallbacks = reader.metricFallbacks(RoutingReason.STALE_DATA, { period: Duration.minutes(5) });
    const errors = reader.metricErrors();

    // THEN
    expect([reads.namespace, reads.metricName, reads.statistic, reads.period.toSeconds()])
      .toEqual(['ResilientGlobalTable', 'Reads', 'Sum', 60]);
    expect(reads.dimensions).toEqual({ Reader: 'r1', ReadFrom: 'primary' });
    expect([detections.namespace, detections.metricName, detections.statistic, detections.period.toSeconds()])
      .toEqual(['ResilientGlobalTable', 'StaleDetections', 'Sum', 10]);
    expect(detections.dimensions).toEqual({ Reader: 'r1' });
    expect([fallbacks.metricName, fallbacks.statistic, fallbacks.period.toSeconds()])
      .toEqual(['Fallbacks', 'Sum', 300]);
    expect(fallbacks.dimensions).toEqual({ Reader: 'r1', Reason: 'stale_data' });
    expect([errors.namespace, errors.metricName]).toEqual(['AWS/Lambda', 'Errors']);
    expect(Object.keys(errors.dimensions!)).toEqual(['FunctionName']);
  });

  test('keeps each metric\'s default period when an override leaves period undefined', () => {
    // GIVEN
    const { reader } = givenReader({ readerName: 'r1' });

    // WHEN
    const reads = reader.metricReads(ReadLocation.REPLICA, { period: undefined, label: 'from replica' });
    const detections = reader.metricStaleDetections({ period: undefined });
    const fallbacks = reader.metricFallbacks(RoutingReason.BREAKER_OPEN, { period: undefined });

    // THEN
    expect([reads.period.toSeconds(), reads.label]).toEqual([60, 'from replica']);
    expect(detections.period.toSeconds()).toBe(10);
    expect(fallbacks.period.toSeconds()).toBe(60);
  });

  test('takes the same HandlerFunctionOptions as the rerouter', () => {
    // GIVEN
    const fixture = givenTable();
    const functionOptions: HandlerFunctionOptions = {
      sdkTimeout: Duration.millis(700),
      timeout: Duration.seconds(20),
      memorySize: 1024,
      logRetention: logs.RetentionDays.ONE_WEEK,
      architecture: lambda.Architecture.X86_64,
    };

    // WHEN
    const rerouter = new ReplicationRerouter(fixture.readerStack, 'Rerouter', {
      table: fixture.table,
      ...functionOptions,
    });
    const { reader } = givenReader({ routing: rerouter, ...functionOptions }, fixture);

    // THEN
    const template = Template.fromStack(fixture.readerStack);
    for (const fn of [reader.function, rerouter.function]) {
      const id = fixture.readerStack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
      expect(template.findResources('AWS::Lambda::Function')[id].Properties).toMatchObject({
        Architectures: ['x86_64'],
        MemorySize: 1024,
        Timeout: 20,
        Environment: { Variables: { SDK_TIMEOUT_MS: '700' } },
      });
    }
    expect(Object.values(template.findResources('AWS::Logs::LogGroup'))
      .map((group) => group.Properties.RetentionInDays)).toEqual([7, 7]);
  });

  test('warns when the cache ages add up to more than maxStaleness', () => {
    // GIVEN / WHEN
    const { readerStack } = givenReader({
      maxStaleness: Duration.seconds(5),
      routingCacheMaxAge: Duration.seconds(4),
      watermarkCacheMaxAge: Duration.seconds(2),
    });

    // THEN
    Annotations.fromStack(readerStack).hasWarning('/ReaderStack/Reader',
      Match.stringLikeRegexp('routingCacheMaxAge .*plus watermarkCacheMaxAge .*exceed maxStaleness'));
  });

  test('warns when the SDK budget of one read can outlast the function timeout', () => {
    // GIVEN / WHEN
    const { readerStack } = givenReader({
      sdkTimeout: Duration.seconds(2),
      sdkMaxAttempts: 3,
      timeout: Duration.seconds(10),
    });

    // THEN
    Annotations.fromStack(readerStack).hasWarning('/ReaderStack/Reader',
      Match.stringLikeRegexp('can outlast the function timeout'));
  });

  test('warns about nothing with its defaults', () => {
    // GIVEN / WHEN
    const { readerStack } = givenReader();

    // THEN
    Annotations.fromStack(readerStack).hasNoWarning('*', Match.anyValue());
  });

  test('synthesizes without any cross-stack export or import', () => {
    // GIVEN
    const { app, primaryStack, readerStack } = givenReader();

    // WHEN
    const assembly = app.synth();

    // THEN
    const primary = JSON.stringify(assembly.getStackByName(primaryStack.stackName).template);
    const reader = JSON.stringify(assembly.getStackByName(readerStack.stackName).template);
    expect(primary).not.toContain('"Export"');
    expect(reader).not.toContain('Fn::ImportValue');
    expect(reader).not.toContain('ExportsReader');
  });

  test('passes the CloudFormation validator with default rules enforced', () => {
    // GIVEN
    const fixture = givenTable({}, { '@aws-cdk/core:validateAgainstDefaultRules': true });
    givenReader({}, fixture);

    // WHEN / THEN synth throws on any validation error
    expect(() => fixture.app.synth()).not.toThrow();
  });

  describe('refusals', () => {
    test('throws when the stack is region-agnostic', () => {
      // GIVEN
      const fixture = givenTable();
      const agnostic = new Stack(fixture.app, 'Agnostic');

      // WHEN / THEN
      expect(() => new StalenessAwareReader(agnostic, 'Reader', { table: fixture.table, routing: fixture.routing }))
        .toThrow(/StalenessAwareReader needs a stack with a concrete region .*region-agnostic stack/);
    });

    test('throws when the stack is in the primary region', () => {
      // GIVEN
      const fixture = givenTable();

      // WHEN / THEN
      expect(() => new StalenessAwareReader(fixture.primaryStack, 'Reader', {
        table: fixture.table,
        routing: RoutingParameter.fromParameterName(fixture.primaryStack, PARAMETER_NAME),
      })).toThrow('StalenessAwareReader must be in one of the replica regions of table orders (eu-central-1), '
        + 'got a stack in region us-east-1 (the primary region: read the table directly there)');
    });

    test('throws when the stack is in a region the table does not replicate to', () => {
      // GIVEN
      const fixture = givenTable();
      const elsewhere = new Stack(fixture.app, 'Elsewhere', { env: { account: ACCOUNT, region: 'ap-southeast-2' } });

      // WHEN / THEN
      expect(() => new StalenessAwareReader(elsewhere, 'Reader', {
        table: fixture.table,
        routing: RoutingParameter.fromParameterName(elsewhere, PARAMETER_NAME),
      })).toThrow('StalenessAwareReader must be in one of the replica regions of table orders (eu-central-1), '
        + 'got a stack in region ap-southeast-2');
    });

    test('throws when the routing parameter is in another region', () => {
      // GIVEN
      const fixture = givenTable();

      // WHEN / THEN
      const elsewhere = RoutingParameter.fromParameterName(fixture.primaryStack, PARAMETER_NAME);

      // WHEN / THEN
      expect(() => givenReader({ routing: elsewhere }, fixture)).toThrow(
        `routing must be a parameter in the reader's region eu-central-1, got ${PARAMETER_NAME} in region us-east-1`);
    });

    test.each([
      ['maxStaleness', { maxStaleness: Duration.millis(999) },
        /^maxStaleness must be between 1 second .* and 1 hour .*, got 999 ms$/],
      ['maxStaleness', { maxStaleness: Duration.hours(2) }, /^maxStaleness must be between .*, got 2 hours/],
      ['routingCacheMaxAge', { routingCacheMaxAge: Duration.seconds(0) },
        /^routingCacheMaxAge must be between 1 milli \(1 ms\) and 1 hour \(3600000 ms\), got 0 seconds \(0 ms\)$/],
      ['breakerLease', { breakerLease: Duration.seconds(0) },
        /^breakerLease must be between 1 milli \(1 ms\) and 1 hour \(3600000 ms\), got 0 seconds \(0 ms\)$/],
      ['watermarkCacheMaxAge', { watermarkCacheMaxAge: Duration.millis(0) },
        /^watermarkCacheMaxAge must be between 1 milli \(1 ms\) and .*, got 0 ms$/],
      ['sdkTimeout', { sdkTimeout: Duration.millis(0) },
        /^sdkTimeout must be between 1 milli \(1 ms\) and 15 minutes \(900000 ms\), got 0 ms$/],
      ['timeout', { timeout: Duration.minutes(16) },
        /^timeout must be between 1 second .* and 15 minutes .*, got 16 minutes/],
      ['timeout', { timeout: Duration.millis(1500) },
        /^timeout must be a whole multiple of 1 second \(1000 ms\), got 1 second 500 millis \(1500 ms\)$/],
      ['sdkMaxAttempts', { sdkMaxAttempts: 0 }, /^sdkMaxAttempts must be an integer from 1 to 10, got 0$/],
      ['sdkMaxAttempts', { sdkMaxAttempts: 11 }, /^sdkMaxAttempts must be an integer from 1 to 10, got 11$/],
      ['sdkMaxAttempts', { sdkMaxAttempts: 1.5 }, /^sdkMaxAttempts must be an integer from 1 to 10, got 1.5$/],
      ['memorySize', { memorySize: 127 }, /^memorySize must be an integer from 128 to 10240, got 127$/],
      ['memorySize', { memorySize: 10241 }, /^memorySize must be an integer from 128 to 10240, got 10241$/],
      ['logLevel', { logLevel: 'VERBOSE' },
        /^logLevel must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT, got "VERBOSE"$/],
      ['debugLogSamplePercent', { debugLogSamplePercent: 101 },
        /^debugLogSamplePercent must be a number from 0 to 100, got 101$/],
      ['debugLogSamplePercent', { debugLogSamplePercent: -1 },
        /^debugLogSamplePercent must be a number from 0 to 100, got -1$/],
      ['readerName', { readerName: '' }, /^readerName must be 1 to 255 printable ASCII characters, got ""$/],
      ['readerName', { readerName: 'x'.repeat(256) }, /^readerName must be 1 to 255 printable ASCII characters/],
      ['readerName', { readerName: 'läser' },
        /^readerName must be 1 to 255 printable ASCII characters, got "läser"$/],
    ] as RefusalCase[])('throws when %s is out of range (%j)', (_, props, message) => {
      // GIVEN
      const fixture = givenTable();

      // WHEN / THEN
      expect(() => givenReader(props, fixture)).toThrow(message);
    });

    test('throws before creating any resource', () => {
      // GIVEN
      const fixture = givenTable();

      // WHEN
      expect(() => givenReader({ memorySize: 64 }, fixture)).toThrow(/memorySize/);

      // THEN the reader left nothing behind in its stack
      expect(fixture.readerStack.node.tryFindChild('Reader')?.node.children ?? []).toEqual([]);
    });
  });
});
