import {
  Annotations,
  Arn,
  ArnFormat,
  CfnParameter,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_fis as fis,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  FIS_LIMITS,
  checkExperimentDuration,
  checkStartupDelay,
  checkWholeNumber,
  differsWhenResolved,
} from './private/fis-checks';
import { ResilientGlobalTable } from './resilient-global-table';

/** One wildcard in the FIS role's policy, with the reason it cannot be narrower. */
export interface FisRoleWildcard {
  /** The IAM actions of the statement. */
  readonly actions: string[];

  /** The resource pattern; `${Partition}`, `${Region}`, `${Account}` stand for the stack's pseudo parameters. */
  readonly resource: string;

  /** Why the resource has to contain a wildcard. */
  readonly reason: string;
}

/** Settings every experiment template takes. */
export interface ExperimentOptions {
  /**
   * A description of the experiment template (at most 512 characters).
   *
   * @default - a sentence naming the action, its targets and its parameters
   */
  readonly description?: string;

  /**
   * CloudWatch alarms that stop the experiment when they go into ALARM (at most 5), in the suite's region.
   * An alarm must not be driven by the fault this experiment injects, or it stops the experiment the moment the
   * fault works.
   *
   * @default - no stop condition (stop condition source `none`): only a person can stop the experiment
   */
  readonly stopConditionAlarms?: cloudwatch.IAlarm[];

  /**
   * Tags of the experiment template, added to the suite's own (`Name`, `resilient-global-table:experiment`).
   *
   * @default - only the suite's tags
   */
  readonly tags?: { [key: string]: string };
}

/** Options of `FisChaosSuite.addReplicationPause`. */
export interface ReplicationPauseOptions extends ExperimentOptions {
  /**
   * The global table whose replica in the suite's region is paused. Give this or `tableName`.
   *
   * @default - the table named by `tableName`
   */
  readonly table?: ResilientGlobalTable;

  /**
   * The physical name of the global table whose replica in the suite's region is paused. Give this or `table`.
   *
   * @default - the name of `table`
   */
  readonly tableName?: string;

  /**
   * The region of the replica to pause. FIS pauses a replica in the experiment's own region, so this must equal the
   * suite's region; it exists to make that assumption explicit in the calling code.
   *
   * @default - the suite's region
   */
  readonly replicaRegion?: string;

  /**
   * How long replication stays paused. Replication can go on for up to 5 minutes after the action starts, so a
   * pause much shorter than 10 minutes may pause nothing.
   *
   * @default Duration.minutes(10)
   */
  readonly duration?: Duration;
}

/** Options shared by the Lambda invocation faults. */
export interface LambdaFaultOptions extends ExperimentOptions {
  /** The target functions (1 to 5), in the suite's region. Each is wired as a Lambda fault target. */
  readonly functions: lambda.Function[];

  /**
   * The share of invocations that get the fault, from 1 to 100.
   *
   * @default 100
   */
  readonly invocationPercent?: number;

  /**
   * How long the fault lasts.
   *
   * @default Duration.minutes(2)
   */
  readonly duration?: Duration;
}

/** Options of `FisChaosSuite.addInvocationDelay`. */
export interface InvocationDelayOptions extends LambdaFaultOptions {
  /**
   * The delay added before the handler runs, from 0 to 900000 ms (whole milliseconds).
   *
   * @default Duration.seconds(12)
   */
  readonly startupDelay?: Duration;
}

/** Options of `FisChaosSuite.addInvocationError`. */
export interface InvocationErrorOptions extends LambdaFaultOptions {
  /**
   * Whether the handler is skipped on a failed invocation (true) or runs and its result is replaced by an error.
   *
   * @default true
   */
  readonly preventExecution?: boolean;
}

/** Options of `FisChaosSuite.addLambdaFaultTarget`. */
export interface LambdaFaultTargetOptions {
  /**
   * The ARN of the FIS extension layer version to attach, for the function's architecture.
   *
   * @default - resolved at deploy time from the public SSM parameter
   * `/aws/service/fis/lambda-extension/AWS-FIS-extension-<x86_64|arm64>/1.x.x` through a CloudFormation parameter
   */
  readonly extensionLayerArn?: string;
}

/** Props of `FisChaosSuite`. */
export interface FisChaosSuiteProps {
  /**
   * Whether Lambda faults may be added. Wiring a function changes it (a layer, a wrapper, two variables and a
   * policy), so it is off unless asked for, and production stacks built from the same code stay untouched.
   *
   * @default - the value of the context key `cdk-resilient-global-table:fisLambdaFaults` (`true` or `'true'`),
   * else false
   */
  readonly lambdaFaults?: boolean;

  /**
   * The folder of the configuration bucket where FIS writes fault configurations for the FIS Lambda extension
   * (no leading or trailing slash).
   *
   * @default 'FisConfigs'
   */
  readonly configurationPrefix?: string;

  /**
   * How long a fault configuration object may stay in the bucket before a lifecycle rule deletes it. FIS removes
   * its objects when an experiment ends; this catches the ones left behind.
   *
   * @default Duration.days(7)
   */
  readonly configurationExpiration?: Duration;

  /**
   * The log group that receives the experiment logs.
   *
   * @default - a new log group kept for one month
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * What happens to the configuration bucket and the new log group when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The public SSM parameter path of the FIS Lambda extension layer for an architecture. */
function extensionParameterPath(architecture: string): string {
  return `/aws/service/fis/lambda-extension/AWS-FIS-extension-${architecture}/1.x.x`;
}

const PAUSE_ACTION_ID = 'aws:dynamodb:global-table-pause-replication';
const DELAY_ACTION_ID = 'aws:lambda:invocation-add-delay';
const ERROR_ACTION_ID = 'aws:lambda:invocation-error';
const TABLES_TARGET = 'Tables';
const FUNCTIONS_TARGET = 'Functions';
const TABLE_RESOURCE_TYPE = 'aws:dynamodb:global-table';
const FUNCTION_RESOURCE_TYPE = 'aws:lambda:function';
const EXEC_WRAPPER = '/opt/aws-fis/bootstrap';
const LAMBDA_FAULTS_CONTEXT = 'cdk-resilient-global-table:fisLambdaFaults';
const EXPERIMENT_TAG = 'resilient-global-table:experiment';
const RECOMMENDED_PAUSE = Duration.minutes(10);
const MAX_DESCRIPTION_LENGTH = 512;

/** The id of the layer reference a suite adds under a function it wires; its presence marks a wired function. */
const EXTENSION_LAYER_ID = 'FisExtensionLayer';

/** The suite that wired each function, so a second suite can name it when it refuses the function. */
const WIRING_SUITES = new WeakMap<lambda.Function, FisChaosSuite>();

/**
 * AWS FIS chaos experiments for a resilient global table in one region: a replication pause of the table's replica
 * and invocation delays and errors of Lambda functions. The suite owns the FIS role, the experiment templates, the
 * experiment log group and the S3 configuration location that the FIS Lambda extension reads.
 */
export class FisChaosSuite extends Construct {
  /** The context key that turns Lambda faults on when the `lambdaFaults` prop is unset. */
  public static readonly LAMBDA_FAULTS_CONTEXT_KEY = LAMBDA_FAULTS_CONTEXT;

  /**
   * The wildcards of the FIS role's policy and why each is needed. Every other statement names exact ARNs.
   */
  public static readonly ROLE_WILDCARDS: FisRoleWildcard[] = [
    {
      actions: ['logs:CreateLogDelivery'],
      resource: '*',
      reason: 'CreateLogDelivery supports no resource-level permissions: the delivery FIS sets up for experiment'
        + ' logging has no ARN before it exists.',
    },
    {
      actions: ['logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
      resource: 'arn:${Partition}:logs:${Region}:${Account}:log-group:*',
      reason: 'CloudWatch Logs keeps the resource policy that lets log delivery write to the experiment log group'
        + ' at account and region level, and its documentation requires a log-group wildcard for these three actions.',
    },
    {
      actions: ['tag:GetResources'],
      resource: '*',
      reason: 'The Resource Groups Tagging API supports no resource-level permissions; FIS calls it to resolve'
        + ' targets.',
    },
    {
      actions: [
        'dynamodb:PutResourcePolicy',
        'dynamodb:DeleteResourcePolicy',
        'dynamodb:GetResourcePolicy',
        'dynamodb:DescribeTable',
      ],
      resource: 'arn:${Partition}:dynamodb:${Region}:${Account}:table/<table name>/stream/*',
      reason: 'A stream ARN ends with a creation timestamp that is unknown at synth time; the wildcard covers the'
        + ' streams of the named table only.',
    },
    {
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resource: 'arn:${Partition}:s3:::<configuration bucket>/<configuration prefix>/*',
      reason: 'FIS chooses the names of the fault configuration objects it writes; the wildcard is confined to the'
        + ' configuration prefix of the suite\'s own bucket.',
    },
  ];

  /** The role FIS assumes to run the experiments. */
  public readonly role: iam.Role;

  /** The bucket holding the FIS Lambda extension's configuration location. */
  public readonly configurationBucket: s3.Bucket;

  /** The folder of the configuration location inside the bucket (no slashes around it). */
  public readonly configurationPrefix: string;

  /** The configuration location as the extension wants it: `arn:<partition>:s3:::<bucket>/<prefix>/`. */
  public readonly configurationLocation: string;

  /** The log group receiving the experiment logs. */
  public readonly logGroup: logs.ILogGroup;

  /** Whether Lambda faults may be added (the `lambdaFaults` prop or its context flag). */
  public readonly lambdaFaultsEnabled: boolean;

  /** Every experiment template added so far, in order. */
  public readonly experimentTemplates: fis.CfnExperimentTemplate[] = [];

  private readonly wiredFunctions = new Set<lambda.Function>();
  private readonly pausedTableArns = new Set<string>();
  private pauseStatement?: iam.PolicyStatement;
  private getFunctionStatement?: iam.PolicyStatement;

  constructor(scope: Construct, id: string, props: FisChaosSuiteProps = {}) {
    super(scope, id);

    const prefix = props.configurationPrefix ?? 'FisConfigs';
    if (!Token.isUnresolved(prefix) && !/^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*$/.test(prefix)) {
      throw new Error(
        'FisChaosSuite: configurationPrefix must be one or more S3 key segments of letters, digits and !_.\'()-'
        + ` joined by single slashes, with no slash at either end, got '${prefix}'`,
      );
    }
    const expiration = props.configurationExpiration ?? Duration.days(7);
    if (expiration.toHours({ integral: false }) < 24 || expiration.toHours({ integral: false }) % 24 !== 0) {
      throw new Error(
        'FisChaosSuite: configurationExpiration must be a whole number of days, at least 1 (S3 lifecycle rules count'
        + ` days, and an experiment may last 12 hours), got ${expiration.toHumanString()}`,
      );
    }
    const contextFlag = this.node.tryGetContext(LAMBDA_FAULTS_CONTEXT);
    this.lambdaFaultsEnabled = props.lambdaFaults ?? (contextFlag === true || contextFlag === 'true');
    this.configurationPrefix = prefix;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.configurationBucket = new s3.Bucket(this, 'ConfigurationBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: false,
      lifecycleRules: [
        {
          id: 'ExpireFaultConfigurations',
          prefix: `${prefix}/`,
          expiration,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
    });
    this.configurationLocation = `${this.configurationBucket.bucketArn}/${prefix}/`;

    this.logGroup = props.logGroup ?? new logs.LogGroup(this, 'ExperimentLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });

    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: 'Role AWS FIS assumes to run the resilient global table chaos experiments',
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:fis:${stack.region}:${stack.account}:experiment/*` },
      }),
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ExperimentLogDelivery',
      actions: ['logs:CreateLogDelivery'],
      resources: ['*'],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ExperimentLogResourcePolicy',
      actions: ['logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
      resources: [`arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ResolveTargets',
      actions: ['tag:GetResources'],
      resources: ['*'],
    }));
  }

  /**
   * Adds an experiment that pauses replication to the table's replica in the suite's region
   * (`aws:dynamodb:global-table-pause-replication`, target key `Tables`, resource type `aws:dynamodb:global-table`).
   * Grants the FIS role `dynamodb:PutResourcePolicy`, `DeleteResourcePolicy`, `GetResourcePolicy` and
   * `DescribeTable` on the replica table and its streams.
   *
   * @returns the experiment template; its `ref` is the template id
   */
  public addReplicationPause(id: string, options: ReplicationPauseOptions): fis.CfnExperimentTemplate {
    const stack = Stack.of(this);
    this.checkTemplateId(id);
    const duration = options.duration ?? RECOMMENDED_PAUSE;
    const isoDuration = checkExperimentDuration('duration', duration);
    checkStopConditionCount(options.stopConditionAlarms);
    const tableName = this.pauseTableName(options);
    if (differsWhenResolved(options.replicaRegion, stack.region)) {
      throw new Error(
        `FisChaosSuite: replicaRegion must equal the suite's region ${stack.region} (FIS pauses the replica in the`
        + ` experiment's own region; put a suite in the replica's region), got ${options.replicaRegion}`,
      );
    }
    const description = checkDescription(options.description ?? 'Pause replication to the replica of global table'
      + ` ${tableName} in ${stack.region} for ${isoDuration}`);

    this.warnStopConditionRegions(options.stopConditionAlarms);
    if (duration.toSeconds() < RECOMMENDED_PAUSE.toSeconds()) {
      Annotations.of(this).addWarningV2('@cdk-resilient-global-table/fis:shortPause',
        `Replication pause '${id}' lasts ${duration.toHumanString()}: replication can go on for up to 5 minutes after`
        + ' the action starts, so a pause shorter than 10 minutes may pause nothing');
    }
    const tableArn = options.table
      ? options.table.tableArn(stack.region)
      : stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName });
    this.grantPause(tableArn);

    return this.addTemplate(id, options, {
      description,
      kind: 'replication-pause',
      actionName: 'pauseReplication',
      actionId: PAUSE_ACTION_ID,
      parameters: { duration: isoDuration },
      targetKey: TABLES_TARGET,
      resourceType: TABLE_RESOURCE_TYPE,
      resourceArns: [tableArn],
    });
  }

  /**
   * Adds an experiment that delays the start of the target functions' invocations (`aws:lambda:invocation-add-delay`,
   * target key `Functions`, resource type `aws:lambda:function`). Each function is wired as a fault target.
   *
   * @returns the experiment template; its `ref` is the template id
   */
  public addInvocationDelay(id: string, options: InvocationDelayOptions): fis.CfnExperimentTemplate {
    this.checkTemplateId(id);
    const delay = options.startupDelay ?? Duration.seconds(12);
    const delayMs = checkStartupDelay('startupDelay', delay);
    const { isoDuration, percent } = this.checkLambdaFault(options);
    const description = checkDescription(options.description ?? `Delay the start of ${percent}% of invocations of`
      + ` ${options.functions.length} function(s) by ${delayMs} ms for ${isoDuration}`);

    this.warnStopConditionRegions(options.stopConditionAlarms);
    for (const fn of options.functions) {
      const timeout = fn.timeout ?? Duration.seconds(3);
      if (timeout.toMilliseconds() <= delayMs) {
        Annotations.of(fn).addWarningV2('@cdk-resilient-global-table/fis:delayNotShorterThanTimeout',
          `Invocation delay '${id}' adds ${delayMs} ms to a function whose timeout is ${timeout.toHumanString()}:`
          + ' delayed invocations will time out instead of running late');
      }
    }
    this.wireAll(options.functions);

    return this.addTemplate(id, options, {
      description,
      kind: 'invocation-delay',
      actionName: 'addStartupDelay',
      actionId: DELAY_ACTION_ID,
      parameters: {
        duration: isoDuration,
        startupDelayMilliseconds: String(delayMs),
        invocationPercentage: String(percent),
      },
      targetKey: FUNCTIONS_TARGET,
      resourceType: FUNCTION_RESOURCE_TYPE,
      resourceArns: options.functions.map((fn) => fn.functionArn),
    });
  }

  /**
   * Adds an experiment that makes the target functions' invocations fail (`aws:lambda:invocation-error`, target key
   * `Functions`, resource type `aws:lambda:function`). Each function is wired as a fault target.
   *
   * @returns the experiment template; its `ref` is the template id
   */
  public addInvocationError(id: string, options: InvocationErrorOptions): fis.CfnExperimentTemplate {
    this.checkTemplateId(id);
    const { isoDuration, percent } = this.checkLambdaFault(options);
    const preventExecution = options.preventExecution ?? true;
    const description = checkDescription(options.description ?? `Fail ${percent}% of invocations of`
      + ` ${options.functions.length} function(s) (${preventExecution ? 'handler skipped' : 'handler runs'})`
      + ` for ${isoDuration}`);

    this.warnStopConditionRegions(options.stopConditionAlarms);
    this.wireAll(options.functions);

    return this.addTemplate(id, options, {
      description,
      kind: 'invocation-error',
      actionName: 'failInvocations',
      actionId: ERROR_ACTION_ID,
      parameters: {
        duration: isoDuration,
        preventExecution: String(preventExecution),
        invocationPercentage: String(percent),
      },
      targetKey: FUNCTIONS_TARGET,
      resourceType: FUNCTION_RESOURCE_TYPE,
      resourceArns: options.functions.map((fn) => fn.functionArn),
    });
  }

  /**
   * Wires a function for the FIS Lambda actions: the FIS extension layer for its architecture,
   * `AWS_LAMBDA_EXEC_WRAPPER=/opt/aws-fis/bootstrap`, `AWS_FIS_CONFIGURATION_LOCATION` set to the suite's
   * configuration location, and read access to that location only (`s3:ListBucket` on the bucket with an
   * `s3:prefix` condition, `s3:GetObject` on the prefix). Grants the FIS role `lambda:GetFunction` on the function
   * and `s3:PutObject`, `s3:DeleteObject` on the prefix. Calling it again for the same function does nothing; a
   * function wired by another suite is refused (it can read only one configuration location).
   */
  public addLambdaFaultTarget(fn: lambda.Function, options: LambdaFaultTargetOptions = {}): void {
    this.checkLambdaTarget(fn);
    this.wire(fn, options);
  }

  private pauseTableName(options: ReplicationPauseOptions): string {
    const region = Stack.of(this).region;
    if ((options.table === undefined) === (options.tableName === undefined)) {
      throw new Error(
        'FisChaosSuite: give exactly one of table and tableName for a replication pause, got '
        + `${options.table ? `table ${options.table.node.path}` : 'no table'} and `
        + `${options.tableName === undefined ? 'no tableName' : `tableName '${options.tableName}'`}`,
      );
    }
    if (options.table) {
      const table = options.table;
      if (!Token.isUnresolved(region) && !table.replicaRegions.includes(region)) {
        throw new Error(
          `FisChaosSuite: the suite's region ${region} must be a replica region of table ${table.tableName} `
          + `(${table.replicaRegions.join(', ')}); FIS pauses the replica in the experiment's own region, so add the `
          + 'suite to a replica region\'s stack',
        );
      }

      return table.tableName;
    }
    const tableName = options.tableName as string;
    if (!Token.isUnresolved(tableName) && tableName.trim() === '') {
      throw new Error(`FisChaosSuite: tableName must be the table's physical name, got '${tableName}'`);
    }

    return tableName;
  }

  private checkLambdaFault(options: LambdaFaultOptions): { isoDuration: string; percent: number } {
    if (!this.lambdaFaultsEnabled) {
      throw new Error(
        'FisChaosSuite: Lambda faults are off (prop lambdaFaults is unset or false and context flag'
        + ` ${LAMBDA_FAULTS_CONTEXT} is not true), got ${options.functions.length} target function(s). Set`
        + ` lambdaFaults: true or pass -c ${LAMBDA_FAULTS_CONTEXT}=true to wire target functions`,
      );
    }
    const isoDuration = checkExperimentDuration('duration', options.duration ?? Duration.minutes(2));
    const percent = options.invocationPercent ?? 100;
    checkWholeNumber('invocationPercent', percent, FIS_LIMITS.minInvocationPercent, FIS_LIMITS.maxInvocationPercent);
    checkStopConditionCount(options.stopConditionAlarms);
    const count = options.functions.length;
    if (count < 1 || count > FIS_LIMITS.maxTargetArns) {
      throw new Error(
        `FisChaosSuite: functions must hold 1 to ${FIS_LIMITS.maxTargetArns} functions (an FIS target names at most`
        + ` ${FIS_LIMITS.maxTargetArns} ARNs), got ${count}`,
      );
    }
    options.functions.forEach((fn) => this.checkLambdaTarget(fn));

    return { isoDuration, percent };
  }

  private checkLambdaTarget(fn: lambda.Function): void {
    const region = Stack.of(this).region;
    const fnRegion = Stack.of(fn).region;
    if (fn.runtime.name.startsWith('provided')) {
      throw new Error(
        `FisChaosSuite: function ${fn.node.path} uses the OS-only runtime ${fn.runtime.name}, which cannot run the FIS`
        + ' extension\'s exec wrapper (/opt/aws-fis/bootstrap); use a managed language runtime for Lambda faults',
      );
    }
    if (differsWhenResolved(fnRegion, region)) {
      throw new Error(
        `FisChaosSuite: function ${fn.node.path} is in region ${fnRegion}, but the suite and its configuration bucket`
        + ` are in ${region}; the FIS extension reads a bucket in its own region, so add a suite in ${fnRegion}`,
      );
    }
    if (!this.wiredFunctions.has(fn) && fn.node.tryFindChild(EXTENSION_LAYER_ID) !== undefined) {
      const owner = WIRING_SUITES.get(fn);
      throw new Error(
        `FisChaosSuite: function ${fn.node.path} is already a Lambda fault target of`
        + ` ${owner ? `suite ${owner.node.path}` : 'another FisChaosSuite'} and can read only one configuration`
        + ` location, so it must be wired by one suite; got a second wiring from suite ${this.node.path}`,
      );
    }
  }

  private checkTemplateId(id: string): void {
    if (this.node.tryFindChild(id) !== undefined) {
      throw new Error(`FisChaosSuite: id must not name an existing child of suite ${this.node.path}, got '${id}'`);
    }
  }

  private warnStopConditionRegions(alarms: cloudwatch.IAlarm[] = []): void {
    const region = Stack.of(this).region;
    for (const alarm of alarms) {
      const alarmRegion = Token.isUnresolved(alarm.alarmArn)
        ? alarm.env.region
        : Arn.split(alarm.alarmArn, ArnFormat.COLON_RESOURCE_NAME).region;
      if (differsWhenResolved(alarmRegion, region)) {
        Annotations.of(this).addWarningV2('@cdk-resilient-global-table/fis:stopAlarmRegion',
          `Stop condition alarm ${alarm.alarmArn} is in region ${alarmRegion}, not in the suite's region ${region}:`
          + ' FIS reads stop condition alarms in the experiment\'s region, so this one would never stop it');
      }
    }
  }

  private grantPause(tableArn: string): void {
    if (this.pausedTableArns.has(tableArn)) {
      return;
    }
    if (!this.pauseStatement) {
      this.pauseStatement = new iam.PolicyStatement({
        sid: 'PauseReplication',
        actions: [
          'dynamodb:PutResourcePolicy',
          'dynamodb:DeleteResourcePolicy',
          'dynamodb:GetResourcePolicy',
          'dynamodb:DescribeTable',
        ],
      });
      this.role.addToPrincipalPolicy(this.pauseStatement);
    }
    this.pauseStatement.addResources(tableArn, `${tableArn}/stream/*`);
    this.pausedTableArns.add(tableArn);
  }

  private wireAll(functions: lambda.Function[]): void {
    functions.forEach((fn) => this.wire(fn, {}));
  }

  private wire(fn: lambda.Function, options: LambdaFaultTargetOptions): void {
    if (this.wiredFunctions.has(fn)) {
      return;
    }
    this.wiredFunctions.add(fn);
    WIRING_SUITES.set(fn, this);

    fn.addLayers(lambda.LayerVersion.fromLayerVersionArn(fn, EXTENSION_LAYER_ID,
      options.extensionLayerArn ?? this.extensionLayerParameter(fn).valueAsString));
    fn.addEnvironment('AWS_LAMBDA_EXEC_WRAPPER', EXEC_WRAPPER);
    fn.addEnvironment('AWS_FIS_CONFIGURATION_LOCATION', this.configurationLocation);
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ListFisConfigurationLocation',
      actions: ['s3:ListBucket'],
      resources: [this.configurationBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.configurationPrefix}/*`] } },
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ReadFisConfigurations',
      actions: ['s3:GetObject'],
      resources: [`${this.configurationBucket.bucketArn}/${this.configurationPrefix}/*`],
    }));

    if (!this.getFunctionStatement) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'WriteFaultConfigurations',
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [`${this.configurationBucket.bucketArn}/${this.configurationPrefix}/*`],
      }));
      this.getFunctionStatement = new iam.PolicyStatement({
        sid: 'ReadTargetFunctions',
        actions: ['lambda:GetFunction'],
      });
      this.role.addToPrincipalPolicy(this.getFunctionStatement);
    }
    this.getFunctionStatement.addResources(fn.functionArn);
  }

  /** The deploy-time parameter resolving the extension layer for the function's architecture, one per stack. */
  private extensionLayerParameter(fn: lambda.Function): CfnParameter {
    const architecture = fn.architecture.name;
    const stack = Stack.of(fn);
    const id = architecture === lambda.Architecture.ARM_64.name ? 'FisExtensionLayerArm64' : 'FisExtensionLayerX8664';
    const existing = stack.node.tryFindChild(id);
    if (existing) {
      return existing as CfnParameter;
    }

    return new CfnParameter(stack, id, {
      type: 'AWS::SSM::Parameter::Value<String>',
      default: extensionParameterPath(architecture),
      description: `SSM parameter holding the AWS FIS Lambda extension layer ARN for ${architecture}`,
    });
  }

  private addTemplate(id: string, options: ExperimentOptions, spec: TemplateSpec): fis.CfnExperimentTemplate {
    const description = spec.description;
    const alarms = options.stopConditionAlarms ?? [];
    const stopConditions = alarms.length === 0
      ? [{ source: 'none' }]
      : alarms.map((alarm) => ({ source: 'aws:cloudwatch:alarm', value: alarm.alarmArn }));

    const template = new fis.CfnExperimentTemplate(this, id, {
      description,
      roleArn: this.role.roleArn,
      tags: { Name: id, ...options.tags, [EXPERIMENT_TAG]: spec.kind },
      actions: {
        [spec.actionName]: {
          actionId: spec.actionId,
          description,
          parameters: spec.parameters,
          targets: { [spec.targetKey]: spec.targetKey },
        },
      },
      targets: {
        [spec.targetKey]: {
          resourceType: spec.resourceType,
          resourceArns: spec.resourceArns,
          selectionMode: 'ALL',
        },
      },
      stopConditions,
      logConfiguration: {
        logSchemaVersion: 2,
        // The CloudWatch Logs configuration is untyped in the L1, so it takes CloudFormation's casing.
        cloudWatchLogsConfiguration: { LogGroupArn: this.logGroup.logGroupArn },
      },
      experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail' },
    });
    template.node.addDependency(this.role);
    this.experimentTemplates.push(template);

    return template;
  }
}

/** What one experiment template holds besides the options every experiment takes; every value already checked. */
interface TemplateSpec {
  readonly description: string;
  readonly kind: string;
  readonly actionName: string;
  readonly actionId: string;
  readonly parameters: { [key: string]: string };
  readonly targetKey: string;
  readonly resourceType: string;
  readonly resourceArns: string[];
}

/** Throws unless the description has 1 to 512 characters (a token is skipped). Returns it. */
function checkDescription(description: string): string {
  if (!Token.isUnresolved(description) && (description.length === 0 || description.length > MAX_DESCRIPTION_LENGTH)) {
    throw new Error(`FisChaosSuite: description must have 1 to ${MAX_DESCRIPTION_LENGTH} characters, `
      + `got ${description.length} characters`);
  }

  return description;
}

/** Throws when more stop condition alarms are given than FIS takes. */
function checkStopConditionCount(alarms: cloudwatch.IAlarm[] = []): void {
  checkWholeNumber('stopConditionAlarms.length', alarms.length, 0, FIS_LIMITS.maxStopConditions);
}
