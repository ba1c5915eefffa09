/**
 * Fault tests (test/faults), `npm run test:faults`: a real tuning run per test with a fault injected
 * mid-run (SIGKILLed worker, restarted PostgreSQL or Temporal, failing activities). Each file starts
 * its own throwaway PostgreSQL, Temporal dev server and worker processes; files run one at a time.
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  testTimeout: 300000,
  maxWorkers: 1,
};
