/** One jest run for the whole workspace; each test file gets its own database and queue prefix. */
const workspacePackages = [
  'shared',
  'db',
  'queue',
  'domain',
  'testing',
  'net',
  'channels',
  'runtime',
  'contracts',
  'verify',
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/migrations', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // TypeScript only: every dependency the tests load ships CommonJS, so node_modules stays
  // untransformed (jest's default transformIgnorePatterns). An ESM-only dependency would need a
  // JavaScript transform and a transformIgnorePatterns exception that allows for pnpm's
  // node_modules/.pnpm/<name>@<version>/node_modules/<name>/ paths.
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  moduleNameMapper: {
    ...Object.fromEntries(
      workspacePackages.map((p) => [`^@lighthouse/${p}$`, `<rootDir>/packages/${p}/src/index.ts`]),
    ),
    // the domain's browser-safe entries (the contracts import them)
    '^@lighthouse/domain/(targets|channels)$': '<rootDir>/packages/domain/src/$1/index.ts',
    '^@lighthouse/migrations$': '<rootDir>/migrations/src/index.ts',
  },
  globalSetup: '<rootDir>/packages/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/packages/testing/src/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: process.env.JEST_WORKERS ?? 2,
};
