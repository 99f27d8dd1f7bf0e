/**
 * Measures the two proxies behind the decision to bundle the AWS SDK into the handlers (README, Handler bundles):
 * bundle size, and the time a fresh Node process takes to load the module, for each handler bundled with the SDK
 * and with `@aws-sdk/*` and `@smithy/*` left external (loaded from node_modules). Medians over N processes.
 *
 * Run: `npx projen measure:bundles` (optionally `-- 31` for 31 processes per variant).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const HANDLERS = ['reader', 'rerouter', 'heartbeat'];
const RUNS = Number(process.argv[2] ?? 21);

function build(handler: string, outfile: string, external: boolean): void {
  const args = ['esbuild', '--bundle', `lambda-src/${handler}/index.ts`, '--target=node22', '--platform=node', '--minify',
    '--tsconfig=lambda-src/tsconfig.json', `--outfile=${outfile}`, '--log-level=error'];
  if (external) {
    args.push('--external:@aws-sdk/*', '--external:@smithy/*');
  }
  execFileSync('npx', args, { cwd: ROOT, stdio: 'inherit' });
}

function medianLoadMs(file: string): number {
  const probe = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});console.log(Number(process.hrtime.bigint()-t)/1e6)`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, ['-e', probe], {
      env: { ...process.env, AWS_REGION: 'eu-central-1', AWS_EC2_METADATA_DISABLED: 'true' },
    });
    times.push(Number(out.toString().trim()));
  }
  times.sort((a, b) => a - b);

  return times[Math.floor(times.length / 2)];
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundles-'));
fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
console.log(`handler    bundled KB  load ms   external KB  load ms   bundled/external load  (${RUNS} processes each)`);
try {
  for (const handler of HANDLERS) {
    const bundled = path.join(dir, `${handler}-bundled`, 'index.js');
    const external = path.join(dir, `${handler}-external`, 'index.js');
    build(handler, bundled, false);
    build(handler, external, true);
    const b = medianLoadMs(bundled);
    const e = medianLoadMs(external);
    const kb = (file: string) => (fs.statSync(file).size / 1000).toFixed(0);
    console.log(`${handler.padEnd(10)} ${kb(bundled).padStart(10)}  ${b.toFixed(1).padStart(7)}   ${kb(external).padStart(11)}  `
      + `${e.toFixed(1).padStart(7)}   ${(b / e).toFixed(2).padStart(21)}`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
