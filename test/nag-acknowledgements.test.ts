import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { fillPlaceholders, NAG_ACKNOWLEDGEMENTS, NagAcknowledgement } from '../examples/app/nag-acknowledgements';
import { buildApp } from '../examples/app/stacks';

const START = '<!-- nag-acknowledgements:start -->';
const END = '<!-- nag-acknowledgements:end -->';
const ROOT = path.join(__dirname, '..');

/** The README, which lists the acknowledgements between the markers. */
function readmeWithBlock(): { file: string; text: string } {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
  if (!text.includes(START) || !text.includes(END)) {
    throw new Error(`README.md lacks the block ${START} ... ${END}`);
  }

  return { file: 'README.md', text };
}

/** The rows of the Markdown table between the markers, cells trimmed and without backticks. */
function listedAcknowledgements(text: string): NagAcknowledgement[] {
  const block = text.slice(text.indexOf(START) + START.length, text.indexOf(END));
  const rows = block.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('|'));
  const [header, separator, ...body] = rows;
  expect(header.replace(/\s/g, '')).toBe('|Stack|Construct|Finding|Reason|');
  expect(separator).toMatch(/^\|[\s:|-]+\|$/);

  return body.map((row) => {
    const cells = row.slice(1, -1).split(' | ').map((cell) => cell.trim().replace(/^`(.*)`$/, '$1'));
    expect(cells).toHaveLength(4);
    const [stack, construct, id, reason] = cells;

    return { stack: stack as NagAcknowledgement['stack'], path: construct, id, reason };
  });
}

function key(ack: NagAcknowledgement): string {
  return `${ack.stack} ${ack.path} ${ack.id}`;
}

describe('cdk-nag acknowledgements of the example app', () => {
  test('the README lists exactly the acknowledgements the app applies, with the same reasons', () => {
    // GIVEN
    const { text } = readmeWithBlock();

    // WHEN
    const listed = listedAcknowledgements(text);

    // THEN
    expect(listed.map(key).sort()).toEqual(NAG_ACKNOWLEDGEMENTS.map(key).sort());
    for (const ack of NAG_ACKNOWLEDGEMENTS) {
      expect(listed.find((row) => key(row) === key(ack))?.reason).toBe(ack.reason);
    }
  });

  test('every acknowledgement carries a specific reason, and no finding is acknowledged twice', () => {
    // GIVEN
    const generic = /^(n\/a|none|ok|false positive|not needed|accepted|by design|todo)\.?$/i;

    // THEN
    expect(new Set(NAG_ACKNOWLEDGEMENTS.map(key)).size).toBe(NAG_ACKNOWLEDGEMENTS.length);
    for (const ack of NAG_ACKNOWLEDGEMENTS) {
      expect(ack.reason).not.toMatch(generic);
      expect(ack.reason.length).toBeGreaterThanOrEqual(40);
    }
  });

  test.each([
    ['an unresolved account', {}],
    ['a concrete account', { account: '111122223333' }],
  ])('with %s, the app has no finding left once acknowledged', (_title, context) => {
    // GIVEN
    const app = new App({ context });
    buildApp(app);

    // WHEN
    const report = new AwsSolutionsChecks(app).validateScope(app);

    // THEN
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${r.constructPath} ${v.ruleName}`)))
      .toEqual([]);
    expect(report.success).toBe(true);
  });

  test('every acknowledgement matches a finding that the app really has', () => {
    // GIVEN: the app without its acknowledgements
    const app = new App();
    const { settings } = buildApp(app, { acknowledge: false });
    const stackIds = { primary: 'Primary', replica: 'Replica' };

    // WHEN
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => ({
      path: r.constructPath ?? '',
      id: v.ruleName,
    })));

    // THEN
    for (const ack of NAG_ACKNOWLEDGEMENTS) {
      const scope = `${stackIds[ack.stack]}/${fillPlaceholders(ack.path, settings)}`;
      const id = fillPlaceholders(ack.id, settings);
      const matching = findings.filter((f) => f.id === id && (f.path === scope || f.path.startsWith(`${scope}/`)));
      expect({ ack: key(ack), matches: matching.length > 0 }).toEqual({ ack: key(ack), matches: true });
    }
  });
});
