/**
 * A fault proxy per region in front of DynamoDB Local, and the router that sends each request to its region's proxy
 * by the SigV4 credential scope (so one `AWS_ENDPOINT_URL_DYNAMODB` serves clients of every region). A proxy
 * passes, fails (an HTTP 500 or a dropped connection), delays or stalls requests on demand. Used by
 * `startLocalAws` (see index.ts); `npx jest test/local-aws/fault-proxy.test.ts` exercises it.
 */
import http from 'node:http';
import { listenOnLoopback, LoopbackServer, readBody } from './loopback';

/** How a proxy treats the requests it receives. */
export type FaultMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'fail'; readonly failure: 'http500' | 'drop' }
  | { readonly kind: 'delay'; readonly delayMs: number }
  | { readonly kind: 'stall' };

/** The fault proxy of one region (see the local AWS API). */
export interface FaultProxy {
  readonly region: string;
  /** Direct address of this region's proxy. */
  readonly endpoint: string;
  /** Count of requests seen. */
  readonly requests: number;
  /** Forward everything (the default). */
  pass(): void;
  /** Every request fails: an HTTP 500 with a DynamoDB-style error body, or a dropped socket. */
  fail(mode?: 'http500' | 'drop'): void;
  /** Forward after a delay. */
  delay(ms: number): void;
  /** Accept and never answer, until another mode is set (held requests then follow it) or the proxy stops. */
  stall(): void;
}

/** The body DynamoDB sends with an internal failure. */
export const INTERNAL_FAILURE_TYPE = 'com.amazon.coral.service#InternalFailure';

/** A received request with its body, ready to forward. */
interface HeldRequest {
  readonly request: http.IncomingMessage;
  readonly response: http.ServerResponse;
  readonly body: Buffer;
}

/** Forwards requests to one HTTP origin over kept-alive connections. */
class Forwarder {
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly origin: URL;

  constructor(origin: string) {
    this.origin = new URL(origin);
  }

  /** Sends `held` to the origin and streams the answer back; an origin failure drops the client's socket. */
  forward(held: HeldRequest): void {
    const { request, response, body } = held;
    if (response.destroyed || request.socket.destroyed) {
      return;
    }
    const upstream = http.request(
      {
        host: this.origin.hostname,
        port: this.origin.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, 'content-length': String(body.length) },
        agent: this.agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.socket?.destroy());
    response.on('close', () => {
      if (!response.writableFinished) {
        upstream.destroy();
      }
    });
    upstream.end(body);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The fault proxy implementation; `startFaultProxy` creates one. */
export class RegionFaultProxy implements FaultProxy {
  private mode: FaultMode = { kind: 'pass' };
  private seen = 0;
  private readonly held = new Set<HeldRequest>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly region: string,
    private readonly server: LoopbackServer,
    private readonly forwarder: Forwarder,
  ) {}

  get endpoint(): string {
    return this.server.endpoint;
  }

  get requests(): number {
    return this.seen;
  }

  /** The current mode (for logs and the lab's timeline). */
  get current(): FaultMode {
    return this.mode;
  }

  pass(): void {
    this.setMode({ kind: 'pass' });
  }

  fail(mode: 'http500' | 'drop' = 'http500'): void {
    if (mode !== 'http500' && mode !== 'drop') {
      throw new Error(`fail(mode): received ${JSON.stringify(mode)}; allowed: 'http500' or 'drop'`);
    }
    this.setMode({ kind: 'fail', failure: mode });
  }

  delay(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new Error(`delay(ms): received ${ms}; allowed: a finite number of milliseconds >= 0`);
    }
    this.setMode({ kind: 'delay', delayMs: ms });
  }

  stall(): void {
    this.setMode({ kind: 'stall' });
  }

  /** Handles one received request (counted once, even when it is held and handled again later). */
  receive(held: HeldRequest): void {
    this.seen++;
    this.handle(held);
  }

  /** Stops the proxy: held requests are dropped, open sockets closed. */
  async stop(): Promise<void> {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    for (const held of this.held) {
      held.request.socket.destroy();
    }
    this.held.clear();
    await this.server.close();
    this.forwarder.close();
  }

  private setMode(mode: FaultMode): void {
    this.mode = mode;
    if (mode.kind === 'stall') {
      return;
    }
    const released = [...this.held];
    this.held.clear();
    for (const held of released) {
      this.handle(held);
    }
  }

  private handle(held: HeldRequest): void {
    const mode = this.mode;
    switch (mode.kind) {
      case 'pass':
        this.forwarder.forward(held);
        break;
      case 'fail':
        if (mode.failure === 'drop') {
          held.request.socket.destroy();
        } else {
          internalFailure(held.response, `fault proxy for ${this.region}: injected failure`);
        }
        break;
      case 'delay': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.forwarder.forward(held);
        }, mode.delayMs);
        this.timers.add(timer);
        break;
      }
      case 'stall':
        this.held.add(held);
        held.response.on('close', () => this.held.delete(held));
        break;
    }
  }
}

/** Answers HTTP 500 with the JSON body DynamoDB uses for an internal failure. */
function internalFailure(response: http.ServerResponse, message: string): void {
  const body = JSON.stringify({ __type: INTERNAL_FAILURE_TYPE, message });
  response.writeHead(500, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': `fault-${Date.now()}`,
  });
  response.end(body);
}

/** Starts a fault proxy for `region` on 127.0.0.1 in front of `origin` (DynamoDB Local). */
export async function startFaultProxy(region: string, origin: string): Promise<RegionFaultProxy> {
  const forwarder = new Forwarder(origin);
  let proxy: RegionFaultProxy | undefined;
  const server = http.createServer((request, response) => {
    readBody(request).then(
      (body) => proxy?.receive({ request, response, body }),
      () => request.socket.destroy(),
    );
  });
  proxy = new RegionFaultProxy(region, await listenOnLoopback(server), forwarder);

  return proxy;
}

/** The region of a SigV4 `Authorization` header's credential scope, or undefined. */
export function credentialScopeRegion(authorization: string | undefined): string | undefined {
  const match = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[^/,\s]+\/aws4_request/.exec(authorization ?? '');

  return match?.[1];
}

/** The router: one endpoint that forwards each request to its region's fault proxy. */
export interface RegionRouter {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts the router on 127.0.0.1 in front of `proxies` (one per region). */
export async function startRouter(proxies: readonly FaultProxy[]): Promise<RegionRouter> {
  const forwarders = new Map(proxies.map((proxy) => [proxy.region, new Forwarder(proxy.endpoint)] as const));
  const server = http.createServer((request, response) => {
    readBody(request).then(
      (body) => {
        const region = credentialScopeRegion(request.headers.authorization);
        const forwarder = region === undefined ? undefined : forwarders.get(region);
        if (forwarder === undefined) {
          const known = [...forwarders.keys()].join(', ');
          unrecognizedRegion(response, `local AWS router: credential scope region ${String(region)} has no DynamoDB; known: ${known}`);
        } else {
          forwarder.forward({ request, response, body });
        }
      },
      () => request.socket.destroy(),
    );
  });
  const listening = await listenOnLoopback(server);

  return {
    endpoint: listening.endpoint,
    stop: async () => {
      await listening.close();
      for (const forwarder of forwarders.values()) {
        forwarder.close();
      }
    },
  };
}

function unrecognizedRegion(response: http.ServerResponse, message: string): void {
  const body = JSON.stringify({ __type: 'com.amazon.coral.service#UnrecognizedClientException', message });
  response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length) });
  response.end(body);
}
