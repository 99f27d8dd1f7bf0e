/**
 * The observed replica lag, computed from the heartbeat's own writes (pure). A replica "shows" a write once its copy
 * of the heartbeat item carries a `written_at` at least that write's: replication applies the item's versions in
 * order, so a copy that new has seen the write or replaced it.
 */

/** The writes of this run a replica has not shown yet, oldest first (epoch ms of each `written_at`). */
export type PendingWrites = readonly number[];

/** Most pending writes kept per replica; beyond it the oldest are kept and the newest dropped (the lag is the same). */
export const MAX_PENDING_WRITES = 1_000;

/** Drops the writes a replica copy written at `replicaWrittenAtMs` shows (`undefined`: the replica has no copy). */
export function unshownWrites(pending: PendingWrites, replicaWrittenAtMs: number | undefined): number[] {
  return replicaWrittenAtMs === undefined
    ? [...pending]
    : pending.filter((writtenAt) => writtenAt > replicaWrittenAtMs);
}

/**
 * The observed lag of a replica at `nowMs`: the age of the oldest of this run's writes the replica has not shown,
 * or 0 when it shows them all.
 */
export function observedLagMs(pending: PendingWrites, replicaWrittenAtMs: number | undefined, nowMs: number): number {
  const unshown = unshownWrites(pending, replicaWrittenAtMs);
  if (unshown.length === 0) {
    return 0;
  }

  return Math.max(0, nowMs - Math.min(...unshown));
}

/** Adds a write to the pending list, keeping it bounded (the oldest entries decide the lag, so they stay). */
export function withWrite(pending: PendingWrites, writtenAtMs: number): number[] {
  return pending.length >= MAX_PENDING_WRITES ? [...pending] : [...pending, writtenAtMs];
}
