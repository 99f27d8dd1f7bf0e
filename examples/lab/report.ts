/**
 * The lab's report: one self-contained HTML page (no scripts, no network) with the run drawn as an SVG chart:
 * every read as a point in the lane of the source that served it, the replica lag under it, the fault window and
 * each alarm's ALARM windows shaded, and the routing mode as a band. Open it offline in any browser.
 */
import type { LabSummary, Timeline } from './timeline';

const WIDTH = 1100;
const LEFT = 120;
const RIGHT = 20;
const LANE = { primary: 60, replica: 120, failed: 180 } as const;
const LAG_TOP = 230;
const LAG_HEIGHT = 120;
const HEIGHT = LAG_TOP + LAG_HEIGHT + 50;

const COLOURS: Record<string, string> = {
  replica: '#2b8a3e',
  routing_primary: '#1c7ed6',
  breaker_open: '#7048e8',
  token_fallback: '#15aabf',
  stale_data: '#e8590c',
  replica_miss_fallback: '#66a80f',
  replica_error_fallback: '#f59f00',
  primary_error_fallback: '#c2255c',
  probe: '#495057',
  verification: '#a61e4d',
};

function escapeHtml(text: string): string {
  const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

function shortAlarmName(alarmName: string): string {
  if (alarmName.includes('stale-detections')) {
    return 'detections';
  }

  return alarmName.includes('replication-lag') ? 'lag alarm' : alarmName;
}

/** Renders the page. */
export function renderReport(timeline: Timeline, summary: LabSummary): string {
  const end = Math.max(1, timeline.now(), ...timeline.reads.map((r) => r.at));
  const x = (at: number) => LEFT + ((WIDTH - LEFT - RIGHT) * Math.max(0, at)) / end;
  const maxLag = Math.max(1, ...timeline.lag.map((l) => l.lagMs));
  const lagY = (ms: number) => LAG_TOP + LAG_HEIGHT - (LAG_HEIGHT * ms) / maxLag;
  const parts: string[] = [];

  for (const fault of timeline.faults) {
    const stop = fault.end ?? end;
    parts.push(`<rect class="fault-window" data-kind="${escapeHtml(fault.kind)}" x="${x(fault.start).toFixed(1)}" y="20" `
      + `width="${Math.max(1, x(stop) - x(fault.start)).toFixed(1)}" height="${HEIGHT - 60}" fill="#ffe3e3" opacity="0.7">`
      + `<title>fault ${escapeHtml(fault.kind)}: ${fault.start} to ${stop} ms</title></rect>`);
  }

  const alarmNames = [...new Set(timeline.alarms.map((a) => a.alarm))];
  alarmNames.forEach((name, index) => {
    let openedAt: number | undefined;
    const windows: Array<[number, number]> = [];
    for (const change of timeline.alarms.filter((a) => a.alarm === name)) {
      if (change.to === 'ALARM' && openedAt === undefined) {
        openedAt = change.at;
      } else if (change.to !== 'ALARM' && openedAt !== undefined) {
        windows.push([openedAt, change.at]);
        openedAt = undefined;
      }
    }
    if (openedAt !== undefined) {
      windows.push([openedAt, end]);
    }
    const y = 22 + index * 12;
    parts.push(`<text class="alarm-label" x="${LEFT - 4}" y="${y + 6}" text-anchor="end" font-size="9">`
      + `${escapeHtml(shortAlarmName(name))}</text>`);
    for (const [from, to] of windows) {
      parts.push(`<rect class="alarm-window" data-alarm="${escapeHtml(name)}" x="${x(from).toFixed(1)}" y="${y}" `
        + `width="${Math.max(1, x(to) - x(from)).toFixed(1)}" height="6" fill="#fa5252"><title>${escapeHtml(name)} in ALARM`
        + '</title></rect>');
    }
  });

  let mode: string = 'replica';
  let since = 0;
  const bands: Array<[number, number, string]> = [];
  for (const change of timeline.routing) {
    bands.push([since, change.at, mode]);
    mode = change.mode;
    since = change.at;
  }
  bands.push([since, end, mode]);
  for (const [from, to, m] of bands) {
    parts.push(`<rect class="routing-band" data-mode="${m}" x="${x(from).toFixed(1)}" y="${HEIGHT - 36}" `
      + `width="${Math.max(0.5, x(to) - x(from)).toFixed(1)}" height="10" fill="${m === 'primary' ? '#1c7ed6' : '#2b8a3e'}">`
      + `<title>routing ${m}</title></rect>`);
  }

  timeline.reads.forEach((read, index) => {
    const lane = read.error !== undefined ? LANE.failed : read.readFrom === 'primary' ? LANE.primary : LANE.replica;
    const colour = read.error !== undefined ? '#e03131' : COLOURS[read.routingReason ?? ''] ?? '#868e96';
    const jitter = ((index * 7) % 11) - 5;
    parts.push(`<circle class="read" data-index="${index}" cx="${x(read.at).toFixed(1)}" cy="${lane + jitter}" r="2.5" `
      + `fill="${colour}"><title>${read.at} ms: ${escapeHtml(read.routingReason ?? read.error ?? '')}</title></circle>`);
  });

  const regions = [...new Set(timeline.lag.map((l) => l.region))];
  for (const region of regions) {
    const points = timeline.lag.filter((l) => l.region === region)
      .map((l) => `${x(l.at).toFixed(1)},${lagY(l.lagMs).toFixed(1)}`);
    parts.push(`<polyline class="lag" data-region="${escapeHtml(region)}" fill="none" stroke="#e8590c" stroke-width="1.5" `
      + `points="${points.join(' ')}"/>`);
  }

  const labels = [
    `<text x="8" y="${LANE.primary + 4}">primary</text>`,
    `<text x="8" y="${LANE.replica + 4}">replica</text>`,
    `<text x="8" y="${LANE.failed + 4}">failed</text>`,
    `<text x="8" y="${LAG_TOP + 12}">replica lag</text>`,
    `<text x="8" y="${LAG_TOP + 26}">max ${(maxLag / 1000).toFixed(1)} s</text>`,
    `<text x="8" y="${LAG_TOP + 40}">(scenario time)</text>`,
    `<text x="8" y="${HEIGHT - 27}">routing</text>`,
  ];
  const ticks = 8;
  for (let i = 0; i <= ticks; i++) {
    const at = (end * i) / ticks;
    labels.push(`<line x1="${x(at).toFixed(1)}" x2="${x(at).toFixed(1)}" y1="${HEIGHT - 24}" y2="${HEIGHT - 20}" `
      + 'stroke="#868e96"/>');
    labels.push(`<text x="${x(at).toFixed(1)}" y="${HEIGHT - 8}" text-anchor="middle">${(at / 1000).toFixed(1)} s</text>`);
  }
  const legend = Object.entries(COLOURS)
    .map(([reason, colour]) => `<span><i style="background:${colour}"></i>${reason}</span>`).join(' ');
  const rows = Object.entries(summary)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`)
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chaos lab: ${escapeHtml(summary.scenario)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#212529}
svg{border:1px solid #dee2e6;background:#fff}
text{font-size:12px;fill:#495057}
.legend span{margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
table{border-collapse:collapse;margin-top:16px}
th,td{border:1px solid #dee2e6;padding:4px 8px;text-align:left;font-size:13px}
</style></head><body>
<h1>Chaos lab: ${escapeHtml(summary.scenario)}</h1>
<p>Time scale ${summary.timeScale} (every duration divided by it). The axis is real time since the load started;
the replica lag is in scenario time (real time multiplied by ${summary.timeScale}). Shaded red: the fault window;
red bars at the top: alarms in ALARM; band at the bottom: effective routing.</p>
<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">
${labels.join('\n')}
${parts.join('\n')}
</svg>
<p class="legend">${legend} <span><i style="background:#e03131"></i>invocation failed</span></p>
<table id="summary">${rows}</table>
</body></html>
`;
}
