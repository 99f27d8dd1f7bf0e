/**
 * SDK clients with a tight time and retry budget, so an outage of one region costs a bounded wait instead of the
 * SDK's defaults. Endpoints come from the standard SDK settings (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SSM`,
 * `AWS_ENDPOINT_URL_CLOUDWATCH`), which is how the local lab points the same code at 127.0.0.1.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The budget of one client: a timeout per attempt and the number of attempts (1 means no retry). */
export interface ClientBudget {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
}

function httpHandler(budget: ClientBudget): NodeHttpHandler {
  // throwOnRequestTimeout: without it the handler only warns when requestTimeout passes and the call waits on.
  return new NodeHttpHandler({
    connectionTimeout: budget.timeoutMs,
    requestTimeout: budget.timeoutMs,
    throwOnRequestTimeout: true,
  });
}

/** A DynamoDB client for `region` within `budget`. */
export function dynamoDbClient(region: string, budget: ClientBudget): DynamoDBClient {
  return new DynamoDBClient({ region, maxAttempts: budget.maxAttempts, requestHandler: httpHandler(budget) });
}

/** An SSM client for `region` within `budget`. */
export function ssmClient(region: string, budget: ClientBudget): SSMClient {
  return new SSMClient({ region, maxAttempts: budget.maxAttempts, requestHandler: httpHandler(budget) });
}

/** A CloudWatch client for `region` within `budget`. */
export function cloudWatchClient(region: string, budget: ClientBudget): CloudWatchClient {
  return new CloudWatchClient({ region, maxAttempts: budget.maxAttempts, requestHandler: httpHandler(budget) });
}
