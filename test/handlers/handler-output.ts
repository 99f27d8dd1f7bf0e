/**
 * Test support for the handler suites: captures what a handler writes to stdout and stderr (Powertools log lines
 * and EMF metric lines, one JSON object per line) and builds SNS alarm events.
 */

/** One captured JSON line. */
export type OutputLine = Record<string, unknown>;

/** Lines captured since `captureOutput()` began; `restore()` stops capturing. */
export interface CapturedOutput {
  readonly lines: OutputLine[];
  /** Log lines at `level` (ERROR, WARN, INFO, DEBUG). */
  atLevel(level: string): OutputLine[];
  /** EMF lines that carry `metricName`. */
  metrics(metricName: string): OutputLine[];
  restore(): void;
}

/** Starts capturing stdout and stderr (nothing reaches the terminal while capturing). */
export function captureOutput(): CapturedOutput {
  const lines: OutputLine[] = [];
  const collect = (chunk: unknown): boolean => {
    for (const text of String(chunk).split('\n')) {
      if (text.trim().startsWith('{')) {
        try {
          lines.push(JSON.parse(text) as OutputLine);
        } catch {
          // not one of the handler's JSON lines
        }
      }
    }

    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(collect as never);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(collect as never);

  return {
    lines,
    atLevel: (level) => lines.filter((line) => line.level === level),
    metrics: (metricName) => lines.filter((line) => {
      const aws = line._aws as { CloudWatchMetrics?: Array<{ Metrics: Array<{ Name: string }> }> } | undefined;

      return aws?.CloudWatchMetrics?.some((set) => set.Metrics.some((metric) => metric.Name === metricName)) ?? false;
    }),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

/** The SNS message CloudWatch publishes for an alarm state change. */
export function alarmMessage(alarmArn: string, state: string, at: number): string {
  return JSON.stringify({
    AlarmName: alarmArn.slice(alarmArn.indexOf(':alarm:') + ':alarm:'.length),
    AlarmArn: alarmArn,
    NewStateValue: state,
    StateChangeTime: new Date(at).toISOString().replace('Z', '+0000'),
  });
}

/** A Lambda SNS event with one record per message. */
export function snsEvent(...messages: string[]): { Records: Array<Record<string, unknown>> } {
  return {
    Records: messages.map((Message, index) => ({ EventSource: 'aws:sns', Sns: { MessageId: `m-${index}`, Message } })),
  };
}
