/**
 * Fault tests (test/faults): a real tuning run per test with a fault injected mid-run (SIGKILLed
 * worker, restarted PostgreSQL or Temporal, failing activities). Each file starts its own throwaway
 * PostgreSQL, Temporal dev server and worker processes; files run one at a time (--runInBand).
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 300000,
  maxWorkers: 1,
};
