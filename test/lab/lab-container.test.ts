import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LambdaContainer } from '../../examples/lab/container';

/** A handler that counts its invocations in module state and can sleep, fail or dial a host on request. */
const HANDLER = `
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event.fail) throw new Error('handler failed');
  if (event.dial) {
    try { require('node:net').connect(80, event.dial); return 'dialled'; } catch (error) { return error.message; }
  }
  console.log(JSON.stringify({ count, region: process.env.AWS_REGION }));
  return { count, region: process.env.AWS_REGION, requestId: context.awsRequestId };
};
`;

describe('LambdaContainer', () => {
  let dir: string;
  let handlerFile: string;
  const containers: LambdaContainer[] = [];
  const start = (env: Record<string, string>, timeoutMs?: number, onLine?: (line: string) => void) => {
    const container = new LambdaContainer({ handlerFile, env, functionName: 'probe', timeoutMs, onLine });
    containers.push(container);

    return container;
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'container-'));
    handlerFile = path.join(dir, 'index.js');
    fs.writeFileSync(handlerFile, HANDLER);
  });

  afterAll(async () => {
    await Promise.all(containers.map((c) => c.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('keeps module state per container and gives each its own environment', async () => {
    // GIVEN two containers of one handler in two regions
    const lines: string[] = [];
    const a = start({ AWS_REGION: 'eu-central-1' }, undefined, (line) => lines.push(line));
    const b = start({ AWS_REGION: 'us-east-1' });

    // WHEN
    const first = await a.invoke({});
    const second = await a.invoke({});
    const other = await b.invoke({});

    // THEN
    expect(first).toMatchObject({ ok: true, result: { count: 1, region: 'eu-central-1' } });
    expect(second).toMatchObject({ ok: true, result: { count: 2, region: 'eu-central-1' } });
    expect(other).toMatchObject({ ok: true, result: { count: 1, region: 'us-east-1' } });
    expect(lines).toEqual(['{"count":1,"region":"eu-central-1"}', '{"count":2,"region":"eu-central-1"}']);
  });

  test('applies faults the way the FIS extension does: a delay before the handler, or no handler at all', async () => {
    // GIVEN
    const container = start({ AWS_REGION: 'eu-central-1' });

    // WHEN a start-up delay is set
    container.setFault({ startupDelayMs: 150 });
    const delayed = await container.invoke({});
    // AND then execution is prevented
    container.setFault({ preventExecution: true });
    const prevented = await container.invoke({});
    container.setFault(undefined);
    const after = await container.invoke({});

    // THEN the delayed call ran the handler late; the prevented one never ran it
    expect(delayed.ok).toBe(true);
    expect(delayed.durationMs).toBeGreaterThanOrEqual(140);
    expect(prevented).toMatchObject({ ok: false, injected: true });
    expect(after).toMatchObject({ ok: true, result: { count: 2 } });
  });

  test('reports a handler error as not injected', async () => {
    const outcome = await start({}).invoke({ fail: true });

    expect(outcome).toMatchObject({ ok: false, injected: false, error: { message: 'handler failed' } });
  });

  test('replaces the sandbox after a timeout, so the next invocation starts with fresh module state', async () => {
    // GIVEN a container with a 200 ms timeout that has served one call
    const container = start({}, 200);
    await container.invoke({});

    // WHEN a call outlives the timeout
    const timedOut = await container.invoke({ sleepMs: 1000 });
    const next = await container.invoke({});

    // THEN
    expect(timedOut).toMatchObject({ ok: false, error: { name: 'TimeoutError' } });
    expect(container.restarts).toBe(1);
    expect(next).toMatchObject({ ok: true, result: { count: 1 } });
  });

  test('lets a handler reach loopback only', async () => {
    const container = start({});

    const outside = await container.invoke({ dial: '192.0.2.1' });
    const loopback = await container.invoke({ dial: '127.0.0.1' });

    expect(outside).toMatchObject({ ok: true, result: expect.stringContaining('loopback only') });
    expect(loopback).toMatchObject({ ok: true, result: 'dialled' });
  });
});
