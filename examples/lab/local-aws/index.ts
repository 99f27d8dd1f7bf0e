/**
 * Local AWS for the tests and the chaos lab: AWS's DynamoDB Local (one database per region), a fault proxy per
 * region behind one routing endpoint, and an SSM parameter store, all on 127.0.0.1 with ephemeral ports, plus the
 * environment every local client needs. Suites boot it through `useLocalAws()` (test/support/local-aws.ts);
 * `npx jest test/local-aws` exercises it.
 */
import { CreateTableCommand, DynamoDBClient, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { applyEnv, LOCAL_CREDENTIALS, localEnv } from './environment';
import { FaultProxy, RegionFaultProxy, RegionRouter, startFaultProxy, startRouter } from './fault-proxy';
import { LocalParameterServer, ParameterServer, startParameterServer } from './parameter-server';

export { LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, LOCAL_CREDENTIALS } from './environment';
export type { FaultProxy } from './fault-proxy';
export type { ParameterServer } from './parameter-server';
export type { DynamoDbLocal } from './dynamodb-local';

/** The regions local AWS models when none are given. */
export const DEFAULT_LOCAL_REGIONS: readonly string[] = ['us-east-1', 'eu-central-1'];

/** How long one attempt of a client made by {@link LocalAws} may take, unless the caller says otherwise. */
export const DEFAULT_CLIENT_TIMEOUT_MS = 5_000;

/** Options of {@link startLocalAws}. */
export interface StartLocalAwsOptions {
  /**
   * The regions to model, each with its own DynamoDB database and fault proxy.
   * @default ['us-east-1', 'eu-central-1']
   */
  readonly regions?: string[];
}

/** Options of the SDK clients {@link LocalAws} makes. */
export interface LocalClientOptions {
  /**
   * Attempts per call (1 means no retry, so faults are visible).
   * @default 1
   */
  readonly maxAttempts?: number;
  /**
   * Connection and request timeout of one attempt, in milliseconds.
   * @default 5000
   */
  readonly timeoutMs?: number;
}

/** A key attribute of a table. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

/** Input of {@link LocalAws.createTable}. */
export interface CreateLocalTableInput {
  readonly tableName: string;
  readonly regions: string[];
  readonly partitionKey: KeyAttribute;
  /**
   * The sort key.
   * @default - the table has a partition key only
   */
  readonly sortKey?: KeyAttribute;
  /**
   * Whether the tables get a NEW_IMAGE stream (the replicator enables one on the primary when it is missing).
   * @default false
   */
  readonly stream?: boolean;
}

/** Local AWS, started by {@link startLocalAws}. */
export interface LocalAws {
  readonly regions: string[];
  /** One endpoint for every region: it routes each request by its SigV4 credential-scope region to that region's
   *  fault proxy, which forwards to DynamoDB Local. This is what AWS_ENDPOINT_URL_DYNAMODB points at. */
  readonly dynamoDbEndpoint: string;
  /** The SSM parameter store server. */
  readonly parameters: ParameterServer;
  /** The variables every local client needs: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_EC2_METADATA_DISABLED=true,
   *  AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SSM (and AWS_REGION is NOT set here). */
  readonly env: Record<string, string>;
  /** The DynamoDB Local server (its own endpoint and the command line it runs). */
  readonly dynamoDbLocal: DynamoDbLocal;
  /** The fault proxy of one region (pass, fail with 5xx, drop connection, delay, stall; see FaultProxy). */
  proxy(region: string): FaultProxy;
  /** Sets `env` on process.env; returns a function that restores the previous values. */
  applyEnv(): () => void;
  /** A DynamoDB client for a region through the router (maxAttempts default 1, so faults are visible). */
  dynamoDb(region: string, options?: LocalClientOptions): DynamoDBClient;
  /** An SSM client for a region (maxAttempts default 1). */
  ssm(region: string, options?: LocalClientOptions): SSMClient;
  /** A DynamoDB client for a region straight to DynamoDB Local, past every fault proxy (setup, checks, replicator). */
  direct(region: string): DynamoDBClient;
  /** Creates the same table (on-demand) in each given region, optionally with a NEW_IMAGE stream. */
  createTable(input: CreateLocalTableInput): Promise<void>;
  /** Stops every server and process it started. Idempotent. */
  stop(): Promise<void>;
}

/** Starts DynamoDB Local, one fault proxy per region, the router and the parameter store. */
export async function startLocalAws(options: StartLocalAwsOptions = {}): Promise<LocalAws> {
  const regions = [...(options.regions ?? DEFAULT_LOCAL_REGIONS)];
  if (regions.length === 0 || regions.some((region) => !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))) {
    throw new Error(`regions: received ${JSON.stringify(regions)}; allowed: a non-empty list of region names like us-east-1`);
  }
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const dynamoDbLocal = await startDynamoDbLocal();
    started.push(dynamoDbLocal);
    const proxies = new Map<string, RegionFaultProxy>();
    for (const region of new Set(regions)) {
      const proxy = await startFaultProxy(region, dynamoDbLocal.endpoint);
      started.push(proxy);
      proxies.set(region, proxy);
    }
    const router = await startRouter([...proxies.values()]);
    started.push(router);
    const parameters = await startParameterServer();
    started.push(parameters);

    return new RunningLocalAws(regions, dynamoDbLocal, proxies, router, parameters);
  } catch (error) {
    await Promise.allSettled(started.reverse().map((server) => server.stop()));
    throw error;
  }
}

class RunningLocalAws implements LocalAws {
  readonly env: Record<string, string>;
  private readonly clients: Array<{ destroy(): void }> = [];
  private readonly directClients = new Map<string, DynamoDBClient>();
  private stopped: Promise<void> | undefined;

  constructor(
    readonly regions: string[],
    readonly dynamoDbLocal: DynamoDbLocal,
    private readonly proxies: Map<string, RegionFaultProxy>,
    private readonly router: RegionRouter,
    readonly parameters: LocalParameterServer,
  ) {
    this.env = localEnv({ dynamoDbEndpoint: router.endpoint, ssmEndpoint: parameters.endpoint });
  }

  get dynamoDbEndpoint(): string {
    return this.router.endpoint;
  }

  proxy(region: string): FaultProxy {
    const proxy = this.proxies.get(region);
    if (proxy === undefined) {
      throw new Error(`proxy(region): received ${JSON.stringify(region)}; allowed: ${this.regions.join(', ')}`);
    }

    return proxy;
  }

  applyEnv(): () => void {
    return applyEnv(this.env);
  }

  dynamoDb(region: string, options: LocalClientOptions = {}): DynamoDBClient {
    this.proxy(region);

    return this.track(new DynamoDBClient({ region, endpoint: this.router.endpoint, ...clientSettings(options) }));
  }

  ssm(region: string, options: LocalClientOptions = {}): SSMClient {
    return this.track(new SSMClient({ region, endpoint: this.parameters.endpoint, ...clientSettings(options) }));
  }

  direct(region: string): DynamoDBClient {
    this.proxy(region);
    let client = this.directClients.get(region);
    if (client === undefined) {
      client = this.track(new DynamoDBClient({
        region,
        endpoint: this.dynamoDbLocal.endpoint,
        ...clientSettings({ maxAttempts: 3, timeoutMs: 10_000 }),
      }));
      this.directClients.set(region, client);
    }

    return client;
  }

  async createTable(input: CreateLocalTableInput): Promise<void> {
    const keys = [input.partitionKey, ...(input.sortKey === undefined ? [] : [input.sortKey])];
    const keySchema: KeySchemaElement[] = keys.map((key, index) => ({
      AttributeName: key.name,
      KeyType: index === 0 ? 'HASH' : 'RANGE',
    }));
    for (const region of input.regions) {
      await this.direct(region).send(new CreateTableCommand({
        TableName: input.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
        KeySchema: keySchema,
        StreamSpecification: input.stream === true ? { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } : undefined,
      }));
    }
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      for (const client of this.clients) {
        client.destroy();
      }
      await this.router.stop();
      await Promise.allSettled([...this.proxies.values()].map((proxy) => proxy.stop()));
      await this.parameters.stop();
      await this.dynamoDbLocal.stop();
    })();

    return this.stopped;
  }

  private track<T extends { destroy(): void }>(client: T): T {
    this.clients.push(client);

    return client;
  }
}

function clientSettings(options: LocalClientOptions) {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;

  return {
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 1,
    // without throwOnRequestTimeout the handler only logs a warning when the request timeout passes
    requestHandler: new NodeHttpHandler({
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
    }),
  };
}
