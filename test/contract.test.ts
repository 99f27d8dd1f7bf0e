import { ROUTING_REASONS } from '../lambda-src/shared/staleness';
import * as barrel from '../src';
import { INSUFFICIENT_DATA_POLICIES, STALENESS_MODES } from '../src/private/handler-contract';

describe('the package barrel', () => {
  test.each([
    'ResilientGlobalTable', 'StalenessAwareReader', 'ReplicationRerouter', 'FisChaosSuite', 'ResilienceDashboard',
    'RoutingParameter', 'StalenessMode', 'RoutingReason', 'InsufficientDataPolicy', 'ReadLocation',
  ])('exports %s', (name) => {
    expect((barrel as Record<string, unknown>)[name]).toBeDefined();
  });
});

describe('the construct and handler vocabularies agree', () => {
  test('RoutingReason lists exactly the reasons the reader answers with', () => {
    expect(Object.values(barrel.RoutingReason).sort()).toEqual([...ROUTING_REASONS].sort());
  });

  test('StalenessMode lists exactly the modes the reader understands', () => {
    expect(Object.values(barrel.StalenessMode).sort()).toEqual([...STALENESS_MODES].sort());
  });

  test('InsufficientDataPolicy lists exactly the policies the rerouter understands', () => {
    expect(Object.values(barrel.InsufficientDataPolicy).sort()).toEqual([...INSUFFICIENT_DATA_POLICIES].sort());
  });
});
