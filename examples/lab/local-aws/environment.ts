/**
 * The environment every local client needs: one fixed access key (DynamoDB Local keeps a database per access key
 * and region, so every client must sign with the same key), no instance metadata lookups, and endpoints on
 * 127.0.0.1. Used by `startLocalAws` (see index.ts); `npx jest test/local-aws` exercises it.
 */

/** The access key id every local client signs with (alphanumeric, as DynamoDB Local requires). */
export const LOCAL_ACCESS_KEY_ID = 'LOCALLAB';

/** The secret key paired with {@link LOCAL_ACCESS_KEY_ID}; local servers do not check signatures. */
export const LOCAL_SECRET_ACCESS_KEY = 'LOCALLABSECRET';

/** The credentials object for SDK clients built in code. */
export const LOCAL_CREDENTIALS = { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY };

/** The endpoints a local environment points at. */
export interface LocalEndpoints {
  readonly dynamoDbEndpoint: string;
  readonly ssmEndpoint: string;
}

/** The variables every local client needs (AWS_REGION is deliberately not among them: each client picks one). */
export function localEnv(endpoints: LocalEndpoints): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_ACCESS_KEY,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamoDbEndpoint,
    AWS_ENDPOINT_URL_SSM: endpoints.ssmEndpoint,
  };
}

/**
 * Sets `vars` on `target` (process.env by default) and returns a function that puts back what was there before,
 * deleting the variables that were unset. A session token left in the environment would be sent with the local
 * key, so it is removed while the local environment is applied.
 */
export function applyEnv(vars: Record<string, string>, target: NodeJS.ProcessEnv = process.env): () => void {
  const names = [...Object.keys(vars), 'AWS_SESSION_TOKEN'];
  const previous = new Map(names.map((name) => [name, target[name]] as const));
  delete target.AWS_SESSION_TOKEN;
  Object.assign(target, vars);

  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) {
        delete target[name];
      } else {
        target[name] = value;
      }
    }
  };
}
