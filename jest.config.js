/** Unit tests (src/ml) run in parallel; integration tests share one Temporal dev server and database per file. */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true }],
    // hyparquet(-writer) ship ES modules only: transpiled to CommonJS like our own code.
    '/node_modules/hyparquet(-writer)?/.+\\.js$': ['ts-jest', { isolatedModules: true, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!hyparquet)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Fault tests (killed workers, restarted servers) run on their own: `npm run test:faults` (jest.faults.config.js).
  testPathIgnorePatterns: ['/node_modules/', '/test/faults/'],
  testTimeout: 120000,
  maxWorkers: 2,
};
