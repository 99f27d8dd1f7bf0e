/**
 * The per-container breaker. Pure apart from the state it holds; time comes from an injected clock.
 *
 * closed --detection--> open (for the lease) --lease over--> half-open: the next read probes the replica.
 * A healthy probe closes the breaker; a probe that detects staleness (or cannot reach the replica) opens it again.
 */

/** The state of the breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A change of state, for the log. */
export interface BreakerTransition {
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly atMs: number;
}

/** The breaker of one container. */
export class Breaker {
  private openedAtMs: number | undefined;

  /**
   * @param leaseMs how long the breaker stays open after a detection
   * @param clock the time in epoch ms
   */
  constructor(private readonly leaseMs: number, private readonly clock: () => number) {}

  /** The current state: `open` turns `half-open` once the lease is over. */
  public get state(): BreakerState {
    if (this.openedAtMs === undefined) {
      return 'closed';
    }

    return this.clock() - this.openedAtMs >= this.leaseMs ? 'half-open' : 'open';
  }

  /** When the lease ends, while open. */
  public get openUntilMs(): number | undefined {
    return this.openedAtMs === undefined ? undefined : this.openedAtMs + this.leaseMs;
  }

  /** A read detected staleness: open (again) for a full lease. Returns the transition, if the state changed. */
  public recordDetection(): BreakerTransition | undefined {
    const from = this.state;
    this.openedAtMs = this.clock();

    return from === 'open' ? undefined : { from, to: 'open', atMs: this.openedAtMs };
  }

  /** A probe (a read in `half-open`) finished: healthy closes, unhealthy opens for another lease. */
  public recordProbe(healthy: boolean): BreakerTransition | undefined {
    if (this.state !== 'half-open') {
      return undefined;
    }
    if (!healthy) {
      return this.recordDetection();
    }
    this.openedAtMs = undefined;

    return { from: 'half-open', to: 'closed', atMs: this.clock() };
  }
}
