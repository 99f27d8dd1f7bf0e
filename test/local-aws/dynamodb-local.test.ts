import http from 'node:http';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_ACCESS_KEY_ID } from '../../examples/lab/local-aws';
import { checkJava, JavaMissingError, startDynamoDbLocal } from '../../examples/lab/local-aws/dynamodb-local';
import { useLocalAws } from '../support/local-aws';

const local = useLocalAws();

describe('DynamoDB Local', () => {
  test('runs in memory on 127.0.0.1 without -sharedDb and with -disableTelemetry', () => {
    // GIVEN the running local AWS
    const { commandLine, endpoint, port } = local().dynamoDbLocal;

    // THEN its command line carries the required flags and the port it listens on
    expect(commandLine[0]).toBe('java');
    expect(commandLine).toContain('-disableTelemetry');
    expect(commandLine).toContain('-inMemory');
    expect(commandLine).not.toContain('-sharedDb');
    const portFlag = commandLine.indexOf('-port');
    expect(commandLine.slice(portFlag, portFlag + 2)).toEqual(['-port', String(port)]);
    const isNativeLibraryPath = (arg: string) =>
      arg.startsWith('-Djava.library.path=') && arg.endsWith('DynamoDBLocal_lib');
    expect(commandLine.some(isNativeLibraryPath)).toBe(true);
    expect(endpoint).toBe(`http://127.0.0.1:${port}`);
  });

  test('keeps one database per region: an item written in us-east-1 is absent from eu-central-1', async () => {
    // GIVEN the same table in both regions
    await local().createTable({
      tableName: 'regions-apart',
      regions: ['us-east-1', 'eu-central-1'],
      partitionKey: { name: 'pk', type: 'S' },
    });

    // WHEN an item is written in us-east-1 through the router
    await local().dynamoDb('us-east-1').send(new PutItemCommand({
      TableName: 'regions-apart',
      Item: { pk: { S: 'k1' }, written_at: { N: '1' } },
    }));

    // THEN us-east-1 has it and eu-central-1 does not
    const key = { pk: { S: 'k1' } };
    const getItem = () => new GetItemCommand({ TableName: 'regions-apart', Key: key });
    const east = await local().dynamoDb('us-east-1').send(getItem());
    const central = await local().dynamoDb('eu-central-1').send(getItem());
    expect(east.Item).toEqual({ pk: { S: 'k1' }, written_at: { N: '1' } });
    expect(central.Item).toBeUndefined();
  });

  test('sets the environment a plain SDK client needs to reach the router on 127.0.0.1', async () => {
    // GIVEN the environment applied by useLocalAws
    const env = local().env;
    expect(env).toEqual({
      AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: expect.stringMatching(/^[A-Za-z0-9]+$/),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: local().dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SSM: local().parameters.endpoint,
    });
    expect(LOCAL_ACCESS_KEY_ID).toMatch(/^[A-Za-z0-9]+$/);
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(local().dynamoDbEndpoint);
    expect(env.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.AWS_ENDPOINT_URL_SSM).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const before = local().proxy('eu-central-1').requests;

    // WHEN a client configured only by region lists tables
    const client = new DynamoDBClient({ region: 'eu-central-1', maxAttempts: 1 });
    try {
      await client.send(new ListTablesCommand({}));
    } finally {
      client.destroy();
    }

    // THEN the request went through that region's proxy
    expect(local().proxy('eu-central-1').requests).toBe(before + 1);
  });

  test('applyEnv restores the previous values', () => {
    // GIVEN a variable that was unset and one that was set
    const saved = process.env.AWS_ENDPOINT_URL_SSM;
    process.env.AWS_ENDPOINT_URL_SSM = 'http://127.0.0.1:1';
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;

    // WHEN the environment is applied and restored
    const restore = local().applyEnv();
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(local().dynamoDbEndpoint);
    restore();

    // THEN both are as they were
    expect(process.env.AWS_ENDPOINT_URL_SSM).toBe('http://127.0.0.1:1');
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined();
    process.env.AWS_ENDPOINT_URL_SSM = saved;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = local().dynamoDbEndpoint;
  });

  test('stop kills the JVM and frees its port', async () => {
    // GIVEN a second DynamoDB Local
    const server = await startDynamoDbLocal();
    expect(await answers(server.port)).toBe(true);

    // WHEN it is stopped
    await server.stop();

    // THEN its process group is gone and nothing answers on its port
    expect(() => process.kill(-server.pid, 0)).toThrow();
    expect(await answers(server.port)).toBe(false);
  });

  test('throws when java cannot be found, naming the script that installs it', () => {
    // GIVEN a java command that does not exist
    const missing = '/nonexistent/bin/java';

    // WHEN / THEN
    expect(() => checkJava(missing)).toThrow(JavaMissingError);
    expect(() => checkJava(missing)).toThrow(/bash scripts\/ensure-tools\.sh/);
  });
});

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false }, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('error', () => resolve(false));
    request.end('{}');
  });
}
