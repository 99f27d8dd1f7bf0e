/**
 * The reader function's event and result, for callers (outside the jsii API: jsii cannot express them).
 */
import type { PlainValue } from '../shared/item';
import type { RoutingReason } from '../shared/staleness';

export type { RoutingReason } from '../shared/staleness';
export type { PlainValue } from '../shared/item';

/** A key value: a string (S), a number (N), or a base64 string (B). */
export type ReaderKeyValue = string | number;

/** The reader's event. */
export interface ReaderEvent {
  /** The item's key: the table's partition key and, when it has one, its sort key. */
  readonly key?: Record<string, ReaderKeyValue>;
  /** The reference design's flat form, accepted when the table's key attributes are named `pk` and `sk`. */
  readonly pk?: ReaderKeyValue;
  /** See `pk`. */
  readonly sk?: ReaderKeyValue;
  /** Freshness token: a replica copy written before this (epoch ms) is not served. */
  readonly minWrittenAt?: number;
  /** Freshness token: a replica copy with a lower `version` is not served. */
  readonly minVersion?: number;
}

/** A served read. */
export interface ReaderResult {
  /** The item as plain JSON, or null when it exists nowhere (as far as the answering region knows). */
  readonly item: { [name: string]: PlainValue } | null;
  readonly readFrom: 'replica' | 'primary';
  readonly routingReason: RoutingReason;
  /** This read found the replica behind by more than `maxStaleness`. */
  readonly staleDetected: boolean;
  /** The answer could not be checked: the primary failed and the replica answered. */
  readonly possiblyStale: boolean;
  /** The replica lag used as evidence, when known. */
  readonly replicaLagMs: number | null;
  /** The age of the judged copy (the replica's when it was read and held the item), when known. */
  readonly itemAgeMs: number | null;
}

/** A read that was not served. */
export interface ReaderErrorResult {
  readonly error:
  | { readonly type: 'InvalidInput'; readonly field: string; readonly message: string }
  | { readonly type: 'Unavailable'; readonly message: string };
}

/** What the reader returns. */
export type ReaderResponse = ReaderResult | ReaderErrorResult;
