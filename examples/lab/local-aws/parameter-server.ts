/**
 * A small SSM Parameter Store on 127.0.0.1 that speaks the SSM JSON 1.1 protocol, so the real
 * `@aws-sdk/client-ssm` (and the Powertools parameters utility on top of it) talks to it unchanged: GetParameter,
 * GetParameters and PutParameter with versions, the service's error shapes, call counts, throttling of the next N
 * calls and an outage on demand. Used by `startLocalAws` (see index.ts);
 * `npx jest test/local-aws/parameter-server.test.ts` exercises it.
 */
import http from 'node:http';
import { credentialScopeRegion } from './fault-proxy';
import { listenOnLoopback, LoopbackServer, readBody } from './loopback';

/** The account id local ARNs carry. */
const LOCAL_ACCOUNT_ID = '000000000000';

/** The prefix of the `X-Amz-Target` header of every SSM operation. */
const TARGET_PREFIX = 'AmazonSSM.';

/** The parameter store server (see the local AWS API). */
export interface ParameterServer {
  readonly endpoint: string;
  /** Count of calls by operation name, e.g. calls.GetParameter. */
  readonly calls: Record<string, number>;
  /** The next n calls (any operation, or only `operation`) answer ThrottlingException (HTTP 400). */
  throttleNext(n: number, operation?: string): void;
  /** Every call fails with HTTP 500 until `up()`; `down('drop')` drops connections instead. */
  down(mode?: 'http500' | 'drop'): void;
  up(): void;
  /** Direct access for tests and the lab (no call counted): the stored value and version, or undefined. */
  get(name: string): { value: string; version: number } | undefined;
  set(name: string, value: string): void;
  resetCounts(): void;
}

interface StoredParameter {
  readonly value: string;
  readonly type: string;
  readonly version: number;
  readonly lastModifiedMs: number;
}

/** An error the service answers with: HTTP status, `__type` and message. */
class ServiceError extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
    this.name = 'ServiceError';
  }
}

type Operation = (input: Record<string, unknown>, region: string) => Record<string, unknown>;

/** The parameter store implementation; `startParameterServer` creates one. */
export class LocalParameterServer implements ParameterServer {
  readonly calls: Record<string, number> = {};
  private readonly store = new Map<string, StoredParameter>();
  private throttles: Array<{ remaining: number; operation?: string }> = [];
  private outage: 'http500' | 'drop' | undefined;
  private server: LoopbackServer | undefined;

  private readonly operations: Record<string, Operation> = {
    GetParameter: (input, region) => ({ Parameter: this.describe(requiredName(input, 'Name'), region) }),
    GetParameters: (input, region) => this.getParameters(input, region),
    PutParameter: (input) => this.putParameter(input),
  };

  get endpoint(): string {
    if (this.server === undefined) {
      throw new Error('parameter server: not started');
    }

    return this.server.endpoint;
  }

  /** Starts listening on an ephemeral port of 127.0.0.1. */
  async start(): Promise<void> {
    const server = http.createServer((request, response) => {
      readBody(request).then(
        (body) => this.handle(request, response, body),
        () => request.socket.destroy(),
      );
    });
    this.server = await listenOnLoopback(server);
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  throttleNext(n: number, operation?: string): void {
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`throttleNext(n): received ${n}; allowed: an integer >= 0`);
    }
    if (operation !== undefined && !(operation in this.operations)) {
      const known = Object.keys(this.operations).join(', ');
      throw new Error(`throttleNext(operation): received ${JSON.stringify(operation)}; allowed: ${known}`);
    }
    this.throttles.push({ remaining: n, operation });
  }

  down(mode: 'http500' | 'drop' = 'http500'): void {
    if (mode !== 'http500' && mode !== 'drop') {
      throw new Error(`down(mode): received ${JSON.stringify(mode)}; allowed: 'http500' or 'drop'`);
    }
    this.outage = mode;
  }

  up(): void {
    this.outage = undefined;
  }

  get(name: string): { value: string; version: number } | undefined {
    const stored = this.store.get(name);

    return stored === undefined ? undefined : { value: stored.value, version: stored.version };
  }

  set(name: string, value: string): void {
    const previous = this.store.get(name);
    this.store.set(name, {
      value,
      type: previous?.type ?? 'String',
      version: (previous?.version ?? 0) + 1,
      lastModifiedMs: Date.now(),
    });
  }

  resetCounts(): void {
    for (const name of Object.keys(this.calls)) {
      delete this.calls[name];
    }
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer): void {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    this.calls[operationName] = (this.calls[operationName] ?? 0) + 1;

    if (this.outage === 'drop') {
      request.socket.destroy();

      return;
    }
    try {
      if (this.outage === 'http500') {
        throw new ServiceError(500, 'InternalServerError', 'local parameter store: injected outage');
      }
      if (this.takeThrottle(operationName)) {
        throw new ServiceError(400, 'ThrottlingException', 'Rate exceeded');
      }
      const operation = this.operations[operationName];
      if (operation === undefined) {
        throw new ServiceError(400, 'UnknownOperationException', `local parameter store: ${target} is not supported`);
      }
      const region = credentialScopeRegion(request.headers.authorization) ?? 'us-east-1';
      send(response, 200, operation(parseInput(body), region));
    } catch (error) {
      const failure = error instanceof ServiceError
        ? error
        : new ServiceError(500, 'InternalServerError', (error as Error).message);
      send(response, failure.status, { __type: failure.type, message: failure.message });
    }
  }

  private takeThrottle(operationName: string): boolean {
    const throttle = this.throttles.find((t) => t.remaining > 0 && (t.operation ?? operationName) === operationName);
    if (throttle === undefined) {
      return false;
    }
    throttle.remaining--;
    this.throttles = this.throttles.filter((t) => t.remaining > 0);

    return true;
  }

  private describe(name: string, region: string): Record<string, unknown> {
    const stored = this.store.get(name);
    if (stored === undefined) {
      throw new ServiceError(400, 'ParameterNotFound', `Parameter ${name} not found.`);
    }

    return {
      Name: name,
      Type: stored.type,
      Value: stored.value,
      Version: stored.version,
      LastModifiedDate: stored.lastModifiedMs / 1000,
      ARN: `arn:aws:ssm:${region}:${LOCAL_ACCOUNT_ID}:parameter/${name.replace(/^\//, '')}`,
      DataType: 'text',
    };
  }

  private getParameters(input: Record<string, unknown>, region: string): Record<string, unknown> {
    const names = input.Names;
    if (!Array.isArray(names) || names.length === 0 || names.some((name) => typeof name !== 'string')) {
      throw new ServiceError(400, 'ValidationException', 'Names: expected a non-empty list of strings');
    }
    const found = names.filter((name: string) => this.store.has(name));

    return {
      Parameters: found.map((name: string) => this.describe(name, region)),
      InvalidParameters: names.filter((name: string) => !this.store.has(name)),
    };
  }

  private putParameter(input: Record<string, unknown>): Record<string, unknown> {
    const name = requiredName(input, 'Name');
    if (typeof input.Value !== 'string') {
      throw new ServiceError(400, 'ValidationException', `Value: expected a string, received ${typeof input.Value}`);
    }
    const previous = this.store.get(name);
    if (previous !== undefined && input.Overwrite !== true) {
      throw new ServiceError(400, 'ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    }
    const type = typeof input.Type === 'string' ? input.Type : (previous?.type ?? 'String');
    const version = (previous?.version ?? 0) + 1;
    this.store.set(name, { value: input.Value, type, version, lastModifiedMs: Date.now() });

    return { Version: version, Tier: 'Standard' };
  }
}

function parseInput(body: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // answered below
  }
  throw new ServiceError(400, 'SerializationException', 'request body: expected a JSON object');
}

function requiredName(input: Record<string, unknown>, field: string): string {
  const name = input[field];
  if (typeof name !== 'string' || name === '') {
    throw new ServiceError(400, 'ValidationException', `${field}: expected a non-empty string, received ${JSON.stringify(name)}`);
  }

  return name;
}

function send(response: http.ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': `local-ssm-${Date.now()}`,
  });
  response.end(body);
}

/** Starts a parameter store on 127.0.0.1. */
export async function startParameterServer(): Promise<LocalParameterServer> {
  const server = new LocalParameterServer();
  await server.start();

  return server;
}
