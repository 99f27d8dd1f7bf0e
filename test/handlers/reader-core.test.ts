import { performRead, ReadPorts } from '../../lambda-src/reader/read-flow';
import { Breaker } from '../../lambda-src/shared/breaker';
import { ItemCopy, readWrittenAt, toPlainItem, versionOf } from '../../lambda-src/shared/item';
import { validateReaderEvent } from '../../lambda-src/shared/reader-event';
import {
  judgePrimary, judgeReplica, planRead, primaryIsNewer, StalenessSettings, VerificationMemory,
} from '../../lambda-src/shared/staleness';
import { estimateReplicaLag, needsPrimaryHeartbeat, Watermark } from '../../lambda-src/shared/watermark';

const NOW = 1_764_000_060_000;
const MAX = 10_000;
/** A heartbeat every 4 s with the default staleness bound. */
const SLOW_BEAT = { heartbeatIntervalMs: 4000, maxStalenessMs: MAX };
const EVIDENCE: StalenessSettings = { maxStalenessMs: MAX, mode: 'evidence' };
const ITEM_AGE: StalenessSettings = { maxStalenessMs: MAX, mode: 'item-age' };
const NONE: StalenessSettings = { maxStalenessMs: MAX, mode: 'none' };
const HEALTHY: Watermark = { kind: 'lag', replicaLagMs: 500, comparedWithPrimary: false, replicaVouched: true };
const LAGGING: Watermark = { kind: 'lag', replicaLagMs: 15_000, comparedWithPrimary: true, replicaVouched: false };
const NO_WATERMARK: Watermark = { kind: 'none', reason: 'writer-stalled' };

function copy(writtenAtMs?: number, version?: number): ItemCopy {
  return {
    pk: { S: 'order#1' },
    ...(writtenAtMs === undefined ? {} : { written_at: { N: String(writtenAtMs) } }),
    ...(version === undefined ? {} : { version: { N: String(version) } }),
  };
}

describe('item parsing', () => {
  test('reads version as a non-negative integer only', () => {
    expect(versionOf(copy(NOW, 3))).toBe(3);
    expect(versionOf({ version: { N: '1.5' } })).toBeUndefined();
    expect(versionOf({ version: { N: '-2' } })).toBeUndefined();
    expect(versionOf({ version: { S: '4' } })).toBe(4);
    expect(versionOf({ version: { BOOL: true } })).toBeUndefined();
    expect(versionOf(null)).toBeUndefined();
  });

  test('accepts a plain number and rejects infinity, empty strings and objects without a value', () => {
    expect(readWrittenAt(NOW - 5, NOW).ageMs).toBe(5);
    expect(readWrittenAt(Number.POSITIVE_INFINITY, NOW).issue).toBe('unparsable');
    expect(readWrittenAt({ S: '' }, NOW).issue).toBe('unparsable');
    expect(readWrittenAt({ N: '1e400' }, NOW).issue).toBe('unparsable');
    expect(readWrittenAt({}, NOW).issue).toBe('unparsable');
    expect(readWrittenAt('1764000000000', NOW).issue).toBe('unparsable');
  });

  test('converts every attribute type to plain JSON', () => {
    // GIVEN an item with every DynamoDB type
    const item: ItemCopy = {
      s: { S: 'x' },
      n: { N: '1.25' },
      big: { N: '123456789012345678901234567890' },
      b: { B: new Uint8Array([1, 2]) },
      t: { BOOL: true },
      z: { NULL: true },
      m: { M: { inner: { N: '2' } } },
      l: { L: [{ S: 'a' }, { N: '3' }] },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '2'] },
      bs: { BS: [new Uint8Array([255])] },
    };

    // WHEN converted / THEN
    expect(toPlainItem(item)).toEqual({
      s: 'x',
      n: 1.25,
      big: '123456789012345678901234567890',
      b: 'AQI=',
      t: true,
      z: null,
      m: { inner: 2 },
      l: ['a', 3],
      ss: ['a', 'b'],
      ns: [1, 2],
      bs: ['/w=='],
    });
  });
});

describe('reader event validation beyond the case file', () => {
  const nSchema = { partitionKey: { name: 'id', type: 'N' as const } };
  const bSchema = { partitionKey: { name: 'id', type: 'B' as const }, sortKey: { name: 'at', type: 'S' as const } };

  test('accepts the nested form with numbers and base64', () => {
    expect(validateReaderEvent({ key: { id: 7 } }, nSchema))
      .toEqual({ ok: true, request: { key: { id: { N: '7' } } } });
    const result = validateReaderEvent({ key: { id: 'AQI=', at: 'x' }, minVersion: 2 }, bSchema);
    expect(result).toEqual({
      ok: true,
      request: { key: { id: { B: new Uint8Array([1, 2]) }, at: { S: 'x' } }, minVersion: 2 },
    });
  });

  test('rejects the flat form when the key attributes are not named pk and sk', () => {
    expect(validateReaderEvent({ id: 7 }, nSchema)).toMatchObject({ ok: false, field: 'key' });
  });

  test('names the offending field', () => {
    expect(validateReaderEvent({ key: { id: Number.NaN } }, nSchema)).toMatchObject({ ok: false, field: 'id' });
    expect(validateReaderEvent({ key: { id: 'not base64!', at: 'x' } }, bSchema))
      .toMatchObject({ ok: false, field: 'id' });
    expect(validateReaderEvent({ key: { id: 'AQI=', at: 'x'.repeat(1025) } }, bSchema)).toMatchObject({ ok: false, field: 'at' });
    expect(validateReaderEvent({ key: 'x' }, nSchema)).toMatchObject({ ok: false, field: 'key' });
    expect(validateReaderEvent({ key: { id: 1, other: 2 } }, nSchema)).toMatchObject({ ok: false, field: 'key' });
    expect(validateReaderEvent({ key: { id: 1 }, minVersion: 1.5 }, nSchema))
      .toMatchObject({ ok: false, field: 'minVersion' });
    expect(validateReaderEvent([1], nSchema)).toMatchObject({ ok: false, field: 'event' });
  });

  test('counts bytes, not characters, against the key size limit', () => {
    // GIVEN 1025 two-byte characters: 2050 bytes of UTF-8
    const event = { pk: 'é'.repeat(1025), sk: 'v0' };
    const schema = { partitionKey: { name: 'pk', type: 'S' as const }, sortKey: { name: 'sk', type: 'S' as const } };

    // THEN rejected, naming pk
    expect(validateReaderEvent(event, schema)).toMatchObject({ ok: false, field: 'pk' });
  });
});

describe('planRead', () => {
  test('routing primary wins over the breaker', () => {
    expect(planRead('primary', 'closed')).toEqual({ target: 'primary', reason: 'routing_primary' });
    expect(planRead('primary', 'half-open')).toEqual({ target: 'primary', reason: 'routing_primary' });
  });

  test('an open breaker reads the primary, a half-open one probes the replica', () => {
    expect(planRead('replica', 'open')).toEqual({ target: 'primary', reason: 'breaker_open' });
    expect(planRead('replica', 'half-open')).toEqual({ target: 'replica', reason: 'probe' });
    expect(planRead('replica', 'closed')).toEqual({ target: 'replica', reason: 'replica' });
  });
});

describe('judgeReplica', () => {
  const base = { nowMs: NOW, token: {} };

  test('mode none serves whatever the replica holds, even nothing', () => {
    expect(judgeReplica({ ...base, settings: NONE, replica: null })).toEqual({ action: 'serve-replica' });
    expect(judgeReplica({ ...base, settings: NONE, replica: copy(NOW - 3_600_000), token: { minVersion: 9 } }))
      .toEqual({ action: 'serve-replica', itemAgeMs: 3_600_000 });
  });

  test('a replica miss reads the primary, detection left to the primary judgement', () => {
    expect(judgeReplica({ ...base, settings: EVIDENCE, replica: null }))
      .toEqual({ action: 'read-primary', reason: 'replica_miss_fallback', staleDetected: false });
  });

  test('a token the replica copy does not meet reads the primary (written_at, version, or unknown)', () => {
    const judge = (replica: ItemCopy, token: object) => judgeReplica({ ...base, settings: EVIDENCE, replica, token });
    const tokenFallback = { action: 'read-primary', reason: 'token_fallback' };
    expect(judge(copy(NOW - 100), { minWrittenAt: NOW - 50 })).toMatchObject(tokenFallback);
    expect(judge(copy(NOW - 100, 2), { minVersion: 3 })).toMatchObject(tokenFallback);
    expect(judge(copy(), { minWrittenAt: 1 })).toMatchObject(tokenFallback);
    expect(judge(copy(NOW), { minVersion: 1 })).toMatchObject(tokenFallback);
  });

  test('a met token goes on to the watermark', () => {
    const token = { minWrittenAt: NOW - 100, minVersion: 3 };
    expect(judgeReplica({ ...base, settings: EVIDENCE, replica: copy(NOW - 100, 3), token }))
      .toEqual({ action: 'need-watermark' });
  });

  test('a lag under the bound that the replica\'s own heartbeat does not vouch for is verified, never served', () => {
    // GIVEN the replica's heartbeat is older than the bound, and the comparison with the primary's heartbeat only
    // gives a lower bound under it (writes between the two heartbeats are unaccounted for)
    const unvouched: Watermark = {
      kind: 'lag',
      replicaLagMs: MAX - 100,
      comparedWithPrimary: true,
      replicaVouched: false,
    };

    // WHEN / THEN the primary decides, and nothing is counted yet
    expect(judgeReplica({ ...base, settings: EVIDENCE, replica: copy(NOW - 60_000), watermark: unvouched }))
      .toEqual({
        action: 'read-primary',
        reason: 'verification',
        staleDetected: false,
        replicaLagMs: MAX - 100,
        itemAgeMs: 60_000,
      });
  });

  test('item-age: older than maxStaleness is stale, otherwise (or unknown) the replica serves', () => {
    expect(judgeReplica({ ...base, settings: ITEM_AGE, replica: copy(NOW - MAX - 1) }))
      .toEqual({ action: 'read-primary', reason: 'stale_data', staleDetected: true, itemAgeMs: MAX + 1 });
    expect(judgeReplica({ ...base, settings: ITEM_AGE, replica: copy(NOW - MAX) }))
      .toEqual({ action: 'serve-replica', itemAgeMs: MAX });
    expect(judgeReplica({ ...base, settings: ITEM_AGE, replica: copy() })).toEqual({ action: 'serve-replica' });
  });

  test('evidence: a lagging watermark is a detection', () => {
    expect(judgeReplica({ ...base, settings: EVIDENCE, replica: copy(NOW - 1000), watermark: LAGGING }))
      .toEqual({
        action: 'read-primary',
        reason: 'stale_data',
        staleDetected: true,
        replicaLagMs: 15_000,
        itemAgeMs: 1000,
      });
  });

  test('evidence: a healthy watermark serves an old item from the replica (construct-checks item 9)', () => {
    expect(judgeReplica({ ...base, settings: EVIDENCE, replica: copy(NOW - 3_600_000), watermark: HEALTHY }))
      .toEqual({ action: 'serve-replica', replicaLagMs: 500, itemAgeMs: 3_600_000 });
  });

  test('evidence without a watermark: a young item serves, an old or undated one is verified', () => {
    const judge = (replica: ItemCopy, verifiedAtMs?: number) =>
      judgeReplica({ ...base, settings: EVIDENCE, replica, watermark: NO_WATERMARK, verifiedAtMs });
    expect(judge(copy(NOW - 200))).toEqual({ action: 'serve-replica', itemAgeMs: 200 });
    expect(judge(copy(NOW - 60_000)))
      .toEqual({ action: 'read-primary', reason: 'verification', staleDetected: false, itemAgeMs: 60_000 });
    expect(judge(copy())).toEqual({ action: 'read-primary', reason: 'verification', staleDetected: false });
  });

  test('evidence without a watermark: a verification is remembered for maxStaleness', () => {
    const judge = (verifiedAtMs: number) =>
      judgeReplica({ ...base, settings: EVIDENCE, replica: copy(NOW - 60_000), watermark: NO_WATERMARK, verifiedAtMs });
    expect(judge(NOW - MAX).action).toBe('serve-replica');
    expect(judge(NOW - MAX - 1).action).toBe('read-primary');
  });
});

describe('judgePrimary', () => {
  const miss = { action: 'read-primary' as const, reason: 'replica_miss_fallback' as const, staleDetected: false };
  const token = { action: 'read-primary' as const, reason: 'token_fallback' as const, staleDetected: false };
  const verify = { action: 'read-primary' as const, reason: 'verification' as const, staleDetected: false };
  type Verdict = typeof miss | typeof token | typeof verify;
  const judge = (verdict: Verdict, replica: ItemCopy | null, primary: ItemCopy | null) =>
    judgePrimary({ settings: EVIDENCE, nowMs: NOW, verdict, replica, primary });

  test('a miss of a recent write is normal lag, not a detection', () => {
    expect(judge(miss, null, copy(NOW - 300))).toMatchObject({ reason: 'replica_miss_fallback', staleDetected: false });
  });

  test('a miss of a write older than maxStaleness is a detection', () => {
    expect(judge(miss, null, copy(NOW - 20_000)))
      .toMatchObject({ reason: 'replica_miss_fallback', staleDetected: true, replicaLagMs: 20_000 });
  });

  test('a miss in both regions is nothing', () => {
    expect(judge(miss, null, null)).toMatchObject({ staleDetected: false, replicaLagMs: 0, replicaCurrent: true });
  });

  test('a token read right after a write is not a detection', () => {
    expect(judge(token, copy(NOW - 5000, 1), copy(NOW - 100, 2)))
      .toMatchObject({ reason: 'token_fallback', staleDetected: false });
  });

  test('a verification that finds the same copy remembers it, with no detection', () => {
    expect(judge(verify, copy(NOW - 60_000, 4), copy(NOW - 60_000, 4)))
      .toMatchObject({ reason: 'verification', staleDetected: false, replicaCurrent: true, replicaLagMs: 0 });
  });

  test('a verification that finds a newer copy written long ago is stale_data', () => {
    expect(judge(verify, copy(NOW - 60_000, 4), copy(NOW - 30_000, 5)))
      .toMatchObject({ reason: 'stale_data', staleDetected: true, replicaLagMs: 30_000, replicaCurrent: false });
  });

  test('a verification that finds a newer copy written recently is not a detection and is not remembered', () => {
    expect(judge(verify, copy(NOW - 60_000, 4), copy(NOW - 1000, 5)))
      .toMatchObject({ reason: 'verification', staleDetected: false, replicaCurrent: false });
  });

  test('a detection already made by the watermark stands', () => {
    const stale = {
      action: 'read-primary' as const,
      reason: 'stale_data' as const,
      staleDetected: true,
      replicaLagMs: 12_000,
    };
    expect(judgePrimary({ settings: EVIDENCE, nowMs: NOW, verdict: stale, replica: copy(NOW), primary: copy(NOW) }))
      .toMatchObject({ reason: 'stale_data', staleDetected: true, replicaLagMs: 12_000 });
  });

  test('primaryIsNewer compares versions first, then written_at, and cannot tell a delete', () => {
    expect(primaryIsNewer(copy(NOW - 10, 2), copy(NOW, 1), NOW)).toBe(true);
    expect(primaryIsNewer(copy(NOW, 1), copy(NOW - 10, 1), NOW)).toBe(false);
    expect(primaryIsNewer(copy(NOW), copy(NOW - 10), NOW)).toBe(true);
    expect(primaryIsNewer(null, copy(NOW), NOW)).toBeUndefined();
    expect(primaryIsNewer(copy(), copy(), NOW)).toBeUndefined();
  });
});

describe('Breaker', () => {
  test('opens on a detection, half-opens after the lease, closes on a healthy probe', () => {
    // GIVEN a closed breaker with a 30 s lease
    let now = 0;
    const breaker = new Breaker(30_000, () => now);
    expect(breaker.state).toBe('closed');

    // WHEN a detection happens
    expect(breaker.recordDetection()).toEqual({ from: 'closed', to: 'open', atMs: 0 });

    // THEN it stays open for the lease, then half-opens, and a healthy probe closes it
    now = 29_999;
    expect(breaker.state).toBe('open');
    now = 30_000;
    expect(breaker.state).toBe('half-open');
    expect(breaker.recordProbe(true)).toEqual({ from: 'half-open', to: 'closed', atMs: 30_000 });
    expect(breaker.state).toBe('closed');
  });

  test('an unhealthy probe opens it for another full lease', () => {
    let now = 0;
    const breaker = new Breaker(1000, () => now);
    breaker.recordDetection();
    now = 1500;
    expect(breaker.recordProbe(false)).toEqual({ from: 'half-open', to: 'open', atMs: 1500 });
    now = 2499;
    expect(breaker.state).toBe('open');
    expect(breaker.openUntilMs).toBe(2500);
  });

  test('a detection while open extends the lease without a transition; a probe outside half-open is ignored', () => {
    let now = 0;
    const breaker = new Breaker(1000, () => now);
    breaker.recordDetection();
    now = 500;
    expect(breaker.recordDetection()).toBeUndefined();
    expect(breaker.openUntilMs).toBe(1500);
    expect(breaker.recordProbe(true)).toBeUndefined();
    expect(breaker.state).toBe('open');
  });
});

describe('watermark', () => {
  const interval = 2000;
  const at = (writtenAtMs: number | undefined, observedAtMs = NOW) => ({ writtenAtMs, observedAtMs });

  test('a fresh replica heartbeat vouches for the replica without the primary', () => {
    expect(needsPrimaryHeartbeat(at(NOW - 1500), MAX)).toBe(false);
    expect(estimateReplicaLag({ replica: at(NOW - 1500), heartbeatIntervalMs: interval, maxStalenessMs: MAX }))
      .toEqual({ kind: 'lag', replicaLagMs: 1500, comparedWithPrimary: false, replicaVouched: true });
  });

  test('an old or missing replica heartbeat needs the primary heartbeat', () => {
    expect(needsPrimaryHeartbeat(at(NOW - 20_000), MAX)).toBe(true);
    expect(needsPrimaryHeartbeat(at(undefined), MAX)).toBe(true);
    expect(needsPrimaryHeartbeat(undefined, MAX)).toBe(false);
    expect(estimateReplicaLag({ replica: at(NOW - 20_000), heartbeatIntervalMs: interval, maxStalenessMs: MAX }))
      .toEqual({ kind: 'none', reason: 'no-primary-heartbeat' });
  });

  test('a replica that lacks beats lags by at least now minus the first beat it lacks', () => {
    // GIVEN the replica stopped at a beat 20 s old while the writer keeps beating
    const replica = at(NOW - 20_000);
    const primary = at(NOW - 500);

    // THEN the lag is a lower bound: from the beat after the one the replica holds
    expect(estimateReplicaLag({ replica, primary, heartbeatIntervalMs: interval, maxStalenessMs: MAX }))
      .toEqual({ kind: 'lag', replicaLagMs: 18_000, comparedWithPrimary: true, replicaVouched: false });
  });

  test('a replica without any heartbeat lags by at least the primary beat', () => {
    expect(estimateReplicaLag({
      replica: at(undefined), primary: at(NOW - 500), heartbeatIntervalMs: interval, maxStalenessMs: MAX,
    }))
      .toEqual({ kind: 'lag', replicaLagMs: 500, comparedWithPrimary: true, replicaVouched: false });
  });

  test('a stalled writer yields no watermark rather than lag', () => {
    // GIVEN the writer stopped a minute ago and replication is healthy
    const replica = at(NOW - 60_000);
    const primary = at(NOW - 60_000);

    // THEN
    expect(estimateReplicaLag({ replica, primary, heartbeatIntervalMs: interval, maxStalenessMs: MAX }))
      .toEqual({ kind: 'none', reason: 'writer-stalled' });
  });

  test('the first missing beat is the earlier of the next beat and the primary beat', () => {
    expect(estimateReplicaLag({ replica: at(NOW - 11_000), primary: at(NOW - 5000), ...SLOW_BEAT }))
      .toEqual({ kind: 'lag', replicaLagMs: 7000, comparedWithPrimary: true, replicaVouched: false });
    expect(estimateReplicaLag({ replica: at(NOW - 11_000), primary: at(NOW - 9000), ...SLOW_BEAT }))
      .toEqual({ kind: 'lag', replicaLagMs: 9000, comparedWithPrimary: true, replicaVouched: false });
  });

  test('a replica holding the primary beat has no lag', () => {
    expect(estimateReplicaLag({ replica: at(NOW - 11_000), primary: at(NOW - 11_000), ...SLOW_BEAT }))
      .toEqual({ kind: 'lag', replicaLagMs: 0, comparedWithPrimary: true, replicaVouched: true });
  });

  test('an unreadable replica heartbeat is no watermark', () => {
    expect(estimateReplicaLag({ replica: undefined, heartbeatIntervalMs: interval, maxStalenessMs: MAX }))
      .toEqual({ kind: 'none', reason: 'no-replica-heartbeat' });
  });
});

describe('VerificationMemory', () => {
  test('forgets after rememberMs and holds at most maxEntries', () => {
    const memory = new VerificationMemory(1000, 2);
    memory.remember('a', 0);
    expect(memory.lookup('a', 1000)).toBe(0);
    expect(memory.lookup('a', 1001)).toBeUndefined();
    memory.remember('a', 10);
    memory.remember('b', 10);
    memory.remember('c', 10);
    expect(memory.size).toBe(2);
    expect(memory.lookup('a', 10)).toBeUndefined();
  });
});

describe('performRead', () => {
  interface Fake {
    replica?: ItemCopy | null | Error;
    primary?: ItemCopy | null | Error;
    watermark?: Watermark;
    verifiedAtMs?: number;
  }

  function ports(fake: Fake, now = () => NOW) {
    const calls = { replica: 0, primary: 0, watermark: 0, remembered: 0 };
    const read = (value: ItemCopy | null | Error | undefined) => async () => {
      if (value instanceof Error) throw value;

      return value ?? null;
    };
    const p: ReadPorts = {
      now,
      readReplica: async () => { calls.replica++; return read(fake.replica)(); },
      readPrimary: async () => { calls.primary++; return read(fake.primary)(); },
      watermark: async () => { calls.watermark++; return fake.watermark ?? HEALTHY; },
      verifiedAt: () => fake.verifiedAtMs,
      rememberVerified: () => { calls.remembered++; },
    };

    return { p, calls };
  }

  const context = (breaker = new Breaker(30_000, () => NOW), routingMode: 'replica' | 'primary' = 'replica') =>
    ({ settings: EVIDENCE, routingMode, breaker, token: {} });

  test('healthy: served from the replica, primary untouched', async () => {
    const { p, calls } = ports({ replica: copy(NOW - 3_600_000), primary: copy(NOW) });
    const result = await performRead(context(), p);
    expect(result).toMatchObject({
      served: true,
      readFrom: 'replica',
      routingReason: 'replica',
      staleDetected: false,
      replicaLagMs: 500,
    });
    expect(calls.primary).toBe(0);
  });

  test('routing primary: primary, or the replica marked possibly stale when the primary fails', async () => {
    expect(await performRead(context(undefined, 'primary'), ports({ primary: copy(NOW) }).p))
      .toMatchObject({ readFrom: 'primary', routingReason: 'routing_primary', possiblyStale: false });
    const primaryDown = ports({ primary: new Error('down'), replica: copy(NOW) }).p;
    expect(await performRead(context(undefined, 'primary'), primaryDown))
      .toMatchObject({ readFrom: 'replica', routingReason: 'primary_error_fallback', possiblyStale: true });
  });

  test('both regions failing is a failed read, not a throw', async () => {
    const bothDown = ports({ primary: new Error('a'), replica: new Error('b') }).p;
    const result = await performRead(context(undefined, 'primary'), bothDown);
    expect(result).toMatchObject({ served: false });
    expect(result.errors).toHaveLength(2);
    const second = await performRead(context(), ports({ primary: new Error('a'), replica: new Error('b') }).p);
    expect(second).toMatchObject({ served: false });
  });

  test('replica failing: replica_error_fallback from the primary', async () => {
    expect(await performRead(context(), ports({ replica: new Error('down'), primary: copy(NOW) }).p))
      .toMatchObject({ readFrom: 'primary', routingReason: 'replica_error_fallback', staleDetected: false });
  });

  test('a lagging watermark: stale_data from the primary, breaker opens, next read goes to the primary', async () => {
    // GIVEN a lagging replica
    const breaker = new Breaker(30_000, () => NOW);
    const { p } = ports({ replica: copy(NOW - 60_000, 1), primary: copy(NOW - 100, 2), watermark: LAGGING });

    // WHEN read twice
    const first = await performRead(context(breaker), p);
    const second = await performRead(context(breaker), p);

    // THEN
    expect(first).toMatchObject({
      readFrom: 'primary',
      routingReason: 'stale_data',
      staleDetected: true,
      breakerTransition: { from: 'closed', to: 'open' },
    });
    expect(second).toMatchObject({ readFrom: 'primary', routingReason: 'breaker_open', staleDetected: false });
  });

  test('a detection whose primary read fails still counts, answered possibly stale from the replica', async () => {
    const breaker = new Breaker(30_000, () => NOW);
    const { p } = ports({ replica: copy(NOW - 60_000), primary: new Error('x'), watermark: LAGGING });
    const result = await performRead(context(breaker), p);
    expect(result).toMatchObject({
      readFrom: 'replica',
      routingReason: 'primary_error_fallback',
      possiblyStale: true,
      staleDetected: true,
    });
    expect(breaker.state).toBe('open');
  });

  test('a probe that passes closes the breaker; one that detects opens it again', async () => {
    let now = NOW;
    const breaker = new Breaker(1000, () => now);
    breaker.recordDetection();
    now += 1000;
    const lagging = ports({ replica: copy(NOW), watermark: LAGGING, primary: copy(NOW) }, () => now).p;
    expect(await performRead(context(breaker), lagging))
      .toMatchObject({ routingReason: 'stale_data', breakerTransition: { from: 'half-open', to: 'open' } });
    now += 1000;
    expect(await performRead(context(breaker), ports({ replica: copy(NOW) }, () => now).p))
      .toMatchObject({
        readFrom: 'replica',
        routingReason: 'probe',
        breakerTransition: { from: 'half-open', to: 'closed' },
      });
  });

  test('a probe that cannot reach the replica opens the breaker again', async () => {
    let now = NOW;
    const breaker = new Breaker(1000, () => now);
    breaker.recordDetection();
    now += 1000;
    expect(await performRead(context(breaker), ports({ replica: new Error('x'), primary: copy(NOW) }, () => now).p))
      .toMatchObject({ routingReason: 'replica_error_fallback', breakerTransition: { from: 'half-open', to: 'open' } });
  });

  test('a verification that finds the replica current is remembered', async () => {
    const { p, calls } = ports({
      replica: copy(NOW - 60_000, 1), primary: copy(NOW - 60_000, 1), watermark: NO_WATERMARK,
    });
    expect(await performRead(context(), p))
      .toMatchObject({ readFrom: 'primary', routingReason: 'verification', staleDetected: false });
    expect(calls.remembered).toBe(1);
  });

  test('the watermark is fetched only when the token is met and the mode is evidence', async () => {
    const { p, calls } = ports({ replica: copy(NOW - 10, 1), primary: copy(NOW, 2) });
    await performRead({ ...context(), token: { minVersion: 2 } }, p);
    await performRead({ ...context(), settings: ITEM_AGE }, p);
    expect(calls.watermark).toBe(0);
    await performRead(context(), p);
    expect(calls.watermark).toBe(1);
  });
});
