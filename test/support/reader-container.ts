import { EnvironmentChanges } from './env';

/**
 * Loads the reader handler as a fresh Lambda container (its own module state) with `values` set in process.env.
 * The variables stay set until the returned `restore` runs; `onLoad` runs inside the isolated module registry first
 * (to spy on the SDK the container will use).
 */
export function loadReaderContainer<H>(values: Record<string, string>, onLoad?: () => void):
{ handler: H; restore: () => void } {
  const env = new EnvironmentChanges();
  env.setAll(values);
  let handler: H | undefined;
  jest.isolateModules(() => {
    onLoad?.();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require('../../lambda-src/reader') as { handler: H }).handler;
  });

  return { handler: handler!, restore: () => env.restore() };
}
