import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import {
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { useLocalAws } from '../support/local-aws';

const local = useLocalAws();
const REGION = 'eu-central-1';

/** A client with the SDK's own retry defaults (3 attempts), configured only by region and the environment. */
let defaultClient: SSMClient;

beforeAll(() => {
  defaultClient = new SSMClient({ region: REGION });
});

afterAll(() => defaultClient.destroy());

beforeEach(() => {
  local().parameters.up();
  local().parameters.resetCounts();
});

describe('parameter server through @aws-sdk/client-ssm', () => {
  test('puts a new parameter and gets it back with its metadata', async () => {
    // GIVEN an empty name
    const ssm = local().ssm(REGION);

    // WHEN a parameter is put and read
    const put = await ssm.send(new PutParameterCommand({ Name: '/rgt/put-get', Value: 'replica', Type: 'String' }));
    const got = await ssm.send(new GetParameterCommand({ Name: '/rgt/put-get' }));

    // THEN it is version 1 with the fields the SDK parses
    expect(put).toMatchObject({ Version: 1, Tier: 'Standard' });
    expect(got.Parameter).toEqual({
      Name: '/rgt/put-get',
      Type: 'String',
      Value: 'replica',
      Version: 1,
      LastModifiedDate: expect.any(Date),
      ARN: 'arn:aws:ssm:eu-central-1:000000000000:parameter/rgt/put-get',
      DataType: 'text',
    });
    expect(Math.abs(got.Parameter!.LastModifiedDate!.getTime() - Date.now())).toBeLessThan(10_000);
    expect(local().parameters.calls).toEqual({ PutParameter: 1, GetParameter: 1 });
  });

  test('refuses to overwrite without Overwrite, and overwrites to version 2 with it', async () => {
    // GIVEN an existing parameter
    const ssm = local().ssm(REGION);
    await ssm.send(new PutParameterCommand({ Name: '/rgt/overwrite', Value: 'replica', Type: 'String' }));

    // WHEN it is put again without and then with Overwrite
    const refused = ssm.send(new PutParameterCommand({ Name: '/rgt/overwrite', Value: 'primary', Overwrite: false }));
    await expect(refused).rejects.toMatchObject({ name: 'ParameterAlreadyExists', $metadata: { httpStatusCode: 400 } });
    const put = await ssm.send(new PutParameterCommand({ Name: '/rgt/overwrite', Value: 'primary', Overwrite: true }));

    // THEN the second write is version 2 and the value changed
    expect(put.Version).toBe(2);
    const got = await ssm.send(new GetParameterCommand({ Name: '/rgt/overwrite' }));
    expect(got.Parameter).toMatchObject({ Value: 'primary', Version: 2, Type: 'String' });
    expect(local().parameters.get('/rgt/overwrite')).toEqual({ value: 'primary', version: 2 });
  });

  test('answers ParameterNotFound for a missing name', async () => {
    // GIVEN / WHEN a missing parameter is read
    const missing = local().ssm(REGION).send(new GetParameterCommand({ Name: '/rgt/absent' }));

    // THEN the SDK raises the modelled error
    await expect(missing).rejects.toMatchObject({
      name: 'ParameterNotFound',
      message: expect.stringContaining('/rgt/absent'),
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('a throttle longer than the SDK retries reaches the caller', async () => {
    // GIVEN a parameter and 5 throttled calls ahead (the SDK makes 3 attempts by default)
    local().parameters.set('/rgt/throttled', 'replica');
    local().parameters.throttleNext(5);

    // WHEN a client with the SDK defaults reads it
    const throttled = defaultClient.send(new GetParameterCommand({ Name: '/rgt/throttled' }));

    // THEN the ThrottlingException surfaces after 3 attempts, and the 2 throttles left apply to the next calls
    await expect(throttled).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { attempts: 3 } });
    expect(local().parameters.calls.GetParameter).toBe(3);
    const ssm = local().ssm(REGION);
    await expect(ssm.send(new GetParameterCommand({ Name: '/rgt/throttled' }))).rejects.toThrow('Rate exceeded');
    await expect(ssm.send(new GetParameterCommand({ Name: '/rgt/throttled' }))).rejects.toThrow('Rate exceeded');
    await expect(ssm.send(new GetParameterCommand({ Name: '/rgt/throttled' }))).resolves.toBeDefined();
  });

  test('a throttle shorter than the SDK retries is absorbed', async () => {
    // GIVEN 2 throttled calls ahead
    local().parameters.set('/rgt/absorbed', 'replica');
    local().parameters.throttleNext(2);

    // WHEN a client with the SDK defaults reads it
    const got = await defaultClient.send(new GetParameterCommand({ Name: '/rgt/absorbed' }));

    // THEN the third attempt answers
    expect(got.Parameter?.Value).toBe('replica');
    expect(got.$metadata.attempts).toBe(3);
    expect(local().parameters.calls.GetParameter).toBe(3);
  });

  test('throttles only the operation named', async () => {
    // GIVEN one throttled PutParameter ahead
    local().parameters.set('/rgt/by-operation', 'replica');
    local().parameters.throttleNext(1, 'PutParameter');
    const ssm = local().ssm(REGION);

    // WHEN a read and a write follow
    const read = await ssm.send(new GetParameterCommand({ Name: '/rgt/by-operation' }));
    const write = ssm.send(new PutParameterCommand({ Name: '/rgt/by-operation', Value: 'primary', Overwrite: true }));

    // THEN the read passes and the write is throttled
    expect(read.Parameter?.Value).toBe('replica');
    await expect(write).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(local().parameters.get('/rgt/by-operation')).toEqual({ value: 'replica', version: 1 });
  });

  test('goes down with HTTP 500 or dropped connections, and comes back up', async () => {
    // GIVEN a parameter
    local().parameters.set('/rgt/outage', 'replica');
    const ssm = local().ssm(REGION);
    const read = () => ssm.send(new GetParameterCommand({ Name: '/rgt/outage' }));

    // WHEN / THEN it fails while down, in either mode
    local().parameters.down();
    await expect(read()).rejects.toMatchObject({ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
    local().parameters.down('drop');
    const dropped = await read().then(() => undefined, (e: { $metadata?: { httpStatusCode?: number } }) => e);
    expect(dropped).toBeDefined();
    expect(dropped?.$metadata?.httpStatusCode).toBeUndefined();

    // AND it answers again once up
    local().parameters.up();
    await expect(read()).resolves.toMatchObject({ Parameter: { Value: 'replica' } });
    expect(local().parameters.calls.GetParameter).toBe(3);
  });

  test('answers GetParameters with the found and the invalid names', async () => {
    // GIVEN one stored parameter
    local().parameters.set('/rgt/many-a', 'a');

    // WHEN two names are asked for
    const got = await local().ssm(REGION).send(new GetParametersCommand({ Names: ['/rgt/many-a', '/rgt/many-b'] }));

    // THEN one is returned and one is invalid
    expect(got.Parameters?.map((p) => [p.Name, p.Value])).toEqual([['/rgt/many-a', 'a']]);
    expect(got.InvalidParameters).toEqual(['/rgt/many-b']);
  });

  test('serves the Powertools SSM provider', async () => {
    // GIVEN a Powertools provider on the local client
    local().parameters.set('/rgt/powertools', 'primary');
    const provider = new SSMProvider({ awsSdkV3Client: local().ssm(REGION) });

    // WHEN it reads the parameter twice within its cache age
    const first = await provider.get('/rgt/powertools', { maxAge: 60 });
    const second = await provider.get('/rgt/powertools', { maxAge: 60 });

    // THEN both answers match and only one call reached the server
    expect([first, second]).toEqual(['primary', 'primary']);
    expect(local().parameters.calls.GetParameter).toBe(1);
  });

  test('direct access counts no calls', () => {
    // GIVEN / WHEN values are set and read directly
    local().parameters.set('/rgt/direct', 'x');
    local().parameters.set('/rgt/direct', 'y');

    // THEN the version moved and no call was counted
    expect(local().parameters.get('/rgt/direct')).toEqual({ value: 'y', version: 2 });
    expect(local().parameters.get('/rgt/nothing')).toBeUndefined();
    expect(local().parameters.calls).toEqual({});
  });

  test('throws when throttleNext receives a bad count or operation', () => {
    // GIVEN / WHEN / THEN
    expect(() => local().parameters.throttleNext(-1)).toThrow(/received -1/);
    expect(() => local().parameters.throttleNext(1, 'DeleteParameter')).toThrow(/received "DeleteParameter"/);
  });
});
