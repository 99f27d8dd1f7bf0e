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

const CASES_DIR = path.join(__dirname, '..', 'fixtures', 'cases');
const fixture = JSON.parse(readFileSync(path.join(CASES_DIR, 'written-at.json'), 'utf8')) as {
  now: number;
  cases: WrittenAtCase[];
};

/** The fixture case whose name starts with `prefix` (there must be exactly one). */
function caseNamed(prefix: string): WrittenAtCase {
  const found = fixture.cases.filter((c) => c.name.startsWith(prefix));
  if (found.length !== 1) {
    throw new Error(`written-at.json: expected one case named "${prefix}...", found ${found.length}`);
  }

  return found[0];
}

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
    // GIVEN the fixture's epoch-seconds and future cases, looked up by name
    const seconds = caseNamed('epoch seconds by mistake');
    const future = caseNamed('in the future');
    const futureMs = Number((future.written_at as { N: string }).N);

    // WHEN each is read at the fixture's now
    // THEN the reading names the issue, and the future one carries how far ahead the writer's clock is
    expect(readWrittenAt(seconds.written_at, fixture.now).issue).toBe('epoch-seconds');
    expect(readWrittenAt(future.written_at, fixture.now)).toMatchObject({
      issue: 'future', ageMs: 0, skewMs: futureMs - fixture.now,
    });
  });
});
