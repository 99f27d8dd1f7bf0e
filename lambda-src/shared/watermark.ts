/**
 * The replica watermark: how far behind the replica is, estimated from the heartbeat item. Pure.
 *
 * The heartbeat writer puts `written_at = now` on one item in the primary every interval. A replica that holds a
 * heartbeat written at R holds (about) every write up to R, so its lag is at most `observed - R`: when that is within
 * `maxStaleness`, the replica is healthy and the primary is not asked. Otherwise the primary's own heartbeat P is
 * compared. If the replica lacks P, it lacks the beat that followed R, written at about `min(P, R + interval)`, so
 * its lag is at least `observed - min(P, R + interval)`: a lower bound, never an overestimate.
 *
 * If P itself is old, the writer has stalled: nothing can be concluded, and the result is "no watermark" (never
 * lag), so that a stopped heartbeat never looks like a stopped replica.
 */

/** One observation of the heartbeat item in one region. */
export interface HeartbeatCopy {
  /** The heartbeat's `written_at` in epoch ms; undefined when the item is absent or its value unusable. */
  readonly writtenAtMs: number | undefined;
  /** When the copy was read (epoch ms). */
  readonly observedAtMs: number;
}

/** The primary's heartbeat is "stalled" when older than this many intervals at the time it was read. */
export const STALLED_AFTER_INTERVALS = 3;

/** Why there is no watermark. */
export type NoWatermarkReason =
  | 'heartbeat-disabled' | 'no-replica-heartbeat' | 'no-primary-heartbeat' | 'writer-stalled';

/** The estimate. */
export type Watermark =
  | { readonly kind: 'lag'; readonly replicaLagMs: number; readonly comparedWithPrimary: boolean }
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
    return { kind: 'lag', replicaLagMs: Math.max(0, replica.observedAtMs - replicaMs), comparedWithPrimary: false };
  }
  if (primary === undefined || primary.writtenAtMs === undefined) {
    return { kind: 'none', reason: 'no-primary-heartbeat' };
  }
  const primaryMs = primary.writtenAtMs;
  if (primary.observedAtMs - primaryMs > STALLED_AFTER_INTERVALS * input.heartbeatIntervalMs) {
    return { kind: 'none', reason: 'writer-stalled' };
  }
  if (replicaMs !== undefined && replicaMs >= primaryMs) {
    return { kind: 'lag', replicaLagMs: 0, comparedWithPrimary: true };
  }
  const firstMissingMs = replicaMs === undefined
    ? primaryMs
    : Math.min(primaryMs, replicaMs + input.heartbeatIntervalMs);

  return { kind: 'lag', replicaLagMs: Math.max(0, replica.observedAtMs - firstMissingMs), comparedWithPrimary: true };
}
