import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseArguments } from '../../examples/lab/cli';
import { runLab } from '../../examples/lab/lab';

const ROOT = path.join(__dirname, '..', '..');

/** The summary fields issue 7 fixes, in any order. */
const SUMMARY_FIELDS = [
  'scenario', 'timeScale', 'reads', 'staleServed', 'readsBySource', 'routingReasons', 'detections', 'escalations',
  'routingWrites', 'parameterReads', 'alarmTransitions', 'detectMs', 'fleetOnPrimaryMs', 'recoverMs',
  'invocationErrors', 'unhandledErrors', 'finalRouting',
];

/** Processes descended from this test process (the lab starts DynamoDB Local under it and must stop it). */
function descendants(): string[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args=']).toString().trim().split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const row of rows) {
      if (mine.has(row.ppid) && !mine.has(row.pid)) {
        mine.add(row.pid);
        grew = true;
      }
    }
  }

  return rows.filter((row) => row.pid !== process.pid && mine.has(row.pid) && !row.args.startsWith('ps '))
    .map((row) => row.args);
}

describe('lab command line', () => {
  test('defaults to the pause scenario in the evidence mode', () => {
    expect(parseArguments([])).toMatchObject({ scenario: 'pause', json: false });
  });

  test('reads every option', () => {
    expect(parseArguments(['--scenario', 'delay', '--time-scale', '40', '--staleness', 'item-age', '--readers', '2',
      '--no-lag-alarm', '--watch', '--json', '--report', 'out.html'])).toEqual({
      scenario: 'delay',
      timeScale: 40,
      stalenessMode: 'item-age',
      readers: 2,
      lagAlarm: false,
      watch: true,
      json: true,
      reportFile: 'out.html',
    });
  });

  test.each([
    [['--scenario', 'nope'], /--scenario: received "nope"; allowed: baseline, read-after-write, .*primary-outage/],
    [['--time-scale', '0'], /--time-scale: received "0"; allowed: a number from 1 to 100/],
    [['--staleness', 'x'], /--staleness: received "x"; allowed: evidence, item-age, none/],
    [['--readers', '1.5'], /--readers: received "1.5"; allowed: a whole number from 1 to 16/],
    [['--report'], /--report: a value is required/],
    [['--fast'], /unknown option "--fast"; allowed: --scenario/],
  ])('throws when the arguments are %j', (argv, message) => {
    expect(() => parseArguments(argv)).toThrow(message);
  });

  test('prints the summary as one JSON object on the last line of standard output', () => {
    // WHEN the lab runs a short scenario as a user would run it
    const cliArgs = [
      'ts-node', '--transpile-only', '--project', 'tsconfig.dev.json', 'examples/lab/cli.ts',
      '--scenario', 'baseline', '--time-scale', '20', '--json',
    ];
    const run = spawnSync('npx', cliArgs, {
      cwd: ROOT,
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
      timeout: 180_000,
    });

    // THEN it exits 0 and ends with the summary
    const lines = run.stdout.toString().trim().split('\n');
    expect(run.status).toBe(0);
    expect(lines.some((line) => line.startsWith('t='))).toBe(true);
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(SUMMARY_FIELDS));
    expect(summary).toMatchObject({ scenario: 'baseline', timeScale: 20, staleServed: 0, finalRouting: 'replica' });
  });

  test('an interrupted run stops every server and process it started', async () => {
    // GIVEN a run that is interrupted in its baseline phase
    const before = descendants();
    const controller = new AbortController();
    const lines: string[] = [];
    let during: string[] = [];
    const run = runLab({
      scenario: 'baseline',
      timeScale: 20,
      signal: controller.signal,
      print: (line) => {
        lines.push(line);
        if (line.includes('--- baseline ---')) {
          during = descendants();
          setTimeout(() => controller.abort(), 500);
        }
      },
    });

    // WHEN / THEN it rejects soon after the abort, and nothing it started is left running
    const started = Date.now();
    await expect(run).rejects.toThrow('lab: interrupted');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(lines).toContain('--- baseline ---');
    expect(during.some((args) => args.includes('DynamoDBLocal'))).toBe(true);
    expect(descendants()).toEqual(before);
  });
});
