/**
 * The lab's HTML report, opened in headless Chromium (Debian's `chromium`, installed by scripts/ensure-tools.sh
 * --chromium; no browser download): it renders offline without console errors, and its chart has the fault window
 * and one point for every read.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { LabResult, runLab } from '../../examples/lab/lab';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep Chromium from reaching for any host (background services, updates, QUIC). */
const OFFLINE_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions',
];

describe('lab report', () => {
  let dir: string;
  let reportFile: string;
  let result: LabResult;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-report-'));
    reportFile = path.join(dir, 'error.html');
    result = await runLab({ scenario: 'error', timeScale: 20, print: () => undefined, reportFile });
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('renders offline in headless Chromium with the fault window and a point for every read', async () => {
    // GIVEN the page the lab wrote
    expect(fs.existsSync(CHROMIUM)).toBe(true);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: OFFLINE_FLAGS });
    const consoleErrors: string[] = [];
    const foreignRequests: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') {
          consoleErrors.push(message.text());
        }
      });
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) {
          return route.continue();
        }
        foreignRequests.push(url);

        return route.abort();
      });

      // WHEN it is opened
      await page.goto(pathToFileURL(reportFile).href);

      // THEN it shows the run, with nothing fetched from anywhere
      const reads = await page.locator('svg#timeline circle.read').count();
      const faultWindows = await page.locator('svg#timeline rect.fault-window[data-kind="error"]').count();
      const title = await page.title();
      expect(reads).toBe(result.timeline.reads.length);
      expect(reads).toBeGreaterThan(20);
      expect(faultWindows).toBe(1);
      expect(title).toContain('error');
      expect(consoleErrors).toEqual([]);
      expect(foreignRequests).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test('draws failed reads in their own lane', () => {
    // GIVEN the error scenario made callers see invocation errors
    const failed = result.timeline.reads.filter((r) => r.error !== undefined).length;
    const html = fs.readFileSync(reportFile, 'utf-8');

    // THEN each failed read is a point in the failed lane (y = 180 plus at most 5 of jitter)
    const failedPoints = [...html.matchAll(/class="read"[^>]*cy="(\d+)"/g)].filter((m) => Number(m[1]) >= 175).length;
    expect(failed).toBeGreaterThan(0);
    expect(failedPoints).toBe(failed);
  });
});
