import type * as dnsModule from 'node:dns';
import type * as netModule from 'node:net';

/** Thrown when code under test reaches for a host that is not loopback. */
export class NetworkGuardError extends Error {
  constructor(target: string) {
    super(`network guard: connection to ${target} refused; tests may only reach loopback (127.0.0.0/8, ::1, localhost)`);
    this.name = 'NetworkGuardError';
  }
}

const GUARDED = Symbol.for('cdk-resilient-global-table.network-guard');

/** Whether a host string names a loopback address (or the name `localhost`). */
export function isLoopback(host: string | undefined): boolean {
  if (host === undefined || host === '') {
    return true; // Node's default host for connect() is localhost
  }
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') {
    return true;
  }
  if (net4(bare)) {
    return bare.startsWith('127.');
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  return mapped !== null && mapped[1].startsWith('127.');
}

function net4(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

function targetOf(args: unknown[]): { host?: string; path?: string; port?: unknown } {
  const [first, second] = args;
  if (Array.isArray(first)) {
    return targetOf(first as unknown[]);
  }
  if (first !== null && typeof first === 'object') {
    const options = first as { host?: string; path?: string; port?: unknown };
    return { host: options.host, path: options.path, port: options.port };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) {
    return { path: first }; // a Unix socket path
  }
  return { port: first, host: typeof second === 'string' ? second : undefined };
}

/** Patches `net.Socket.prototype.connect` and `dns.lookup` so that only loopback can be reached. */
export function installNetworkGuard(modules: { net: typeof netModule; dns: typeof dnsModule }): void {
  const proto = modules.net.Socket.prototype as unknown as Record<string | symbol, unknown>;
  if (proto[GUARDED]) {
    return;
  }
  proto[GUARDED] = true;

  const originalConnect = modules.net.Socket.prototype.connect;
  modules.net.Socket.prototype.connect = function guardedConnect(this: netModule.Socket, ...args: unknown[]) {
    const target = targetOf(args);
    if (target.path === undefined && !isLoopback(target.host)) {
      throw new NetworkGuardError(`${target.host}:${String(target.port)}`);
    }
    return (originalConnect as (...a: unknown[]) => netModule.Socket).apply(this, args);
  } as typeof originalConnect;

  const originalLookup = modules.dns.lookup;
  const guardedLookup = function (hostname: string, ...rest: unknown[]) {
    if (!isLoopback(hostname)) {
      throw new NetworkGuardError(`${hostname} (DNS lookup)`);
    }
    return (originalLookup as (...a: unknown[]) => unknown)(hostname, ...rest);
  };
  (modules.dns as { lookup: unknown }).lookup = guardedLookup;

  const promises = modules.dns.promises as unknown as { lookup: (hostname: string, ...rest: unknown[]) => unknown };
  const originalPromiseLookup = promises.lookup.bind(promises);
  promises.lookup = (hostname: string, ...rest: unknown[]) => {
    if (!isLoopback(hostname)) {
      return Promise.reject(new NetworkGuardError(`${hostname} (DNS lookup)`));
    }
    return originalPromiseLookup(hostname, ...rest);
  };
}
