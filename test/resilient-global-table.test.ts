import { App, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { evaluateExpression } from '../examples/lab/local-aws/metric-math';
import * as barrel from '../src';
import { ResilientGlobalTable, ResilientGlobalTableProps } from '../src/resilient-global-table';

const ACCOUNT = '123456789012';
const PRIMARY = 'us-east-1';
const REPLICA = 'eu-central-1';
const TABLE = 'orders';

const BASE_PROPS: ResilientGlobalTableProps = {
  tableName: TABLE,
  partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  replicaRegions: [REPLICA],
};

/** A fresh app and a primary stack with a concrete environment. */
function primaryStack(context?: Record<string, unknown>): { app: App; stack: Stack } {
  const app = new App({ context });
  const stack = new Stack(app, 'Primary', { env: { account: ACCOUNT, region: PRIMARY } });

  return { app, stack };
}

/** An ARN as formatArn renders it with a concrete account: the partition stays a pseudo parameter. */
function joinedArn(rest: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] };
}

function tableArn(region: string, suffix = ''): unknown {
  return joinedArn(`:dynamodb:${region}:${ACCOUNT}:table/${TABLE}${suffix}`);
}

function onlyResource(template: Template, type: string): { logicalId: string; properties: any } {
  const found = template.findResources(type);
  const ids = Object.keys(found);
  expect(ids).toHaveLength(1);

  return { logicalId: ids[0], properties: found[ids[0]].Properties };
}

/**
 * Evaluates the lag alarm's synthesized expression with the lab's metric-math evaluator at one period and says
 * whether the alarm's datapoint breaches its threshold (GreaterThanThreshold; a missing datapoint does not breach).
 */
function lagDatapoint(template: Template, alarmName: string, values: { lat?: number; hb?: number; obs?: number }):
{ value: number | undefined; threshold: number; breaches: boolean } {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', {
    Properties: { AlarmName: alarmName },
  }));
  expect(alarms).toHaveLength(1);
  const properties = alarms[0].Properties as {
    Threshold: number;
    ComparisonOperator: string;
    Metrics: Array<{ Expression?: string; ReturnData?: boolean }>;
  };
  expect(properties.ComparisonOperator).toBe('GreaterThanThreshold');
  const returned = properties.Metrics.filter((metric) => metric.ReturnData !== false);
  expect(returned).toHaveLength(1);
  const value = evaluateExpression(returned[0].Expression!, { m_lat: values.lat, m_hb: values.hb, m_obs: values.obs });

  return { value, threshold: properties.Threshold, breaches: value !== undefined && value > properties.Threshold };
}

const EXPECTED_EXPRESSION =
  'IF(FILL(m_hb, 0) > 0 AND FILL(m_lat, -1) < 0, 5001, MAX([FILL(m_lat, 0), FILL(m_obs, 0)]))';

describe('ResilientGlobalTable', () => {
  test('is exported from the package barrel', () => {
    // GIVEN / WHEN
    const exported = barrel.ResilientGlobalTable;

    // THEN
    expect(exported).toBe(ResilientGlobalTable);
  });

  test('creates a global table with its physical name, key, on-demand billing, PITR, RETAIN and the replica', () => {
    // GIVEN
    const { stack } = primaryStack();

    // WHEN
    new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        Replicas: Match.arrayWith([
          Match.objectLike({ Region: REPLICA, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
          Match.objectLike({ Region: PRIMARY, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
        ]),
      },
    });
  });

  test('takes a sort key, provisioned billing, a removal policy and PITR off', () => {
    // GIVEN
    const { stack } = primaryStack();

    // WHEN
    new ResilientGlobalTable(stack, 'Table', {
      ...BASE_PROPS,
      sortKey: { name: 'sk', type: dynamodb.AttributeType.NUMBER },
      billing: dynamodb.Billing.provisioned({
        readCapacity: dynamodb.Capacity.fixed(5),
        writeCapacity: dynamodb.Capacity.autoscaled({ maxCapacity: 10 }),
      }),
      removalPolicy: RemovalPolicy.DESTROY,
      pointInTimeRecovery: false,
      heartbeat: { sortValue: '0' },
    });

    // THEN
    Template.fromStack(stack).hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: {
        BillingMode: 'PROVISIONED',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        Replicas: Match.arrayWith([
          Match.objectLike({
            Region: REPLICA,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
          }),
        ]),
      },
    });
  });

  test('creates one replica, alarm, topic and dead-letter queue per replica region', () => {
    // GIVEN
    const { stack } = primaryStack();

    // WHEN
    const replicaRegions = [REPLICA, 'ap-southeast-2'];
    const table = new ResilientGlobalTable(stack, 'Table', { ...BASE_PROPS, replicaRegions });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: Match.arrayWith([
        Match.objectLike({ Region: REPLICA }),
        Match.objectLike({ Region: 'ap-southeast-2' }),
        Match.objectLike({ Region: PRIMARY }),
      ]),
    });
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    for (const region of [REPLICA, 'ap-southeast-2']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `orders-replication-lag-${region}` });
      template.hasResourceProperties('AWS::SNS::Topic', { TopicName: `orders-replication-lag-${region}` });
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: `orders-replication-lag-${region}-dlq` });
    }
    expect(table.replicaRegions).toEqual([REPLICA, 'ap-southeast-2']);
  });

  test('exposes its settings and defaults', () => {
    // GIVEN
    const { stack } = primaryStack();

    // WHEN
    const table = new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

    // THEN
    expect(table.tableName).toBe(TABLE);
    expect(table.primaryRegion).toBe(PRIMARY);
    expect(table.partitionKey).toEqual({ name: 'pk', type: dynamodb.AttributeType.STRING });
    expect(table.sortKey).toBeUndefined();
    expect(table.heartbeatEnabled).toBe(true);
    expect(table.heartbeatInterval.toMilliseconds()).toBe(2000);
    expect(table.heartbeatPartitionValue).toBe('__rgt_heartbeat__');
    expect(table.heartbeatSortValue).toBeUndefined();
    expect(table.heartbeatFunction).toBeDefined();
    expect(table.lagAlarmThreshold.toMilliseconds()).toBe(5000);
    expect(table.lagAlarmPeriod.toSeconds()).toBe(60);
    expect(table.table).toBeInstanceOf(dynamodb.TableV2);
  });

  test('builds literal ARNs for the table, lag alarm, topic and dead-letter queue', () => {
    // GIVEN
    const { stack } = primaryStack();

    // WHEN
    const table = new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

    // THEN
    expect(stack.resolve(table.tableArn(REPLICA))).toEqual(tableArn(REPLICA));
    expect(stack.resolve(table.tableArn(PRIMARY))).toEqual(tableArn(PRIMARY));
    expect(table.lagAlarmName(REPLICA)).toBe('orders-replication-lag-eu-central-1');
    expect(stack.resolve(table.lagAlarmArn(REPLICA)))
      .toEqual(joinedArn(`:cloudwatch:${PRIMARY}:${ACCOUNT}:alarm:orders-replication-lag-eu-central-1`));
    expect(stack.resolve(table.lagAlarmTopicArn(REPLICA)))
      .toEqual(joinedArn(`:sns:${PRIMARY}:${ACCOUNT}:orders-replication-lag-eu-central-1`));
    expect(stack.resolve(table.lagAlarmDeadLetterQueueArn(REPLICA)))
      .toEqual(joinedArn(`:sqs:${PRIMARY}:${ACCOUNT}:orders-replication-lag-eu-central-1-dlq`));
  });

  test('fits the topic and queue names to SNS and SQS rules for a long dotted table name', () => {
    // GIVEN
    const { stack } = primaryStack();
    const tableName = `app.${'x'.repeat(251)}`;

    // WHEN
    const table = new ResilientGlobalTable(stack, 'Table', { ...BASE_PROPS, tableName });

    // THEN
    const template = Template.fromStack(stack);
    const queueName: string = onlyResource(template, 'AWS::SQS::Queue').properties.QueueName;
    const topicName: string = onlyResource(template, 'AWS::SNS::Topic').properties.TopicName;
    const alarmName = table.lagAlarmName(REPLICA);
    expect(alarmName.length).toBeLessThanOrEqual(255);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: alarmName });
    expect(topicName.length).toBeLessThanOrEqual(256);
    expect(queueName.length).toBeLessThanOrEqual(80);
    expect(queueName).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(topicName).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(stack.resolve(table.lagAlarmDeadLetterQueueArn(REPLICA)))
      .toEqual(joinedArn(`:sqs:${PRIMARY}:${ACCOUNT}:${queueName}`));
    expect(stack.resolve(table.lagAlarmTopicArn(REPLICA)))
      .toEqual(joinedArn(`:sns:${PRIMARY}:${ACCOUNT}:${topicName}`));
  });

  test('accepts a table name that is a token', () => {
    // GIVEN
    const { stack } = primaryStack();
    const tableName = Lazy.string({ produce: () => 'late-name' });

    // WHEN
    new ResilientGlobalTable(stack, 'Table', { ...BASE_PROPS, tableName });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'late-name' });
  });

  test('passes the CloudFormation validator of the default rules', () => {
    // GIVEN
    const { app, stack } = primaryStack({ '@aws-cdk/core:validateAgainstDefaultRules': true });
    const sortKey = { name: 'sk', type: dynamodb.AttributeType.STRING };
    new ResilientGlobalTable(stack, 'Table', { ...BASE_PROPS, sortKey });
    const quiet = new Stack(app, 'Quiet', { env: { account: ACCOUNT, region: PRIMARY } });
    new ResilientGlobalTable(quiet, 'Table', { ...BASE_PROPS, heartbeat: { enabled: false } });

    // WHEN
    const synth = (): unknown => app.synth();

    // THEN
    expect(synth).not.toThrow();
  });

  describe('grants', () => {
    test('names the replica table and its indexes in the reader region, and the primary for the fallback', () => {
      // GIVEN
      const { app, stack } = primaryStack();
      const table = new ResilientGlobalTable(stack, 'Table', BASE_PROPS);
      const readerStack = new Stack(app, 'Reader', { env: { account: ACCOUNT, region: REPLICA } });
      const assumedBy = new iam.ServicePrincipal('lambda.amazonaws.com');
      const role = new iam.Role(readerStack, 'ReaderRole', { assumedBy });

      // WHEN
      table.grantReplicaRead(role, REPLICA);
      table.grantPrimaryConsistentRead(role);

      // THEN
      const template = Template.fromStack(readerStack);
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
              Resource: [tableArn(REPLICA), tableArn(REPLICA, '/index/*')],
            },
            {
              Effect: 'Allow',
              Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
              Resource: [tableArn(PRIMARY), tableArn(PRIMARY, '/index/*')],
            },
          ],
        },
      });
      expect(JSON.stringify(template.toJSON())).not.toContain('Fn::ImportValue');
    });

    test('throws when a grant names a region the table is not in', () => {
      // GIVEN
      const { stack } = primaryStack();
      const table = new ResilientGlobalTable(stack, 'Table', BASE_PROPS);
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

      // WHEN
      const grant = (): unknown => table.grantReplicaRead(role, 'sa-east-1');

      // THEN
      expect(grant).toThrow("region must be the primary region or a replica region of table 'orders' "
        + '(us-east-1, eu-central-1), got "sa-east-1"');
    });
  });

  describe('heartbeat', () => {
    test('runs on nodejs22.x arm64 with 128 MB, a timeout longer than a run, and a run longer than a minute', () => {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // THEN
      const fn = onlyResource(Template.fromStack(stack), 'AWS::Lambda::Function').properties;
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Handler).toBe('index.handler');
      expect(fn.MemorySize).toBe(128);
      const runMs = Number(fn.Environment.Variables.HEARTBEAT_RUN_MS);
      expect(runMs).toBeGreaterThan(60_000);
      expect(fn.Timeout * 1000).toBeGreaterThan(runMs);
    });

    test('gets the environment of the heartbeat contract', () => {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectEquals({
            TABLE_NAME: TABLE,
            PRIMARY_REGION: PRIMARY,
            REPLICA_REGIONS: REPLICA,
            PARTITION_KEY: 'pk',
            PARTITION_KEY_TYPE: 'S',
            HEARTBEAT_PARTITION_VALUE: '__rgt_heartbeat__',
            HEARTBEAT_INTERVAL_MS: '2000',
            HEARTBEAT_RUN_MS: '70000',
            SDK_TIMEOUT_MS: '1000',
            SDK_MAX_ATTEMPTS: '2',
          }),
        },
      });
    });

    test('passes the sort key and custom values, with the sort value defaulting to the partition value', () => {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      const table = new ResilientGlobalTable(stack, 'Table', {
        ...BASE_PROPS,
        replicaRegions: [REPLICA, 'ap-southeast-2'],
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        heartbeat: { interval: Duration.seconds(5), partitionValue: 'hb' },
      });

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            REPLICA_REGIONS: 'eu-central-1,ap-southeast-2',
            HEARTBEAT_PARTITION_VALUE: 'hb',
            HEARTBEAT_INTERVAL_MS: '5000',
            SORT_KEY: 'sk',
            SORT_KEY_TYPE: 'S',
            HEARTBEAT_SORT_VALUE: 'hb',
          }),
        },
      });
      expect(table.heartbeatSortValue).toBe('hb');
    });

    test('is started every minute by an EventBridge rule', () => {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // THEN
      const template = Template.fromStack(stack);
      const fnId = onlyResource(template, 'AWS::Lambda::Function').logicalId;
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      });
    });

    test('has exactly: PutItem on the primary heartbeat item, GetItem on each replica copy, and its log group', () => {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      new ResilientGlobalTable(stack, 'Table', { ...BASE_PROPS, replicaRegions: [REPLICA, 'ap-southeast-2'] });

      // THEN
      const template = Template.fromStack(stack);
      const logGroupId = onlyResource(template, 'AWS::Logs::LogGroup').logicalId;
      const onlyHeartbeat = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['__rgt_heartbeat__'] } };
      template.resourceCountIs('AWS::IAM::Policy', 1);
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: Match.objectEquals({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: tableArn(PRIMARY), Condition: onlyHeartbeat },
            {
              Effect: 'Allow',
              Action: 'dynamodb:GetItem',
              Resource: [tableArn(REPLICA), tableArn('ap-southeast-2')],
              Condition: onlyHeartbeat,
            },
            {
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
            },
          ],
        }),
      });
      const role = onlyResource(template, 'AWS::IAM::Role').properties;
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(role.Policies).toBeUndefined();
    });

    test('keeps its logs for two weeks by default and for the retention given', () => {
      // GIVEN
      const { stack } = primaryStack();
      const other = new Stack(stack.node.root as App, 'Other', { env: { account: ACCOUNT, region: PRIMARY } });

      // WHEN
      new ResilientGlobalTable(stack, 'Table', BASE_PROPS);
      const heartbeat = { logRetention: logs.RetentionDays.THREE_MONTHS };
      new ResilientGlobalTable(other, 'Table', { ...BASE_PROPS, heartbeat });

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
      Template.fromStack(other).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    });

    test('when disabled, creates no function and no schedule, and the lag alarm is plain ReplicationLatency', () => {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      const table = new ResilientGlobalTable(stack, 'Table', { ...BASE_PROPS, heartbeat: { enabled: false } });

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Lambda::Function', 0);
      template.resourceCountIs('AWS::Events::Rule', 0);
      const topic = onlyResource(template, 'AWS::SNS::Topic').logicalId;
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'orders-replication-lag-eu-central-1',
        Namespace: 'AWS/DynamoDB',
        MetricName: 'ReplicationLatency',
        Dimensions: [{ Name: 'ReceivingRegion', Value: REPLICA }, { Name: 'TableName', Value: TABLE }],
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 5000,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topic }],
        OKActions: [{ Ref: topic }],
        InsufficientDataActions: [{ Ref: topic }],
      });
      expect(table.heartbeatFunction).toBeUndefined();
      expect(table.heartbeatEnabled).toBe(false);
    });
  });

  describe('lag alarm', () => {
    test('uses the metric math expression over latency, heartbeat writes and observed lag, with every action', () => {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      const table = new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // THEN
      const template = Template.fromStack(stack);
      const topic = onlyResource(template, 'AWS::SNS::Topic').logicalId;
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'orders-replication-lag-eu-central-1',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 5000,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topic }],
        OKActions: [{ Ref: topic }],
        InsufficientDataActions: [{ Ref: topic }],
        Metrics: [
          Match.objectLike({ Expression: EXPECTED_EXPRESSION, ReturnData: true }),
          {
            Id: 'm_lat',
            ReturnData: false,
            MetricStat: {
              Metric: {
                Namespace: 'AWS/DynamoDB',
                MetricName: 'ReplicationLatency',
                Dimensions: [{ Name: 'ReceivingRegion', Value: REPLICA }, { Name: 'TableName', Value: TABLE }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
          {
            Id: 'm_hb',
            ReturnData: false,
            MetricStat: {
              Metric: {
                Namespace: 'ResilientGlobalTable',
                MetricName: 'HeartbeatWrites',
                Dimensions: [{ Name: 'TableName', Value: TABLE }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
          {
            Id: 'm_obs',
            ReturnData: false,
            MetricStat: {
              Metric: {
                Namespace: 'ResilientGlobalTable',
                MetricName: 'ObservedReplicaLag',
                Dimensions: [{ Name: 'ReceivingRegion', Value: REPLICA }, { Name: 'TableName', Value: TABLE }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      });
      expect(table.lagAlarm(REPLICA).alarmName).toBeDefined();
      // AND evaluated per period: heartbeat writes without latency breach; an idle table does not; healthy is latency
      const alarmName = 'orders-replication-lag-eu-central-1';
      expect(lagDatapoint(template, alarmName, { hb: 3 }).breaches).toBe(true);
      expect(lagDatapoint(template, alarmName, { hb: 3, obs: 400 }).breaches).toBe(true);
      expect(lagDatapoint(template, alarmName, {}).breaches).toBe(false);
      expect(lagDatapoint(template, alarmName, { lat: 800, hb: 3, obs: 300 })).toEqual({
        value: 800, threshold: 5000, breaches: false,
      });
      expect(lagDatapoint(template, alarmName, { lat: 6000, hb: 3, obs: 300 }).breaches).toBe(true);
      expect(lagDatapoint(template, alarmName, { hb: 3, obs: 7000 }).breaches).toBe(true);
    });

    test('takes a threshold, period, evaluation periods and datapoints to alarm', () => {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      new ResilientGlobalTable(stack, 'Table', {
        ...BASE_PROPS,
        lagAlarmThreshold: Duration.seconds(30),
        lagAlarmPeriod: Duration.minutes(5),
        lagAlarmEvaluationPeriods: 3,
        lagAlarmDatapointsToAlarm: 2,
      });

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'orders-replication-lag-eu-central-1',
        Threshold: 30000,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Metrics: Match.arrayWith([
          Match.objectLike({
            Expression: 'IF(FILL(m_hb, 0) > 0 AND FILL(m_lat, -1) < 0, 30001, MAX([FILL(m_lat, 0), FILL(m_obs, 0)]))',
          }),
          Match.objectLike({ Id: 'm_lat', MetricStat: Match.objectLike({ Period: 300 }) }),
          Match.objectLike({ Id: 'm_hb', MetricStat: Match.objectLike({ Period: 300 }) }),
          Match.objectLike({ Id: 'm_obs', MetricStat: Match.objectLike({ Period: 300 }) }),
        ]),
      });
      // AND the breach for heartbeat writes without latency follows the custom threshold
      const alarmName = 'orders-replication-lag-eu-central-1';
      expect(lagDatapoint(template, alarmName, { hb: 1 })).toMatchObject({ threshold: 30000, breaches: true });
      expect(lagDatapoint(template, alarmName, {}).breaches).toBe(false);
      expect(lagDatapoint(template, alarmName, { lat: 6000, hb: 1 })).toEqual({
        value: 6000, threshold: 30000, breaches: false,
      });
    });

    test('publishes to a KMS-encrypted topic whose key lets CloudWatch use it and rotates', () => {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // THEN
      const template = Template.fromStack(stack);
      const keyId = onlyResource(template, 'AWS::KMS::Key').logicalId;
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: 'orders-replication-lag-eu-central-1',
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([{
            Sid: 'AllowCloudWatchAlarmsToUseTheKey',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }]),
        },
      });
    });

    test('has a topic policy: only the lag alarm may publish, the account may subscribe, non-TLS is denied', () => {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // THEN
      const template = Template.fromStack(stack);
      const topic = onlyResource(template, 'AWS::SNS::Topic').logicalId;
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topic }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowPublishThroughSSLOnly',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Resource: { Ref: topic },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
            {
              Sid: 'AllowCloudWatchAlarmToPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: topic },
              Condition: {
                StringEquals: { 'aws:SourceAccount': ACCOUNT },
                ArnLike: {
                  'aws:SourceArn': joinedArn(
                    `:cloudwatch:${PRIMARY}:${ACCOUNT}:alarm:orders-replication-lag-eu-central-1`,
                  ),
                },
              },
            },
            {
              Sid: 'AllowAccountToSubscribe',
              Effect: 'Allow',
              Principal: { AWS: joinedArn(`:iam::${ACCOUNT}:root`) },
              Action: 'sns:Subscribe',
              Resource: { Ref: topic },
            },
          ]),
        },
      });
    });

    test('has an encrypted, TLS-only dead-letter queue that the topic may send to, with an alarm', () => {
      // GIVEN
      const { stack } = primaryStack();
      const operators = new sns.Topic(stack, 'Operators');

      // WHEN
      const table = new ResilientGlobalTable(stack, 'Table', {
        ...BASE_PROPS,
        deadLetterQueueAlarmActions: [new cloudwatchActions.SnsAction(operators)],
      });

      // THEN
      const template = Template.fromStack(stack);
      const queue = onlyResource(template, 'AWS::SQS::Queue').logicalId;
      const lagTopic = Object.keys(template.findResources('AWS::SNS::Topic', {
        Properties: { TopicName: 'orders-replication-lag-eu-central-1' },
      }))[0];
      const operatorsId = stack.getLogicalId(operators.node.defaultChild as sns.CfnTopic);
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'orders-replication-lag-eu-central-1-dlq',
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1209600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            {
              Sid: 'AllowLagTopicToDeadLetter',
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
              Condition: { ArnEquals: { 'aws:SourceArn': { Ref: lagTopic } } },
            },
          ]),
        },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: operatorsId }],
      });
      expect(table.lagAlarmDeadLetterQueueAlarm(REPLICA)).toBeDefined();
      expect(table.lagAlarmDeadLetterQueue(REPLICA)).toBeDefined();
      expect(table.lagAlarmTopic(REPLICA)).toBeDefined();
    });
  });

  describe('metrics', () => {
    test('metricReplicationLatency is AWS/DynamoDB ReplicationLatency per receiving region, Maximum, 1 minute', () => {
      // GIVEN
      const { stack } = primaryStack();
      const table = new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // WHEN
      const metric = table.metricReplicationLatency(REPLICA);
      const overridden = table.metricReplicationLatency(REPLICA, { statistic: 'Average', period: Duration.minutes(5) });

      // THEN
      expect(metric.namespace).toBe('AWS/DynamoDB');
      expect(metric.metricName).toBe('ReplicationLatency');
      expect(metric.dimensions).toEqual({ TableName: TABLE, ReceivingRegion: REPLICA });
      expect(metric.statistic).toBe('Maximum');
      expect(metric.period.toSeconds()).toBe(60);
      expect(metric.region).toBe(PRIMARY);
      expect(overridden.statistic).toBe('Average');
      expect(overridden.period.toSeconds()).toBe(300);
    });

    test('an override given as undefined keeps the default period and region', () => {
      // GIVEN
      const { stack } = primaryStack();
      const table = new ResilientGlobalTable(stack, 'Table', BASE_PROPS);
      const undefinedOverrides = { period: undefined, region: undefined };

      // WHEN
      const metrics = [
        table.metricReplicationLatency(REPLICA, undefinedOverrides),
        table.metricObservedReplicaLag(REPLICA, undefinedOverrides),
        table.metricHeartbeatWrites(undefinedOverrides),
      ];

      // THEN
      for (const metric of metrics) {
        expect(metric.period.toSeconds()).toBe(60);
        expect(metric.region).toBe(PRIMARY);
      }
    });

    test('metricObservedReplicaLag and metricHeartbeatWrites use the library namespace and dimensions', () => {
      // GIVEN
      const { stack } = primaryStack();
      const table = new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // WHEN
      const lag = table.metricObservedReplicaLag(REPLICA);
      const writes = table.metricHeartbeatWrites();

      // THEN
      expect(lag.namespace).toBe('ResilientGlobalTable');
      expect(lag.metricName).toBe('ObservedReplicaLag');
      expect(lag.dimensions).toEqual({ TableName: TABLE, ReceivingRegion: REPLICA });
      expect(lag.statistic).toBe('Maximum');
      expect(lag.period.toSeconds()).toBe(60);
      expect(writes.namespace).toBe('ResilientGlobalTable');
      expect(writes.metricName).toBe('HeartbeatWrites');
      expect(writes.dimensions).toEqual({ TableName: TABLE });
      expect(writes.statistic).toBe('Sum');
      expect(writes.period.toSeconds()).toBe(60);
    });

    test('throws when a metric or alarm is asked for a region that is not a replica', () => {
      // GIVEN
      const { stack } = primaryStack();
      const table = new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // WHEN
      const latency = (): unknown => table.metricReplicationLatency(PRIMARY);
      const alarm = (): unknown => table.lagAlarm('sa-east-1');

      // THEN
      expect(latency).toThrow("receivingRegion must be one of the replica regions of table 'orders' (eu-central-1), "
        + 'got "us-east-1"');
      expect(alarm).toThrow('got "sa-east-1"');
    });

    test('can feed an alarm in the primary stack', () => {
      // GIVEN
      const { stack } = primaryStack();
      const table = new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // WHEN
      new cloudwatch.Alarm(stack, 'Custom', {
        metric: table.metricObservedReplicaLag(REPLICA),
        threshold: 1000,
        evaluationPeriods: 1,
      });

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'ResilientGlobalTable',
        MetricName: 'ObservedReplicaLag',
        Threshold: 1000,
      });
    });
  });

  describe('synth-time refusals', () => {
    function expectRefusal(props: Partial<ResilientGlobalTableProps>, message: string | RegExp): void {
      // GIVEN
      const { stack } = primaryStack();

      // WHEN
      const create = (): unknown => new ResilientGlobalTable(stack, 'Table', { ...BASE_PROPS, ...props });

      // THEN
      expect(create).toThrow(message);
      expect(Template.fromStack(stack).toJSON().Resources ?? {}).toEqual({});
    }

    test('throws when a replica is in the primary region', () => {
      expectRefusal({ replicaRegions: [REPLICA, PRIMARY] },
        "replicaRegions[1] is us-east-1, the primary region (the stack's region, which holds the table itself)");
    });

    test('throws when the stack is region-agnostic', () => {
      // GIVEN
      const app = new App();
      const stack = new Stack(app, 'Agnostic');

      // WHEN
      const create = (): unknown => new ResilientGlobalTable(stack, 'Table', BASE_PROPS);

      // THEN
      expect(create)
        .toThrow(/ResilientGlobalTable needs a stack with a concrete region \(set env.region on stack 'Agnostic'\)/);
      expect(Template.fromStack(stack).toJSON().Resources ?? {}).toEqual({});
    });

    test('throws when the replica list is empty', () => {
      expectRefusal({ replicaRegions: [] },
        'replicaRegions must list at least one region other than the primary region us-east-1, got []');
    });

    test('throws when a replica region repeats or is not a region name', () => {
      expectRefusal({ replicaRegions: [REPLICA, REPLICA] }, 'replicaRegions[1] repeats eu-central-1');
      expectRefusal({ replicaRegions: ['Frankfurt'] },
        'replicaRegions[0] must be a region name such as \'eu-central-1\', got "Frankfurt"');
    });

    test('throws when the table name is too short or has characters DynamoDB refuses', () => {
      expectRefusal({ tableName: 'ab' }, /tableName must be 3 to 255 characters .*, got "ab"/);
      expectRefusal({ tableName: 'orders/eu' }, /tableName must be .*, got "orders\/eu"/);
      expectRefusal({ tableName: 'x'.repeat(256) }, /tableName must be 3 to 255 characters/);
    });

    test('throws when the heartbeat interval is out of range', () => {
      expectRefusal({ heartbeat: { interval: Duration.millis(500) } },
        'heartbeat.interval must be between 1 second (1000 ms) and 5 seconds (5000 ms), got 500 ms');
      expectRefusal({ heartbeat: { interval: Duration.seconds(6) } },
        'heartbeat.interval must be between 1 second (1000 ms) and 5 seconds (5000 ms), got 6 seconds (6000 ms)');
    });

    test('throws when the heartbeat key values do not fit the key types', () => {
      expectRefusal({ partitionKey: { name: 'id', type: dynamodb.AttributeType.NUMBER } },
        'heartbeat.partitionValue must be a numeric string because key \'id\' is a Number, got "__rgt_heartbeat__"');
      expectRefusal({ partitionKey: { name: 'id', type: dynamodb.AttributeType.BINARY } },
        /heartbeat.partitionValue: the heartbeat supports String and Number keys/);
      expectRefusal({ heartbeat: { partitionValue: '' } },
        'heartbeat.partitionValue must be a non-empty string, got ""');
    });

    test('throws when the lag alarm settings are out of range', () => {
      expectRefusal({ lagAlarmThreshold: Duration.millis(200) },
        'lagAlarmThreshold must be between 1 second (1000 ms) and 1 hour (3600000 ms), got 200 ms');
      expectRefusal({ lagAlarmPeriod: Duration.seconds(90) },
        'lagAlarmPeriod must be a whole multiple of 1 minute (60000 ms), got 1 minute 30 seconds (90000 ms)');
      expectRefusal({ lagAlarmEvaluationPeriods: 0 },
        'lagAlarmEvaluationPeriods must be an integer from 1 to 1440, got 0');
      expectRefusal({ lagAlarmEvaluationPeriods: 2, lagAlarmDatapointsToAlarm: 3 },
        'lagAlarmDatapointsToAlarm must be an integer from 1 to 2, got 3');
    });
  });

  test('accepts a Number partition key with a numeric heartbeat value, and Binary keys with the heartbeat off', () => {
    // GIVEN
    const { stack } = primaryStack();

    // WHEN
    new ResilientGlobalTable(stack, 'Numeric', {
      ...BASE_PROPS,
      tableName: 'numeric',
      partitionKey: { name: 'id', type: dynamodb.AttributeType.NUMBER },
      heartbeat: { partitionValue: '-1' },
    });
    new ResilientGlobalTable(stack, 'Binary', {
      ...BASE_PROPS,
      tableName: 'binary',
      partitionKey: { name: 'id', type: dynamodb.AttributeType.BINARY },
      heartbeat: { enabled: false },
    });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PARTITION_KEY_TYPE: 'N', HEARTBEAT_PARTITION_VALUE: '-1' }) },
    });
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
  });
});
