/**
 * The staleness decision of the reader, as pure steps (no I/O; time is an input):
 *
 * 1. `planRead`: routing and breaker say where the first read goes.
 * 2. `judgeReplica`: given the replica's copy (and, when asked for, the watermark), serve it or read the primary.
 * 3. `judgePrimary`: given both copies, whether the replica was behind by more than `maxStaleness`.
 *
 * Evidence modes:
 * - `evidence`: freshness token, then the watermark, then (no watermark, item old or of unknown age) one verifying
 *   read of the primary. An old item alone is never a detection.
 * - `item-age`: the reference design's rule: a replica copy older than `maxStaleness` is treated as stale (primary,
 *   detection). Produces false positives on quiet items; kept as an explicit option.
 * - `none`: no staleness checks at all, the replica's copy is served as is (a negative control only).
 *
 * A primary read made because of a token, a replica miss or a verification counts as a detection only when the
 * primary's copy is newer than the replica's and was written more than `maxStaleness` ago.
 */
import type { BreakerState } from './breaker';
import { ItemCopy, versionOf, writtenAtOf } from './item';
import type { Watermark } from './watermark';
import { STALENESS_MODES } from '../../src/private/handler-contract';

/** How staleness is judged. */
export type StalenessMode = (typeof STALENESS_MODES)[number];

/** Where the routing parameter sends reads. */
export type RoutingMode = 'replica' | 'primary';

/** Why a read was served the way it was (the result's `routingReason`, and the `Reason` of Fallbacks). */
export type RoutingReason =
  | 'replica'
  | 'routing_primary'
  | 'breaker_open'
  | 'token_fallback'
  | 'stale_data'
  | 'replica_miss_fallback'
  | 'replica_error_fallback'
  | 'primary_error_fallback'
  | 'probe'
  | 'verification';

/** Every routing reason. `verification`: the item was old, no watermark was available, the primary answered. */
export const ROUTING_REASONS: readonly RoutingReason[] = [
  'replica', 'routing_primary', 'breaker_open', 'token_fallback', 'stale_data', 'replica_miss_fallback',
  'replica_error_fallback', 'primary_error_fallback', 'probe', 'verification',
];

/** The reader's settings that the decision uses. */
export interface StalenessSettings {
  readonly maxStalenessMs: number;
  readonly mode: StalenessMode;
}

/** The caller's freshness token. */
export interface FreshnessToken {
  readonly minWrittenAt?: number;
  readonly minVersion?: number;
}

/** Where the first read goes, and why. */
export interface ReadPlan {
  readonly target: 'replica' | 'primary';
  readonly reason: 'replica' | 'probe' | 'routing_primary' | 'breaker_open';
}

/** Step 1: the routing mode wins, then the breaker (open: primary; half-open: a probe of the replica). */
export function planRead(routingMode: RoutingMode, breakerState: BreakerState): ReadPlan {
  if (routingMode === 'primary') {
    return { target: 'primary', reason: 'routing_primary' };
  }
  if (breakerState === 'open') {
    return { target: 'primary', reason: 'breaker_open' };
  }

  return { target: 'replica', reason: breakerState === 'half-open' ? 'probe' : 'replica' };
}

/** Reasons for which the replica's copy is not served and the primary is read. */
export type PrimaryReason = 'token_fallback' | 'replica_miss_fallback' | 'stale_data' | 'verification';

/** The verdict on a replica copy. */
export type ReplicaVerdict =
  | { readonly action: 'serve-replica'; readonly itemAgeMs?: number; readonly replicaLagMs?: number }
  | {
    readonly action: 'read-primary';
    readonly reason: PrimaryReason;
    /** Already known to be a detection (watermark or item age); otherwise `judgePrimary` decides. */
    readonly staleDetected: boolean;
    readonly itemAgeMs?: number;
    readonly replicaLagMs?: number;
  }
  | { readonly action: 'need-watermark' };

/** Inputs of `judgeReplica`. */
export interface ReplicaJudgementInput {
  readonly settings: StalenessSettings;
  readonly nowMs: number;
  readonly token: FreshnessToken;
  /** The replica's copy; null when the replica does not hold the item. */
  readonly replica: ItemCopy | null;
  /** The watermark, once fetched (`judgeReplica` answers `need-watermark` until it is given). */
  readonly watermark?: Watermark;
  /** When this key was last verified current against the primary, if remembered. */
  readonly verifiedAtMs?: number;
}

function tokenUnmet(replica: ItemCopy, token: FreshnessToken, nowMs: number): boolean {
  if (token.minWrittenAt !== undefined) {
    const writtenAtMs = writtenAtOf(replica, nowMs).writtenAtMs;
    if (writtenAtMs === undefined || writtenAtMs < token.minWrittenAt) {
      return true;
    }
  }
  if (token.minVersion !== undefined) {
    const version = versionOf(replica);
    if (version === undefined || version < token.minVersion) {
      return true;
    }
  }

  return false;
}

/** Step 2: judges the replica's copy. */
export function judgeReplica(input: ReplicaJudgementInput): ReplicaVerdict {
  const { settings, nowMs, replica } = input;
  const itemAgeMs = writtenAtOf(replica, nowMs).ageMs;
  const age = itemAgeMs === undefined ? {} : { itemAgeMs };
  if (settings.mode === 'none') {
    return { action: 'serve-replica', ...age };
  }
  if (replica === null) {
    return { action: 'read-primary', reason: 'replica_miss_fallback', staleDetected: false };
  }
  if (tokenUnmet(replica, input.token, nowMs)) {
    return { action: 'read-primary', reason: 'token_fallback', staleDetected: false, ...age };
  }
  if (settings.mode === 'item-age') {
    return itemAgeMs !== undefined && itemAgeMs > settings.maxStalenessMs
      ? { action: 'read-primary', reason: 'stale_data', staleDetected: true, itemAgeMs }
      : { action: 'serve-replica', ...age };
  }

  const watermark = input.watermark;
  if (watermark === undefined) {
    return { action: 'need-watermark' };
  }
  if (watermark.kind === 'lag') {
    const replicaLagMs = watermark.replicaLagMs;

    if (replicaLagMs > settings.maxStalenessMs) {
      return { action: 'read-primary', reason: 'stale_data', staleDetected: true, replicaLagMs, ...age };
    }
    if (!watermark.replicaVouched) {
      // Behind its own heartbeat by more than the bound, yet not provably stale: the primary's copy decides.
      return { action: 'read-primary', reason: 'verification', staleDetected: false, replicaLagMs, ...age };
    }

    return { action: 'serve-replica', replicaLagMs, ...age };
  }
  const recentlyVerified = input.verifiedAtMs !== undefined && nowMs - input.verifiedAtMs <= settings.maxStalenessMs;
  if ((itemAgeMs !== undefined && itemAgeMs <= settings.maxStalenessMs) || recentlyVerified) {
    return { action: 'serve-replica', ...age };
  }

  return { action: 'read-primary', reason: 'verification', staleDetected: false, ...age };
}

/**
 * Whether the primary's copy is newer than the replica's: by `version` when both have one, else by `written_at`.
 * Undefined when it cannot be told (a delete in the primary, or no comparable attribute).
 */
export function primaryIsNewer(primary: ItemCopy | null, replica: ItemCopy | null, nowMs: number): boolean | undefined {
  if (primary === null) {
    return replica === null ? false : undefined;
  }
  if (replica === null) {
    return true;
  }
  const primaryVersion = versionOf(primary);
  const replicaVersion = versionOf(replica);
  if (primaryVersion !== undefined && replicaVersion !== undefined) {
    return primaryVersion > replicaVersion;
  }
  const primaryWrittenAt = writtenAtOf(primary, nowMs).writtenAtMs;
  const replicaWrittenAt = writtenAtOf(replica, nowMs).writtenAtMs;
  if (primaryWrittenAt !== undefined && replicaWrittenAt !== undefined) {
    return primaryWrittenAt > replicaWrittenAt;
  }

  return undefined;
}

/** The conclusion once the primary answered. */
export interface PrimaryJudgement {
  readonly reason: PrimaryReason;
  readonly staleDetected: boolean;
  readonly replicaLagMs?: number;
  readonly itemAgeMs?: number;
  /** The replica's copy was found current: remember the verification of this key. */
  readonly replicaCurrent: boolean;
}

/** Inputs of `judgePrimary`. */
export interface PrimaryJudgementInput {
  readonly settings: StalenessSettings;
  readonly nowMs: number;
  readonly verdict: Extract<ReplicaVerdict, { action: 'read-primary' }>;
  readonly replica: ItemCopy | null;
  readonly primary: ItemCopy | null;
}

/** Step 3: judges the replica's copy against the primary's. */
export function judgePrimary(input: PrimaryJudgementInput): PrimaryJudgement {
  const { settings, nowMs, verdict, replica, primary } = input;
  const newer = primaryIsNewer(primary, replica, nowMs);
  const itemAgeMs = verdict.itemAgeMs ?? writtenAtOf(primary, nowMs).ageMs;
  const age = itemAgeMs === undefined ? {} : { itemAgeMs };
  if (verdict.staleDetected) {
    return {
      reason: verdict.reason, staleDetected: true, replicaLagMs: verdict.replicaLagMs, replicaCurrent: false, ...age,
    };
  }
  const primaryAgeMs = writtenAtOf(primary, nowMs).ageMs;
  const staleDetected = newer === true && primaryAgeMs !== undefined && primaryAgeMs > settings.maxStalenessMs;
  const replicaLagMs = newer === false ? 0 : newer === true ? primaryAgeMs : undefined;
  const reason: PrimaryReason = staleDetected && verdict.reason === 'verification' ? 'stale_data' : verdict.reason;

  return {
    reason,
    staleDetected,
    ...(replicaLagMs === undefined ? {} : { replicaLagMs }),
    replicaCurrent: newer === false,
    ...age,
  };
}

/** Remembers, per key, when the replica's copy was last verified current. Bounded; the oldest entries go first. */
export class VerificationMemory {
  private readonly verifiedAt = new Map<string, number>();

  /**
   * @param rememberMs how long a verification counts (the reader's `maxStaleness`)
   * @param maxEntries at most this many keys are held
   */
  constructor(private readonly rememberMs: number, private readonly maxEntries = 10_000) {}

  /** When `key` was verified, if within `rememberMs` of `nowMs`. */
  public lookup(key: string, nowMs: number): number | undefined {
    const at = this.verifiedAt.get(key);
    if (at === undefined) {
      return undefined;
    }
    if (nowMs - at > this.rememberMs) {
      this.verifiedAt.delete(key);

      return undefined;
    }

    return at;
  }

  /** Records that `key` was verified at `nowMs`. */
  public remember(key: string, nowMs: number): void {
    this.verifiedAt.delete(key);
    this.verifiedAt.set(key, nowMs);
    if (this.verifiedAt.size > this.maxEntries) {
      const oldest = this.verifiedAt.keys().next().value;
      if (oldest !== undefined) {
        this.verifiedAt.delete(oldest);
      }
    }
  }

  /** How many keys are held. */
  public get size(): number {
    return this.verifiedAt.size;
  }
}
