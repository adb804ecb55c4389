// test/schema/contract.test.ts checks the schema against the API contract in the file PARLEY_CONTRACT
// names (CI: ../shared/api-contract.graphql, outside this repository). Without PARLEY_CONTRACT it is
// not part of the run at all, so `npm test` needs nothing outside the repository.
const contractIgnored = process.env.PARLEY_CONTRACT ? [] : ['/test/schema/contract\\.test\\.ts$'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...contractIgnored],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(agenda|@agendajs)/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // Most of a test's time is spent waiting on PostgreSQL and sockets, so two workers fit two cores.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
