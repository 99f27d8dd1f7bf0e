import {
  AlarmNotification, applyNotification, AUTOMATIC_STATE, effectiveMode, effectiveModeOf, encodeRoutingValue,
  forgetUnconfigured, parseRoutingValue, pin, reconcile, RoutingConfig, RoutingState, unpin,
} from '../../lambda-src/shared/routing-state';

const LAG = 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:orders-replication-lag-eu-central-1';
const STALE = 'arn:aws:cloudwatch:eu-central-1:111111111111:alarm:orders-stale-detections';
const OTHER = 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:orders-replication-lag-ap-southeast-2';
const CONFIG: RoutingConfig = { alarmArns: [LAG, STALE] };

function note(alarmArn: string, state: AlarmNotification['state'], at: number): AlarmNotification {
  return { alarmArn, state, at };
}

function applyAll(state: RoutingState, notes: AlarmNotification[], config: RoutingConfig = CONFIG): RoutingState {
  return notes.reduce((current, n) => applyNotification(current, n, config).state, state);
}

describe('parseRoutingValue', () => {
  test('absent is automatic', () => {
    // WHEN
    const parsed = parseRoutingValue(undefined);

    // THEN
    expect(parsed).toMatchObject({ form: 'absent', unreadable: false });
    expect(effectiveMode(parsed.state)).toBe('replica');
  });

  test('plain replica is automatic and plain primary is pinned to the primary', () => {
    expect(parseRoutingValue('replica')).toMatchObject({ form: 'plain', unreadable: false, state: { pinned: false } });
    expect(parseRoutingValue(' Primary\n')).toMatchObject({
      form: 'plain', unreadable: false, state: { pinned: true, pinMode: 'primary' },
    });
  });

  test('the rerouter JSON round-trips through encodeRoutingValue', () => {
    // GIVEN
    const state: RoutingState = {
      pinned: true, pinMode: 'replica', alarms: { [LAG]: { state: 'ALARM', at: 5 } }, reason: 'x',
    };

    // WHEN
    const parsed = parseRoutingValue(encodeRoutingValue(state));

    // THEN
    expect(parsed.form).toBe('json');
    expect(parsed.state).toEqual(state);
  });

  test.each([
    ['not JSON', '{"mode": '],
    ['a JSON array', '[1]'],
    ['a wrong version', '{"v":2,"pinned":false,"alarms":{}}'],
    ['a pin without a mode', '{"v":1,"pinned":true,"alarms":{}}'],
    ['an unknown alarm state', `{"v":1,"pinned":false,"alarms":{"${LAG}":{"state":"alarm","at":1}}}`],
    ['an alarm time that is not a number', `{"v":1,"pinned":false,"alarms":{"${LAG}":{"state":"ALARM","at":"1"}}}`],
    ['a word', 'PRIMARY-ish'],
  ])('%s is unreadable and reads as automatic', (_name, raw) => {
    // WHEN
    const parsed = parseRoutingValue(raw);

    // THEN
    expect(parsed.unreadable).toBe(true);
    expect(parsed.problem).toEqual(expect.any(String));
    expect(effectiveModeOf(raw)).toEqual({ mode: 'replica', unreadable: true });
  });
});

describe('effectiveModeOf', () => {
  test('absent, replica, primary and JSON values', () => {
    expect(effectiveModeOf(undefined)).toEqual({ mode: 'replica', unreadable: false });
    expect(effectiveModeOf('replica')).toEqual({ mode: 'replica', unreadable: false });
    expect(effectiveModeOf('primary')).toEqual({ mode: 'primary', unreadable: false });
    const firing = encodeRoutingValue({ pinned: false, alarms: { [LAG]: { state: 'ALARM', at: 1 } } });
    expect(effectiveModeOf(firing)).toEqual({ mode: 'primary', unreadable: false });
  });
});

describe('effectiveMode', () => {
  test('a pin wins over a firing alarm', () => {
    const state: RoutingState = { pinned: true, pinMode: 'replica', alarms: { [LAG]: { state: 'ALARM', at: 1 } } };
    expect(effectiveMode(state)).toBe('replica');
  });

  test('primary while any alarm is in ALARM, else replica', () => {
    const ok = { state: 'OK', at: 1 } as const;
    expect(effectiveMode({ pinned: false, alarms: { [LAG]: ok, [STALE]: { state: 'ALARM', at: 1 } } })).toBe('primary');
    expect(effectiveMode({ pinned: false, alarms: { [LAG]: ok, [STALE]: { state: 'INSUFFICIENT_DATA', at: 1 } } }))
      .toBe('replica');
  });

  test('with a config, only configured alarms count', () => {
    const state: RoutingState = { pinned: false, alarms: { [OTHER]: { state: 'ALARM', at: 1 } } };
    expect(effectiveMode(state)).toBe('primary');
    expect(effectiveMode(state, CONFIG)).toBe('replica');
  });
});

describe('applyNotification', () => {
  test('an ALARM moves to the primary and its OK moves back', () => {
    // WHEN
    const firing = applyNotification(AUTOMATIC_STATE, note(LAG, 'ALARM', 100), CONFIG);
    const cleared = applyNotification(firing.state, note(LAG, 'OK', 200), CONFIG);

    // THEN
    expect(firing.outcome).toBe('applied');
    expect(effectiveMode(firing.state)).toBe('primary');
    expect(effectiveMode(cleared.state)).toBe('replica');
    expect(cleared.state.alarms[LAG]).toEqual({ state: 'OK', at: 200 });
  });

  test('an OK of one alarm keeps the primary while another alarm is in ALARM', () => {
    // WHEN
    const state = applyAll(AUTOMATIC_STATE, [note(LAG, 'ALARM', 100), note(STALE, 'ALARM', 110), note(LAG, 'OK', 120)]);

    // THEN
    expect(effectiveMode(state)).toBe('primary');
  });

  test('a notification older than what is held for that alarm is ignored', () => {
    // GIVEN
    const held = applyAll(AUTOMATIC_STATE, [note(LAG, 'OK', 200)]);

    // WHEN
    const late = applyNotification(held, note(LAG, 'ALARM', 150), CONFIG);

    // THEN
    expect(late.outcome).toBe('older');
    expect(late.state).toBe(held);
  });

  test('a late notification of one alarm still applies when it is the newest for that alarm', () => {
    // GIVEN
    const held = applyAll(AUTOMATIC_STATE, [note(LAG, 'OK', 200), note(STALE, 'OK', 50)]);

    // WHEN
    const result = applyNotification(held, note(STALE, 'ALARM', 150), CONFIG);

    // THEN
    expect(result.outcome).toBe('applied');
    expect(effectiveMode(result.state)).toBe('primary');
  });

  test('a duplicate changes nothing', () => {
    // GIVEN
    const held = applyAll(AUTOMATIC_STATE, [note(LAG, 'ALARM', 100)]);

    // WHEN
    const duplicate = applyNotification(held, note(LAG, 'ALARM', 100), CONFIG);

    // THEN
    expect(duplicate.outcome).toBe('unchanged');
    expect(duplicate.state).toBe(held);
  });

  test('at the same time the more severe state wins, whatever the order', () => {
    const okFirst = applyAll(AUTOMATIC_STATE, [note(LAG, 'OK', 100), note(LAG, 'ALARM', 100)]);
    const alarmFirst = applyAll(AUTOMATIC_STATE, [note(LAG, 'ALARM', 100), note(LAG, 'OK', 100)]);
    expect(encodeRoutingValue(okFirst)).toBe(encodeRoutingValue(alarmFirst));
    expect(effectiveMode(okFirst)).toBe('primary');
  });

  test('an alarm that is not configured is ignored', () => {
    // WHEN
    const result = applyNotification(AUTOMATIC_STATE, note(OTHER, 'ALARM', 100), CONFIG);

    // THEN
    expect(result.outcome).toBe('unconfigured');
    expect(result.state).toBe(AUTOMATIC_STATE);
  });

  test('INSUFFICIENT_DATA under the default policy keeps the last known state (ALARM stays ALARM)', () => {
    // GIVEN
    const firing = applyAll(AUTOMATIC_STATE, [note(LAG, 'ALARM', 100)]);

    // WHEN
    const state = applyAll(firing, [note(LAG, 'INSUFFICIENT_DATA', 200)]);

    // THEN
    expect(effectiveMode(state)).toBe('primary');
    expect(state.alarms[LAG]).toEqual({ state: 'ALARM', at: 200, reported: 'INSUFFICIENT_DATA' });
  });

  test('INSUFFICIENT_DATA under the default policy keeps the last known state (OK stays OK)', () => {
    const state = applyAll(AUTOMATIC_STATE, [note(LAG, 'OK', 100), note(LAG, 'INSUFFICIENT_DATA', 200)]);
    expect(effectiveMode(state)).toBe('replica');
  });

  test('INSUFFICIENT_DATA with nothing known counts as not firing under keep', () => {
    const state = applyAll(AUTOMATIC_STATE, [note(LAG, 'INSUFFICIENT_DATA', 200)]);
    expect(state.alarms[LAG]).toEqual({ state: 'INSUFFICIENT_DATA', at: 200 });
    expect(effectiveMode(state)).toBe('replica');
  });

  test('INSUFFICIENT_DATA under the alarm policy moves to the primary', () => {
    const config: RoutingConfig = { ...CONFIG, insufficientDataPolicy: 'alarm' };
    const state = applyAll(AUTOMATIC_STATE, [note(LAG, 'OK', 100), note(LAG, 'INSUFFICIENT_DATA', 200)], config);
    expect(effectiveMode(state)).toBe('primary');
  });

  test('INSUFFICIENT_DATA under the ok policy moves back to the replica', () => {
    const config: RoutingConfig = { ...CONFIG, insufficientDataPolicy: 'ok' };
    const state = applyAll(AUTOMATIC_STATE, [note(LAG, 'ALARM', 100), note(LAG, 'INSUFFICIENT_DATA', 200)], config);
    expect(effectiveMode(state)).toBe('replica');
  });

  test('a notification older than a held INSUFFICIENT_DATA is ignored', () => {
    const state = applyAll(AUTOMATIC_STATE, [note(LAG, 'OK', 100), note(LAG, 'INSUFFICIENT_DATA', 200)]);
    expect(applyNotification(state, note(LAG, 'ALARM', 150), CONFIG).outcome).toBe('older');
  });
});

describe('pin and unpin', () => {
  test('a pin survives ALARM and OK', () => {
    // GIVEN
    const pinned = pin(AUTOMATIC_STATE, 'primary');

    // WHEN
    const afterAlarm = applyAll(pinned, [note(LAG, 'ALARM', 100)]);
    const afterOk = applyAll(afterAlarm, [note(LAG, 'OK', 200)]);

    // THEN
    expect(effectiveMode(afterAlarm)).toBe('primary');
    expect(effectiveMode(afterOk)).toBe('primary');
    expect(effectiveMode(applyAll(pin(AUTOMATIC_STATE, 'replica'), [note(LAG, 'ALARM', 100)]))).toBe('replica');
  });

  test('pinning to the same mode again returns the same state', () => {
    const pinned = pin(AUTOMATIC_STATE, 'primary');
    expect(pin(pinned, 'primary')).toBe(pinned);
    expect(pin(pinned, 'replica')).toMatchObject({ pinned: true, pinMode: 'replica' });
  });

  test('unpin flips the pin alone and keeps the alarm states', () => {
    // GIVEN
    const state = pin(applyAll(AUTOMATIC_STATE, [note(LAG, 'ALARM', 100)]), 'replica');

    // WHEN
    const unpinned = unpin(state);

    // THEN
    expect(unpinned.pinned).toBe(false);
    expect(unpinned.pinMode).toBeUndefined();
    expect(unpinned.alarms).toEqual(state.alarms);
    expect(effectiveMode(unpinned)).toBe('primary');
    expect(unpin(unpinned)).toBe(unpinned);
  });

  test('unpinning a hand-written primary returns to automatic', () => {
    expect(effectiveMode(unpin(parseRoutingValue('primary').state))).toBe('replica');
  });
});

describe('reconcile', () => {
  test('repairs a lost OK', () => {
    // GIVEN
    const held = applyAll(AUTOMATIC_STATE, [note(LAG, 'ALARM', 100)]);

    // WHEN
    const repaired = reconcile(held, [note(LAG, 'OK', 300), note(STALE, 'OK', 50)], CONFIG);

    // THEN
    expect(effectiveMode(repaired)).toBe('replica');
    expect(repaired.alarms[STALE]).toEqual({ state: 'OK', at: 50 });
  });

  test('keeps what is held when it is newer than the observation', () => {
    const held = applyAll(AUTOMATIC_STATE, [note(LAG, 'ALARM', 300)]);
    expect(reconcile(held, [note(LAG, 'OK', 100)], CONFIG)).toBe(held);
  });

  test('returns the same state when nothing drifted', () => {
    const held = applyAll(AUTOMATIC_STATE, [note(LAG, 'ALARM', 300)]);
    expect(reconcile(held, [note(LAG, 'ALARM', 300)], CONFIG)).toBe(held);
  });

  test('drops held alarms that are no longer configured and ignores observations of others', () => {
    // GIVEN
    const held: RoutingState = { pinned: false, alarms: { [OTHER]: { state: 'ALARM', at: 1 } } };

    // WHEN
    const repaired = reconcile(held, [note(OTHER, 'ALARM', 5)], CONFIG);

    // THEN
    expect(repaired.alarms).toEqual({});
    expect(effectiveMode(repaired)).toBe('replica');
  });

  test('keeps the pin', () => {
    const held = pin(AUTOMATIC_STATE, 'primary');
    expect(effectiveMode(reconcile(held, [note(LAG, 'OK', 1)], CONFIG))).toBe('primary');
  });
});

describe('encodeRoutingValue', () => {
  test('is canonical: equal states encode equally whatever the alarm order', () => {
    const ok = { state: 'OK', at: 1 } as const;
    const firing = { state: 'ALARM', at: 2 } as const;
    const a: RoutingState = { pinned: false, alarms: { [LAG]: ok, [STALE]: firing } };
    const b: RoutingState = { pinned: false, alarms: { [STALE]: firing, [LAG]: ok } };
    expect(encodeRoutingValue(a)).toBe(encodeRoutingValue(b));
  });

  test('writes the documented fields, the effective mode included', () => {
    const value = JSON.parse(encodeRoutingValue(pin(applyAll(AUTOMATIC_STATE, [note(LAG, 'ALARM', 7)]), 'replica')));
    expect(value).toEqual({
      v: 1,
      pinned: true,
      pinMode: 'replica',
      alarms: { [LAG]: { state: 'ALARM', at: 7 } },
      mode: 'replica',
      reason: 'pinned to replica by an operator',
    });
  });
});

describe('forgetUnconfigured', () => {
  test('drops alarms that are not configured and keeps the rest and the pin', () => {
    // GIVEN
    const held: RoutingState = {
      pinned: true, pinMode: 'replica', alarms: { [OTHER]: { state: 'ALARM', at: 1 }, [LAG]: { state: 'OK', at: 2 } },
    };

    // WHEN
    const kept = forgetUnconfigured(held, CONFIG);

    // THEN
    expect(kept.alarms).toEqual({ [LAG]: { state: 'OK', at: 2 } });
    expect(kept).toMatchObject({ pinned: true, pinMode: 'replica' });
    expect(forgetUnconfigured(kept, CONFIG)).toBe(kept);
  });
});
