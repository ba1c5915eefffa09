/** Unit tests (src/ml) run in parallel; integration tests share one Temporal dev server and database per file. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Fault tests (killed workers, restarted servers) run on their own: `npm run test:faults` (jest.faults.config.js).
  testPathIgnorePatterns: ['/node_modules/', '/test/faults/'],
  testTimeout: 120000,
  maxWorkers: 2,
};
