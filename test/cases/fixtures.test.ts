import * as fs from 'node:fs';
import * as path from 'node:path';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'cases');
/** The shared case folder beside the repository, where the project's steering keeps the originals. */
const SHARED = path.join(__dirname, '..', '..', '..', 'shared', 'cases');

describe('case fixtures', () => {
  test.each(['alarm-notifications.json', 'reader-events.json', 'written-at.json', 'construct-checks.md'])(
    '%s is kept in the repository, and matches the shared original when one is beside it', (file) => {
      const kept = fs.readFileSync(path.join(FIXTURES, file), 'utf-8');

      expect(kept.length).toBeGreaterThan(100);
      if (fs.existsSync(path.join(SHARED, file))) {
        expect(kept).toBe(fs.readFileSync(path.join(SHARED, file), 'utf-8'));
      }
    });
});
