import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * Settings of the Lambda function a construct deploys for its handler, shared by `StalenessAwareReaderProps` and
 * `ReplicationRerouterProps`.
 */
export interface HandlerFunctionOptions {
  /**
   * Timeout of one attempt of each SDK call of the handler (1 millisecond to 15 minutes), so an impaired region
   * costs a bounded wait.
   *
   * @default Duration.seconds(1)
   */
  readonly sdkTimeout?: Duration;

  /**
   * Timeout of the function (whole seconds, 1 second to 15 minutes).
   *
   * @default - 10 seconds for a `StalenessAwareReader`, 30 seconds for a `ReplicationRerouter`
   */
  readonly timeout?: Duration;

  /**
   * Memory of the function in MiB (128 to 10240).
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Instruction set of the function.
   *
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
}
