/**
 * A local Lambda container: one worker thread that loads a bundled handler (the same file that deploys, from
 * assets/) with its own environment and module state, and runs invocations one at a time. What the handler writes
 * to stdout (JSON log lines and EMF) comes back line by line, so the lab can feed EMF to its local CloudWatch.
 *
 * Faults are applied the way the AWS FIS Lambda extension applies them: before the handler runs (a start-up delay),
 * or instead of it (an invocation error that prevents execution).
 */
import { Worker } from 'node:worker_threads';

/** A fault applied around invocations, like the FIS extension does. */
export interface InvocationFault {
  /** Milliseconds to wait before the handler runs. */
  readonly startupDelayMs?: number;
  /** Fail the invocation without running the handler. */
  readonly preventExecution?: boolean;
  /** Share of invocations affected, 1 to 100. */
  readonly invocationPercentage?: number;
}

/** The outcome of one invocation. */
export type InvocationOutcome =
  | { readonly ok: true; readonly result: unknown; readonly durationMs: number }
  | {
    readonly ok: false;
    readonly error: { name: string; message: string };
    readonly injected: boolean;
    readonly durationMs: number;
  };

export interface LambdaContainerOptions {
  /** Absolute path of the bundled handler file (exports `handler`). */
  readonly handlerFile: string;
  /** The function's environment (the worker sees only this, plus PATH). */
  readonly env: Record<string, string>;
  /** A name for logs and metrics of the lab. */
  readonly functionName: string;
  /** Called with every line the handler writes to stdout or stderr. */
  readonly onLine?: (line: string) => void;
  /** Function timeout in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// Loopback only: a handler in the lab can reach 127.0.0.0/8, ::1 and localhost, and nothing else.
const net = require('node:net');
const dns = require('node:dns');
const loopback = (host) => host === undefined || host === '' || host === 'localhost' || host === '::1'
  || /^127\\./.test(host) || /^::ffff:127\\./.test(host);
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const host = first && typeof first === 'object' ? first.host : (typeof args[1] === 'string' ? args[1] : undefined);
  const isPath = first && typeof first === 'object'
    ? first.path !== undefined
    : typeof first === 'string' && !/^\\d+$/.test(first);
  if (!isPath && !loopback(host)) {
    throw new Error('lab network guard: connection to ' + host + ' refused (loopback only)');
  }
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function (hostname, ...rest) {
  if (!loopback(hostname)) throw new Error('lab network guard: DNS lookup of ' + hostname + ' refused (loopback only)');
  return lookup.call(this, hostname, ...rest);
};
let pending = '';
const forward = (chunk) => {
  pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  let newline;
  while ((newline = pending.indexOf('\\n')) >= 0) {
    parentPort.postMessage({ type: 'line', line: pending.slice(0, newline) });
    pending = pending.slice(newline + 1);
  }
  return true;
};
process.stdout.write = forward;
process.stderr.write = forward;
const mod = require(workerData.handlerFile);
let sequence = 0;
parentPort.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  const started = Date.now();
  const context = {
    awsRequestId: workerData.functionName + '-' + (++sequence),
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    memoryLimitInMB: '256',
    invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':000000000000:function:'
      + workerData.functionName,
    logGroupName: '/aws/lambda/' + workerData.functionName,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  try {
    const result = await mod.handler(message.event, context);
    parentPort.postMessage({ type: 'result', id: message.id, ok: true, result, durationMs: Date.now() - started });
  } catch (error) {
    parentPort.postMessage({ type: 'result', id: message.id, ok: false, durationMs: Date.now() - started,
      error: { name: (error && error.name) || 'Error', message: String((error && error.message) || error) } });
  }
});
parentPort.postMessage({ type: 'ready' });
`;

/** The outcome of an invocation that a stopped container could not run. */
const STOPPED: InvocationOutcome = {
  ok: false,
  injected: false,
  durationMs: 0,
  error: { name: 'ContainerStopped', message: 'container stopped' },
};

/** One container: a worker thread with its own module state. Invocations queue and run one at a time. A timed-out
 * invocation ends the worker and the next one starts a fresh one, as Lambda discards a sandbox after a timeout. */
export class LambdaContainer {
  private worker!: Worker;
  private ready!: Promise<void>;
  private readonly waiting = new Map<number, (outcome: InvocationOutcome) => void>();
  private readonly timeoutMs: number;
  private nextId = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private fault: InvocationFault | undefined;
  private stopped = false;
  /** How many times the sandbox was replaced after a timeout. */
  public restarts = 0;

  constructor(private readonly options: LambdaContainerOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.startWorker();
  }

  private startWorker(): void {
    const options = this.options;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      workerData: { handlerFile: options.handlerFile, functionName: options.functionName },
      stdout: false,
      stderr: false,
    });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (message: { type: string; line?: string; id?: number } & Record<string, unknown>) => {
        if (message.type === 'ready') {
          resolve();
        } else if (message.type === 'line') {
          options.onLine?.(message.line ?? '');
        } else if (message.type === 'result') {
          const settle = this.waiting.get(message.id ?? -1);
          this.waiting.delete(message.id ?? -1);
          settle?.(message.ok
            ? { ok: true, result: message.result, durationMs: message.durationMs as number }
            : {
              ok: false,
              error: message.error as { name: string; message: string },
              injected: false,
              durationMs: message.durationMs as number,
            });
        }
      });
    });
  }

  /** Sets (or with `undefined` clears) the fault applied to the next invocations. */
  setFault(fault: InvocationFault | undefined): void {
    this.fault = fault;
  }

  /** Runs one invocation after the ones already queued on this container. */
  invoke(event: unknown): Promise<InvocationOutcome> {
    const run = this.queue.then(() => this.invokeNow(event));
    this.queue = run.catch(() => undefined);

    return run;
  }

  private async invokeNow(event: unknown): Promise<InvocationOutcome> {
    await this.ready;
    const started = Date.now();
    const fault = this.fault;
    const affected = fault !== undefined && Math.random() * 100 < (fault.invocationPercentage ?? 100);
    if (affected && fault.startupDelayMs) {
      await new Promise((resolve) => setTimeout(resolve, fault.startupDelayMs));
    }
    if (affected && fault.preventExecution) {
      return {
        ok: false,
        injected: true,
        durationMs: Date.now() - started,
        error: { name: 'InjectedInvocationError', message: 'invocation failed by the injected fault' },
      };
    }
    if (this.stopped) {
      return STOPPED;
    }
    const id = ++this.nextId;
    const remaining = this.timeoutMs - (Date.now() - started);
    const outcome = await new Promise<InvocationOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.restarts += 1;
        void this.worker.terminate();
        if (!this.stopped) {
          this.startWorker();
        }
        resolve({
          ok: false,
          injected: false,
          durationMs: Date.now() - started,
          error: { name: 'TimeoutError', message: `task timed out after ${this.timeoutMs} ms` },
        });
      }, Math.max(1, remaining));
      this.waiting.set(id, (result) => {
        clearTimeout(timer);
        resolve(result.ok ? result : { ...result, durationMs: Date.now() - started });
      });
      this.worker.postMessage({ type: 'invoke', id, event, deadline: Date.now() + Math.max(1, remaining) });
    });

    return outcome.ok ? { ...outcome, durationMs: Date.now() - started } : outcome;
  }

  /** Ends the worker. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const settle of this.waiting.values()) {
      settle(STOPPED);
    }
    this.waiting.clear();
    await this.worker.terminate();
  }
}
