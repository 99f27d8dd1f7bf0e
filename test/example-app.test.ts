import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp, ExampleApp, OUTPUT_NAMES } from '../examples/app/stacks';
import { buildExistingApp } from '../examples/existing-app/main';

const ACCOUNT = '111122223333';

/** Where the test apps write their assemblies; removed after the suite. */
const OUT_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'example-app-'));

afterAll(() => fs.rmSync(OUT_ROOT, { recursive: true, force: true }));

/**
 * A fresh app whose CloudFormation validator findings are errors and which runs cdk-nag's AwsSolutions pack, as the
 * example's cdk.json and main.ts do.
 */
function checkedApp(context: Record<string, unknown> = {}): App {
  const app = new App({
    outdir: fs.mkdtempSync(path.join(OUT_ROOT, 'out-')),
    context: { '@aws-cdk/core:validateAgainstDefaultRules': true, ...context },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  return app;
}

interface Synthesized {
  readonly example: ExampleApp;
  readonly primary: Template;
  readonly replica: Template;
}

function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const example = buildApp(checkedApp(context));
  example.app.synth();

  return { example, primary: Template.fromStack(example.primary), replica: Template.fromStack(example.replica) };
}

/** `arn:<partition>:<rest>` as CloudFormation renders a literal ARN. */
function literalArn(rest: string): object {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] };
}

/** The one resource of a type whose properties match, as [logical id, resource]. */
function only(template: Template, type: string, props: object): [string, any] {
  const found = Object.entries(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found).toHaveLength(1);

  return found[0] as [string, any];
}

function logicalId(template: Template, type: string, props: object): string {
  return only(template, type, props)[0];
}

/** The metric (namespace, name, dimensions) and settings of the alarm with that logical id. */
function alarmOf(template: Template, id: string): any {
  return template.toJSON().Resources[id].Properties;
}

/** The stop condition alarms' logical ids of the experiment template whose action has that name. */
function stopAlarmIds(template: Template, actionName: string): string[] {
  const [, experiment] = only(template, 'AWS::FIS::ExperimentTemplate', {
    Actions: Match.objectLike({ [actionName]: Match.anyValue() }),
  });

  return experiment.Properties.StopConditions.map((condition: any) => {
    expect(condition.Source).toBe('aws:cloudwatch:alarm');

    return condition.Value['Fn::GetAtt'][0];
  });
}

describe('example app', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    synthesized = synthesize();
  });

  test('synthesizes with CloudFormation validation as errors and cdk-nag, with an unresolved account', () => {
    // GIVEN / WHEN: the suite's app synthesized without throwing
    const { example } = synthesized;

    // THEN
    expect(example.primary.region).toBe('us-east-1');
    expect(example.replica.region).toBe('eu-central-1');
    expect(example.replica.account).toMatch(/^\$\{Token\[AWS\.AccountId\.\d+\]\}$/);
  });

  test('synthesizes with CloudFormation validation as errors and cdk-nag, with a concrete account', () => {
    // GIVEN / WHEN
    const { example, replica } = synthesize({ account: ACCOUNT });

    // THEN
    expect(example.replica.account).toBe(ACCOUNT);
    replica.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Targets: {
        Tables: Match.objectLike({
          ResourceArns: [literalArn(`:dynamodb:eu-central-1:${ACCOUNT}:table/resilient-orders`)],
        }),
      },
    });
  });

  test.each([
    ['turns a finding into a synth error with validateAgainstDefaultRules', true],
    ['reports the same finding only as a warning without it', false],
  ])('the CloudFormation validator %s', (_title, asErrors) => {
    // GIVEN: the example plus a queue whose retention CloudFormation refuses (below 60 seconds)
    const app = checkedApp({ '@aws-cdk/core:validateAgainstDefaultRules': asErrors });
    const example = buildApp(app);
    new CfnResource(example.replica, 'BrokenQueue', {
      type: 'AWS::SQS::Queue',
      properties: { MessageRetentionPeriod: 1 },
    });

    // WHEN
    const synth = () => app.synth();

    // THEN
    if (asErrors) {
      expect(synth).toThrow(/MessageRetentionPeriod: 1 is less than the minimum of 60 \(CloudFormation Validate\)/);
    } else {
      expect(synth).not.toThrow();
    }
  });

  test('the stacks meet through literal names only: no export, no import', () => {
    // GIVEN
    const { primary, replica } = synthesized;

    // THEN
    expect(JSON.stringify(replica.toJSON())).not.toContain('Fn::ImportValue');
    for (const output of Object.values(primary.toJSON().Outputs ?? {}) as any[]) {
      expect(output.Export).toBeUndefined();
    }
    expect(synthesized.example.replica.dependencies).toContain(synthesized.example.primary);
  });

  test('every output the harness relies on exists, with literal names where they are known', () => {
    // GIVEN
    const outputs = synthesized.replica.toJSON().Outputs;

    // THEN
    expect(Object.keys(outputs).sort()).toEqual([...OUTPUT_NAMES].sort());
    expect(outputs.TableName.Value).toBe('resilient-orders');
    expect(outputs.PrimaryRegion.Value).toBe('us-east-1');
    expect(outputs.ReplicaRegion.Value).toBe('eu-central-1');
    expect(outputs.RoutingParameterName.Value).toBe('/resilient-global-table/resilient-orders/routing');
    expect(outputs.DashboardName.Value).toBe('resilient-orders');
    const readerId = logicalId(synthesized.replica, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ READER_NAME: 'orders-reader' }) },
    });
    expect(outputs.ReaderFunctionName.Value).toEqual({ Ref: readerId });
    for (const [name, action] of [['PauseExperimentTemplateId', 'pauseReplication'],
      ['DelayExperimentTemplateId', 'addStartupDelay'], ['ErrorExperimentTemplateId', 'failInvocations']]) {
      const id = logicalId(synthesized.replica, 'AWS::FIS::ExperimentTemplate', {
        Actions: Match.objectLike({ [action]: Match.anyValue() }),
      });
      expect(outputs[name].Value).toEqual({ Ref: id });
    }
  });

  test('the reader reads the replica in its own region and falls back to the primary', () => {
    // GIVEN
    const { replica } = synthesized;

    // THEN
    const [readerId, reader] = only(replica, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ READER_NAME: 'orders-reader' }) },
    });
    expect(reader.Properties.Environment.Variables).toMatchObject({
      TABLE_NAME: 'resilient-orders',
      PRIMARY_REGION: 'us-east-1',
      MAX_STALENESS_MS: '10000',
      ROUTING_PARAMETER_NAME: '/resilient-global-table/resilient-orders/routing',
    });
    const policies = replica.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: reader.Properties.Role['Fn::GetAtt'][0] }] },
    });
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const getItem = statements.find((s: any) => [s.Action].flat().includes('dynamodb:GetItem'));
    const account = { Ref: 'AWS::AccountId' };
    for (const region of ['eu-central-1', 'us-east-1']) {
      expect(getItem.Resource).toContainEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:dynamodb:${region}:`, account,
          ':table/resilient-orders']],
      });
    }
    expect(Stack.of(synthesized.example.replica.reader).region).toBe('eu-central-1');
    expect(readerId).toMatch(/^Reader/);
  });

  test('the lag alarm reaches the rerouter through the primary region\'s lag topic', () => {
    // GIVEN
    const { primary, replica } = synthesized;

    // THEN: the primary's lag alarm notifies its named topic in every state
    const [topicId] = only(primary, 'AWS::SNS::Topic', { TopicName: 'resilient-orders-replication-lag-eu-central-1' });
    const lagAlarm = only(primary, 'AWS::CloudWatch::Alarm', {
      AlarmName: 'resilient-orders-replication-lag-eu-central-1',
    })[1].Properties;
    for (const actions of ['AlarmActions', 'OKActions', 'InsufficientDataActions']) {
      expect(lagAlarm[actions]).toEqual([{ Ref: topicId }]);
    }
    // AND the replica's rerouter subscribes to that topic by its literal ARN, in the topic's region
    const [, rerouter] = only(replica, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ROUTING_ALARM_ARNS: Match.anyValue() }) },
    });
    const rerouterId = Object.entries(replica.toJSON().Resources).find(([, r]) => r === rerouter)![0];
    replica.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Region: 'us-east-1',
      Endpoint: { 'Fn::GetAtt': [rerouterId, 'Arn'] },
      TopicArn: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:us-east-1:', { Ref: 'AWS::AccountId' },
          ':resilient-orders-replication-lag-eu-central-1']],
      },
    });
    expect(JSON.stringify(rerouter.Properties.Environment.Variables.ROUTING_ALARM_ARNS))
      .toContain(':cloudwatch:us-east-1:');
    expect(JSON.stringify(rerouter.Properties.Environment.Variables.ROUTING_ALARM_ARNS))
      .toContain('alarm:resilient-orders-replication-lag-eu-central-1');
  });

  test('the stale-detection alarm reaches the rerouter through its own topic', () => {
    // GIVEN
    const { replica } = synthesized;

    // THEN
    const [, detection] = only(replica, 'AWS::CloudWatch::Alarm', {
      MetricName: 'StaleDetections',
      Dimensions: [{ Name: 'Parameter', Value: '/resilient-global-table/resilient-orders/routing' }],
    });
    const topicRef = detection.Properties.AlarmActions[0];
    expect(detection.Properties.OKActions).toEqual([topicRef]);
    expect(detection.Properties.InsufficientDataActions).toEqual([topicRef]);
    const rerouterId = logicalId(replica, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ROUTING_ALARM_ARNS: Match.anyValue() }) },
    });
    replica.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: topicRef,
      Endpoint: { 'Fn::GetAtt': [rerouterId, 'Arn'] },
    });
  });

  test('the three experiments target this replica and this reader, with the documented defaults', () => {
    // GIVEN
    const { replica } = synthesized;
    const readerId = logicalId(replica, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ READER_NAME: 'orders-reader' }) },
    });

    // THEN
    replica.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Actions: { pauseReplication: Match.objectLike({ Parameters: { duration: 'PT10M' } }) },
      Targets: {
        Tables: {
          ResourceType: 'aws:dynamodb:global-table',
          ResourceArns: [{
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':dynamodb:eu-central-1:',
              { Ref: 'AWS::AccountId' }, ':table/resilient-orders']],
          }],
          SelectionMode: 'ALL',
        },
      },
    });
    const functionTarget = {
      Functions: {
        ResourceType: 'aws:lambda:function',
        ResourceArns: [{ 'Fn::GetAtt': [readerId, 'Arn'] }],
        SelectionMode: 'ALL',
      },
    };
    replica.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Actions: {
        addStartupDelay: Match.objectLike({
          Parameters: Match.objectLike({ duration: 'PT2M', startupDelayMilliseconds: '12000' }),
        }),
      },
      Targets: functionTarget,
    });
    replica.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Actions: { failInvocations: Match.objectLike({ Parameters: Match.objectLike({ duration: 'PT2M' }) }) },
      Targets: functionTarget,
    });
  });

  test('the pause stops on caller-visible errors and primary-read failures, never on what the pause drives', () => {
    // GIVEN
    const { replica } = synthesized;

    // WHEN
    const alarms = stopAlarmIds(replica, 'pauseReplication').map((id) => alarmOf(replica, id));

    // THEN
    expect(alarms.map((a) => [a.Namespace, a.MetricName])).toEqual([
      ['AWS/Lambda', 'Errors'],
      ['ResilientGlobalTable', 'Fallbacks'],
    ]);
    expect(alarms[1].Dimensions).toEqual(expect.arrayContaining([{ Name: 'Reason', Value: 'primary_error_fallback' }]));
    for (const alarm of alarms) {
      expect(['StaleDetections', 'RoutingChanges', 'ReplicationLatency', 'ObservedReplicaLag'])
        .not.toContain(alarm.MetricName);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
  });

  test('the delay stops on reader errors only because the reader\'s timeout outlasts the delay', () => {
    // GIVEN
    const { replica } = synthesized;
    const [, reader] = only(replica, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ READER_NAME: 'orders-reader' }) },
    });

    // WHEN
    const alarms = stopAlarmIds(replica, 'addStartupDelay').map((id) => alarmOf(replica, id));

    // THEN
    expect(reader.Properties.Timeout * 1000).toBeGreaterThan(12_000);
    expect(alarms.map((a) => [a.Namespace, a.MetricName])).toEqual([
      ['AWS/Lambda', 'Errors'],
      ['ResilientGlobalTable', 'Fallbacks'],
    ]);
    expect(alarms.map((a) => a.MetricName)).not.toContain('Duration');
  });

  test('the error experiment never stops on the reader errors it causes', () => {
    // GIVEN
    const { replica } = synthesized;

    // WHEN
    const alarms = stopAlarmIds(replica, 'failInvocations').map((id) => alarmOf(replica, id));

    // THEN
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect([alarm.Namespace, alarm.MetricName]).not.toEqual(['AWS/Lambda', 'Errors']);
    }
    expect(alarms[0].Dimensions).toEqual(expect.arrayContaining([{ Name: 'Reason', Value: 'primary_error_fallback' }]));
  });

  test('the lag alarm uses the 5 s default threshold', () => {
    // GIVEN
    const { primary } = synthesized;

    // THEN
    primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'resilient-orders-replication-lag-eu-central-1',
      Threshold: 5000,
      TreatMissingData: 'notBreaching',
    });
  });

  test('takes regions, thresholds and names from context, as strings from the command line', () => {
    // GIVEN / WHEN
    const { primary, replica } = synthesize({
      primaryRegion: 'us-west-2',
      replicaRegion: 'eu-west-1',
      tableName: 'carts',
      maxStalenessSeconds: '8',
      lagAlarmThresholdSeconds: '3',
      pauseMinutes: '12',
      delaySeconds: '5',
      readerTimeoutSeconds: '10',
    });

    // THEN
    primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'carts-replication-lag-eu-west-1',
      Threshold: 3000,
    });
    replica.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 10,
      Environment: {
        Variables: Match.objectLike({ TABLE_NAME: 'carts', PRIMARY_REGION: 'us-west-2', MAX_STALENESS_MS: '8000' }),
      },
    });
    replica.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Actions: { pauseReplication: Match.objectLike({ Parameters: { duration: 'PT12M' } }) },
    });
    replica.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Actions: {
        addStartupDelay: Match.objectLike({ Parameters: Match.objectLike({ startupDelayMilliseconds: '5000' }) }),
      },
    });
  });

  test('throws when readerTimeoutSeconds does not exceed delaySeconds', () => {
    // GIVEN
    const app = new App({ context: { delaySeconds: 12, readerTimeoutSeconds: 12 } });

    // WHEN / THEN
    expect(() => buildApp(app)).toThrow('context readerTimeoutSeconds must exceed delaySeconds (12), got 12');
  });

  test('throws when a number from context is not a whole positive number', () => {
    // GIVEN
    const app = new App({ context: { maxStalenessSeconds: 'ten' } });

    // WHEN / THEN
    expect(() => buildApp(app)).toThrow('context maxStalenessSeconds must be a whole number greater than 0, got "ten"');
  });

  test('throws when the account is not a 12-digit id', () => {
    // GIVEN
    const app = new App({ context: { account: '1234' } });

    // WHEN / THEN
    expect(() => buildApp(app)).toThrow('context account must be a 12-digit AWS account id, got "1234"');
  });

  test('throws when the replica region is the primary region', () => {
    // GIVEN
    const app = new App({ context: { replicaRegion: 'us-east-1' } });

    // WHEN / THEN
    expect(() => buildApp(app)).toThrow('context replicaRegion must differ from primaryRegion, got us-east-1 for both');
  });
});

describe('existing-app example', () => {
  test('synthesizes with the CloudFormation validator as errors and carries its custom thresholds', () => {
    // GIVEN
    const app = new App({
      outdir: fs.mkdtempSync(path.join(OUT_ROOT, 'existing-')),
      context: { '@aws-cdk/core:validateAgainstDefaultRules': true },
    });

    // WHEN
    const { write, read } = buildExistingApp(app);
    app.synth();

    // THEN
    const writeTemplate = Template.fromStack(write);
    const readTemplate = Template.fromStack(read);
    writeTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'customer-profiles-replication-lag-ap-southeast-2',
      Threshold: 3000,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    readTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          MAX_STALENESS_MS: '5000', ROUTING_MAX_AGE_MS: '2000', BREAKER_LEASE_MS: '20000',
        }),
      },
    });
    readTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'StaleDetections', Period: 30, EvaluationPeriods: 2, DatapointsToAlarm: 2,
    });
    readTemplate.resourceCountIs('AWS::FIS::ExperimentTemplate', 0);
    readTemplate.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'customer-profiles-reads' });
  });
});
