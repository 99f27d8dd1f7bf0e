/**
 * The part of a handler function's props that every handler construct sets the same way: the bundled code, its
 * entry point, the runtime, and the checked `FunctionSettings` (architecture, memory, timeout).
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { HANDLER_ENTRY, HandlerName, handlerCode } from './assets';
import { FunctionSettings } from './validation';

/** The `lambda.FunctionProps` that `handlerFunctionProps` fills in. */
export type HandlerFunctionProps = Required<
  Pick<lambda.FunctionProps, 'code' | 'handler' | 'runtime' | 'architecture' | 'memorySize' | 'timeout'>>;

/** The code, entry, runtime, architecture, memory and timeout of the function that runs handler `name`. */
export function handlerFunctionProps(name: HandlerName, fn: FunctionSettings): HandlerFunctionProps {
  return {
    code: handlerCode(name),
    handler: HANDLER_ENTRY,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: fn.architecture,
    memorySize: fn.memorySize,
    timeout: fn.timeout,
  };
}
