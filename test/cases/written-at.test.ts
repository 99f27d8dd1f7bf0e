import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ItemCopy, readWrittenAt } from '../../lambda-src/shared/item';
import { judgeReplica } from '../../lambda-src/shared/staleness';

interface WrittenAtCase {
  readonly name: string;
  readonly written_at: unknown;
  readonly ageMs: number | null;
  readonly toleranceMs?: number;
}

const CASES_DIR = path.join(__dirname, '..', '..', '..', 'shared', 'cases');
const fixture = JSON.parse(readFileSync(path.join(CASES_DIR, 'written-at.json'), 'utf8')) as {
  now: number;
  cases: WrittenAtCase[];
};

describe('written-at.json', () => {
  test('the fixture has cases', () => {
    expect(fixture.cases.length).toBeGreaterThan(0);
  });

  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    // GIVEN the attribute as it arrives, read at the fixture's now
    // WHEN its age is computed
    const reading = readWrittenAt(c.written_at, fixture.now);

    // THEN the age is the expected one (null: unknown)
    if (c.ageMs === null) {
      expect(reading.ageMs).toBeUndefined();
    } else if (c.toleranceMs !== undefined) {
      expect(Math.abs((reading.ageMs ?? Number.NaN) - c.ageMs)).toBeLessThanOrEqual(c.toleranceMs);
    } else {
      expect(reading.ageMs).toBe(c.ageMs);
    }
  });

  test.each(fixture.cases.filter((c) => c.ageMs === null).map((c) => [c.name, c] as const))(
    'an item whose written_at is "%s" is not by itself a reason to escalate', (_name, c) => {
      // GIVEN a replica copy carrying the unknown-age value, in item-age mode (the mode that escalates on age)
      const replica: ItemCopy = c.written_at === null
        ? { pk: { S: 'a' } }
        : { pk: { S: 'a' }, written_at: c.written_at as AttributeValue };

      // WHEN it is judged
      const verdict = judgeReplica({
        settings: { maxStalenessMs: 10_000, mode: 'item-age' }, nowMs: fixture.now, token: {}, replica,
      });

      // THEN it is served from the replica
      expect(verdict.action).toBe('serve-replica');
    });

  test('reports epoch seconds and clock skew so the reader can log them', () => {
    expect(readWrittenAt({ N: '1764000000' }, fixture.now).issue).toBe('epoch-seconds');
    expect(readWrittenAt({ N: '1764000360000' }, fixture.now)).toMatchObject({ issue: 'future', skewMs: 300_000 });
  });
});
