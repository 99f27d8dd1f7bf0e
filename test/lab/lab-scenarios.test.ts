/**
 * Every lab scenario, compressed, asserting on the summary the lab prints with --json. Bounds are stated in scenario
 * seconds (the lab's time scale divides them) with a stated tolerance for real I/O.
 */
import { LabResult, runLab } from '../../examples/lab/lab';

/** Every test shares one time scale: 20 scenario seconds per real second. */
const TIME_SCALE = 20;
const MS_PER_S = 1000 / TIME_SCALE;
/** Tolerance for real I/O (DynamoDB Local, worker threads, timers), in scenario seconds. */
const TOLERANCE_S = 4;
/** The lab's read interval per reader container, in scenario seconds. */
const READ_INTERVAL_S = 1;

const results = new Map<string, LabResult>();

interface RunOptions {
  readonly stalenessMode?: 'evidence' | 'item-age' | 'none';
  readonly lagAlarm?: boolean;
}

async function run(scenario: string, options: RunOptions = {}) {
  const key = `${scenario}/${options.stalenessMode ?? 'evidence'}/${options.lagAlarm ?? true}`;
  if (!results.has(key)) {
    results.set(key, await runLab({ scenario, timeScale: TIME_SCALE, print: () => undefined, ...options }));
  }

  return results.get(key)!;
}

/** Scenario seconds as real milliseconds. */
function s(seconds: number): number {
  return seconds * MS_PER_S;
}

describe('local chaos lab', () => {
  describe.each([
    'baseline', 'read-after-write', 'quiet-items', 'drift', 'pause', 'delay', 'error',
    'replica-outage', 'primary-outage',
  ])('%s', (scenario) => {
    test('serves nothing stale and lets no exception escape a handler', async () => {
      // WHEN
      const { summary, timeline } = await run(scenario);

      // THEN
      expect(summary.scenario).toBe(scenario);
      expect(summary.reads).toBeGreaterThan(20);
      expect(summary.staleServed).toBe(0);
      expect(timeline.unhandledErrors.map((e) => e.message)).toEqual([]);
      expect(summary.unhandledErrors).toBe(0);
    });
  });

  test('baseline: every answer comes from the replica and nothing escalates', async () => {
    const { summary } = await run('baseline');

    expect(summary.readsBySource).toEqual({ replica: summary.reads });
    expect(summary.detections).toBe(0);
    expect(summary.escalations).toBe(0);
    expect(summary.routingWrites).toBe(0);
    expect(summary.finalRouting).toBe('replica');
  });

  const quietScenarios = ['quiet-items', 'read-after-write'];
  test.each(quietScenarios)('%s: no detection, no escalation, no routing write', async (scenario) => {
    const { summary } = await run(scenario);

    expect(summary.detections).toBe(0);
    expect(summary.escalations).toBe(0);
    expect(summary.routingWrites).toBe(0);
  });

  test('quiet-items: old but unchanged items are served from the replica', async () => {
    const { summary } = await run('quiet-items');

    expect(summary.readsBySource.primary ?? 0).toBe(0);
  });

  test('read-after-write: tokens and misses are answered by the primary', async () => {
    const { summary } = await run('read-after-write');

    expect(summary.routingReasons.token_fallback ?? 0).toBeGreaterThan(0);
    expect(summary.routingReasons.replica_miss_fallback ?? 0).toBeGreaterThan(0);
  });

  test('pause: detects in time, escalates, re-escalates at most once per hold-down, and recovers', async () => {
    // GIVEN the bounds, from the synthesized settings (scenario milliseconds)
    const { summary, timeline, system } = await run('pause');
    const settings = system.settings;
    const detectBoundS = (settings.maxStalenessMs + settings.heartbeatIntervalMs + settings.watermarkMaxAgeMs) / 1000
      + READ_INTERVAL_S + TOLERANCE_S;
    const holdDownS = (settings.holdDownMs + settings.routingMaxAgeMs) / 1000;
    const lagAlarmRangeS = (settings.lagAlarmPeriodMs * 4) / 1000;
    const recoverBoundS = lagAlarmRangeS + settings.routingMaxAgeMs / 1000 + READ_INTERVAL_S + TOLERANCE_S;

    // THEN
    expect(summary.escalations).toBeGreaterThanOrEqual(1);
    expect(summary.detectMs).not.toBeNull();
    expect(summary.detectMs!).toBeLessThanOrEqual(s(detectBoundS));
    expect(summary.routingWrites).toBeLessThanOrEqual(summary.alarmTransitions);
    const escalations = timeline.routing.filter((r) => r.mode === 'primary').map((r) => r.at);
    for (let i = 1; i < escalations.length; i++) {
      expect(escalations[i] - escalations[i - 1]).toBeGreaterThanOrEqual(s(holdDownS - TOLERANCE_S));
    }
    expect(summary.finalRouting).toBe('replica');
    expect(summary.recoverMs).not.toBeNull();
    expect(summary.recoverMs!).toBeLessThanOrEqual(s(recoverBoundS));
  });

  test('delay: slow answers are not stale answers in the evidence mode', async () => {
    const { summary } = await run('delay');

    expect(summary.detections).toBe(0);
    expect(summary.alarmTransitions).toBe(0);
    expect(summary.escalations).toBe(0);
  });

  test('delay in the item-age mode: false detections and escalations, yet it ends on the replica', async () => {
    const { summary } = await run('delay', { stalenessMode: 'item-age' });

    expect(summary.detections).toBeGreaterThan(0);
    expect(summary.escalations).toBeGreaterThanOrEqual(1);
    expect(summary.finalRouting).toBe('replica');
  });

  test('error: callers see errors, routing is untouched, answers return within a read interval plus the lease', async () => {
    const { summary, timeline, system } = await run('error');
    const fault = timeline.faults[0];
    const firstAnswer = timeline.reads.find((r) => r.at > fault.end! && r.error === undefined);

    expect(summary.invocationErrors).toBeGreaterThan(0);
    expect(summary.escalations).toBe(0);
    expect(summary.routingWrites).toBe(0);
    expect(summary.finalRouting).toBe('replica');
    expect(firstAnswer).toBeDefined();
    expect(firstAnswer!.at - fault.end!).toBeLessThanOrEqual(
      s(READ_INTERVAL_S + system.settings.breakerLeaseMs / 1000 + TOLERANCE_S));
  });

  test('replica-outage: reads fall back to the primary', async () => {
    const { summary } = await run('replica-outage');

    expect(summary.routingReasons.replica_error_fallback ?? 0).toBeGreaterThan(0);
    expect(summary.finalRouting).toBe('replica');
  });

  test('primary-outage: the replica keeps answering', async () => {
    const { summary } = await run('primary-outage');

    expect(summary.readsBySource.replica ?? 0).toBeGreaterThan(0);
  });

  test.each(['pause', 'drift'])('negative control: with staleness checks off, %s serves stale answers', async (scenario) => {
    const { summary } = await run(scenario, { stalenessMode: 'none' });

    expect(summary.staleServed).toBeGreaterThan(0);
  });
});

describe('readers, rerouter and detection alarm together, no lag alarm', () => {
  test('the fleet moves to the primary, re-escalates at most once per hold-down, and settles back on the replica', async () => {
    // GIVEN only the readers' detections drive routing
    const { summary, timeline, system } = await run('pause', { lagAlarm: false });
    const settings = system.settings;
    const fault = timeline.faults[0];
    const detectionEvaluationS = settings.detectionPeriodMs / 1000 * 2;
    const holdDownS = (settings.holdDownMs + settings.routingMaxAgeMs) / 1000;

    // THEN the fleet reaches the primary within the detection alarm's evaluation plus the cache age
    expect(summary.fleetOnPrimaryMs).not.toBeNull();
    expect(summary.fleetOnPrimaryMs! - summary.detectMs!).toBeLessThanOrEqual(
      s(detectionEvaluationS + settings.routingMaxAgeMs / 1000 + TOLERANCE_S));

    // AND re-escalates at most once per hold-down cycle while the pause lasts
    const escalations = timeline.routing.filter((r) => r.mode === 'primary' && r.at <= fault.end!).map((r) => r.at);
    for (let i = 1; i < escalations.length; i++) {
      expect(escalations[i] - escalations[i - 1]).toBeGreaterThanOrEqual(s(holdDownS - TOLERANCE_S));
    }
    expect(summary.staleServed).toBe(0);

    // AND settles on the replica within the hold-down plus the cache age after the last detection (the replica
    // drains its backlog after the pause, and may still be behind for a moment), and stays there
    expect(summary.recoverMs).not.toBeNull();
    const lastDetection = [...timeline.reads].reverse().find((r) => r.staleDetected)!;
    const settledAt = fault.end! + summary.recoverMs!;
    expect(settledAt - lastDetection.at).toBeLessThanOrEqual(
      s(holdDownS + settings.detectionPeriodMs / 1000 * 3 + READ_INTERVAL_S + TOLERANCE_S));
    const afterRecovery = timeline.routing.filter((r) => r.at > fault.end! + summary.recoverMs!);
    expect(afterRecovery.filter((r) => r.mode === 'primary')).toEqual([]);
    expect(summary.finalRouting).toBe('replica');
  });
});
