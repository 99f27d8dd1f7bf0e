/**
 * Reads and caches the heartbeat copies the watermark is computed from: the replica's copy at most once per
 * `maxAgeMs`, and the primary's copy only when the replica's cannot vouch for itself (also at most once per
 * `maxAgeMs`). A failed read is cached as "no copy" for the same time, so an outage costs one bounded wait per
 * cache age, not one per read.
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
  private replica: Cached | undefined;
  private primary: Cached | undefined;

  constructor(private readonly options: WatermarkSourceOptions) {}

  /** The current watermark; never throws. */
  public async watermark(): Promise<Watermark> {
    const { maxStalenessMs, heartbeatIntervalMs } = this.options;
    this.replica = await this.refresh(this.replica, this.options.readReplica);
    // The replica held every write up to the copy's written_at when it was read, and still does. Measured against
    // now rather than the time of that read, the lag bound also covers the time the copy spent in the cache.
    const cachedCopy = this.replica.copy;
    const replica = cachedCopy === undefined
      ? undefined
      : { ...cachedCopy, observedAtMs: Math.max(cachedCopy.observedAtMs, this.options.clock()) };
    if (!needsPrimaryHeartbeat(replica, maxStalenessMs)) {
      return estimateReplicaLag({ replica, heartbeatIntervalMs, maxStalenessMs });
    }
    this.primary = await this.refresh(this.primary, this.options.readPrimary);

    return estimateReplicaLag({ replica, primary: this.primary.copy, heartbeatIntervalMs, maxStalenessMs });
  }

  private async refresh(cached: Cached | undefined, read: () => Promise<ItemCopy | null>): Promise<Cached> {
    const now = this.options.clock();
    if (cached !== undefined && now - cached.readAtMs < this.options.maxAgeMs) {
      return cached;
    }
    try {
      const item = await read();
      const observedAtMs = this.options.clock();

      return { copy: { writtenAtMs: writtenAtOf(item, observedAtMs).writtenAtMs, observedAtMs }, readAtMs: now };
    } catch {
      return { copy: undefined, readAtMs: now };
    }
  }
}
