import { GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { credentialScopeRegion, INTERNAL_FAILURE_TYPE } from '../../examples/lab/local-aws/fault-proxy';
import { useLocalAws } from '../support/local-aws';

const local = useLocalAws();
const TABLE = 'proxied';
const KEY = { pk: { S: 'k' } };

beforeAll(async () => {
  await local().createTable({ tableName: TABLE, regions: local().regions, partitionKey: { name: 'pk', type: 'S' } });
});

afterEach(() => {
  for (const region of local().regions) {
    local().proxy(region).pass();
  }
});

describe('fault proxy', () => {
  test('fails the replica region with an HTTP 500 while the primary answers', async () => {
    // GIVEN the replica region's proxy failing with 500
    local().proxy('eu-central-1').fail('http500');

    // WHEN both regions are read
    const replica = local().dynamoDb('eu-central-1').send(new GetItemCommand({ TableName: TABLE, Key: KEY }));
    const primary = local().dynamoDb('us-east-1').send(new GetItemCommand({ TableName: TABLE, Key: KEY }));

    // THEN the replica read fails with DynamoDB's internal failure and the primary read succeeds
    await expect(replica).rejects.toMatchObject({
      name: INTERNAL_FAILURE_TYPE.split('#')[1],
      $metadata: { httpStatusCode: 500 },
    });
    await expect(primary).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });

  test('drops the replica region\'s connections while the primary answers', async () => {
    // GIVEN the replica region's proxy dropping connections
    local().proxy('eu-central-1').fail('drop');
    const before = local().proxy('eu-central-1').requests;

    // WHEN both regions are read
    const replica = local().dynamoDb('eu-central-1').send(new GetItemCommand({ TableName: TABLE, Key: KEY }));
    const primary = local().dynamoDb('us-east-1').send(new GetItemCommand({ TableName: TABLE, Key: KEY }));

    // THEN the replica read fails without any HTTP answer, and the primary read succeeds
    const error = await replica.then(() => undefined, (e: { $metadata?: { httpStatusCode?: number } }) => e);
    expect(error).toBeDefined();
    expect(error?.$metadata?.httpStatusCode).toBeUndefined();
    await expect(primary).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(local().proxy('eu-central-1').requests).toBe(before + 1);
  });

  test('delays requests by the time asked', async () => {
    // GIVEN a delay of 300 ms in the primary
    local().proxy('us-east-1').delay(300);

    // WHEN a request is made
    const startedAt = Date.now();
    await local().dynamoDb('us-east-1').send(new ListTablesCommand({}));

    // THEN it took at least the delay
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
  });

  test('stalls requests until the client gives up, and passes again afterwards', async () => {
    // GIVEN a stalled replica
    local().proxy('eu-central-1').stall();

    // WHEN a client with a 300 ms budget reads it
    const startedAt = Date.now();
    const stalled = local().dynamoDb('eu-central-1', { timeoutMs: 300 }).send(new ListTablesCommand({}));

    // THEN the call times out, and after pass() calls succeed again
    await expect(stalled).rejects.toThrow();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    local().proxy('eu-central-1').pass();
    await expect(local().dynamoDb('eu-central-1').send(new ListTablesCommand({}))).resolves.toBeDefined();
  });

  test('a request held by stall() is forwarded once pass() is called', async () => {
    // GIVEN a stalled primary and a pending request
    local().proxy('us-east-1').stall();
    const pending = local().dynamoDb('us-east-1').send(new ListTablesCommand({}));
    await new Promise((resolve) => setTimeout(resolve, 200));

    // WHEN the proxy passes again
    local().proxy('us-east-1').pass();

    // THEN the held request completes
    await expect(pending).resolves.toMatchObject({ TableNames: expect.arrayContaining([TABLE]) });
  });

  test('the router answers 400 for a region it does not model', async () => {
    // GIVEN a client of a third region
    const client = local().dynamoDb('us-east-1');
    const stray = new (client.constructor as typeof import('@aws-sdk/client-dynamodb').DynamoDBClient)({
      region: 'ap-south-1',
      endpoint: local().dynamoDbEndpoint,
      maxAttempts: 1,
    });

    // WHEN / THEN it is refused with a message naming the region
    try {
      await expect(stray.send(new ListTablesCommand({}))).rejects.toThrow(/ap-south-1/);
    } finally {
      stray.destroy();
    }
  });

  test('reads the region of a SigV4 credential scope', () => {
    // GIVEN / WHEN / THEN
    const header = 'AWS4-HMAC-SHA256 Credential=LOCALLAB/20250101/eu-central-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00';
    expect(credentialScopeRegion(header)).toBe('eu-central-1');
    expect(credentialScopeRegion(undefined)).toBeUndefined();
    expect(credentialScopeRegion('Bearer token')).toBeUndefined();
  });

  test('throws when fail() receives an unknown mode', () => {
    // GIVEN / WHEN / THEN
    expect(() => local().proxy('us-east-1').fail('http503' as 'http500')).toThrow(/received "http503"/);
    expect(() => local().proxy('us-east-1').delay(-1)).toThrow(/received -1/);
    expect(() => local().proxy('sa-east-1')).toThrow(/allowed: us-east-1, eu-central-1/);
  });
});
