/**
 * The replica watermark: how far behind the replica is, estimated from the heartbeat item. Pure.
 *
 * The heartbeat writer puts `written_at = now` on one item in the primary every interval. A replica that holds a
 * heartbeat written at R holds (about) every write up to R, and keeps holding them, so at any time t after the copy
 * was read its lag is at most `t - R`. The reader passes `observed = now` (the decision time) for its cached replica
 * copy, so in the replica-alone branch `observed - R` is an upper bound on the replica's lag at decision time, cache
 * time included: when it is within `maxStaleness`, the replica is healthy and the primary is not asked.
 *
 * Otherwise the primary's own heartbeat P is compared. If the replica's copy lacks P, the replica lacked, when that
 * copy was read (at `read`), the beat that followed R, written at about `F = min(P, R + interval)`; so its lag at
 * `read` was at least `read - F`. The estimate `observed - F` is that lower bound plus the copy's time in the cache
 * (`observed - read`): it is the lag the replica would have now had it applied nothing since, not a bound on its lag
 * now (it may have caught up meanwhile). It exceeds the replica's true lag at `read` by at most the cache age, so a
 * replica whose lag plus the watermark cache age stays within `maxStaleness` is never flagged, in either branch. A
 * replica copy that holds P (R >= P) gives 0: it held everything the primary had when P was read.
 *
 * If P itself is old, the writer has stalled: nothing can be concluded, and the result is "no watermark" (never
 * lag), so that a stopped heartbeat never looks like a stopped replica.
 */

/** One observation of the heartbeat item in one region. */
export interface HeartbeatCopy {
  /** The heartbeat's `written_at` in epoch ms; undefined when the item is absent or its value unusable. */
  readonly writtenAtMs: number | undefined;
  /**
   * The time the estimate is made for (epoch ms): when the copy was read, or later (the reader passes the decision
   * time for a cached replica copy; see the module comment).
   */
  readonly observedAtMs: number;
}

/** The primary's heartbeat is "stalled" when older than this many intervals at the time it was read. */
export const STALLED_AFTER_INTERVALS = 3;

/** Why there is no watermark. */
export type NoWatermarkReason =
  | 'heartbeat-disabled' | 'no-replica-heartbeat' | 'no-primary-heartbeat' | 'writer-stalled';

/** The estimate. */
export type Watermark =
  | {
    readonly kind: 'lag';
    readonly replicaLagMs: number;
    readonly comparedWithPrimary: boolean;
    /**
     * Whether the replica's own heartbeat vouches for every write up to `maxStaleness` ago. When it does not, the lag
     * above is only a lower bound (the writes between the replica's heartbeat and the next one are unaccounted for):
     * enough to count a detection when it exceeds the bound, never enough to serve the replica's copy.
     */
    readonly replicaVouched: boolean;
  }
  | { readonly kind: 'none'; readonly reason: NoWatermarkReason };

/** Inputs of the estimate. */
export interface WatermarkInput {
  /** The replica's copy of the heartbeat; undefined when it could not be read. */
  readonly replica: HeartbeatCopy | undefined;
  /** The primary's copy of the heartbeat; undefined when not read (yet) or unreadable. */
  readonly primary?: HeartbeatCopy;
  readonly heartbeatIntervalMs: number;
  readonly maxStalenessMs: number;
}

/** Whether the replica's heartbeat alone cannot vouch for the replica, so the primary's heartbeat must be read. */
export function needsPrimaryHeartbeat(replica: HeartbeatCopy | undefined, maxStalenessMs: number): boolean {
  if (replica === undefined) {
    return false;
  }

  return replica.writtenAtMs === undefined || replica.observedAtMs - replica.writtenAtMs > maxStalenessMs;
}

/** Estimates the replica's lag. */
export function estimateReplicaLag(input: WatermarkInput): Watermark {
  const { replica, primary } = input;
  if (replica === undefined) {
    return { kind: 'none', reason: 'no-replica-heartbeat' };
  }
  const replicaMs = replica.writtenAtMs;
  if (!needsPrimaryHeartbeat(replica, input.maxStalenessMs) && replicaMs !== undefined) {
    return {
      kind: 'lag',
      replicaLagMs: Math.max(0, replica.observedAtMs - replicaMs),
      comparedWithPrimary: false,
      replicaVouched: true,
    };
  }
  if (primary === undefined || primary.writtenAtMs === undefined) {
    return { kind: 'none', reason: 'no-primary-heartbeat' };
  }
  const primaryMs = primary.writtenAtMs;
  if (primary.observedAtMs - primaryMs > STALLED_AFTER_INTERVALS * input.heartbeatIntervalMs) {
    return { kind: 'none', reason: 'writer-stalled' };
  }
  if (replicaMs !== undefined && replicaMs >= primaryMs) {
    return { kind: 'lag', replicaLagMs: 0, comparedWithPrimary: true, replicaVouched: true };
  }
  const firstMissingMs = replicaMs === undefined
    ? primaryMs
    : Math.min(primaryMs, replicaMs + input.heartbeatIntervalMs);

  return {
    kind: 'lag',
    replicaLagMs: Math.max(0, replica.observedAtMs - firstMissingMs),
    comparedWithPrimary: true,
    replicaVouched: false,
  };
}
