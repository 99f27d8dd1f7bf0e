/**
 * The one place suites boot local AWS: `useLocalAws()` registers jest hooks that start it before the suite (and
 * apply its environment) and stop it after, also when a test fails.
 */
import { LocalAws, startLocalAws, StartLocalAwsOptions } from '../../examples/lab/local-aws';

/** How long booting local AWS (DynamoDB Local's JVM on a busy machine) may take. */
const BOOT_TIMEOUT_MS = 90_000;

/**
 * Starts local AWS in `beforeAll`, applies its environment to process.env, and in `afterAll` restores the
 * environment and stops every server. Returns a getter for the running instance (valid inside tests and hooks).
 */
export function useLocalAws(options?: StartLocalAwsOptions): () => LocalAws {
  let local: LocalAws | undefined;
  let restoreEnv: (() => void) | undefined;

  beforeAll(async () => {
    local = await startLocalAws(options);
    restoreEnv = local.applyEnv();
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    restoreEnv?.();
    restoreEnv = undefined;
    await local?.stop();
    local = undefined;
  }, BOOT_TIMEOUT_MS);

  return () => {
    if (local === undefined) {
      throw new Error('useLocalAws: local AWS is not running here; use the getter inside a test or a hook');
    }

    return local;
  };
}
