/**
 * A minimal client for the DynamoDB Streams JSON protocol (DescribeStream, GetShardIterator, GetRecords), signed
 * with SigV4 so DynamoDB Local files each request under the right access key and region. The SDK's own streams
 * client is not a dependency of this project; three operations do not justify adding it. Used by the replicator
 * (see replicator.ts); `npx jest test/local-aws/replicator.test.ts` exercises it.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';

/** The `X-Amz-Target` prefix of the streams API. */
const TARGET_PREFIX = 'DynamoDBStreams_20120810.';

/** The SigV4 service name DynamoDB Streams signs with. */
const SIGNING_SERVICE = 'dynamodb';

/** How long one streams call may take. */
const CALL_TIMEOUT_MS = 10_000;

/** Credentials to sign with. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** An error answered by the streams API. */
export class StreamsCallError extends Error {
  constructor(readonly operation: string, readonly status: number, readonly body: string) {
    super(`DynamoDB Streams ${operation}: HTTP ${status}: ${body.slice(0, 500)}`);
    this.name = 'StreamsCallError';
  }
}

/** The headers of a SigV4-signed POST of `body` to `url`. */
export function signedHeaders(
  url: URL,
  region: string,
  target: string,
  body: string,
  credentials: SigningCredentials,
  now: Date = new Date(),
): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    'host': url.host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
  };
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    'POST',
    url.pathname || '/',
    '',
    ...names.map((name) => `${name}:${headers[name]}`),
    '',
    names.join(';'),
    sha256(body),
  ].join('\n');
  const scope = `${date}/${region}/${SIGNING_SERVICE}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, date);
  for (const part of [region, SIGNING_SERVICE, 'aws4_request']) {
    key = hmac(key, part);
  }
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');

  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hmac(key: string | Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

/** Calls the streams API of one region at `endpoint`. */
export class StreamsClient {
  private readonly url: URL;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(endpoint: string, private readonly region: string, private readonly credentials: SigningCredentials) {
    this.url = new URL(endpoint);
  }

  /** Calls `operation` (e.g. `GetRecords`) with `input` and returns the parsed answer. */
  call<T>(operation: string, input: Record<string, unknown>): Promise<T> {
    const body = JSON.stringify(input);
    const headers = signedHeaders(this.url, this.region, `${TARGET_PREFIX}${operation}`, body, this.credentials);

    return new Promise<T>((resolve, reject) => {
      const request = http.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path: this.url.pathname || '/',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: this.agent,
          timeout: CALL_TIMEOUT_MS,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200) {
              reject(new StreamsCallError(operation, response.statusCode ?? 0, text));

              return;
            }
            try {
              resolve(JSON.parse(text) as T);
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`DynamoDB Streams ${operation}: no answer in ${CALL_TIMEOUT_MS} ms`)));
      request.on('error', reject);
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
