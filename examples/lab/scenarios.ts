/**
 * The lab's scenarios. Each mirrors an experiment of the reference design or a failure the library must survive.
 * Durations are in scenario seconds: the lab divides every one of them by its time scale.
 *
 * Run one with `npx projen lab --scenario NAME`.
 */

/** How the lab's callers use the table during a scenario. */
export type Workload =
  /** A few hot keys rewritten every write interval; readers read them. */
  | 'hot'
  /** Keys written once before the scenario starts and never again. */
  | 'quiet'
  /** Each read follows a write of a brand-new key: with a freshness token, or without one (a replica miss). */
  | 'read-after-write'
  /** Each caller rewrites its own key and then reads it (the reference design's delay experiment). */
  | 'write-then-read'
  /** Quiet keys, except one that is rewritten once in the middle of the fault. */
  | 'drift';

/** The fault a scenario injects. */
export type FaultKind = 'pause' | 'delay' | 'error' | 'replica-outage' | 'primary-outage';

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly workload: Workload;
  readonly fault?: {
    readonly kind: FaultKind;
    /** How long the fault lasts. */
    readonly durationS: number;
  };
  /** Normal operation before the fault (or the whole run without one). */
  readonly baselineS: number;
  /** The longest wait after the fault for routing to come back to the replica and serve from it. */
  readonly recoveryS: number;
  /** Normal operation after recovery, to show that routing stays where it is. */
  readonly tailS: number;
}

/** Every scenario, by name. */
export const SCENARIOS: Record<string, Scenario> = {
  'baseline': {
    name: 'baseline',
    description: 'healthy replication: every read is served from the replica',
    workload: 'hot',
    baselineS: 120,
    recoveryS: 0,
    tailS: 0,
  },
  'read-after-write': {
    name: 'read-after-write',
    description: 'reads right after writes (with and without a freshness token): the primary answers, nothing escalates',
    workload: 'read-after-write',
    baselineS: 120,
    recoveryS: 0,
    tailS: 0,
  },
  'quiet-items': {
    name: 'quiet-items',
    description: 'items nobody changes for minutes: old but current, served from the replica, nothing escalates',
    workload: 'quiet',
    baselineS: 120,
    recoveryS: 0,
    tailS: 0,
  },
  'drift': {
    name: 'drift',
    description: 'replication paused while one key is rewritten: its stale copy is never served',
    workload: 'drift',
    fault: { kind: 'pause', durationS: 90 },
    baselineS: 20,
    recoveryS: 600,
    tailS: 30,
  },
  'pause': {
    name: 'pause',
    description: 'replication paused while writes go on: readers detect it, the fleet moves to the primary and back',
    workload: 'hot',
    fault: { kind: 'pause', durationS: 150 },
    baselineS: 20,
    recoveryS: 600,
    tailS: 30,
  },
  'delay': {
    name: 'delay',
    description: 'a 12 s start-up delay on the reader for 2 minutes: slow answers are not stale answers',
    workload: 'write-then-read',
    fault: { kind: 'delay', durationS: 120 },
    baselineS: 20,
    recoveryS: 600,
    tailS: 30,
  },
  'error': {
    name: 'error',
    description: 'the reader fails every invocation for 2 minutes: callers see errors, routing and data are untouched',
    workload: 'hot',
    fault: { kind: 'error', durationS: 120 },
    baselineS: 20,
    recoveryS: 60,
    tailS: 20,
  },
  'replica-outage': {
    name: 'replica-outage',
    description: 'the replica region\'s endpoint fails: reads fall back to the primary',
    workload: 'hot',
    fault: { kind: 'replica-outage', durationS: 60 },
    baselineS: 20,
    recoveryS: 600,
    tailS: 20,
  },
  'primary-outage': {
    name: 'primary-outage',
    description: 'the primary region\'s endpoint fails: the replica still answers, flagged when it could not be checked',
    workload: 'hot',
    fault: { kind: 'primary-outage', durationS: 60 },
    baselineS: 20,
    recoveryS: 600,
    tailS: 20,
  },
};

/** The names, in the order the help lists them. */
export const SCENARIO_NAMES = Object.keys(SCENARIOS);
