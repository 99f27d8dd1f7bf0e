/**
 * The cdk-nag findings the example app accepts, each with its reason: the one table that the app applies
 * (`stacks.ts`), the test checks against the synthesized findings, and the README lists.
 *
 * Not run on its own; `npx jest test/nag-acknowledgements.test.ts` (from the repository root) checks it.
 */

/** One accepted cdk-nag finding. */
export interface NagAcknowledgement {
  /** The stack the construct is in. */
  readonly stack: 'primary' | 'replica';

  /**
   * The construct's path inside its stack (ids joined by `/`); the finding is accepted there and below. May contain
   * the placeholders of `PLACEHOLDERS`.
   */
  readonly path: string;

  /**
   * The finding: a rule id, with `[finding]` when the rule reports several findings per resource. May contain the
   * placeholders of `PLACEHOLDERS`.
   */
  readonly id: string;

  /** Why the finding is accepted. */
  readonly reason: string;
}

/** What the placeholders in paths and ids stand for: the deployment's own names, read from context. */
export interface PlaceholderValues {
  /** The account id; unset, `{account}` stands for cdk-nag's rendering of the unresolved account. */
  readonly account?: string;
  readonly primaryRegion: string;
  readonly replicaRegion: string;
  readonly tableName: string;
}

/** The placeholders a path or id may contain. */
export const PLACEHOLDERS: readonly (keyof PlaceholderValues)[] = [
  'account', 'primaryRegion', 'replicaRegion', 'tableName',
];

/** How cdk-nag writes the unresolved account in a finding id. */
const UNRESOLVED_ACCOUNT = '<AWS::AccountId>';

/** Replaces `{account}`, `{primaryRegion}`, `{replicaRegion}` and `{tableName}` in `text` with their values. */
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  const filled: Required<PlaceholderValues> = { ...values, account: values.account ?? UNRESOLVED_ACCOUNT };

  return PLACEHOLDERS.reduce((result, key) => result.split(`{${key}}`).join(filled[key]), text);
}

/** The id of CDK's shared AwsCustomResource function in a stack (it creates the routing parameter once). */
export const AWS_CUSTOM_RESOURCE_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

const NODE_RUNTIME_REASON = 'The bundled handlers are built and tested for Node.js 22 (nodejs22.x), the runtime the '
  + 'library ships; a runtime change comes with a library release, not with a deployment.';

/** Every accepted finding. */
export const NAG_ACKNOWLEDGEMENTS: readonly NagAcknowledgement[] = [
  { stack: 'primary', path: 'Orders/Heartbeat', id: 'AwsSolutions-L1', reason: NODE_RUNTIME_REASON },
  { stack: 'replica', path: 'Reader/Function', id: 'AwsSolutions-L1', reason: NODE_RUNTIME_REASON },
  { stack: 'replica', path: 'Rerouter/Function', id: 'AwsSolutions-L1', reason: NODE_RUNTIME_REASON },
  {
    stack: 'replica',
    path: AWS_CUSTOM_RESOURCE_SINGLETON_ID,
    id: 'AwsSolutions-L1',
    reason: 'CDK\'s own AwsCustomResource provider function; aws-cdk-lib chooses its runtime.',
  },
  {
    stack: 'replica',
    path: `${AWS_CUSTOM_RESOURCE_SINGLETON_ID}/ServiceRole`,
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'CDK\'s own AwsCustomResource provider role; the managed policy only lets it write its logs.',
  },
  {
    stack: 'primary',
    path: 'Orders/LagDeadLetterQueue-{replicaRegion}',
    id: 'AwsSolutions-SQS3',
    reason: 'It is a dead-letter queue: that of the replica region\'s SNS subscription to the lag topic, which lives '
      + 'in the replica stack, where cdk-nag does not look for it.',
  },
  {
    stack: 'replica',
    path: 'Reader/Role',
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:{replicaRegion}:{account}:table/{tableName}/index/*]',
    reason: 'The reader\'s read grant covers the indexes of the one named table in its own region, no other table.',
  },
  {
    stack: 'replica',
    path: 'Reader/Role',
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:{primaryRegion}:{account}:table/{tableName}/index/*]',
    reason: 'The reader\'s fallback grant covers the indexes of the one named table in the primary region, no '
      + 'other table.',
  },
  {
    stack: 'replica',
    path: 'Reader/Role',
    id: 'AwsSolutions-IAM5[Resource::<ChaosConfigurationBucket7D5D60DB.Arn>/FisConfigs/*]',
    reason: 'The FIS extension reads the fault configurations that FIS names; the wildcard stays inside the '
      + 'configuration prefix of the chaos suite\'s own bucket.',
  },
  {
    stack: 'replica',
    path: 'Chaos/Role',
    id: 'AwsSolutions-IAM5[Resource::<ChaosConfigurationBucket7D5D60DB.Arn>/FisConfigs/*]',
    reason: 'FIS writes and deletes fault configurations whose names it chooses; the wildcard stays inside the '
      + 'configuration prefix of the chaos suite\'s own bucket.',
  },
  {
    stack: 'replica',
    path: 'Chaos/Role',
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'logs:CreateLogDelivery (experiment logging) and tag:GetResources (target resolution) support no '
      + 'resource-level permissions.',
  },
  {
    stack: 'replica',
    path: 'Chaos/Role',
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:{replicaRegion}:{account}:log-group:*]',
    reason: 'Log delivery for experiment logs keeps its resource policy at account and region level; '
      + 'PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups need the log-group wildcard.',
  },
  {
    stack: 'replica',
    path: 'Chaos/Role',
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:{replicaRegion}:{account}:table/{tableName}/stream/*]',
    reason: 'A stream ARN ends in a creation timestamp unknown at synth time; the wildcard covers the streams of the '
      + 'one paused table only.',
  },
  {
    stack: 'replica',
    path: 'Chaos/ConfigurationBucket',
    id: 'AwsSolutions-S1',
    reason: 'The bucket holds only short-lived FIS fault configurations (written by FIS, read by the extension, '
      + 'expired by a lifecycle rule); an access-log bucket for it would need the same exception.',
  },
];
