/** The fault suite (`pnpm test:faults`): one file, its scenarios in order, on its own. */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.suite.ts'],
  maxWorkers: 1,
  testTimeout: 600_000,
  // After the suite has stopped every process, server and connection it made, node's own exit
  // sometimes spins in its handle cleanup (seen in node::Environment::CleanupHandles, with
  // --detectOpenHandles finding nothing); exiting once the results are in keeps CI from hanging.
  forceExit: true,
};
