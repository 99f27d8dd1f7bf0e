/**
 * Where the bundled handlers live. The build bundles `lambda-src/<name>/index.ts` into `assets/<name>/index.js`
 * (export `handler`) at the package root, and the npm package ships them, so consumers never bundle at synth time.
 * This file sits two levels below the package root both as `src/private/assets.ts` (ts-jest) and as
 * `lib/private/assets.js` (compiled), so one relative path serves both.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The handlers the library ships. */
export type HandlerName = 'reader' | 'rerouter' | 'heartbeat';

/** The handler export of every bundled asset, for `lambda.Function`'s `handler` prop. */
export const HANDLER_ENTRY = 'index.handler';

/** The absolute path of the bundled asset directory of one handler. */
export function handlerAssetPath(name: HandlerName): string {
  return path.join(__dirname, '..', '..', 'assets', name);
}

/** The Lambda code of one bundled handler; throws when the asset is missing (the build did not run). */
export function handlerCode(name: HandlerName): lambda.Code {
  const dir = handlerAssetPath(name);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(`the bundled handler '${name}' is missing: expected ${path.join(dir, 'index.js')} `
      + '(run the build, which bundles lambda-src into assets/)');
  }

  return lambda.Code.fromAsset(dir);
}
