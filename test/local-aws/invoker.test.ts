import type { Context } from 'aws-lambda';
import { LocalInvoker, TooManyRequestsError } from '../../examples/lab/local-aws/invoker';
import { LocalTopic } from '../../examples/lab/local-aws/sns';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('LocalInvoker', () => {
  test('reserved concurrency 1: two concurrent events never overlap, both run, throttles are counted', async () => {
    // GIVEN a slow handler behind reserved concurrency 1
    let running = 0;
    let overlapped = false;
    const seen: string[] = [];
    const invoker = new LocalInvoker<{ id: string }>(async (event) => {
      running += 1;
      overlapped = overlapped || running > 1;
      await sleep(30);
      seen.push(event.id);
      running -= 1;
    }, { reservedConcurrency: 1, throttleRetryDelayMs: 10 });

    // WHEN two events arrive at once
    invoker.invokeAsync({ id: 'a' });
    invoker.invokeAsync({ id: 'b' });
    await invoker.whenIdle();

    // THEN they ran one at a time, both completed, and the second was throttled at least once
    expect(overlapped).toBe(false);
    expect(invoker.maxInFlight).toBe(1);
    expect(seen.sort()).toEqual(['a', 'b']);
    expect(invoker.invocations).toBe(2);
    expect(invoker.throttles).toBeGreaterThanOrEqual(1);
    expect(invoker.deadLetters).toEqual([]);
  });

  test('without reserved concurrency, events run concurrently', async () => {
    // GIVEN an unreserved function
    const invoker = new LocalInvoker(async () => sleep(20));

    // WHEN three events arrive at once
    invoker.invokeAsync(1);
    invoker.invokeAsync(2);
    invoker.invokeAsync(3);
    await invoker.whenIdle();

    // THEN they overlapped and nothing was throttled
    expect(invoker.maxInFlight).toBe(3);
    expect(invoker.throttles).toBe(0);
  });

  test('a failing event is retried maxRetries times with the same request id, then dead-lettered', async () => {
    // GIVEN a handler that always fails
    const requestIds: string[] = [];
    const invoker = new LocalInvoker(async (_event, context: Context) => {
      requestIds.push(context.awsRequestId);
      throw new Error('PutParameter failed');
    }, { retryDelaysMs: [5, 10] });

    // WHEN one event is sent
    const requestId = invoker.invokeAsync({ Records: [] });
    await invoker.whenIdle();

    // THEN it ran 1 + 2 times and landed in the dead letters with its error
    expect(invoker.invocations).toBe(3);
    expect(invoker.errors).toBe(3);
    expect(requestIds).toEqual([requestId, requestId, requestId]);
    expect(invoker.deadLetters).toHaveLength(1);
    expect(invoker.deadLetters[0]).toMatchObject({
      requestId,
      attempts: 3,
      reason: 'RetriesExhausted',
      event: { Records: [] },
    });
    expect((invoker.deadLetters[0].error as Error).message).toBe('PutParameter failed');
  });

  test('an event that succeeds on a retry is not dead-lettered', async () => {
    // GIVEN a handler that fails once
    let calls = 0;
    const invoker = new LocalInvoker(async () => {
      calls += 1;
      if (calls === 1) {
        throw new Error('transient');
      }
    }, { retryDelaysMs: [5] });

    // WHEN an event is sent / THEN two runs, one error, no dead letter
    invoker.invokeAsync({});
    await invoker.whenIdle();
    expect(invoker.invocations).toBe(2);
    expect(invoker.errors).toBe(1);
    expect(invoker.deadLetters).toEqual([]);
  });

  test('maxRetries 0 dead-letters on the first failure', async () => {
    // GIVEN no retries
    const invoker = new LocalInvoker(async () => {
      throw new Error('no');
    }, { maxRetries: 0 });

    // WHEN an event fails / THEN one run and a dead letter
    invoker.invokeAsync({});
    await invoker.whenIdle();
    expect(invoker.invocations).toBe(1);
    expect(invoker.deadLetters[0].attempts).toBe(1);
  });

  test('a throttled event past its maximum age is dead-lettered', async () => {
    // GIVEN a busy function with a short event age
    const invoker = new LocalInvoker(async () => sleep(60), {
      reservedConcurrency: 1, throttleRetryDelayMs: 10, maxEventAgeMs: 25,
    });

    // WHEN a second event waits behind the first
    invoker.invokeAsync('first');
    invoker.invokeAsync('second');
    await invoker.whenIdle();

    // THEN the second expired without running
    expect(invoker.invocations).toBe(1);
    expect(invoker.deadLetters).toHaveLength(1);
    expect(invoker.deadLetters[0]).toMatchObject({ event: 'second', attempts: 0, reason: 'EventAgeExceeded' });
  });

  test('invokeSync returns the result, and throws TooManyRequestsException when concurrency is used up', async () => {
    // GIVEN reserved concurrency 1 and a slow handler
    const invoker = new LocalInvoker(async (event: number, context: Context) => ({
      doubled: event * 2, remaining: context.getRemainingTimeInMillis(), name: context.functionName,
    }), { reservedConcurrency: 1, functionName: 'rerouter', timeoutMs: 5000 });
    const blocker = new LocalInvoker(async () => sleep(30), { reservedConcurrency: 1 });

    // WHEN called directly, and a second direct call meets a busy function
    const result = await invoker.invokeSync(21);
    const busy = blocker.invokeSync(undefined);
    const refused = blocker.invokeSync(undefined);

    // THEN the first answers with the context filled, the concurrent one is refused
    expect(result).toMatchObject({ doubled: 42, name: 'rerouter' });
    expect((result as { remaining: number }).remaining).toBeGreaterThan(4000);
    await expect(refused).rejects.toThrow(TooManyRequestsError);
    await busy;
    expect(blocker.throttles).toBe(1);
  });

  test('SNS duplicates through the invoker with reserved concurrency 1 run one at a time', async () => {
    // GIVEN a topic delivering duplicates concurrently into a reserved-concurrency-1 function
    const topic = new LocalTopic({ arn: 'arn:aws:sns:us-east-1:111111111111:orders-lag', duplicate: true });
    let running = 0;
    let maxRunning = 0;
    const invoker = new LocalInvoker(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await sleep(20);
      running -= 1;
    }, { reservedConcurrency: 1, throttleRetryDelayMs: 5 });
    topic.subscribe((event) => invoker.invokeAsync(event));

    // WHEN a message is published
    await topic.publish({ NewStateValue: 'ALARM' });
    await invoker.whenIdle();

    // THEN both copies ran, never together
    expect(invoker.invocations).toBe(2);
    expect(maxRunning).toBe(1);
    expect(invoker.throttles).toBeGreaterThanOrEqual(1);
  });

  test('throws when reserved concurrency is 0', () => {
    // GIVEN / WHEN reserved concurrency 0 / THEN it is refused with the allowed range
    expect(() => new LocalInvoker(async () => undefined, { reservedConcurrency: 0 }))
      .toThrow('LocalInvoker reservedConcurrency: got 0; allowed: a whole number from 1');
  });

  test('throws when maxRetries is above 2', () => {
    // GIVEN / WHEN 3 retries / THEN refused, as Lambda allows 0 to 2
    expect(() => new LocalInvoker(async () => undefined, { maxRetries: 3 }))
      .toThrow('LocalInvoker maxRetries: got 3; allowed: 0, 1 or 2');
  });
});
