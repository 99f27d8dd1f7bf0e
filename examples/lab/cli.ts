/**
 * The lab's command line. `npx projen lab` runs the pause scenario; options:
 *
 *   --scenario NAME      baseline, read-after-write, quiet-items, drift, pause (default), delay, error,
 *                        replica-outage, primary-outage
 *   --time-scale N       divide every duration by N (default 20: a scenario takes well under a minute)
 *   --staleness MODE     evidence (default), item-age (the reference design's rule) or none (checks off)
 *   --readers N          reader containers (default 3)
 *   --no-lag-alarm       only the readers' detections drive routing
 *   --watch              a timeline line every scenario second, with the phase's progress
 *   --json               the last line of standard output is the run's summary as one JSON object
 *   --report FILE.html   write the timeline as a self-contained page
 *
 * Example: `npx projen lab --scenario delay --staleness item-age --watch --report lab-output/delay.html`
 */
import { runLab, LabOptions } from './lab';
import { SCENARIO_NAMES } from './scenarios';

const STALENESS_MODES = ['evidence', 'item-age', 'none'];

const USAGE = `usage: npx projen lab [--scenario NAME] [--time-scale N] [--staleness MODE] [--readers N]
                       [--no-lag-alarm] [--watch] [--json] [--report FILE.html] [--help]
  --scenario NAME     ${SCENARIO_NAMES.join(', ')} (default pause)
  --time-scale N      divide every duration by N, 1 to 100 (default 20)
  --staleness MODE    ${STALENESS_MODES.join(', ')} (default evidence)
  --readers N         reader containers, 1 to 16 (default 3)
  --no-lag-alarm      only the readers' detections drive routing
  --watch             a timeline line every scenario second, with the phase's progress
  --json              the last line of standard output is the summary as one JSON object
  --report FILE.html  write the timeline as a self-contained page`;

/** Parses the arguments; throws with the option's name and the allowed values on bad input. */
export function parseArguments(argv: readonly string[]): LabOptions & { json: boolean; help?: boolean } {
  const options: Record<string, unknown> = { scenario: 'pause', json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) {
        throw new Error(`${arg}: a value is required`);
      }

      return next;
    };
    switch (arg) {
      case '--scenario': {
        const name = value();
        if (!SCENARIO_NAMES.includes(name)) {
          throw new Error(`--scenario: received ${JSON.stringify(name)}; allowed: ${SCENARIO_NAMES.join(', ')}`);
        }
        options.scenario = name;
        break;
      }
      case '--time-scale': {
        const scale = Number(value());
        if (!(scale >= 1 && scale <= 100)) {
          throw new Error(`--time-scale: received ${JSON.stringify(argv[i])}; allowed: a number from 1 to 100`);
        }
        options.timeScale = scale;
        break;
      }
      case '--staleness': {
        const mode = value();
        if (!STALENESS_MODES.includes(mode)) {
          throw new Error(`--staleness: received ${JSON.stringify(mode)}; allowed: ${STALENESS_MODES.join(', ')}`);
        }
        options.stalenessMode = mode;
        break;
      }
      case '--readers': {
        const readers = Number(value());
        if (!Number.isInteger(readers) || readers < 1 || readers > 16) {
          throw new Error(`--readers: received ${JSON.stringify(argv[i])}; allowed: a whole number from 1 to 16`);
        }
        options.readers = readers;
        break;
      }
      case '--no-lag-alarm':
        options.lagAlarm = false;
        break;
      case '--watch':
        options.watch = true;
        break;
      case '--json':
        options.json = true;
        break;
      case '--report':
        options.reportFile = value();
        break;
      case '--help':
        options.help = true;
        break;
      default:
        throw new Error(`unknown option ${JSON.stringify(arg)}; allowed: --scenario, --time-scale, --staleness, `
          + '--readers, --no-lag-alarm, --watch, --json, --report, --help');
    }
  }

  return options as unknown as LabOptions & { json: boolean; help?: boolean };
}

async function main(): Promise<void> {
  let options: LabOptions & { json: boolean; help?: boolean };
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`lab: ${(error as Error).message}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`lab: ${signal}, stopping every server it started`);
      controller.abort();
    });
  }
  const result = await runLab({ ...options, signal: controller.signal });
  const { summary } = result;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  console.log(`\n${summary.scenario}: ${count(summary.reads, 'read')}, ${summary.staleServed} stale served, `
    + `${count(summary.detections, 'detection')}, ${count(summary.escalations, 'escalation')}, `
    + `${count(summary.routingWrites, 'routing write')}, final routing ${summary.finalRouting}`);
  if (options.reportFile) {
    console.log(`report: ${options.reportFile}`);
  }
  if (options.json) {
    console.log(JSON.stringify(summary));
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`lab: ${(error as Error).stack ?? error}`);
    process.exit(1);
  });
}
