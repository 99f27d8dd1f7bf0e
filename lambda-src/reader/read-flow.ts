/**
 * One read, from routing to answer: the pure steps of `shared/staleness.ts` joined by the reads, which are given
 * as ports so the flow runs the same against DynamoDB, DynamoDB Local or fakes. Never throws: when neither region
 * answers, the outcome says so.
 */
import { Breaker, BreakerTransition } from '../shared/breaker';
import type { ItemCopy } from '../shared/item';
import {
  FreshnessToken, judgePrimary, judgeReplica, planRead, RoutingMode, RoutingReason, StalenessSettings,
} from '../shared/staleness';
import type { Watermark } from '../shared/watermark';

/** The I/O one read may need. */
export interface ReadPorts {
  /** Epoch ms. */
  now(): number;
  /** Eventually consistent read of the local replica; throws on failure. */
  readReplica(): Promise<ItemCopy | null>;
  /** Strongly consistent read of the primary; throws on failure. */
  readPrimary(): Promise<ItemCopy | null>;
  /** The watermark (cached by the port); never throws. */
  watermark(): Promise<Watermark>;
  /**
   * Starts refreshing what `watermark()` will need, without waiting (called alongside the replica read in evidence
   * mode, so an expired watermark cache does not add a second round trip in series); never throws.
   */
  prefetchWatermark?(): void;
  /** When this key was last verified current, if remembered. */
  verifiedAt(): number | undefined;
  /** Remember that this key was verified current now. */
  rememberVerified(): void;
}

/** What the flow decides with. */
export interface ReadContext {
  readonly settings: StalenessSettings;
  readonly routingMode: RoutingMode;
  readonly breaker: Breaker;
  readonly token: FreshnessToken;
}

/** A served read, with what the shell logs and counts. */
export interface ServedRead {
  readonly served: true;
  readonly item: ItemCopy | null;
  readonly readFrom: 'replica' | 'primary';
  readonly routingReason: RoutingReason;
  readonly staleDetected: boolean;
  readonly possiblyStale: boolean;
  readonly replicaLagMs?: number;
  readonly itemAgeMs?: number;
  readonly breakerTransition?: BreakerTransition;
  /** Errors met on the way (a failed region that another answered for). */
  readonly errors: readonly unknown[];
}

/** Neither region answered. */
export interface FailedRead {
  readonly served: false;
  readonly errors: readonly unknown[];
  readonly breakerTransition?: BreakerTransition;
}

type Attempt = { ok: true; item: ItemCopy | null } | { ok: false; error: unknown };

async function attempt(read: () => Promise<ItemCopy | null>): Promise<Attempt> {
  try {
    return { ok: true, item: await read() };
  } catch (error) {
    return { ok: false, error };
  }
}

function served(fields: Omit<ServedRead, 'served' | 'errors' | 'possiblyStale' | 'staleDetected'> &
  Partial<Pick<ServedRead, 'errors' | 'possiblyStale' | 'staleDetected'>>): ServedRead {
  return { served: true, errors: [], possiblyStale: false, staleDetected: false, ...fields };
}

async function primaryFirst(reason: RoutingReason, ports: ReadPorts): Promise<ServedRead | FailedRead> {
  const primary = await attempt(() => ports.readPrimary());
  if (primary.ok) {
    return served({ item: primary.item, readFrom: 'primary', routingReason: reason });
  }
  const replica = await attempt(() => ports.readReplica());
  if (replica.ok) {
    return served({
      item: replica.item,
      readFrom: 'replica',
      routingReason: 'primary_error_fallback',
      possiblyStale: true,
      errors: [primary.error],
    });
  }

  return { served: false, errors: [primary.error, replica.error] };
}

/** Serves one read. */
export async function performRead(context: ReadContext, ports: ReadPorts): Promise<ServedRead | FailedRead> {
  const { settings, breaker, token } = context;
  const plan = planRead(context.routingMode, breaker.state);
  if (plan.target === 'primary') {
    return primaryFirst(plan.reason, ports);
  }
  const probing = plan.reason === 'probe';

  const replicaRead = attempt(() => ports.readReplica());
  if (settings.mode === 'evidence') {
    ports.prefetchWatermark?.();
  }
  const replica = await replicaRead;
  if (!replica.ok) {
    const breakerTransition = probing ? breaker.recordProbe(false) : undefined;
    const primary = await attempt(() => ports.readPrimary());
    if (!primary.ok) {
      return { served: false, errors: [replica.error, primary.error], breakerTransition };
    }

    return served({
      item: primary.item,
      readFrom: 'primary',
      routingReason: 'replica_error_fallback',
      errors: [replica.error],
      breakerTransition,
    });
  }

  const judge = (watermark?: Watermark) => judgeReplica({
    settings, nowMs: ports.now(), token, replica: replica.item, watermark, verifiedAtMs: ports.verifiedAt(),
  });
  let verdict = judge();
  if (verdict.action === 'need-watermark') {
    verdict = judge(await ports.watermark());
  }
  if (verdict.action === 'need-watermark') {
    // Unreachable (a given watermark is always used); the safe answer would be a verification.
    verdict = { action: 'read-primary', reason: 'verification', staleDetected: false };
  }
  if (verdict.action === 'serve-replica') {
    return served({
      item: replica.item,
      readFrom: 'replica',
      routingReason: probing ? 'probe' : 'replica',
      replicaLagMs: verdict.replicaLagMs,
      itemAgeMs: verdict.itemAgeMs,
      breakerTransition: probing ? breaker.recordProbe(true) : undefined,
    });
  }

  const primary = await attempt(() => ports.readPrimary());
  if (!primary.ok) {
    return served({
      item: replica.item,
      readFrom: 'replica',
      routingReason: 'primary_error_fallback',
      possiblyStale: true,
      staleDetected: verdict.staleDetected,
      replicaLagMs: verdict.replicaLagMs,
      itemAgeMs: verdict.itemAgeMs,
      errors: [primary.error],
      breakerTransition: settle(breaker, probing, verdict.staleDetected),
    });
  }
  const conclusion = judgePrimary({
    settings, nowMs: ports.now(), verdict, replica: replica.item, primary: primary.item,
  });
  if (conclusion.replicaCurrent && verdict.reason === 'verification') {
    ports.rememberVerified();
  }

  return served({
    item: primary.item,
    readFrom: 'primary',
    routingReason: conclusion.reason,
    staleDetected: conclusion.staleDetected,
    replicaLagMs: conclusion.replicaLagMs,
    itemAgeMs: conclusion.itemAgeMs,
    breakerTransition: settle(breaker, probing, conclusion.staleDetected),
  });
}

function settle(breaker: Breaker, probing: boolean, staleDetected: boolean): BreakerTransition | undefined {
  if (probing) {
    return breaker.recordProbe(!staleDetected);
  }

  return staleDetected ? breaker.recordDetection() : undefined;
}
