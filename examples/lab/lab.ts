/**
 * The local chaos lab: the whole system running on 127.0.0.1 with no AWS account. It boots DynamoDB Local (one
 * database per region) behind a fault proxy per region, the parameter store, a replicator with a normal lag, the
 * heartbeat, reader containers and the rerouter (the bundled handlers that deploy, each container a worker thread
 * with its own module state), and local alarms whose settings come from the synthesized templates. Then it runs one
 * scenario, injects its fault, and measures what callers saw.
 *
 * Run: `npx projen lab --scenario pause` (see examples/lab/cli.ts for every option).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { InvocationFault, LambdaContainer } from './container';
import { AlarmEvaluator, alarmFromTemplate } from './local-aws/alarm-evaluator';
import { startLocalAws, LocalAws } from './local-aws/index';
import { LocalInvoker } from './local-aws/invoker';
import { MetricStore } from './local-aws/metric-store';
import { Replicator } from './local-aws/replicator';
import { LocalTopic } from './local-aws/sns';
import { renderReport } from './report';
import { Scenario, SCENARIOS } from './scenarios';
import { LAB_ACCOUNT, LabSystem, synthesizeLabSystem } from './system';
import { LabSummary, summarize, Timeline } from './timeline';
import { effectiveModeOf } from '../../lambda-src/shared/routing-state';
import { StalenessMode } from '../../src/staleness-aware-reader';

/** Where the bundled handlers are (built by `npx projen bundle`). */
export const ASSETS_DIR = path.join(__dirname, '..', '..', 'assets');

const PRIMARY = 'us-east-1';
const REPLICA = 'eu-central-1';
const TABLE = 'orders';

/** Scenario seconds between two reads of one reader container. */
const READ_INTERVAL_S = 1;
/** Scenario seconds between two writes of the writer. */
const WRITE_INTERVAL_S = 2;
/** The replicator's normal lag, in scenario seconds. */
const REPLICATION_LAG_S = 1;
/** The reader's start-up delay injected by the delay scenario, in scenario seconds (the experiment's default). */
const DELAY_S = 12;
/** Reader environment variables that are durations and shrink with the time scale. */
const SCALED_READER_VARIABLES = [
  'MAX_STALENESS_MS', 'ROUTING_MAX_AGE_MS', 'BREAKER_LEASE_MS', 'WATERMARK_MAX_AGE_MS', 'HEARTBEAT_INTERVAL_MS',
];

export interface LabOptions {
  readonly scenario: string;
  /** Every duration is divided by this. @default 20 */
  readonly timeScale?: number;
  /** The reader's staleness evidence mode. @default evidence */
  readonly stalenessMode?: 'evidence' | 'item-age' | 'none';
  /** Reader containers. @default 3 */
  readonly readers?: number;
  /** Let the replication lag alarm drive routing too (false: only the readers' detections do). @default true */
  readonly lagAlarm?: boolean;
  /** Print a line every scenario second (otherwise every 5). @default false */
  readonly watch?: boolean;
  /** Where human-readable lines go. @default console.log */
  readonly print?: (line: string) => void;
  /** Write the HTML report here. */
  readonly reportFile?: string;
  /** Stops the run early (Ctrl-C): every server and process it started is stopped, then runLab rejects. */
  readonly signal?: AbortSignal;
}

export interface LabResult {
  readonly summary: LabSummary;
  readonly timeline: Timeline;
  readonly system: LabSystem;
  /** Real milliseconds per scenario second. */
  readonly msPerSecond: number;
}

/** A duration variable of a function's environment, in milliseconds, shrunk by the time scale (at least 1 ms). */
function scaledMs(value: string, timeScale: number): string {
  return String(Math.max(1, Math.round(Number(value) / timeScale)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Scales the duration fields (unit Milliseconds) of an EMF line back to scenario time, for the alarms. */
export function emfInScenarioTime(line: string, timeScale: number): string | undefined {
  if (!line.includes('"_aws"')) {
    return undefined;
  }
  try {
    const doc = JSON.parse(line) as Record<string, any>;
    for (const directive of doc._aws?.CloudWatchMetrics ?? []) {
      for (const metric of directive.Metrics ?? []) {
        if (metric.Unit === 'Milliseconds' && doc[metric.Name] !== undefined) {
          const value = doc[metric.Name];
          doc[metric.Name] = Array.isArray(value) ? value.map((v: number) => v * timeScale) : value * timeScale;
        }
      }
    }

    return JSON.stringify(doc);
  } catch {
    return undefined;
  }
}

/** Runs one scenario end to end and returns its summary. Everything it started is stopped, also on failure. */
export async function runLab(options: LabOptions): Promise<LabResult> {
  const scenario: Scenario | undefined = SCENARIOS[options.scenario];
  if (!scenario) {
    throw new Error(`scenario: received ${JSON.stringify(options.scenario)}; allowed: ${Object.keys(SCENARIOS).join(', ')}`);
  }
  const timeScale = options.timeScale ?? 20;
  if (!(timeScale >= 1 && timeScale <= 100)) {
    throw new Error(`timeScale: received ${timeScale}; allowed: a number from 1 to 100`);
  }
  const stalenessMode = options.stalenessMode ?? 'evidence';
  const readers = options.readers ?? 3;
  const print = options.print ?? ((line: string) => console.log(line));
  const msPerSecond = 1000 / timeScale;
  const s = (seconds: number) => seconds * msPerSecond;
  const wait = async (ms: number) => {
    await sleep(ms);
    if (options.signal?.aborted) {
      throw new Error('lab: interrupted');
    }
  };

  for (const handler of ['reader', 'rerouter', 'heartbeat']) {
    if (!fs.existsSync(path.join(ASSETS_DIR, handler, 'index.js'))) {
      throw new Error(`the ${handler} bundle is missing from ${ASSETS_DIR}: run \`npx projen bundle\` first`);
    }
  }

  print(`lab: ${scenario.name}: ${scenario.description}`);
  print(`lab: time scale ${timeScale}: t= is scenario time; one scenario second takes ${msPerSecond.toFixed(0)} ms `
    + `(staleness mode ${stalenessMode}, ${readers} reader containers)`);
  const system = synthesizeLabSystem({
    tableName: TABLE,
    primaryRegion: PRIMARY,
    replicaRegion: REPLICA,
    stalenessMode: stalenessMode as StalenessMode,
    withLagAlarm: options.lagAlarm ?? true,
  });
  const timeline = new Timeline();
  const stops: Array<() => Promise<void> | void> = [];
  let running = true;
  const stopAll = async () => {
    // The loops end first (they check `running`), then everything else in the reverse order of its start.
    running = false;
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch {
        // keep stopping the rest
      }
    }
  };

  try {
    const local: LocalAws = await startLocalAws({ regions: [PRIMARY, REPLICA] });
    stops.push(() => local.stop());
    await local.createTable({
      tableName: TABLE,
      regions: [PRIMARY, REPLICA],
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      stream: true,
    } as Parameters<LocalAws['createTable']>[0]);

    const replicator = new Replicator({
      local,
      tableName: TABLE,
      primaryRegion: PRIMARY,
      replicaRegions: [REPLICA],
      lagMs: s(REPLICATION_LAG_S),
      partitionKey: 'pk',
      sortKey: 'sk',
    });
    const store = new MetricStore();
    replicator.onReplicated((event) => {
      store.put('AWS/DynamoDB', 'ReplicationLatency', { TableName: TABLE, ReceivingRegion: event.receivingRegion },
        event.latencyMs * timeScale, event.at);
    });
    await replicator.start();
    stops.push(() => replicator.stop());

    const localEnv = local.env;
    const onLine = (line: string) => {
      const emf = emfInScenarioTime(line, timeScale);
      if (emf !== undefined) {
        store.ingestEmf(emf);
      }
    };

    // The rerouter: one container behind an invoker that honours its reserved concurrency of 1.
    const rerouterContainer = new LambdaContainer({
      handlerFile: path.join(ASSETS_DIR, 'rerouter', 'index.js'),
      functionName: 'rerouter',
      env: {
        ...system.rerouterEnv,
        ...localEnv,
        AWS_REGION: REPLICA,
        ROUTING_ALARM_ARNS: JSON.stringify(
          (options.lagAlarm ?? true) ? [system.lagAlarmArn, system.detectionAlarmArn] : [system.detectionAlarmArn]),
      },
      onLine,
    });
    stops.push(() => rerouterContainer.stop());
    const rerouter = new LocalInvoker(async (event) => {
      const outcome = await rerouterContainer.invoke(event);
      if (!outcome.ok) {
        const message = `rerouter: ${outcome.error.name}: ${outcome.error.message}`;
        timeline.unhandledErrors.push({ at: timeline.now(), message });
        throw new Error(outcome.error.message);
      }

      return outcome.result;
    }, { functionName: 'rerouter', reservedConcurrency: 1, retryDelaysMs: [s(5), s(10)], throttleRetryDelayMs: s(1) });
    stops.push(() => rerouter.stop());

    // The alarms, from the synthesized templates, each notifying the rerouter through its topic.
    const alarms: AlarmEvaluator[] = [];
    const alarmSources = [{ template: system.replicaTemplate, name: system.detectionAlarmName, region: REPLICA }];
    if (options.lagAlarm ?? true) {
      alarmSources.push({ template: system.primaryTemplate, name: system.lagAlarmName, region: PRIMARY });
    }
    for (const source of alarmSources) {
      // Alarms the lab does not run (dead-letter queues) name their queues by intrinsic: any string will do.
      const definition = alarmFromTemplate(source.template, source.name, { resolve: (value) => JSON.stringify(value) });
      const evaluator = new AlarmEvaluator(definition, {
        store,
        timeScale,
        region: source.region,
        accountId: LAB_ACCOUNT,
      });
      const topic = new LocalTopic({ arn: `arn:aws:sns:${source.region}:${LAB_ACCOUNT}:${source.name}` });
      topic.subscribe((event) => {
        rerouter.invokeAsync(event);
      });
      evaluator.onStateChange((message, actions) => {
        timeline.alarms.push({
          at: timeline.now(),
          alarm: source.name,
          from: message.OldStateValue,
          to: message.NewStateValue,
        });
        if (actions.length > 0) {
          void topic.publish(message);
        }
      });
      evaluator.start();
      stops.push(() => evaluator.stop());
      alarms.push(evaluator);
    }

    // Routing as the readers would see it: the parameter's effective mode, watched every few milliseconds.
    let lastMode: 'replica' | 'primary' = 'replica';
    const watchRouting = setInterval(() => {
      const mode = effectiveModeOf(local.parameters.get(system.parameterName)?.value).mode;
      if (mode !== lastMode) {
        lastMode = mode;
        timeline.routing.push({ at: timeline.now(), mode });
      }
    }, 5);
    stops.push(() => clearInterval(watchRouting));

    // The heartbeat: one container in the primary region, invoked again whenever a run ends.
    const heartbeat = new LambdaContainer({
      handlerFile: path.join(ASSETS_DIR, 'heartbeat', 'index.js'),
      functionName: 'heartbeat',
      env: {
        ...system.heartbeatEnv,
        ...localEnv,
        AWS_REGION: PRIMARY,
        HEARTBEAT_INTERVAL_MS: scaledMs(system.heartbeatEnv.HEARTBEAT_INTERVAL_MS, timeScale),
        HEARTBEAT_RUN_MS: String(Math.round(s(60))),
      },
      timeoutMs: s(90),
      onLine,
    });
    stops.push(() => heartbeat.stop());
    const heartbeatLoop = (async () => {
      while (running) {
        const outcome = await heartbeat.invoke({ 'source': 'aws.events', 'detail-type': 'Scheduled Event' });
        if (!outcome.ok && running) {
          await sleep(s(1));
        }
      }
    })();
    stops.push(() => heartbeatLoop);

    // The callers' data.
    const primaryClient = local.direct(PRIMARY);
    const versions = new Map<string, number>();
    /** The latest version written per key, for the live timeline (staleness is judged from the replicator's log). */
    const lastWritten = new Map<string, number>();
    const write = async (key: string): Promise<{ version: number; writtenAt: number }> => {
      const version = (versions.get(key) ?? 0) + 1;
      versions.set(key, version);
      const writtenAt = Date.now();
      await primaryClient.send(new PutItemCommand({
        TableName: TABLE,
        Item: marshall({ pk: key, sk: 'v0', version, written_at: writtenAt, payload: `${key} version ${version}` }),
      }));
      lastWritten.set(key, version);

      return { version, writtenAt };
    };
    const hotKeys = ['order#1', 'order#2', 'order#3', 'order#4'];
    const quietKeys = ['catalog#1', 'catalog#2', 'catalog#3', 'catalog#4'];
    for (const key of scenario.workload === 'hot' ? hotKeys : quietKeys) {
      await write(key);
    }
    await replicator.whenDrained();

    // The readers.
    const containers: LambdaContainer[] = [];
    for (let i = 0; i < readers; i++) {
      const env: Record<string, string> = {
        ...system.readerEnv,
        ...localEnv,
        AWS_REGION: REPLICA,
        STALENESS_MODE: stalenessMode,
      };
      for (const name of SCALED_READER_VARIABLES) {
        if (env[name] !== undefined) {
          env[name] = scaledMs(env[name], timeScale);
        }
      }
      const container = new LambdaContainer({
        handlerFile: path.join(ASSETS_DIR, 'reader', 'index.js'),
        functionName: `reader-${i + 1}`,
        env,
        onLine,
        timeoutMs: s(30),
      });
      containers.push(container);
      stops.push(() => container.stop());
    }
    const setReaderFault = (fault: InvocationFault | undefined) => containers.forEach((c) => c.setFault(fault));

    let faultActive = false;
    let driftWritten = false;
    let sequence = 0;
    const nextRequest = async (container: number): Promise<{ key: string; minWrittenAt?: number }> => {
      switch (scenario.workload) {
        case 'hot':
          return { key: hotKeys[(sequence++ + container) % hotKeys.length] };
        case 'quiet':
          return { key: quietKeys[(sequence++ + container) % quietKeys.length] };
        case 'drift':
          if (faultActive && !driftWritten && timeline.now() - (timeline.faults[0]?.start ?? 0) > s(20)) {
            driftWritten = true;
            await write(quietKeys[0]);
          }
          return { key: quietKeys[(sequence++ + container) % 2] };
        case 'write-then-read': {
          const key = `cart#${container + 1}`;
          await write(key);
          return { key };
        }
        case 'read-after-write': {
          if (sequence++ % 2 === 0) {
            const key = `order#new-${container + 1}-${sequence}`;
            await write(key);
            return { key };
          }
          const key = `profile#${container + 1}`;
          const { writtenAt } = await write(key);
          return { key, minWrittenAt: writtenAt };
        }
      }
    };
    const readLoop = async (index: number) => {
      const container = containers[index];
      await sleep((s(READ_INTERVAL_S) * index) / readers);
      while (running) {
        const started = Date.now();
        const request = await nextRequest(index);
        const token = request.minWrittenAt ? { minWrittenAt: request.minWrittenAt } : {};
        const event = { key: { pk: request.key, sk: 'v0' }, ...token };
        const outcome = await container.invoke(event);
        const at = timeline.now();
        if (outcome.ok) {
          const result = (outcome.result ?? {}) as Record<string, any>;
          if (result.error) {
            timeline.reads.push({
              at,
              container: index,
              key: request.key,
              latencyMs: outcome.durationMs,
              error: `${result.error.type ?? 'Error'}: ${result.error.message ?? ''}`,
              injected: false,
            });
          } else {
            timeline.reads.push({
              at,
              container: index,
              key: request.key,
              latencyMs: outcome.durationMs,
              minWrittenAt: request.minWrittenAt,
              servedVersion: result.item ? Number(result.item.version) : null,
              servedWrittenAt: result.item ? Number(result.item.written_at) : null,
              readFrom: result.readFrom,
              routingReason: result.routingReason,
              staleDetected: result.staleDetected === true,
              possiblyStale: result.possiblyStale === true,
              replicaLagMs: typeof result.replicaLagMs === 'number' ? result.replicaLagMs : undefined,
            });
          }
        } else {
          if (!outcome.injected && running) {
            timeline.unhandledErrors.push({ at, message: `reader-${index + 1}: ${outcome.error.name}: ${outcome.error.message}` });
          }
          timeline.reads.push({
            at,
            container: index,
            key: request.key,
            latencyMs: outcome.durationMs,
            error: `${outcome.error.name}: ${outcome.error.message}`,
            injected: outcome.injected,
          });
        }
        await sleep(s(READ_INTERVAL_S) - (Date.now() - started));
      }
    };
    timeline.restart();
    const readLoops = containers.map((_, i) => readLoop(i));
    stops.push(() => Promise.all(readLoops).then(() => undefined));

    // The hot keys keep changing.
    const writeLoop = (async () => {
      let i = 0;
      while (running) {
        if (scenario.workload === 'hot') {
          try {
            await write(hotKeys[i++ % hotKeys.length]);
          } catch {
            // the primary may be failing in this scenario; the writer tries again next interval
          }
        }
        await sleep(s(WRITE_INTERVAL_S));
      }
    })();
    stops.push(() => writeLoop);

    // Lag as the lab sees it: the age of the oldest write the replica has not applied.
    const lagSampler = setInterval(() => {
      const pending = replicator.log.find((w) => w.appliedAt[REPLICA] === undefined);
      const lagMs = pending ? (Date.now() - pending.seenAt) * timeScale : 0;
      timeline.lag.push({ at: timeline.now(), region: REPLICA, lagMs });
    }, s(1));
    stops.push(() => clearInterval(lagSampler));

    const ticker = startTicker({ timeline, alarms, print, watch: options.watch ?? false, s, scenario, lastWritten });
    stops.push(() => ticker.stop());

    // Settle: every alarm has left INSUFFICIENT_DATA.
    const phase = (name: string) => {
      timeline.phases.push({ at: timeline.now(), name });
      ticker.phase(name);
    };
    phase('settle');
    const settleLimit = Date.now() + Math.max(...alarms.map((a) => a.periodMs)) * 6 + s(30);
    while (alarms.some((a) => a.state === 'INSUFFICIENT_DATA') && Date.now() < settleLimit) {
      await wait(20);
    }
    const unsettled = alarms.filter((a) => a.state === 'INSUFFICIENT_DATA').map((a) => a.definition.alarmName);
    if (unsettled.length > 0) {
      throw new Error(`lab: alarms still in INSUFFICIENT_DATA after the settle phase: ${unsettled.join(', ')}`);
    }
    // The notifications of the settling transitions are still on their way to the rerouter: let them land first.
    await wait(s(2));
    await rerouter.whenIdle();
    const countFrom = timeline.now();
    const baseCounts = { ...local.parameters.calls };

    phase('baseline');
    await wait(s(scenario.baselineS));

    if (scenario.fault) {
      const fault = scenario.fault;
      phase(`fault: ${fault.kind}`);
      timeline.faults.push({ kind: fault.kind, start: timeline.now() });
      faultActive = true;
      applyFault(fault.kind, true, { replicator, local, setReaderFault, s });
      await wait(s(fault.durationS));
      applyFault(fault.kind, false, { replicator, local, setReaderFault, s });
      faultActive = false;
      timeline.faults[0].end = timeline.now();

      phase('recovery');
      const end = timeline.faults[0].end;
      const recoveryLimit = Date.now() + s(scenario.recoveryS);
      while (Date.now() < recoveryLimit) {
        const back = lastMode === 'replica'
          && timeline.reads.some((r) => r.at > end && r.readFrom === 'replica'
            && r.at > (timeline.routing.at(-1)?.at ?? 0));
        if (back) {
          break;
        }
        await wait(20);
      }
      phase('tail');
      await wait(s(scenario.tailS));
    }

    phase('done');
    running = false;
    await Promise.all(readLoops);
    for (const entry of replicator.log) {
      const image = entry.image;
      if (image && typeof image.version === 'number' && typeof image.written_at === 'number') {
        timeline.writes.push({
          at: image.written_at - timeline.startedAt,
          key: String(image.pk),
          version: image.version,
          writtenAt: image.written_at,
        });
      }
    }
    const counts = {
      routingWrites: (local.parameters.calls.PutParameter ?? 0) - (baseCounts.PutParameter ?? 0),
      parameterReads: (local.parameters.calls.GetParameter ?? 0) - (baseCounts.GetParameter ?? 0),
    };
    const summary = summarize({
      timeline,
      scenario: scenario.name,
      timeScale,
      stalenessMode,
      maxStalenessMs: system.settings.maxStalenessMs / timeScale,
      countFrom,
      counts,
    });
    if (options.reportFile) {
      fs.mkdirSync(path.dirname(path.resolve(options.reportFile)), { recursive: true });
      fs.writeFileSync(options.reportFile, renderReport(timeline, summary));
    }

    return { summary, timeline, system, msPerSecond };
  } finally {
    await stopAll();
  }
}

function applyFault(kind: string, on: boolean, parts: {
  replicator: Replicator;
  local: LocalAws;
  setReaderFault: (fault: InvocationFault | undefined) => void;
  s: (seconds: number) => number;
}): void {
  switch (kind) {
    case 'pause':
      if (on) {
        parts.replicator.pause(REPLICA);
      } else {
        parts.replicator.resume(REPLICA);
      }
      break;
    case 'delay':
      parts.setReaderFault(on ? { startupDelayMs: parts.s(DELAY_S), invocationPercentage: 100 } : undefined);
      break;
    case 'error':
      parts.setReaderFault(on ? { preventExecution: true, invocationPercentage: 100 } : undefined);
      break;
    case 'replica-outage':
      if (on) {
        parts.local.proxy(REPLICA).fail('http500');
      } else {
        parts.local.proxy(REPLICA).pass();
      }
      break;
    case 'primary-outage':
      if (on) {
        parts.local.proxy(PRIMARY).fail('http500');
      } else {
        parts.local.proxy(PRIMARY).pass();
      }
      break;
    default:
      throw new Error(`fault: unknown kind ${kind}`);
  }
}

/** The live timeline: one line per scenario second with --watch, every five otherwise. */
function startTicker(input: {
  timeline: Timeline;
  alarms: AlarmEvaluator[];
  lastWritten: ReadonlyMap<string, number>;
  print: (line: string) => void;
  watch: boolean;
  s: (seconds: number) => number;
  scenario: Scenario;
}): { phase(name: string): void; stop(): void } {
  const { timeline, alarms, print, s, scenario } = input;
  let current = 'start';
  let phaseStarted = 0;
  let lastRead = 0;
  const phaseLength = (name: string): number | undefined => {
    if (name === 'baseline') {
      return s(scenario.baselineS);
    }
    if (name.startsWith('fault') && scenario.fault) {
      return s(scenario.fault.durationS);
    }
    if (name === 'tail') {
      return s(scenario.tailS);
    }

    return undefined;
  };
  const tick = () => {
    const now = timeline.now();
    const reads = timeline.reads.slice(lastRead);
    lastRead = timeline.reads.length;
    const last = [...reads].reverse().find((r) => r.error === undefined);
    const errors = reads.filter((r) => r.error !== undefined).length;
    const routing = timeline.routing.at(-1)?.mode ?? 'replica';
    const lag = timeline.lag.at(-1)?.lagMs ?? 0;
    const length = phaseLength(current);
    const progress = length ? progressBar((now - phaseStarted) / length) : '';
    const alarmStates = alarms.map((a) => `${shortName(a.definition.alarmName)}=${a.state}`).join(' ');
    const reason = last ? `${last.readFrom}/${last.routingReason}${last.staleDetected ? ' DETECTED' : ''}` : 'no answer';
    const read = last ? `${last.key} v${last.servedVersion ?? '-'}` : '-';
    const written = last ? `v${input.lastWritten.get(last.key) ?? '-'}` : '-';
    print(`t=${(now / s(1)).toFixed(0).padStart(4)}s ${current.padEnd(15)} ${progress.padEnd(12)}`
      + ` reads ${String(reads.length).padStart(3)} (${errors} failed) read ${read} written ${written}`
      + ` ${reason.padEnd(34)} lag ${(lag / 1000).toFixed(1)}s routing ${routing.padEnd(7)} ${alarmStates}`);
  };
  const timer = setInterval(tick, s(input.watch ? 1 : 5));

  return {
    phase(name: string) {
      current = name;
      phaseStarted = timeline.now();
      print(`--- ${name} ---`);
    },
    stop() {
      clearInterval(timer);
      tick();
    },
  };
}

function shortName(alarmName: string): string {
  if (alarmName.includes('stale-detections')) {
    return 'detections';
  }
  if (alarmName.includes('replication-lag')) {
    return 'lag';
  }

  return alarmName;
}

function progressBar(fraction: number): string {
  const filled = Math.max(0, Math.min(10, Math.round(fraction * 10)));

  return `[${'#'.repeat(filled)}${'.'.repeat(10 - filled)}]`;
}
