/**
 * The routing value, cached per container so reads never call SSM each time: one GetParameter per `maxAgeMs` at
 * most. "Not found" is cached like a value. Each fetched value is parsed once, when it arrives.
 *
 * Stale-while-revalidate: once a first fetch has finished, a read never waits for SSM. When the value is older than
 * `maxAgeMs`, the read gets the value it has (the last known value is an accepted answer) and one refresh starts in
 * the background; at most one fetch is in flight per container. Only a cold start, with nothing known yet, waits for
 * its fetch (bounded by the SSM client's budget), and a failed fetch then means automatic mode. A failed or
 * throttled refresh keeps the last known value and is retried after another `maxAgeMs`, so the parameter store being
 * down, slow or throttled never fails or slows a user read once the container is warm.
 *
 * In Lambda a background refresh runs while the container runs: started by one read, it may finish during a later
 * invocation. Until it finishes, reads keep the last known value.
 */
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { effectiveModeOf, RoutingMode } from '../shared/routing-state';

/** Where a routing value came from. */
export type RoutingValueSource = 'cache' | 'fetched' | 'not-found' | 'last-known';

/** A routing value: the raw parameter value, or undefined (absent, or never read), and the mode it means. */
export interface RoutingValue {
  readonly raw: string | undefined;
  /** The effective mode of `raw` (automatic mode reads the replica). */
  readonly mode: RoutingMode;
  /** Whether `raw` could not be parsed (and so means automatic mode). */
  readonly unreadable: boolean;
  /** `cache` for a value served from memory, however old; otherwise the outcome of the fetch that produced it. */
  readonly source: RoutingValueSource;
  /** The error of the failed fetch, when `source` is `last-known`. */
  readonly error?: unknown;
}

/** Called once per finished fetch, in the foreground or the background, with its outcome. */
export type RoutingFetchListener = (outcome: RoutingValue) => void;

type Parsed = Omit<RoutingValue, 'source' | 'error'>;

const NONE: Parsed = { raw: undefined, ...effectiveModeOf(undefined) };

function isNotFound(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current.name === 'ParameterNotFound' || current.name === 'ParameterNotFoundError') {
      return true;
    }
    current = current.cause;
  }

  return false;
}

function parsed(raw: string | undefined): Parsed {
  return raw === undefined ? NONE : { raw, ...effectiveModeOf(raw) };
}

/** The cache of one routing parameter. */
export class RoutingCache {
  /** The last known value; undefined until the first fetch has finished. */
  private known: Parsed | undefined;
  /** When the last fetch started (epoch ms). */
  private fetchedAtMs: number | undefined;
  private inFlight: Promise<RoutingValue> | undefined;

  /**
   * @param provider the Powertools SSM provider (its own client)
   * @param name the parameter name
   * @param maxAgeMs how long a value (or a failure) is kept before the next GetParameter
   * @param clock epoch ms
   * @param onFetched told the outcome of every fetch (for logging)
   */
  constructor(private readonly provider: SSMProvider, private readonly name: string,
    private readonly maxAgeMs: number, private readonly clock: () => number,
    private readonly onFetched: RoutingFetchListener = () => undefined) {}

  /**
   * The routing value; never throws. Waits for SSM only when nothing is known yet or when `forceRefresh` asks for a
   * fetch; otherwise answers from memory at once and, when the value is older than `maxAgeMs`, refreshes it in the
   * background.
   */
  public async get(forceRefresh = false): Promise<RoutingValue> {
    const now = this.clock();
    const expired = this.fetchedAtMs === undefined || now - this.fetchedAtMs >= this.maxAgeMs;
    if (expired || forceRefresh || this.known === undefined) {
      const fetch = this.inFlight ?? this.startFetch(now);
      if (forceRefresh || this.known === undefined) {
        return fetch;
      }
    }

    return { ...this.known, source: 'cache' };
  }

  private startFetch(now: number): Promise<RoutingValue> {
    this.fetchedAtMs = now;
    const fetch = this.fetch().then((outcome) => {
      this.inFlight = undefined;
      try {
        this.onFetched(outcome);
      } catch {
        // a listener failing (logging) must not fail a read nor leave a rejected background promise
      }

      return outcome;
    });
    this.inFlight = fetch;

    return fetch;
  }

  /** One GetParameter; never rejects. */
  private async fetch(): Promise<RoutingValue> {
    try {
      const raw = await this.provider.get(this.name, { maxAge: this.maxAgeMs / 1000, forceFetch: true });
      this.known = parsed(typeof raw === 'string' ? raw : undefined);

      return { ...this.known, source: 'fetched' };
    } catch (error) {
      if (isNotFound(error)) {
        this.known = NONE;

        return { ...NONE, source: 'not-found' };
      }
      this.known ??= NONE;

      return { ...this.known, source: 'last-known', error };
    }
  }
}
