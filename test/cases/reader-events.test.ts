import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { KeySchema, validateReaderEvent } from '../../lambda-src/shared/reader-event';

/** One case of reader-events.json. */
interface ReaderEventCase {
  readonly name: string;
  readonly event: unknown;
  readonly valid: boolean;
  readonly field?: string;
}

const CASES_DIR = path.join(__dirname, '..', 'fixtures', 'cases');

/** Expands the fixture's `REPEAT:<char>:<count>` notation. */
function expand(value: unknown): unknown {
  if (typeof value === 'string') {
    const match = /^REPEAT:(.):(\d+)$/.exec(value);

    return match ? match[1].repeat(Number(match[2])) : value;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]));
  }

  return value;
}

const fixture = JSON.parse(readFileSync(path.join(CASES_DIR, 'reader-events.json'), 'utf8')) as {
  cases: ReaderEventCase[];
};
const cases = fixture.cases.map((c) => ({ ...c, event: expand(c.event) }));
const schema: KeySchema = { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } };

describe('reader-events.json', () => {
  test('the fixture has valid and invalid cases', () => {
    expect(cases.some((c) => c.valid)).toBe(true);
    expect(cases.some((c) => !c.valid)).toBe(true);
  });

  test('expands REPEAT to the stated length', () => {
    const oversized = cases.find((c) => c.name.includes('2048'));
    expect(((oversized?.event as { pk: string }).pk).length).toBe(2049);
  });

  test.each(cases.filter((c) => c.valid).map((c) => [c.name, c] as const))('accepts: %s', (_name, c) => {
    // GIVEN a valid event for a table keyed by pk and sk
    // WHEN it is validated
    const result = validateReaderEvent(c.event, schema);

    // THEN the key is ready for GetItem and the token is carried
    expect(result.ok).toBe(true);
    if (result.ok) {
      const event = c.event as { pk: string; sk: string; minWrittenAt?: number };
      expect(result.request.key).toEqual({ pk: { S: event.pk }, sk: { S: event.sk } });
      expect(result.request.minWrittenAt).toBe(event.minWrittenAt);
    }
  });

  test.each(cases.filter((c) => !c.valid).map((c) => [c.name, c] as const))('rejects: %s', (_name, c) => {
    // GIVEN an invalid event
    // WHEN it is validated
    const result = validateReaderEvent(c.event, schema);

    // THEN the error names the field, with a message that names it too
    expect(result).toMatchObject({ ok: false, field: c.field });
    if (!result.ok) {
      expect(result.message).toContain(c.field === 'event' ? 'event' : c.field);
    }
  });
});
