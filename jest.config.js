/** One jest run for the whole workspace; each test file gets its own database and queue prefix. */
const workspacePackages = ['shared', 'db', 'queue', 'domain', 'testing'];

/**
 * ESM-only packages that jest (which runs CommonJS here) must compile: got and the ESM
 * packages it imports. Add a package when a test fails with "Cannot use import statement
 * outside a module" pointing into node_modules.
 */
const esmPackages = [
  'got',
  '@sindresorhus/is',
  '@sec-ant/readable-stream',
  'byte-counter',
  'cacheable-lookup',
  'cacheable-request',
  'decompress-response',
  'get-stream',
  'is-stream',
  'lowercase-keys',
  'mimic-response',
  'normalize-url',
  'p-cancelable',
  'responselike',
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/migrations', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
    // Those ESM packages' JavaScript, transpiled file by file (no type checking) to CommonJS.
    '^.+\\.m?js$': [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          isolatedModules: true,
          module: 'commonjs',
          target: 'es2022',
          esModuleInterop: true,
        },
      },
    ],
  },
  // pnpm keeps packages at node_modules/.pnpm/<name>@<version>/node_modules/<name>/ (jest sees
  // real paths), so each node_modules segment may be followed by that .pnpm prefix.
  transformIgnorePatterns: [
    `/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?(${esmPackages.join('|')})/)`,
  ],
  moduleNameMapper: {
    ...Object.fromEntries(
      workspacePackages.map((p) => [`^@lighthouse/${p}$`, `<rootDir>/packages/${p}/src/index.ts`]),
    ),
    '^@lighthouse/migrations$': '<rootDir>/migrations/src/index.ts',
  },
  globalSetup: '<rootDir>/packages/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/packages/testing/src/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: process.env.JEST_WORKERS ?? 2,
};
