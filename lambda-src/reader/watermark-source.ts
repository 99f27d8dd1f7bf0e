/**
 * Reads and caches the heartbeat copies the watermark is computed from: the replica's copy at most once per
 * `maxAgeMs`, and the primary's copy only when the replica's cannot vouch for itself (also at most once per
 * `maxAgeMs`). A failed read is cached as "no copy" for the same time, so an outage costs one bounded wait per
 * cache age, not one per read. `prefetch()` starts an expired replica heartbeat read without waiting for it, so the
 * reader can run it alongside the replica read of the item; a later `watermark()` joins that read rather than
 * starting another (at most one heartbeat read per region in flight).
 */
import { ItemCopy, writtenAtOf } from '../shared/item';
import { estimateReplicaLag, HeartbeatCopy, needsPrimaryHeartbeat, Watermark } from '../shared/watermark';

/** What the source needs. */
export interface WatermarkSourceOptions {
  /** Reads the heartbeat item from the replica (eventually consistent); throws on failure. */
  readonly readReplica: () => Promise<ItemCopy | null>;
  /** Reads the heartbeat item from the primary (strongly consistent); throws on failure. */
  readonly readPrimary: () => Promise<ItemCopy | null>;
  readonly clock: () => number;
  readonly maxAgeMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxStalenessMs: number;
}

interface Cached {
  readonly copy: HeartbeatCopy | undefined;
  readonly readAtMs: number;
}

/** The heartbeat reads of one container. */
export class WatermarkSource {
  private readonly replica = new CachedCopy();
  private readonly primary = new CachedCopy();

  constructor(private readonly options: WatermarkSourceOptions) {}

  /** Starts reading the replica's heartbeat when its cached copy has expired; does not wait. Never throws. */
  public prefetch(): void {
    void this.replicaCopy();
  }

  /** The current watermark; never throws. */
  public async watermark(): Promise<Watermark> {
    const { maxStalenessMs, heartbeatIntervalMs } = this.options;
    const cachedCopy = (await this.replicaCopy()).copy;
    // The replica held every write up to the copy's written_at when it was read, and still does. Measured against
    // now rather than the time of that read, the lag bound also covers the time the copy spent in the cache.
    const replica = cachedCopy === undefined
      ? undefined
      : { ...cachedCopy, observedAtMs: Math.max(cachedCopy.observedAtMs, this.options.clock()) };
    if (!needsPrimaryHeartbeat(replica, maxStalenessMs)) {
      return estimateReplicaLag({ replica, heartbeatIntervalMs, maxStalenessMs });
    }
    const primary = (await this.primary.current(() => this.refresh(this.options.readPrimary), this.options)).copy;

    return estimateReplicaLag({ replica, primary, heartbeatIntervalMs, maxStalenessMs });
  }

  private replicaCopy(): Promise<Cached> {
    return this.replica.current(() => this.refresh(this.options.readReplica), this.options);
  }

  /** One heartbeat read; never rejects. Its cache age counts from when it finished, so a joined read is fresh. */
  private async refresh(read: () => Promise<ItemCopy | null>): Promise<Cached> {
    try {
      const item = await read();
      const observedAtMs = this.options.clock();

      const writtenAtMs = writtenAtOf(item, observedAtMs).writtenAtMs;

      return { copy: { writtenAtMs, observedAtMs }, readAtMs: observedAtMs };
    } catch {
      return { copy: undefined, readAtMs: this.options.clock() };
    }
  }
}

/** One region's cached heartbeat copy and the read refreshing it, if any. */
class CachedCopy {
  private cached: Cached | undefined;
  private inFlight: Promise<Cached> | undefined;

  /** The cached copy while younger than `maxAgeMs`; else the read in flight, or a new one started with `read`. */
  public current(read: () => Promise<Cached>, options: { clock: () => number; maxAgeMs: number }): Promise<Cached> {
    const cached = this.cached;
    if (cached !== undefined && options.clock() - cached.readAtMs < options.maxAgeMs) {
      return Promise.resolve(cached);
    }
    this.inFlight ??= read().then((fresh) => {
      this.cached = fresh;
      this.inFlight = undefined;

      return fresh;
    });

    return this.inFlight;
  }
}
