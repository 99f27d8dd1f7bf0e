import {
  App,
  Duration,
  Stack,
  aws_cloudwatch as cloudwatch,
  aws_dynamodb as dynamodb,
  aws_lambda as lambda,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { FisChaosSuite } from '../src/fis-chaos-suite';
import { ResilientGlobalTable } from '../src/resilient-global-table';

const ENV = { account: '111122223333', region: 'eu-west-1' };
const FUNCTION_COUNT_ERROR = 'FisChaosSuite: functions must hold 1 to 5 functions (an FIS target names at most 5 ARNs)';

/** `arn:<partition><rest>` as CloudFormation renders it. */
function partitionJoin(rest: string): object {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] };
}

function newStack(app = new App()): Stack {
  return new Stack(app, 'Chaos', { env: ENV });
}

function newFunction(stack: Stack, id: string, props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    timeout: Duration.seconds(30),
    ...props,
  });
}

function newTable(primary: Stack): ResilientGlobalTable {
  return new ResilientGlobalTable(primary, 'Table', {
    tableName: 'orders',
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    replicaRegions: ['eu-west-1'],
    heartbeat: { enabled: false },
  });
}

function newAlarm(stack: Stack, id: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(stack, id, {
    metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: 'Errors' }),
    threshold: 1,
    evaluationPeriods: 1,
  });
}

/** The one resource of a type whose properties match, with its logical id. */
function onlyResource(template: Template, type: string, props: object = {}): [string, any] {
  const found = Object.entries(template.findResources(type, { Properties: props }));
  expect(found).toHaveLength(1);

  return found[0] as [string, any];
}

function bucketArn(template: Template): object {
  const [bucketId] = onlyResource(template, 'AWS::S3::Bucket');

  return { 'Fn::GetAtt': [bucketId, 'Arn'] };
}

describe('FisChaosSuite', () => {
  describe('replication pause', () => {
    test('targets the replica table in the suite region with key Tables and pauses for PT10M by default', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');

      // WHEN
      const pause = suite.addReplicationPause('Pause', { tableName: 'orders' });

      // THEN
      const template = Template.fromStack(stack);
      const [, resource] = onlyResource(template, 'AWS::FIS::ExperimentTemplate');
      const props = resource.Properties;
      expect(props.Actions).toEqual({
        pauseReplication: {
          ActionId: 'aws:dynamodb:global-table-pause-replication',
          Description: props.Description,
          Parameters: { duration: 'PT10M' },
          Targets: { Tables: 'Tables' },
        },
      });
      expect(props.Targets).toEqual({
        Tables: {
          ResourceType: 'aws:dynamodb:global-table',
          ResourceArns: [partitionJoin(':dynamodb:eu-west-1:111122223333:table/orders')],
          SelectionMode: 'ALL',
        },
      });
      expect(props.Targets.Tables.ResourceTags).toBeUndefined();
      expect(props.Description)
        .toEqual('Pause replication to the replica of global table orders in eu-west-1 for PT10M');
      expect(props.Tags).toEqual({ 'Name': 'Pause', 'resilient-global-table:experiment': 'replication-pause' });
      expect(suite.experimentTemplates).toEqual([pause]);
      expect(stack.resolve(pause.ref)).toEqual({ Ref: expect.stringMatching(/^SuitePause/) });
    });

    test('takes a custom duration, description and tags', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');

      // WHEN
      suite.addReplicationPause('Pause', {
        tableName: 'orders',
        replicaRegion: 'eu-west-1',
        duration: Duration.minutes(15),
        description: 'Game day pause',
        tags: { team: 'storage' },
      });

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::FIS::ExperimentTemplate', {
        Description: 'Game day pause',
        Actions: { pauseReplication: Match.objectLike({ Parameters: { duration: 'PT15M' } }) },
        Tags: { 'Name': 'Pause', 'team': 'storage', 'resilient-global-table:experiment': 'replication-pause' },
      });
    });

    test('warns when the pause is shorter than 10 minutes', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');

      // WHEN
      suite.addReplicationPause('Pause', { tableName: 'orders', duration: Duration.minutes(3) });

      // THEN
      Annotations.fromStack(stack).hasWarning('/Chaos/Suite',
        Match.stringLikeRegexp('lasts 3 minutes: replication can go on for up to 5 minutes'));
    });

    test('throws when the replica region is not the suite region', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');

      // WHEN / THEN
      expect(() => suite.addReplicationPause('Pause', { tableName: 'orders', replicaRegion: 'us-east-1' }))
        .toThrow("FisChaosSuite: replicaRegion must equal the suite's region eu-west-1 (FIS pauses the replica in the"
          + " experiment's own region; put a suite in the replica's region), got us-east-1");
    });

    test('takes a ResilientGlobalTable and targets its replica in the suite region', () => {
      // GIVEN a table whose primary is us-east-1 and a suite in its replica region
      const app = new App();
      const primary = new Stack(app, 'Primary', { env: { account: ENV.account, region: 'us-east-1' } });
      const table = newTable(primary);
      const stack = newStack(app);
      const suite = new FisChaosSuite(stack, 'Suite');

      // WHEN
      suite.addReplicationPause('Pause', { table });

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
        Description: 'Pause replication to the replica of global table orders in eu-west-1 for PT10M',
        Targets: {
          Tables: {
            ResourceType: 'aws:dynamodb:global-table',
            ResourceArns: [stack.resolve(table.tableArn('eu-west-1'))],
            SelectionMode: 'ALL',
          },
        },
      });
      expect(JSON.stringify(stack.resolve(table.tableArn('eu-west-1')))).toContain(':dynamodb:eu-west-1:');
    });

    test('throws when the suite is in the table primary region', () => {
      // GIVEN
      const app = new App();
      const primary = new Stack(app, 'Primary', { env: { account: ENV.account, region: 'us-east-1' } });
      const table = newTable(primary);
      const suite = new FisChaosSuite(primary, 'Suite');

      // WHEN / THEN
      expect(() => suite.addReplicationPause('Pause', { table })).toThrow(
        "FisChaosSuite: the suite's region us-east-1 must be a replica region of table orders (eu-west-1); FIS pauses"
        + " the replica in the experiment's own region, so add the suite to a replica region's stack");
    });

    test.each([
      ['neither table nor tableName is given', {}, 'got no table and no tableName'],
      ['both table and tableName are given', { tableName: 'orders', withTable: true },
        "got table Primary/Table and tableName 'orders'"],
    ])('throws when %s', (_name, options: { tableName?: string; withTable?: boolean }, got) => {
      // GIVEN
      const app = new App();
      const primary = new Stack(app, 'Primary', { env: { account: ENV.account, region: 'us-east-1' } });
      const table = newTable(primary);
      const suite = new FisChaosSuite(newStack(app), 'Suite');

      // WHEN / THEN
      expect(() => suite.addReplicationPause('Pause', {
        tableName: options.tableName,
        table: options.withTable ? table : undefined,
      })).toThrow(`FisChaosSuite: give exactly one of table and tableName for a replication pause, ${got}`);
    });

    test('throws when the table name is empty', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');

      // WHEN / THEN
      expect(() => suite.addReplicationPause('Pause', { tableName: ' ' }))
        .toThrow("FisChaosSuite: tableName must be the table's physical name, got ' '");
    });
  });

  describe('invocation delay', () => {
    test('delays 100% of invocations by 12000 ms for PT2M on the Functions target by default', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');

      // WHEN
      suite.addInvocationDelay('Delay', { functions: [reader] });

      // THEN
      const template = Template.fromStack(stack);
      const [, resource] = onlyResource(template, 'AWS::FIS::ExperimentTemplate');
      const props = resource.Properties;
      expect(props.Actions.addStartupDelay).toEqual({
        ActionId: 'aws:lambda:invocation-add-delay',
        Description: props.Description,
        Parameters: { duration: 'PT2M', startupDelayMilliseconds: '12000', invocationPercentage: '100' },
        Targets: { Functions: 'Functions' },
      });
      expect(props.Targets).toEqual({
        Functions: {
          ResourceType: 'aws:lambda:function',
          ResourceArns: [stack.resolve(reader.functionArn)],
          SelectionMode: 'ALL',
        },
      });
      expect(props.Targets.Functions.ResourceTags).toBeUndefined();
      expect(props.Tags['resilient-global-table:experiment']).toEqual('invocation-delay');
    });

    test('writes custom numbers as strings', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');

      // WHEN
      suite.addInvocationDelay('Delay', {
        functions: [reader],
        startupDelay: Duration.millis(1500),
        invocationPercent: 25,
        duration: Duration.seconds(90),
      });

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::FIS::ExperimentTemplate', {
        Actions: {
          addStartupDelay: Match.objectLike({
            Parameters: { duration: 'PT1M30S', startupDelayMilliseconds: '1500', invocationPercentage: '25' },
          }),
        },
      });
    });

    test('warns when a function timeout is not longer than the delay', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader', { timeout: Duration.seconds(12) });

      // WHEN
      suite.addInvocationDelay('Delay', { functions: [reader] });

      // THEN
      Annotations.fromStack(stack).hasWarning('/Chaos/Reader',
        Match.stringLikeRegexp("Invocation delay 'Delay' adds 12000 ms to a function whose timeout is 12 seconds"));
    });

    test('does not warn when the timeout is longer than the delay', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader', { timeout: Duration.seconds(13) });

      // WHEN
      suite.addInvocationDelay('Delay', { functions: [reader] });

      // THEN
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('Invocation delay'));
    });

    test.each([
      ['the delay is above 900000 ms', { startupDelay: Duration.millis(900_001) },
        'FisChaosSuite: startupDelay (in milliseconds) must be a whole number from 0 to 900000, got 900001'],
      ['the delay is a fraction of a millisecond', { startupDelay: Duration.millis(0.5) },
        'FisChaosSuite: startupDelay (in milliseconds) must be a whole number from 0 to 900000, got 0.5'],
      ['the percentage is 0', { invocationPercent: 0 },
        'FisChaosSuite: invocationPercent must be a whole number from 1 to 100, got 0'],
      ['the percentage is above 100', { invocationPercent: 101 },
        'FisChaosSuite: invocationPercent must be a whole number from 1 to 100, got 101'],
      ['the duration is zero', { duration: Duration.seconds(0) },
        'FisChaosSuite: duration must be a whole number of seconds, more than 0 and at most 12 hours (43200 s),'
        + ' got 0 seconds'],
      ['the duration is longer than 12 hours', { duration: Duration.hours(13) },
        'FisChaosSuite: duration must be a whole number of seconds, more than 0 and at most 12 hours (43200 s),'
        + ' got 13 hours'],
    ])('throws when %s', (_name, options, message) => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');

      // WHEN / THEN
      expect(() => suite.addInvocationDelay('Delay', { functions: [reader], ...options })).toThrow(message);
      Template.fromStack(stack).resourceCountIs('AWS::FIS::ExperimentTemplate', 0);
    });

    test('throws when there are more than 5 functions', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const functions = [1, 2, 3, 4, 5, 6].map((n) => newFunction(stack, `Fn${n}`));

      // WHEN / THEN
      expect(() => suite.addInvocationDelay('Delay', { functions }))
        .toThrow(`${FUNCTION_COUNT_ERROR}, got 6`);
    });

    test('throws when there is no function', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });

      // WHEN / THEN
      expect(() => suite.addInvocationDelay('Delay', { functions: [] }))
        .toThrow(`${FUNCTION_COUNT_ERROR}, got 0`);
    });
  });

  describe('invocation error', () => {
    test('fails 100% of invocations with preventExecution true for PT2M by default', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');

      // WHEN
      suite.addInvocationError('Error', { functions: [reader] });

      // THEN
      const [, resource] = onlyResource(Template.fromStack(stack), 'AWS::FIS::ExperimentTemplate');
      const props = resource.Properties;
      expect(props.Actions.failInvocations).toEqual({
        ActionId: 'aws:lambda:invocation-error',
        Description: props.Description,
        Parameters: { duration: 'PT2M', preventExecution: 'true', invocationPercentage: '100' },
        Targets: { Functions: 'Functions' },
      });
      expect(props.Targets).toEqual({
        Functions: {
          ResourceType: 'aws:lambda:function',
          ResourceArns: [stack.resolve(reader.functionArn)],
          SelectionMode: 'ALL',
        },
      });
    });

    test('takes preventExecution false and a percentage', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');

      // WHEN
      suite.addInvocationError('Error', { functions: [reader], preventExecution: false, invocationPercent: 50 });

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::FIS::ExperimentTemplate', {
        Actions: {
          failInvocations: Match.objectLike({
            Parameters: { duration: 'PT2M', preventExecution: 'false', invocationPercentage: '50' },
          }),
        },
      });
    });
  });

  describe('stop conditions and logs', () => {
    test('uses source none when no alarm is given', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');

      // WHEN
      suite.addReplicationPause('Pause', { tableName: 'orders' });

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::FIS::ExperimentTemplate', {
        StopConditions: [{ Source: 'none' }],
      });
    });

    test('names each alarm by its ARN', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');
      const first = newAlarm(stack, 'First');
      const second = newAlarm(stack, 'Second');

      // WHEN
      suite.addReplicationPause('Pause', { tableName: 'orders', stopConditionAlarms: [first, second] });

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::FIS::ExperimentTemplate', {
        StopConditions: [
          { Source: 'aws:cloudwatch:alarm', Value: stack.resolve(first.alarmArn) },
          { Source: 'aws:cloudwatch:alarm', Value: stack.resolve(second.alarmArn) },
        ],
      });
    });

    test('warns when a stop alarm is in another region', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');
      const remote = cloudwatch.Alarm.fromAlarmArn(stack, 'Remote',
        'arn:aws:cloudwatch:us-east-1:111122223333:alarm:orders-lag');

      // WHEN
      suite.addReplicationPause('Pause', { tableName: 'orders', stopConditionAlarms: [remote] });

      // THEN
      Annotations.fromStack(stack).hasWarning('/Chaos/Suite', Match.stringLikeRegexp(
        'Stop condition alarm arn:aws:cloudwatch:us-east-1:111122223333:alarm:orders-lag is in region us-east-1'));
    });

    test('throws when there are more than 5 stop alarms', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');
      const alarms = [1, 2, 3, 4, 5, 6].map((n) => newAlarm(stack, `Alarm${n}`));

      // WHEN / THEN
      expect(() => suite.addReplicationPause('Pause', { tableName: 'orders', stopConditionAlarms: alarms }))
        .toThrow('FisChaosSuite: stopConditionAlarms.length must be a whole number from 0 to 5, got 6');
    });

    test('logs every experiment to the suite log group with schema version 2', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');

      // WHEN
      suite.addReplicationPause('Pause', { tableName: 'orders' });

      // THEN
      const template = Template.fromStack(stack);
      const [logGroupId, logGroup] = onlyResource(template, 'AWS::Logs::LogGroup');
      expect(logGroup.Properties.RetentionInDays).toEqual(30);
      template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
        LogConfiguration: {
          LogSchemaVersion: 2,
          CloudWatchLogsConfiguration: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
        },
        ExperimentOptions: { AccountTargeting: 'single-account', EmptyTargetResolutionMode: 'fail' },
      });
    });

    test('throws when the description is longer than 512 characters', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');

      // WHEN / THEN
      expect(() => suite.addReplicationPause('Pause', { tableName: 'orders', description: 'x'.repeat(513) }))
        .toThrow('FisChaosSuite: description must have 1 to 512 characters, got 513 characters');
    });
  });

  describe('validation before any change', () => {
    /** The IAM policies and functions of a stack with one suite and one function, after `act` ran on them. */
    function policiesAndFunctions(act: (suite: FisChaosSuite, fn: lambda.Function) => void): [object, object] {
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');
      act(suite, reader);
      const template = Template.fromStack(stack);

      return [template.findResources('AWS::IAM::Policy'), template.findResources('AWS::Lambda::Function')];
    }

    test.each([
      ['a replication pause', (suite: FisChaosSuite) =>
        suite.addReplicationPause('Pause', { tableName: 'orders', description: 'x'.repeat(513) })],
      ['an invocation delay', (suite: FisChaosSuite, fn: lambda.Function) =>
        suite.addInvocationDelay('Delay', { functions: [fn], description: 'x'.repeat(513) })],
      ['an invocation error', (suite: FisChaosSuite, fn: lambda.Function) =>
        suite.addInvocationError('Error', { functions: [fn], description: 'x'.repeat(513) })],
    ])('throws when the description of %s is too long, leaving the role and the function untouched', (_name, add) => {
      // GIVEN
      const [untouchedPolicies, untouchedFunctions] = policiesAndFunctions(() => undefined);

      // WHEN
      const [policies, functions] = policiesAndFunctions((suite, fn) => {
        expect(() => add(suite, fn))
          .toThrow('FisChaosSuite: description must have 1 to 512 characters, got 513 characters');
      });

      // THEN
      expect(policies).toEqual(untouchedPolicies);
      expect(functions).toEqual(untouchedFunctions);
      const [, reader] = Object.entries(functions)[0] as [string, any];
      expect(reader.Properties.Layers).toBeUndefined();
      expect(reader.Properties.Environment).toBeUndefined();
    });

    test('throws when an experiment id is taken, leaving the role and the function untouched', () => {
      // GIVEN
      const [oncePolicies, onceFunctions] = policiesAndFunctions((suite) => {
        suite.addReplicationPause('Experiment', { tableName: 'orders' });
      });

      // WHEN
      const [policies, functions] = policiesAndFunctions((suite, fn) => {
        suite.addReplicationPause('Experiment', { tableName: 'orders' });
        expect(() => suite.addInvocationDelay('Experiment', { functions: [fn] }))
          .toThrow("FisChaosSuite: id must not name an existing child of suite Chaos/Suite, got 'Experiment'");
      });

      // THEN
      expect(policies).toEqual(oncePolicies);
      expect(functions).toEqual(onceFunctions);
    });
  });

  describe('Lambda fault target wiring', () => {
    test('throws when a function is already wired by another suite, before changing anything', () => {
      // GIVEN
      const stack = newStack();
      const first = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const second = new FisChaosSuite(stack, 'Other', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');
      first.addInvocationDelay('Delay', { functions: [reader] });

      // WHEN / THEN
      const refusal = 'FisChaosSuite: function Chaos/Reader is already a Lambda fault target of suite Chaos/Suite and'
        + ' can read only one configuration location, so it must be wired by one suite; got a second wiring from suite'
        + ' Chaos/Other';
      expect(() => second.addInvocationError('Error', { functions: [reader] })).toThrow(refusal);
      expect(() => second.addLambdaFaultTarget(reader)).toThrow(refusal);
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::FIS::ExperimentTemplate', 1);
      const [, fn] = onlyResource(template, 'AWS::Lambda::Function');
      expect(fn.Properties.Layers).toEqual([{ Ref: 'FisExtensionLayerX8664' }]);
      expect(JSON.stringify(template.findResources('AWS::IAM::Policy')).match(/lambda:GetFunction/g)).toHaveLength(1);
    });

    test('wires a function once when the same suite adds it again through addLambdaFaultTarget', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');
      suite.addInvocationDelay('Delay', { functions: [reader] });

      // WHEN
      suite.addLambdaFaultTarget(reader);
      suite.addInvocationError('Error', { functions: [reader] });

      // THEN
      const [, fn] = onlyResource(Template.fromStack(stack), 'AWS::Lambda::Function');
      expect(fn.Properties.Layers).toEqual([{ Ref: 'FisExtensionLayerX8664' }]);
    });

    test.each([
      [lambda.Architecture.ARM_64, 'FisExtensionLayerArm64', 'arm64'],
      [lambda.Architecture.X86_64, 'FisExtensionLayerX8664', 'x86_64'],
    ])('attaches the extension layer from the deploy-time parameter for %s', (architecture, parameterId, name) => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader', { architecture });

      // WHEN
      suite.addInvocationDelay('Delay', { functions: [reader] });

      // THEN
      const template = Template.fromStack(stack);
      template.templateMatches({
        Parameters: {
          [parameterId]: {
            Type: 'AWS::SSM::Parameter::Value<String>',
            Default: `/aws/service/fis/lambda-extension/AWS-FIS-extension-${name}/1.x.x`,
          },
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Architectures: [name],
        Layers: [{ Ref: parameterId }],
      });
    });

    test('sets the exec wrapper and the configuration location as an S3 ARN with a trailing prefix', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');

      // WHEN
      suite.addInvocationError('Error', { functions: [reader] });

      // THEN
      const template = Template.fromStack(stack);
      const [bucketId] = onlyResource(template, 'AWS::S3::Bucket');
      const [, fn] = onlyResource(template, 'AWS::Lambda::Function');
      const variables = fn.Properties.Environment.Variables;
      expect(variables.AWS_LAMBDA_EXEC_WRAPPER).toEqual('/opt/aws-fis/bootstrap');
      expect(variables.AWS_FIS_CONFIGURATION_LOCATION).toEqual(
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/FisConfigs/']] });
      expect(stack.resolve(suite.configurationLocation)).toEqual(variables.AWS_FIS_CONFIGURATION_LOCATION);
    });

    test('grants the function read access to the configuration prefix only', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');

      // WHEN
      suite.addInvocationDelay('Delay', { functions: [reader] });

      // THEN
      const template = Template.fromStack(stack);
      const arn = bucketArn(template);
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [stack.resolve(reader.role!.roleName)],
        PolicyDocument: {
          Statement: [
            {
              Sid: 'ListFisConfigurationLocation',
              Effect: 'Allow',
              Action: 's3:ListBucket',
              Resource: arn,
              Condition: { StringLike: { 's3:prefix': ['FisConfigs/*'] } },
            },
            {
              Sid: 'ReadFisConfigurations',
              Effect: 'Allow',
              Action: 's3:GetObject',
              Resource: { 'Fn::Join': ['', [arn, '/FisConfigs/*']] },
            },
          ],
        },
      });
    });

    test('uses a layer ARN given for the target instead of the parameter', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');
      const layerArn = 'arn:aws:lambda:eu-west-1:123456789012:layer:aws-fis-extension-x86_64:9';

      // WHEN
      suite.addLambdaFaultTarget(reader, { extensionLayerArn: layerArn });
      suite.addInvocationDelay('Delay', { functions: [reader] });

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Lambda::Function', { Layers: [layerArn] });
      expect(template.toJSON().Parameters ?? {}).not.toHaveProperty('FisExtensionLayerX8664');
    });

    test('wires a function used by two experiments once and shares one parameter per architecture', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');
      const other = newFunction(stack, 'Other');

      // WHEN
      suite.addInvocationDelay('Delay', { functions: [reader, other] });
      suite.addInvocationError('Error', { functions: [reader] });

      // THEN
      const template = Template.fromStack(stack);
      template.resourcePropertiesCountIs('AWS::Lambda::Function', { Layers: [{ Ref: 'FisExtensionLayerX8664' }] }, 2);
      expect(Object.keys(template.toJSON().Parameters).filter((p) => p.startsWith('FisExtension')))
        .toEqual(['FisExtensionLayerX8664']);
    });

    test('leaves functions untouched when Lambda faults are not opted in', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');
      newFunction(stack, 'Reader');

      // WHEN
      suite.addReplicationPause('Pause', { tableName: 'orders' });

      // THEN
      const template = Template.fromStack(stack);
      expect(suite.lambdaFaultsEnabled).toBe(false);
      const [, fn] = onlyResource(template, 'AWS::Lambda::Function');
      expect(fn.Properties.Layers).toBeUndefined();
      expect(fn.Properties.Environment).toBeUndefined();
      expect(JSON.stringify(template.toJSON())).not.toMatch(/FisConfigs\/\*|lambda:GetFunction|FisExtension/);
    });

    test('throws when Lambda faults are not opted in', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite');
      const reader = newFunction(stack, 'Reader');

      // WHEN / THEN
      expect(() => suite.addInvocationDelay('Delay', { functions: [reader] })).toThrow(
        'FisChaosSuite: Lambda faults are off (prop lambdaFaults is unset or false and context flag'
        + ' cdk-resilient-global-table:fisLambdaFaults is not true), got 1 target function(s)');
      expect(Template.fromStack(stack).toJSON().Parameters ?? {}).not.toHaveProperty('FisExtensionLayerX8664');
    });

    test.each([[true], ['true']])('opts in through the context flag set to %p', (value) => {
      // GIVEN
      const app = new App({ context: { [FisChaosSuite.LAMBDA_FAULTS_CONTEXT_KEY]: value } });
      const stack = newStack(app);
      const reader = newFunction(stack, 'Reader');

      // WHEN
      const suite = new FisChaosSuite(stack, 'Suite');
      suite.addInvocationError('Error', { functions: [reader] });

      // THEN
      expect(suite.lambdaFaultsEnabled).toBe(true);
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/aws-fis/bootstrap' }) },
      });
    });

    test('throws when a target function uses an OS-only runtime', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const custom = newFunction(stack, 'Custom', {
        runtime: lambda.Runtime.PROVIDED_AL2023,
        handler: 'bootstrap',
        code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'Source', 'function-source'), 'custom.zip'),
      });

      // WHEN / THEN
      expect(() => suite.addInvocationError('Error', { functions: [custom] })).toThrow(
        'FisChaosSuite: function Chaos/Custom uses the OS-only runtime provided.al2023, which cannot run the FIS'
        + " extension's exec wrapper (/opt/aws-fis/bootstrap); use a managed language runtime for Lambda faults");
      expect(() => suite.addLambdaFaultTarget(custom)).toThrow(/OS-only runtime provided\.al2023/);
    });

    test('throws when a target function is in another region', () => {
      // GIVEN
      const app = new App();
      const stack = newStack(app);
      const other = new Stack(app, 'Other', { env: { account: ENV.account, region: 'us-east-1' } });
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const remote = newFunction(other, 'Remote');

      // WHEN / THEN
      expect(() => suite.addInvocationDelay('Delay', { functions: [remote] })).toThrow(
        'FisChaosSuite: function Other/Remote is in region us-east-1, but the suite and its configuration bucket'
        + ' are in eu-west-1; the FIS extension reads a bucket in its own region, so add a suite in us-east-1');
    });
  });

  describe('configuration bucket', () => {
    test('blocks public access, is encrypted and expires fault configurations', () => {
      // GIVEN
      const stack = newStack();

      // WHEN
      new FisChaosSuite(stack, 'Suite');

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LifecycleConfiguration: {
          Rules: [{
            Id: 'ExpireFaultConfigurations',
            Prefix: 'FisConfigs/',
            ExpirationInDays: 7,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          }],
        },
      });
    });

    test('denies requests without TLS', () => {
      // GIVEN
      const stack = newStack();

      // WHEN
      new FisChaosSuite(stack, 'Suite');

      // THEN
      const template = Template.fromStack(stack);
      const arn = bucketArn(template);
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: [{
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
          }],
        },
      });
    });

    test('throws when the configuration prefix has a trailing slash', () => {
      // GIVEN
      const stack = newStack();

      // WHEN / THEN
      expect(() => new FisChaosSuite(stack, 'Suite', { configurationPrefix: 'FisConfigs/' })).toThrow(
        'FisChaosSuite: configurationPrefix must be one or more S3 key segments of letters, digits and !_.\'()-'
        + " joined by single slashes, with no slash at either end, got 'FisConfigs/'");
    });

    test('throws when the configuration expiration is not a whole number of days', () => {
      // GIVEN
      const stack = newStack();

      // WHEN / THEN
      expect(() => new FisChaosSuite(stack, 'Suite', { configurationExpiration: Duration.hours(12) })).toThrow(
        'FisChaosSuite: configurationExpiration must be a whole number of days, at least 1 (S3 lifecycle rules count'
        + ' days, and an experiment may last 12 hours), got 12 hours');
    });
  });

  describe('FIS role', () => {
    test('is trusted by FIS in this account only', () => {
      // GIVEN
      const stack = newStack();

      // WHEN
      new FisChaosSuite(stack, 'Suite');

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [{
            Effect: 'Allow',
            Principal: { Service: 'fis.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111122223333' },
              ArnLike: {
                'aws:SourceArn': partitionJoin(':fis:eu-west-1:111122223333:experiment/*'),
              },
            },
          }],
        },
      });
    });

    test('has exactly the statements every experiment needs', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');
      const other = newFunction(stack, 'Other');

      // WHEN
      suite.addReplicationPause('Pause', { tableName: 'orders' });
      suite.addReplicationPause('PauseAgain', { tableName: 'orders', duration: Duration.minutes(20) });
      suite.addInvocationDelay('Delay', { functions: [reader] });
      suite.addInvocationError('Error', { functions: [reader, other] });

      // THEN
      const template = Template.fromStack(stack);
      const arn = bucketArn(template);
      const tableArn = 'arn:${P}:dynamodb:eu-west-1:111122223333:table/orders';
      const join = (text: string) => ({
        'Fn::Join': ['', text.split('${P}')
          .flatMap((part, i) => (i === 0 ? [part] : [{ Ref: 'AWS::Partition' }, part]))],
      });
      const [, policy] = onlyResource(template, 'AWS::IAM::Policy', {
        Roles: [stack.resolve(suite.role.roleName)],
      });
      expect(policy.Properties.PolicyDocument.Statement).toEqual([
        { Sid: 'ExperimentLogDelivery', Effect: 'Allow', Action: 'logs:CreateLogDelivery', Resource: '*' },
        {
          Sid: 'ExperimentLogResourcePolicy',
          Effect: 'Allow',
          Action: ['logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
          Resource: join('arn:${P}:logs:eu-west-1:111122223333:log-group:*'),
        },
        { Sid: 'ResolveTargets', Effect: 'Allow', Action: 'tag:GetResources', Resource: '*' },
        {
          Sid: 'PauseReplication',
          Effect: 'Allow',
          Action: [
            'dynamodb:PutResourcePolicy',
            'dynamodb:DeleteResourcePolicy',
            'dynamodb:GetResourcePolicy',
            'dynamodb:DescribeTable',
          ],
          Resource: [join(tableArn), join(`${tableArn}/stream/*`)],
        },
        {
          Sid: 'WriteFaultConfigurations',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:DeleteObject'],
          Resource: { 'Fn::Join': ['', [arn, '/FisConfigs/*']] },
        },
        {
          Sid: 'ReadTargetFunctions',
          Effect: 'Allow',
          Action: 'lambda:GetFunction',
          Resource: [stack.resolve(reader.functionArn), stack.resolve(other.functionArn)],
        },
      ]);
    });

    test('has a wildcard only where ROLE_WILDCARDS lists one, and every listed one is in the policy', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      suite.addReplicationPause('Pause', { tableName: 'orders' });
      suite.addInvocationDelay('Delay', { functions: [newFunction(stack, 'Reader')] });

      // WHEN
      const template = Template.fromStack(stack);
      const [, policy] = onlyResource(template, 'AWS::IAM::Policy', { Roles: [stack.resolve(suite.role.roleName)] });
      const flatten = (value: unknown): string => (typeof value === 'string' ? value
        : JSON.stringify(value)
          .replace(/\{"Ref":"AWS::Partition"\}/g, '"${Partition}"')
          .replace(/\{"Fn::GetAtt":\["SuiteConfigurationBucket[0-9A-F]+","Arn"\]\}/g,
            '"arn:${Partition}:s3:::<configuration bucket>"')
          .replace(/\{"Fn::Join":\["",\[(.*)\]\]\}/, '$1').replace(/","/g, '').replace(/^"|"$/g, '')
          .replace('eu-west-1', '${Region}').replace('111122223333', '${Account}')
          .replace('table/orders', 'table/<table name>').replace('/FisConfigs/', '/<configuration prefix>/'));
      const wildcards = (policy.Properties.PolicyDocument.Statement as any[]).flatMap((statement) =>
        [statement.Resource].flat().map(flatten).filter((resource) => resource.includes('*'))
          .map((resource) => ({ actions: [statement.Action].flat(), resource })));

      // THEN
      expect(wildcards).toEqual(FisChaosSuite.ROLE_WILDCARDS.map(({ actions, resource }) => ({ actions, resource })));
      FisChaosSuite.ROLE_WILDCARDS.forEach((wildcard) => expect(wildcard.reason.length).toBeGreaterThan(40));
    });
  });

  describe('construct checks', () => {
    test('item 2: Lambda faults target key Functions (aws:lambda:function), '
      + 'the pause key Tables (aws:dynamodb:global-table)', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const reader = newFunction(stack, 'Reader');

      // WHEN
      suite.addReplicationPause('Pause', { tableName: 'orders' });
      suite.addInvocationDelay('Delay', { functions: [reader] });
      suite.addInvocationError('Error', { functions: [reader] });

      // THEN
      const templates = Object.values(Template.fromStack(stack).findResources('AWS::FIS::ExperimentTemplate'));
      const shapes = templates.map((t: any) => {
        const action: any = Object.values(t.Properties.Actions)[0];
        return {
          actionId: action.ActionId,
          actionTargets: action.Targets,
          targets: Object.fromEntries(Object.entries(t.Properties.Targets)
            .map(([key, target]: [string, any]) => [key, target.ResourceType])),
        };
      });
      expect(shapes).toEqual([
        {
          actionId: 'aws:dynamodb:global-table-pause-replication',
          actionTargets: { Tables: 'Tables' },
          targets: { Tables: 'aws:dynamodb:global-table' },
        },
        {
          actionId: 'aws:lambda:invocation-add-delay',
          actionTargets: { Functions: 'Functions' },
          targets: { Functions: 'aws:lambda:function' },
        },
        {
          actionId: 'aws:lambda:invocation-error',
          actionTargets: { Functions: 'Functions' },
          targets: { Functions: 'aws:lambda:function' },
        },
      ]);
      templates.forEach((t: any) => Object.values(t.Properties.Targets).forEach((target: any) => {
        expect(target.ResourceArns.length).toBeGreaterThan(0);
        expect(target.ResourceTags).toBeUndefined();
      }));
    });

    test('item 3: the layer comes from the public parameter for the function architecture, never a literal ARN', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
      const arm = newFunction(stack, 'Arm', { architecture: lambda.Architecture.ARM_64 });
      const x86 = newFunction(stack, 'X86', { architecture: lambda.Architecture.X86_64 });

      // WHEN
      suite.addInvocationDelay('Delay', { functions: [arm, x86] });

      // THEN
      const json = Template.fromStack(stack).toJSON();
      expect(json.Parameters.FisExtensionLayerArm64.Default)
        .toEqual('/aws/service/fis/lambda-extension/AWS-FIS-extension-arm64/1.x.x');
      expect(json.Parameters.FisExtensionLayerX8664.Default)
        .toEqual('/aws/service/fis/lambda-extension/AWS-FIS-extension-x86_64/1.x.x');
      const layers = Object.values(json.Resources as Record<string, any>)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => [r.Properties.Architectures[0], r.Properties.Layers]);
      expect(layers).toEqual([
        ['arm64', [{ Ref: 'FisExtensionLayerArm64' }]],
        ['x86_64', [{ Ref: 'FisExtensionLayerX8664' }]],
      ]);
      expect(JSON.stringify(json)).not.toMatch(/arn:aws:lambda:[^"]*:layer:/);
    });

    test('item 4: the configuration location is an S3 ARN with a trailing prefix, never s3://, '
      + 'and the wrapper is /opt/aws-fis/bootstrap', () => {
      // GIVEN
      const stack = newStack();
      const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true, configurationPrefix: 'chaos/fis' });
      const reader = newFunction(stack, 'Reader');

      // WHEN
      suite.addInvocationError('Error', { functions: [reader] });

      // THEN
      const template = Template.fromStack(stack);
      const [bucketId, bucket] = onlyResource(template, 'AWS::S3::Bucket');
      const [, fn] = onlyResource(template, 'AWS::Lambda::Function');
      const location = fn.Properties.Environment.Variables.AWS_FIS_CONFIGURATION_LOCATION;
      // The bucket ARN attribute of an S3 bucket is arn:<partition>:s3:::<bucket name>.
      expect(location).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/chaos/fis/']] });
      expect(bucket.Type).toEqual('AWS::S3::Bucket');
      expect(JSON.stringify(template.toJSON())).not.toContain('s3://');
      expect(fn.Properties.Environment.Variables.AWS_LAMBDA_EXEC_WRAPPER).toEqual('/opt/aws-fis/bootstrap');
    });
  });

  test('synthesizes every experiment with the default CloudFormation rules treated as errors', () => {
    // GIVEN
    const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    const stack = newStack(app);
    const suite = new FisChaosSuite(stack, 'Suite', { lambdaFaults: true });
    const reader = newFunction(stack, 'Reader', { architecture: lambda.Architecture.ARM_64 });
    const alarm = newAlarm(stack, 'Guard');

    // WHEN
    suite.addReplicationPause('Pause', { tableName: 'orders', stopConditionAlarms: [alarm] });
    suite.addInvocationDelay('Delay', { functions: [reader] });
    suite.addInvocationError('Error', { functions: [reader] });

    // THEN
    expect(() => app.synth()).not.toThrow();
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });
});
