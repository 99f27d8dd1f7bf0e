/**
 * What a lab run records, and the summary computed from it. Times are real milliseconds since the run started.
 * `staleServed` is judged from the writes the lab itself made (the same log the replicator keeps), never from the
 * readers' own flags.
 */

/** One answer a reader gave (or failed to give). */
export interface ReadRecord {
  readonly at: number;
  readonly container: number;
  readonly key: string;
  readonly latencyMs: number;
  /** The caller's freshness token, when the read carried one. */
  readonly minWrittenAt?: number;
  readonly servedVersion?: number | null;
  readonly servedWrittenAt?: number | null;
  readonly readFrom?: 'replica' | 'primary';
  readonly routingReason?: string;
  readonly staleDetected?: boolean;
  readonly possiblyStale?: boolean;
  readonly replicaLagMs?: number;
  /** Set when the invocation failed; `injected` when the failure was the injected fault. */
  readonly error?: string;
  readonly injected?: boolean;
}

/** One write to the primary. */
export interface WriteRecord {
  readonly at: number;
  readonly key: string;
  readonly version: number;
  readonly writtenAt: number;
}

export interface RoutingRecord {
  readonly at: number;
  readonly mode: 'replica' | 'primary';
}

export interface AlarmRecord {
  readonly at: number;
  readonly alarm: string;
  readonly from: string;
  readonly to: string;
}

export interface PhaseRecord {
  readonly at: number;
  readonly name: string;
}

export interface FaultWindow {
  readonly kind: string;
  readonly start: number;
  end?: number;
}

/** A sample of the replica lag the lab can see directly (replicator queue age). */
export interface LagSample {
  readonly at: number;
  readonly region: string;
  readonly lagMs: number;
}

/** Everything a run saw. */
export class Timeline {
  readonly reads: ReadRecord[] = [];
  readonly writes: WriteRecord[] = [];
  readonly routing: RoutingRecord[] = [];
  readonly alarms: AlarmRecord[] = [];
  readonly phases: PhaseRecord[] = [];
  readonly faults: FaultWindow[] = [];
  readonly lag: LagSample[] = [];
  /** Exceptions that escaped a handler (injected faults excluded), with when they happened. */
  readonly unhandledErrors: Array<{ readonly at: number; readonly message: string }> = [];
  /** When the load started (epoch ms); everything before is set-up. */
  startedAt = Date.now();

  /** Milliseconds since the load started. */
  now(): number {
    return Date.now() - this.startedAt;
  }

  /** Starts the clock again, when the callers' load begins; what set-up recorded is dropped. */
  restart(): void {
    this.startedAt = Date.now();
    for (const list of [this.reads, this.writes, this.routing, this.alarms, this.phases, this.faults, this.lag]) {
      list.length = 0;
    }
    this.unhandledErrors.length = 0;
  }
}

/** The JSON summary printed by `--json` (its fields are the lab's public contract). */
export interface LabSummary {
  readonly scenario: string;
  readonly timeScale: number;
  readonly stalenessMode: string;
  readonly reads: number;
  readonly staleServed: number;
  readonly readsBySource: Record<string, number>;
  readonly routingReasons: Record<string, number>;
  readonly detections: number;
  readonly escalations: number;
  readonly routingWrites: number;
  readonly parameterReads: number;
  readonly alarmTransitions: number;
  readonly detectMs: number | null;
  readonly fleetOnPrimaryMs: number | null;
  readonly recoverMs: number | null;
  readonly invocationErrors: number;
  readonly unhandledErrors: number;
  readonly finalRouting: 'replica' | 'primary';
}

/** Counters the lab takes from its local services for the counted window. */
export interface ServiceCounts {
  readonly routingWrites: number;
  readonly parameterReads: number;
}

/** Whether an answer was stale: a newer version existed at least `maxStalenessMs` before it arrived, or it is older
 * than the caller's token. Answers flagged possiblyStale are the reader saying it could not check, and not counted. */
export function isStaleAnswer(read: ReadRecord, writes: readonly WriteRecord[], maxStalenessMs: number): boolean {
  if (read.error !== undefined || read.possiblyStale) {
    return false;
  }
  if (read.minWrittenAt !== undefined && (read.servedWrittenAt ?? -1) < read.minWrittenAt) {
    return true;
  }
  const served = read.servedVersion ?? 0;

  return writes.some((w) => w.key === read.key && w.version > served && w.at <= read.at - maxStalenessMs);
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string | undefined): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const key = keyOf(item);
    if (key !== undefined) {
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }

  return counts;
}

/** Builds the summary over the counted window (everything from `countFrom` on). */
export function summarize(input: {
  readonly timeline: Timeline;
  readonly scenario: string;
  readonly timeScale: number;
  readonly stalenessMode: string;
  readonly maxStalenessMs: number;
  readonly countFrom: number;
  readonly counts: ServiceCounts;
}): LabSummary {
  const { timeline, countFrom } = input;
  const reads = timeline.reads.filter((r) => r.at >= countFrom);
  const answered = reads.filter((r) => r.error === undefined);
  const routing = timeline.routing.filter((r) => r.at >= countFrom);
  const fault = timeline.faults[0];

  let escalations = 0;
  let previous: 'replica' | 'primary' = modeBefore(timeline, countFrom);
  for (const change of routing) {
    if (change.mode === 'primary' && previous !== 'primary') {
      escalations += 1;
    }
    previous = change.mode;
  }

  const firstAfter = <T extends { at: number }>(items: readonly T[], from: number, test: (item: T) => boolean) =>
    items.find((item) => item.at >= from && test(item));

  let detectMs: number | null = null;
  let fleetOnPrimaryMs: number | null = null;
  let recoverMs: number | null = null;
  if (fault) {
    const detection = firstAfter(timeline.reads, fault.start, (r) => r.staleDetected === true);
    detectMs = detection ? detection.at - fault.start : null;
    const onPrimary = firstAfter(timeline.routing, fault.start, (r) => r.mode === 'primary');
    fleetOnPrimaryMs = onPrimary ? onPrimary.at - fault.start : null;
    if (fault.end !== undefined) {
      const backOnReplica = lastModeChangeTo(timeline, 'replica', fault.end);
      const from = backOnReplica ?? fault.end;
      const served = firstAfter(timeline.reads, from, (r) => r.readFrom === 'replica');
      recoverMs = served && (backOnReplica !== undefined || modeAt(timeline, fault.end) === 'replica')
        ? served.at - fault.end : null;
    }
  }

  return {
    scenario: input.scenario,
    timeScale: input.timeScale,
    stalenessMode: input.stalenessMode,
    reads: reads.length,
    staleServed: reads.filter((r) => isStaleAnswer(r, timeline.writes, input.maxStalenessMs)).length,
    readsBySource: countBy(answered, (r) => r.readFrom),
    routingReasons: countBy(answered, (r) => r.routingReason),
    detections: reads.filter((r) => r.staleDetected === true).length,
    escalations,
    routingWrites: input.counts.routingWrites,
    parameterReads: input.counts.parameterReads,
    alarmTransitions: timeline.alarms.filter((a) => a.at >= countFrom).length,
    detectMs,
    fleetOnPrimaryMs,
    recoverMs,
    invocationErrors: reads.filter((r) => r.error !== undefined).length,
    unhandledErrors: timeline.unhandledErrors.filter((e) => e.at >= countFrom).length,
    finalRouting: modeAt(timeline, Number.POSITIVE_INFINITY),
  };
}

function modeBefore(timeline: Timeline, at: number): 'replica' | 'primary' {
  let mode: 'replica' | 'primary' = 'replica';
  for (const change of timeline.routing) {
    if (change.at >= at) {
      break;
    }
    mode = change.mode;
  }

  return mode;
}

function modeAt(timeline: Timeline, at: number): 'replica' | 'primary' {
  let mode: 'replica' | 'primary' = 'replica';
  for (const change of timeline.routing) {
    if (change.at > at) {
      break;
    }
    mode = change.mode;
  }

  return mode;
}

/** The time of the last change to `mode` after `from` that held to the end, if any. */
function lastModeChangeTo(timeline: Timeline, mode: 'replica' | 'primary', from: number): number | undefined {
  const after = timeline.routing.filter((r) => r.at >= from);
  const last = after[after.length - 1];

  return last && last.mode === mode ? last.at : undefined;
}
