import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  InsufficientDataPolicy,
  ReplicationRerouter,
  ReplicationRerouterProps,
} from '../src/replication-rerouter';
import { ResilientGlobalTable } from '../src/resilient-global-table';
import { ReadLocation } from '../src/routing-parameter';

const ACCOUNT = '111111111111';
const PRIMARY_REGION = 'us-east-1';
const READER_REGION = 'eu-central-1';
const PARAMETER_NAME = '/resilient-global-table/orders/routing';
const DETECTION_ALARM_NAME = 'resilient-global-table-orders-routing-stale-detections';
const LAG_ALARM_NAME = 'orders-replication-lag-eu-central-1';
const LAG_TOPIC_NAME = 'orders-replication-lag-eu-central-1';
const LAG_QUEUE_NAME = 'orders-replication-lag-eu-central-1-dlq';

/** `arn:<partition>:<rest>` as CloudFormation renders an ARN built from the partition pseudo value. */
function arn(rest: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${rest}`]] };
}

const PARAMETER_ARN = arn(`ssm:eu-central-1:${ACCOUNT}:parameter${PARAMETER_NAME}`);
const DETECTION_ALARM_ARN = arn(`cloudwatch:eu-central-1:${ACCOUNT}:alarm:${DETECTION_ALARM_NAME}`);
const LAG_ALARM_ARN = arn(`cloudwatch:us-east-1:${ACCOUNT}:alarm:${LAG_ALARM_NAME}`);
const LAG_TOPIC_ARN = arn(`sns:us-east-1:${ACCOUNT}:${LAG_TOPIC_NAME}`);
const LAG_QUEUE_ARN = arn(`sqs:us-east-1:${ACCOUNT}:${LAG_QUEUE_NAME}`);

/** A fresh app: the table in us-east-1 replicating to eu-central-1, and an empty reader stack in eu-central-1. */
function givenTable(context: Record<string, unknown> = {}) {
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
  });

  return { app, primaryStack, readerStack, table };
}

type Fixture = ReturnType<typeof givenTable>;

function givenRerouter(props: Partial<ReplicationRerouterProps> = {}, fixture: Fixture = givenTable()) {
  const rerouter = new ReplicationRerouter(fixture.readerStack, 'Rerouter', { table: fixture.table, ...props });
  const template = Template.fromStack(fixture.readerStack);

  return { ...fixture, rerouter, template };
}

/** A prop name, props that break it, and the message expected. */
type RefusalCase = [string, Partial<ReplicationRerouterProps>, RegExp];

/** A prop name, props with a bad parameter name, and the problem expected in the message. */
type NameCase = [string, Partial<ReplicationRerouterProps>, string];

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
function idOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);

  return ids[0];
}

function rerouterFunction(template: Template): Record<string, any> {
  return template.findResources('AWS::Lambda::Function')[idOf(template, 'AWS::Lambda::Function', 'RerouterFunction')]
    .Properties;
}

describe('ReplicationRerouter', () => {
  test('creates the routing parameter once, without owning its value afterwards', () => {
    // GIVEN / WHEN
    const { rerouter, template } = givenRerouter();

    // THEN a create-only custom resource: no update, no delete, no latest SDK download
    const resources = template.findResources('Custom::RoutingParameter');
    expect(Object.keys(resources)).toHaveLength(1);
    const resource = Object.values(resources)[0];
    expect(JSON.parse(resource.Properties.Create)).toEqual({
      service: 'SSM',
      action: 'putParameter',
      parameters: { Name: PARAMETER_NAME, Value: 'replica', Type: 'String', Overwrite: false },
      physicalResourceId: { id: PARAMETER_NAME },
      ignoreErrorCodesMatching: 'ParameterAlreadyExists',
    });
    expect(resource.Properties.Update).toBeUndefined();
    expect(resource.Properties.Delete).toBeUndefined();
    expect(resource.Properties.InstallLatestAwsSdk).toBe(false);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^RerouterCreateParameterCustomResourcePolicy'),
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'ssm:PutParameter', Resource: PARAMETER_ARN }],
      },
    });
    template.resourceCountIs('AWS::SSM::Parameter', 0);
    expect(rerouter.parameterName).toBe(PARAMETER_NAME);
    expect(Stack.of(rerouter).resolve(rerouter.parameterArn)).toEqual(PARAMETER_ARN);
  });

  test('alarms on the readers\' detections summed over the parameter, with every state notifying its topic', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter();

    // THEN (construct-checks item 5: missing data is set explicitly)
    const topic = { Ref: idOf(template, 'AWS::SNS::Topic', 'RerouterDetectionTopic') };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: DETECTION_ALARM_NAME,
      Namespace: 'ResilientGlobalTable',
      MetricName: 'StaleDetections',
      Dimensions: [{ Name: 'Parameter', Value: PARAMETER_NAME }],
      Statistic: 'Sum',
      Period: 10,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      DatapointsToAlarm: 1,
      EvaluationPeriods: 4,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
      InsufficientDataActions: [topic],
    });
  });

  test('encrypts the detection topic with a rotated key that only CloudWatch of this account may use', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter();

    // THEN
    const keyId = idOf(template, 'AWS::KMS::Key', 'RerouterDetectionTopicKey');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Sid: 'AllowCloudWatchAlarmsToPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
        }]),
      },
    });
  });

  test('deletes the detection topic key with the stack, like the table\'s lag topic key', () => {
    // GIVEN / WHEN
    const { template, primaryStack } = givenRerouter();

    // THEN
    const keyId = idOf(template, 'AWS::KMS::Key', 'RerouterDetectionTopicKey');
    const detectionKey = template.findResources('AWS::KMS::Key')[keyId];
    const lagKeys = Object.values(Template.fromStack(primaryStack).findResources('AWS::KMS::Key'));
    expect(lagKeys).toHaveLength(1);
    expect([detectionKey.DeletionPolicy, detectionKey.UpdateReplacePolicy]).toEqual(['Delete', 'Delete']);
    expect([detectionKey.DeletionPolicy, detectionKey.UpdateReplacePolicy])
      .toEqual([lagKeys[0].DeletionPolicy, lagKeys[0].UpdateReplacePolicy]);
  });

  test('lets only the detection alarm of this account publish to the topic, over TLS only', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter();

    // THEN
    const topic = { Ref: idOf(template, 'AWS::SNS::Topic', 'RerouterDetectionTopic') };
    const policies = template.findResources('AWS::SNS::TopicPolicy');
    expect(Object.keys(policies)).toHaveLength(1);
    const policy = Object.values(policies)[0].Properties;
    expect(policy.Topics).toEqual([topic]);
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Sid: 'AllowPublishThroughSSLOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: topic,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'AllowDetectionAlarmToPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topic,
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': DETECTION_ALARM_ARN },
        },
      },
    ]);
  });

  test('subscribes to the detection topic and, across regions, to the table\'s lag topic', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter();

    // THEN
    const fn = { 'Fn::GetAtt': [idOf(template, 'AWS::Lambda::Function', 'RerouterFunction'), 'Arn'] };
    const topic = { Ref: idOf(template, 'AWS::SNS::Topic', 'RerouterDetectionTopic') };
    const queue = { 'Fn::GetAtt': [idOf(template, 'AWS::SQS::Queue', 'RerouterDeadLetterQueue'), 'Arn'] };
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((r) => r.Properties);
    expect(subscriptions).toEqual([
      { Protocol: 'lambda', Endpoint: fn, TopicArn: topic, RedrivePolicy: { deadLetterTargetArn: queue } },
      {
        Protocol: 'lambda',
        Endpoint: fn,
        TopicArn: LAG_TOPIC_ARN,
        Region: PRIMARY_REGION,
        RedrivePolicy: { deadLetterTargetArn: LAG_QUEUE_ARN },
      },
    ]);
  });

  test('lets each topic, and the schedule, invoke the function by its exact source ARN', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter();

    // THEN
    const fn = { 'Fn::GetAtt': [idOf(template, 'AWS::Lambda::Function', 'RerouterFunction'), 'Arn'] };
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((r) => r.Properties);
    expect(permissions).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: fn,
        Principal: 'sns.amazonaws.com',
        SourceArn: { Ref: idOf(template, 'AWS::SNS::Topic', 'RerouterDetectionTopic') },
      },
      { Action: 'lambda:InvokeFunction', FunctionName: fn, Principal: 'sns.amazonaws.com', SourceArn: LAG_TOPIC_ARN },
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: fn,
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [idOf(template, 'AWS::Events::Rule', 'RerouterReconcileSchedule'), 'Arn'] },
      },
    ]);
  });

  test('sends failed invocations to an encrypted dead-letter queue with an alarm', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter();

    // THEN
    const queueId = idOf(template, 'AWS::SQS::Queue', 'RerouterDeadLetterQueue');
    expect(rerouterFunction(template).DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          {
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
            Condition: {
              ArnEquals: { 'aws:SourceArn': { Ref: idOf(template, 'AWS::SNS::Topic', 'RerouterDetectionTopic') } },
            },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('runs the rerouter with reserved concurrency 1 and its defaults', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter();

    // THEN
    const logGroupId = idOf(template, 'AWS::Logs::LogGroup', 'RerouterLogGroup');
    const props = rerouterFunction(template);
    expect(props).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 30,
      ReservedConcurrentExecutions: 1,
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
    expect(props.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    expect(props.Environment.Variables).toEqual({
      ROUTING_PARAMETER_NAME: PARAMETER_NAME,
      ROUTING_ALARM_ARNS: {
        'Fn::Join': ['', [
          '["arn:',
          { Ref: 'AWS::Partition' },
          `:cloudwatch:eu-central-1:${ACCOUNT}:alarm:${DETECTION_ALARM_NAME}","arn:`,
          { Ref: 'AWS::Partition' }, `:cloudwatch:us-east-1:${ACCOUNT}:alarm:${LAG_ALARM_NAME}"]`,
        ]],
      },
      INSUFFICIENT_DATA_POLICY: 'keep',
      WRITE_MAX_ATTEMPTS: '6',
      WRITE_BASE_DELAY_MS: '100',
      SDK_TIMEOUT_MS: '1000',
      POWERTOOLS_SERVICE_NAME: 'resilient-global-table-rerouter',
      POWERTOOLS_METRICS_NAMESPACE: 'ResilientGlobalTable',
      LOG_LEVEL: 'INFO',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('grants the rerouter exactly what it needs', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter();

    // THEN (construct-checks item 6: the rerouter is the parameter's writer)
    const roleId = idOf(template, 'AWS::IAM::Role', 'RerouterRole');
    const policy = Object.values(template.findResources('AWS::IAM::Policy'))
      .find((p) => p.Properties.Roles[0].Ref === roleId)!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [idOf(template, 'AWS::SQS::Queue', 'RerouterDeadLetterQueue'), 'Arn'] },
      },
      {
        Sid: 'ReadAndWriteRoutingParameter',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:PutParameter'],
        Resource: PARAMETER_ARN,
      },
      {
        Sid: 'DescribeRoutingAlarms',
        Effect: 'Allow',
        Action: 'cloudwatch:DescribeAlarms',
        Resource: [DETECTION_ALARM_ARN, LAG_ALARM_ARN],
      },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [idOf(template, 'AWS::Logs::LogGroup', 'RerouterLogGroup'), 'Arn'] },
      },
    ]);
    expect(template.findResources('AWS::IAM::Role')[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('reconciles every 5 minutes by default', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter();

    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [{
        Arn: { 'Fn::GetAtt': [idOf(template, 'AWS::Lambda::Function', 'RerouterFunction'), 'Arn'] },
        Id: 'Target0',
      }],
    });
  });

  test('grantRead allows GetParameter on the exact parameter ARN and nothing else', () => {
    // GIVEN
    const { readerStack, table } = givenTable();
    const rerouter = new ReplicationRerouter(readerStack, 'Rerouter', { table });
    const role = new iam.Role(readerStack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // WHEN
    rerouter.grantRead(role);

    // THEN
    const template = Template.fromStack(readerStack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: idOf(template, 'AWS::IAM::Role', 'Consumer') }],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: PARAMETER_ARN }] },
    });
  });

  test('exposes its metrics with their dimensions, statistics and periods', () => {
    // GIVEN
    const { rerouter } = givenRerouter();

    // WHEN
    const changes = rerouter.metricRoutingChanges(ReadLocation.PRIMARY);
    const detections = rerouter.metricStaleDetections({ period: Duration.minutes(1) });

    // THEN
    expect([changes.namespace, changes.metricName, changes.statistic, changes.period.toSeconds()])
      .toEqual(['ResilientGlobalTable', 'RoutingChanges', 'Sum', 60]);
    expect(changes.dimensions).toEqual({ Parameter: PARAMETER_NAME, Mode: 'primary' });
    expect([detections.metricName, detections.statistic, detections.period.toSeconds()])
      .toEqual(['StaleDetections', 'Sum', 60]);
    expect(detections.dimensions).toEqual({ Parameter: PARAMETER_NAME });
    expect(rerouter.metricStaleDetections().period.toSeconds()).toBe(10);
  });

  test('keeps each metric\'s default period when an override leaves period undefined', () => {
    // GIVEN
    const { rerouter } = givenRerouter({ detectionAlarmPeriod: Duration.seconds(30) });

    // WHEN
    const changes = rerouter.metricRoutingChanges(ReadLocation.REPLICA, { period: undefined, label: 'to replica' });
    const detections = rerouter.metricStaleDetections({ period: undefined });

    // THEN
    expect([changes.period.toSeconds(), changes.label]).toEqual([60, 'to replica']);
    expect(detections.period.toSeconds()).toBe(30);
  });

  test('applies every prop', () => {
    // GIVEN / WHEN
    const { rerouter, template } = givenRerouter({
      parameterName: '/shop/orders-routing',
      detectionAlarmName: 'orders-stale',
      detectionAlarmPeriod: Duration.seconds(30),
      detectionDatapointsToAlarm: 2,
      detectionThreshold: 5,
      holdDown: Duration.seconds(61),
      insufficientDataPolicy: InsufficientDataPolicy.ALARM,
      reservedConcurrency: 2,
      reconcileInterval: Duration.hours(1),
      sdkTimeout: Duration.millis(700),
      timeout: Duration.seconds(45),
      memorySize: 512,
      logRetention: logs.RetentionDays.ONE_WEEK,
      architecture: lambda.Architecture.X86_64,
    });

    // THEN
    const parameterArn = arn(`ssm:eu-central-1:${ACCOUNT}:parameter/shop/orders-routing`);
    expect(rerouter.parameterName).toBe('/shop/orders-routing');
    expect(Stack.of(rerouter).resolve(rerouter.parameterArn)).toEqual(parameterArn);
    expect(JSON.parse(Object.values(template.findResources('Custom::RoutingParameter'))[0].Properties.Create)
      .parameters.Name).toBe('/shop/orders-routing');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-stale',
      Dimensions: [{ Name: 'Parameter', Value: '/shop/orders-routing' }],
      Period: 30,
      DatapointsToAlarm: 2,
      EvaluationPeriods: 3,
      Threshold: 5,
    });
    expect(rerouterFunction(template)).toMatchObject({
      Architectures: ['x86_64'],
      MemorySize: 512,
      Timeout: 45,
      ReservedConcurrentExecutions: 2,
      Environment: {
        Variables: {
          ROUTING_PARAMETER_NAME: '/shop/orders-routing',
          INSUFFICIENT_DATA_POLICY: 'alarm',
          SDK_TIMEOUT_MS: '700',
          ROUTING_ALARM_ARNS: {
            'Fn::Join': ['', [
              '["arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:eu-central-1:${ACCOUNT}:alarm:orders-stale","arn:`,
              { Ref: 'AWS::Partition' }, `:cloudwatch:us-east-1:${ACCOUNT}:alarm:${LAG_ALARM_NAME}"]`,
            ]],
          },
        },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Sid: 'ReadAndWriteRoutingParameter', Resource: parameterArn })]),
      },
    });
  });

  test('warns when reserved concurrency lets notifications race', () => {
    // GIVEN / WHEN
    const { readerStack } = givenRerouter({ reservedConcurrency: 3 });

    // THEN
    Annotations.fromStack(readerStack).hasWarning('/ReaderStack/Rerouter',
      Match.stringLikeRegexp('^reservedConcurrency is 3: duplicate or reordered notifications'));
  });

  test('warns about nothing with its defaults', () => {
    // GIVEN / WHEN
    const { readerStack } = givenRerouter();

    // THEN
    Annotations.fromStack(readerStack).hasNoWarning('*', Match.anyValue());
  });

  test('maps InsufficientDataPolicy.OK to "ok"', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter({ insufficientDataPolicy: InsufficientDataPolicy.OK });

    // THEN
    expect(rerouterFunction(template).Environment.Variables.INSUFFICIENT_DATA_POLICY).toBe('ok');
  });

  test('derives the evaluation periods from the hold-down with minute periods', () => {
    // GIVEN / WHEN
    const { template } = givenRerouter({ detectionAlarmPeriod: Duration.minutes(1), holdDown: Duration.minutes(3) });

    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'StaleDetections',
      Period: 60,
      EvaluationPeriods: 3,
    });
  });

  test('synthesizes without any cross-stack export or import', () => {
    // GIVEN
    const { app, primaryStack, readerStack } = givenRerouter();

    // WHEN
    const assembly = app.synth();

    // THEN
    expect(JSON.stringify(assembly.getStackByName(primaryStack.stackName).template)).not.toContain('"Export"');
    expect(JSON.stringify(assembly.getStackByName(readerStack.stackName).template)).not.toContain('Fn::ImportValue');
  });

  test('passes the CloudFormation validator with default rules enforced', () => {
    // GIVEN
    const fixture = givenTable({ '@aws-cdk/core:validateAgainstDefaultRules': true });
    new ReplicationRerouter(fixture.readerStack, 'Rerouter', { table: fixture.table });

    // WHEN / THEN synth throws on any validation error
    expect(() => fixture.app.synth()).not.toThrow();
  });

  describe('refusals', () => {
    test('throws when the stack is region-agnostic', () => {
      // GIVEN
      const fixture = givenTable();
      const agnostic = new Stack(fixture.app, 'Agnostic');

      // WHEN / THEN
      expect(() => new ReplicationRerouter(agnostic, 'Rerouter', { table: fixture.table }))
        .toThrow(/ReplicationRerouter needs a stack with a concrete region .*region-agnostic stack/);
    });

    test('throws when the stack is in the primary region', () => {
      // GIVEN
      const fixture = givenTable();

      // WHEN / THEN
      expect(() => new ReplicationRerouter(fixture.primaryStack, 'Rerouter', { table: fixture.table }))
        .toThrow('ReplicationRerouter must be in one of the replica regions of table orders (eu-central-1), '
          + 'got a stack in region us-east-1');
    });

    test('throws when the stack is in a region the table does not replicate to', () => {
      // GIVEN
      const fixture = givenTable();
      const elsewhere = new Stack(fixture.app, 'Elsewhere', { env: { account: ACCOUNT, region: 'ap-southeast-2' } });

      // WHEN / THEN
      expect(() => new ReplicationRerouter(elsewhere, 'Rerouter', { table: fixture.table }))
        .toThrow('ReplicationRerouter must be in one of the replica regions of table orders (eu-central-1), '
          + 'got a stack in region ap-southeast-2');
    });

    test.each([
      ['parameterName', { parameterName: 'orders/routing' }, "starting with '/'"],
      ['parameterName', { parameterName: '/orders routing' }, "only a-z, A-Z, 0-9, '_', '.', '-' and '/'"],
      ['parameterName', { parameterName: `/${'x'.repeat(1011)}` }, 'at most 1011 characters, this one has 1012'],
      ['parameterName', { parameterName: '/orders//routing' }, "no empty level: no '//' and no trailing '/'"],
      ['parameterName', { parameterName: '/orders/routing/' }, "no empty level: no '//' and no trailing '/'"],
      ['parameterName', { parameterName: `/${Array(16).fill('a').join('/')}` }, 'at most 15 levels, this one has 16'],
      ['parameterName', { parameterName: '/AWS/routing' }, 'not starting with the reserved /aws or /ssm'],
      ['parameterName', { parameterName: '/ssm-routing' }, 'not starting with the reserved /aws or /ssm'],
    ] as NameCase[])('throws when %s is invalid (%j)', (_, props, problem) => {
      // GIVEN
      const fixture = givenTable();

      // WHEN / THEN
      expect(() => givenRerouter(props, fixture))
        .toThrow(`parameterName must be a fully qualified SSM parameter name (${problem}), `
          + `got ${JSON.stringify(props.parameterName)}`);
    });

    // Two expected messages are too long for one line, so they are built from parts.
    const periodNotAllowed = new RegExp('^detectionAlarmPeriod must be 10 seconds, 30 seconds or a whole number'
      + ' of minutes up to one day, got 20 seconds');
    const holdDownTooManyPeriods = new RegExp('^holdDown \\(1 day .*\\) must cover at most one day'
      + ' of detectionAlarmPeriod \\(7 minutes .*\\) periods, got 206 periods$');
    test.each([
      ['detectionAlarmName', { detectionAlarmName: '' },
        /^detectionAlarmName must be 1 to 255 printable ASCII characters, got ""$/],
      ['detectionAlarmName', { detectionAlarmName: 'x'.repeat(256) },
        /^detectionAlarmName must be 1 to 255 printable ASCII/],
      ['detectionAlarmPeriod', { detectionAlarmPeriod: Duration.seconds(20) },
        periodNotAllowed],
      ['detectionAlarmPeriod', { detectionAlarmPeriod: Duration.seconds(90) },
        /^detectionAlarmPeriod must be .*, got 1 minute 30 seconds \(90000 ms\)$/],
      ['detectionAlarmPeriod', { detectionAlarmPeriod: Duration.seconds(0) },
        /^detectionAlarmPeriod must be .*, got 0 seconds/],
      ['detectionAlarmPeriod', { detectionAlarmPeriod: Duration.days(2) },
        /^detectionAlarmPeriod must be .*, got 2 days/],
      ['holdDown', { holdDown: Duration.seconds(0) },
        /^holdDown must be between 1 milli \(1 ms\) and 1 day .*, got 0 seconds/],
      ['holdDown', { holdDown: Duration.days(2) }, /^holdDown must be between .*, got 2 days/],
      ['holdDown', { holdDown: Duration.days(1), detectionAlarmPeriod: Duration.minutes(7) },
        holdDownTooManyPeriods],
      ['detectionDatapointsToAlarm', { detectionDatapointsToAlarm: 0 },
        /^detectionDatapointsToAlarm must be an integer from 1 to 4, got 0$/],
      ['detectionDatapointsToAlarm', { detectionDatapointsToAlarm: 5 },
        /^detectionDatapointsToAlarm must be an integer from 1 to 4, got 5$/],
      ['detectionThreshold', { detectionThreshold: 0 }, /^detectionThreshold must be a number greater than 0, got 0$/],
      ['reservedConcurrency', { reservedConcurrency: 0 },
        /^reservedConcurrency must be an integer from 1 to 1000, got 0$/],
      ['reservedConcurrency', { reservedConcurrency: 1.5 },
        /^reservedConcurrency must be an integer from 1 to 1000, got 1.5$/],
      ['reconcileInterval', { reconcileInterval: Duration.seconds(30) },
        /^reconcileInterval must be between 1 minute .* and 1 day .*, got 30 seconds/],
      ['reconcileInterval', { reconcileInterval: Duration.seconds(90) },
        /^reconcileInterval must be a whole multiple of 1 minute \(60000 ms\), got 1 minute 30 seconds \(90000 ms\)$/],
      ['reconcileInterval', { reconcileInterval: Duration.days(2) },
        /^reconcileInterval must be between .*, got 2 days/],
      ['sdkTimeout', { sdkTimeout: Duration.millis(0) }, /^sdkTimeout must be between 1 milli .*, got 0 ms$/],
      ['timeout', { timeout: Duration.minutes(16) },
        /^timeout must be between 1 second .* and 15 minutes .*, got 16 minutes/],
      ['timeout', { timeout: Duration.millis(1500) },
        /^timeout must be a whole multiple of 1 second .*, got 1 second 500 millis/],
      ['memorySize', { memorySize: 64 }, /^memorySize must be an integer from 128 to 10240, got 64$/],
      ['memorySize', { memorySize: 10241 }, /^memorySize must be an integer from 128 to 10240, got 10241$/],
    ] as RefusalCase[])('throws when %s is out of range (%j)', (_, props, message) => {
      // GIVEN
      const fixture = givenTable();

      // WHEN / THEN
      expect(() => givenRerouter(props, fixture)).toThrow(message);
    });

    test('throws before creating any resource', () => {
      // GIVEN
      const fixture = givenTable();

      // WHEN
      expect(() => givenRerouter({ reservedConcurrency: 0 }, fixture)).toThrow(/reservedConcurrency/);

      // THEN
      expect(fixture.readerStack.node.tryFindChild('Rerouter')?.node.children ?? []).toEqual([]);
    });
  });
});
